/**
 * Pull consumer options as RocketMQ's `DefaultLitePullConsumer` names them, validated with zod, on
 * top of the client options of `client_config.ts`.
 *
 * @module
 */

import { z } from "zod";
import { clientConfigShape } from "./client_config.ts";
import {
  AUTO_COMMIT_INTERVAL_MILLIS_DEFAULT,
  AUTO_COMMIT_INTERVAL_MILLIS_MIN,
  BROKER_SUSPEND_MAX_TIME_MILLIS_MAX,
  LITE_BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT,
  LITE_CONSUME_MAX_SPAN_DEFAULT,
  LITE_CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT,
  LITE_PULL_BATCH_SIZE_DEFAULT,
  POLL_TIMEOUT_MILLIS_DEFAULT,
  PULL_BATCH_SIZE_MAX,
  PULL_THRESHOLD_FOR_ALL_DEFAULT,
  PULL_THRESHOLD_FOR_ALL_MAX,
  PULL_THRESHOLD_FOR_QUEUE_DEFAULT,
  PULL_THRESHOLD_FOR_QUEUE_MAX,
  PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB,
  PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB,
} from "./consumer/limits.ts";
import {
  consumerCommonShape,
  type ConsumerIo,
  finishConsumerConfig,
  parseConsumerConfig,
  type ResolvedConsumerConfig,
} from "./push_consumer_options.ts";

/** The lite pull consumer's delay after a failed pull (RocketMQ: 1000 ms). */
export const LITE_PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT = 1000;

const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

/** The pull consumer's own options with RocketMQ's defaults. */
export const pullConsumerShape = {
  ...consumerCommonShape,
  autoCommit: z.boolean().default(true),
  autoCommitIntervalMillis: int(
    AUTO_COMMIT_INTERVAL_MILLIS_MIN,
    24 * 60 * 60 * 1000,
    AUTO_COMMIT_INTERVAL_MILLIS_DEFAULT,
  ),
  pullBatchSize: int(1, PULL_BATCH_SIZE_MAX, LITE_PULL_BATCH_SIZE_DEFAULT),
  pullThresholdForAll: int(1, PULL_THRESHOLD_FOR_ALL_MAX, PULL_THRESHOLD_FOR_ALL_DEFAULT),
  consumeMaxSpan: int(1, 65_535, LITE_CONSUME_MAX_SPAN_DEFAULT),
  pullThresholdForQueue: int(1, PULL_THRESHOLD_FOR_QUEUE_MAX, PULL_THRESHOLD_FOR_QUEUE_DEFAULT),
  pullThresholdSizeForQueue: int(
    1,
    PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB,
    PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB,
  ),
  pollTimeoutMillis: int(0, 24 * 60 * 60 * 1000, POLL_TIMEOUT_MILLIS_DEFAULT),
  brokerSuspendMaxTimeMillis: int(
    1,
    BROKER_SUSPEND_MAX_TIME_MILLIS_MAX,
    LITE_BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT,
  ),
  consumerTimeoutMillisWhenSuspend: int(
    1,
    2 * BROKER_SUSPEND_MAX_TIME_MILLIS_MAX,
    LITE_CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT,
  ),
  pullTimeDelayMillsWhenException: int(
    1,
    600_000,
    LITE_PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT,
  ),
} as const;

const PullConsumerSchema = z.strictObject({ ...clientConfigShape, ...pullConsumerShape });

/** Pull consumer data options as given (client options included). */
export type PullConsumerConfigInput = z.input<typeof PullConsumerSchema>;

/** Everything a `PullConsumer` is built from. */
export interface PullConsumerOptions extends PullConsumerConfigInput, ConsumerIo {}

/** Resolved pull consumer options. */
export type PullConsumerConfig = ResolvedConsumerConfig<typeof pullConsumerShape>;

/**
 * Validates pull consumer options and resolves the client part (RocketMQ `checkConfig`).
 *
 * @param options the options
 * @param defaultTimestamp formats the default `consumeTimestamp`
 * @returns the resolved config
 * @throws {ClientConfigError} naming each bad option
 * @throws {MQClientError} for RocketMQ's configuration errors
 */
export function resolvePullConsumerConfig(
  options: PullConsumerOptions,
  defaultTimestamp: () => string,
): PullConsumerConfig {
  const { consumer, client } = parseConsumerConfig(options, pullConsumerShape);
  return finishConsumerConfig(consumer, client, defaultTimestamp);
}

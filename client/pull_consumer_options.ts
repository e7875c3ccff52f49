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

/**
 * The lite pull consumer's delay after a failed pull (RocketMQ: 1000 ms).
 *
 * @example
 * ```ts
 * import { LITE_PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT } from "./pull_consumer_options.ts";
 * import { PullConsumer } from "./pull_consumer.ts";
 * const consumer = new PullConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * const delayMs = consumer.config.pullTimeDelayMillsWhenException; // after a failed pull
 * if (delayMs !== LITE_PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT) throw new Error("1 s");
 * ```
 */
export const LITE_PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT = 1000;

const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

/**
 * The pull consumer's own options with RocketMQ's defaults.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { pullConsumerShape } from "./pull_consumer_options.ts";
 * const options = z.object(pullConsumerShape).parse({ consumerGroup: "CG" });
 * if (!options.autoCommit || options.pullBatchSize !== 10) throw new Error("RocketMQ's defaults");
 * ```
 */
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

/**
 * Pull consumer data options as given (client options included).
 *
 * @example
 * ```ts
 * import type { PullConsumerConfigInput } from "./pull_consumer_options.ts";
 * import { PullConsumer } from "./pull_consumer.ts";
 * const input: PullConsumerConfigInput = {
 *   consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", autoCommit: false, pullBatchSize: 32,
 * };
 * if (new PullConsumer(input).config.autoCommit) throw new Error("commit() by hand");
 * ```
 */
export type PullConsumerConfigInput = z.input<typeof PullConsumerSchema>;

/**
 * Everything a `PullConsumer` is built from.
 *
 * @example
 * ```ts
 * import { MQClientManager } from "./mq_client_manager.ts";
 * import type { PullConsumerOptions } from "./pull_consumer_options.ts";
 * import { PullConsumer } from "./pull_consumer.ts";
 * const options: PullConsumerOptions = {
 *   consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", messageModel: "BROADCASTING",
 *   clientManager: new MQClientManager(),
 * };
 * const consumer = new PullConsumer(options);
 * ```
 */
export interface PullConsumerOptions extends PullConsumerConfigInput, ConsumerIo {}

/**
 * Resolved pull consumer options.
 *
 * @example
 * ```ts
 * import { type PullConsumerConfig, resolvePullConsumerConfig } from "./pull_consumer_options.ts";
 * const options = { consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" };
 * const config: PullConsumerConfig = resolvePullConsumerConfig(options, () => "20240101000000");
 * if (config.pollTimeoutMillis !== 5000) throw new Error("RocketMQ's default poll timeout");
 * ```
 */
export type PullConsumerConfig = ResolvedConsumerConfig<typeof pullConsumerShape>;

/**
 * Validates pull consumer options and resolves the client part (RocketMQ `checkConfig`).
 *
 * @param options the options
 * @param defaultTimestamp formats the default `consumeTimestamp`
 * @returns the resolved config
 * @throws {ClientConfigError} naming each bad option
 * @throws {MQClientError} for RocketMQ's configuration errors
 * @example
 * ```ts
 * import { resolvePullConsumerConfig } from "./pull_consumer_options.ts";
 * const options = { consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", consumeMaxSpan: 500 };
 * const config = resolvePullConsumerConfig(options, () => "20240101000000");
 * if (config.consumeMaxSpan !== 500) throw new Error();
 * ```
 */
export function resolvePullConsumerConfig(
  options: PullConsumerOptions,
  defaultTimestamp: () => string,
): PullConsumerConfig {
  const { consumer, client } = parseConsumerConfig(options, pullConsumerShape);
  return finishConsumerConfig(consumer, client, defaultTimestamp);
}

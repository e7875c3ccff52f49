/**
 * Push consumer options as RocketMQ's `DefaultMQPushConsumer` names them, validated with zod, on top
 * of the client options of `client_config.ts`. Bounds follow RocketMQ's `checkConfig` and
 * `consumer/limits.ts`.
 *
 * @module
 */

import { z } from "zod";
import {
  type ClientConfig,
  clientConfigShape,
  type ClientIo,
  parseOptions,
  resolveClientConfig,
} from "./client_config.ts";
import { ClientConfigError, MQClientError, suggestTodo } from "./client_error.ts";
import type { ConsumeFromWhere, MessageModel } from "./heartbeat_data.ts";
import type { MQClientManager } from "./mq_client_manager.ts";
import type { MessageQueue } from "./message_queue.ts";
import {
  BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT,
  BROKER_SUSPEND_MAX_TIME_MILLIS_MAX,
  CONSUME_CONCURRENTLY_MAX_SPAN_DEFAULT,
  CONSUME_CONCURRENTLY_MAX_SPAN_MAX,
  CONSUME_MESSAGE_BATCH_MAX_SIZE_DEFAULT,
  CONSUME_MESSAGE_BATCH_MAX_SIZE_MAX,
  CONSUME_THREAD_MAX_CEILING,
  CONSUME_THREAD_MAX_DEFAULT,
  CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT,
  PULL_BATCH_SIZE_DEFAULT,
  PULL_BATCH_SIZE_MAX,
  PULL_THRESHOLD_FOR_QUEUE_DEFAULT,
  PULL_THRESHOLD_FOR_QUEUE_MAX,
  PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB,
  PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB,
  PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT,
  SUSPEND_CURRENT_QUEUE_TIME_MILLIS_DEFAULT,
  SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX,
} from "./consumer/limits.ts";
import type { FileSystem } from "../store/file_system.ts";
import type { AllocateMessageQueueStrategy } from "./rebalance/allocate_message_queue_strategy.ts";
import { checkConsumeTimestamp } from "./consumer/consume_timestamp.ts";
import { checkGroup } from "./validators.ts";

/** RocketMQ's reserved default group (`MixAll.DEFAULT_CONSUMER_GROUP`); consumers must name theirs. */
export const DEFAULT_CONSUMER_GROUP = "DEFAULT_CONSUMER";

const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

/** Options every consumer (push and pull) shares. */
export const consumerCommonShape = {
  consumerGroup: z.string().min(1).describe("a consumer group name"),
  messageModel: z.enum(["CLUSTERING", "BROADCASTING"]).default("CLUSTERING"),
  consumeFromWhere: z.enum([
    "CONSUME_FROM_LAST_OFFSET",
    "CONSUME_FROM_FIRST_OFFSET",
    "CONSUME_FROM_TIMESTAMP",
    "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
    "CONSUME_FROM_MIN_OFFSET",
    "CONSUME_FROM_MAX_OFFSET",
  ]).default("CONSUME_FROM_LAST_OFFSET"),
  consumeTimestamp: z.string().regex(/^\d{14}$/).describe("yyyyMMddHHmmss").optional(),
  localOffsetStoreDir: z.string().min(1).optional(),
} as const;

/** The push consumer's own options with RocketMQ's defaults. */
export const pushConsumerShape = {
  ...consumerCommonShape,
  consumeThreadMin: int(1, CONSUME_THREAD_MAX_CEILING, CONSUME_THREAD_MAX_DEFAULT),
  consumeThreadMax: int(1, CONSUME_THREAD_MAX_CEILING, CONSUME_THREAD_MAX_DEFAULT),
  consumeConcurrentlyMaxSpan: int(
    1,
    CONSUME_CONCURRENTLY_MAX_SPAN_MAX,
    CONSUME_CONCURRENTLY_MAX_SPAN_DEFAULT,
  ),
  pullThresholdForQueue: int(1, PULL_THRESHOLD_FOR_QUEUE_MAX, PULL_THRESHOLD_FOR_QUEUE_DEFAULT),
  pullThresholdSizeForQueue: int(
    1,
    PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB,
    PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB,
  ),
  pullThresholdForTopic: z.number().int().min(-1).max(6_553_500).default(-1),
  pullThresholdSizeForTopic: z.number().int().min(-1).max(102_400).default(-1),
  pullInterval: int(0, 65_535, 0),
  pullBatchSize: int(1, PULL_BATCH_SIZE_MAX, PULL_BATCH_SIZE_DEFAULT),
  consumeMessageBatchMaxSize: int(
    1,
    CONSUME_MESSAGE_BATCH_MAX_SIZE_MAX,
    CONSUME_MESSAGE_BATCH_MAX_SIZE_DEFAULT,
  ),
  postSubscriptionWhenPull: z.boolean().default(false),
  maxReconsumeTimes: z.number().int().min(-1).default(-1),
  suspendCurrentQueueTimeMillis: int(
    1,
    SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX,
    SUSPEND_CURRENT_QUEUE_TIME_MILLIS_DEFAULT,
  ),
  awaitTerminationMillisWhenShutdown: int(0, 600_000, 0),
  brokerSuspendMaxTimeMillis: int(
    1,
    BROKER_SUSPEND_MAX_TIME_MILLIS_MAX,
    BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT,
  ),
  consumerTimeoutMillisWhenSuspend: int(
    1,
    2 * BROKER_SUSPEND_MAX_TIME_MILLIS_MAX,
    CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT,
  ),
  pullTimeDelayMillsWhenException: int(1, 600_000, PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT),
} as const;

const PushConsumerSchema = z.strictObject({ ...clientConfigShape, ...pushConsumerShape });

/** Push consumer data options as given (client options included). */
export type PushConsumerConfigInput = z.input<typeof PushConsumerSchema>;

/** Called when a topic's assigned queues change (RocketMQ `MessageQueueListener`). */
export type MessageQueueListener = (
  topic: string,
  mqAll: readonly MessageQueue[],
  mqDivided: readonly MessageQueue[],
) => void;

/** I/O and objects a consumer may be given besides its data options. */
export interface ConsumerIo extends ClientIo {
  /** where client instances are shared; default the process-wide manager */
  clientManager?: MQClientManager;
  /** file system of the broadcasting offset file; default the Deno file system */
  fs?: FileSystem;
  /** how queues are split in CLUSTERING; default averagely. `null` is refused at start */
  allocateMessageQueueStrategy?: AllocateMessageQueueStrategy | null;
  /** told when assigned queues change */
  messageQueueListener?: MessageQueueListener;
}

/** Everything a `PushConsumer` is built from. */
export interface PushConsumerOptions extends PushConsumerConfigInput, ConsumerIo {}

/** Resolved push consumer options. */
export type PushConsumerConfig = ResolvedConsumerConfig<typeof pushConsumerShape>;

/** Resolved options of a consumer whose own option shape is `S`. */
export type ResolvedConsumerConfig<S extends z.ZodRawShape> =
  & Omit<z.output<z.ZodObject<S>>, "consumeTimestamp">
  & {
    /** the client part */
    readonly client: ClientConfig;
    /** `yyyyMMddHHmmss`, default half an hour before creation */
    consumeTimestamp: string;
    /** consumeFromWhere typed as the heartbeat needs it */
    consumeFromWhere: ConsumeFromWhere;
    /** messageModel typed as the heartbeat needs it */
    messageModel: MessageModel;
  };

/**
 * Splits consumer options into client and consumer parts and validates both.
 *
 * @param data data options (no I/O)
 * @param shape the consumer's own option shape
 * @param io transport, clock, logger, env
 * @returns the consumer part and the resolved client config
 * @throws {ClientConfigError} naming each bad option
 */
export function parseConsumerOptions<S extends z.ZodRawShape>(
  data: Record<string, unknown>,
  shape: S,
  io: ClientIo,
): { consumer: z.output<z.ZodObject<S>>; client: ClientConfig } {
  const parsed = parseOptions(z.strictObject({ ...clientConfigShape, ...shape }), data) as Record<
    string,
    unknown
  >;
  const clientInput: Record<string, unknown> = {};
  const consumerInput: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key in clientConfigShape) clientInput[key] = value;
    else consumerInput[key] = value;
  }
  return {
    consumer: consumerInput as z.output<z.ZodObject<S>>,
    client: resolveClientConfig(clientInput, io),
  };
}

/**
 * RocketMQ's group checks at start: a legal name, not the reserved `DEFAULT_CONSUMER`.
 *
 * @param group the consumer group
 * @throws {MQClientError} with RocketMQ's wording
 */
export function checkConsumerGroup(group: string): void {
  checkGroup(group);
  if (group === DEFAULT_CONSUMER_GROUP) {
    throw new MQClientError(
      `consumerGroup can not equal ${DEFAULT_CONSUMER_GROUP}, please specify another one.${suggestTodo()}`,
    );
  }
}

/**
 * Validates push consumer options and resolves the client part (RocketMQ `checkConfig`).
 *
 * @param options the options
 * @param nowMs creation time (default `consumeTimestamp` is 30 min before)
 * @param defaultTimestamp formats the default timestamp
 * @returns the resolved config
 * @throws {ClientConfigError} naming each bad option
 * @throws {MQClientError} for RocketMQ's `checkConfig` errors (group, timestamp, long polling)
 */
export function resolvePushConsumerConfig(
  options: PushConsumerOptions,
  defaultTimestamp: () => string,
): PushConsumerConfig {
  const { consumer, client } = parseConsumerConfig(options, pushConsumerShape);
  if (consumer.consumeThreadMin > consumer.consumeThreadMax) {
    throw new ClientConfigError([{
      option: "consumeThreadMin",
      value: consumer.consumeThreadMin,
      expected: `at most consumeThreadMax (${consumer.consumeThreadMax})`,
    }]);
  }
  return finishConsumerConfig(consumer, client, defaultTimestamp);
}

/**
 * The start of every consumer's `checkConfig`: drops the I/O fields, validates the data options
 * against `shape`, resolves the client part and checks the group.
 *
 * @param options a consumer's options
 * @param shape that consumer's own option shape
 * @returns the consumer part and the resolved client config
 * @throws {ClientConfigError} naming each bad option
 * @throws {MQClientError} for a bad or reserved group
 */
export function parseConsumerConfig<S extends z.ZodRawShape>(
  options: ConsumerIo,
  shape: S,
): { consumer: z.output<z.ZodObject<S>>; client: ClientConfig } {
  const {
    transport,
    clock,
    logger,
    env,
    clientManager: _m,
    fs: _fs,
    allocateMessageQueueStrategy: _s,
    messageQueueListener: _l,
    ...data
  } = options;
  const parsed = parseConsumerOptions(data as Record<string, unknown>, shape, {
    transport,
    clock,
    logger,
    env,
  });
  checkConsumerGroup((parsed.consumer as { consumerGroup: string }).consumerGroup);
  return parsed;
}

/** The long-polling and start-point options {@linkcode finishConsumerConfig} checks. */
export interface ConsumerTimingOptions {
  consumerTimeoutMillisWhenSuspend: number;
  brokerSuspendMaxTimeMillis: number;
  consumeTimestamp?: string | undefined;
}

/**
 * The end of every consumer's `checkConfig`: the long-polling relation and the start timestamp.
 *
 * @param consumer the parsed consumer part
 * @param client the resolved client part
 * @param defaultTimestamp formats the default `consumeTimestamp`
 * @returns the resolved config
 * @throws {MQClientError} with RocketMQ's wording for the long-polling relation or the timestamp
 */
export function finishConsumerConfig<C extends ConsumerTimingOptions>(
  consumer: C,
  client: ClientConfig,
  defaultTimestamp: () => string,
): Omit<C, "consumeTimestamp"> & { consumeTimestamp: string; readonly client: ClientConfig } {
  if (consumer.consumerTimeoutMillisWhenSuspend <= consumer.brokerSuspendMaxTimeMillis) {
    throw new MQClientError(
      `Long polling mode, the consumer consumerTimeoutMillisWhenSuspend must greater than brokerSuspendMaxTimeMillis${suggestTodo()}`,
    );
  }
  const consumeTimestamp = consumer.consumeTimestamp ?? defaultTimestamp();
  checkConsumeTimestamp(consumeTimestamp);
  return { ...consumer, consumeTimestamp, client };
}

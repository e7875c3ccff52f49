/**
 * Push consumer options as RocketMQ's `DefaultMQPushConsumer` names them, validated with zod, on top
 * of the client options of `client_config.ts`. Bounds follow RocketMQ's `checkConfig` and
 * `consumer/limits.ts`.
 *
 * @module
 */

import { z } from "zod";
import { offOrIntBetween } from "../common/config_loader.ts";
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

/**
 * RocketMQ's reserved default group (`MixAll.DEFAULT_CONSUMER_GROUP`); consumers must name theirs.
 *
 * @example
 * ```ts
 * import { checkConsumerGroup, DEFAULT_CONSUMER_GROUP } from "./push_consumer_options.ts";
 * try {
 *   checkConsumerGroup(DEFAULT_CONSUMER_GROUP);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error as Error).message.startsWith("consumerGroup can not equal")) throw error;
 * }
 * ```
 */
export const DEFAULT_CONSUMER_GROUP = "DEFAULT_CONSUMER";

/**
 * `consumeTimeout` (minutes): a message longer than this in a concurrent listener is sent back
 * for a later retry and its offset released, so a hung listener cannot pin the queue's committed
 * offset (RocketMQ: 15; the check runs every `consumeTimeout` minutes).
 *
 * @example
 * ```ts
 * import { CONSUME_TIMEOUT_MINUTES_DEFAULT, pushConsumerShape } from "./push_consumer_options.ts";
 * if (pushConsumerShape.consumeTimeout.parse(undefined) !== CONSUME_TIMEOUT_MINUTES_DEFAULT) {
 *   throw new Error("RocketMQ's 15 minutes");
 * }
 * ```
 */
export const CONSUME_TIMEOUT_MINUTES_DEFAULT = 15;

/**
 * Largest `consumeTimeout`: a week.
 *
 * @example
 * ```ts
 * import { CONSUME_TIMEOUT_MINUTES_MAX, pushConsumerShape } from "./push_consumer_options.ts";
 * if (pushConsumerShape.consumeTimeout.safeParse(CONSUME_TIMEOUT_MINUTES_MAX + 1).success) {
 *   throw new Error("the cap");
 * }
 * ```
 */
export const CONSUME_TIMEOUT_MINUTES_MAX = 7 * 24 * 60;

const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

/**
 * Options every consumer (push and pull) shares.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { consumerCommonShape } from "./push_consumer_options.ts";
 * const common = z.object(consumerCommonShape).parse({ consumerGroup: "CG" });
 * if (common.messageModel !== "CLUSTERING") throw new Error("RocketMQ's default model");
 * if (common.consumeFromWhere !== "CONSUME_FROM_LAST_OFFSET") throw new Error();
 * ```
 */
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

/**
 * The push consumer's own options with RocketMQ's defaults.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { pushConsumerShape } from "./push_consumer_options.ts";
 * const options = z.object(pushConsumerShape).parse({ consumerGroup: "CG" });
 * if (options.pullBatchSize !== 32 || options.consumeMessageBatchMaxSize !== 1) throw new Error();
 * ```
 */
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
  pullThresholdForTopic: offOrIntBetween(1, 6_553_500), // 0 would leave queues a threshold of 1
  pullThresholdSizeForTopic: offOrIntBetween(1, 102_400),
  pullInterval: int(0, 65_535, 0),
  pullBatchSize: int(1, PULL_BATCH_SIZE_MAX, PULL_BATCH_SIZE_DEFAULT),
  consumeMessageBatchMaxSize: int(
    1,
    CONSUME_MESSAGE_BATCH_MAX_SIZE_MAX,
    CONSUME_MESSAGE_BATCH_MAX_SIZE_DEFAULT,
  ),
  postSubscriptionWhenPull: z.boolean().default(false),
  maxReconsumeTimes: int(-1, 0x7fff_ffff, -1), // a Java int: it travels in int headers (send-back)
  suspendCurrentQueueTimeMillis: int(
    1,
    SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX,
    SUSPEND_CURRENT_QUEUE_TIME_MILLIS_DEFAULT,
  ),
  awaitTerminationMillisWhenShutdown: int(0, 600_000, 0),
  consumeTimeout: int(1, CONSUME_TIMEOUT_MINUTES_MAX, CONSUME_TIMEOUT_MINUTES_DEFAULT),
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

/**
 * Push consumer data options as given (client options included).
 *
 * @example
 * ```ts
 * import type { PushConsumerConfigInput } from "./push_consumer_options.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const input: PushConsumerConfigInput = {
 *   consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", consumeMessageBatchMaxSize: 16,
 *   maxReconsumeTimes: 3,
 * };
 * if (new PushConsumer(input).maxReconsumeTimes !== 3) throw new Error();
 * ```
 */
export type PushConsumerConfigInput = z.input<typeof PushConsumerSchema>;

/**
 * Called when a topic's assigned queues change (RocketMQ `MessageQueueListener`).
 *
 * @example
 * ```ts
 * import type { MessageQueueListener } from "./push_consumer_options.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const messageQueueListener: MessageQueueListener = (topic, mqAll, mqDivided) => {
 *   console.log(`${topic}: ${mqDivided.length} of ${mqAll.length} queues are mine`);
 * };
 * const options = { consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", messageQueueListener };
 * const consumer = new PushConsumer(options);
 * ```
 */
export type MessageQueueListener = (
  topic: string,
  mqAll: readonly MessageQueue[],
  mqDivided: readonly MessageQueue[],
) => void;

/**
 * I/O and objects a consumer may be given besides its data options.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
 * import { MQClientManager } from "./mq_client_manager.ts";
 * import type { ConsumerIo } from "./push_consumer_options.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const io: ConsumerIo = {
 *   clock: new ManualClock(), fs: new MemoryFileSystem(), clientManager: new MQClientManager(),
 * };
 * const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", ...io });
 * ```
 */
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

/**
 * Everything a `PushConsumer` is built from.
 *
 * @example
 * ```ts
 * import { AllocateMessageQueueAveragelyByCircle } from "./rebalance/mod.ts";
 * import type { PushConsumerOptions } from "./push_consumer_options.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const options: PushConsumerOptions = {
 *   consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", consumeThreadMax: 64,
 *   allocateMessageQueueStrategy: new AllocateMessageQueueAveragelyByCircle(),
 * };
 * if (new PushConsumer(options).config.consumeThreadMax !== 64) throw new Error();
 * ```
 */
export interface PushConsumerOptions extends PushConsumerConfigInput, ConsumerIo {}

/**
 * Resolved push consumer options.
 *
 * @example
 * ```ts
 * import { type PushConsumerConfig, resolvePushConsumerConfig } from "./push_consumer_options.ts";
 * const options = { consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" };
 * const config: PushConsumerConfig = resolvePushConsumerConfig(options, () => "20240101000000");
 * if (config.consumeTimestamp !== "20240101000000" || config.pullInterval !== 0) throw new Error();
 * ```
 */
export type PushConsumerConfig = ResolvedConsumerConfig<typeof pushConsumerShape>;

/**
 * Resolved options of a consumer whose own option shape is `S`.
 *
 * @example
 * ```ts
 * import type { ResolvedConsumerConfig, pushConsumerShape } from "./push_consumer_options.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * const config: ResolvedConsumerConfig<typeof pushConsumerShape> = consumer.config;
 * if (config.client.namesrvAddrs[0] !== "127.0.0.1:9876") throw new Error();
 * ```
 */
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
 * @example
 * ```ts
 * import { parseConsumerOptions, pushConsumerShape } from "./push_consumer_options.ts";
 * const data = { consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", pullBatchSize: 64 };
 * const { consumer, client } = parseConsumerOptions(data, pushConsumerShape, {});
 * if (consumer.pullBatchSize !== 64 || client.namesrvAddrs.length !== 1) throw new Error();
 * ```
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
  // RocketMQ changes DEFAULT to pid#nanoTime for clustering only: a broadcasting consumer keeps
  // ip@DEFAULT, where its local offsets file is found again after a restart.
  const changeInstanceNameToPID = consumerInput.messageModel !== "BROADCASTING";
  return {
    consumer: consumerInput as z.output<z.ZodObject<S>>,
    client: resolveClientConfig(clientInput, io, { changeInstanceNameToPID }),
  };
}

/**
 * RocketMQ's group checks at start: a legal name, not the reserved `DEFAULT_CONSUMER`.
 *
 * @param group the consumer group
 * @throws {MQClientError} with RocketMQ's wording
 * @example
 * ```ts
 * import { MQClientError } from "./client_error.ts";
 * import { checkConsumerGroup } from "./push_consumer_options.ts";
 * checkConsumerGroup("CG_orders");
 * let refused = false;
 * try { checkConsumerGroup("CG orders"); } catch (error) { refused = error instanceof MQClientError; }
 * if (!refused) throw new Error("illegal characters are refused");
 * ```
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
 * @example
 * ```ts
 * import { ClientConfigError } from "./client_error.ts";
 * import { resolvePushConsumerConfig } from "./push_consumer_options.ts";
 * const options = { consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876", consumeThreadMin: 30 };
 * try {
 *   resolvePushConsumerConfig({ ...options, consumeThreadMax: 10 }, () => "20240101000000");
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof ClientConfigError)) throw error; // consumeThreadMin > consumeThreadMax
 * }
 * ```
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
 * @example
 * ```ts
 * import * as push from "./push_consumer_options.ts";
 * const options: push.PushConsumerOptions = {
 *   consumerGroup: "CG", namesrvAddr: "10.0.0.1:9876", pullInterval: 100,
 * };
 * const { consumer } = push.parseConsumerConfig(options, push.pushConsumerShape);
 * if (consumer.pullInterval !== 100 || consumer.consumerGroup !== "CG") throw new Error();
 * ```
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

/**
 * The long-polling and start-point options {@linkcode finishConsumerConfig} checks.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { type ConsumerTimingOptions, finishConsumerConfig } from "./push_consumer_options.ts";
 * const timing: ConsumerTimingOptions = {
 *   brokerSuspendMaxTimeMillis: 15_000, consumerTimeoutMillisWhenSuspend: 30_000,
 * };
 * const client = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" });
 * const config = finishConsumerConfig(timing, client, () => "20240101000000");
 * if (config.consumeTimestamp !== "20240101000000") throw new Error();
 * ```
 */
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
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { finishConsumerConfig } from "./push_consumer_options.ts";
 * const client = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" });
 * const timing = { brokerSuspendMaxTimeMillis: 20_000, consumerTimeoutMillisWhenSuspend: 20_000 };
 * try {
 *   finishConsumerConfig(timing, client, () => "20240101000000");
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error as Error).message.startsWith("Long polling mode")) throw error; // must exceed it
 * }
 * ```
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

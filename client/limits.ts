/**
 * Named maxima and defaults of the client, each with why (STYLE.md "Limits and assertions"). The
 * zod option schemas enforce the same bounds.
 *
 * @module
 */

import assert from "node:assert/strict";
import { JSON_BODY_DEPTH_MAX } from "../common/limits.ts";
import { FRAME_BYTES_MAX_DEFAULT } from "../protocol/limits.ts";

/**
 * RocketMQ `maxMessageSize` default: 4 MiB of body (`DefaultMQProducer.maxMessageSize`).
 *
 * @example
 * ```ts
 * import { MAX_MESSAGE_SIZE_DEFAULT } from "./limits.ts";
 * import { Producer } from "./producer.ts";
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" });
 * if (producer.config.maxMessageSize !== MAX_MESSAGE_SIZE_DEFAULT) throw new Error("4 MiB");
 * ```
 */
export const MAX_MESSAGE_SIZE_DEFAULT = 4 * 1024 * 1024;

/**
 * Largest `maxMessageSize` we accept: the frame limit (16 MiB) less room for the largest
 * properties string (32 767 bytes) and a generous header allowance, so a legal message always fits
 * in one remoting frame.
 *
 * @example
 * ```ts
 * import { ClientConfigError } from "./client_error.ts";
 * import { MAX_MESSAGE_SIZE_CEILING } from "./limits.ts";
 * import { Producer } from "./producer.ts";
 * const options = { producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" };
 * new Producer({ ...options, maxMessageSize: MAX_MESSAGE_SIZE_CEILING });
 * try {
 *   new Producer({ ...options, maxMessageSize: MAX_MESSAGE_SIZE_CEILING + 1 });
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof ClientConfigError)) throw error;
 * }
 * ```
 */
export const MAX_MESSAGE_SIZE_CEILING = FRAME_BYTES_MAX_DEFAULT - 32_767 - 64 * 1024;

/**
 * Bytes a compressed body may inflate to when a message is decoded: a broker takes bodies of at
 * most 64 MiB before compression, so a body inflating further is a "zip bomb", refused as a decode
 * error rather than exhausting memory.
 *
 * @example
 * ```ts
 * import { compressBody, decompressBody } from "./message_compression.ts";
 * import { DECOMPRESSED_BODY_BYTES_MAX } from "./limits.ts";
 * const bomb = compressBody(new Uint8Array(DECOMPRESSED_BODY_BYTES_MAX + 1), "ZLIB", 9);
 * try {
 *   decompressBody(bomb, 0x301);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!String(error).includes("inflates beyond")) throw error;
 * }
 * ```
 */
export const DECOMPRESSED_BODY_BYTES_MAX = 64 * 1024 * 1024;

/**
 * Encoded properties must fit the record's int16 length (message-format.md §4).
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { PROPERTIES_BYTES_MAX } from "./limits.ts";
 * import { Message } from "./message.ts";
 * import { createMessageBatch } from "./message_batch.ts";
 * import { MessageClientIdGenerator } from "./message_client_id.ts";
 * const clock = new ManualClock();
 * const ids = new MessageClientIdGenerator({ clientIP: "10.0.0.1", pid: 1, clock });
 * const properties = { note: "n".repeat(PROPERTIES_BYTES_MAX) };
 * const message = new Message({ topic: "T", body: "x", properties });
 * try {
 *   createMessageBatch([message], { ids, maxMessageSize: 1024 });
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!String((error as Error).cause).includes("more than 32767")) throw error;
 * }
 * ```
 */
export const PROPERTIES_BYTES_MAX = 32_767;

/**
 * Topic names: at most 127 characters (`Validators.TOPIC_MAX_LENGTH`, features.md §11).
 *
 * @example
 * ```ts
 * import { TOPIC_LENGTH_MAX } from "./limits.ts";
 * import { checkTopic } from "./validators.ts";
 * checkTopic("T".repeat(TOPIC_LENGTH_MAX));
 * try {
 *   checkTopic("T".repeat(TOPIC_LENGTH_MAX + 1));
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error as Error).message.startsWith("The specified topic is longer")) throw error;
 * }
 * ```
 */
export const TOPIC_LENGTH_MAX = 127;

/**
 * Group names: at most 255 characters (4.x `Validators.CHARACTER_MAX_LENGTH`, features.md §11).
 *
 * @example
 * ```ts
 * import { GROUP_LENGTH_MAX } from "./limits.ts";
 * import { checkGroup } from "./validators.ts";
 * checkGroup("G".repeat(GROUP_LENGTH_MAX));
 * try {
 *   checkGroup("G".repeat(GROUP_LENGTH_MAX + 1));
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error as Error).message.startsWith("the specified group is longer")) throw error;
 * }
 * ```
 */
export const GROUP_LENGTH_MAX = 255;

/**
 * Sends in flight per producer by default. 1024 keeps a link with a few ms of round trip saturated
 * (1024 requests per RTT is far more than one broker connection carries), while bounding what a
 * burst holds in memory (1 MiB for 1 KiB messages). RocketMQ's own async back-pressure
 * (`backPressureForAsyncSendNum`, 10 000) is off by default and allows unbounded waiting instead.
 *
 * @example
 * ```ts
 * import { SEND_IN_FLIGHT_MAX_DEFAULT } from "./limits.ts";
 * import { Producer } from "./producer.ts";
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" });
 * if (producer.config.maxInFlight !== SEND_IN_FLIGHT_MAX_DEFAULT) throw new Error("1024");
 * ```
 */
export const SEND_IN_FLIGHT_MAX_DEFAULT = 1024;

/**
 * Ceiling of `maxInFlight`: the remoting client's async semaphore (65 535) is the next bound.
 *
 * @example
 * ```ts
 * import { SEND_IN_FLIGHT_MAX_CEILING } from "./limits.ts";
 * import { Producer } from "./producer.ts";
 * const namesrvAddr = "127.0.0.1:9876";
 * const maxInFlight = SEND_IN_FLIGHT_MAX_CEILING;
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr, maxInFlight });
 * if (producer.config.maxInFlight !== 65_535) throw new Error();
 * ```
 */
export const SEND_IN_FLIGHT_MAX_CEILING = 65_535;

/**
 * Sends allowed to wait for a permit at once; more fail fast instead of queueing without bound
 * (STYLE.md: a full queue refuses).
 *
 * @example
 * ```ts
 * import { SEND_WAITERS_MAX } from "./limits.ts";
 * import type { Producer } from "./producer.ts";
 * // sends past maxInFlight wait for a permit; once SEND_WAITERS_MAX wait, a send fails at once
 * async function sendAll(producer: Producer, bodies: readonly string[]) {
 *   const room = bodies.slice(0, producer.config.maxInFlight + SEND_WAITERS_MAX);
 *   return await Promise.all(room.map((body) => producer.send({ topic: "T", body })));
 * }
 * ```
 */
export const SEND_WAITERS_MAX = 65_536;

/**
 * Messages in one batch; the broker refuses larger batches (store `BATCH_MESSAGES_MAX`).
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { BATCH_MESSAGES_MAX } from "./limits.ts";
 * import { Message } from "./message.ts";
 * import { createMessageBatch } from "./message_batch.ts";
 * import { MessageClientIdGenerator } from "./message_client_id.ts";
 * const clock = new ManualClock();
 * const ids = new MessageClientIdGenerator({ clientIP: "10.0.0.1", pid: 1, clock });
 * const message = new Message({ topic: "T", body: "x" });
 * const messages = Array.from({ length: BATCH_MESSAGES_MAX + 1 }, () => message);
 * try {
 *   createMessageBatch(messages, { ids, maxMessageSize: 1024 });
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!String((error as Error).cause).includes("at most 4096 messages")) throw error;
 * }
 * ```
 */
export const BATCH_MESSAGES_MAX = 4096;

/**
 * Name server addresses in `namesrvAddr`; a deployment has a handful.
 *
 * @example
 * ```ts
 * import { parseNamesrvAddr } from "./client_config.ts";
 * import { ClientConfigError } from "./client_error.ts";
 * import { NAMESRV_ADDRS_MAX } from "./limits.ts";
 * const addrs = Array.from({ length: NAMESRV_ADDRS_MAX + 1 }, (_, i) => `10.0.0.${i}:9876`);
 * try {
 *   parseNamesrvAddr(addrs.join(";"));
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof ClientConfigError)) throw error;
 * }
 * ```
 */
export const NAMESRV_ADDRS_MAX = 64;

/**
 * Topics whose routes one client instance caches; beyond this a new topic is refused.
 *
 * @example
 * ```ts
 * import { TOPIC_ROUTES_MAX } from "./limits.ts";
 * import type { Producer } from "./producer.ts";
 * // every topic sent to keeps a cached route; a send to one topic more than this is refused
 * async function fanOut(producer: Producer, topics: readonly string[]) {
 *   const routed = topics.slice(0, TOPIC_ROUTES_MAX);
 *   for (const topic of routed) await producer.send({ topic, body: "x" });
 * }
 * ```
 */
export const TOPIC_ROUTES_MAX = 16_384;

/**
 * Producer or consumer groups registered on one client instance.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { MQClientError } from "./client_error.ts";
 * import { GROUPS_PER_INSTANCE_MAX } from "./limits.ts";
 * import { MQClientInstance } from "./mq_client_instance.ts";
 * const instance = new MQClientInstance(resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" }));
 * const producer = {
 *   publishTopicList: () => [], isPublishTopicNeedUpdate: () => false, updateTopicPublishInfo() {},
 * };
 * for (let i = 0; i < GROUPS_PER_INSTANCE_MAX; i++) instance.registerProducer(`PG_${i}`, producer);
 * try {
 *   instance.registerProducer("PG_one_too_many", producer);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof MQClientError)) throw error;
 * }
 * await instance.shutdown();
 * ```
 */
export const GROUPS_PER_INSTANCE_MAX = 1024;

/**
 * Shortest periodic interval (route poll, heartbeat, offset persist); small values are for tests.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { INTERVAL_MS_MIN } from "./limits.ts";
 * const namesrvAddr = "127.0.0.1:9876";
 * const config = resolveClientConfig({ namesrvAddr, heartbeatBrokerInterval: INTERVAL_MS_MIN });
 * if (config.heartbeatBrokerInterval !== 10) throw new Error("10 ms heartbeats, for tests");
 * ```
 */
export const INTERVAL_MS_MIN = 10;

/**
 * Longest periodic interval: one day.
 *
 * @example
 * ```ts
 * import { ClientConfigSchema } from "./client_config.ts";
 * import { INTERVAL_MS_MAX } from "./limits.ts";
 * const options = { pollNameServerInterval: INTERVAL_MS_MAX + 1 };
 * if (ClientConfigSchema.safeParse(options).success) throw new Error("more than a day is refused");
 * ```
 */
export const INTERVAL_MS_MAX = 24 * 60 * 60 * 1000;

/**
 * Shortest RPC or send timeout.
 *
 * @example
 * ```ts
 * import { ClientConfigSchema } from "./client_config.ts";
 * import { TIMEOUT_MS_MIN } from "./limits.ts";
 * if (!ClientConfigSchema.safeParse({ sendMsgTimeout: TIMEOUT_MS_MIN }).success) throw new Error();
 * if (ClientConfigSchema.safeParse({ sendMsgTimeout: 0 }).success) throw new Error();
 * ```
 */
export const TIMEOUT_MS_MIN = 1;

/**
 * Longest RPC or send timeout: ten minutes.
 *
 * @example
 * ```ts
 * import { ClientConfigSchema } from "./client_config.ts";
 * import { TIMEOUT_MS_MAX } from "./limits.ts";
 * const options = { mqClientApiTimeout: TIMEOUT_MS_MAX + 1 };
 * if (ClientConfigSchema.safeParse(options).success) throw new Error("over ten minutes");
 * ```
 */
export const TIMEOUT_MS_MAX = 10 * 60 * 1000;

/**
 * Send retries at most (RocketMQ default 2).
 *
 * @example
 * ```ts
 * import { RETRY_TIMES_MAX } from "./limits.ts";
 * import { Producer } from "./producer.ts";
 * const namesrvAddr = "127.0.0.1:9876";
 * const retryTimesWhenSendFailed = RETRY_TIMES_MAX;
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr, retryTimesWhenSendFailed });
 * if (producer.config.retryTimesWhenSendFailed !== 16) throw new Error();
 * ```
 */
export const RETRY_TIMES_MAX = 16;

/**
 * Queue count asked for topics created through TBW102 at most (RocketMQ default 4).
 *
 * @example
 * ```ts
 * import { ClientConfigError } from "./client_error.ts";
 * import { DEFAULT_TOPIC_QUEUE_NUMS_MAX } from "./limits.ts";
 * import { Producer } from "./producer.ts";
 * const defaultTopicQueueNums = DEFAULT_TOPIC_QUEUE_NUMS_MAX + 1;
 * try {
 *   new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876", defaultTopicQueueNums });
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof ClientConfigError)) throw error;
 * }
 * ```
 */
export const DEFAULT_TOPIC_QUEUE_NUMS_MAX = 1024;

/**
 * Rebalance period of RocketMQ's `RebalanceService` (`rocketmq.client.rebalance.waitInterval`).
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { REBALANCE_INTERVAL_MS_DEFAULT } from "./limits.ts";
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" });
 * if (config.rebalanceInterval !== REBALANCE_INTERVAL_MS_DEFAULT) throw new Error("20 s");
 * ```
 */
export const REBALANCE_INTERVAL_MS_DEFAULT = 20_000;

/**
 * First route poll after start (RocketMQ: 10 ms).
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { FIRST_ROUTE_POLL_DELAY_MS } from "./limits.ts";
 * const pollNameServerInterval = 50;
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876", pollNameServerInterval });
 * // the first route poll runs after the smaller of the constant and the period
 * if (Math.min(FIRST_ROUTE_POLL_DELAY_MS, config.pollNameServerInterval) > 50) throw new Error();
 * ```
 */
export const FIRST_ROUTE_POLL_DELAY_MS = 10;

/**
 * First heartbeat timer run after start (RocketMQ: 1000 ms).
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { FIRST_HEARTBEAT_DELAY_MS } from "./limits.ts";
 * const heartbeatBrokerInterval = 50;
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876", heartbeatBrokerInterval });
 * // the first heartbeat runs after the smaller of the constant and the period
 * if (Math.min(FIRST_HEARTBEAT_DELAY_MS, config.heartbeatBrokerInterval) > 50) throw new Error();
 * ```
 */
export const FIRST_HEARTBEAT_DELAY_MS = 1000;

/**
 * First offset persist after start (RocketMQ: 10 s).
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { FIRST_PERSIST_DELAY_MS } from "./limits.ts";
 * const namesrvAddr = "127.0.0.1:9876";
 * const config = resolveClientConfig({ namesrvAddr, persistConsumerOffsetInterval: 50 });
 * // the first offset persist runs after the smaller of the constant and the period
 * const firstMs = Math.min(FIRST_PERSIST_DELAY_MS, config.persistConsumerOffsetInterval);
 * if (firstMs !== 50) throw new Error();
 * ```
 */
export const FIRST_PERSIST_DELAY_MS = 10_000;

/**
 * QUERY_MESSAGE `maxNum` for unique-key queries (`defaultQueryMaxNum`, headers.md §7).
 *
 * @example
 * ```ts
 * import type { AdminClient } from "./admin_client.ts";
 * import { QUERY_MAX_NUM_DEFAULT } from "./limits.ts";
 * async function byKey(admin: AdminClient, key: string) {
 *   return await admin.queryMessageByKey("TopicTest", key, { maxNum: QUERY_MAX_NUM_DEFAULT });
 * }
 * ```
 */
export const QUERY_MAX_NUM_DEFAULT = 32;

/**
 * The broker caps `maxNum` at `maxMsgsNumBatch` (64).
 *
 * @example
 * ```ts
 * import type { AdminClient } from "./admin_client.ts";
 * import { QUERY_MAX_NUM_MAX } from "./limits.ts";
 * async function byKey(admin: AdminClient, key: string, wanted: number) {
 *   const maxNum = Math.min(wanted, QUERY_MAX_NUM_MAX); // the broker returns no more anyway
 *   return await admin.queryMessageByKey("TopicTest", key, { maxNum });
 * }
 * ```
 */
export const QUERY_MAX_NUM_MAX = 64;

/**
 * Records decoded from one pull / query body; a 16 MiB frame of minimal (91-byte) records.
 *
 * @example
 * ```ts
 * import { FRAME_BYTES_MAX_DEFAULT } from "../protocol/limits.ts";
 * import { DECODE_RECORDS_MAX } from "./limits.ts";
 * // a full frame of the smallest (91-byte) records is the most one pull body can hold
 * if (DECODE_RECORDS_MAX * 91 < FRAME_BYTES_MAX_DEFAULT) throw new Error();
 * ```
 */
export const DECODE_RECORDS_MAX: number = Math.ceil(FRAME_BYTES_MAX_DEFAULT / 91);

/**
 * Nesting depth accepted by the fastjson reader (common's JSON_BODY_DEPTH_MAX).
 * @example
 * ```ts
 * import { FASTJSON_DEPTH_MAX } from "./limits.ts";
 * import { BodyDecodeError, decodeTopicRouteData } from "./topic_route.ts";
 * const deep = "[".repeat(FASTJSON_DEPTH_MAX + 1) + "]".repeat(FASTJSON_DEPTH_MAX + 1);
 * try {
 *   decodeTopicRouteData(new TextEncoder().encode(deep));
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof BodyDecodeError)) throw error;
 * }
 * ```
 */
export const FASTJSON_DEPTH_MAX: number = JSON_BODY_DEPTH_MAX;

assert(
  MAX_MESSAGE_SIZE_DEFAULT <= MAX_MESSAGE_SIZE_CEILING,
  "MAX_MESSAGE_SIZE_DEFAULT must fit MAX_MESSAGE_SIZE_CEILING",
);
assert(
  SEND_IN_FLIGHT_MAX_DEFAULT <= SEND_IN_FLIGHT_MAX_CEILING,
  "SEND_IN_FLIGHT_MAX_DEFAULT must not exceed its ceiling",
);
assert(INTERVAL_MS_MIN < INTERVAL_MS_MAX, "INTERVAL_MS_MIN must be below INTERVAL_MS_MAX");
assert(QUERY_MAX_NUM_DEFAULT <= QUERY_MAX_NUM_MAX, "QUERY_MAX_NUM_DEFAULT must fit the cap");

/**
 * Most read or write queues a route may give one broker's topic (RocketMQ sets no bound; EdgeMQ's
 * brokers allow 16,384, a Java broker more). A route naming more is treated as no route (logged):
 * building 2,000,000,000 queue objects froze the process, then ended it.
 *
 * @example
 * ```ts
 * import { ROUTE_QUEUE_NUMS_MAX } from "./limits.ts";
 * console.assert(ROUTE_QUEUE_NUMS_MAX === 65_536);
 * ```
 */
export const ROUTE_QUEUE_NUMS_MAX = 65_536;

/**
 * Longest a route lookup waits for the client's name-server lock before giving up (RocketMQ's
 * `MQClientInstance.LOCK_TIMEOUT_MILLIS`): behind a hung name server, the first sends to many new
 * topics then fail within seconds instead of queueing one `mqClientApiTimeout` each.
 *
 * @example
 * ```ts
 * import { NAMESRV_LOCK_WAIT_MS } from "./limits.ts";
 * console.assert(NAMESRV_LOCK_WAIT_MS === 3000);
 * ```
 */
export const NAMESRV_LOCK_WAIT_MS = 3000;

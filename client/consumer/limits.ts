/**
 * Defaults and maxima of the consumers (RocketMQ `DefaultMQPushConsumer`,
 * `DefaultLitePullConsumer`, `ProcessQueue`, `ConsumeMessage*Service`), each with why. The zod
 * option schemas of the push and pull consumers enforce the same bounds (STYLE.md "Limits and
 * assertions").
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Messages asked per pull (`pullBatchSize` 32); the broker caps it further (message-format.md §8).
 * @example
 * ```ts
 * import { PULL_BATCH_SIZE_DEFAULT, pushConsumerShape as push } from "../mod.ts";
 * if (push.pullBatchSize.parse(undefined) !== PULL_BATCH_SIZE_DEFAULT) throw new Error();
 * ```
 */
export const PULL_BATCH_SIZE_DEFAULT = 32;
/**
 * RocketMQ `checkConfig`: `pullBatchSize` in [1, 1024].
 * @example
 * ```ts
 * import { PULL_BATCH_SIZE_MAX, pushConsumerShape as push } from "../mod.ts";
 * if (push.pullBatchSize.safeParse(PULL_BATCH_SIZE_MAX + 1).success) throw new Error("the cap");
 * ```
 */
export const PULL_BATCH_SIZE_MAX = 1024;

/**
 * Messages cached per queue before pulls pause (`pullThresholdForQueue`).
 * @example
 * ```ts
 * import { PULL_THRESHOLD_FOR_QUEUE_DEFAULT, pushConsumerShape as push } from "../mod.ts";
 * const value = push.pullThresholdForQueue.parse(undefined);
 * if (value !== PULL_THRESHOLD_FOR_QUEUE_DEFAULT) throw new Error("its default");
 * ```
 */
export const PULL_THRESHOLD_FOR_QUEUE_DEFAULT = 1000;
/**
 * RocketMQ `checkConfig`: `pullThresholdForQueue` in [1, 65535].
 * @example
 * ```ts
 * import { PULL_THRESHOLD_FOR_QUEUE_MAX, pushConsumerShape as push } from "../mod.ts";
 * const tooLarge = PULL_THRESHOLD_FOR_QUEUE_MAX + 1;
 * if (push.pullThresholdForQueue.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const PULL_THRESHOLD_FOR_QUEUE_MAX = 65_535;

/**
 * MiB of bodies cached per queue before pulls pause (`pullThresholdSizeForQueue`).
 * @example
 * ```ts
 * import { PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB, pushConsumerShape } from "../mod.ts";
 * const mib = pushConsumerShape.pullThresholdSizeForQueue.parse(undefined);
 * if (mib !== PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB) throw new Error("its default");
 * ```
 */
export const PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB = 100;
/**
 * RocketMQ `checkConfig`: `pullThresholdSizeForQueue` in [1, 1024] MiB.
 * @example
 * ```ts
 * import { PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB, pushConsumerShape as push } from "../mod.ts";
 * const tooLarge = PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB + 1;
 * if (push.pullThresholdSizeForQueue.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB = 1024;

/**
 * Queue offset span (last − first cached) beyond which a concurrently consumed queue stops pulling
 * (`consumeConcurrentlyMaxSpan`): a stuck message must not let the cache drift without bound.
 * @example
 * ```ts
 * import { CONSUME_CONCURRENTLY_MAX_SPAN_DEFAULT, pushConsumerShape as push } from "../mod.ts";
 * const value = push.consumeConcurrentlyMaxSpan.parse(undefined);
 * if (value !== CONSUME_CONCURRENTLY_MAX_SPAN_DEFAULT) throw new Error("its default");
 * ```
 */
export const CONSUME_CONCURRENTLY_MAX_SPAN_DEFAULT = 2000;
/**
 * RocketMQ `checkConfig`: `consumeConcurrentlyMaxSpan` in [1, 65535].
 * @example
 * ```ts
 * import { CONSUME_CONCURRENTLY_MAX_SPAN_MAX, pushConsumerShape as push } from "../mod.ts";
 * const tooLarge = CONSUME_CONCURRENTLY_MAX_SPAN_MAX + 1;
 * if (push.consumeConcurrentlyMaxSpan.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const CONSUME_CONCURRENTLY_MAX_SPAN_MAX = 65_535;

/**
 * Listener calls in flight at once per push consumer: RocketMQ's `consumeThreadMax` (20) threads
 * become a limit on concurrent calls. Waiting calls are bounded by the cached messages
 * (`pullThresholdForQueue` + one pull batch per queue).
 * @example
 * ```ts
 * import { CONSUME_THREAD_MAX_DEFAULT, pushConsumerShape as push } from "../mod.ts";
 * if (push.consumeThreadMax.parse(undefined) !== CONSUME_THREAD_MAX_DEFAULT) throw new Error();
 * ```
 */
export const CONSUME_THREAD_MAX_DEFAULT = 20;
/**
 * RocketMQ `checkConfig`: consume threads in [1, 1000].
 * @example
 * ```ts
 * import { CONSUME_THREAD_MAX_CEILING, pushConsumerShape as push } from "../mod.ts";
 * const tooLarge = CONSUME_THREAD_MAX_CEILING + 1;
 * if (push.consumeThreadMax.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const CONSUME_THREAD_MAX_CEILING = 1000;

/**
 * Messages per listener call (`consumeMessageBatchMaxSize`).
 * @example
 * ```ts
 * import { CONSUME_MESSAGE_BATCH_MAX_SIZE_DEFAULT, pushConsumerShape as push } from "../mod.ts";
 * const value = push.consumeMessageBatchMaxSize.parse(undefined);
 * if (value !== CONSUME_MESSAGE_BATCH_MAX_SIZE_DEFAULT) throw new Error("its default");
 * ```
 */
export const CONSUME_MESSAGE_BATCH_MAX_SIZE_DEFAULT = 1;
/**
 * RocketMQ `checkConfig`: `consumeMessageBatchMaxSize` in [1, 1024].
 * @example
 * ```ts
 * import { CONSUME_MESSAGE_BATCH_MAX_SIZE_MAX, pushConsumerShape as push } from "../mod.ts";
 * const tooLarge = CONSUME_MESSAGE_BATCH_MAX_SIZE_MAX + 1;
 * if (push.consumeMessageBatchMaxSize.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const CONSUME_MESSAGE_BATCH_MAX_SIZE_MAX = 1024;

/**
 * Deliveries of a concurrently consumed message before the DLQ (`maxReconsumeTimes` −1 ⇒ 16).
 * @example
 * ```ts
 * import { MAX_RECONSUME_TIMES_CONCURRENTLY, PushConsumer } from "../mod.ts";
 * const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * if (consumer.maxReconsumeTimes !== MAX_RECONSUME_TIMES_CONCURRENTLY) throw new Error("-1: 16");
 * ```
 */
export const MAX_RECONSUME_TIMES_CONCURRENTLY = 16;
/**
 * Local retries of an orderly consumed message (`maxReconsumeTimes` −1 ⇒ Integer.MAX_VALUE).
 * @example
 * ```ts
 * import { MAX_RECONSUME_TIMES_ORDERLY } from "./limits.ts";
 * if (MAX_RECONSUME_TIMES_ORDERLY !== 2 ** 31 - 1) throw new Error("Java's Integer.MAX_VALUE");
 * ```
 */
export const MAX_RECONSUME_TIMES_ORDERLY = 2_147_483_647;

/**
 * Long-poll hold asked of the broker by push consumers (`BROKER_SUSPEND_MAX_TIME_MILLIS`).
 * @example
 * ```ts
 * import { BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT, pushConsumerShape as push } from "../mod.ts";
 * const value = push.brokerSuspendMaxTimeMillis.parse(undefined);
 * if (value !== BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT) throw new Error("its default");
 * ```
 */
export const BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT = 15_000;
/**
 * Client deadline of a push long poll (`CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND`).
 * @example
 * ```ts
 * import * as client from "../mod.ts";
 * const value = client.pushConsumerShape.consumerTimeoutMillisWhenSuspend.parse(undefined);
 * if (value !== client.CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT) throw new Error();
 * ```
 */
export const CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT = 30_000;
/**
 * Longest long-poll hold we ask for: the broker parks the request that long at most.
 * @example
 * ```ts
 * import { BROKER_SUSPEND_MAX_TIME_MILLIS_MAX, pushConsumerShape as push } from "../mod.ts";
 * const tooLarge = BROKER_SUSPEND_MAX_TIME_MILLIS_MAX + 1;
 * if (push.brokerSuspendMaxTimeMillis.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const BROKER_SUSPEND_MAX_TIME_MILLIS_MAX = 120_000;

/**
 * Delay of the next pull when a queue's cache is over its thresholds (RocketMQ: 50 ms).
 * @example
 * ```ts
 * import { PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL as DELAY_MS } from "./limits.ts";
 * if (DELAY_MS !== 50) throw new Error("a full queue cache is re-checked every 50 ms");
 * ```
 */
export const PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL = 50;
/**
 * Delay of the next pull after a failed pull (`pullTimeDelayMillsWhenException`, 3000 ms).
 * @example
 * ```ts
 * import * as client from "../mod.ts";
 * const value = client.pushConsumerShape.pullTimeDelayMillsWhenException.parse(undefined);
 * if (value !== client.PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT) throw new Error();
 * ```
 */
export const PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT = 3000;
/**
 * Delay of the next pull while the consumer is suspended (RocketMQ: 1000 ms).
 * @example
 * ```ts
 * import { PULL_TIME_DELAY_MILLS_WHEN_SUSPEND } from "./limits.ts";
 * if (PULL_TIME_DELAY_MILLS_WHEN_SUSPEND !== 1000) throw new Error("1 s while suspended");
 * ```
 */
export const PULL_TIME_DELAY_MILLS_WHEN_SUSPEND = 1000;
/**
 * Delay of the next pull when the broker answers FLOW_CONTROL (RocketMQ: 20 ms).
 * @example
 * ```ts
 * import { PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL as DELAY_MS } from "./limits.ts";
 * if (DELAY_MS !== 20) throw new Error("FLOW_CONTROL answers are retried after 20 ms");
 * ```
 */
export const PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL = 20;
/**
 * After OFFSET_ILLEGAL: wait before storing the corrected offset and re-creating the queue.
 * @example
 * ```ts
 * import { OFFSET_ILLEGAL_FIX_DELAY_MS } from "./limits.ts";
 * if (OFFSET_ILLEGAL_FIX_DELAY_MS !== 10_000) throw new Error("RocketMQ waits 10 s");
 * ```
 */
export const OFFSET_ILLEGAL_FIX_DELAY_MS = 10_000;

/**
 * Re-consume delay of messages whose send-back failed (RocketMQ: 5000 ms).
 * @example
 * ```ts
 * import { CONSUME_RETRY_LOCAL_DELAY_MS } from "./limits.ts";
 * if (CONSUME_RETRY_LOCAL_DELAY_MS !== 5000) throw new Error("consumed again here after 5 s");
 * ```
 */
export const CONSUME_RETRY_LOCAL_DELAY_MS = 5000;
/**
 * Orderly: pause of a queue after SUSPEND_CURRENT_QUEUE_A_MOMENT (`suspendCurrentQueueTimeMillis`).
 * @example
 * ```ts
 * import { SUSPEND_CURRENT_QUEUE_TIME_MILLIS_DEFAULT, pushConsumerShape as push } from "../mod.ts";
 * const value = push.suspendCurrentQueueTimeMillis.parse(undefined);
 * if (value !== SUSPEND_CURRENT_QUEUE_TIME_MILLIS_DEFAULT) throw new Error("its default");
 * ```
 */
export const SUSPEND_CURRENT_QUEUE_TIME_MILLIS_DEFAULT = 1000;
/**
 * Orderly: bounds of a queue's pause (RocketMQ clamps it to [10, 30000] ms).
 * @example
 * ```ts
 * import { SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN } from "./limits.ts";
 * const pauseMs = (askedMs: number) => Math.max(askedMs, SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN);
 * ```
 */
export const SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN = 10;
/**
 * See {@linkcode SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN}.
 * @example
 * ```ts
 * import { SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX, pushConsumerShape as push } from "../mod.ts";
 * const tooLarge = SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX + 1;
 * if (push.suspendCurrentQueueTimeMillis.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX = 30_000;
/**
 * Orderly: one queue is consumed at most this long before yielding to others (RocketMQ: 60 s).
 * @example
 * ```ts
 * import { MAX_TIME_CONSUME_CONTINUOUSLY_MS } from "./limits.ts";
 * const mustYield = (elapsedMs: number) => elapsedMs > MAX_TIME_CONSUME_CONTINUOUSLY_MS;
 * ```
 */
export const MAX_TIME_CONSUME_CONTINUOUSLY_MS = 60_000;

/**
 * Re-lock period of orderly queues (`rocketmq.client.rebalance.lockInterval`).
 * @example
 * ```ts
 * import { REBALANCE_LOCK_INTERVAL_MS, REBALANCE_LOCK_MAX_LIVE_TIME_MS } from "./limits.ts";
 * if (REBALANCE_LOCK_INTERVAL_MS >= REBALANCE_LOCK_MAX_LIVE_TIME_MS) throw new Error();
 * ```
 */
export const REBALANCE_LOCK_INTERVAL_MS = 20_000;
/**
 * A queue lock older than this is stale (`rocketmq.client.rebalance.lockMaxLiveTime`).
 * @example
 * ```ts
 * import { REBALANCE_LOCK_MAX_LIVE_TIME_MS } from "./limits.ts";
 * const isStale = (lockAgeMs: number) => lockAgeMs > REBALANCE_LOCK_MAX_LIVE_TIME_MS;
 * ```
 */
export const REBALANCE_LOCK_MAX_LIVE_TIME_MS = 30_000;
/**
 * First re-lock after start (RocketMQ: 1000 ms).
 * @example
 * ```ts
 * import { REBALANCE_LOCK_FIRST_DELAY_MS } from "./limits.ts";
 * if (REBALANCE_LOCK_FIRST_DELAY_MS !== 1000) throw new Error("first lock 1 s after start");
 * ```
 */
export const REBALANCE_LOCK_FIRST_DELAY_MS = 1000;
/**
 * LOCK_BATCH_MQ / UNLOCK_BATCH_MQ deadline (RocketMQ: 1000 ms).
 * @example
 * ```ts
 * import { type LockBatchRequest, LOCK_BATCH_TIMEOUT_MS, type MQClientAPI } from "../mod.ts";
 * const lock = (api: MQClientAPI, addr: string, body: LockBatchRequest) =>
 *   api.lockBatchMQ(addr, body, LOCK_BATCH_TIMEOUT_MS);
 * ```
 */
export const LOCK_BATCH_TIMEOUT_MS = 1000;
/**
 * Orderly removal waits this long for the queue's consumption to finish (RocketMQ: 500 ms).
 * @example
 * ```ts
 * import { ORDERLY_REMOVE_WAIT_MS } from "./limits.ts";
 * const listenerDone = AbortSignal.timeout(ORDERLY_REMOVE_WAIT_MS); // else retried next run
 * ```
 */
export const ORDERLY_REMOVE_WAIT_MS = 500;
/**
 * A queue not pulled for this long is re-created by the next rebalance (`pullMaxIdleTime`).
 * @example
 * ```ts
 * import { PULL_MAX_IDLE_TIME_MS } from "./limits.ts";
 * const isIdle = (lastPullMs: number, nowMs: number) => nowMs - lastPullMs > PULL_MAX_IDLE_TIME_MS;
 * ```
 */
export const PULL_MAX_IDLE_TIME_MS = 120_000;

/**
 * QUERY_CONSUMER_OFFSET / UPDATE_CONSUMER_OFFSET deadline (RocketMQ: 5000 ms).
 * @example
 * ```ts
 * import { OFFSET_RPC_TIMEOUT_MS } from "./limits.ts";
 * const offsetCallDeadline = AbortSignal.timeout(OFFSET_RPC_TIMEOUT_MS); // *_CONSUMER_OFFSET
 * ```
 */
export const OFFSET_RPC_TIMEOUT_MS = 5000;
/**
 * CONSUMER_SEND_MSG_BACK deadline (RocketMQ: 5000 ms).
 * @example
 * ```ts
 * import { SEND_BACK_TIMEOUT_MS } from "./limits.ts";
 * const sendBackDeadline = AbortSignal.timeout(SEND_BACK_TIMEOUT_MS); // CONSUMER_SEND_MSG_BACK
 * ```
 */
export const SEND_BACK_TIMEOUT_MS = 5000;

/**
 * CONSUME_FROM_TIMESTAMP default: half an hour before start (RocketMQ `consumeTimestamp`).
 * @example
 * ```ts
 * import { CONSUME_TIMESTAMP_BACK_MS as BACK_MS } from "./limits.ts";
 * import { defaultConsumeTimestamp, formatConsumeTimestamp } from "./consume_timestamp.ts";
 * if (defaultConsumeTimestamp(1e12) !== formatConsumeTimestamp(1e12 - BACK_MS)) throw new Error();
 * ```
 */
export const CONSUME_TIMESTAMP_BACK_MS = 30 * 60 * 1000;

/**
 * Lite pull: messages asked per pull (`pullBatchSize` 10).
 * @example
 * ```ts
 * import { LITE_PULL_BATCH_SIZE_DEFAULT, pullConsumerShape as pull } from "../mod.ts";
 * if (pull.pullBatchSize.parse(undefined) !== LITE_PULL_BATCH_SIZE_DEFAULT) throw new Error();
 * ```
 */
export const LITE_PULL_BATCH_SIZE_DEFAULT = 10;
/**
 * Lite pull: messages buffered for `poll` at most (`pullThresholdForAll`).
 * @example
 * ```ts
 * import { PULL_THRESHOLD_FOR_ALL_DEFAULT, pullConsumerShape as pull } from "../mod.ts";
 * const value = pull.pullThresholdForAll.parse(undefined);
 * if (value !== PULL_THRESHOLD_FOR_ALL_DEFAULT) throw new Error("its default");
 * ```
 */
export const PULL_THRESHOLD_FOR_ALL_DEFAULT = 10_000;
/**
 * Lite pull: largest `pullThresholdForAll` accepted; the buffer holds this many messages.
 * @example
 * ```ts
 * import { PULL_THRESHOLD_FOR_ALL_MAX, pullConsumerShape as pull } from "../mod.ts";
 * const tooLarge = PULL_THRESHOLD_FOR_ALL_MAX + 1;
 * if (pull.pullThresholdForAll.safeParse(tooLarge).success) throw new Error("the cap");
 * ```
 */
export const PULL_THRESHOLD_FOR_ALL_MAX = 1_000_000;
/**
 * Lite pull: long-poll hold asked of the broker (`brokerSuspendMaxTimeMillis` 20 s).
 * @example
 * ```ts
 * import * as client from "../mod.ts";
 * const value = client.pullConsumerShape.brokerSuspendMaxTimeMillis.parse(undefined);
 * if (value !== client.LITE_BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT) throw new Error("its default");
 * ```
 */
export const LITE_BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT = 20_000;
/**
 * Lite pull: client deadline of a long poll (`consumerTimeoutMillisWhenSuspend` 30 s).
 * @example
 * ```ts
 * import * as client from "../mod.ts";
 * const value = client.pullConsumerShape.consumerTimeoutMillisWhenSuspend.parse(undefined);
 * if (value !== client.LITE_CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT) throw new Error();
 * ```
 */
export const LITE_CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT = 30_000;
/**
 * Lite pull: offset commit period with autoCommit (`autoCommitIntervalMillis`).
 * @example
 * ```ts
 * import { AUTO_COMMIT_INTERVAL_MILLIS_DEFAULT, pullConsumerShape as pull } from "../mod.ts";
 * const value = pull.autoCommitIntervalMillis.parse(undefined);
 * if (value !== AUTO_COMMIT_INTERVAL_MILLIS_DEFAULT) throw new Error("its default");
 * ```
 */
export const AUTO_COMMIT_INTERVAL_MILLIS_DEFAULT = 5000;
/**
 * Lite pull: shortest autoCommit period (RocketMQ `MIN_AUTOCOMMIT_INTERVAL_MILLIS`).
 * @example
 * ```ts
 * import { AUTO_COMMIT_INTERVAL_MILLIS_MIN, pullConsumerShape as pull } from "../mod.ts";
 * const tooSmall = AUTO_COMMIT_INTERVAL_MILLIS_MIN - 1;
 * if (pull.autoCommitIntervalMillis.safeParse(tooSmall).success) throw new Error("the floor");
 * ```
 */
export const AUTO_COMMIT_INTERVAL_MILLIS_MIN = 1000;
/**
 * Lite pull: default `poll` wait (`pollTimeoutMillis`).
 * @example
 * ```ts
 * import { POLL_TIMEOUT_MILLIS_DEFAULT, pullConsumerShape as pull } from "../mod.ts";
 * if (pull.pollTimeoutMillis.parse(undefined) !== POLL_TIMEOUT_MILLIS_DEFAULT) throw new Error();
 * ```
 */
export const POLL_TIMEOUT_MILLIS_DEFAULT = 5000;
/**
 * Lite pull: a queue's offset span beyond which it stops pulling (`consumeMaxSpan`).
 * @example
 * ```ts
 * import { LITE_CONSUME_MAX_SPAN_DEFAULT, pullConsumerShape as pull } from "../mod.ts";
 * if (pull.consumeMaxSpan.parse(undefined) !== LITE_CONSUME_MAX_SPAN_DEFAULT) throw new Error();
 * ```
 */
export const LITE_CONSUME_MAX_SPAN_DEFAULT = 2000;
/**
 * Lite pull: delay of a paused queue's next pull check (RocketMQ: 1000 ms).
 * @example
 * ```ts
 * import { PULL_TIME_DELAY_MILLS_WHEN_PAUSE } from "./limits.ts";
 * if (PULL_TIME_DELAY_MILLS_WHEN_PAUSE !== 1000) throw new Error("1 s while paused");
 * ```
 */
export const PULL_TIME_DELAY_MILLS_WHEN_PAUSE = 1000;

/**
 * Queues one consumer works on at most; a topic has at most a few thousand.
 * @example
 * ```ts
 * import { PROCESS_QUEUES_MAX } from "./limits.ts";
 * if (PROCESS_QUEUES_MAX < 8 * 1024) throw new Error("room for every queue of a large topic");
 * ```
 */
export const PROCESS_QUEUES_MAX = 65_536;

assert(
  BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT < CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT,
  "the client must wait longer than the broker holds a long poll",
);
assert(
  LITE_BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT < LITE_CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT,
  "the lite client must wait longer than the broker holds a long poll",
);
assert(
  REBALANCE_LOCK_INTERVAL_MS < REBALANCE_LOCK_MAX_LIVE_TIME_MS,
  "locks must be renewed before they go stale",
);
assert(
  PULL_BATCH_SIZE_DEFAULT <= PULL_THRESHOLD_FOR_QUEUE_DEFAULT,
  "one pull must fit a queue's cache",
);
assert(
  LITE_PULL_BATCH_SIZE_DEFAULT <= PULL_THRESHOLD_FOR_ALL_DEFAULT,
  "one lite pull must fit the poll buffer",
);

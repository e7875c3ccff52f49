/**
 * Defaults and maxima of the consumers (RocketMQ `DefaultMQPushConsumer`,
 * `DefaultLitePullConsumer`, `ProcessQueue`, `ConsumeMessage*Service`), each with why. The zod
 * option schemas of the push and pull consumers enforce the same bounds (STYLE.md "Limits and
 * assertions").
 *
 * @module
 */

import assert from "node:assert/strict";

/** Messages asked per pull (`pullBatchSize` 32); the broker caps it further (message-format.md §8). */
export const PULL_BATCH_SIZE_DEFAULT = 32;
/** RocketMQ `checkConfig`: `pullBatchSize` in [1, 1024]. */
export const PULL_BATCH_SIZE_MAX = 1024;

/** Messages cached per queue before pulls pause (`pullThresholdForQueue`). */
export const PULL_THRESHOLD_FOR_QUEUE_DEFAULT = 1000;
/** RocketMQ `checkConfig`: `pullThresholdForQueue` in [1, 65535]. */
export const PULL_THRESHOLD_FOR_QUEUE_MAX = 65_535;

/** MiB of bodies cached per queue before pulls pause (`pullThresholdSizeForQueue`). */
export const PULL_THRESHOLD_SIZE_FOR_QUEUE_DEFAULT_MIB = 100;
/** RocketMQ `checkConfig`: `pullThresholdSizeForQueue` in [1, 1024] MiB. */
export const PULL_THRESHOLD_SIZE_FOR_QUEUE_MAX_MIB = 1024;

/**
 * Queue offset span (last − first cached) beyond which a concurrently consumed queue stops pulling
 * (`consumeConcurrentlyMaxSpan`): a stuck message must not let the cache drift without bound.
 */
export const CONSUME_CONCURRENTLY_MAX_SPAN_DEFAULT = 2000;
/** RocketMQ `checkConfig`: `consumeConcurrentlyMaxSpan` in [1, 65535]. */
export const CONSUME_CONCURRENTLY_MAX_SPAN_MAX = 65_535;

/**
 * Listener calls in flight at once per push consumer: RocketMQ's `consumeThreadMax` (20) threads
 * become a limit on concurrent calls. Waiting calls are bounded by the cached messages
 * (`pullThresholdForQueue` + one pull batch per queue).
 */
export const CONSUME_THREAD_MAX_DEFAULT = 20;
/** RocketMQ `checkConfig`: consume threads in [1, 1000]. */
export const CONSUME_THREAD_MAX_CEILING = 1000;

/** Messages per listener call (`consumeMessageBatchMaxSize`). */
export const CONSUME_MESSAGE_BATCH_MAX_SIZE_DEFAULT = 1;
/** RocketMQ `checkConfig`: `consumeMessageBatchMaxSize` in [1, 1024]. */
export const CONSUME_MESSAGE_BATCH_MAX_SIZE_MAX = 1024;

/** Deliveries of a concurrently consumed message before the DLQ (`maxReconsumeTimes` −1 ⇒ 16). */
export const MAX_RECONSUME_TIMES_CONCURRENTLY = 16;
/** Local retries of an orderly consumed message (`maxReconsumeTimes` −1 ⇒ Integer.MAX_VALUE). */
export const MAX_RECONSUME_TIMES_ORDERLY = 2_147_483_647;

/** Long-poll hold asked of the broker by push consumers (`BROKER_SUSPEND_MAX_TIME_MILLIS`). */
export const BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT = 15_000;
/** Client deadline of a push long poll (`CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND`). */
export const CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT = 30_000;
/** Longest long-poll hold we ask for: the broker parks the request that long at most. */
export const BROKER_SUSPEND_MAX_TIME_MILLIS_MAX = 120_000;

/** Delay of the next pull when a queue's cache is over its thresholds (RocketMQ: 50 ms). */
export const PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL = 50;
/** Delay of the next pull after a failed pull (`pullTimeDelayMillsWhenException`, 3000 ms). */
export const PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT = 3000;
/** Delay of the next pull while the consumer is suspended (RocketMQ: 1000 ms). */
export const PULL_TIME_DELAY_MILLS_WHEN_SUSPEND = 1000;
/** Delay of the next pull when the broker answers FLOW_CONTROL (RocketMQ: 20 ms). */
export const PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL = 20;
/** After OFFSET_ILLEGAL: wait before storing the corrected offset and re-creating the queue. */
export const OFFSET_ILLEGAL_FIX_DELAY_MS = 10_000;

/** Re-consume delay of messages whose send-back failed (RocketMQ: 5000 ms). */
export const CONSUME_RETRY_LOCAL_DELAY_MS = 5000;
/** Orderly: pause of a queue after SUSPEND_CURRENT_QUEUE_A_MOMENT (`suspendCurrentQueueTimeMillis`). */
export const SUSPEND_CURRENT_QUEUE_TIME_MILLIS_DEFAULT = 1000;
/** Orderly: bounds of a queue's pause (RocketMQ clamps it to [10, 30000] ms). */
export const SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN = 10;
/** See {@linkcode SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN}. */
export const SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX = 30_000;
/** Orderly: one queue is consumed at most this long before yielding to others (RocketMQ: 60 s). */
export const MAX_TIME_CONSUME_CONTINUOUSLY_MS = 60_000;

/** Re-lock period of orderly queues (`rocketmq.client.rebalance.lockInterval`). */
export const REBALANCE_LOCK_INTERVAL_MS = 20_000;
/** A queue lock older than this is stale (`rocketmq.client.rebalance.lockMaxLiveTime`). */
export const REBALANCE_LOCK_MAX_LIVE_TIME_MS = 30_000;
/** First re-lock after start (RocketMQ: 1000 ms). */
export const REBALANCE_LOCK_FIRST_DELAY_MS = 1000;
/** LOCK_BATCH_MQ / UNLOCK_BATCH_MQ deadline (RocketMQ: 1000 ms). */
export const LOCK_BATCH_TIMEOUT_MS = 1000;
/** Orderly removal waits this long for the queue's consumption to finish (RocketMQ: 500 ms). */
export const ORDERLY_REMOVE_WAIT_MS = 500;
/** A queue not pulled for this long is re-created by the next rebalance (`pullMaxIdleTime`). */
export const PULL_MAX_IDLE_TIME_MS = 120_000;

/** QUERY_CONSUMER_OFFSET / UPDATE_CONSUMER_OFFSET deadline (RocketMQ: 5000 ms). */
export const OFFSET_RPC_TIMEOUT_MS = 5000;
/** CONSUMER_SEND_MSG_BACK deadline (RocketMQ: 5000 ms). */
export const SEND_BACK_TIMEOUT_MS = 5000;

/** CONSUME_FROM_TIMESTAMP default: half an hour before start (RocketMQ `consumeTimestamp`). */
export const CONSUME_TIMESTAMP_BACK_MS = 30 * 60 * 1000;

/** Lite pull: messages asked per pull (`pullBatchSize` 10). */
export const LITE_PULL_BATCH_SIZE_DEFAULT = 10;
/** Lite pull: messages buffered for `poll` at most (`pullThresholdForAll`). */
export const PULL_THRESHOLD_FOR_ALL_DEFAULT = 10_000;
/** Lite pull: largest `pullThresholdForAll` accepted; the buffer holds this many messages. */
export const PULL_THRESHOLD_FOR_ALL_MAX = 1_000_000;
/** Lite pull: long-poll hold asked of the broker (`brokerSuspendMaxTimeMillis` 20 s). */
export const LITE_BROKER_SUSPEND_MAX_TIME_MILLIS_DEFAULT = 20_000;
/** Lite pull: client deadline of a long poll (`consumerTimeoutMillisWhenSuspend` 30 s). */
export const LITE_CONSUMER_TIMEOUT_MILLIS_WHEN_SUSPEND_DEFAULT = 30_000;
/** Lite pull: offset commit period with autoCommit (`autoCommitIntervalMillis`). */
export const AUTO_COMMIT_INTERVAL_MILLIS_DEFAULT = 5000;
/** Lite pull: shortest autoCommit period (RocketMQ `MIN_AUTOCOMMIT_INTERVAL_MILLIS`). */
export const AUTO_COMMIT_INTERVAL_MILLIS_MIN = 1000;
/** Lite pull: default `poll` wait (`pollTimeoutMillis`). */
export const POLL_TIMEOUT_MILLIS_DEFAULT = 5000;
/** Lite pull: a queue's offset span beyond which it stops pulling (`consumeMaxSpan`). */
export const LITE_CONSUME_MAX_SPAN_DEFAULT = 2000;
/** Lite pull: delay of a paused queue's next pull check (RocketMQ: 1000 ms). */
export const PULL_TIME_DELAY_MILLS_WHEN_PAUSE = 1000;

/** Queues one consumer works on at most; a topic has at most a few thousand. */
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

/**
 * Named maxima and defaults of the client, each with why (STYLE.md "Limits and assertions"). The
 * zod option schemas enforce the same bounds.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FRAME_BYTES_MAX_DEFAULT } from "../protocol/limits.ts";

/** RocketMQ `maxMessageSize` default: 4 MiB of body (`DefaultMQProducer.maxMessageSize`). */
export const MAX_MESSAGE_SIZE_DEFAULT = 4 * 1024 * 1024;

/**
 * Largest `maxMessageSize` we accept: the frame limit (16 MiB) less room for the largest
 * properties string (32 767 bytes) and a generous header allowance, so a legal message always fits
 * in one remoting frame.
 */
export const MAX_MESSAGE_SIZE_CEILING = FRAME_BYTES_MAX_DEFAULT - 32_767 - 64 * 1024;

/** Encoded properties must fit the record's int16 length (message-format.md §4). */
export const PROPERTIES_BYTES_MAX = 32_767;

/** Topic names: at most 127 characters (`Validators.TOPIC_MAX_LENGTH`, features.md §11). */
export const TOPIC_LENGTH_MAX = 127;

/** Group names: at most 255 characters (4.x `Validators.CHARACTER_MAX_LENGTH`, features.md §11). */
export const GROUP_LENGTH_MAX = 255;

/**
 * Sends in flight per producer by default. 1024 keeps a link with a few ms of round trip saturated
 * (1024 requests per RTT is far more than one broker connection carries), while bounding what a
 * burst holds in memory (1 MiB for 1 KiB messages). RocketMQ's own async back-pressure
 * (`backPressureForAsyncSendNum`, 10 000) is off by default and allows unbounded waiting instead.
 */
export const SEND_IN_FLIGHT_MAX_DEFAULT = 1024;

/** Ceiling of `maxInFlight`: the remoting client's async semaphore (65 535) is the next bound. */
export const SEND_IN_FLIGHT_MAX_CEILING = 65_535;

/**
 * Sends allowed to wait for a permit at once; more fail fast instead of queueing without bound
 * (STYLE.md: a full queue refuses).
 */
export const SEND_WAITERS_MAX = 65_536;

/** Messages in one batch; the broker refuses larger batches (store `BATCH_MESSAGES_MAX`). */
export const BATCH_MESSAGES_MAX = 4096;

/** Name server addresses in `namesrvAddr`; a deployment has a handful. */
export const NAMESRV_ADDRS_MAX = 64;

/** Topics whose routes one client instance caches; beyond this a new topic is refused. */
export const TOPIC_ROUTES_MAX = 16_384;

/** Producer or consumer groups registered on one client instance. */
export const GROUPS_PER_INSTANCE_MAX = 1024;

/** Shortest periodic interval (route poll, heartbeat, offset persist); small values are for tests. */
export const INTERVAL_MS_MIN = 10;

/** Longest periodic interval: one day. */
export const INTERVAL_MS_MAX = 24 * 60 * 60 * 1000;

/** Shortest RPC or send timeout. */
export const TIMEOUT_MS_MIN = 1;

/** Longest RPC or send timeout: ten minutes. */
export const TIMEOUT_MS_MAX = 10 * 60 * 1000;

/** Send retries at most (RocketMQ default 2). */
export const RETRY_TIMES_MAX = 16;

/** Queue count asked for topics created through TBW102 at most (RocketMQ default 4). */
export const DEFAULT_TOPIC_QUEUE_NUMS_MAX = 1024;

/** Rebalance period of RocketMQ's `RebalanceService` (`rocketmq.client.rebalance.waitInterval`). */
export const REBALANCE_INTERVAL_MS_DEFAULT = 20_000;

/** First route poll after start (RocketMQ: 10 ms). */
export const FIRST_ROUTE_POLL_DELAY_MS = 10;

/** First heartbeat timer run after start (RocketMQ: 1000 ms). */
export const FIRST_HEARTBEAT_DELAY_MS = 1000;

/** First offset persist after start (RocketMQ: 10 s). */
export const FIRST_PERSIST_DELAY_MS = 10_000;

/** QUERY_MESSAGE `maxNum` for unique-key queries (`defaultQueryMaxNum`, headers.md §7). */
export const QUERY_MAX_NUM_DEFAULT = 32;

/** The broker caps `maxNum` at `maxMsgsNumBatch` (64). */
export const QUERY_MAX_NUM_MAX = 64;

/** Records decoded from one pull / query body; a 16 MiB frame of minimal (91-byte) records. */
export const DECODE_RECORDS_MAX: number = Math.ceil(FRAME_BYTES_MAX_DEFAULT / 91);

/** Nesting depth accepted by the fastjson reader. */
export const FASTJSON_DEPTH_MAX = 64;

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

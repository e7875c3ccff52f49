/**
 * Limits of `mqadmin`, each with why.
 *
 * @module
 */

import assert from "node:assert/strict";

/** queryMsgByKey's `-m` default: RocketMQ's `QueryMsgByKeySubCommand` asks each broker for 64. */
export const QUERY_BY_KEY_MAX_DEFAULT = 64;

/**
 * Most messages queryMsgByUniqueKey asks for and `-a` prints: RocketMQ's `queryMessageByUniqKey`
 * limit of 32 (a unique key is normally one message; more are retries or duplicates).
 */
export const QUERY_BY_UNIQUE_KEY_MAX = 32;

/**
 * Trace messages queryMsgTraceById asks each broker for: RocketMQ's `QueryMsgTraceByIdSubCommand`
 * asks for 64 (the broker's `maxMsgsNumBatch` cap); each holds one or more trace records.
 */
export const QUERY_TRACE_MAX_NUM = 64;

/** Causes named in one failure line: enough for "send failed; the broker said why". */
export const ERROR_CAUSES_SHOWN_MAX = 3;

/** Longest clusterList `-i` period, seconds (a day): a longer wait is a typo, not a request. */
export const CLUSTER_LIST_INTERVAL_SECONDS_MAX = 86_400;

/**
 * Largest body checkMsgSendRT, clusterRT and sendMsgStatus build (`-s`): RocketMQ's default
 * maxMessageSize (4 MiB); a larger body is refused by the producer anyway, and the command would
 * first have to hold it in memory.
 */
export const SEND_RT_MESSAGE_BYTES_MAX = 4 * 1024 * 1024;

assert(QUERY_BY_UNIQUE_KEY_MAX <= QUERY_BY_KEY_MAX_DEFAULT, "unique-key queries ask for fewer");

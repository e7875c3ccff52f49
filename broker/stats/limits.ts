/**
 * Named maxima of the broker's traffic statistics, each with the reason for its value.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Longest TPS window, in seconds. RocketMQ's `putTps` / `getTransferedTps` report the rates over
 * the last 10, 60 and 600 seconds (`StoreStatsService`); the broker-wide counters keep one slot per
 * second for this long.
 */
export const BROKER_TPS_WINDOW_SECONDS_MAX = 600;

/**
 * TPS window of per-topic and per-group rates, in seconds: RocketMQ's `tpsGroupGetNums` (the
 * `consumeTps` of GET_CONSUME_STATS) is the rate over the last minute.
 */
export const KEY_TPS_WINDOW_SECONDS = 60;

/**
 * Most topics, and most group@topic pairs, with their own counters. Each key holds a ring of
 * {@linkcode KEY_TPS_WINDOW_SECONDS} + 1 doubles (about 0.5 KiB), so a full table is about 8 MiB.
 * Traffic of keys past the bound still counts in the broker totals and in one overflow entry.
 */
export const STATS_KEYS_MAX = 16_384;

/** The key traffic past {@linkcode STATS_KEYS_MAX} is counted under (not a legal topic name). */
export const STATS_OVERFLOW_KEY = "<other>";

assert(
  KEY_TPS_WINDOW_SECONDS <= BROKER_TPS_WINDOW_SECONDS_MAX,
  "key windows fit in the broker window",
);
assert(STATS_KEYS_MAX > 0, "at least one key is tracked");

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
 * Put topics and group@topic pairs also keep a traffic history ({@linkcode STATS_HISTORY_BYTES}),
 * so those two tables hold at most about 2 × 16,384 × 1.4 KiB ≈ 46 MiB; the send-back pairs
 * (SNDBCK_PUT_NUMS) keep only a history, at most 16,384 × 1 KiB ≈ 16 MiB. Traffic of keys past the
 * bound still counts in the broker totals and in one overflow entry.
 */
export const STATS_KEYS_MAX = 16_384;

/** The key traffic past {@linkcode STATS_KEYS_MAX} is counted under (not a legal topic name). */
export const STATS_OVERFLOW_KEY = "<other>";

/**
 * Period of the minute window's snapshots (RocketMQ `StatsItem.samplingInSeconds`, every 10 s).
 */
export const STATS_MINUTE_PERIOD_MS = 10_000;
/** Snapshots kept for the minute window: RocketMQ keeps 7, six periods apart, spanning 60 s. */
export const STATS_MINUTE_SNAPSHOTS = 7;
/** Period of the hour window's snapshots (RocketMQ `samplingInMinutes`, every 10 min). */
export const STATS_HOUR_PERIOD_MS = 600_000;
/** Snapshots kept for the hour window: RocketMQ keeps 7, spanning 60 min. */
export const STATS_HOUR_SNAPSHOTS = 7;
/** Period of the day window's snapshots (RocketMQ `samplingInHour`, every hour). */
export const STATS_DAY_PERIOD_MS = 3_600_000;
/** Snapshots kept for the day window: RocketMQ keeps 25, spanning 24 h. */
export const STATS_DAY_SNAPSHOTS = 25;

/**
 * Memory of one key's traffic history (VIEW_BROKER_STATS_DATA): RocketMQ's own resolution, and
 * no more: the 7 + 7 + 25 snapshots, each 3 doubles (messages, bytes, calls), in one
 * `Float64Array` (936 bytes), plus 8 doubles of tick bookkeeping and 3 of totals. RocketMQ keeps
 * linked lists of snapshot objects per stats name and key; here one ring serves both values of a
 * key (the NUMS and the SIZE item) and their shared call count.
 */
export const STATS_HISTORY_BYTES =
  (STATS_MINUTE_SNAPSHOTS + STATS_HOUR_SNAPSHOTS + STATS_DAY_SNAPSHOTS) * 3 * 8 + 11 * 8;

assert(
  STATS_MINUTE_SNAPSHOTS >= 2 && STATS_HOUR_SNAPSHOTS >= 2 && STATS_DAY_SNAPSHOTS >= 2,
  "a window needs two snapshots",
);
assert(
  STATS_MINUTE_PERIOD_MS * (STATS_MINUTE_SNAPSHOTS - 1) <= STATS_HOUR_PERIOD_MS &&
    STATS_HOUR_PERIOD_MS * (STATS_HOUR_SNAPSHOTS - 1) <= STATS_DAY_PERIOD_MS,
  "each window spans at most one period of the next",
);
assert(STATS_HISTORY_BYTES <= 1024, "a key's history stays within 1 KiB");
assert(
  STATS_HOUR_PERIOD_MS % STATS_MINUTE_PERIOD_MS === 0 &&
    STATS_DAY_PERIOD_MS % STATS_MINUTE_PERIOD_MS === 0,
  "every tick falls on a 10-s tick (StatsHistory samples only when one passes)",
);

assert(
  KEY_TPS_WINDOW_SECONDS <= BROKER_TPS_WINDOW_SECONDS_MAX,
  "key windows fit in the broker window",
);
assert(STATS_KEYS_MAX > 0, "at least one key is tracked");

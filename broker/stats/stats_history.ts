/**
 * One key's traffic history at RocketMQ `StatsItem`'s three resolutions, behind
 * VIEW_BROKER_STATS_DATA (315, `mqadmin statsAll`, the dashboard's TPS charts): totals sampled
 * every 10 s (the last 7: a minute), every 10 min (the last 7: an hour) and every hour (the last
 * 25: a day), each window read as RocketMQ's `computeStatsData` reads its snapshot list: `sum` =
 * newest value − oldest value, `tps` = sum × 1000 / ms between them, `avgpt` = sum / calls between
 * them (0 without calls).
 *
 * RocketMQ samples on timers that run from the broker's start ("ticks" here); a key created
 * between two ticks starts its list at the next tick with a zero snapshot one period back. Here no
 * timer runs: each call fills the ticks passed since the last call with the totals as they were
 * (nothing changed in between), so the snapshots are the ones RocketMQ's timers would have taken.
 * An add at the very instant of a tick counts after it.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  STATS_DAY_PERIOD_MS,
  STATS_DAY_SNAPSHOTS,
  STATS_HOUR_PERIOD_MS,
  STATS_HOUR_SNAPSHOTS,
  STATS_MINUTE_PERIOD_MS,
  STATS_MINUTE_SNAPSHOTS,
} from "./limits.ts";

/** One window of a stats item (RocketMQ `BrokerStatsItem`, from `StatsSnapshot`). */
export interface StatsWindow {
  /** the value's growth over the window */
  readonly sum: number;
  /** the growth per second over the window */
  readonly tps: number;
  /** the growth per call (RocketMQ's `avgpt`); 0 when no call was counted */
  readonly avgpt: number;
}

/** The three windows of a stats item (RocketMQ `BrokerStatsData`, the body of 315). */
export interface BrokerStatsData {
  /** the last minute (10-s snapshots) */
  readonly statsMinute: StatsWindow;
  /** the last hour (10-min snapshots) */
  readonly statsHour: StatsWindow;
  /** the last day (hourly snapshots) */
  readonly statsDay: StatsWindow;
}

/** Fields of a snapshot: two values (e.g. messages and bytes) and the number of calls. */
const FIELDS = 3;
/** The field holding the number of calls ("times"). */
const TIMES = 2;

/** One resolution: snapshot period and how many snapshots are kept. */
interface Level {
  readonly periodMs: number;
  readonly keep: number;
  /** where its ring starts in the shared array, in snapshots */
  readonly base: number;
}

const LEVELS: readonly Level[] = [
  { periodMs: STATS_MINUTE_PERIOD_MS, keep: STATS_MINUTE_SNAPSHOTS, base: 0 },
  { periodMs: STATS_HOUR_PERIOD_MS, keep: STATS_HOUR_SNAPSHOTS, base: STATS_MINUTE_SNAPSHOTS },
  {
    periodMs: STATS_DAY_PERIOD_MS,
    keep: STATS_DAY_SNAPSHOTS,
    base: STATS_MINUTE_SNAPSHOTS + STATS_HOUR_SNAPSHOTS,
  },
];
const SNAPSHOTS = STATS_MINUTE_SNAPSHOTS + STATS_HOUR_SNAPSHOTS + STATS_DAY_SNAPSHOTS;

/** Which of the two values a window is read for. */
export type StatsValue = 0 | 1;

/** The snapshot index of a tick in its level's ring (ticks before the origin count too). */
function slotOf(level: Level, tick: number): number {
  return level.base + (((tick % level.keep) + level.keep) % level.keep);
}

const ZERO: StatsWindow = { sum: 0, tps: 0, avgpt: 0 };

/**
 * Two running totals and a call count with their 10-s, 10-min and hourly snapshots.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StatsHistory } from "./stats_history.ts";
 * const origin = 1_700_000_000_000; // when the broker's sampling started
 * const history = new StatsHistory(origin, origin + 1_000);
 * history.add(30, 3000, 1, origin + 1_000); // one put of 30 messages
 * const data = history.data(0, origin + 10_000); // the first tick after the put
 * assert.deepEqual(data.statsMinute, { sum: 30, tps: 3, avgpt: 30 });
 * ```
 */
export class StatsHistory {
  readonly #originMs: number;
  /** per level: the tick of the zero snapshot before the first one taken */
  readonly #startTick: Float64Array;
  /** per level: the newest tick recorded */
  readonly #lastTick: Float64Array;
  /** every level's ring of snapshots, FIELDS numbers each */
  readonly #rings = new Float64Array(SNAPSHOTS * FIELDS);
  readonly #totals = new Float64Array(FIELDS);
  /** the 10-s tick `#advance` last saw: [start, next) needs no sampling */
  #tickStartMs = Number.POSITIVE_INFINITY;
  #nextTickMs = Number.NEGATIVE_INFINITY;

  /**
   * @param originMs when sampling started (the broker's stats start): ticks fall on it plus whole
   *   periods
   * @param nowMs when the key was created
   */
  constructor(originMs: number, nowMs: number) {
    assert(Number.isFinite(originMs) && Number.isFinite(nowMs), "times are finite");
    this.#originMs = originMs;
    this.#startTick = new Float64Array(LEVELS.map((l) => this.#tickOf(l, nowMs)));
    this.#lastTick = this.#startTick.slice();
  }

  /**
   * Adds to the totals at `nowMs` (RocketMQ `StatsItemSet.addValue`).
   *
   * @param first growth of the first value (e.g. messages)
   * @param second growth of the second value (e.g. bytes)
   * @param times calls counted (RocketMQ `incTimes`; 0 for items that count none)
   * @param nowMs the current time
   */
  add(first: number, second: number, times: number, nowMs: number): void {
    // Every level's ticks fall on 10-s ticks: inside the newest one nothing needs sampling (the
    // usual case, on every put and get).
    if (nowMs < this.#tickStartMs || nowMs >= this.#nextTickMs) this.#advance(nowMs);
    this.#totals[0] += first;
    this.#totals[1] += second;
    this.#totals[TIMES] += times;
  }

  /**
   * The minute, hour and day windows of one value, as of `nowMs`.
   *
   * @param value 0 for the first value, 1 for the second
   * @param nowMs the current time
   * @returns the three windows (zeros until the first tick after the key was created)
   */
  data(value: StatsValue, nowMs: number): BrokerStatsData {
    this.#advance(nowMs);
    return {
      statsMinute: this.#window(0, value),
      statsHour: this.#window(1, value),
      statsDay: this.#window(2, value),
    };
  }

  #tickOf(level: Level, nowMs: number): number {
    return Math.floor((nowMs - this.#originMs) / level.periodMs);
  }

  /** Records the totals for every tick passed since the last call (at most a ring per level). */
  #advance(nowMs: number): void {
    const minute = this.#tickOf(LEVELS[0], nowMs);
    this.#tickStartMs = this.#originMs + minute * LEVELS[0].periodMs;
    this.#nextTickMs = this.#tickStartMs + LEVELS[0].periodMs;
    for (let i = 0; i < LEVELS.length; i++) {
      const level = LEVELS[i];
      const tick = this.#tickOf(level, nowMs);
      const last = this.#lastTick[i];
      if (tick <= last) continue; // same period, or the wall clock stepped back
      for (let t = Math.max(last + 1, tick - level.keep + 1); t <= tick; t++) {
        this.#rings.set(this.#totals, slotOf(level, t) * FIELDS);
      }
      this.#lastTick[i] = tick;
    }
  }

  /** RocketMQ `computeStatsData` over one level's snapshot list. */
  #window(index: number, value: StatsValue): StatsWindow {
    const level = LEVELS[index];
    const start = this.#startTick[index];
    const last = this.#lastTick[index];
    if (last === start) return ZERO; // no tick since the key was created: an empty list
    // The list: the zero snapshot at `start`, then one per tick, the newest `keep` kept.
    const first = Math.max(start, last - level.keep + 1);
    const at = (tick: number, field: number): number =>
      tick === start ? 0 : this.#rings[slotOf(level, tick) * FIELDS + field];
    const sum = at(last, value) - at(first, value);
    const times = at(last, TIMES) - at(first, TIMES);
    return {
      sum,
      tps: (sum * 1000) / ((last - first) * level.periodMs),
      avgpt: times > 0 ? sum / times : 0,
    };
  }
}

/**
 * The store's timing and get-outcome counters (RocketMQ 4.9.8 `StoreStatsService`), read by
 * GET_BROKER_RUNTIME_INFO: the longest put and get, the put-time histogram of the last whole
 * minute (`putMessageDistributeTime`), the 99th and 99.9th percentile put time of the last whole
 * minute (`putLatency99`, `putLatency999`), and getMessage calls that found messages versus
 * those that did not, with their rates over 10, 60 and 600 s (`getFoundTps`, `getMissTps`).
 *
 * A put's time runs from the put path's acceptance to its result (the flush wait included), as
 * RocketMQ's `asyncPutMessage`; a get's is the whole `getMessage` call. RocketMQ swaps its minute
 * windows from a sampling thread every 60 s; here they are swapped lazily from the clock at each
 * record and read, so an idle minute reads as an empty one, as it would there. One difference: before
 * the first minute has passed RocketMQ reports `putMessageDistributeTime` as the text `null`,
 * which rocketmq-exporter cannot parse; this reports the empty histogram.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import { RateWindow } from "../common/rate_window.ts";

/** RocketMQ's minute window of the put-time histogram and percentiles (`printTPSInterval`). */
export const PUT_TIME_WINDOW_MS = 60_000;

/** Longest TPS window the get counters answer, in seconds (RocketMQ's 10, 60 and 600 s texts). */
export const GET_TPS_WINDOW_SECONDS_MAX = 600;

/** Labels of the 13 histogram slots, in order (RocketMQ `PUT_MESSAGE_ENTIRE_TIME_MAX_DESC`). */
export const PUT_MESSAGE_ENTIRE_TIME_MAX_DESC: readonly string[] = [
  "[<=0ms]",
  "[0~10ms]",
  "[10~50ms]",
  "[50~100ms]",
  "[100~200ms]",
  "[200~500ms]",
  "[500ms~1s]",
  "[1~2s]",
  "[2~3s]",
  "[3~4s]",
  "[4~5s]",
  "[5~10s]",
  "[10s~]",
];

/** Exclusive upper bounds (ms) of histogram slots 1..11; slot 0 is ≤ 0 ms, slot 12 the rest. */
const DISTRIBUTE_BOUNDS_MS = [10, 50, 100, 200, 500, 1000, 2000, 3000, 4000, 5000, 10_000];

/**
 * Inclusive upper bounds (ms) of the percentile buckets (RocketMQ `PUT_MESSAGE_ENTIRE_TIME_BUCKETS`:
 * steps of 1 ms to 20, 2 to 50, 5 to 100, 10 to 200, 50 to 500, 100 to 1000, 1000 to 10000, then
 * one unbounded bucket whose bound is Java's `Long.MAX_VALUE`).
 */
const PERCENTILE_BOUNDS_MS: readonly number[] = (() => {
  const bounds: number[] = [];
  let bound = 0;
  for (const [step, times] of [[1, 20], [2, 15], [5, 10], [10, 10], [50, 6], [100, 5], [1000, 9]]) {
    for (let i = 0; i < times; i++) bounds.push(bound += step);
  }
  bounds.push(2 ** 63);
  return bounds;
})();

assert(PERCENTILE_BOUNDS_MS.length === 76, "RocketMQ has 76 percentile buckets");
assert(
  DISTRIBUTE_BOUNDS_MS.length + 2 === PUT_MESSAGE_ENTIRE_TIME_MAX_DESC.length,
  "one label per histogram slot",
);

/** One minute's put times: the histogram and the percentile buckets. */
class PutTimeWindow {
  readonly distribution = new Float64Array(PUT_MESSAGE_ENTIRE_TIME_MAX_DESC.length);
  readonly buckets = new Float64Array(PERCENTILE_BOUNDS_MS.length);

  add(elapsedMs: number): void {
    let slot = 0;
    if (elapsedMs > 0) {
      slot = 1;
      while (slot <= DISTRIBUTE_BOUNDS_MS.length && elapsedMs >= DISTRIBUTE_BOUNDS_MS[slot - 1]) {
        slot++;
      }
    }
    this.distribution[slot]++;
    let bucket = 0; // the first bound ≥ elapsedMs (RocketMQ `ceilingEntry`)
    while (PERCENTILE_BOUNDS_MS[bucket] < elapsedMs) bucket++;
    this.buckets[bucket]++;
  }
}

/** The store's put/get timings and get outcomes; see the module doc. */
export class StoreStatsService {
  readonly #clock: Clock;
  #putWindow = new PutTimeWindow();
  #lastPutWindow = new PutTimeWindow();
  #putWindowStartMs: number;
  #putMessageEntireTimeMax = 0;
  #getMessageEntireTimeMax = 0;
  #getMessageTransferredMsgCount = 0;
  readonly #found: RateWindow;
  readonly #miss: RateWindow;

  /** @param clock time source of the windows and rates */
  constructor(clock: Clock) {
    this.#clock = clock;
    const nowMs = clock.now();
    this.#putWindowStartMs = nowMs;
    this.#found = new RateWindow(GET_TPS_WINDOW_SECONDS_MAX, nowMs);
    this.#miss = new RateWindow(GET_TPS_WINDOW_SECONDS_MAX, nowMs);
  }

  /**
   * Counts one finished put (RocketMQ `setPutMessageEntireTimeMax`).
   *
   * @param elapsedMs from the put's acceptance to its result
   * @param nowMs the clock's now when the caller has just read it
   */
  onPut(elapsedMs: number, nowMs = this.#clock.now()): void {
    this.#rollPutWindow(nowMs);
    this.#putWindow.add(elapsedMs);
    if (elapsedMs > this.#putMessageEntireTimeMax) this.#putMessageEntireTimeMax = elapsedMs;
  }

  /**
   * Counts one getMessage call (RocketMQ counts FOUND in `getMessageTimesTotalFound`, any other
   * status in `getMessageTimesTotalMiss`, and each message returned as transferred).
   *
   * @param found whether the call's status was FOUND
   * @param msgs messages returned
   * @param elapsedMs how long the call took
   */
  onGet(found: boolean, msgs: number, elapsedMs: number): void {
    const nowMs = this.#clock.now();
    (found ? this.#found : this.#miss).add(1, nowMs);
    this.#getMessageTransferredMsgCount += msgs;
    if (elapsedMs > this.#getMessageEntireTimeMax) this.#getMessageEntireTimeMax = elapsedMs;
  }

  /** the longest put since start, ms (`putMessageEntireTimeMax`) */
  get putMessageEntireTimeMax(): number {
    return this.#putMessageEntireTimeMax;
  }

  /** the longest getMessage call since start, ms (`getMessageEntireTimeMax`) */
  get getMessageEntireTimeMax(): number {
    return this.#getMessageEntireTimeMax;
  }

  /**
   * The largest dispatch buffer (`dispatchMaxBuffer`): RocketMQ 4.9.8 never sets it, so it is 0
   * there too.
   */
  get dispatchMaxBuffer(): number {
    return 0;
  }

  /** getMessage calls since start, any status */
  get getMessageTimesTotal(): number {
    return this.#found.total + this.#miss.total;
  }

  /** getMessage calls with status FOUND since start */
  get getMessageTimesTotalFound(): number {
    return this.#found.total;
  }

  /** getMessage calls with any other status since start */
  get getMessageTimesTotalMiss(): number {
    return this.#miss.total;
  }

  /** messages returned by getMessage since start */
  get getMessageTransferredMsgCount(): number {
    return this.#getMessageTransferredMsgCount;
  }

  /**
   * @param windowSeconds 1..{@linkcode GET_TPS_WINDOW_SECONDS_MAX}
   * @returns FOUND getMessage calls per second over the window
   */
  getFoundTps(windowSeconds: number): number {
    return this.#found.rate(windowSeconds, this.#clock.now());
  }

  /**
   * @param windowSeconds 1..{@linkcode GET_TPS_WINDOW_SECONDS_MAX}
   * @returns other getMessage calls per second over the window
   */
  getMissTps(windowSeconds: number): number {
    return this.#miss.rate(windowSeconds, this.#clock.now());
  }

  /**
   * The put-time histogram of the last whole minute, as RocketMQ writes it:
   * `[<=0ms]:N [0~10ms]:N … [10s~]:N ` (each slot followed by a space).
   *
   * @returns the text of `putMessageDistributeTime`
   */
  putMessageDistributeTime(): string {
    this.#rollPutWindow(this.#clock.now());
    const counts = this.#lastPutWindow.distribution;
    return PUT_MESSAGE_ENTIRE_TIME_MAX_DESC.map((label, i) => `${label}:${counts[i]} `).join("");
  }

  /**
   * The put time below which a share of the last whole minute's puts fell, interpolated within
   * its bucket (RocketMQ `findPutMessageEntireTimePX`); 0 when the minute had no puts.
   *
   * @param px the share, e.g. 0.99
   * @returns ms
   */
  findPutMessageEntireTimePX(px: number): number {
    this.#rollPutWindow(this.#clock.now());
    const buckets = this.#lastPutWindow.buckets;
    const total = buckets.reduce((sum, count) => sum + count, 0);
    const pxIndex = Math.floor(total * px);
    let passCount = 0;
    for (let i = 0; i < buckets.length; i++) {
      const count = buckets[i];
      if (pxIndex <= passCount + count) {
        const share = count === 0 ? 0 : (pxIndex - passCount) / count;
        const lower = i === 0 ? 0 : PERCENTILE_BOUNDS_MS[i - 1];
        return lower + (PERCENTILE_BOUNDS_MS[i] - lower) * share;
      }
      passCount += count;
    }
    return 0;
  }

  /** Makes the current window the last one at each minute boundary passed (RocketMQ `printTps`). */
  #rollPutWindow(nowMs: number): void {
    const passed = Math.floor((nowMs - this.#putWindowStartMs) / PUT_TIME_WINDOW_MS);
    if (passed <= 0) return; // the same minute, or the wall clock stepped back
    this.#lastPutWindow = passed === 1 ? this.#putWindow : new PutTimeWindow();
    this.#putWindow = new PutTimeWindow();
    this.#putWindowStartMs += passed * PUT_TIME_WINDOW_MS;
  }
}

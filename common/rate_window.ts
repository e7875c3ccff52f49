/**
 * A running total with one snapshot per second for a bounded window, giving the rate over any
 * window up to its size without a sampling timer: slots are filled forward lazily from the clock
 * value each call passes in. The broker's traffic counters and the store's get counters (RocketMQ
 * `StoreStatsService`'s sampled `CallSnapshot` lists) both use it.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * A total and its per-second history.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RateWindow } from "./rate_window.ts";
 * const window = new RateWindow(60, 1_000_000);
 * window.add(20, 1_000_000);
 * assert.equal(window.rate(10, 1_005_000), 4); // 20 messages in the 5 s since creation
 * ```
 */
export class RateWindow {
  readonly #slots: Float64Array;
  readonly #startMs: number;
  #second: number;
  #total = 0;

  /**
   * @param windowSecondsMax longest window a rate may be asked for
   * @param nowMs creation time; rates over windows reaching before it use it as the start
   */
  constructor(windowSecondsMax: number, nowMs: number) {
    assert(
      Number.isInteger(windowSecondsMax) && windowSecondsMax > 0,
      `windowSecondsMax ${windowSecondsMax}`,
    );
    this.#slots = new Float64Array(windowSecondsMax + 1);
    this.#startMs = nowMs;
    this.#second = Math.floor(nowMs / 1000);
  }

  /** the total since creation */
  get total(): number {
    return this.#total;
  }

  /**
   * Adds to the total at time `nowMs`.
   *
   * @param amount what to add (≥ 0)
   * @param nowMs the current time
   */
  add(amount: number, nowMs: number): void {
    this.#advance(nowMs);
    this.#total += amount;
    this.#slots[this.#second % this.#slots.length] = this.#total;
  }

  /**
   * The average rate per second over the last `windowSeconds` (or since creation, if shorter).
   *
   * @param windowSeconds the window, at most the size given at construction
   * @param nowMs the current time
   * @returns amount per second
   */
  rate(windowSeconds: number, nowMs: number): number {
    const size = this.#slots.length;
    assert(
      windowSeconds > 0 && windowSeconds < size,
      `window ${windowSeconds} s outside 1..${size - 1}`,
    );
    this.#advance(nowMs);
    const baseSecond = this.#second - windowSeconds;
    let baseTotal = 0;
    let baseMs = this.#startMs;
    if ((baseSecond + 1) * 1000 > this.#startMs) {
      baseTotal = this.#slots[baseSecond % size];
      baseMs = (baseSecond + 1) * 1000;
    }
    const elapsedMs = Math.max(1000, nowMs - baseMs);
    return ((this.#total - baseTotal) * 1000) / elapsedMs;
  }

  /** Carries the total forward into every second passed since the last call (at most a window). */
  #advance(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second <= this.#second) return; // same second, or the wall clock stepped back
    const size = this.#slots.length;
    const from = Math.max(this.#second + 1, second - size + 1);
    for (let s = from; s <= second; s++) this.#slots[s % size] = this.#total;
    this.#second = second;
  }
}

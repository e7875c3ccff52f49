/**
 * Time source injected into every core component, so tests can move time by hand.
 *
 * @module
 */

/**
 * A source of wall-clock time in milliseconds since the Unix epoch.
 *
 * @example
 * ```ts
 * import { type Clock, ManualClock, systemClock } from "./clock.ts";
 * function ageMs(bornMs: number, clock: Clock = systemClock): number {
 *   return clock.now() - bornMs;
 * }
 * if (ageMs(1_000, new ManualClock(3_000)) !== 2_000) throw new Error("age is now - born");
 * ```
 */
export interface Clock {
  /** @returns the current time in milliseconds since the epoch */
  now(): number;
}

/**
 * The real clock: `Date.now()`.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * const nowMs = systemClock.now();
 * if (!Number.isSafeInteger(nowMs)) throw new Error("ms since the epoch are an integer");
 * ```
 */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that never steps: the wall time when it was made plus the monotonic time elapsed since
 * (`performance.now()`), for measurements that must not jump when NTP sets the wall clock.
 *
 * @returns the clock
 * @example
 * ```ts
 * import { monotonicClock } from "./clock.ts";
 * const clock = monotonicClock();
 * const first = clock.now();
 * if (clock.now() < first) throw new Error("it never goes back");
 * ```
 */
export function monotonicClock(): Clock {
  const wallMs = Date.now();
  const startMs = performance.now();
  return { now: () => wallMs + (performance.now() - startMs) };
}

/**
 * A clock that only moves when told to; for deterministic tests.
 *
 * @example
 * ```ts
 * import { ManualClock } from "./clock.ts";
 * const clock = new ManualClock(1_000);
 * clock.advance(500);
 * clock.set(2_000);
 * if (clock.now() !== 2_000) throw new Error("set moves the clock to 2000");
 * ```
 */
export class ManualClock implements Clock {
  #nowMs: number;

  /** @param startMs the initial time in ms since the epoch */
  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs;
  }

  /** @returns the current manual time */
  now(): number {
    return this.#nowMs;
  }

  /** Moves time forward by `deltaMs` (never backwards). */
  advance(deltaMs: number): void {
    if (!(deltaMs >= 0)) throw new RangeError(`Cannot move clock by ${deltaMs}: expected >= 0`);
    this.#nowMs += deltaMs;
  }

  /** Sets the time; it must not move backwards. */
  set(nowMs: number): void {
    if (nowMs < this.#nowMs) throw new RangeError(`Cannot set clock back to ${nowMs}`);
    this.#nowMs = nowMs;
  }
}

/**
 * A monotonic time for each wall-clock reading, but reading `performance.now()` (~80 ns
 * in Deno, twice `Date.now()`) only when the wall clock steps back or jumps more than a second;
 * in between it follows the wall clock, which runs at the same pace (NTP slews are tiny), so a
 * caller that has read the wall clock pays for no second read (the broker's stats history).
 *
 * @param monotonic the monotonic source (tests inject one)
 * @param startWallMs the wall clock now
 * @returns the monotonic time for each wall-clock reading, in order
 * @example
 * ```ts
 * import { ManualClock, steppedMonotonic } from "./clock.ts";
 * const steady = new ManualClock(1_000);
 * const sampleAt = steppedMonotonic(steady, 1_000);
 * steady.advance(5);
 * if (sampleAt(86_401_005) !== 1_005) throw new Error("a wall-clock jump is not time passing");
 * ```
 */
export function steppedMonotonic(
  monotonic: Clock = monotonicClock(),
  startWallMs = Date.now(),
): (wallMs: number) => number {
  let lastWallMs = startWallMs;
  let sampleMs = monotonic.now();
  return (wallMs) => {
    const elapsedMs = wallMs - lastWallMs;
    sampleMs = elapsedMs >= 0 && elapsedMs <= 1000
      ? sampleMs + elapsedMs
      : Math.max(sampleMs, monotonic.now());
    lastWallMs = wallMs;
    return sampleMs;
  };
}

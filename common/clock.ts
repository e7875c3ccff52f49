/**
 * Time source injected into every core component, so tests can move time by hand.
 *
 * @module
 */

/** A source of wall-clock time in milliseconds since the Unix epoch. */
export interface Clock {
  /** @returns the current time in milliseconds since the epoch */
  now(): number;
}

/** The real clock: `Date.now()`. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for deterministic tests. */
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

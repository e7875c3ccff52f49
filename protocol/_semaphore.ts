/**
 * A fair counting semaphore with timed acquire, bounding outgoing invocations the way RocketMQ's
 * `NettyRemotingAbstract` does with `java.util.concurrent.Semaphore(permits, true)`.
 *
 * @module
 */

import assert from "node:assert/strict";

interface Waiter {
  resolve: (acquired: boolean) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
}

/** Fair semaphore: waiters get permits in arrival order; each wait has a deadline. */
export class Semaphore {
  readonly #permitsMax: number;
  readonly #waitersMax: number;
  #available: number;
  #waiters: Waiter[] = [];
  #waitersHead = 0;
  #waiting = 0;

  /**
   * @param permits how many holders at once (> 0)
   * @param waitersMax most callers waiting at once; more fail at once
   */
  constructor(permits: number, waitersMax: number) {
    assert(
      Number.isInteger(permits) && permits > 0,
      `Semaphore permits must be > 0, got ${permits}`,
    );
    assert(Number.isInteger(waitersMax) && waitersMax >= 0, `waitersMax must be >= 0`);
    this.#permitsMax = permits;
    this.#available = permits;
    this.#waitersMax = waitersMax;
  }

  /** @returns permits free now */
  get available(): number {
    return this.#available;
  }

  /** @returns callers waiting now (Java `getQueueLength`) */
  get waiting(): number {
    return this.#waiting;
  }

  /** @returns whether no more callers may wait */
  get waitersFull(): boolean {
    return this.#waiting >= this.#waitersMax;
  }

  /** @returns the configured permit count */
  get permits(): number {
    return this.#permitsMax;
  }

  /**
   * Takes a permit if one is free and nobody waits.
   *
   * @returns whether a permit was taken
   */
  tryAcquire(): boolean {
    if (this.#available > 0 && this.#waiting === 0) {
      this.#available--;
      return true;
    }
    return false;
  }

  /**
   * Takes a permit, waiting up to `timeoutMs` (≤ 0: no wait) in arrival order.
   *
   * @param timeoutMs longest wait
   * @returns whether a permit was taken
   */
  acquire(timeoutMs: number): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (timeoutMs <= 0 || this.#waiting >= this.#waitersMax) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined, done: false };
      waiter.timer = setTimeout(() => this.#expire(waiter), timeoutMs);
      this.#waiters.push(waiter);
      this.#waiting++;
    });
  }

  /** Returns a permit, handing it to the oldest waiter if any. */
  release(): void {
    while (this.#waitersHead < this.#waiters.length) {
      const waiter = this.#waiters[this.#waitersHead++];
      if (waiter.done) continue;
      this.#compact();
      waiter.done = true;
      this.#waiting--;
      clearTimeout(waiter.timer);
      waiter.resolve(true);
      return;
    }
    this.#compact();
    if (this.#available >= this.#permitsMax) {
      assert.fail("Semaphore released more often than acquired"); // checked first: hot path
    }
    this.#available++;
  }

  /** Fails every waiter (resolves false); for shutdown, so no timer outlives its owner. */
  cancelWaiters(): void {
    for (let i = this.#waitersHead; i < this.#waiters.length; i++) {
      const waiter = this.#waiters[i];
      if (waiter.done) continue;
      waiter.done = true;
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.#waiters = [];
    this.#waitersHead = 0;
    this.#waiting = 0;
  }

  #expire(waiter: Waiter): void {
    if (waiter.done) return;
    waiter.done = true;
    this.#waiting--;
    waiter.resolve(false);
    if (this.#waiting === 0) {
      this.#waiters = [];
      this.#waitersHead = 0;
    }
  }

  #compact(): void {
    if (this.#waitersHead === this.#waiters.length) {
      this.#waiters = [];
      this.#waitersHead = 0;
    } else if (this.#waitersHead > 1024 && this.#waitersHead * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#waitersHead);
      this.#waitersHead = 0;
    }
  }
}

/**
 * The bound on concurrent listener calls of a push consumer: RocketMQ's consume thread pool
 * (`consumeThreadMax`, 20) becomes a counting semaphore, FIFO for waiters.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * A counting semaphore; waiters are served in arrival order.
 *
 * @example
 * ```ts
 * import { ConsumeLimiter } from "./consume_limiter.ts";
 * const limiter = new ConsumeLimiter(1);
 * await limiter.acquire();
 * let second = false;
 * const waiting = limiter.acquire().then(() => { second = true; });
 * if (second) throw new Error("only one permit");
 * limiter.release();
 * await waiting;
 * limiter.release();
 * ```
 */
export class ConsumeLimiter {
  /** the number of permits */
  readonly permits: number;
  #available: number;
  #waiters: (() => void)[] = [];
  #head = 0;

  /** @param permits concurrent holders allowed, ≥ 1 */
  constructor(permits: number) {
    assert(Number.isInteger(permits) && permits >= 1, `permits ${permits} must be >= 1`);
    this.permits = permits;
    this.#available = permits;
  }

  /** holders right now */
  get active(): number {
    return this.permits - this.#available;
  }

  /** callers waiting for a permit */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /** @returns resolves once a permit is held */
  acquire(): Promise<void> {
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Returns a permit, handing it to the oldest waiter if any. */
  release(): void {
    if (this.#head < this.#waiters.length) {
      const wake = this.#waiters[this.#head];
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#head);
        this.#head = 0;
      }
      wake();
      return;
    }
    assert(this.#available < this.permits, "release without acquire");
    this.#available++;
  }
}

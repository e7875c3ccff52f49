/**
 * A counting semaphore for sends in flight: `acquire` waits (in arrival order) for a permit, gives
 * up when its signal aborts, and refuses at once when `SEND_WAITERS_MAX` sends already wait.
 * Internal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ClientErrorCode, MQClientError } from "./client_error.ts";
import { SEND_WAITERS_MAX } from "./limits.ts";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/** Permits for sends in flight. */
export class SendPermits {
  readonly #max: number;
  #available: number;
  readonly #waiters: Waiter[] = [];
  #head = 0;
  readonly #idle: (() => void)[] = [];

  /** @param max permits in total (> 0) */
  constructor(max: number) {
    assert(Number.isInteger(max) && max > 0, `max must be a positive integer, got ${max}`);
    this.#max = max;
    this.#available = max;
  }

  /** permits in use */
  get inUse(): number {
    return this.#max - this.#available;
  }

  /** sends waiting for a permit */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /**
   * Takes a permit at once if one is free and nobody waits (the common case, no promise).
   *
   * @param signal refused when already aborted, so {@linkcode acquire} reports its reason
   * @returns whether a permit was taken
   */
  tryAcquire(signal?: AbortSignal): boolean {
    if (this.#available > 0 && this.#head === this.#waiters.length && signal?.aborted !== true) {
      this.#available--;
      return true;
    }
    return false;
  }

  /**
   * Resolves once every permit is back (sends in flight have finished).
   *
   * @returns a promise of that moment
   */
  idle(): Promise<void> {
    if (this.#available === this.#max) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /**
   * Takes a permit, waiting if none is free, at most `timeoutMs`.
   *
   * @param signal aborts the wait
   * @param timeoutMs longest wait (the send's budget; default unbounded)
   * @throws the signal's reason when it aborts first
   * @throws {MQClientError} when `SEND_WAITERS_MAX` sends already wait, or REQUEST_TIMEOUT_EXCEPTION
   *   when no permit came within `timeoutMs` (RocketMQ's "tryAcquire semaphoreAsyncNum timeout")
   */
  acquire(signal?: AbortSignal, timeoutMs = Infinity): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0 && this.waiting === 0) {
      this.#available--;
      return Promise.resolve();
    }
    if (this.waiting >= SEND_WAITERS_MAX) {
      return Promise.reject(
        new MQClientError(`Cannot send: ${SEND_WAITERS_MAX} sends already wait for a permit`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (reason: unknown) => {
        const index = this.#waiters.indexOf(waiter, this.#head);
        if (index >= 0) this.#waiters.splice(index, 1);
        waiter.cleanup();
        reject(reason);
      };
      const onAbort = () => leave(signal!.reason);
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => leave(permitTimeout(timeoutMs)), Math.max(0, timeoutMs))
        : undefined;
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Returns a permit, handing it to the oldest waiter if any. */
  release(): void {
    if (this.#head < this.#waiters.length) {
      const waiter = this.#waiters[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
        this.#waiters.splice(0, this.#head);
        this.#head = 0;
      }
      waiter.cleanup();
      waiter.resolve();
      return;
    }
    // Hot path (every send): `if` + assert.fail costs less than assert()'s rest-args call.
    if (this.#available >= this.#max) assert.fail("release without acquire");
    this.#available++;
    if (this.#available === this.#max && this.#idle.length > 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /**
   * Fails every waiter (on shutdown).
   *
   * @param error what they fail with
   */
  rejectAll(error: unknown): void {
    const waiters = this.#waiters.splice(this.#head);
    this.#waiters.length = 0;
    this.#head = 0;
    for (const waiter of waiters) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }
}

/** @returns the error of a permit wait that outlasted the send's budget */
export function permitTimeout(timeoutMs: number): MQClientError {
  return new MQClientError(
    `send message tryAcquire semaphoreAsyncNum timeout: no send permit (maxInFlight) within ${timeoutMs} ms`,
    { responseCode: ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION },
  );
}

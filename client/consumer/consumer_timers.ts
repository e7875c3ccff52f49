/**
 * The delayed work of a consumer (pulls later, local re-consumption, lock renewal) as one set of
 * timers that all stop at shutdown, so nothing fires after a consumer is closed.
 *
 * @module
 */

/**
 * See the module doc. After {@linkcode ConsumerTimers.cancelAll} every schedule is a no-op.
 *
 * @example
 * ```ts
 * import { ConsumerTimers } from "./consumer_timers.ts";
 * const timers = new ConsumerTimers((error) => { throw error; });
 * let fired = false;
 * timers.schedule(1_000_000, () => { fired = true; });
 * timers.cancelAll();
 * if (fired || timers.size !== 0) throw new Error();
 * ```
 */
export class ConsumerTimers {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();
  readonly #onError: (error: unknown) => void;
  #stopped = false;

  /** @param onError receives what a task threw (or rejected with) */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** timers pending */
  get size(): number {
    return this.#pending.size;
  }

  /** whether {@linkcode ConsumerTimers.cancelAll} ran */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Runs `task` after `delayMs`.
   *
   * @param delayMs the delay
   * @param task the work; a rejection goes to `onError`
   */
  schedule(delayMs: number, task: () => void | Promise<void>): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      this.runNow(task);
    }, Math.max(0, delayMs));
    this.#pending.add(timer);
  }

  /**
   * Runs `task` now, unless the timers were cancelled: the same error handling as a scheduled
   * task, without a timer hop.
   *
   * @param task the work; a rejection goes to `onError`
   */
  runNow(task: () => void | Promise<void>): void {
    if (this.#stopped) return;
    try {
      const result = task();
      if (result instanceof Promise) result.catch(this.#onError);
    } catch (error) {
      this.#onError(error);
    }
  }

  /**
   * Runs `task` every `periodMs` after a first delay, each run after the previous finished.
   *
   * @param firstDelayMs delay of the first run
   * @param periodMs delay between runs
   * @param task the work
   */
  every(firstDelayMs: number, periodMs: number, task: () => Promise<void>): void {
    const run = async () => {
      try {
        await task();
      } finally {
        this.schedule(periodMs, run);
      }
    };
    this.schedule(firstDelayMs, run);
  }

  /** Cancels every pending timer; later schedules do nothing. */
  cancelAll(): void {
    this.#stopped = true;
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}

/**
 * Start-once, stop-once for the servers (name server, broker): a failed start stops what it had
 * started; a shutdown during the start waits for the start to settle, then stops; a start after
 * a shutdown is refused, so nothing is bound or locked again behind a finished shutdown.
 *
 * @module
 */

/** What starting and stopping a server do. */
export interface LifecycleSteps {
  /** starts it */
  readonly start: () => Promise<void>;
  /** stops it; must cope with a partial start */
  readonly stop: () => Promise<void>;
  /**
   * Called when a shutdown comes during the start, before waiting for it: cuts short what the
   * start may wait long for (e.g. closes outgoing connections a registration waits on).
   */
  readonly interrupt?: () => void;
}

/**
 * The lifecycle of one server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Lifecycle } from "./lifecycle.ts";
 * const steps: string[] = [];
 * const life = new Lifecycle("Server", {
 *   start: () => Promise.resolve(void steps.push("start")),
 *   stop: () => Promise.resolve(void steps.push("stop")),
 * });
 * const starting = life.start();
 * await life.shutdown(); // waits for the start, then stops
 * await starting;
 * assert.deepEqual(steps, ["start", "stop"]);
 * await assert.rejects(life.start(), /already started/);
 * ```
 */
export class Lifecycle {
  readonly #name: string;
  readonly #steps: LifecycleSteps;
  #started = false;
  /** the start, settled: never rejects */
  #starting: Promise<void> | undefined;
  #startSettled = false;
  #stopping: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;

  /**
   * @param name the server's class name, for errors
   * @param steps what starting, stopping and interrupting a start do
   */
  constructor(name: string, steps: LifecycleSteps) {
    this.#name = name;
    this.#steps = steps;
  }

  /** true once `start()` was called */
  get started(): boolean {
    return this.#started;
  }

  /** true once `shutdown()` was called (or a start failed) */
  get stopping(): boolean {
    return this.#stopping !== undefined || this.#shutdown !== undefined;
  }

  /**
   * Runs the start once; on failure stops what it started and rethrows.
   * @throws {Error} when started before or shut down
   */
  start(): Promise<void> {
    if (this.#started) {
      return Promise.reject(new Error(`Cannot start ${this.#name}: already started`));
    }
    if (this.#shutdown !== undefined) {
      return Promise.reject(new Error(`Cannot start ${this.#name}: it was shut down`));
    }
    this.#started = true;
    const starting = (async () => {
      try {
        await this.#steps.start();
      } catch (error) {
        await this.#stop();
        throw error;
      }
    })();
    this.#starting = starting.then(() => {}, () => {}).finally(() => {
      this.#startSettled = true;
    });
    return starting;
  }

  /** Stops once; during a start, interrupts it and stops after it settles. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      if (this.#starting !== undefined && !this.#startSettled) this.#steps.interrupt?.();
      await this.#starting;
      await this.#stop();
    })();
    return this.#shutdown;
  }

  #stop(): Promise<void> {
    this.#stopping ??= this.#steps.stop();
    return this.#stopping;
  }
}

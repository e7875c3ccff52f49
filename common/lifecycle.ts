/**
 * Start-once, stop-once for the servers (name server, broker): a failed start stops what it had
 * started; a shutdown during the start waits for the start to settle, then stops; a start after
 * a shutdown is refused, so nothing is bound or locked again behind a finished shutdown.
 *
 * @module
 */

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
  readonly #steps: { start: () => Promise<void>; stop: () => Promise<void> };
  #started = false;
  /** the start, settled: never rejects */
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;

  /**
   * @param name the server's class name, for errors
   * @param steps what starting and stopping do; `stop` must cope with a partial start
   */
  constructor(name: string, steps: { start: () => Promise<void>; stop: () => Promise<void> }) {
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
    this.#starting = starting.then(() => {}, () => {});
    return starting;
  }

  /** Stops once; during a start, after it settles. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
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

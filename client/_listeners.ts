/**
 * Typed synchronous event listeners: `on` returns the unsubscribe function, `emit` calls every
 * listener and logs (never rethrows) a listener's failure. Internal.
 *
 * @module
 */

import type { RemotingLogger } from "../protocol/remoting_logger.ts";

/** Listeners of the events of `E` (event name → listener signature). */
// deno-lint-ignore no-explicit-any
export class Listeners<E extends { [K in keyof E]: (...args: any[]) => void }> {
  readonly #sets = new Map<keyof E, Set<E[keyof E]>>();
  readonly #logger: RemotingLogger;

  /** @param logger where listener failures go */
  constructor(logger: RemotingLogger) {
    this.#logger = logger;
  }

  /**
   * @param type event name
   * @param listener called synchronously on each event
   * @returns a function that unsubscribes
   */
  on<K extends keyof E>(type: K, listener: E[K]): () => void {
    let set = this.#sets.get(type);
    if (set === undefined) {
      set = new Set();
      this.#sets.set(type, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * @param type event name
   * @param args the event's arguments
   */
  emit<K extends keyof E>(type: K, ...args: Parameters<E[K]>): void {
    for (const listener of this.#sets.get(type) ?? []) {
      try {
        listener(...args);
      } catch (error) {
        this.#logger.error(`Listener of ${String(type)} failed: ${(error as Error).message}`);
      }
    }
  }
}

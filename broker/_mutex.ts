/**
 * A promise-chain mutex: the metadata managers' stand-in for RocketMQ's `topicConfigTableLock`
 * and `synchronized` persist, so a change is computed, written and published before the next one
 * starts.
 *
 * @module
 */

/** Runs async sections one at a time, in call order. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /**
   * Runs `fn` after every section started before it has settled.
   *
   * @param fn the section
   * @returns what `fn` returns; its error is rethrown to this caller only
   */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(fn);
    // The next section waits for this one whether it succeeds or fails; the failure itself
    // reaches this section's caller through `result`.
    this.#tail = result.then(() => undefined, () => undefined);
    return result;
  }
}

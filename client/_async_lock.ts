/**
 * A tiny async lock for the client's read-modify-write sections that span awaits (route updates,
 * heartbeats): `run` queues behind the holder, `runWithin` gives up after a wait, `tryRun` skips
 * when held (RocketMQ's `tryLock`).
 * Internal.
 *
 * @module
 */

/** A mutual-exclusion lock over async sections. */
export class AsyncLock {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  /** whether a section is running or queued */
  get held(): boolean {
    return this.#pending > 0;
  }

  /**
   * Runs `section` once every earlier section has finished.
   *
   * @param section the work
   * @returns its result
   */
  run<T>(section: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(section);
    const release = () => {
      this.#pending--;
    };
    this.#tail = result.then(release, release);
    return result;
  }

  /**
   * Runs `section` once every earlier section has finished, if that happens within `waitMs`
   * (RocketMQ's `tryLock(timeout)`); otherwise gives up: the section never runs.
   *
   * @param waitMs longest wait for the lock
   * @param section the work
   * @returns its result, or undefined when the wait ran out
   */
  runWithin<T>(waitMs: number, section: () => Promise<T>): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let gaveUp = false;
    const waited = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        gaveUp = true;
        resolve(undefined);
      }, waitMs);
    });
    const ran = this.run((): Promise<T | undefined> => {
      if (gaveUp) return Promise.resolve(undefined);
      clearTimeout(timer);
      return section();
    });
    return Promise.race([ran, waited]);
  }

  /**
   * Runs `section` only if nothing holds the lock.
   *
   * @param section the work
   * @returns its result, or undefined when the lock was held
   */
  tryRun<T>(section: () => Promise<T>): Promise<T | undefined> {
    if (this.#pending > 0) return Promise.resolve(undefined);
    return this.run(section);
  }
}

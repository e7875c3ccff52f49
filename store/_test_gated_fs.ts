/**
 * Test helper: a {@linkcode FileSystem} whose syncs stop at a gate. Each gated `sync()` counts as
 * started at once, waits while the gate is closed, then syncs and counts as returned; a test
 * can wait for either count to reach a number.
 *
 * @module
 */

import type { FileHandle, FileSystem } from "./file_system.ts";
import { ForwardingFileSystem, ForwardingHandle } from "./_test_forwarding_fs.ts";

/** A count a test can wait on. */
class Count {
  value = 0;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  /** @returns a promise settled once the count reaches `count` */
  reached(count: number): Promise<void> {
    if (this.value >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  bump(): void {
    this.value++;
    for (const waiter of this.#waiters.filter((w) => w.count <= this.value)) waiter.resolve();
    this.#waiters = this.#waiters.filter((w) => w.count > this.value);
  }
}

/**
 * A gate operations wait at while it is closed (the gated file systems' syncs and writes); a
 * test can wait until one is held.
 */
export class Gate {
  #open = true;
  #held: Array<() => void> = [];
  #onHeld: Array<() => void> = [];

  /** whether operations pass without waiting */
  get open(): boolean {
    return this.#open;
  }

  /** Holds operations from now on. */
  close(): void {
    this.#open = false;
  }

  /** Lets the held operations and later ones go on. */
  release(): void {
    this.#open = true;
    const held = this.#held;
    this.#held = [];
    for (const resume of held) resume();
  }

  /** @returns a promise settled at once while open, else once released */
  pass(): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve) => {
      this.#held.push(resolve);
      const waiting = this.#onHeld;
      this.#onHeld = [];
      for (const tell of waiting) tell();
    });
  }

  /** @returns a promise settled once an operation waits at the gate */
  held(): Promise<void> {
    if (this.#held.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.#onHeld.push(resolve));
  }
}

/** See the module doc. */
export class GatedFileSystem extends ForwardingFileSystem {
  readonly #started = new Count();
  readonly #returned = new Count();
  readonly #gate = new Gate();

  /**
   * @param inner the file system doing the work
   * @param gated which files' syncs the gate holds (default every file)
   */
  constructor(inner: FileSystem, readonly gated: (path: string) => boolean = () => true) {
    super(inner);
  }

  /** gated syncs started */
  get started(): number {
    return this.#started.value;
  }

  /** gated syncs returned */
  get returned(): number {
    return this.#returned.value;
  }

  /** Holds gated syncs from now on. */
  close(): void {
    this.#gate.close();
  }

  /** Lets the held syncs and later ones go on. */
  release(): void {
    this.#gate.release();
  }

  /** @returns a promise settled once `count` gated syncs have started */
  syncsStarted(count: number): Promise<void> {
    return this.#started.reached(count);
  }

  /** @returns a promise settled once `count` gated syncs have returned */
  syncsReturned(count: number): Promise<void> {
    return this.#returned.reached(count);
  }

  /** Syncs `handle` through the gate. */
  async sync(handle: FileHandle): Promise<void> {
    this.#started.bump();
    if (!this.#gate.open) await this.#gate.pass();
    await handle.sync();
    this.#returned.bump();
  }

  protected override wrap(handle: FileHandle): FileHandle {
    return this.gated(handle.path) ? new GatedHandle(handle, this) : handle;
  }
}

class GatedHandle extends ForwardingHandle {
  constructor(inner: FileHandle, readonly fs: GatedFileSystem) {
    super(inner);
  }

  override sync(): Promise<void> {
    return this.fs.sync(this.inner);
  }
}

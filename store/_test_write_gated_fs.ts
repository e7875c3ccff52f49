/**
 * Test helper: a file system whose commit-log writes wait at a gate while it is closed, fail
 * while `failing` is set, and after `kill` return without reaching the file (a kill -9 before the
 * write). A test can wait until a write is held.
 *
 * @module
 */

import type { FileHandle } from "./file_system.ts";
import { ForwardingFileSystem, ForwardingHandle } from "./_test_forwarding_fs.ts";

/** Commit-log writes wait at a gate while it is closed; a test can wait for a held write. */
export class WriteGatedFs extends ForwardingFileSystem {
  #open = true;
  /** held writes never reach the file: the process was killed */
  #killed = false;
  /** commit-log writes fail (a disk error, ENOSPC) */
  failing = false;
  #held: Array<() => void> = [];
  #onHeld: Array<() => void> = [];
  close(): void {
    this.#open = false;
  }
  release(): void {
    this.#open = true;
    const held = this.#held;
    this.#held = [];
    for (const go of held) go();
  }
  /** Lets held writes (and later ones) return without reaching the file, as a kill -9 does. */
  kill(): void {
    this.#killed = true;
    this.release();
  }
  get killed(): boolean {
    return this.#killed;
  }
  /** settled once a commit-log write waits at the gate */
  writeHeld(): Promise<void> {
    if (this.#held.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.#onHeld.push(resolve));
  }
  gate(): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve) => {
      this.#held.push(resolve);
      const waiting = this.#onHeld;
      this.#onHeld = [];
      for (const tell of waiting) tell();
    });
  }
  protected override wrap(handle: FileHandle): FileHandle {
    if (!handle.path.includes("/commitlog/")) return handle;
    // deno-lint-ignore no-this-alias
    const fs = this;
    return new (class extends ForwardingHandle {
      override async writeAt(data: Uint8Array, position: number): Promise<void> {
        await fs.gate();
        if (fs.killed) return;
        if (fs.failing) throw new Error("EIO (test): the disk refused the write");
        return this.inner.writeAt(data, position);
      }
    })(handle);
  }
}

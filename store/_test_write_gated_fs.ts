/**
 * Test helper: a file system whose commit-log writes wait at a gate while it is closed, fail
 * while `failing` is set, and after `kill` return without reaching the file (a kill -9 before the
 * write). A test can wait until a write is held.
 *
 * @module
 */

import type { FileHandle } from "./file_system.ts";
import { ForwardingFileSystem, ForwardingHandle } from "./_test_forwarding_fs.ts";
import { Gate } from "./_test_gated_fs.ts";

/** Commit-log writes wait at a gate while it is closed; a test can wait for a held write. */
export class WriteGatedFs extends ForwardingFileSystem {
  readonly #gate = new Gate();
  /** held writes never reach the file: the process was killed */
  #killed = false;
  /** commit-log writes fail (a disk error, ENOSPC) */
  failing = false;
  close(): void {
    this.#gate.close();
  }
  release(): void {
    this.#gate.release();
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
    return this.#gate.held();
  }
  gate(): Promise<void> {
    return this.#gate.pass();
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

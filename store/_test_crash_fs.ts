/**
 * Test helper: a {@linkcode FileSystem} wrapper that "crashes" after a given number of mutating
 * operations (every later write, sync, truncate, rename, remove, mkdir or create throws), so a
 * test can stop a multi-step write at every step on any adapter. With the memory adapter, follow
 * it with `crash()` to drop what was not synced.
 *
 * @module
 */

import type { FileHandle, OpenOptions } from "./file_system.ts";
import { ForwardingFileSystem, ForwardingHandle } from "./_test_forwarding_fs.ts";

/** Thrown by a {@linkcode CrashingFileSystem} once its budget is spent. */
export class SimulatedCrash extends Error {
  /** @param operation the operation refused */
  constructor(operation: string) {
    super(`Simulated crash before ${operation}`);
    this.name = "SimulatedCrash";
  }
}

/** See the module doc. */
export class CrashingFileSystem extends ForwardingFileSystem {
  #budget = Number.POSITIVE_INFINITY;
  /** mutating operations performed so far */
  operations = 0;

  /** Allows `operations` more mutating operations, then crashes. */
  arm(operations: number): void {
    this.#budget = operations;
  }

  /** @internal counts one mutating operation or throws */
  spend(operation: string): void {
    if (this.#budget <= 0) throw new SimulatedCrash(operation);
    this.#budget--;
    this.operations++;
  }

  protected override wrap(handle: FileHandle): FileHandle {
    return new CrashingHandle(handle, this);
  }

  override async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    if (options?.create) this.spend(`create ${path}`);
    return await super.open(path, options);
  }
  override async mkdir(dir: string): Promise<void> {
    this.spend(`mkdir ${dir}`);
    await super.mkdir(dir);
  }
  override async remove(path: string): Promise<void> {
    this.spend(`remove ${path}`);
    await super.remove(path);
  }
  override async rename(from: string, to: string): Promise<void> {
    this.spend(`rename ${from}`);
    await super.rename(from, to);
  }
  override async syncDir(dir: string): Promise<void> {
    this.spend(`syncDir ${dir}`);
    await super.syncDir(dir);
  }
}

class CrashingHandle extends ForwardingHandle {
  constructor(inner: FileHandle, readonly fs: CrashingFileSystem) {
    super(inner);
  }
  override async writeAt(data: Uint8Array, position: number): Promise<void> {
    this.fs.spend(`write ${this.path}`);
    await super.writeAt(data, position);
  }
  override async append(data: Uint8Array): Promise<number> {
    this.fs.spend(`append ${this.path}`);
    return await super.append(data);
  }
  override async sync(): Promise<void> {
    this.fs.spend(`sync ${this.path}`);
    await super.sync();
  }
  override async truncate(size: number): Promise<void> {
    this.fs.spend(`truncate ${this.path}`);
    await super.truncate(size);
  }
}

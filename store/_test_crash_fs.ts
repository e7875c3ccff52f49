/**
 * Test helper: a {@linkcode FileSystem} wrapper that "crashes" after a given number of mutating
 * operations (every later write, sync, truncate, rename, remove, mkdir or create throws), so a
 * test can stop a multi-step write at every step on any adapter. With the memory adapter, follow
 * it with `crash()` to drop what was not synced.
 *
 * @module
 */

import type { DiskUsage, FileHandle, FileInfo, FileSystem, OpenOptions } from "./file_system.ts";

/** Thrown by a {@linkcode CrashingFileSystem} once its budget is spent. */
export class SimulatedCrash extends Error {
  /** @param operation the operation refused */
  constructor(operation: string) {
    super(`Simulated crash before ${operation}`);
    this.name = "SimulatedCrash";
  }
}

/** See the module doc. */
export class CrashingFileSystem implements FileSystem {
  #budget = Number.POSITIVE_INFINITY;
  /** mutating operations performed so far */
  operations = 0;

  /** @param inner the file system doing the work */
  constructor(readonly inner: FileSystem) {}

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

  async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    if (options?.create) this.spend(`create ${path}`);
    return new CrashingHandle(await this.inner.open(path, options), this);
  }
  stat(path: string): Promise<FileInfo | null> {
    return this.inner.stat(path);
  }
  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }
  async mkdir(dir: string): Promise<void> {
    this.spend(`mkdir ${dir}`);
    await this.inner.mkdir(dir);
  }
  async remove(path: string): Promise<void> {
    this.spend(`remove ${path}`);
    await this.inner.remove(path);
  }
  async rename(from: string, to: string): Promise<void> {
    this.spend(`rename ${from}`);
    await this.inner.rename(from, to);
  }
  async syncDir(dir: string): Promise<void> {
    this.spend(`syncDir ${dir}`);
    await this.inner.syncDir(dir);
  }
  diskUsage(path: string): Promise<DiskUsage> {
    return this.inner.diskUsage(path);
  }
}

class CrashingHandle implements FileHandle {
  constructor(readonly inner: FileHandle, readonly fs: CrashingFileSystem) {}
  get path(): string {
    return this.inner.path;
  }
  readAt(buffer: Uint8Array, position: number): Promise<number> {
    return this.inner.readAt(buffer, position);
  }
  async writeAt(data: Uint8Array, position: number): Promise<void> {
    this.fs.spend(`write ${this.path}`);
    await this.inner.writeAt(data, position);
  }
  async append(data: Uint8Array): Promise<number> {
    this.fs.spend(`append ${this.path}`);
    return await this.inner.append(data);
  }
  async sync(): Promise<void> {
    this.fs.spend(`sync ${this.path}`);
    await this.inner.sync();
  }
  async truncate(size: number): Promise<void> {
    this.fs.spend(`truncate ${this.path}`);
    await this.inner.truncate(size);
  }
  size(): Promise<number> {
    return this.inner.size();
  }
  close(): void {
    this.inner.close();
  }
}

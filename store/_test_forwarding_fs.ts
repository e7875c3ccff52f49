/**
 * Test helper: a {@linkcode FileSystem} and {@linkcode FileHandle} that pass every call to an
 * inner one, for test wrappers to extend and override only what they change (a crash budget, a
 * sync gate). `open` hands its handle to `wrap`.
 *
 * @module
 */

import type {
  DiskUsage,
  FileHandle,
  FileInfo,
  FileLock,
  FileSystem,
  OpenOptions,
} from "./file_system.ts";

/** Passes every call to `inner`; see the module doc. */
export class ForwardingFileSystem implements FileSystem {
  /** @param inner the file system doing the work */
  constructor(readonly inner: FileSystem) {}

  /** @returns the handle `open` hands out for one of the inner file system (as is by default) */
  protected wrap(handle: FileHandle): FileHandle {
    return handle;
  }

  async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    return this.wrap(await this.inner.open(path, options));
  }
  stat(path: string): Promise<FileInfo | null> {
    return this.inner.stat(path);
  }
  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }
  mkdir(dir: string): Promise<void> {
    return this.inner.mkdir(dir);
  }
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  syncDir(dir: string): Promise<void> {
    return this.inner.syncDir(dir);
  }
  tryLock(path: string): Promise<FileLock | null> {
    return this.inner.tryLock(path);
  }
  diskUsage(path: string): Promise<DiskUsage> {
    return this.inner.diskUsage(path);
  }
}

/** Passes every call to `inner`; see the module doc. */
export class ForwardingHandle implements FileHandle {
  /** @param inner the handle doing the work */
  constructor(readonly inner: FileHandle) {}

  get path(): string {
    return this.inner.path;
  }
  readAt(buffer: Uint8Array, position: number): Promise<number> {
    return this.inner.readAt(buffer, position);
  }
  writeAt(data: Uint8Array, position: number): Promise<void> {
    return this.inner.writeAt(data, position);
  }
  append(data: Uint8Array): Promise<number> {
    return this.inner.append(data);
  }
  sync(): Promise<void> {
    return this.inner.sync();
  }
  truncate(size: number): Promise<void> {
    return this.inner.truncate(size);
  }
  size(): Promise<number> {
    return this.inner.size();
  }
  close(): void {
    this.inner.close();
  }
}

/**
 * An in-memory {@linkcode FileSystem} for tests and for runtimes without a disk.
 *
 * Every file keeps two images: the live bytes every read sees, and the durable bytes as of the
 * last `sync()`. {@linkcode MemoryFileSystem.crash} throws the live image away and keeps only
 * what was synced (optionally a torn prefix of the unsynced bytes), so tests can simulate a
 * power loss in the manner of tigerbeetle's testing storage. Directory entries (create, rename,
 * remove) are treated as durable at once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Clock, systemClock } from "../../common/clock.ts";
import {
  type DiskUsage,
  type FileHandle,
  type FileInfo,
  FileNotFoundError,
  type FileSystem,
  type OpenOptions,
} from "../file_system.ts";

/** Options for {@linkcode MemoryFileSystem}. */
export interface MemoryFileSystemOptions {
  /** source of file modification times (default: the system clock) */
  readonly clock?: Clock;
  /** bytes the simulated volume holds, reported by `diskUsage` (default 64 GiB) */
  readonly capacityBytes?: number;
}

/** Where {@linkcode MemoryFileSystem.crash} tears the unsynced bytes of one file. */
export interface CrashTear {
  /** the file whose unsynced write is torn */
  readonly path: string;
  /** unsynced bytes before this file position survive; later ones revert */
  readonly byte: number;
}

const DEFAULT_CAPACITY_BYTES = 64 * 1024 ** 3;

/** One file: live image, durable image, and the range written since the last sync. */
class MemoryFile {
  live = new Uint8Array(0);
  size = 0;
  durable = new Uint8Array(0);
  durableSize = 0;
  dirtyStart = Number.POSITIVE_INFINITY;
  dirtyEnd = 0;
  mtimeMs: number;

  constructor(nowMs: number) {
    this.mtimeMs = nowMs;
  }

  /** Makes room for `end` live bytes (amortised doubling, never past what is needed). */
  reserve(end: number): void {
    if (end <= this.live.length) return;
    const grown = new Uint8Array(Math.max(end, Math.min(this.live.length * 2, 2 ** 31)));
    grown.set(this.live.subarray(0, Math.min(this.live.length, this.size)));
    this.live = grown;
  }

  markDirty(start: number, end: number): void {
    if (start < this.dirtyStart) this.dirtyStart = start;
    if (end > this.dirtyEnd) this.dirtyEnd = end;
  }

  /** Copies the dirty range of the live image into the durable image. */
  sync(): void {
    const end = Math.min(this.dirtyEnd, this.size);
    if (this.durable.length < this.size) {
      const grown = new Uint8Array(Math.max(this.size, Math.min(this.durable.length * 2, 2 ** 31)));
      grown.set(this.durable.subarray(0, this.durableSize));
      this.durable = grown;
    }
    if (this.size < this.durableSize) this.durable.fill(0, this.size, this.durableSize);
    const start = Math.min(this.dirtyStart, end);
    if (end > start) {
      const liveEnd = Math.min(end, this.live.length);
      if (liveEnd > start) this.durable.set(this.live.subarray(start, liveEnd), start);
      if (end > liveEnd) this.durable.fill(0, Math.max(start, liveEnd), end);
    }
    this.durableSize = this.size;
    this.dirtyStart = Number.POSITIVE_INFINITY;
    this.dirtyEnd = 0;
  }

  /** Reverts to the durable image; unsynced bytes before `tearByte` survive. */
  crash(tearByte: number): void {
    const keepEnd = Math.min(tearByte, this.dirtyEnd, this.size);
    const keepStart = this.dirtyStart;
    const survivors = keepEnd > keepStart
      ? this.live.slice(keepStart, Math.min(keepEnd, this.live.length))
      : undefined;
    const size = Math.max(this.durableSize, survivors ? keepEnd : 0);
    const live = new Uint8Array(size);
    live.set(this.durable.subarray(0, Math.min(this.durableSize, size)));
    if (survivors) live.set(survivors, keepStart);
    this.live = live;
    this.size = size;
    this.dirtyStart = Number.POSITIVE_INFINITY;
    this.dirtyEnd = 0;
    if (survivors) this.markDirty(keepStart, keepEnd);
    this.sync();
  }
}

/** A file system held in memory; see the module doc. */
export class MemoryFileSystem implements FileSystem {
  readonly #files = new Map<string, MemoryFile>();
  readonly #dirs = new Set<string>(["/"]);
  readonly #clock: Clock;
  #capacityBytes: number;
  #syncHolds = 0;
  #heldSyncs: Array<() => void> = [];
  /** number of `sync()` calls that completed; lets tests count group commits */
  syncCount = 0;

  /** @param options clock and simulated capacity */
  constructor(options: MemoryFileSystemOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#capacityBytes = options.capacityBytes ?? DEFAULT_CAPACITY_BYTES;
  }

  /** Changes the simulated volume size reported by `diskUsage` (retention tests). */
  setCapacity(capacityBytes: number): void {
    assert(capacityBytes >= 0, `capacityBytes must be >= 0, got ${capacityBytes}`);
    this.#capacityBytes = capacityBytes;
  }

  /**
   * Simulates a power loss: every file reverts to its state at its last `sync()`. With `tear`,
   * the unsynced bytes of that file before `tear.byte` survive (a torn write).
   * Open handles stay usable and see the reverted bytes.
   */
  crash(options: { readonly tear?: CrashTear } = {}): void {
    for (const [path, file] of this.#files) {
      const tear = options.tear;
      file.crash(tear !== undefined && normalize(tear.path) === path ? tear.byte : 0);
    }
  }

  /**
   * Holds every `sync()` until the returned function is called, to simulate a stalled disk
   * (e.g. to provoke FLUSH_DISK_TIMEOUT).
   * @returns the release function
   */
  holdSyncs(): () => void {
    this.#syncHolds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#syncHolds--;
      if (this.#syncHolds > 0) return;
      const held = this.#heldSyncs;
      this.#heldSyncs = [];
      for (const resume of held) resume();
    };
  }

  /** @returns the live bytes of a file (a copy), or null when absent; for tests */
  readFileBytes(path: string): Uint8Array | null {
    const file = this.#files.get(normalize(path));
    if (!file) return null;
    const out = new Uint8Array(file.size);
    out.set(file.live.subarray(0, Math.min(file.size, file.live.length)));
    return out;
  }

  /** Opens a file; see {@linkcode FileSystem.open}. */
  open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
    const key = normalize(path);
    let file = this.#files.get(key);
    if (!file) {
      if (!options.create) return Promise.reject(new FileNotFoundError(path));
      if (!this.#dirs.has(parentOf(key))) return Promise.reject(new FileNotFoundError(path));
      file = new MemoryFile(this.#clock.now());
      this.#files.set(key, file);
    }
    return Promise.resolve(new MemoryFileHandle(path, key, this));
  }

  /** @internal the file behind a handle, or a FileNotFoundError when it was removed */
  fileFor(key: string, path: string): MemoryFile {
    const file = this.#files.get(key);
    if (!file) throw new FileNotFoundError(path);
    return file;
  }

  /** @internal current time for mtimes */
  nowMs(): number {
    return this.#clock.now();
  }

  /** @internal waits while syncs are held */
  awaitSyncTurn(): Promise<void> {
    if (this.#syncHolds === 0) return Promise.resolve();
    return new Promise((resolve) => this.#heldSyncs.push(resolve));
  }

  /** Facts about a path; see {@linkcode FileSystem.stat}. */
  stat(path: string): Promise<FileInfo | null> {
    const key = normalize(path);
    const file = this.#files.get(key);
    if (file) {
      return Promise.resolve({ isDirectory: false, size: file.size, mtimeMs: file.mtimeMs });
    }
    if (this.#dirs.has(key)) return Promise.resolve({ isDirectory: true, size: 0, mtimeMs: 0 });
    return Promise.resolve(null);
  }

  /** Entry names of a folder, sorted; see {@linkcode FileSystem.list}. */
  list(dir: string): Promise<string[]> {
    const key = normalize(dir);
    const prefix = key === "/" ? "/" : key + "/";
    const names = new Set<string>();
    for (const path of [...this.#files.keys(), ...this.#dirs]) {
      if (path.length > prefix.length && path.startsWith(prefix)) {
        names.add(path.slice(prefix.length).split("/")[0]);
      }
    }
    return Promise.resolve([...names].sort());
  }

  /** Creates a folder and its parents; see {@linkcode FileSystem.mkdir}. */
  mkdir(dir: string): Promise<void> {
    let key = normalize(dir);
    while (key !== "/" && !this.#dirs.has(key)) {
      this.#dirs.add(key);
      key = parentOf(key);
    }
    return Promise.resolve();
  }

  /** Removes a file or a folder tree; see {@linkcode FileSystem.remove}. */
  remove(path: string): Promise<void> {
    const key = normalize(path);
    const prefix = key + "/";
    this.#files.delete(key);
    this.#dirs.delete(key);
    for (const name of [...this.#files.keys()]) {
      if (name.startsWith(prefix)) this.#files.delete(name);
    }
    for (const name of [...this.#dirs]) if (name.startsWith(prefix)) this.#dirs.delete(name);
    return Promise.resolve();
  }

  /** Atomically replaces `to` with `from`; see {@linkcode FileSystem.rename}. */
  rename(from: string, to: string): Promise<void> {
    const source = normalize(from);
    const file = this.#files.get(source);
    if (!file) return Promise.reject(new FileNotFoundError(from));
    this.#files.delete(source);
    this.#files.set(normalize(to), file);
    return Promise.resolve();
  }

  /** No-op: directory entries are durable at once in memory. */
  syncDir(_dir: string): Promise<void> {
    return Promise.resolve();
  }

  /** Simulated capacity minus the logical size of every file. */
  diskUsage(_path: string): Promise<DiskUsage> {
    let used = 0;
    for (const file of this.#files.values()) used += file.size;
    return Promise.resolve({
      totalBytes: this.#capacityBytes,
      freeBytes: Math.max(0, this.#capacityBytes - used),
    });
  }
}

/** A handle on a {@linkcode MemoryFile}; resolves the file by path on every call. */
class MemoryFileHandle implements FileHandle {
  readonly #key: string;
  readonly #fs: MemoryFileSystem;
  #closed = false;

  constructor(readonly path: string, key: string, fs: MemoryFileSystem) {
    this.#key = key;
    this.#fs = fs;
  }

  #file(): MemoryFile {
    if (this.#closed) throw new Error(`Cannot use ${this.path}: handle is closed`);
    return this.#fs.fileFor(this.#key, this.path);
  }

  readAt(buffer: Uint8Array, position: number): Promise<number> {
    try {
      assert(position >= 0, `position must be >= 0, got ${position}`);
      const file = this.#file();
      const end = Math.min(file.size, position + buffer.length);
      if (end <= position) return Promise.resolve(0);
      const liveEnd = Math.min(end, file.live.length);
      if (liveEnd > position) buffer.set(file.live.subarray(position, liveEnd));
      if (end > liveEnd) buffer.fill(0, Math.max(0, liveEnd - position), end - position);
      return Promise.resolve(end - position);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    try {
      assert(position >= 0, `position must be >= 0, got ${position}`);
      const file = this.#file();
      const end = position + data.length;
      file.reserve(end);
      if (position > file.size) file.live.fill(0, file.size, position);
      file.live.set(data, position);
      if (end > file.size) file.size = end;
      file.markDirty(position, end);
      file.mtimeMs = this.#fs.nowMs();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async append(data: Uint8Array): Promise<number> {
    const position = this.#file().size;
    await this.writeAt(data, position);
    return position;
  }

  async sync(): Promise<void> {
    this.#file();
    await this.#fs.awaitSyncTurn();
    this.#file().sync();
    this.#fs.syncCount++;
  }

  truncate(size: number): Promise<void> {
    try {
      assert(size >= 0, `size must be >= 0, got ${size}`);
      const file = this.#file();
      if (size < file.size) file.live.fill(0, size, Math.min(file.size, file.live.length));
      file.markDirty(Math.min(size, file.size), Math.max(size, file.size));
      file.size = size;
      file.mtimeMs = this.#fs.nowMs();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  size(): Promise<number> {
    try {
      return Promise.resolve(this.#file().size);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    this.#closed = true;
  }
}

/** Normalises a path: `/` separators, no trailing or doubled slashes. */
function normalize(path: string): string {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  return "/" + parts.join("/");
}

function parentOf(key: string): string {
  const index = key.lastIndexOf("/");
  return index <= 0 ? "/" : key.slice(0, index);
}

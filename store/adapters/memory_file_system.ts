/**
 * An in-memory {@linkcode FileSystem} for tests and for runtimes without a disk.
 *
 * A file is a sparse list of 64 KiB blocks (absent blocks read as zeros), so a 1 GiB segment
 * costs only what was written. Durability is tracked with an undo log instead of a second
 * image: the first change since the last `sync()` to a block that existed then saves that
 * block's bytes, `sync()` just forgets the saved blocks, and
 * {@linkcode MemoryFileSystem.crash} puts them back, so tests can simulate a power loss in the
 * manner of tigerbeetle's testing storage (optionally keeping a torn prefix of the unsynced
 * bytes). Appends into fresh space save nothing, so writes cost one copy and syncs almost
 * nothing. Directory entries (create, rename, remove) are treated as durable at once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Clock, systemClock } from "../../common/clock.ts";
import {
  type DiskUsage,
  type FileHandle,
  type FileInfo,
  type FileLock,
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
/** Bytes per block: small enough that a sync's undo copy is cheap, large enough for few blocks. */
const BLOCK_BYTES = 64 * 1024;

/** One file: sparse blocks, its size, and the undo log since the last sync. */
class MemoryFile {
  readonly blocks: Array<Uint8Array | undefined> = [];
  size = 0;
  /** size as of the last sync */
  durableSize = 0;
  /** block index → its bytes at the last sync (null: the block did not exist) */
  undo = new Map<number, Uint8Array | null>();
  /** range changed since the last sync (writes and truncations) */
  dirtyStart = Number.POSITIVE_INFINITY;
  dirtyEnd = 0;
  mtimeMs: number;

  constructor(nowMs: number) {
    this.mtimeMs = nowMs;
  }

  /** Saves block `index` before its first change since the sync, if it held durable bytes. */
  #save(index: number): void {
    if (index * BLOCK_BYTES >= this.durableSize || this.undo.has(index)) return;
    const block = this.blocks[index];
    this.undo.set(index, block === undefined ? null : block.slice());
  }

  markDirty(start: number, end: number): void {
    if (start < this.dirtyStart) this.dirtyStart = start;
    if (end > this.dirtyEnd) this.dirtyEnd = end;
  }

  read(buffer: Uint8Array, position: number): number {
    const end = Math.min(this.size, position + buffer.length);
    for (let at = position; at < end;) {
      const index = Math.floor(at / BLOCK_BYTES);
      const offset = at - index * BLOCK_BYTES;
      const n = Math.min(end - at, BLOCK_BYTES - offset);
      const block = this.blocks[index];
      if (block === undefined) buffer.fill(0, at - position, at - position + n);
      else buffer.set(block.subarray(offset, offset + n), at - position);
      at += n;
    }
    return Math.max(0, end - position);
  }

  write(data: Uint8Array, position: number): void {
    const end = position + data.length;
    for (let at = position; at < end;) {
      const index = Math.floor(at / BLOCK_BYTES);
      const offset = at - index * BLOCK_BYTES;
      const n = Math.min(end - at, BLOCK_BYTES - offset);
      this.#save(index);
      const block = this.blocks[index] ??= new Uint8Array(BLOCK_BYTES);
      block.set(data.subarray(at - position, at - position + n), offset);
      at += n;
    }
    if (end > this.size) this.size = end;
    this.markDirty(position, end);
  }

  truncate(size: number): void {
    if (size < this.size) this.#cut(size, true);
    this.markDirty(Math.min(size, this.size), Math.max(size, this.size));
    this.size = size;
  }

  /** Zeroes (drops) every byte from `size` on; with `save`, keeps undo copies first. */
  #cut(size: number, save: boolean): void {
    const last = Math.ceil(this.size / BLOCK_BYTES);
    for (let index = Math.floor(size / BLOCK_BYTES); index < last; index++) {
      const start = index * BLOCK_BYTES;
      if (start >= size) {
        // The whole block goes: its bytes become the undo copy, no copy needed.
        if (save && start < this.durableSize && !this.undo.has(index)) {
          this.undo.set(index, this.blocks[index] ?? null);
        }
        this.blocks[index] = undefined;
      } else {
        if (save) this.#save(index);
        this.blocks[index]?.fill(0, size - start);
      }
    }
  }

  /** Makes the current bytes the durable ones. */
  sync(): void {
    if (this.undo.size > 0) this.undo = new Map();
    this.durableSize = this.size;
    this.dirtyStart = Number.POSITIVE_INFINITY;
    this.dirtyEnd = 0;
  }

  /** Reverts to the last sync; unsynced bytes before `tearByte` survive. */
  crash(tearByte: number): void {
    const keepEnd = Math.min(tearByte, this.dirtyEnd, this.size);
    const survivors = keepEnd > this.dirtyStart;
    const revertFrom = survivors ? keepEnd : 0;
    for (const [index, saved] of this.undo) {
      const start = index * BLOCK_BYTES;
      const from = Math.max(revertFrom, start) - start;
      if (from >= BLOCK_BYTES) continue;
      if (from === 0) {
        this.blocks[index] = saved ?? undefined;
      } else if (saved === null) {
        this.blocks[index]?.fill(0, from);
      } else {
        (this.blocks[index] ??= new Uint8Array(BLOCK_BYTES)).set(saved.subarray(from), from);
      }
    }
    const size = survivors ? Math.max(this.durableSize, keepEnd) : this.durableSize;
    // Bytes past the new end: unsynced growth, dropped (restored blocks hold none past it).
    if (size < this.size) this.#cut(size, false);
    this.size = size;
    this.sync();
  }
}

/**
 * A file system held in memory; see the module doc.
 *
 * @example
 * ```ts
 * import { MemoryFileSystem } from "./memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * await fs.mkdir("/store");
 * const file = await fs.open("/store/log", { create: true });
 * await file.writeAt(new TextEncoder().encode("unsynced"), 0);
 * fs.crash(); // a power loss: writes since the last sync() are lost
 * if (fs.readFileBytes("/store/log")?.length !== 0) throw new Error("the write was not synced");
 * ```
 */
export class MemoryFileSystem implements FileSystem {
  readonly #files = new Map<string, MemoryFile>();
  readonly #dirs = new Set<string>(["/"]);
  /** files created since their folder's last `syncDir` (a crash with `entries` drops them) */
  readonly #unsyncedEntries = new Set<string>();
  /** paths whose advisory lock is held (a crash, ending every holder, frees them) */
  readonly #locked = new Set<string>();
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
   * the unsynced bytes of that file before `tear.byte` survive (a torn write). With `entries`,
   * a file created since its folder's last `syncDir` is gone too, as on a disk file system
   * (renames and removals still count as durable at once).
   * Open handles stay usable and see the reverted bytes.
   */
  crash(options: { readonly tear?: CrashTear; readonly entries?: boolean } = {}): void {
    if (options.entries) { for (const key of this.#unsyncedEntries) this.#files.delete(key); }
    this.#unsyncedEntries.clear();
    this.#locked.clear();
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
    file.read(out, 0);
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
      this.#unsyncedEntries.add(key);
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
    this.#unsyncedEntries.delete(key);
    this.#dirs.delete(key);
    for (const name of [...this.#files.keys()]) {
      if (name.startsWith(prefix)) {
        this.#files.delete(name);
        this.#unsyncedEntries.delete(name);
      }
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
    this.#unsyncedEntries.delete(source); // renames count as durable at once
    return Promise.resolve();
  }

  /** Makes the entries of files created in `dir` durable (see `crash` with `entries`). */
  syncDir(dir: string): Promise<void> {
    const key = normalize(dir);
    for (const path of this.#unsyncedEntries) {
      if (parentOf(path) === key) this.#unsyncedEntries.delete(path);
    }
    return Promise.resolve();
  }

  /** A lock per path in this file system; see {@linkcode FileSystem.tryLock}. */
  async tryLock(path: string): Promise<FileLock | null> {
    (await this.open(path, { create: true })).close();
    const key = normalize(path);
    if (this.#locked.has(key)) return null;
    this.#locked.add(key);
    let released = false;
    return {
      release: () => {
        if (!released) this.#locked.delete(key);
        released = true;
        return Promise.resolve();
      },
    };
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
      return Promise.resolve(this.#file().read(buffer, position));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    try {
      assert(position >= 0, `position must be >= 0, got ${position}`);
      const file = this.#file();
      file.write(data, position);
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
      file.truncate(size);
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

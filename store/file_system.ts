/**
 * The store's only door to persistent bytes. The core (commit log, consume queue, index,
 * checkpoint, metadata files) does all I/O through these interfaces, so the same code runs on
 * the Deno file system and in memory. Adapters: `adapters/deno_file_system.ts`,
 * `adapters/memory_file_system.ts`.
 *
 * @module
 */

/** An open file. Positions and sizes are byte counts. */
export interface FileHandle {
  /** The path this handle was opened with. */
  readonly path: string;
  /**
   * Reads up to `buffer.length` bytes starting at `position`.
   * @returns the number of bytes read; fewer than asked only at end of file
   */
  readAt(buffer: Uint8Array, position: number): Promise<number>;
  /** Writes all of `data` at `position`, growing the file if needed (the gap reads as zeros). */
  writeAt(data: Uint8Array, position: number): Promise<void>;
  /**
   * Appends all of `data` at the current end of file.
   * @returns the position the data was written at
   */
  append(data: Uint8Array): Promise<number>;
  /** Makes every write so far durable (fdatasync). */
  sync(): Promise<void>;
  /** Cuts or extends (with zeros) the file to `size` bytes. */
  truncate(size: number): Promise<void>;
  /** @returns the current file length in bytes */
  size(): Promise<number>;
  /** Releases the handle; later calls throw. */
  close(): void;
}

/** Facts about one path. */
export interface FileInfo {
  /** true for a folder */
  readonly isDirectory: boolean;
  /** length in bytes (0 for folders) */
  readonly size: number;
  /** last modification, ms since the epoch */
  readonly mtimeMs: number;
}

/** Capacity of the volume that holds a path. */
export interface DiskUsage {
  /** bytes the volume holds in all */
  readonly totalBytes: number;
  /** bytes still free for the store (blocks reserved for root not counted) */
  readonly freeBytes: number;
  /**
   * bytes in use (default `totalBytes - freeBytes`); less than that on a volume whose reserved
   * blocks are neither used nor free for the store
   */
  readonly usedBytes?: number;
}

/**
 * Disk use as RocketMQ's `UtilAll.getDiskPartitionSpaceUsedPercent` (and `df`'s Use%) computes
 * it: used ÷ (used + free), so blocks reserved for root count neither way.
 *
 * @param usage the volume's figures
 * @returns the used share in percent, or undefined when the volume reports no capacity
 * @example
 * ```ts
 * import { diskUsedPercent } from "./file_system.ts";
 * // 100 GiB volume, 27 used, 43 free for the store, 30 reserved: 27 / (27 + 43)
 * const gib = 2 ** 30;
 * const percent = diskUsedPercent({ totalBytes: 100 * gib, freeBytes: 43 * gib, usedBytes: 27 * gib });
 * console.assert(Math.round(percent!) === 39);
 * ```
 */
export function diskUsedPercent(usage: DiskUsage): number | undefined {
  const used = usage.usedBytes ?? usage.totalBytes - usage.freeBytes;
  const entire = used + usage.freeBytes;
  return usage.totalBytes > 0 && entire > 0 ? (used / entire) * 100 : undefined;
}

/** Options for {@linkcode FileSystem.open}. */
export interface OpenOptions {
  /** create the file when absent (default false: absent ⇒ NotFoundError) */
  readonly create?: boolean;
}

/** Folder and file operations used by the store. Paths use `/` separators. */
export interface FileSystem {
  /** Opens a file for reading and writing. Parent folders must exist. */
  open(path: string, options?: OpenOptions): Promise<FileHandle>;
  /** @returns facts about `path`, or `null` when it does not exist */
  stat(path: string): Promise<FileInfo | null>;
  /** @returns the names (not paths) of the entries of a folder, sorted; [] when absent */
  list(dir: string): Promise<string[]>;
  /** Creates a folder and its parents; no error when it exists. */
  mkdir(dir: string): Promise<void>;
  /** Removes a file, or a folder with everything in it; no error when absent. */
  remove(path: string): Promise<void>;
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): Promise<void>;
  /** Makes a folder's entries (creates, renames, removals) durable. */
  syncDir(dir: string): Promise<void>;
  /** @returns the capacity of the volume holding `path` */
  diskUsage(path: string): Promise<DiskUsage>;
  /**
   * Takes an exclusive advisory lock on `path` (the file is created when absent) without
   * waiting. A process holds it until `release` or its end; a second holder, in this process
   * or another, is refused.
   * @returns the lock, or null when someone else holds it
   */
  tryLock(path: string): Promise<FileLock | null>;
}

/** An advisory lock taken by {@linkcode FileSystem.tryLock}. */
export interface FileLock {
  /** Releases the lock (and closes its file); a second call does nothing. */
  release(): Promise<void>;
}

/** Thrown by {@linkcode FileSystem.open} when the file does not exist and `create` is off. */
export class FileNotFoundError extends Error {
  /** @param path the missing path */
  constructor(readonly path: string) {
    super(`Cannot open ${path}: no such file`);
    this.name = "FileNotFoundError";
  }
}

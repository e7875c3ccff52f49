/**
 * The {@linkcode FileSystem} on Deno's file APIs: with `deno_posix_record_lock.ts`, the only code in
 * `store/` that touches `Deno.*`.
 *
 * Deno 2.9's `FsFile` has no positional read or write, so each handle runs `seek` + `read`/`write`
 * pairs one at a time through a small queue (the file position is shared kernel state); small
 * transfers run synchronously (see `SYNC_IO_BYTES_MAX`).
 * `sync()` is `fdatasync`. `diskUsage` uses `statfs` from `node:fs` (Deno has no `Deno.statfs`).
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import {
  type DiskUsage,
  type FileHandle,
  type FileInfo,
  type FileLock,
  FileNotFoundError,
  type FileSystem,
  type OpenOptions,
} from "../file_system.ts";
import { tryPosixRecordLock } from "./deno_posix_record_lock.ts";

/**
 * The Deno file system; paths are passed to Deno unchanged.
 *
 * @example
 * ```ts
 * import { DenoFileSystem } from "./deno_file_system.ts";
 * const fs = new DenoFileSystem();
 * const dir = await Deno.makeTempDir();
 * const file = await fs.open(`${dir}/00000000000000000000`, { create: true });
 * await file.writeAt(new TextEncoder().encode("hello"), 0);
 * await file.sync();
 * file.close();
 * await fs.remove(dir);
 * ```
 */
export class DenoFileSystem implements FileSystem {
  /**
   * An exclusive `flock` on `path` without waiting, and on Linux also the POSIX record lock a
   * RocketMQ broker takes on its store's lock file (`deno_posix_record_lock.ts`), so neither starts
   * on a folder the other holds; see {@linkcode FileSystem.tryLock}.
   */
  async tryLock(path: string): Promise<FileLock | null> {
    const file = await Deno.open(path, { read: true, write: true, create: true });
    let record: (() => void) | null | "unavailable" = null;
    try {
      if (await file.tryLock(true)) record = tryPosixRecordLock(path);
    } finally {
      if (record === null) file.close(); // closing releases the flock
    }
    if (record === null) return null;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          if (record !== "unavailable") record();
          await file.unlock();
        } finally {
          file.close(); // closing releases it too
        }
      },
    };
  }

  /** Opens a file read-write; see {@linkcode FileSystem.open}. */
  async open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
    try {
      const file = await Deno.open(path, {
        read: true,
        write: true,
        create: options.create === true,
      });
      return new DenoFileHandle(path, file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new FileNotFoundError(path);
      throw error;
    }
  }

  /** Facts about a path, null when absent; see {@linkcode FileSystem.stat}. */
  async stat(path: string): Promise<FileInfo | null> {
    try {
      const info = await Deno.stat(path);
      return {
        isDirectory: info.isDirectory,
        size: info.isDirectory ? 0 : info.size,
        mtimeMs: info.mtime?.getTime() ?? 0,
      };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  /** Entry names of a folder, sorted, [] when absent; see {@linkcode FileSystem.list}. */
  async list(dir: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return names.sort();
  }

  /** Creates a folder and its parents; see {@linkcode FileSystem.mkdir}. */
  async mkdir(dir: string): Promise<void> {
    await Deno.mkdir(dir, { recursive: true });
  }

  /** Removes a file or folder tree, no error when absent; see {@linkcode FileSystem.remove}. */
  async remove(path: string): Promise<void> {
    try {
      await Deno.remove(path, { recursive: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
  }

  /** Atomically replaces `to` with `from` (rename(2)). */
  async rename(from: string, to: string): Promise<void> {
    try {
      await Deno.rename(from, to);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new FileNotFoundError(from);
      throw error;
    }
  }

  /** fsyncs the folder so entries created, renamed or removed in it are durable. */
  async syncDir(dir: string): Promise<void> {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  }

  /** Capacity of the volume holding `path`, from statfs(2). */
  async diskUsage(path: string): Promise<DiskUsage> {
    const info = await statfs(path);
    // Blocks reserved for root are neither used nor free for the broker (df's Use%).
    return {
      totalBytes: info.blocks * info.bsize,
      freeBytes: info.bavail * info.bsize,
      usedBytes: (info.blocks - info.bfree) * info.bsize,
    };
  }
}

/**
 * Reads and writes up to this size run synchronously (seek + read/write on the calling thread):
 * measured in Deno 2.9 a 64 KiB page-cache write takes ~5 µs that way against ~25 µs through an
 * async op (plus ~50 µs for an async seek), while blocking the event loop at most ~20 µs.
 * Larger transfers stay async so encoding overlaps the I/O.
 */
const SYNC_IO_BYTES_MAX = 256 * 1024;

/**
 * A Deno file whose positional operations run one at a time. It remembers where the file
 * position is, so a read or write that continues the previous one (the commit log's writer, a
 * sequential reader) needs no seek call (measured: ~6 % of the store's ASYNC append time).
 */
class DenoFileHandle implements FileHandle {
  readonly #file: Deno.FsFile;
  #tail: Promise<unknown> = Promise.resolve();
  #busy = false;
  /** the file position after the last operation; -1 while unknown (in flight, or failed) */
  #position = 0;

  constructor(readonly path: string, file: Deno.FsFile) {
    this.#file = file;
  }

  /** Runs `op` after every earlier operation of this handle has settled. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    if (!this.#busy) {
      this.#busy = true;
      const run = op().finally(() => {
        if (this.#tail === run) this.#busy = false;
      });
      this.#tail = run;
      return run;
    }
    const run: Promise<T> = this.#tail.then(op, op).finally(() => {
      if (this.#tail === run) this.#busy = false;
    });
    this.#tail = run;
    return run;
  }

  readAt(buffer: Uint8Array, position: number): Promise<number> {
    if (!this.#busy && buffer.length <= SYNC_IO_BYTES_MAX) {
      try {
        return Promise.resolve(this.#readSync(buffer, position));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#serial(async () => {
      if (buffer.length <= SYNC_IO_BYTES_MAX) return this.#readSync(buffer, position);
      this.#seek(position);
      this.#position = -1;
      let done = 0;
      while (done < buffer.length) {
        const n = await this.#file.read(buffer.subarray(done));
        if (n === null || n === 0) break;
        done += n;
      }
      this.#position = position + done;
      return done;
    });
  }

  /** Moves the file position to `position` unless it is there already. */
  #seek(position: number): void {
    if (this.#position === position) return;
    this.#position = -1;
    this.#file.seekSync(position, Deno.SeekMode.Start);
    this.#position = position;
  }

  #readSync(buffer: Uint8Array, position: number): number {
    this.#seek(position);
    this.#position = -1;
    let done = 0;
    while (done < buffer.length) {
      const n = this.#file.readSync(buffer.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    this.#position = position + done;
    return done;
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    if (!this.#busy && data.length <= SYNC_IO_BYTES_MAX) {
      try {
        this.#writeSync(data, position);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#serial(() => this.#writeUnqueued(data, position));
  }

  #writeSync(data: Uint8Array, position: number): void {
    this.#seek(position);
    this.#position = -1;
    let done = 0;
    while (done < data.length) done += this.#file.writeSync(data.subarray(done));
    this.#position = position + done;
  }

  append(data: Uint8Array): Promise<number> {
    return this.#serial(async () => {
      this.#position = -1;
      const position = this.#file.seekSync(0, Deno.SeekMode.End);
      this.#position = position;
      await this.#writeUnqueued(data, position);
      return position;
    });
  }

  async #writeUnqueued(data: Uint8Array, position: number): Promise<void> {
    if (data.length <= SYNC_IO_BYTES_MAX) return this.#writeSync(data, position);
    this.#seek(position);
    this.#position = -1;
    let done = 0;
    while (done < data.length) done += await this.#file.write(data.subarray(done));
    this.#position = position + done;
  }

  /** fdatasync needs no file position, so it runs beside reads and writes, not behind them. */
  sync(): Promise<void> {
    return this.#file.syncData();
  }

  truncate(size: number): Promise<void> {
    return this.#serial(() => this.#file.truncate(size));
  }

  size(): Promise<number> {
    return this.#serial(async () => (await this.#file.stat()).size);
  }

  close(): void {
    this.#file.close();
  }
}

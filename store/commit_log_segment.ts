/**
 * One commit-log file (store.md §2): `fileSize` bytes named by its 20-digit start offset, plus
 * the in-memory chunks appends are encoded into. Positions are byte offsets inside the file.
 *
 * Watermarks, always `flushed ≤ written ≤ wrote ≤ fileSize`:
 * - `wrotePosition`: bytes appended (in memory, visible to readers);
 * - `writtenPosition`: bytes handed to the file (page cache);
 * - `flushedPosition`: bytes made durable by `sync()`.
 * Memory holds `[memoryStart, wrotePosition)` in chunks of the shared
 * {@linkcode CommitLogChunkPool}; older bytes are read from the file. The oldest chunks go back
 * to the pool once written, so `memoryStart` only moves forward. After the BLANK header that
 * ends a segment (`dataEnd`) the file already reads as zeros, so those bytes are neither held
 * in memory nor written.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CommitLogChunk, CommitLogChunkPool } from "./commit_log_chunk_pool.ts";
import type { FileHandle, FileSystem } from "./file_system.ts";
import { BLANK_HEADER_BYTES, BLANK_MAGIC_CODE } from "./message_record.ts";
import { joinPath } from "./store_paths.ts";

/** A commit-log segment name: the start offset, 20 digits zero-padded (store.md §2). */
export function segmentFileName(fileFromOffset: number): string {
  return String(fileFromOffset).padStart(20, "0");
}

/** Thrown when the commit-log folder cannot be loaded as a RocketMQ commit log. */
export class CommitLogLoadError extends Error {
  /** @param message what is wrong, with the path */
  constructor(message: string) {
    super(message);
    this.name = "CommitLogLoadError";
  }
}

/** Where {@linkcode CommitLogSegment.openAll} looks, and the log's sizes. */
export interface OpenSegmentsOptions {
  readonly fs: FileSystem;
  /** the commit-log folder (created when absent) */
  readonly dir: string;
  /** mappedFileSizeCommitLog */
  readonly segmentBytes: number;
  /** the chunk pool's chunk size */
  readonly chunkBytes: number;
}

/** One commit-log file and its memory; see the module doc. */
export class CommitLogSegment {
  /** offset of the file's first byte in the whole log */
  readonly fileFromOffset: number;
  /** full file size (mappedFileSizeCommitLog) */
  readonly fileSize: number;
  /** full path of the file */
  readonly path: string;
  /** bytes per memory chunk */
  readonly chunkBytes: number;
  /** first position memory holds (fileSize when none) */
  memoryStart: number;
  /** bytes appended */
  wrotePosition = 0;
  /** bytes written to the file */
  writtenPosition = 0;
  /** bytes synced */
  flushedPosition = 0;
  /** end of the data: past the BLANK header the file is zeros (fileSize while not ended) */
  dataEnd: number;
  /** the folder entry must be synced before data in this file counts as durable */
  needsDirSync = false;
  /**
   * clock time of the last change in this run (retention's last-modified time); undefined for
   * a file loaded from disk and not written since (retention then asks the file system)
   */
  lastModifiedMs: number | undefined = undefined;
  readonly #chunks: Array<CommitLogChunk | undefined> = [];
  #handle: FileHandle | null = null;
  #opening: Promise<FileHandle> | null = null;
  /** a file another task creates for this segment, taken on by the first `open` */
  #adopted: Promise<FileHandle> | null = null;
  #writing = false;
  #destroyed = false;

  /**
   * @param dir the commit-log folder
   * @param fileFromOffset start offset (a multiple of `fileSize`)
   * @param fileSize segment size in bytes
   * @param chunkBytes the pool's chunk size
   */
  constructor(dir: string, fileFromOffset: number, fileSize: number, chunkBytes: number) {
    assert(fileFromOffset % fileSize === 0, `segment start ${fileFromOffset} not aligned`);
    this.fileFromOffset = fileFromOffset;
    this.fileSize = fileSize;
    this.chunkBytes = chunkBytes;
    this.memoryStart = fileSize;
    this.dataEnd = fileSize;
    this.path = joinPath(dir, segmentFileName(fileFromOffset));
  }

  /**
   * Opens every segment file of a folder, oldest first, as fully written (recovery decides
   * where valid data ends). Every file is checked before any is changed, so a refused load
   * leaves the folder as it was; then a file a crash left short is extended to full size.
   * @returns the segments, files open
   * @throws {CommitLogLoadError} for a gap between segments, a name off the segment size, or a
   *   file larger than `mappedFileSizeCommitLog` (a file keeps the size it was made with)
   */
  static async openAll(options: OpenSegmentsOptions): Promise<CommitLogSegment[]> {
    const { fs, dir, segmentBytes, chunkBytes } = options;
    await fs.mkdir(dir);
    const names = (await fs.list(dir)).filter((name) => /^\d{20}$/.test(name));
    const segments: CommitLogSegment[] = [];
    const sizes: number[] = [];
    const refuse = (detail: string) =>
      new CommitLogLoadError(
        `Cannot load commit log ${dir}: ${detail}; mappedFileSizeCommitLog is ${segmentBytes}, ` +
          "and a commit-log file keeps the size it was made with",
      );
    try {
      for (const name of names) {
        const start = Number(name);
        const previous = segments.at(-1);
        if (start % segmentBytes !== 0) {
          throw refuse(`segment ${name} does not start at a multiple`);
        }
        if (previous && previous.fileFromOffset + segmentBytes !== start) {
          throw refuse(`segment ${name} does not follow the previous one`);
        }
        const segment = new CommitLogSegment(dir, start, segmentBytes, chunkBytes);
        segments.push(segment);
        const size = await (await segment.open(fs, false)).size();
        sizes.push(size);
        if (size > segmentBytes) throw refuse(`segment ${segment.path} is ${size} bytes`);
      }
      // A crash can lose the size change of a fresh file; reads past its end see zeros.
      for (const [i, segment] of segments.entries()) {
        if (sizes[i] < segmentBytes) await (await segment.open(fs, false)).truncate(segmentBytes);
        segment.wrotePosition = segment.writtenPosition = segment.flushedPosition = segmentBytes;
      }
    } catch (error) {
      for (const segment of segments) await segment.close();
      throw error;
    }
    return segments;
  }

  /** offset just past the last appended byte */
  get wroteOffset(): number {
    return this.fileFromOffset + this.wrotePosition;
  }

  /** true once appends reached the end of the file (blank written) */
  get isFull(): boolean {
    return this.wrotePosition === this.fileSize;
  }

  /** true once retention deleted the file: reads answer null, nothing reopens it */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** true while a file write of this segment is in flight (its chunks must not be reused) */
  get isWriting(): boolean {
    return this.#writing;
  }

  /** true when memory holds the byte at `position` */
  inMemory(position: number): boolean {
    return position >= this.memoryStart && position < this.wrotePosition &&
      this.#chunks[Math.floor(position / this.chunkBytes)] !== undefined;
  }

  /** Appends from `position` on go to memory (a new segment: 0; after recovery: its end). */
  startMemoryAt(position: number): void {
    assert(this.#chunks.every((chunk) => chunk === undefined), "memory already started");
    this.memoryStart = position;
  }

  /**
   * @returns how many chunks appending `[position, position + length)` still needs
   */
  chunksMissing(position: number, length: number): number {
    let missing = 0;
    if (length <= 0) return 0;
    const last = Math.floor((position + length - 1) / this.chunkBytes);
    for (let i = Math.floor(position / this.chunkBytes); i <= last; i++) {
      if (this.#chunks[i] === undefined) missing++;
    }
    return missing;
  }

  /** Gives memory to `[position, position + length)` from the pool (reserved by the caller). */
  addChunks(pool: CommitLogChunkPool, position: number, length: number): void {
    assert(position >= this.memoryStart, `position ${position} below memory ${this.memoryStart}`);
    const last = Math.floor((position + length - 1) / this.chunkBytes);
    for (let i = Math.floor(position / this.chunkBytes); i <= last; i++) {
      if (this.#chunks[i] !== undefined) continue;
      const chunk = pool.take();
      if (chunk === undefined) assert.fail("chunks must be reserved before an append");
      this.#chunks[i] = chunk;
    }
  }

  /** @returns the chunk holding `position` (present: the caller added it) */
  chunkAt(position: number): CommitLogChunk {
    return this.#chunks[Math.floor(position / this.chunkBytes)]!;
  }

  /** Copies `bytes` to memory at `position`, across chunks (their chunks must be present). */
  copyIn(bytes: Uint8Array, position: number): void {
    let done = 0;
    while (done < bytes.length) {
      const at = position + done;
      const offset = at % this.chunkBytes;
      const n = Math.min(bytes.length - done, this.chunkBytes - offset);
      this.chunkAt(at).bytes.set(bytes.subarray(done, done + n), offset);
      done += n;
    }
  }

  /**
   * Ends the segment with the BLANK record (message-format.md §2): its 8-byte header goes to
   * memory (chunks reserved by the caller); the rest of the file is zeros already.
   */
  endWithBlank(pool: CommitLogChunkPool): void {
    const position = this.wrotePosition;
    const maxBlank = this.fileSize - position;
    assert(maxBlank >= BLANK_HEADER_BYTES, "a segment always keeps room for the blank");
    const header = new Uint8Array(BLANK_HEADER_BYTES);
    const view = new DataView(header.buffer);
    view.setInt32(0, maxBlank);
    view.setInt32(4, BLANK_MAGIC_CODE);
    this.addChunks(pool, position, BLANK_HEADER_BYTES);
    this.copyIn(header, position);
    this.dataEnd = position + BLANK_HEADER_BYTES;
    this.wrotePosition = this.fileSize;
  }

  /**
   * Returns the oldest chunk to the pool if every byte it holds reached the file and appends no
   * longer go to it. A file write in flight never uses it: writes start at `writtenPosition`,
   * at or past the chunk's end. @returns true when one was released
   */
  releaseOldestChunk(pool: CommitLogChunkPool): boolean {
    if (this.memoryStart >= this.wrotePosition) return false;
    const index = Math.floor(this.memoryStart / this.chunkBytes);
    const end = Math.min((index + 1) * this.chunkBytes, this.fileSize);
    if (this.writtenPosition < end) return false;
    const chunk = this.#chunks[index];
    this.#chunks[index] = undefined;
    this.memoryStart = end >= this.dataEnd ? this.fileSize : end;
    if (chunk !== undefined) pool.give(chunk);
    return true;
  }

  /** Returns every chunk to the pool (the segment is written out, deleted or cut). */
  releaseAllChunks(pool: CommitLogChunkPool): void {
    assert(!this.#writing, "cannot release memory while it is being written");
    for (let i = 0; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i];
      if (chunk !== undefined) pool.give(chunk);
    }
    this.#chunks.length = 0;
    this.memoryStart = this.fileSize;
  }

  /**
   * Uses a file another task is creating (the next segment, created ahead); `open()` waits for it.
   * @param preparing resolves to the open, full-size file whose folder entry is synced
   */
  adoptFile(preparing: Promise<FileHandle>): void {
    assert(this.#opening === null && this.#handle === null, "segment file already open");
    // Nothing is chained on it before an `open`: a writer that failed on an earlier file never
    // opens this one, and a rejection nobody handles would end the process.
    this.#adopted = preparing;
  }

  /** Opens (creating at full size if asked) the file; later calls reuse the handle. */
  open(fs: FileSystem, create: boolean): Promise<FileHandle> {
    if (this.#handle) return Promise.resolve(this.#handle);
    if (this.#opening === null && this.#adopted !== null) {
      this.#opening = this.#adopted.then((handle) => this.#handle = handle);
      this.#adopted = null;
    }
    if (this.#opening === null && !create) {
      this.#opening = fs.open(this.path).then((handle) => this.#handle = handle);
    }
    if (!this.#opening) {
      this.#opening = (async () => {
        const handle = await fs.open(this.path, { create });
        if (create) {
          await handle.truncate(this.fileSize);
          this.needsDirSync = true;
        }
        this.#handle = handle;
        return handle;
      })();
    }
    return this.#opening;
  }

  /** the open handle; asserts it was opened */
  get handle(): FileHandle {
    if (this.#handle === null) assert.fail(`segment ${this.path} is not open`);
    return this.#handle;
  }

  /**
   * Writes the next unwritten bytes (at most `maxBytes`, never past a chunk) to the file.
   * @returns the number of bytes written (0 when nothing was pending)
   */
  async writeNext(fs: FileSystem, maxBytes: number): Promise<number> {
    const start = this.writtenPosition;
    if (start >= this.dataEnd && start < this.wrotePosition) {
      // The blank's tail: the file already holds zeros there.
      this.writtenPosition = this.wrotePosition;
      return this.wrotePosition - start;
    }
    const chunkEnd = (Math.floor(start / this.chunkBytes) + 1) * this.chunkBytes;
    const end = Math.min(this.wrotePosition, this.dataEnd, chunkEnd, start + maxBytes);
    if (end <= start) return 0;
    const chunk = this.#chunks[Math.floor(start / this.chunkBytes)];
    if (chunk === undefined || start < this.memoryStart) {
      assert.fail("unwritten bytes must be in memory");
    }
    const offset = start % this.chunkBytes;
    this.#writing = true;
    try {
      const handle = await this.open(fs, true);
      await handle.writeAt(chunk.bytes.subarray(offset, offset + end - start), start);
    } finally {
      this.#writing = false;
    }
    this.writtenPosition = end;
    return end - start;
  }

  /**
   * Makes the written bytes durable. With the file open the sync is issued before this returns,
   * so the caller can work while the disk does. @returns the new flushed position
   */
  sync(fs: FileSystem, dir: string): Promise<number> {
    // Retention deletes only fully synced files; never recreate one.
    if (this.#destroyed) return Promise.resolve(this.flushedPosition);
    const target = this.writtenPosition;
    if (target <= this.flushedPosition && !this.needsDirSync) {
      return Promise.resolve(this.flushedPosition);
    }
    const syncing = this.#handle !== null
      ? this.#handle.sync()
      : this.open(fs, true).then((handle) => handle.sync());
    return this.#synced(syncing, target, fs, dir);
  }

  async #synced(syncing: Promise<void>, target: number, fs: FileSystem, dir: string) {
    await syncing;
    if (this.needsDirSync) {
      await fs.syncDir(dir);
      this.needsDirSync = false;
    }
    if (target > this.flushedPosition) this.flushedPosition = target;
    return this.flushedPosition;
  }

  /**
   * Copies `[position, position + length)` from memory.
   * @returns the bytes, or undefined when memory does not hold them all
   */
  readFromMemory(position: number, length: number): Uint8Array | undefined {
    if (position < this.memoryStart || position + length > this.wrotePosition) return undefined;
    if (position + length > this.dataEnd) return undefined;
    const index = Math.floor(position / this.chunkBytes);
    const offset = position - index * this.chunkBytes;
    const chunk = this.#chunks[index];
    if (chunk === undefined) return undefined;
    if (offset + length <= this.chunkBytes) return chunk.bytes.slice(offset, offset + length);
    const out = new Uint8Array(length);
    return this.#copyOut(position, out, 0) ? out : undefined;
  }

  /** Copies memory from `position` into `out` from `at` on. @returns false when a chunk is gone */
  #copyOut(position: number, out: Uint8Array, at: number): boolean {
    const length = out.length - at;
    let done = 0;
    while (done < length) {
      const from = this.#chunks[Math.floor((position + done) / this.chunkBytes)];
      if (from === undefined) return false;
      const o = (position + done) % this.chunkBytes;
      const n = Math.min(length - done, this.chunkBytes - o);
      out.set(from.bytes.subarray(o, o + n), at + done);
      done += n;
    }
    return true;
  }

  /**
   * Reads `[position, position + length)` from memory or the file; never past `wrotePosition`.
   * A range that starts in a chunk already recycled and ends past `writtenPosition` is copied
   * in two parts: the unwritten end from memory at once, the written start from the file.
   * A read that meets retention deleting the file answers null (the record was removed).
   * @returns the bytes, or null when the range is not (fully) appended or the file is gone
   * @throws the file system's error for any other failure
   */
  async read(fs: FileSystem, position: number, length: number): Promise<Uint8Array | null> {
    const end = position + length;
    // Past dataEnd (after a blank) nothing was ever written: no record lives there.
    if (position < 0 || length < 0 || end > this.wrotePosition || end > this.dataEnd) return null;
    const inMemory = this.readFromMemory(position, length);
    if (inMemory) return inMemory;
    if (this.#destroyed) return null;
    const out = new Uint8Array(length);
    let fileEnd = position + length;
    if (fileEnd > this.writtenPosition) {
      // Bytes below memoryStart were written before their chunk was recycled; the rest is here.
      fileEnd = Math.max(position, this.memoryStart);
      if (!this.#copyOut(fileEnd, out, fileEnd - position)) {
        assert.fail(`unwritten bytes at ${fileEnd} of ${this.path} must be in memory`);
      }
    }
    if (fileEnd === position) return out;
    return await this.readFile(fs, out.subarray(0, fileEnd - position), position) ? out : null;
  }

  /**
   * Fills `out` from the file at `position`; the caller keeps the range below
   * `writtenPosition` (only those bytes are in the file).
   * @returns false when the file is short, or was deleted by retention (before or during the read)
   * @throws the file system's error for any other failure
   */
  async readFile(fs: FileSystem, out: Uint8Array, position: number): Promise<boolean> {
    if (this.#destroyed) return false;
    try {
      const handle = await this.open(fs, false);
      return (await handle.readAt(out, position)) === out.length;
    } catch (error) {
      // The handle was closed or the file removed under the read: MESSAGE_WAS_REMOVING.
      if (this.#destroyed) return false;
      throw error;
    }
  }

  /** Closes the file handle once any open in flight has settled (the file stays). */
  async close(): Promise<void> {
    const opening = this.#opening ?? this.#adopted;
    this.#opening = null;
    this.#adopted = null;
    if (opening) {
      const [outcome] = await Promise.allSettled([opening]);
      // A failed open was already reported to the caller that awaited it; nothing to close.
      if (outcome.status === "fulfilled") outcome.value.close();
    } else {
      this.#handle?.close();
    }
    this.#handle = null;
  }

  /** Closes and deletes the file (retention); later reads answer null. */
  async destroy(fs: FileSystem): Promise<void> {
    this.#destroyed = true;
    await this.close();
    await fs.remove(this.path);
  }
}

/**
 * One commit-log file (store.md §2): `fileSize` bytes named by its 20-digit start offset, plus
 * the in-memory buffer appends are encoded into. Positions are byte offsets inside the file.
 *
 * Watermarks, always `flushed ≤ written ≤ wrote ≤ fileSize`:
 * - `wrotePosition`: bytes appended (in the buffer, visible to readers);
 * - `writtenPosition`: bytes handed to the file (page cache);
 * - `flushedPosition`: bytes made durable by `sync()`.
 * The buffer holds valid bytes for `[bufferStart, wrotePosition)`; older bytes are read from the
 * file (after recovery the buffer starts at the recovered end).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { FileHandle, FileSystem } from "./file_system.ts";
import { joinPath } from "./store_paths.ts";

/** A commit-log segment name: the start offset, 20 digits zero-padded (store.md §2). */
export function segmentFileName(fileFromOffset: number): string {
  return String(fileFromOffset).padStart(20, "0");
}

/** One commit-log file and its write buffer; see the module doc. */
export class CommitLogSegment {
  /** offset of the file's first byte in the whole log */
  readonly fileFromOffset: number;
  /** full file size (mappedFileSizeCommitLog) */
  readonly fileSize: number;
  /** full path of the file */
  readonly path: string;
  /** in-memory image, or null when served from the file only */
  buffer: Uint8Array | null = null;
  /** DataView over `buffer` */
  view: DataView | null = null;
  /** first position the buffer holds valid bytes for */
  bufferStart = 0;
  /** bytes appended */
  wrotePosition = 0;
  /** bytes written to the file */
  writtenPosition = 0;
  /** bytes synced */
  flushedPosition = 0;
  /** the folder entry must be synced before data in this file counts as durable */
  needsDirSync = false;
  #handle: FileHandle | null = null;
  #opening: Promise<FileHandle> | null = null;
  #writing = false;

  /**
   * @param dir the commit-log folder
   * @param fileFromOffset start offset (a multiple of `fileSize`)
   * @param fileSize segment size in bytes
   */
  constructor(dir: string, fileFromOffset: number, fileSize: number) {
    assert(fileFromOffset % fileSize === 0, `segment start ${fileFromOffset} not aligned`);
    this.fileFromOffset = fileFromOffset;
    this.fileSize = fileSize;
    this.path = joinPath(dir, segmentFileName(fileFromOffset));
  }

  /** offset just past the last appended byte */
  get wroteOffset(): number {
    return this.fileFromOffset + this.wrotePosition;
  }

  /** true once appends reached the end of the file (blank written) */
  get isFull(): boolean {
    return this.wrotePosition === this.fileSize;
  }

  /** true while a file write of this segment is in flight (its buffer must not be reused) */
  get isWriting(): boolean {
    return this.#writing;
  }

  /** Gives the segment a buffer valid from `bufferStart`. */
  attachBuffer(buffer: Uint8Array, bufferStart: number): void {
    assert(buffer.length === this.fileSize, "buffer must be as large as the segment");
    this.buffer = buffer;
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    this.bufferStart = bufferStart;
  }

  /** Takes the buffer away (readers go to the file from now on). @returns the buffer */
  detachBuffer(): Uint8Array | null {
    assert(!this.#writing, "cannot detach a buffer while it is being written");
    assert(
      this.writtenPosition >= this.wrotePosition,
      "cannot detach a buffer with unwritten bytes",
    );
    const buffer = this.buffer;
    this.buffer = null;
    this.view = null;
    return buffer;
  }

  /** Opens (creating at full size if asked) the file; later calls reuse the handle. */
  open(fs: FileSystem, create: boolean): Promise<FileHandle> {
    if (this.#handle) return Promise.resolve(this.#handle);
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
   * Writes the next unwritten bytes (at most `maxBytes`) from the buffer to the file.
   * @returns the number of bytes written (0 when nothing was pending)
   */
  async writeNext(fs: FileSystem, maxBytes: number): Promise<number> {
    const start = this.writtenPosition;
    const end = Math.min(this.wrotePosition, start + maxBytes);
    if (end <= start) return 0;
    if (this.buffer === null || start < this.bufferStart) {
      assert.fail("unwritten bytes must be in the buffer");
    }
    this.#writing = true;
    try {
      const handle = await this.open(fs, true);
      await handle.writeAt(this.buffer.subarray(start, end), start);
    } finally {
      this.#writing = false;
    }
    this.writtenPosition = end;
    return end - start;
  }

  /** Makes the written bytes durable. @returns the new flushed position */
  async sync(fs: FileSystem, dir: string): Promise<number> {
    const target = this.writtenPosition;
    if (target <= this.flushedPosition && !this.needsDirSync) return this.flushedPosition;
    const handle = await this.open(fs, true);
    await handle.sync();
    if (this.needsDirSync) {
      await fs.syncDir(dir);
      this.needsDirSync = false;
    }
    if (target > this.flushedPosition) this.flushedPosition = target;
    return this.flushedPosition;
  }

  /**
   * Copies `[position, position + length)` from the buffer.
   * @returns the bytes, or undefined when the buffer does not hold them
   */
  readFromMemory(position: number, length: number): Uint8Array | undefined {
    const buffer = this.buffer;
    if (buffer === null || position < this.bufferStart) return undefined;
    if (position + length > this.wrotePosition) return undefined;
    return buffer.slice(position, position + length);
  }

  /**
   * Reads `[position, position + length)` from memory or the file; never past `wrotePosition`.
   * @returns the bytes, or null when the range is not (fully) appended
   */
  async read(fs: FileSystem, position: number, length: number): Promise<Uint8Array | null> {
    if (position < 0 || length < 0 || position + length > this.wrotePosition) return null;
    const inMemory = this.readFromMemory(position, length);
    if (inMemory) return inMemory;
    const out = new Uint8Array(length);
    const handle = await this.open(fs, false);
    const n = await handle.readAt(out, position);
    if (n < length) return null;
    return out;
  }

  /** Closes the file handle once any open in flight has settled (the file stays). */
  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = null;
    if (opening) {
      const [outcome] = await Promise.allSettled([opening]);
      // A failed open was already reported to the caller that awaited it; nothing to close.
      if (outcome.status === "fulfilled") outcome.value.close();
    } else {
      this.#handle?.close();
    }
    this.#handle = null;
  }

  /** Closes and deletes the file (retention). */
  async destroy(fs: FileSystem): Promise<void> {
    await this.close();
    this.buffer = null;
    this.view = null;
    await fs.remove(this.path);
  }
}

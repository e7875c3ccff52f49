/**
 * One consume-queue file (internal to {@linkcode ConsumeQueue}): its written and flushed
 * watermarks and an in-memory tail cache. Units are appended to the cache synchronously and
 * written to the file by `flush()`; readers get views over the cache, or a buffer read from the
 * file for older units. Invariant: every unflushed real unit is in the cache.
 *
 * The cache is a run of contiguous blocks, each allocated once and never moved: an append fills
 * the newest block or starts a new one, and the cache slides by dropping whole flushed blocks.
 * So no append copies cached units (a single growing buffer copied up to megabytes on the
 * dispatch path: a 0.1–1.8 ms stall under SYNC_FLUSH), and a view handed to a reader stays
 * valid however long it is held.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DispatchRequest } from "./dispatch_request.ts";
import { FileNotFoundError, type FileSystem } from "./file_system.ts";
import type { FileHandleCache } from "./file_handle_cache.ts";
import {
  CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX,
  CONSUME_QUEUE_CACHE_BYTES_INITIAL,
  CONSUME_QUEUE_CACHE_BYTES_MAX,
  CONSUME_QUEUE_SCAN_BYTES,
  CQ_STORE_UNIT_BYTES,
  OS_PAGE_BYTES,
} from "./limits.ts";
import {
  BLANK_UNIT_SIZE,
  ConsumeQueueUnits,
  readInt64,
  writeInt64,
} from "./consume_queue_units.ts";

const UNIT = CQ_STORE_UNIT_BYTES;

/** The fields of a dispatched record that make a unit. */
export type UnitSource = Pick<DispatchRequest, "commitLogOffset" | "msgSize" | "tagsCode">;

/** Construction options of {@linkcode ConsumeQueueSegment}. */
export interface SegmentOptions {
  readonly fs: FileSystem;
  /** file path */
  readonly path: string;
  /** byte offset of the file in the queue's CQ stream (its name) */
  readonly start: number;
  /** full file size (mappedFileSizeConsumeQueue) */
  readonly fileBytes: number;
  /** true when the file exists on disk (loaded), false for a new segment */
  readonly onDisk: boolean;
  /** keeps read handles open across reads (default: open and close per read) */
  readonly handles?: FileHandleCache;
}

/** A run of blank units written by flush for a queue's padded head. */
const BLANK_BLOCK: Uint8Array = (() => {
  const block = new Uint8Array(4_096 * UNIT);
  const view = new DataView(block.buffer);
  for (let p = 0; p < block.length; p += UNIT) view.setInt32(p + 8, BLANK_UNIT_SIZE);
  return block;
})();

/** Cached units [base, base + bytes.length) of the file; only bytes below `wrote` are valid. */
interface CacheBlock {
  readonly base: number;
  /** base + bytes.length */
  readonly end: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/** @returns a zeroed block for [base, base + length) */
function newBlock(base: number, length: number): CacheBlock {
  const bytes = new Uint8Array(length);
  return { base, end: base + length, bytes, view: new DataView(bytes.buffer) };
}

/** See the module doc. Fields are read by the queue; positions are relative to the file. */
export class ConsumeQueueSegment {
  readonly start: number;
  readonly path: string;
  readonly fileBytes: number;
  /** bytes of valid units (blank padding included) */
  wrote: number;
  /** bytes known durable on disk */
  flushed: number;
  /** the file exists */
  onDisk: boolean;
  /** the file was created and its folder entry is not synced yet (the queue syncs it) */
  needsDirSync = false;
  readonly #fs: FileSystem;
  readonly #handles: FileHandleCache | undefined;
  /** blank padding [0, blankEnd) not held in the cache */
  #blankEnd = 0;
  /** contiguous, oldest first; every block but the newest is full */
  #blocks: CacheBlock[] = [];

  constructor(options: SegmentOptions) {
    assert(options.start % options.fileBytes === 0, `segment start ${options.start} not aligned`);
    this.#fs = options.fs;
    this.#handles = options.handles;
    this.path = options.path;
    this.start = options.start;
    this.fileBytes = options.fileBytes;
    this.onDisk = options.onDisk;
    this.wrote = options.onDisk ? options.fileBytes : 0;
    this.flushed = this.wrote;
  }

  /** true when no unit fits any more */
  get full(): boolean {
    return this.wrote === this.fileBytes;
  }

  /** Pads a new segment's head with blank units up to `endRel` (store.md §3). */
  padBlank(endRel: number): void {
    assert(!this.onDisk && this.wrote === 0, "only a new segment is padded");
    assert(endRel % UNIT === 0 && endRel < this.fileBytes, `bad blank end ${endRel}`);
    this.#blankEnd = endRel;
    this.wrote = endRel;
    this.#blocks = [];
  }

  /** Appends one unit to the cache (the file gets it at the next flush). */
  append(source: UnitSource): void {
    const rel = this.wrote;
    if (rel + UNIT > this.fileBytes) assert.fail(`segment ${this.path} is full`);
    let block = this.#blocks.at(-1);
    if (block === undefined || rel + UNIT > block.end) block = this.#addBlock(rel);
    const view = block.view;
    const position = rel - block.base;
    writeInt64(view, position, source.commitLogOffset);
    view.setInt32(position + 8, source.msgSize);
    writeInt64(view, position + 12, source.tagsCode);
    this.wrote = rel + UNIT;
  }

  /**
   * Starts a block at `rel` (the end of the cache), sized like the cache so far (so a busy queue
   * gets large blocks and an idle one stays small), then drops the oldest flushed blocks while
   * the cache holds more than its cap and would keep at least half of it.
   */
  #addBlock(rel: number): CacheBlock {
    const blocks = this.#blocks;
    const held = blocks.length === 0 ? 0 : rel - blocks[0].base;
    const length = Math.min(
      this.fileBytes - rel,
      CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX,
      Math.max(CONSUME_QUEUE_CACHE_BYTES_INITIAL, held),
    );
    const block = newBlock(rel, length);
    blocks.push(block);
    while (blocks.length > 1) {
      const oldest = blocks[0];
      const overCap = block.end - oldest.base > CONSUME_QUEUE_CACHE_BYTES_MAX;
      const keepsHalf = block.end - blocks[1].base >= CONSUME_QUEUE_CACHE_BYTES_MAX / 2;
      if (oldest.end > this.flushed || !overCap || !keepsHalf) break;
      blocks.shift();
    }
    return block;
  }

  /** Where the cache starts (its end is `wrote`). */
  get #cacheBase(): number {
    return this.#blocks.length === 0 ? this.wrote : this.#blocks[0].base;
  }

  /** @returns the index of the block holding `rel` (searched from the newest, where reads are) */
  #blockIndexAt(rel: number): number {
    const blocks = this.#blocks;
    let i = blocks.length - 1;
    while (blocks[i].base > rel) i--;
    return i;
  }

  /** @returns views over the cached bytes [fromRel, toRel), one per block, in order */
  #pieces(fromRel: number, toRel: number): { rel: number; bytes: Uint8Array }[] {
    assert(
      fromRel >= this.#cacheBase && fromRel < toRel && toRel <= this.wrote,
      `cached bytes [${fromRel}, ${toRel}) outside the cache [${this.#cacheBase}, ${this.wrote})`,
    );
    const pieces: { rel: number; bytes: Uint8Array }[] = [];
    const blocks = this.#blocks;
    for (let i = this.#blockIndexAt(fromRel), rel = fromRel; rel < toRel; i++) {
      const block = blocks[i];
      const end = Math.min(toRel, block.end);
      pieces.push({ rel, bytes: block.bytes.subarray(rel - block.base, end - block.base) });
      rel = end;
    }
    return pieces;
  }

  /**
   * @returns up to `maxUnits` units at `rel` from the cache, or null when not cached: a view
   *   over one block, or a copy when the run crosses into the next block
   */
  cachedUnits(rel: number, maxUnits: number, startOffset: number): ConsumeQueueUnits | null {
    if (this.#blocks.length === 0 || rel < this.#cacheBase || rel >= this.wrote) return null;
    const count = Math.min(maxUnits, (this.wrote - rel) / UNIT);
    const block = this.#blocks[this.#blockIndexAt(rel)];
    const end = rel + count * UNIT;
    if (end <= block.end) {
      return new ConsumeQueueUnits(block.view, rel - block.base, count, startOffset);
    }
    const copy = new Uint8Array(count * UNIT);
    for (const piece of this.#pieces(rel, end)) copy.set(piece.bytes, piece.rel - rel);
    return new ConsumeQueueUnits(new DataView(copy.buffer), 0, count, startOffset);
  }

  /**
   * Reads units at `rel` from the file (only flushed bytes are there).
   * @returns the units, or null when the file is gone or holds none at `rel`
   */
  async diskUnits(
    rel: number,
    maxUnits: number,
    startOffset: number,
  ): Promise<ConsumeQueueUnits | null> {
    const count = Math.min(maxUnits, (this.flushed - rel) / UNIT);
    if (!this.onDisk || count <= 0) return null;
    const bytes = await this.readBytes(rel, count * UNIT);
    if (bytes === null) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let valid = 0;
    while (valid < bytes.length / UNIT) {
      const p = valid * UNIT;
      if (view.getInt32(p) < 0 || view.getInt32(p + 8) <= 0) break;
      valid++;
    }
    return valid === 0 ? null : new ConsumeQueueUnits(view, 0, valid, startOffset);
  }

  /**
   * Reads `length` bytes at `rel` from the file; missing bytes (a short file) read as zeros.
   * @returns the bytes, or null when the file does not exist
   */
  async readBytes(rel: number, length: number): Promise<Uint8Array | null> {
    if (this.#handles !== undefined) {
      const bytes = new Uint8Array(length);
      return (await this.#handles.read(this.path, bytes, rel)) === null ? null : bytes;
    }
    let handle;
    try {
      handle = await this.#fs.open(this.path);
    } catch (error) {
      if (error instanceof FileNotFoundError) return null;
      throw error;
    }
    try {
      const bytes = new Uint8Array(length);
      await handle.readAt(bytes, rel);
      return bytes;
    } finally {
      handle.close();
    }
  }

  /**
   * Visits the units in [fromRel, toRel) read from the file, in order, until `visit` returns
   * false. Recovery and corrections use it; the file must be flushed up to `toRel`.
   * @returns the position of the unit that stopped the scan, or `toRel`
   */
  async scan(
    fromRel: number,
    toRel: number,
    visit: (view: DataView, position: number) => boolean,
  ): Promise<number> {
    for (let rel = fromRel; rel < toRel;) {
      const length = Math.min(CONSUME_QUEUE_SCAN_BYTES, toRel - rel);
      const bytes = await this.readBytes(rel, length);
      if (bytes === null) return rel;
      const view = new DataView(bytes.buffer);
      for (let p = 0; p < length; p += UNIT) if (!visit(view, p)) return rel + p;
      rel += length;
    }
    return toRel;
  }

  /**
   * Scans the file's units from its start up to `wrote`, stopping at the first invalid unit
   * (store.md §3) or the first whose record starts at or after `physicalLimit`.
   * @returns where the valid units end, and the end of the newest non-blank unit's record (-1: none)
   */
  async scanValid(
    physicalLimit = Number.POSITIVE_INFINITY,
  ): Promise<{ end: number; maxPhysicalOffset: number }> {
    let maxPhysicalOffset = -1;
    const end = await this.scan(0, this.wrote, (view, p) => {
      const offset = readInt64(view, p);
      const size = view.getInt32(p + 8);
      if (offset < 0 || size <= 0 || offset >= physicalLimit) return false;
      if (size !== BLANK_UNIT_SIZE || offset !== 0) maxPhysicalOffset = offset + size;
      return true;
    });
    return { end, maxPhysicalOffset };
  }

  /** Syncs the file (after a crash, what a killed run wrote may sit unsynced in the page cache). */
  async sync(): Promise<void> {
    if (!this.onDisk) return;
    const handle = await this.#fs.open(this.path);
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  }

  /**
   * Writes the unflushed units to the file and syncs it, creating the file (full size) first.
   * @param leastPages skip unless this many 4 KiB pages are dirty (0: always; a full file always)
   * @param ensureDir creates and syncs the queue folder before a first file is created
   * @returns true when nothing is left unflushed
   */
  async flush(leastPages: number, ensureDir: () => Promise<void>): Promise<boolean> {
    const target = this.wrote;
    const from = this.flushed;
    if (target === from) return true;
    const dirtyPages = Math.floor(target / OS_PAGE_BYTES) - Math.floor(from / OS_PAGE_BYTES);
    if (target < this.fileBytes && leastPages > 0 && dirtyPages < leastPages) return false;
    const cacheStart = Math.max(from, this.#blankEnd);
    // Views taken now: blocks never change below `wrote`, so appends during the writes are safe.
    const pieces = target > cacheStart ? this.#pieces(cacheStart, target) : [];
    const creating = !this.onDisk;
    if (creating) await ensureDir();
    const handle = await this.#fs.open(this.path, { create: creating });
    if (creating) this.needsDirSync = true;
    try {
      if (creating) await handle.truncate(this.fileBytes);
      for (let p = from; p < Math.min(this.#blankEnd, target);) {
        const length = Math.min(BLANK_BLOCK.length, this.#blankEnd - p);
        await handle.writeAt(BLANK_BLOCK.subarray(0, length), p);
        p += length;
      }
      for (const piece of pieces) await handle.writeAt(piece.bytes, piece.rel);
      await handle.sync();
    } finally {
      handle.close();
    }
    this.onDisk = true;
    if (this.flushed < target) this.flushed = target;
    return this.flushed === this.wrote;
  }

  /**
   * After a flush: syncs the folder entry of a file this segment created (until that succeeds),
   * then drops the cache of a full, older segment once all of it is flushed; checked after the
   * folder sync, during which more units may have come.
   * @param syncDir syncs the queue's folder
   * @param older not the queue's newest segment
   */
  async settle(syncDir: () => Promise<void>, older: boolean): Promise<void> {
    if (this.needsDirSync) {
      await syncDir();
      this.needsDirSync = false;
    }
    if (older && this.full && this.flushed === this.wrote) this.releaseCache();
  }

  /** Drops the cache of a fully flushed, older segment. */
  releaseCache(): void {
    assert(this.flushed === this.wrote, "only a flushed segment drops its cache");
    this.#blocks = [];
  }

  /** Fills the cache with the newest flushed units from the file (after recovery). */
  async loadCache(): Promise<void> {
    assert(this.flushed === this.wrote, "cache is loaded from a flushed segment");
    const keep = Math.min(this.wrote, CONSUME_QUEUE_CACHE_BYTES_MAX / 2);
    const base = this.wrote - keep;
    const bytes = keep > 0 ? await this.readBytes(base, keep) : new Uint8Array(0);
    if (bytes === null) throw new FileNotFoundError(this.path);
    this.#blankEnd = 0;
    if (keep === 0) {
      this.#blocks = [];
      return;
    }
    const block = newBlock(base, keep);
    block.bytes.set(bytes);
    this.#blocks = [block];
  }

  /**
   * Cuts the segment to `rel` bytes: the file keeps its full size, zeros from `rel` on, synced.
   * The cache is dropped; call {@linkcode loadCache} if the segment stays the last one.
   */
  async truncate(rel: number): Promise<void> {
    assert(rel % UNIT === 0 && rel >= 0 && rel <= this.wrote, `bad truncate position ${rel}`);
    assert(this.flushed === this.wrote, "flush before truncating");
    if (this.onDisk) {
      const handle = await this.#fs.open(this.path);
      try {
        await handle.truncate(rel);
        await handle.truncate(this.fileBytes);
        await handle.sync();
      } finally {
        handle.close();
      }
    }
    this.wrote = rel;
    this.flushed = rel;
    this.#blankEnd = Math.min(this.#blankEnd, rel);
    this.#blocks = [];
  }
}

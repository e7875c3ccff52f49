/**
 * One RocketMQ index file (`shared/spec/store.md` §4): a 40-byte header, `maxHashSlotNum` int32
 * slots, then `maxIndexNum` 20-byte entries, all big-endian. Entry 0 is never used
 * (`indexCount` starts at 1); each entry links to the previous entry of its slot.
 *
 * Writing: the newest file keeps its slot table and unflushed entries in memory; `flush()`
 * writes entries, syncs, writes slots, syncs, then writes the header and syncs. The header is
 * therefore never ahead of the entries and slots it counts, and a slot found pointing past the
 * header's count after a crash is walked back along its chain ({@linkcode IndexFile.openWritable}).
 * Older files are read from disk: one slot read plus one read per chain link.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  checkLayout,
  copyDirtySlotRuns,
  decodeHeader,
  detectLayout,
  encodeHeader,
  EntryReader,
  type IndexHeader,
  markSlotRunsDirty,
  newWriteState,
  type WriteState,
} from "./_index_file_layout.ts";
import type { FileHandle, FileSystem } from "./file_system.ts";
import { cutEntriesFrom, repairSlots } from "./_index_file_chains.ts";
import { nextTurn } from "../common/next_turn.ts";
import {
  FLUSH_WRITES_PER_TURN,
  INDEX_ENTRY_BYTES,
  INDEX_HASH_SLOT_BYTES,
  INDEX_HEADER_BYTES,
  INDEX_UNFLUSHED_ENTRIES_MAX,
  OS_PAGE_BYTES,
} from "./limits.ts";
import { writeInt64 } from "./consume_queue_units.ts";
import { javaStringHash } from "./message_properties.ts";
import { indexHashOf } from "./index_keys.ts";

export { indexFileBytes } from "./_index_file_layout.ts";

const INT32_MAX = 0x7fffffff;

/** Thrown when an index file cannot be used with the configured layout. */
export class IndexFileError extends Error {
  /** @param message what is wrong, naming the file */
  constructor(message: string) {
    super(message);
    this.name = "IndexFileError";
  }
}

/** Layout and location of one index file. */
export interface IndexFileOptions {
  /** all I/O goes through it */
  readonly fs: FileSystem;
  /** the file path (`<storePathIndex>/yyyyMMddHHmmssSSS`) */
  readonly path: string;
  /** `maxHashSlotNum` */
  readonly maxHashSlotNum: number;
  /** `maxIndexNum` */
  readonly maxIndexNum: number;
}

/**
 * The index key hash: `abs(String.hashCode(key))`, with Integer.MIN_VALUE mapped to 0.
 * @param key `topic#key`
 * @returns a hash in 0..2^31-1
 * @example
 * ```ts
 * import { indexKeyHash } from "./index_file.ts";
 * console.assert(indexKeyHash("Aa") === indexKeyHash("BB"));
 * ```
 */
export function indexKeyHash(key: string): number {
  return indexHashOf(javaStringHash(key, 0));
}

/** See the module doc. Create with {@linkcode IndexFile.create} or {@linkcode IndexFile.open}. */
export class IndexFile {
  /** the file path */
  readonly path: string;
  /** `maxHashSlotNum` */
  readonly maxHashSlotNum: number;
  /** `maxIndexNum` */
  readonly maxIndexNum: number;
  readonly #fs: FileSystem;
  readonly #header: IndexHeader;
  #write: WriteState | null = null;
  #flushedEndTimestamp: number;
  #flushedEndPhyOffset: number;
  #lock: Promise<unknown> = Promise.resolve();

  private constructor(options: IndexFileOptions, header: IndexHeader) {
    this.#fs = options.fs;
    this.path = options.path;
    this.maxHashSlotNum = options.maxHashSlotNum;
    this.maxIndexNum = options.maxIndexNum;
    this.#header = header;
    this.#flushedEndTimestamp = header.endTimestamp;
    this.#flushedEndPhyOffset = header.endPhyOffset;
  }

  /**
   * Creates a file, full size, whose begin and end values start at the previous file's end
   * values (store.md §4), and makes it writable.
   * @param options location and layout
   * @param previousEnd the previous file's end phy offset and timestamp (0 for the first)
   * @returns the writable file
   */
  static async create(
    options: IndexFileOptions,
    previousEnd: { readonly endPhyOffset: number; readonly endTimestamp: number },
  ): Promise<IndexFile> {
    const size = checkLayout(options);
    const header: IndexHeader = {
      beginTimestamp: 0,
      endTimestamp: 0,
      beginPhyOffset: 0,
      endPhyOffset: 0,
      hashSlotCount: 0,
      indexCount: 1,
    };
    if (previousEnd.endPhyOffset > 0) {
      header.beginPhyOffset = header.endPhyOffset = previousEnd.endPhyOffset;
    }
    if (previousEnd.endTimestamp > 0) {
      header.beginTimestamp = header.endTimestamp = previousEnd.endTimestamp;
    }
    const handle = await options.fs.open(options.path, { create: true });
    try {
      await handle.truncate(size);
      await handle.writeAt(encodeHeader(header), 0);
      await handle.sync();
    } finally {
      handle.close();
    }
    const file = new IndexFile(options, header);
    file.#write = newWriteState(
      options.maxHashSlotNum,
      new Uint8Array(options.maxHashSlotNum * 4),
      1,
      pendingRoom(options.maxIndexNum, 1),
    );
    return file;
  }

  /**
   * Opens an existing file read-only (its header is read now). An all-zero header (a file
   * never flushed) reads as empty; a file of another layout keeps it ({@linkcode detectLayout}).
   * @throws {IndexFileError} when the file's size fits neither layout change
   */
  static async open(options: IndexFileOptions): Promise<IndexFile> {
    const size = checkLayout(options);
    const handle = await options.fs.open(options.path);
    try {
      const actual = await handle.size();
      const bytes = new Uint8Array(INDEX_HEADER_BYTES);
      await handle.readAt(bytes, 0);
      const layout = actual === size ? options : await detectLayout(handle, actual, options, bytes);
      if (layout === null) {
        throw new IndexFileError(
          `Cannot open index file ${options.path}: size ${actual} fits neither maxHashSlotNum ${options.maxHashSlotNum} nor maxIndexNum ${options.maxIndexNum} (${size} bytes)`,
        );
      }
      return new IndexFile({ ...options, ...layout }, decodeHeader(bytes, layout.maxIndexNum));
    } finally {
      handle.close();
    }
  }

  /** Store time of the first entry (or the previous file's end). */
  get beginTimestamp(): number {
    return this.#header.beginTimestamp;
  }
  /** Store time of the newest entry. */
  get endTimestamp(): number {
    return this.#header.endTimestamp;
  }
  /** Commit-log offset of the first entry. */
  get beginPhyOffset(): number {
    return this.#header.beginPhyOffset;
  }
  /** Commit-log offset of the newest entry. */
  get endPhyOffset(): number {
    return this.#header.endPhyOffset;
  }
  /** Next entry number; starts at 1. */
  get indexCount(): number {
    return this.#header.indexCount;
  }
  /** Slots in use. */
  get hashSlotCount(): number {
    return this.#header.hashSlotCount;
  }
  /**
   * @param entries entries one record needs
   * @returns true when they all fit
   */
  hasRoomFor(entries: number): boolean {
    return this.#header.indexCount + entries <= this.maxIndexNum;
  }
  /** true when no entry fits any more */
  get isWriteFull(): boolean {
    return !this.hasRoomFor(1);
  }
  /** true while the file holds its write state (slot table in memory) */
  get isWritable(): boolean {
    return this.#write !== null;
  }
  /** endTimestamp as of the last completed flush */
  get flushedEndTimestamp(): number {
    return this.#flushedEndTimestamp;
  }
  /** endPhyOffset as of the last completed flush */
  get flushedEndPhyOffset(): number {
    return this.#flushedEndPhyOffset;
  }
  /** entries added since the last flush (held in memory) */
  get unflushedEntries(): number {
    return this.#write === null ? 0 : this.#header.indexCount - this.#write.pendingBase;
  }

  /**
   * Loads the slot table so the file can take entries, repairing slots that point past the
   * header's count (a crash between the slot and header writes) by walking their chains back.
   */
  openWritable(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#write !== null) return;
      const slots = new Uint8Array(this.maxHashSlotNum * INDEX_HASH_SLOT_BYTES);
      const handle = await this.#fs.open(this.path);
      try {
        await handle.readAt(slots, INDEX_HEADER_BYTES);
        const { indexCount } = this.#header;
        const state = newWriteState(
          this.maxHashSlotNum,
          slots,
          indexCount,
          pendingRoom(this.maxIndexNum, indexCount),
        );
        await repairSlots(this, handle, state, indexCount);
        this.#write = state;
      } finally {
        handle.close();
      }
    });
  }

  /**
   * Adds one key (RocketMQ `IndexFile.putKey`, same field order and clamping).
   * @param key `topic#key`
   * @param phyOffset commit-log offset of the record
   * @param storeTimestamp store time of the record
   * @returns false when the file is full
   */
  putKey(key: string, phyOffset: number, storeTimestamp: number): boolean {
    return this.putKeyHash(indexKeyHash(key), phyOffset, storeTimestamp);
  }

  /**
   * {@linkcode putKey} with the key's {@linkcode indexKeyHash} already computed.
   * @param keyHash the key hash (0..2^31-1)
   * @param phyOffset commit-log offset of the record
   * @param storeTimestamp store time of the record
   * @returns false when the file is full
   */
  putKeyHash(keyHash: number, phyOffset: number, storeTimestamp: number): boolean {
    const state = this.#write;
    if (state === null) assert.fail(`index file ${this.path} is not writable`);
    const header = this.#header;
    if (header.indexCount >= this.maxIndexNum) return false;
    const slotPosition = (keyHash % this.maxHashSlotNum) * INDEX_HASH_SLOT_BYTES;
    let slotValue = state.slotView.getInt32(slotPosition);
    if (slotValue <= 0 || slotValue > header.indexCount) slotValue = 0;
    let timeDiff = Math.trunc((storeTimestamp - header.beginTimestamp) / 1000);
    // The first entry's time becomes beginTimestamp below: its difference is 0, not one against
    // the previous file's end time that a new file starts with (RocketMQ writes the latter, which
    // reads back later than the record was stored and drops it from time ranges).
    if (header.beginTimestamp <= 0 || timeDiff < 0 || header.indexCount <= 1) timeDiff = 0;
    else if (timeDiff > INT32_MAX) timeDiff = INT32_MAX;
    const position = this.#reservePending(state, header.indexCount);
    const view = state.pendingView;
    view.setInt32(position, keyHash);
    writeInt64(view, position + 4, phyOffset);
    view.setInt32(position + 12, timeDiff);
    view.setInt32(position + 16, slotValue);
    state.slotView.setInt32(slotPosition, header.indexCount);
    state.dirtyPages[Math.floor(slotPosition / OS_PAGE_BYTES)] = 1;
    if (header.indexCount <= 1) {
      header.beginPhyOffset = phyOffset;
      header.beginTimestamp = storeTimestamp;
    }
    if (slotValue === 0) header.hashSlotCount++;
    header.indexCount++;
    header.endPhyOffset = phyOffset;
    header.endTimestamp = storeTimestamp;
    return true;
  }

  /** @returns the byte position in `pending` for entry `index`, growing the buffer (rare) */
  #reservePending(state: WriteState, index: number): number {
    const position = (index - state.pendingBase) * INDEX_ENTRY_BYTES;
    if (position + INDEX_ENTRY_BYTES > state.pending.length) {
      const grown = new Uint8Array(Math.max(state.pending.length * 2, 64 * INDEX_ENTRY_BYTES));
      grown.set(state.pending.subarray(0, position));
      state.pending = grown;
      state.pendingView = new DataView(grown.buffer);
    }
    return position;
  }

  /**
   * true when [beginMs, endMs] overlaps the file's time range (RocketMQ `isTimeMatched`).
   * @param beginMs range start
   * @param endMs range end
   */
  isTimeMatched(beginMs: number, endMs: number): boolean {
    const { beginTimestamp, endTimestamp } = this.#header;
    return (beginMs < beginTimestamp && endMs > endTimestamp) ||
      (beginMs >= beginTimestamp && beginMs <= endTimestamp) ||
      (endMs >= beginTimestamp && endMs <= endTimestamp);
  }

  /**
   * Appends to `phyOffsets` the offsets of entries with the key's hash whose time lies in
   * [beginMs, endMs], newest first, until `phyOffsets` holds `maxNum` (store.md §4 rules). A
   * file removed meanwhile contributes nothing.
   * @param phyOffsets results so far; appended to
   * @param query key (`topic#key`), maxNum and the time range
   */
  async selectPhyOffset(
    phyOffsets: number[],
    query: {
      readonly key: string;
      readonly maxNum: number;
      readonly beginMs: number;
      readonly endMs: number;
    },
  ): Promise<void> {
    if (phyOffsets.length >= query.maxNum) return;
    const keyHash = indexKeyHash(query.key);
    const reader = new EntryReader(this, this.#fs, this.#write);
    try {
      const count = this.#header.indexCount;
      const slotValue = await reader.slot(keyHash % this.maxHashSlotNum);
      if (slotValue === null || slotValue <= 0 || slotValue > count || count <= 1) return;
      for (let next = slotValue; phyOffsets.length < query.maxNum;) {
        const entry = await reader.entry(next);
        if (entry === null || entry.timeDiff < 0) break;
        const timeRead = this.#header.beginTimestamp + entry.timeDiff * 1000;
        if (entry.keyHash === keyHash && timeRead >= query.beginMs && timeRead <= query.endMs) {
          phyOffsets.push(entry.phyOffset);
        }
        const previous = entry.previous;
        if (previous <= 0 || previous > count || previous >= next || timeRead < query.beginMs) {
          break;
        }
        next = previous;
      }
    } finally {
      reader.close();
    }
  }

  /**
   * Drops the newest entries of records at or past `phyOffset` (records a crash took from the
   * commit log: their offsets will hold other records), gives each slot back the entry it held
   * before, and writes slots and header (entries → slots → header, as {@linkcode flush}). The
   * file must be writable ({@linkcode openWritable}). Entries are in log order, so the walk
   * stops at the first older one; the file keeps at least its first entry (a file wholly past
   * `phyOffset` is deleted instead, by the index service). Safe to repeat after a crash midway:
   * a slot is given back only while it still points at the entry dropped.
   *
   * The new end timestamp comes from the kept entry's whole-second time difference: the upper
   * end of that second, never past the old end (an over-estimate below 1 s, which queries and
   * the checkpoint's safety margin absorb).
   * @returns how many entries were dropped
   */
  truncateFrom(phyOffset: number): Promise<number> {
    return this.#exclusive(async () => {
      const state = this.#write;
      if (state === null) assert.fail(`index file ${this.path} is not writable`);
      const reader = new EntryReader(this, this.#fs, state);
      let dropped: number;
      try {
        dropped = await cutEntriesFrom(this, reader, state, this.#header, phyOffset);
      } finally {
        reader.close();
      }
      if (dropped > 0) await this.#flush(true);
      return dropped;
    });
  }

  /** @internal byte position of entry `index` in the file */
  entryPosition(index: number): number {
    return this.#entryPosition(index);
  }

  #entryPosition(index: number): number {
    return INDEX_HEADER_BYTES + this.maxHashSlotNum * INDEX_HASH_SLOT_BYTES +
      index * INDEX_ENTRY_BYTES;
  }

  /**
   * Writes unflushed entries, then dirty slot pages, then the header, syncing after each step.
   * Snapshots are taken before the first await, so entries added meanwhile wait for the next flush.
   */
  flush(): Promise<void> {
    return this.#exclusive(() => this.#flush());
  }

  /** @param headerChanged write the header even when no entry or slot is dirty */
  async #flush(headerChanged = false): Promise<void> {
    const state = this.#write;
    if (state === null) return;
    const count = this.#header.indexCount;
    const entries = state.pending.subarray(0, (count - state.pendingBase) * INDEX_ENTRY_BYTES);
    const slotRuns = copyDirtySlotRuns(state);
    if (entries.length === 0 && slotRuns.length === 0 && !headerChanged) return;
    const header = encodeHeader(this.#header);
    const endTimestamp = this.#header.endTimestamp;
    const endPhyOffset = this.#header.endPhyOffset;
    let handle: FileHandle | undefined;
    try {
      handle = await this.#fs.open(this.path);
      if (entries.length > 0) {
        await handle.writeAt(entries, this.#entryPosition(state.pendingBase));
        await handle.sync();
      }
      for (let i = 0; i < slotRuns.length; i++) {
        if (i % FLUSH_WRITES_PER_TURN === FLUSH_WRITES_PER_TURN - 1) await nextTurn();
        await handle.writeAt(slotRuns[i].bytes, INDEX_HEADER_BYTES + slotRuns[i].position);
      }
      await handle.sync();
      await handle.writeAt(header, 0);
      await handle.sync();
    } catch (error) {
      markSlotRunsDirty(state, slotRuns); // the retry writes them again, with the header
      throw error;
    } finally {
      handle?.close();
    }
    // Entries added during the flush move to the front; the buffer stays (a new one per flush,
    // grown again by doubling, would churn memory outside the JS heap: V8 full collections).
    const kept = (this.#header.indexCount - count) * INDEX_ENTRY_BYTES;
    const start = (count - state.pendingBase) * INDEX_ENTRY_BYTES;
    state.pending.copyWithin(0, start, start + kept);
    state.pendingBase = count;
    this.#flushedEndTimestamp = endTimestamp;
    this.#flushedEndPhyOffset = endPhyOffset;
  }

  /** Flushes, then drops the slot table of a full file (it is read from disk from then on). */
  async seal(): Promise<void> {
    await this.flush();
    await this.#exclusive(() => {
      if (this.#write !== null && this.#write.pendingBase === this.#header.indexCount) {
        this.#write = null;
      }
      return Promise.resolve();
    });
  }

  /** Deletes the file. */
  destroy(): Promise<void> {
    return this.#exclusive(async () => {
      this.#write = null;
      await this.#fs.remove(this.path);
    });
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(operation);
    this.#lock = run.then(noop, noop);
    return run;
  }
}

function noop(): void {}

/**
 * Entries a writable file keeps room for until a flush: what the file can still take, at most
 * what forces a flush. The flush round checks that limit once a second, so under a heavy load
 * the buffer may still grow past it (by doubling).
 * @returns room in entries
 */
function pendingRoom(maxIndexNum: number, indexCount: number): number {
  return Math.min(INDEX_UNFLUSHED_ENTRIES_MAX, Math.max(0, maxIndexNum - indexCount));
}

/**
 * Internal parts of {@linkcode IndexFile}: header codec, write state, slot-page snapshots and
 * the query-time entry reader (`shared/spec/store.md` §4 layout).
 *
 * @module
 */

import { type FileHandle, FileNotFoundError, type FileSystem } from "./file_system.ts";
import {
  INDEX_ENTRY_BYTES,
  INDEX_FILE_BYTES_MAX,
  INDEX_HASH_SLOT_BYTES,
  INDEX_HEADER_BYTES,
  INDEX_LAYOUT_CHAIN_STEPS_MAX,
  INDEX_LAYOUT_CHECK_ENTRIES,
  OS_PAGE_BYTES,
} from "./limits.ts";
import { readInt64, writeInt64 } from "./consume_queue_units.ts";

/** Slots per 4 KiB page of the slot table (dirty tracking unit). */
export const SLOTS_PER_PAGE = OS_PAGE_BYTES / INDEX_HASH_SLOT_BYTES;

/** Layout of an index file. */
export interface IndexLayout {
  /** `maxHashSlotNum` */
  readonly maxHashSlotNum: number;
  /** `maxIndexNum` */
  readonly maxIndexNum: number;
}

/** What the entry reader needs from a file. */
export interface EntryLocator {
  /** the file path */
  readonly path: string;
  /** @returns the byte position of entry `index` */
  entryPosition(index: number): number;
}

/** One index entry as read. */
export interface IndexEntry {
  /** stored key hash */
  readonly keyHash: number;
  /** commit-log offset */
  readonly phyOffset: number;
  /** seconds since the file's beginTimestamp */
  readonly timeDiff: number;
  /** previous entry of the slot chain, 0 = end */
  readonly previous: number;
}

/**
 * @param options slot and entry counts
 * @returns the size of an index file with that layout
 */
export function indexFileBytes(options: IndexLayout): number {
  return INDEX_HEADER_BYTES + options.maxHashSlotNum * INDEX_HASH_SLOT_BYTES +
    options.maxIndexNum * INDEX_ENTRY_BYTES;
}

/** The header fields (store.md §4). */
export interface IndexHeader {
  /** store time of the first entry */
  beginTimestamp: number;
  /** store time of the newest entry */
  endTimestamp: number;
  /** commit-log offset of the first entry */
  beginPhyOffset: number;
  /** commit-log offset of the newest entry */
  endPhyOffset: number;
  /** slots in use */
  hashSlotCount: number;
  /** next entry number, from 1 */
  indexCount: number;
}

/** Slot table and unflushed entries of the file being written. */
export interface WriteState {
  /** the slot table, big-endian int32s */
  readonly slots: Uint8Array;
  /** view over `slots` */
  readonly slotView: DataView;
  /** 1 per 4 KiB slot page changed since the last flush */
  readonly dirtyPages: Uint8Array;
  /** unflushed entries */
  pending: Uint8Array;
  /** view over `pending` */
  pendingView: DataView;
  /** entry number of the first entry in `pending` (= entries flushed so far) */
  pendingBase: number;
  /**
   * where a flush copies the dirty slot pages (same layout as `slots`), made at the first flush
   * and reused: a fresh copy per flush (up to the whole table under load) would churn memory
   * outside the JS heap, which makes V8 run full collections
   */
  slotSnapshot: Uint8Array | null;
}

/** @returns the entry whose 20 bytes start at `position` of `view` */
function decodeEntry(view: DataView, position: number): IndexEntry {
  return {
    keyHash: view.getInt32(position),
    phyOffset: readInt64(view, position + 4),
    timeDiff: view.getInt32(position + 12),
    previous: view.getInt32(position + 16),
  };
}

/** Reads slots and entries of one file for a query: memory first, then one open handle. */
export class EntryReader {
  readonly #file: EntryLocator;
  readonly #fs: FileSystem;
  readonly #write: WriteState | null;
  #handle: FileHandle | null = null;
  readonly #bytes = new Uint8Array(INDEX_ENTRY_BYTES);
  readonly #view = new DataView(this.#bytes.buffer);

  /**
   * @param file the file read
   * @param fs its file system
   * @param write the file's write state (memory first), or null
   */
  constructor(file: EntryLocator, fs: FileSystem, write: WriteState | null) {
    this.#file = file;
    this.#fs = fs;
    this.#write = write;
  }

  /** @returns the slot's value, or null when the file is gone */
  async slot(slot: number): Promise<number | null> {
    if (this.#write !== null) return this.#write.slotView.getInt32(slot * INDEX_HASH_SLOT_BYTES);
    const bytes = this.#bytes.subarray(0, 4);
    if (!(await this.#read(bytes, INDEX_HEADER_BYTES + slot * INDEX_HASH_SLOT_BYTES))) return null;
    return this.#view.getInt32(0);
  }

  /** @returns entry `index`, or null when the file is gone */
  async entry(
    index: number,
  ): Promise<IndexEntry | null> {
    const write = this.#write;
    let view: DataView = this.#view;
    let position = 0;
    if (write !== null && index >= write.pendingBase) {
      view = write.pendingView;
      position = (index - write.pendingBase) * INDEX_ENTRY_BYTES;
    } else if (!(await this.#read(this.#bytes, this.#file.entryPosition(index)))) {
      return null;
    }
    return decodeEntry(view, position);
  }

  async #read(bytes: Uint8Array, position: number): Promise<boolean> {
    if (this.#handle === null) {
      try {
        this.#handle = await this.#fs.open(this.#file.path);
      } catch (error) {
        if (error instanceof FileNotFoundError) return false;
        throw error;
      }
    }
    await this.#handle.readAt(bytes, position);
    return true;
  }

  /** Closes the handle opened for disk reads, if any. */
  close(): void {
    this.#handle?.close();
    this.#handle = null;
  }
}

/**
 * Validates a layout.
 * @returns the file size it implies
 * @throws {RangeError} for counts out of range or a file over INDEX_FILE_BYTES_MAX
 */
export function checkLayout(options: IndexLayout): number {
  const { maxHashSlotNum, maxIndexNum } = options;
  if (!Number.isSafeInteger(maxHashSlotNum) || maxHashSlotNum < 1) {
    throw new RangeError(`Cannot use maxHashSlotNum ${maxHashSlotNum}: expected an integer >= 1`);
  }
  if (!Number.isSafeInteger(maxIndexNum) || maxIndexNum < 2) {
    throw new RangeError(`Cannot use maxIndexNum ${maxIndexNum}: expected an integer >= 2`);
  }
  const size = indexFileBytes(options);
  if (size > INDEX_FILE_BYTES_MAX) {
    throw new RangeError(
      `Cannot use an index file of ${size} bytes: exceeds INDEX_FILE_BYTES_MAX ${INDEX_FILE_BYTES_MAX}`,
    );
  }
  return size;
}

/**
 * The layout of an existing index file whose size does not match the configured one: the
 * operator changed maxIndexNum or maxHashSlotNum since it was written (RocketMQ maps such a file
 * with the new size and starts; refusing it would stop the broker). Tries the configured slot
 * count with the entry count the size implies, then the configured entry count with the slot
 * count it implies. A candidate must hold the header's indexCount, and in a file with entries
 * its newest one (number indexCount - 1) must hold the header's endPhyOffset. A wrong slot count
 * shifts the entries; by whole entries it may land on another key of the same record (same
 * offset), so each of the newest INDEX_LAYOUT_CHECK_ENTRIES entries is checked as every file
 * holds it: offsets never rise going back, and the entry's slot chain (from the slot along the
 * newer entries of that slot, uncounted ones a crash left included) reaches it. Under a wrong
 * layout the entries read are shifted, and each such check holds only by chance.
 * @param handle the open file
 * @param size its size in bytes
 * @param configured the configured layout
 * @param headerBytes the file's header, as read
 * @returns the file's own layout, or null when no candidate fits
 */
export async function detectLayout(
  handle: FileHandle,
  size: number,
  configured: IndexLayout,
  headerBytes: Uint8Array,
): Promise<IndexLayout | null> {
  // Unclamped: a count beyond a candidate's maxIndexNum rules the candidate out.
  const { indexCount, endPhyOffset } = decodeHeader(headerBytes, Number.POSITIVE_INFINITY);
  const slotsLeft = size - INDEX_HEADER_BYTES - configured.maxHashSlotNum * INDEX_HASH_SLOT_BYTES;
  const entriesLeft = size - INDEX_HEADER_BYTES - configured.maxIndexNum * INDEX_ENTRY_BYTES;
  const candidates: IndexLayout[] = [
    { ...configured, maxIndexNum: slotsLeft / INDEX_ENTRY_BYTES },
    { ...configured, maxHashSlotNum: entriesLeft / INDEX_HASH_SLOT_BYTES },
  ];
  for (const layout of candidates) {
    const slots = layout.maxHashSlotNum;
    if (!Number.isSafeInteger(slots) || slots < 1) continue;
    if (!Number.isSafeInteger(layout.maxIndexNum) || layout.maxIndexNum < 2) continue;
    if (indexCount > layout.maxIndexNum) continue;
    if (indexCount <= 1) return layout;
    if (await holdsNewestEntries(handle, layout, indexCount, endPhyOffset)) {
      return layout;
    }
  }
  return null;
}

/** {@linkcode detectLayout}'s check of the newest entries under one candidate layout. */
async function holdsNewestEntries(
  handle: FileHandle,
  layout: IndexLayout,
  indexCount: number,
  endPhyOffset: number,
): Promise<boolean> {
  const slots = layout.maxHashSlotNum;
  const entryAt = INDEX_HEADER_BYTES + slots * INDEX_HASH_SLOT_BYTES;
  const entry = new Uint8Array(INDEX_ENTRY_BYTES);
  const entryView = new DataView(entry.buffer);
  const slot = new Uint8Array(INDEX_HASH_SLOT_BYTES);
  const slotView = new DataView(slot.buffer);
  const readEntry = async (index: number) => {
    await handle.readAt(entry, entryAt + index * INDEX_ENTRY_BYTES);
    return decodeEntry(entryView, 0);
  };
  const newest = indexCount - 1;
  let offsetAbove = endPhyOffset;
  const oldest = Math.max(1, indexCount - INDEX_LAYOUT_CHECK_ENTRIES);
  for (let index = newest; index >= oldest; index--) {
    const { keyHash, phyOffset } = await readEntry(index);
    if (keyHash < 0 || phyOffset > offsetAbove) return false;
    if (index === newest && phyOffset !== endPhyOffset) return false;
    offsetAbove = phyOffset;
    await handle.readAt(slot, INDEX_HEADER_BYTES + (keyHash % slots) * INDEX_HASH_SLOT_BYTES);
    // The slot's chain (newer entries of the same slot, linked by `previous`) reaches this entry.
    let linked = slotView.getInt32(0);
    for (let steps = 0; linked > index; steps++) {
      if (linked >= layout.maxIndexNum || steps >= INDEX_LAYOUT_CHAIN_STEPS_MAX) return false;
      const newer = await readEntry(linked);
      if (newer.keyHash < 0 || newer.keyHash % slots !== keyHash % slots) return false;
      if (newer.previous >= linked) return false;
      linked = newer.previous;
    }
    if (linked !== index) return false;
  }
  return true;
}

/**
 * @param pendingEntries room for unflushed entries: enough for what may wait for a flush, so
 *   appends never grow (and copy) the buffer; its pages are only backed once written
 * @returns a write state over `slots` whose next entry is `indexCount`
 */
export function newWriteState(
  maxHashSlotNum: number,
  slots: Uint8Array,
  indexCount: number,
  pendingEntries: number,
): WriteState {
  const pending = new Uint8Array(Math.max(64, pendingEntries) * INDEX_ENTRY_BYTES);
  return {
    slots,
    slotView: new DataView(slots.buffer),
    dirtyPages: new Uint8Array(Math.ceil(maxHashSlotNum / SLOTS_PER_PAGE)),
    pending,
    pendingView: new DataView(pending.buffer),
    pendingBase: indexCount,
    slotSnapshot: null,
  };
}

/**
 * Copies runs of dirty slot pages into the state's snapshot (and clears their flags) so a flush
 * writes a fixed image. The views are valid until the next call (one flush at a time).
 */
export function copyDirtySlotRuns(state: WriteState): { position: number; bytes: Uint8Array }[] {
  const runs: { position: number; bytes: Uint8Array }[] = [];
  const pages = state.dirtyPages;
  const slots = state.slots;
  for (let page = 0; page < pages.length;) {
    if (pages[page] === 0) {
      page++;
      continue;
    }
    let end = page;
    while (end < pages.length && pages[end] === 1) pages[end++] = 0;
    const position = page * OS_PAGE_BYTES;
    const stop = Math.min(end * OS_PAGE_BYTES, slots.length);
    const snapshot = state.slotSnapshot ??= new Uint8Array(slots.length);
    snapshot.set(slots.subarray(position, stop), position);
    runs.push({ position, bytes: snapshot.subarray(position, stop) });
    page = end;
  }
  return runs;
}

/** Marks the pages of slot runs dirty again (their write failed; the next flush retries). */
export function markSlotRunsDirty(
  state: WriteState,
  runs: readonly { position: number; bytes: Uint8Array }[],
): void {
  for (const { position, bytes } of runs) {
    const last = Math.floor((position + bytes.length - 1) / OS_PAGE_BYTES);
    for (let page = Math.floor(position / OS_PAGE_BYTES); page <= last; page++) {
      state.dirtyPages[page] = 1;
    }
  }
}

/** @returns the 40-byte header (store.md §4) */
export function encodeHeader(header: IndexHeader): Uint8Array {
  const bytes = new Uint8Array(INDEX_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  writeInt64(view, 0, header.beginTimestamp);
  writeInt64(view, 8, header.endTimestamp);
  writeInt64(view, 16, header.beginPhyOffset);
  writeInt64(view, 24, header.endPhyOffset);
  view.setInt32(32, header.hashSlotCount);
  view.setInt32(36, header.indexCount);
  return bytes;
}

/**
 * Reads a header; an indexCount ≤ 0 (never flushed) reads as 1, like RocketMQ's IndexHeader.
 * @returns the header fields
 */
export function decodeHeader(bytes: Uint8Array, maxIndexNum: number): IndexHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const indexCount = view.getInt32(36);
  return {
    beginTimestamp: readInt64(view, 0),
    endTimestamp: readInt64(view, 8),
    beginPhyOffset: readInt64(view, 16),
    endPhyOffset: readInt64(view, 24),
    hashSlotCount: Math.max(0, view.getInt32(32)),
    indexCount: indexCount <= 0 ? 1 : Math.min(indexCount, maxIndexNum),
  };
}

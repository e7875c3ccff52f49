/**
 * The two walks along an index file's slot chains that recovery needs (internal to
 * `IndexFile`): giving back slots a crash left pointing past the header's count, and cutting
 * the newest entries back to a commit-log offset. Both change the in-memory write state and
 * header only; the file writes them with its next flush.
 *
 * @module
 */

import {
  type EntryReader,
  type IndexHeader,
  SLOTS_PER_PAGE,
  type WriteState,
} from "./_index_file_layout.ts";
import type { FileHandle } from "./file_system.ts";
import { INDEX_ENTRY_BYTES, INDEX_HASH_SLOT_BYTES, OS_PAGE_BYTES } from "./limits.ts";

/** Where a walk reads entries and how the file is laid out. */
interface ChainFile {
  readonly maxHashSlotNum: number;
  readonly maxIndexNum: number;
  entryPosition(index: number): number;
}

/**
 * Walks back every slot that points at or past `count` (entries the header does not hold: a
 * crash between the slot and header writes) to the newest entry below it, or 0.
 */
export async function repairSlots(
  file: ChainFile,
  handle: FileHandle,
  state: WriteState,
  count: number,
): Promise<void> {
  for (let slot = 0; slot < file.maxHashSlotNum; slot++) {
    let value = state.slotView.getInt32(slot * INDEX_HASH_SLOT_BYTES);
    if (value < count && value >= 0) continue;
    const entry = new Uint8Array(INDEX_ENTRY_BYTES);
    while (value >= count) {
      if (value >= file.maxIndexNum) {
        value = 0;
        break;
      }
      entry.fill(0);
      await handle.readAt(entry, file.entryPosition(value));
      const previous = new DataView(entry.buffer).getInt32(16);
      value = previous < value ? previous : 0;
    }
    state.slotView.setInt32(slot * INDEX_HASH_SLOT_BYTES, Math.max(0, value));
    state.dirtyPages[Math.floor(slot / SLOTS_PER_PAGE)] = 1;
  }
}

/**
 * Drops the newest entries whose record starts at or past `phyOffset`, newest first, giving
 * each slot back the entry it held before (only while the slot still points at the entry
 * dropped, so a cut stopped by a crash can run again); the first entry is always kept. Then
 * counts the slots in use again and sets the header's end to the newest entry kept: its offset,
 * and the upper end of its whole-second time difference (never past the old end).
 * @returns how many entries were dropped
 */
export async function cutEntriesFrom(
  file: ChainFile,
  reader: EntryReader,
  state: WriteState,
  header: IndexHeader,
  phyOffset: number,
): Promise<number> {
  let dropped = 0;
  while (header.indexCount > 2) {
    const index = header.indexCount - 1;
    const entry = (await reader.entry(index))!;
    if (entry.phyOffset < phyOffset) break;
    const slotPosition = (Math.abs(entry.keyHash) % file.maxHashSlotNum) * INDEX_HASH_SLOT_BYTES;
    if (state.slotView.getInt32(slotPosition) === index) {
      const previous = entry.previous > 0 && entry.previous < index ? entry.previous : 0;
      state.slotView.setInt32(slotPosition, previous);
      state.dirtyPages[Math.floor(slotPosition / OS_PAGE_BYTES)] = 1;
    }
    header.indexCount--;
    dropped++;
  }
  if (dropped === 0) return 0;
  // Counted again rather than kept by the walk: a cut stopped by a crash after its slot write
  // has given slots back already, and its rerun must not count them twice.
  header.hashSlotCount = slotsInUse(state, file.maxHashSlotNum);
  const kept = (await reader.entry(header.indexCount - 1))!;
  header.endPhyOffset = kept.phyOffset;
  if (header.beginTimestamp > 0) {
    header.endTimestamp = Math.min(
      header.endTimestamp,
      header.beginTimestamp + kept.timeDiff * 1000 + 999,
    );
  }
  state.pendingBase = Math.min(state.pendingBase, header.indexCount);
  return dropped;
}

/** @returns how many slots point at an entry */
function slotsInUse(state: WriteState, slots: number): number {
  let used = 0;
  for (let slot = 0; slot < slots; slot++) {
    if (state.slotView.getInt32(slot * INDEX_HASH_SLOT_BYTES) > 0) used++;
  }
  return used;
}

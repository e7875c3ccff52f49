/**
 * Offset lookup by store time for a consume queue (RocketMQ 5 `getOffsetInQueueByTime` with
 * `BoundaryType.LOWER`): a binary search over the units, asking the commit log for each probed
 * record's store time, since units do not hold it (`shared/spec/store.md` §3).
 *
 * @module
 */

import type { ConsumeQueueUnits } from "./consume_queue_units.ts";
import { storeTimestampOf } from "./message_record.ts";

/** Options of {@linkcode findOffsetByTime}. */
export interface OffsetByTimeOptions {
  /** the time sought, ms since the epoch */
  readonly timestampMs: number;
  /** the commit log's smallest offset: units below it count as older than any time */
  readonly commitLogMinOffset: number;
  /**
   * Reads a record's STORETIMESTAMP from the commit log.
   * @returns the store time, or a negative number when the record cannot be read
   */
  readonly storeTimestampOf: (physicalOffset: number, size: number) => Promise<number> | number;
}

/** What the search needs from a queue. */
export interface TimeSearchableQueue {
  /** smallest readable offset */
  readonly minOffset: number;
  /** offset of the next unit */
  readonly maxOffset: number;
  /** reads units at an offset, null when unreadable */
  readUnits(offset: number, maxUnits: number): Promise<ConsumeQueueUnits | null>;
}

/**
 * Finds the first offset in [minOffset, maxOffset) whose record was stored at or after
 * `timestampMs`, or `maxOffset` when every record is older. Store times grow with the queue
 * offset, so the predicate "stored before the time" is monotonic. Units whose record is gone
 * (below the commit log's min offset, or unreadable) count as older: they are the queue's
 * oldest. RocketMQ answers 0 for an unreadable record; answering the next readable one keeps
 * a consumer from rewinding to offset 0.
 *
 * @param queue the consume queue
 * @param options the time and the commit-log accessors
 * @returns a logical offset in [minOffset, maxOffset]
 */
export async function findOffsetByTime(
  queue: TimeSearchableQueue,
  options: OffsetByTimeOptions,
): Promise<number> {
  let low = queue.minOffset;
  let high = queue.maxOffset;
  while (low < high) {
    const mid = low + Math.floor((high - low) / 2);
    if (await storedBefore(queue, mid, options)) low = mid + 1;
    else high = mid;
  }
  return low;
}

async function storedBefore(
  queue: TimeSearchableQueue,
  offset: number,
  options: OffsetByTimeOptions,
): Promise<boolean> {
  const units = await queue.readUnits(offset, 1);
  if (units === null || units.isBlank(0)) return true;
  const physicalOffset = units.physicalOffset(0);
  if (physicalOffset < options.commitLogMinOffset) return true;
  const storeTimestamp = await options.storeTimestampOf(physicalOffset, units.size(0));
  return storeTimestamp < 0 || storeTimestamp < options.timestampMs;
}

/** What {@linkcode offsetInQueueByTime} reads from the commit log. */
export interface TimeSearchCommitLog {
  getMinOffset(): number;
  readFromMemory(offset: number, length: number): Uint8Array | undefined;
  read(offset: number, length: number): Promise<Uint8Array | null>;
}

/**
 * @param commitLog the commit log
 * @param physicalOffset where a record starts
 * @returns the record's STORETIMESTAMP, -1 when unreadable
 */
export async function storeTimestampAt(
  commitLog: TimeSearchCommitLog,
  physicalOffset: number,
): Promise<number> {
  // 76 bytes reach STORETIMESTAMP even after an IPv6 born host; every record is at least 91.
  const header = commitLog.readFromMemory(physicalOffset, 76) ??
    await commitLog.read(physicalOffset, 76);
  return header === null ? -1 : storeTimestampOf(header);
}

/**
 * RocketMQ 5 `getOffsetInQueueByTime` with its boundary type.
 * @param queue the consume queue
 * @param commitLog where store times are read
 * @param timestampMs the time sought
 * @param boundary "lower": the first offset stored at or after `timestampMs` (the max offset
 *   when all are older); "upper" (5.x): the last stored at or before it (the min offset when
 *   all are newer)
 * @param maxOffset the end searched (default the queue's): the units past it count as absent
 * @returns the offset
 */
export async function offsetInQueueByTime(
  queue: TimeSearchableQueue,
  commitLog: TimeSearchCommitLog,
  timestampMs: number,
  boundary: "lower" | "upper",
  maxOffset = queue.maxOffset,
): Promise<number> {
  const bounded = { minOffset: queue.minOffset, maxOffset, readUnits: queue.readUnits.bind(queue) };
  const firstAtOrAfter = (ms: number) =>
    findOffsetByTime(bounded, {
      timestampMs: ms,
      commitLogMinOffset: commitLog.getMinOffset(),
      storeTimestampOf: (physicalOffset) => storeTimestampAt(commitLog, physicalOffset),
    });
  if (boundary === "lower") return await firstAtOrAfter(timestampMs);
  return Math.max(queue.minOffset, await firstAtOrAfter(timestampMs + 1) - 1);
}

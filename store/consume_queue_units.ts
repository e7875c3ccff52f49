/**
 * Consume-queue units (`shared/spec/store.md` §3): 20 bytes, big-endian — int64 commit-log
 * offset, int32 record size, int64 tag hash code. A read hands out a view over a run of units
 * (usually the queue's in-memory tail), so a pull reads 32 units without allocating per unit.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CONSUME_QUEUE_FILE_BYTES_MAX, CQ_STORE_UNIT_BYTES } from "./limits.ts";

const TWO_POW_32 = 4_294_967_296;

/** Size field of the blank unit that pads a queue's first file before its first real unit. */
export const BLANK_UNIT_SIZE = 0x7fffffff;

/**
 * Rounds `mappedFileSizeConsumeQueue` up to whole units, as RocketMQ does.
 * @param bytes the configured size
 * @returns the size used, a multiple of 20
 * @throws {RangeError} when not a positive integer or above CONSUME_QUEUE_FILE_BYTES_MAX
 */
export function consumeQueueFileBytes(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > CONSUME_QUEUE_FILE_BYTES_MAX) {
    throw new RangeError(
      `Cannot use mappedFileSizeConsumeQueue ${bytes}: expected 1..${CONSUME_QUEUE_FILE_BYTES_MAX}`,
    );
  }
  return Math.ceil(bytes / CQ_STORE_UNIT_BYTES) * CQ_STORE_UNIT_BYTES;
}

/**
 * A run of consecutive units, read-only, valid until the caller drops it (later appends never
 * change it). Accessors take the index `i` in the run, 0 ≤ i < `count`.
 */
export class ConsumeQueueUnits {
  readonly #view: DataView;
  readonly #base: number;

  /**
   * @param view bytes holding the units
   * @param base byte position of the first unit in `view`
   * @param count units in the run
   * @param startOffset logical queue offset of the first unit
   */
  constructor(
    view: DataView,
    base: number,
    readonly count: number,
    readonly startOffset: number,
  ) {
    assert(base >= 0 && base + count * CQ_STORE_UNIT_BYTES <= view.byteLength, "units in view");
    this.#view = view;
    this.#base = base;
  }

  /** @returns the commit-log offset of unit `i` */
  physicalOffset(i: number): number {
    return readInt64(this.#view, this.#position(i));
  }

  /** @returns the record size (TOTALSIZE) of unit `i` */
  size(i: number): number {
    return this.#view.getInt32(this.#position(i) + 8);
  }

  /** @returns the tag hash code of unit `i` (a delivery time for SCHEDULE_TOPIC_XXXX) */
  tagsCode(i: number): number {
    return readInt64(this.#view, this.#position(i) + 12);
  }

  /** @returns true when unit `i` is a blank filler (offset 0, size 0x7FFFFFFF), not a record */
  isBlank(i: number): boolean {
    return this.size(i) === BLANK_UNIT_SIZE && this.physicalOffset(i) === 0;
  }

  #position(i: number): number {
    if (!(i >= 0 && i < this.count)) assert.fail(`unit index ${i} outside 0..${this.count - 1}`);
    return this.#base + i * CQ_STORE_UNIT_BYTES;
  }
}

/**
 * Reads a big-endian int64 as a JS number without allocating a BigInt (exact up to 2^53).
 * @param view the bytes
 * @param position where the int64 starts
 * @returns the value
 */
export function readInt64(view: DataView, position: number): number {
  return view.getInt32(position) * TWO_POW_32 + view.getUint32(position + 4);
}

/**
 * Writes a safe integer as a big-endian int64 without a BigInt.
 * @param view the bytes
 * @param position where the int64 starts
 * @param value a safe integer (negative values are written in two's complement)
 */
export function writeInt64(view: DataView, position: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  view.setInt32(position, high);
  view.setUint32(position + 4, value - high * TWO_POW_32);
}

/**
 * A reader's end test (store.md §3): a unit with offset < 0 or size ≤ 0 ends the valid data.
 * @param physicalOffset the unit's offset field
 * @param size the unit's size field
 * @returns true when the unit holds (or pads for) a record
 */
export function isValidUnit(physicalOffset: number, size: number): boolean {
  return physicalOffset >= 0 && size > 0;
}

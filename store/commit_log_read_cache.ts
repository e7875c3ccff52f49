/**
 * Commit-log bytes read back from the files in blocks, for readers behind the memory tail
 * window (consumers that lag, lookups by offset).
 *
 * A pull reads its records one by one; from the file each would cost a seek and a read call
 * (~2.5 µs in Deno), more than the copy. A miss instead reads COMMIT_LOG_READ_BLOCK_BYTES from
 * the record on, so the next records of a sequential reader (and of the other queues
 * interleaved with it) are copied from memory. Blocks hold only bytes below the segment's
 * `writtenPosition` when they were read, which never change while the file exists; a block of
 * a deleted segment is dropped on its next lookup, and the log clears the cache when it cuts
 * its tail. A few blocks, reused least recently used first, bound the memory.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CommitLogSegment } from "./commit_log_segment.ts";
import type { FileSystem } from "./file_system.ts";

interface Block {
  segment: CommitLogSegment | null;
  /** segment position of `bytes[0]` */
  start: number;
  /** segment position just past the valid bytes */
  end: number;
  /** a read into `bytes` is in flight: not reusable */
  filling: boolean;
  used: number;
  readonly bytes: Uint8Array;
}

/** See the module doc. */
export class CommitLogReadCache {
  /** bytes per block */
  readonly blockBytes: number;
  /** blocks alive at most */
  readonly blocksMax: number;
  readonly #blocks: Block[] = [];
  #uses = 0;

  /**
   * @param blockBytes bytes one miss reads
   * @param blocksMax blocks kept
   */
  constructor(blockBytes: number, blocksMax: number) {
    assert(blockBytes >= 4096, `blockBytes ${blockBytes} below 4096`);
    assert(blocksMax >= 1, `blocksMax ${blocksMax} below 1`);
    this.blockBytes = blockBytes;
    this.blocksMax = blocksMax;
  }

  /**
   * Copies `[position, position + length)` of `segment` from a block, without I/O.
   * @returns the bytes, or undefined when no block holds them all
   */
  lookup(segment: CommitLogSegment, position: number, length: number): Uint8Array | undefined {
    const blocks = this.#blocks;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      if (block.segment !== segment || position < block.start || position + length > block.end) {
        continue;
      }
      if (segment.destroyed) {
        block.segment = null;
        return undefined;
      }
      block.used = ++this.#uses;
      const offset = position - block.start;
      return block.bytes.slice(offset, offset + length);
    }
    return undefined;
  }

  /**
   * Reads a block of `segment` from `position` on (as much of it as is written, at most
   * `blockBytes`) and copies the range from it; a range the block cannot hold (too long, or not
   * all written yet) is read directly by the segment.
   * @returns the bytes, or null when not (fully) appended or the file is gone
   * @throws the file system's error
   */
  async read(
    fs: FileSystem,
    segment: CommitLogSegment,
    position: number,
    length: number,
  ): Promise<Uint8Array | null> {
    if (position < 0 || length < 0 || position + length > segment.wrotePosition) return null;
    const end = Math.min(position + this.blockBytes, segment.writtenPosition);
    const block = position + length <= end ? this.#victim() : undefined;
    if (block === undefined) return await segment.read(fs, position, length);
    block.segment = null;
    block.filling = true;
    let complete: boolean;
    try {
      complete = await segment.readFile(fs, block.bytes.subarray(0, end - position), position);
    } finally {
      block.filling = false;
    }
    if (!complete) return null;
    block.segment = segment;
    block.start = position;
    block.end = end;
    block.used = ++this.#uses;
    return block.bytes.slice(0, length);
  }

  /** Forgets every block (the log was cut, or is closing). */
  clear(): void {
    for (const block of this.#blocks) block.segment = null;
  }

  /** @returns a block to fill: a new one while under blocksMax, else the least recently used */
  #victim(): Block | undefined {
    const blocks = this.#blocks;
    let victim: Block | undefined;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      if (block.filling) continue;
      if (block.segment === null) return block;
      if (victim === undefined || block.used < victim.used) victim = block;
    }
    if (blocks.length < this.blocksMax) {
      const block: Block = {
        segment: null,
        start: 0,
        end: 0,
        filling: false,
        used: 0,
        bytes: new Uint8Array(this.blockBytes),
      };
      blocks.push(block);
      return block;
    }
    return victim;
  }
}

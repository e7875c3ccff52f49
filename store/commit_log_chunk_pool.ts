/**
 * The memory the commit log encodes into: fixed-size chunks shared by all segments, up to a
 * byte budget, reused hottest first.
 *
 * Why chunks and not one buffer per segment: memory touched for the first time costs a page
 * fault per 4 KiB (bench/README: ≈ 0.6 GB/s for memory the VM reclaimed), which on the append
 * path costs more than the encoding itself. So the pool recycles before it grows: once the
 * chunks in use exceed the tail window (`windowChunks`), the oldest chunk already written to
 * the file goes back to the pool before a new one is made, and readers of older bytes go to
 * the file (through the commit log's read cache). New chunks are made only while the writer
 * lags behind, up to the budget (`maxChunks`; beyond it appends get OS_PAGECACHE_BUSY), and the
 * flusher touches spare ones ahead of the writer while it waits for the disk
 * ({@linkcode CommitLogChunkPool.warm}).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CommitLogSegment } from "./commit_log_segment.ts";
import {
  COMMIT_LOG_CHUNK_BYTES,
  COMMIT_LOG_MEMORY_BYTES_MAX,
  COMMIT_LOG_MEMORY_BYTES_MIN,
  COMMIT_LOG_SEGMENT_BUFFERS_MAX,
  COMMIT_LOG_SPARE_CHUNKS,
  COMMIT_LOG_TAIL_WINDOW_BYTES,
  RECORD_BYTES_MAX,
} from "./limits.ts";

/** One chunk of commit-log memory and its DataView. */
export interface CommitLogChunk {
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/** Options of {@linkcode CommitLogChunkPool}. */
export interface CommitLogChunkPoolOptions {
  /** bytes per chunk */
  readonly chunkBytes: number;
  /** chunks alive at most (in use and free together) */
  readonly maxChunks: number;
  /** chunks in use above which written ones are recycled before new ones are made */
  readonly windowChunks: number;
  /** pre-touched free chunks {@linkcode CommitLogChunkPool.warm} keeps ready */
  readonly spareChunks: number;
}

/** See the module doc. */
export class CommitLogChunkPool {
  /** bytes per chunk */
  readonly chunkBytes: number;
  /** chunks alive at most */
  readonly maxChunks: number;
  /** chunks in use above which written ones are recycled first */
  readonly windowChunks: number;
  readonly #spareChunks: number;
  /** free chunks; the last one was used most recently (hottest) */
  readonly #free: CommitLogChunk[] = [];
  #allocated = 0;
  /** a fresh chunk being touched by `warm`, and how far */
  #warming: CommitLogChunk | null = null;
  #warmedBytes = 0;

  /** @param options chunk size, budget and spare count */
  constructor(options: CommitLogChunkPoolOptions) {
    assert(options.chunkBytes >= 1024, `chunkBytes ${options.chunkBytes} too small`);
    assert(options.maxChunks >= 2, `maxChunks ${options.maxChunks} below 2`);
    assert(
      options.windowChunks >= 1 && options.windowChunks <= options.maxChunks,
      `windowChunks ${options.windowChunks} outside 1..${options.maxChunks}`,
    );
    this.chunkBytes = options.chunkBytes;
    this.maxChunks = options.maxChunks;
    this.windowChunks = options.windowChunks;
    this.#spareChunks = options.spareChunks;
  }

  /**
   * The pool of a commit log: chunks of COMMIT_LOG_CHUNK_BYTES (at most one segment), a budget
   * of COMMIT_LOG_SEGMENT_BUFFERS_MAX segments bounded by COMMIT_LOG_MEMORY_BYTES_MIN/MAX, and
   * always room for two records of the largest size a segment takes, whatever maxMessageSize
   * is (it may be raised at runtime; the budget covers this bound for every segment size, so
   * the pool is no larger than one sized for the startup limit); a tail window of
   * `tailWindowBytes` (at most the budget).
   * @param segmentBytes mappedFileSizeCommitLog
   * @param tailWindowBytes written bytes kept in memory for tail readers
   * @returns the pool
   */
  static forLog(
    segmentBytes: number,
    tailWindowBytes: number = COMMIT_LOG_TAIL_WINDOW_BYTES,
  ): CommitLogChunkPool {
    const chunkBytes = Math.min(COMMIT_LOG_CHUNK_BYTES, segmentBytes);
    const recordBytesMax = Math.min(segmentBytes, RECORD_BYTES_MAX);
    const budget = Math.min(
      COMMIT_LOG_MEMORY_BYTES_MAX,
      Math.max(
        COMMIT_LOG_MEMORY_BYTES_MIN,
        COMMIT_LOG_SEGMENT_BUFFERS_MAX * segmentBytes,
      ),
    );
    const maxChunks = Math.ceil(Math.max(budget, 2 * recordBytesMax + 2 * chunkBytes) / chunkBytes);
    return new CommitLogChunkPool({
      chunkBytes,
      maxChunks,
      windowChunks: Math.max(1, Math.min(maxChunks, Math.ceil(tailWindowBytes / chunkBytes))),
      spareChunks: COMMIT_LOG_SPARE_CHUNKS,
    });
  }

  /** chunks alive (in use and free) */
  get allocated(): number {
    return this.#allocated;
  }

  /** free chunks ready to be taken */
  get free(): number {
    return this.#free.length;
  }

  /** chunks that can still be handed out without releasing one in use */
  get available(): number {
    return this.#free.length + (this.maxChunks - this.#allocated);
  }

  /**
   * @returns a free chunk (the hottest), a new one while under the budget, or undefined when
   *   every chunk is in use
   */
  take(): CommitLogChunk | undefined {
    const free = this.#free.pop();
    if (free !== undefined) return free;
    if (this.#allocated >= this.maxChunks) return undefined;
    this.#allocated++;
    const bytes = new Uint8Array(this.chunkBytes);
    return { bytes, view: new DataView(bytes.buffer) };
  }

  /** chunks held by segments (alive, neither free nor being warmed) */
  get inUse(): number {
    return this.#allocated - this.#free.length - (this.#warming === null ? 0 : 1);
  }

  /**
   * Makes `count` chunks available. Above the tail window the oldest written chunks of
   * `segments` (oldest first) go back to the pool first, so hot memory is reused instead of
   * new memory touched; below it, only when the budget is used up.
   * @returns false when too many chunks still wait for the writer (OS_PAGECACHE_BUSY)
   */
  reserve(count: number, segments: readonly CommitLogSegment[]): boolean {
    const excess = this.inUse + count - this.windowChunks;
    if (excess > 0) this.#releaseOldest(segments, excess);
    if (this.available >= count) return true;
    this.#releaseOldest(segments, count - this.available);
    return this.available >= count;
  }

  /** Returns up to `wanted` written chunks of `segments`, oldest first. @returns how many */
  #releaseOldest(segments: readonly CommitLogSegment[], wanted: number): number {
    let released = 0;
    for (const segment of segments) {
      while (released < wanted && segment.releaseOldestChunk(this)) released++;
      // Chunks are written oldest first: if this one waits for the writer, later ones do too.
      if (released >= wanted || segment.memoryStart < segment.wrotePosition) break;
    }
    return released;
  }

  /**
   * Returns a chunk no segment uses any more. It is dropped instead (memory given back) while
   * the spares are full and more chunks are alive than the window and the spares: what a
   * lagging writer made the pool grow to is released once it catches up.
   */
  give(chunk: CommitLogChunk): void {
    assert(chunk.bytes.length === this.chunkBytes, "a chunk of this pool");
    if (
      this.#free.length >= this.#spareChunks &&
      this.#allocated > this.windowChunks + this.#spareChunks
    ) {
      this.#allocated--;
      return;
    }
    this.#free.push(chunk);
  }

  /**
   * Touches up to `maxBytes` of a new chunk so the writer later finds it hot, while fewer than
   * the spare count are free and the budget allows; the flusher calls it while a sync is in
   * flight (the thread would idle anyway). Work is sliced so each call stays short.
   * @returns bytes touched
   */
  warm(maxBytes: number): number {
    let touched = 0;
    while (touched < maxBytes) {
      if (this.#warming === null) {
        if (this.#free.length >= this.#spareChunks || this.#allocated >= this.maxChunks) break;
        this.#allocated++;
        const bytes = new Uint8Array(this.chunkBytes);
        this.#warming = { bytes, view: new DataView(bytes.buffer) };
        this.#warmedBytes = 0;
      }
      const chunk = this.#warming;
      const end = Math.min(this.chunkBytes, this.#warmedBytes + (maxBytes - touched));
      chunk.bytes.fill(0, this.#warmedBytes, end); // memset: the kernel backs every page now
      touched += end - this.#warmedBytes;
      this.#warmedBytes = end;
      if (end === this.chunkBytes) {
        this.#free.unshift(chunk); // hot, but after the recycled ones
        this.#warming = null;
      }
    }
    return touched;
  }
}

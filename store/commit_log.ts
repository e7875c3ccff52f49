/**
 * The commit log (store.md §2): one writer appends records (message-format.md §1) into the
 * memory chunks of the current segment; the {@linkcode CommitLogFlusher} moves them to the
 * file. Reads by physical offset come from memory (the recent tail, COMMIT_LOG_TAIL_WINDOW_BYTES
 * once written) or from the files, in blocks a small read cache keeps.
 *
 * Appends are synchronous: encoding, queue-offset assignment and the dispatch hand-off happen
 * in one call, so the append order is the queue-offset order and the dispatch order.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import type { FileSystem } from "./file_system.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import { AppendMessageResult, type AppendOutcome } from "./append_message_result.ts";
import type { CommitLogAllocator } from "./commit_log_allocator.ts";
import { CommitLogChunkPool } from "./commit_log_chunk_pool.ts";
import { CommitLogReadCache } from "./commit_log_read_cache.ts";
import { CommitLogLoadError, CommitLogSegment } from "./commit_log_segment.ts";
import type { HostAddress } from "./message_id.ts";
import {
  BLANK_HEADER_BYTES,
  getInt64,
  MESSAGE_MAGIC_CODE_V1,
  MESSAGE_MAGIC_CODE_V2,
  type MessageExtBrokerInner,
  MessageSysFlag,
  transactionType,
} from "./message_record.ts";
import { MessageRecordEncoder } from "./message_record_encoder.ts";
import {
  BATCH_MESSAGES_MAX,
  COMMIT_LOG_READ_BLOCK_BYTES,
  COMMIT_LOG_READ_BLOCKS_MAX,
  RECORD_BYTES_MAX,
} from "./limits.ts";
import { QueueOffsetTable } from "./queue_offset_table.ts";

export { AppendMessageResult, type AppendOutcome, CommitLogLoadError };

/** Options of {@linkcode CommitLog}. */
export interface CommitLogOptions {
  readonly fs: FileSystem;
  /** the commit-log folder */
  readonly dir: string;
  /** mappedFileSizeCommitLog */
  readonly segmentBytes: number;
  /** stamps STORETIMESTAMP */
  readonly clock: Clock;
  /** written as STOREHOST and used for offset message ids */
  readonly storeHost: HostAddress;
  /** maxMessageSize: larger bodies are MESSAGE_ILLEGAL (changed by `updateMaxMessageSize`) */
  readonly maxMessageSize: number;
  /** receives every appended record, in order */
  readonly onAppend: (request: DispatchRequest) => void;
  /** the next queue offset of a queue the log has not assigned to yet (from the consume queues) */
  readonly initialQueueOffset: (topic: string, queueId: number) => number;
  /** called after an append so the flusher can move the bytes to the file */
  readonly onDirty: () => void;
  /** creates segment files ahead of need (default none: each file is created on first write) */
  readonly allocator?: CommitLogAllocator;
  /**
   * written bytes kept in memory for tail readers before chunks are reused (default
   * COMMIT_LOG_TAIL_WINDOW_BYTES); older bytes are read from the file in blocks
   */
  readonly tailWindowBytes?: number;
}

const BUSY = { status: "OS_PAGECACHE_BUSY" } as const;
const ILLEGAL = { status: "MESSAGE_ILLEGAL" } as const;

/** The commit log; see the module doc. */
export class CommitLog {
  readonly #options: CommitLogOptions;
  readonly #encoder: MessageRecordEncoder;
  readonly #segments: CommitLogSegment[] = [];
  readonly #queueOffsets: QueueOffsetTable;
  readonly #pool: CommitLogChunkPool;
  readonly #chunkBytes: number;
  /** file bytes behind the memory window, read in blocks */
  readonly #readCache: CommitLogReadCache;
  /** encodes records that cross a chunk boundary, then copies them in */
  #scratch: { bytes: Uint8Array; view: DataView };
  /** reused per record: the encoder reads it synchronously */
  readonly #fields = { physicalOffset: 0, queueOffset: 0, storeTimestamp: 0 };
  #lastStoreTimestamp = 0;
  #storeTimeFloor = 0; // the newest store time in the log (see raiseStoreTimeFloor)
  /** where the first segment starts when there is none (after a cut at a segment boundary) */
  #baseOffset = 0;
  /** start of the segment whose successor the allocator was asked for */
  #nextRequestedAfter = -1;

  /** @param options folder, segment size, clock, store host and the hooks */
  constructor(options: CommitLogOptions) {
    assert(options.segmentBytes > 1024, `segmentBytes ${options.segmentBytes} too small`);
    this.#options = options;
    this.#encoder = new MessageRecordEncoder(options.storeHost, options.maxMessageSize);
    this.#queueOffsets = new QueueOffsetTable(options.initialQueueOffset);
    this.#pool = CommitLogChunkPool.forLog(options.segmentBytes, options.tailWindowBytes);
    this.#chunkBytes = this.#pool.chunkBytes;
    this.#readCache = new CommitLogReadCache(
      Math.min(COMMIT_LOG_READ_BLOCK_BYTES, options.segmentBytes),
      COMMIT_LOG_READ_BLOCKS_MAX,
    );
    const scratch = new Uint8Array(64 * 1024);
    this.#scratch = { bytes: scratch, view: new DataView(scratch.buffer) };
  }

  /** Later appends refuse bodies over `bytes` (maxMessageSize changed at runtime). */
  updateMaxMessageSize(bytes: number): void {
    this.#encoder.maxBodyBytes = bytes;
  }

  /** the memory appends are encoded into (the flusher warms it while it waits for the disk) */
  get chunkPool(): CommitLogChunkPool {
    return this.#pool;
  }

  /** segment size in bytes */
  get segmentBytes(): number {
    return this.#options.segmentBytes;
  }

  /** the commit-log folder */
  get dir(): string {
    return this.#options.dir;
  }

  /** the segments, oldest first (read-only view for recovery, flush and retention) */
  get segments(): readonly CommitLogSegment[] {
    return this.#segments;
  }

  /** STORETIMESTAMP of the newest record appended in this run (0 before any) */
  get lastStoreTimestamp(): number {
    return this.#lastStoreTimestamp;
  }

  /**
   * Store times never go back (crash recovery picks its first file by them, time lookups search
   * by them): while the wall clock is behind, records take the newest store time.
   * @param ms a store time already in the log (recovery passes the newest)
   */
  raiseStoreTimeFloor(ms: number): void {
    if (ms > this.#storeTimeFloor) this.#storeTimeFloor = ms;
  }

  /** @returns the smallest readable offset: the first segment's start (0 when empty) */
  getMinOffset(): number {
    return this.#segments.length === 0 ? this.#baseOffset : this.#segments[0].fileFromOffset;
  }

  /** @returns the offset just past the last appended byte */
  getMaxOffset(): number {
    const last = this.#segments.at(-1);
    return last === undefined ? this.#baseOffset : last.wroteOffset;
  }

  /** @returns the segment holding `offset` (the next one for an offset at a segment end), if any */
  segmentFor(offset: number): CommitLogSegment | undefined {
    const first = this.#segments[0];
    if (first === undefined || offset < first.fileFromOffset) return undefined;
    return this.#segments[Math.floor((offset - first.fileFromOffset) / this.segmentBytes)];
  }

  /**
   * Opens the existing segment files (recovery decides where valid data ends).
   * @throws {CommitLogLoadError} for a gap between segments or an oversized file
   */
  async load(): Promise<void> {
    const { fs, dir, segmentBytes } = this.#options;
    const chunkBytes = this.#chunkBytes;
    this.#segments.push(...await CommitLogSegment.openAll({ fs, dir, segmentBytes, chunkBytes }));
  }

  /**
   * Cuts the log at `endOffset` (recovery's end of valid data): later segments are deleted, the
   * tail of the last one is zeroed and synced, and its buffer starts there.
   */
  async truncate(endOffset: number): Promise<void> {
    const { fs } = this.#options;
    this.#readCache.clear();
    while (this.#segments.length > 0 && this.#segments.at(-1)!.fileFromOffset >= endOffset) {
      const doomed = this.#segments.pop()!;
      doomed.releaseAllChunks(this.#pool);
      await doomed.destroy(fs);
    }
    const last = this.#segments.at(-1);
    this.#queueOffsets.clear();
    if (last === undefined) {
      assert(endOffset % this.segmentBytes === 0, `empty log cannot end at ${endOffset}`);
      this.#baseOffset = endOffset;
      return;
    }
    const position = endOffset - last.fileFromOffset;
    assert(position > 0 && position <= last.fileSize, `truncate at ${endOffset} outside the log`);
    if (position < last.fileSize) {
      const handle = await last.open(fs, false);
      await handle.truncate(position);
      await handle.truncate(last.fileSize);
      await handle.sync();
    }
    last.wrotePosition = last.writtenPosition = last.flushedPosition = position;
    last.dataEnd = last.fileSize;
    if (position < last.fileSize) last.startMemoryAt(position);
  }

  /**
   * Has the allocator create the segment file the next append goes to when it does not exist
   * yet (an empty log, or the last segment full), and waits for it; asks for the one after the
   * last segment when that is past half. Without an allocator files are made on first write.
   * Also touches the pool's spare chunks, so the first appends find hot memory.
   */
  async prepareSegments(): Promise<void> {
    this.#pool.warm(Number.POSITIVE_INFINITY);
    const allocator = this.#options.allocator;
    if (allocator === undefined) return;
    const last = this.#segments.at(-1);
    if (last === undefined || last.isFull) {
      const start = last === undefined ? this.#baseOffset : last.fileFromOffset + last.fileSize;
      allocator.prepare(start);
      await allocator.ready(start);
    } else if (last.wrotePosition * 2 >= last.fileSize) {
      this.#requestNext(last);
    }
  }

  #requestNext(current: CommitLogSegment): void {
    this.#nextRequestedAfter = current.fileFromOffset;
    this.#options.allocator?.prepare(current.fileFromOffset + current.fileSize);
  }

  /**
   * Appends one message, stamped `nowMs` (default the clock's now; never before the log's newest).
   * @returns PUT_OK with the result, or why it was refused
   */
  append(message: MessageExtBrokerInner, nowMs = this.#options.clock.now()): AppendOutcome {
    const size = this.#encoder.prepare(message);
    if (typeof size === "string") return { status: size };
    if (size + BLANK_HEADER_BYTES > this.segmentBytes) return ILLEGAL;
    const segment = this.#segmentWithRoom(size);
    if (segment === undefined) return BUSY;
    const result = this.#write(segment, message, size, undefined, nowMs);
    this.#options.onDirty();
    return { status: "PUT_OK", result };
  }

  /**
   * Appends a batch: one topic and queue, each message its own record with consecutive queue
   * offsets, all in one segment (message-format.md §7), all stamped with one clock reading.
   * @returns PUT_OK with the result (wroteOffset/logicsOffset of the first), or why refused
   */
  appendBatch(messages: readonly MessageExtBrokerInner[]): AppendOutcome {
    if (messages.length === 0 || messages.length > BATCH_MESSAGES_MAX) return ILLEGAL;
    const { topic, queueId } = messages[0];
    let total = 0;
    for (const message of messages) {
      if (message.topic !== topic || message.queueId !== queueId) return ILLEGAL;
      const size = this.#encoder.prepare(message);
      if (typeof size === "string") return { status: size };
      total += size;
    }
    if (total + BLANK_HEADER_BYTES > this.segmentBytes) return ILLEGAL;
    const segment = this.#segmentWithRoom(total);
    if (segment === undefined) return BUSY;
    const offsets: number[] = [];
    const nowMs = this.#options.clock.now();
    let first: AppendMessageResult | undefined;
    for (const message of messages) {
      const size = this.#encoder.prepare(message) as number;
      offsets.push(segment.wroteOffset);
      const result = this.#write(segment, message, size, offsets, nowMs);
      first ??= result;
    }
    this.#options.onDirty();
    return {
      status: "PUT_OK",
      result: new AppendMessageResult(
        first!.wroteOffset,
        total,
        first!.storeTimestamp,
        first!.logicsOffset,
        messages.length,
        offsets,
        this.#options.storeHost,
      ),
    };
  }

  #write(
    segment: CommitLogSegment,
    message: MessageExtBrokerInner,
    size: number,
    offsets: number[] | undefined,
    nowMs: number,
  ): AppendMessageResult {
    const sysFlag = this.#encoder.sysFlag;
    const txType = transactionType(sysFlag);
    const skipsQueue = txType === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      txType === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
    const queue = skipsQueue ? undefined : this.#queueOffsets.entry(message.topic, message.queueId);
    const queueOffset = queue === undefined ? 0 : queue.next;
    const storeTimestamp = Math.max(nowMs, this.#storeTimeFloor);
    this.#storeTimeFloor = storeTimestamp;
    const position = segment.wrotePosition;
    const physicalOffset = segment.fileFromOffset + position;
    const fields = this.#fields;
    fields.physicalOffset = physicalOffset;
    fields.queueOffset = queueOffset;
    fields.storeTimestamp = storeTimestamp;
    const offsetInChunk = position % this.#chunkBytes;
    if (offsetInChunk + size <= this.#chunkBytes) {
      const chunk = segment.chunkAt(position);
      this.#encoder.write(chunk.bytes, chunk.view, offsetInChunk, fields);
    } else {
      const scratch = this.#scratchFor(size);
      this.#encoder.write(scratch.bytes, scratch.view, 0, fields);
      segment.copyIn(scratch.bytes.subarray(0, size), position);
    }
    segment.wrotePosition = position + size;
    this.#lastStoreTimestamp = storeTimestamp;
    if (queue !== undefined) queue.next = queueOffset + 1;
    const described = this.#encoder.describe(message);
    this.#options.onAppend({
      topic: message.topic,
      queueId: message.queueId,
      commitLogOffset: physicalOffset,
      msgSize: size,
      tagsCode: described.tagsCode,
      storeTimestamp,
      consumeQueueOffset: queueOffset,
      keys: described.keys,
      uniqKey: described.uniqKey,
      sysFlag,
      preparedTransactionOffset: message.preparedTransactionOffset ?? 0,
    });
    return new AppendMessageResult(
      physicalOffset,
      size,
      storeTimestamp,
      queueOffset,
      1,
      offsets,
      this.#options.storeHost,
    );
  }

  /** @returns scratch space for a record that crosses a chunk boundary */
  #scratchFor(size: number): { bytes: Uint8Array; view: DataView } {
    if (size <= this.#scratch.bytes.length) return this.#scratch;
    const bytes = new Uint8Array(size);
    const scratch = { bytes, view: new DataView(bytes.buffer) };
    // Keep it for next time unless it is huge (a rare large message).
    if (size <= this.#chunkBytes) this.#scratch = scratch;
    return scratch;
  }

  /** @returns the next queue offset the log will assign to a queue (consults the CQ hook once) */
  getQueueOffset(topic: string, queueId: number): number {
    return this.#queueOffsets.entry(topic, queueId).next;
  }

  /** Forgets the assigned offsets of a topic, or of one queue (deleted, or expired: restarts). */
  removeQueueOffsets(topic: string, queueId?: number): void {
    this.#queueOffsets.remove(topic, queueId);
  }

  /**
   * @returns the current segment with room and memory for `size` more bytes, rolling if needed;
   *   undefined when memory is short (the writer lags: OS_PAGECACHE_BUSY), nothing changed then
   */
  #segmentWithRoom(size: number): CommitLogSegment | undefined {
    let current = this.#segments.at(-1);
    if (
      current !== undefined && current.wrotePosition + size + BLANK_HEADER_BYTES <= current.fileSize
    ) {
      const position = current.wrotePosition;
      const missing = current.chunksMissing(position, size);
      if (missing > 0) {
        if (!this.#pool.reserve(missing, this.#segments)) return undefined;
        current.addChunks(this.#pool, position, size);
      }
      if (this.#nextRequestedAfter !== current.fileFromOffset && position * 2 >= current.fileSize) {
        this.#requestNext(current);
      }
      return current;
    }
    const blank = current !== undefined && !current.isFull;
    const chunks = Math.ceil(size / this.#chunkBytes) +
      (blank ? current!.chunksMissing(current!.wrotePosition, BLANK_HEADER_BYTES) : 0);
    if (!this.#pool.reserve(chunks, this.#segments)) return undefined;
    const nowMs = this.#options.clock.now();
    if (blank) {
      current!.endWithBlank(this.#pool);
      current!.lastModifiedMs = nowMs;
    }
    const start = current === undefined
      ? this.#baseOffset
      : current.fileFromOffset + current.fileSize;
    current = new CommitLogSegment(this.#options.dir, start, this.segmentBytes, this.#chunkBytes);
    current.lastModifiedMs = nowMs;
    current.startMemoryAt(0);
    current.addChunks(this.#pool, 0, size);
    // Not prepared ahead (the last roll came before half): created now, before any later one.
    this.#options.allocator?.prepare(start);
    const prepared = this.#options.allocator?.take(start);
    if (prepared !== undefined) current.adoptFile(prepared);
    this.#segments.push(current);
    return current;
  }

  /** @returns a copy of bytes in memory (tail chunks or a block read before), else undefined */
  readFromMemory(offset: number, length: number): Uint8Array | undefined {
    const segment = this.segmentFor(offset);
    if (segment === undefined) return undefined;
    const position = offset - segment.fileFromOffset;
    return segment.readFromMemory(position, length) ??
      this.#readCache.lookup(segment, position, length);
  }

  /**
   * Reads `length` bytes at `offset` (memory first, then the file in blocks; one segment).
   * @returns a copy, or null when not (fully) in the log
   */
  read(offset: number, length: number): Promise<Uint8Array | null> {
    const segment = this.segmentFor(offset);
    if (segment === undefined) return Promise.resolve(null);
    const position = offset - segment.fileFromOffset;
    if (position + length > segment.fileSize) return Promise.resolve(null);
    const cached = segment.readFromMemory(position, length) ??
      this.#readCache.lookup(segment, position, length);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.#readCache.read(this.#options.fs, segment, position, length);
  }

  /**
   * Reads the whole record at `offset` (RocketMQ's lookMessageByOffset, not decoded). The offset
   * may come from a client, so its size counts only in a message header naming this offset.
   * @returns the record bytes, or null when no message record starts there
   */
  async readRecord(offset: number): Promise<Uint8Array | null> {
    const header = await this.read(offset, 36);
    if (header === null) return null;
    const view = new DataView(header.buffer, header.byteOffset, 36);
    const size = view.getInt32(0);
    const magic = view.getInt32(4);
    if (magic !== MESSAGE_MAGIC_CODE_V1 && magic !== MESSAGE_MAGIC_CODE_V2) return null;
    if (size < 91 || size > RECORD_BYTES_MAX || getInt64(view, 28) !== offset) return null;
    return this.read(offset, size);
  }

  /** Deletes whole segments ending at or before `offset`, never the newest. @returns how many */
  async deleteSegmentsBefore(offset: number, maxCount: number): Promise<number> {
    const paths: string[] = [];
    for (let i = 0; i < this.#segments.length - 1 && paths.length < maxCount; i++) {
      const segment = this.#segments[i];
      if (segment.fileFromOffset + segment.fileSize > offset) break;
      paths.push(segment.path);
    }
    return await this.deleteSegments(paths);
  }

  /**
   * Deletes the oldest segments (retention, store.md §9): `paths` must name a prefix of the
   * segment list and never the newest. Stops at a segment the flusher has not fully written and
   * synced yet, so durable data is never lost and the flusher never loses its file. Readers of
   * a deleted range get null (MESSAGE_WAS_REMOVING); the min offset moves to the first kept one,
   * and a file that fails to go stays first (no gap to stop the next start) for the next pass.
   * @returns how many were deleted
   */
  async deleteSegments(paths: readonly string[]): Promise<number> {
    assert(
      paths.length < Math.max(1, this.#segments.length),
      `cannot delete ${paths.length} of ${this.#segments.length} commit-log segments: the newest stays`,
    );
    paths.forEach((path, i) => assert.equal(path, this.#segments[i].path, `${path}: not oldest`));
    let deleted = 0;
    for (const path of paths) {
      const first = this.#segments[0];
      if (first.path !== path || this.#segments.length < 2) break;
      if (!first.isFull || first.flushedPosition < first.fileSize || first.isWriting) break;
      first.releaseAllChunks(this.#pool);
      await first.destroy(this.#options.fs);
      this.#segments.shift();
      deleted++;
    }
    return deleted;
  }

  /** Closes every segment file (flush first) and drops files prepared but not used. */
  async close(): Promise<void> {
    this.#readCache.clear();
    await this.#options.allocator?.close();
    for (const segment of this.#segments) await segment.close();
  }
}

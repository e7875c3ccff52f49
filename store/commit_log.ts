/**
 * The commit log (store.md §2): one writer appends records (message-format.md §1) into the
 * in-memory buffer of the current segment; the {@linkcode CommitLogFlusher} moves them to the
 * file. Reads by physical offset come from the buffers of recent segments or from the files.
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
import { CommitLogSegment, segmentFileName } from "./commit_log_segment.ts";
import { createOffsetMessageId, type HostAddress } from "./message_id.ts";
import {
  BLANK_HEADER_BYTES,
  BLANK_MAGIC_CODE,
  type MessageExtBrokerInner,
  MessageSysFlag,
  transactionType,
} from "./message_record.ts";
import { type EncodeRefusal, MessageRecordEncoder } from "./message_record_encoder.ts";
import { BATCH_MESSAGES_MAX, COMMIT_LOG_SEGMENT_BUFFERS_MAX } from "./limits.ts";

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
  /** maxMessageSize: larger bodies are MESSAGE_ILLEGAL */
  readonly maxMessageSize: number;
  /** receives every appended record, in order */
  readonly onAppend: (request: DispatchRequest) => void;
  /** the next queue offset of a queue the log has not assigned to yet (from the consume queues) */
  readonly initialQueueOffset: (topic: string, queueId: number) => number;
  /** called after an append so the flusher can move the bytes to the file */
  readonly onDirty: () => void;
}

/** What a successful append did (RocketMQ's AppendMessageResult). */
export class AppendMessageResult {
  /** @internal */
  constructor(
    /** commit-log offset of the first record */
    readonly wroteOffset: number,
    /** bytes of all records */
    readonly wroteBytes: number,
    /** STORETIMESTAMP of the records */
    readonly storeTimestamp: number,
    /** queue offset of the first record */
    readonly logicsOffset: number,
    /** records written */
    readonly msgNum: number,
    readonly offsets: readonly number[] | undefined,
    readonly storeHost: HostAddress,
  ) {}

  /** offset message id(s) (message-format.md §6); a batch joins its ids with `,` */
  get msgId(): string {
    const { address, port } = this.storeHost;
    if (this.offsets === undefined) return createOffsetMessageId(address, port, this.wroteOffset);
    return this.offsets.map((offset) => createOffsetMessageId(address, port, offset)).join(",");
  }
}

/** Outcome of an append. */
export type AppendOutcome =
  | { readonly status: "PUT_OK"; readonly result: AppendMessageResult }
  | { readonly status: EncodeRefusal | "OS_PAGECACHE_BUSY" };

const BUSY = { status: "OS_PAGECACHE_BUSY" } as const;
const ILLEGAL = { status: "MESSAGE_ILLEGAL" } as const;

/** The commit log; see the module doc. */
export class CommitLog {
  readonly #options: CommitLogOptions;
  readonly #encoder: MessageRecordEncoder;
  readonly #segments: CommitLogSegment[] = [];
  readonly #queueOffsets = new Map<string, Map<number, number>>();
  readonly #freeBuffers: Uint8Array[] = [];
  #buffersAllocated = 0;
  #lastStoreTimestamp = 0;
  /** where the first segment starts when there is none (after a cut at a segment boundary) */
  #baseOffset = 0;

  /** @param options folder, segment size, clock, store host and the hooks */
  constructor(options: CommitLogOptions) {
    assert(options.segmentBytes > 1024, `segmentBytes ${options.segmentBytes} too small`);
    this.#options = options;
    this.#encoder = new MessageRecordEncoder(options.storeHost, options.maxMessageSize);
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
    await fs.mkdir(dir);
    const names = (await fs.list(dir)).filter((name) => /^\d{20}$/.test(name));
    for (const name of names) {
      const start = Number(name);
      const previous = this.#segments.at(-1);
      if (
        start % segmentBytes !== 0 || (previous && previous.fileFromOffset + segmentBytes !== start)
      ) {
        throw new CommitLogLoadError(
          `Cannot load commit log ${dir}: segment ${name} does not follow the previous one`,
        );
      }
      const segment = new CommitLogSegment(dir, start, segmentBytes);
      const handle = await segment.open(fs, false);
      const size = await handle.size();
      if (size > segmentBytes) {
        await segment.close();
        throw new CommitLogLoadError(
          `Cannot load commit log segment ${segment.path}: size ${size} exceeds mappedFileSizeCommitLog ${segmentBytes}`,
        );
      }
      // A crash can lose the size change of a fresh segment; reads past the end see zeros.
      if (size < segmentBytes) await handle.truncate(segmentBytes);
      segment.wrotePosition = segment.writtenPosition = segment.flushedPosition = segmentBytes;
      this.#segments.push(segment);
    }
  }

  /**
   * Cuts the log at `endOffset` (recovery's end of valid data): later segments are deleted, the
   * tail of the last one is zeroed and synced, and its buffer starts there.
   */
  async truncate(endOffset: number): Promise<void> {
    const { fs } = this.#options;
    while (this.#segments.length > 0 && this.#segments.at(-1)!.fileFromOffset >= endOffset) {
      const doomed = this.#segments.pop()!;
      this.#releaseBuffer(doomed);
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
    assert(
      position > 0 && position <= last.fileSize,
      `truncate offset ${endOffset} outside the log`,
    );
    if (position < last.fileSize) {
      const handle = await last.open(fs, false);
      await handle.truncate(position);
      await handle.truncate(last.fileSize);
      await handle.sync();
    }
    last.wrotePosition = last.writtenPosition = last.flushedPosition = position;
    if (position < last.fileSize && last.buffer === null) {
      last.attachBuffer(this.#takeBuffer()!, position);
    }
  }

  /**
   * Appends one message.
   * @returns PUT_OK with the result, or why it was refused
   */
  append(message: MessageExtBrokerInner): AppendOutcome {
    const size = this.#encoder.prepare(message);
    if (typeof size === "string") return { status: size };
    if (size + BLANK_HEADER_BYTES > this.segmentBytes) return ILLEGAL;
    const segment = this.#segmentWithRoom(size);
    if (segment === undefined) return BUSY;
    const result = this.#write(segment, message, size, undefined);
    this.#options.onDirty();
    return { status: "PUT_OK", result };
  }

  /**
   * Appends a batch: one topic and queue, each message its own record with consecutive queue
   * offsets, all in one segment (message-format.md §7).
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
    let first: AppendMessageResult | undefined;
    for (const message of messages) {
      const size = this.#encoder.prepare(message) as number;
      offsets.push(segment.wroteOffset);
      const result = this.#write(segment, message, size, offsets);
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
  ): AppendMessageResult {
    const sysFlag = this.#encoder.sysFlag;
    const txType = transactionType(sysFlag);
    const skipsQueue = txType === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      txType === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
    const queueOffset = skipsQueue ? 0 : this.#nextQueueOffset(message.topic, message.queueId);
    const storeTimestamp = this.#options.clock.now();
    const position = segment.wrotePosition;
    const physicalOffset = segment.fileFromOffset + position;
    this.#encoder.write(segment.buffer!, segment.view!, position, {
      physicalOffset,
      queueOffset,
      storeTimestamp,
    });
    segment.wrotePosition = position + size;
    this.#lastStoreTimestamp = storeTimestamp;
    if (!skipsQueue) this.#queueOffsets.get(message.topic)!.set(message.queueId, queueOffset + 1);
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

  #nextQueueOffset(topic: string, queueId: number): number {
    let queues = this.#queueOffsets.get(topic);
    if (queues === undefined) {
      queues = new Map();
      this.#queueOffsets.set(topic, queues);
    }
    let next = queues.get(queueId);
    if (next === undefined) {
      next = this.#options.initialQueueOffset(topic, queueId);
      queues.set(queueId, next);
    }
    return next;
  }

  /** @returns the next queue offset the log will assign to a queue (consults the CQ hook once) */
  getQueueOffset(topic: string, queueId: number): number {
    return this.#nextQueueOffset(topic, queueId);
  }

  /** Forgets the assigned queue offsets of a topic (topic deleted). */
  removeQueueOffsets(topic: string): void {
    this.#queueOffsets.delete(topic);
  }

  /** @returns the current segment with room for `size` more bytes, rolling if needed */
  #segmentWithRoom(size: number): CommitLogSegment | undefined {
    let current = this.#segments.at(-1);
    if (
      current !== undefined && current.wrotePosition + size + BLANK_HEADER_BYTES <= current.fileSize
    ) {
      return current;
    }
    const buffer = this.#takeBuffer();
    if (buffer === undefined) return undefined;
    if (current !== undefined && !current.isFull) this.#writeBlank(current);
    const start = current === undefined
      ? this.#baseOffset
      : current.fileFromOffset + current.fileSize;
    current = new CommitLogSegment(this.#options.dir, start, this.segmentBytes);
    current.attachBuffer(buffer, 0);
    this.#segments.push(current);
    this.releaseBuffers();
    return current;
  }

  /** Ends a segment with the BLANK record (message-format.md §2); the rest reads as zeros. */
  #writeBlank(segment: CommitLogSegment): void {
    const position = segment.wrotePosition;
    const maxBlank = segment.fileSize - position;
    assert(maxBlank >= BLANK_HEADER_BYTES, "a segment always keeps room for the blank");
    segment.view!.setInt32(position, maxBlank);
    segment.view!.setInt32(position + 4, BLANK_MAGIC_CODE);
    segment.buffer!.fill(0, position + BLANK_HEADER_BYTES, segment.fileSize);
    segment.wrotePosition = segment.fileSize;
  }

  #takeBuffer(): Uint8Array | undefined {
    const free = this.#freeBuffers.pop();
    if (free !== undefined) return free;
    if (this.#buffersAllocated >= COMMIT_LOG_SEGMENT_BUFFERS_MAX) {
      this.releaseBuffers();
      return this.#freeBuffers.pop();
    }
    this.#buffersAllocated++;
    return new Uint8Array(this.segmentBytes);
  }

  #releaseBuffer(segment: CommitLogSegment): void {
    if (segment.buffer === null || segment.isWriting) return;
    if (segment.writtenPosition < segment.wrotePosition) return;
    const buffer = segment.detachBuffer();
    if (buffer !== null && buffer.length === this.segmentBytes) this.#freeBuffers.push(buffer);
  }

  /**
   * Returns to the pool the buffers of full segments older than the previous one whose bytes
   * all reached the file; the current and previous segment keep theirs for tail readers.
   */
  releaseBuffers(): void {
    for (let i = 0; i < this.#segments.length - 2; i++) this.#releaseBuffer(this.#segments[i]);
  }

  /**
   * Reads bytes from memory only (no I/O).
   * @returns a copy, or undefined when not in a buffer
   */
  readFromMemory(offset: number, length: number): Uint8Array | undefined {
    const segment = this.segmentFor(offset);
    if (segment === undefined) return undefined;
    return segment.readFromMemory(offset - segment.fileFromOffset, length);
  }

  /**
   * Reads `length` bytes at `offset` (memory first, then the file); never spans segments.
   * @returns a copy, or null when not (fully) in the log
   */
  read(offset: number, length: number): Promise<Uint8Array | null> {
    const segment = this.segmentFor(offset);
    if (segment === undefined) return Promise.resolve(null);
    const position = offset - segment.fileFromOffset;
    if (position + length > segment.fileSize) return Promise.resolve(null);
    return segment.read(this.#options.fs, position, length);
  }

  /**
   * Reads the whole record at `offset` (RocketMQ's lookMessageByOffset without decoding).
   * @returns the record bytes, or null when no message record starts there
   */
  async readRecord(offset: number): Promise<Uint8Array | null> {
    const header = await this.read(offset, 8);
    if (header === null) return null;
    const view = new DataView(header.buffer, header.byteOffset, 8);
    const size = view.getInt32(0);
    if (size < 91 || view.getInt32(4) === BLANK_MAGIC_CODE) return null;
    return this.read(offset, size);
  }

  /**
   * Deletes whole segments that end at or before `offset` (never the newest), oldest first.
   * @returns how many were deleted
   */
  async deleteSegmentsBefore(offset: number, maxCount: number): Promise<number> {
    let deleted = 0;
    while (deleted < maxCount && this.#segments.length > 1) {
      const first = this.#segments[0];
      if (
        first.fileFromOffset + first.fileSize > offset || first.flushedPosition < first.fileSize
      ) break;
      this.#segments.shift();
      this.#releaseBuffer(first);
      await first.destroy(this.#options.fs);
      deleted++;
    }
    return deleted;
  }

  /** Closes every segment file (flush first). */
  async close(): Promise<void> {
    for (const segment of this.#segments) await segment.close();
  }

  /** @returns the file name of the segment starting at `offset` */
  static fileName(offset: number): string {
    return segmentFileName(offset);
  }
}

/** Thrown when the commit-log folder cannot be loaded as a RocketMQ commit log. */
export class CommitLogLoadError extends Error {
  /** @param message what is wrong, with the path */
  constructor(message: string) {
    super(message);
    this.name = "CommitLogLoadError";
  }
}

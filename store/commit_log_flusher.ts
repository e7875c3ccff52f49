/**
 * Moves appended commit-log bytes to the files and makes them durable (store.md §7).
 *
 * One pump runs at a time. Appends write to the file soon, whatever the flush mode: at once
 * when COMMIT_LOG_WRITE_EAGER_BYTES are unwritten, otherwise on the next event-loop turn
 * (setImmediate), so a burst of appends shares one write. Writes go in chunks of at most
 * COMMIT_LOG_WRITE_BYTES_MAX. A sync round captures the log end, writes up to it, syncs:
 * - SYNC_FLUSH: appenders wait in a FIFO; one sync serves every waiter whose bytes it covers
 *   (group commit). The round starts on the next turn, after the burst of appends woken by the
 *   previous sync, so they share it. A waiter past `syncFlushTimeout` (injected clock) gets
 *   FLUSH_DISK_TIMEOUT; WAIT=false only requests a sync.
 * - ASYNC_FLUSH: every `flushIntervalCommitLog` ms a sync is requested when at least
 *   `flushCommitLogLeastPages` pages are unsynced, or unconditionally once
 *   `flushCommitLogThoroughInterval` ms passed since the last full flush (injected clock).
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { FileSystem } from "./file_system.ts";
import type { AppendMessageResult, CommitLog } from "./commit_log.ts";
import {
  COMMIT_LOG_WRITE_BYTES_MAX,
  COMMIT_LOG_WRITE_EAGER_BYTES,
  OS_PAGE_BYTES,
  SYNC_FLUSH_TIMEOUT_CHECK_MS,
} from "./limits.ts";

/** RocketMQ's FlushDiskType. */
export type FlushDiskType = "ASYNC_FLUSH" | "SYNC_FLUSH";

/** How a wait for durability ended. */
export type FlushWaitStatus = "PUT_OK" | "FLUSH_DISK_TIMEOUT" | "UNKNOWN_ERROR";

/** A wait's outcome, shaped as a PutMessageResult so the store can hand it on as is. */
export type FlushWaitResult =
  | {
    readonly status: "PUT_OK" | "FLUSH_DISK_TIMEOUT";
    readonly appendMessageResult: AppendMessageResult;
  }
  | { readonly status: "UNKNOWN_ERROR"; readonly appendMessageResult?: undefined };

/** Options of {@linkcode CommitLogFlusher}; names follow MessageStoreConfig. */
export interface CommitLogFlusherOptions {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly commitLog: CommitLog;
  readonly flushDiskType: FlushDiskType;
  readonly flushIntervalCommitLog: number;
  readonly flushCommitLogLeastPages: number;
  readonly flushCommitLogThoroughInterval: number;
  readonly syncFlushTimeout: number;
  /** told about an I/O failure; the flusher stops writing after one */
  readonly onError: (error: Error) => void;
}

/** Flush figures for metrics. */
export interface FlushStats {
  /** syncs done */
  readonly syncCount: number;
  /** file writes done */
  readonly writeCount: number;
  /** bytes written to files */
  readonly writtenBytes: number;
  /** duration of the last sync round (write + sync), ms */
  readonly lastFlushLatencyMs: number;
  /** longest sync round so far, ms */
  readonly maxFlushLatencyMs: number;
}

interface Waiter {
  readonly endOffset: number;
  readonly deadlineMs: number;
  readonly result: AppendMessageResult;
  readonly resolve: (outcome: FlushWaitResult) => void;
}

const UNKNOWN_ERROR: FlushWaitResult = { status: "UNKNOWN_ERROR" };

/** The flush pump; see the module doc. */
export class CommitLogFlusher {
  readonly #o: CommitLogFlusherOptions;
  #waiters: Waiter[] = [];
  #waiterHead = 0;
  #pump: Promise<void> | null = null;
  #deferred: ReturnType<typeof setImmediate> | undefined;
  #syncRequested = false;
  #writtenOffset = 0;
  #flushedOffset = 0;
  #flushedTimestamp = 0;
  #lastThoroughMs: number;
  #intervalTimer: ReturnType<typeof setTimeout> | undefined;
  #timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  #failure: Error | null = null;
  #stopped = false;
  #stats = {
    syncCount: 0,
    writeCount: 0,
    writtenBytes: 0,
    lastFlushLatencyMs: 0,
    maxFlushLatencyMs: 0,
  };

  /** @param options commit log, file system, clock, policy */
  constructor(options: CommitLogFlusherOptions) {
    this.#o = options;
    this.#lastThoroughMs = options.clock.now();
    this.reset();
  }

  /** Re-reads the watermarks from the commit log (after load/recovery). */
  reset(): void {
    const end = this.#o.commitLog.getMaxOffset();
    this.#writtenOffset = end;
    this.#flushedOffset = end;
  }

  /** bytes of the log known durable */
  get flushedOffset(): number {
    return this.#flushedOffset;
  }

  /** STORETIMESTAMP of the last durable record of this run (0 before any) */
  get flushedTimestamp(): number {
    return this.#flushedTimestamp;
  }

  /** the I/O error that stopped the flusher, if any */
  get failure(): Error | null {
    return this.#failure;
  }

  /** @returns flush figures for metrics */
  stats(): FlushStats {
    return { ...this.#stats };
  }

  /** Starts the ASYNC_FLUSH interval loop (SYNC_FLUSH needs no timer). */
  start(): void {
    this.#stopped = false;
    if (this.#o.flushDiskType === "ASYNC_FLUSH") this.#scheduleInterval();
  }

  /**
   * Bytes were appended. At least COMMIT_LOG_WRITE_EAGER_BYTES unwritten start a pump round now;
   * fewer are written on the next event-loop turn, so a burst of appends shares one write.
   */
  kick(): void {
    if (this.#pump !== null || this.#failure !== null) return;
    const unwritten = this.#o.commitLog.getMaxOffset() - this.#writtenOffset;
    if (unwritten >= COMMIT_LOG_WRITE_EAGER_BYTES) {
      this.#startPump(false);
    } else if (unwritten > 0) {
      this.#deferPump();
    }
  }

  #startPump(writeAll: boolean): void {
    if (this.#pump !== null || this.#failure !== null) return;
    const pump: Promise<void> = this.#run(writeAll).then(() => {
      if (this.#pump === pump) this.#pump = null;
      if (this.#failure !== null) return;
      // Requests that arrived after the pump's last check, and bytes below the eager size,
      // are served on the next turn.
      if (this.#syncRequested) this.#deferPump();
      else this.kick();
    });
    this.#pump = pump;
  }

  /**
   * A sync is wanted: start the round on the next turn (setImmediate, ~3 µs), after the current
   * burst of microtasks, so every appender woken by the previous sync joins this one (group
   * commit). A running pump picks the request up itself.
   */
  #requestSync(): void {
    this.#syncRequested = true;
    if (this.#pump !== null || this.#failure !== null) return;
    this.#deferPump();
  }

  #deferPump(): void {
    if (this.#deferred !== undefined || this.#stopped) return;
    this.#deferred = setImmediate(() => {
      this.#deferred = undefined;
      this.#startPump(true);
    });
  }

  /**
   * Waits until every byte below `endOffset` is durable (SYNC_FLUSH with WAIT=true).
   * @param result the append being waited for, handed back in the outcome
   * @returns PUT_OK, FLUSH_DISK_TIMEOUT after syncFlushTimeout, or UNKNOWN_ERROR after an I/O failure
   */
  waitFlushed(endOffset: number, result: AppendMessageResult): Promise<FlushWaitResult> {
    if (this.#failure !== null) return Promise.resolve(UNKNOWN_ERROR);
    if (endOffset <= this.#flushedOffset) {
      return Promise.resolve({ status: "PUT_OK", appendMessageResult: result });
    }
    return new Promise((resolve) => {
      const deadlineMs = this.#o.clock.now() + this.#o.syncFlushTimeout;
      this.#waiters.push({ endOffset, deadlineMs, result, resolve });
      this.#armTimeout();
      this.#requestSync();
    });
  }

  /** Waits until every appended byte reached the file (not necessarily synced). */
  async drainWrites(): Promise<void> {
    const target = this.#o.commitLog.getMaxOffset();
    while (this.#writtenOffset < target && this.#failure === null) {
      this.#startPump(true);
      await this.#pump;
    }
  }

  /** Asks for a sync without waiting for it (WAIT=false under SYNC_FLUSH). */
  wakeup(): void {
    this.#requestSync();
  }

  /**
   * Writes and syncs everything appended so far.
   * @throws the I/O error that stopped the flusher
   */
  async flush(): Promise<void> {
    const target = this.#o.commitLog.getMaxOffset();
    while (this.#flushedOffset < target || this.#hasUnsyncedSegment()) {
      if (this.#failure !== null) throw this.#failure;
      this.#syncRequested = true;
      this.#startPump(true);
      await this.#idle();
    }
    if (this.#failure !== null) throw this.#failure;
    this.#lastThoroughMs = this.#o.clock.now();
  }

  /**
   * Stops the timers and waits for the running round. Waiters still pending (only possible
   * without a final `flush()`) get UNKNOWN_ERROR.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#intervalTimer);
    clearTimeout(this.#timeoutTimer);
    clearImmediate(this.#deferred);
    this.#intervalTimer = this.#timeoutTimer = this.#deferred = undefined;
    await this.#idle();
    this.#resolveAll();
  }

  #hasUnsyncedSegment(): boolean {
    const segment = this.#o.commitLog.segments.at(-1);
    return segment !== undefined && segment.needsDirSync;
  }

  /** One pump: sync rounds while wanted, eager writes while ≥ the eager size is unwritten. */
  async #run(writeAll: boolean): Promise<void> {
    try {
      let minBytes = writeAll ? 1 : COMMIT_LOG_WRITE_EAGER_BYTES;
      while (this.#failure === null) {
        const target = this.#o.commitLog.getMaxOffset();
        const targetTimestamp = this.#o.commitLog.lastStoreTimestamp;
        if (this.#syncRequested) {
          // Capture the end once so a stream of appends cannot postpone the sync.
          this.#syncRequested = false;
          await this.#writeUpTo(target);
          await this.#syncUpTo(target, targetTimestamp);
        } else if (target - this.#writtenOffset >= minBytes) {
          await this.#writeUpTo(target);
          minBytes = COMMIT_LOG_WRITE_EAGER_BYTES;
        } else {
          break;
        }
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  async #writeUpTo(target: number): Promise<void> {
    const { commitLog, fs } = this.#o;
    while (this.#writtenOffset < target) {
      const segment = commitLog.segmentFor(this.#writtenOffset)!;
      const written = await segment.writeNext(fs, COMMIT_LOG_WRITE_BYTES_MAX);
      this.#stats.writeCount++;
      this.#stats.writtenBytes += written;
      this.#writtenOffset = segment.fileFromOffset + segment.writtenPosition;
      if (written === 0) break;
    }
    commitLog.releaseBuffers();
  }

  #fail(error: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = error instanceof Error ? error : new Error(String(error));
    this.#resolveAll();
    this.#o.onError(this.#failure);
  }

  async #syncUpTo(target: number, targetTimestamp: number): Promise<void> {
    const { commitLog, fs, clock } = this.#o;
    const startedMs = performance.now();
    for (const segment of commitLog.segments) {
      if (
        segment.fileFromOffset + segment.fileSize <= this.#flushedOffset && !segment.needsDirSync
      ) {
        continue;
      }
      if (segment.fileFromOffset >= target && !segment.needsDirSync) break;
      await segment.sync(fs, commitLog.dir);
    }
    this.#stats.syncCount++;
    const latencyMs = performance.now() - startedMs;
    this.#stats.lastFlushLatencyMs = latencyMs;
    if (latencyMs > this.#stats.maxFlushLatencyMs) this.#stats.maxFlushLatencyMs = latencyMs;
    if (target > this.#flushedOffset) {
      this.#flushedOffset = target;
      if (targetTimestamp > this.#flushedTimestamp) this.#flushedTimestamp = targetTimestamp;
    }
    this.#resolveFlushed(clock.now());
    if (this.#waiterHead < this.#waiters.length) this.#syncRequested = true;
  }

  /** Waits until no pump runs. */
  async #idle(): Promise<void> {
    while (this.#pump !== null) await this.#pump;
  }

  #resolveFlushed(nowMs: number): void {
    const waiters = this.#waiters;
    let head = this.#waiterHead;
    while (head < waiters.length) {
      const waiter = waiters[head];
      if (waiter.endOffset <= this.#flushedOffset) {
        waiter.resolve({ status: "PUT_OK", appendMessageResult: waiter.result });
      } else if (waiter.deadlineMs <= nowMs) {
        waiter.resolve({ status: "FLUSH_DISK_TIMEOUT", appendMessageResult: waiter.result });
      } else {
        break;
      }
      head++;
    }
    if (head === waiters.length) {
      this.#waiters = [];
      this.#waiterHead = 0;
      clearTimeout(this.#timeoutTimer);
      this.#timeoutTimer = undefined;
    } else {
      this.#waiterHead = head;
    }
  }

  #resolveAll(): void {
    for (let i = this.#waiterHead; i < this.#waiters.length; i++) {
      this.#waiters[i].resolve(UNKNOWN_ERROR);
    }
    this.#waiters = [];
    this.#waiterHead = 0;
  }

  /** Checks deadlines while waiters exist; re-armed at most every SYNC_FLUSH_TIMEOUT_CHECK_MS. */
  #armTimeout(): void {
    if (this.#timeoutTimer !== undefined || this.#stopped) return;
    const head = this.#waiters[this.#waiterHead];
    if (head === undefined) return;
    const delayMs = Math.max(
      1,
      Math.min(head.deadlineMs - this.#o.clock.now(), SYNC_FLUSH_TIMEOUT_CHECK_MS),
    );
    this.#timeoutTimer = setTimeout(() => {
      this.#timeoutTimer = undefined;
      this.#resolveFlushed(this.#o.clock.now());
      this.#armTimeout();
    }, delayMs);
  }

  #scheduleInterval(): void {
    if (this.#stopped) return;
    this.#intervalTimer = setTimeout(() => {
      this.#intervalTimer = undefined;
      this.#onInterval();
      this.#scheduleInterval();
    }, this.#o.flushIntervalCommitLog);
  }

  #onInterval(): void {
    const nowMs = this.#o.clock.now();
    const dirtyBytes = this.#o.commitLog.getMaxOffset() - this.#flushedOffset;
    const thorough = nowMs - this.#lastThoroughMs >= this.#o.flushCommitLogThoroughInterval;
    const leastBytes = this.#o.flushCommitLogLeastPages * OS_PAGE_BYTES;
    if (thorough) this.#lastThoroughMs = nowMs;
    if (dirtyBytes > 0 && (thorough || dirtyBytes >= leastBytes)) this.wakeup();
  }
}

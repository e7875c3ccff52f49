/**
 * Moves appended commit-log bytes to the files and makes them durable (store.md §7).
 *
 * Two loops, each running at most once at a time:
 * - the writer copies appended bytes to the files (positional writes, at most one chunk each):
 *   at once when COMMIT_LOG_WRITE_EAGER_BYTES (SYNC_FLUSH: ..._SYNC_BYTES) are unwritten, else on
 *   the next event-loop turn (setImmediate) so a burst of appends shares one write. It runs
 *   during a sync too.
 * - the syncer: a round captures the log end, has the writer reach it, then syncs. SYNC_FLUSH
 *   appenders wait in a FIFO; one sync serves every waiter its bytes cover (group commit) and
 *   they are resolved in one pass. A round that leaves waiters behind (they appended during the
 *   sync) starts the next at once; otherwise the next starts on the next turn, after the burst
 *   of appends the resolved waiters make, so they share it. While the disk syncs, the thread
 *   touches fresh memory chunks for the appends to come ({@linkcode CommitLogChunkPool.warm}).
 *   One timer sweeps deadlines: a waiter past `syncFlushTimeout` (injected clock) gets
 *   FLUSH_DISK_TIMEOUT, its message kept; WAIT=false only requests a sync.
 * - ASYNC_FLUSH: every `flushIntervalCommitLog` ms a round is requested when at least
 *   `flushCommitLogLeastPages` pages are unsynced, or unconditionally once
 *   `flushCommitLogThoroughInterval` ms passed since the last full flush (injected clock).
 *   Between ticks the writer requests a round once COMMIT_LOG_ASYNC_SYNC_BYTES written bytes
 *   are neither synced nor being synced, so the disk writes back while appends go on. With
 *   `flushCommitLogTimed=false` (RocketMQ's real-time flush, where each put wakes the flush
 *   thread) that threshold is `flushCommitLogLeastPages` pages.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { FileSystem } from "./file_system.ts";
import type { AppendMessageResult } from "./append_message_result.ts";
import type { CommitLog } from "./commit_log.ts";
import { type FlushStats, zeroFlushStats } from "./_flush_stats.ts";
import { FlusherWaiters, type FlushWaitResult } from "./_flusher_waiters.ts";
import {
  COMMIT_LOG_ASYNC_SYNC_BYTES,
  COMMIT_LOG_WARM_SLICE_BYTES,
  COMMIT_LOG_WRITE_BYTES_MAX,
  COMMIT_LOG_WRITE_EAGER_BYTES,
  COMMIT_LOG_WRITE_EAGER_SYNC_BYTES,
  OS_PAGE_BYTES,
  SYNC_FLUSH_TIMEOUT_CHECK_MS,
} from "./limits.ts";

/** RocketMQ's FlushDiskType. */
export type FlushDiskType = "ASYNC_FLUSH" | "SYNC_FLUSH";

export type { FlushWaitResult, FlushWaitStatus } from "./_flusher_waiters.ts";
export type { FlushStats } from "./_flush_stats.ts";

/** The flush keys a running flusher takes ({@linkcode CommitLogFlusher.updateSettings}). */
export interface CommitLogFlushSettings {
  readonly flushIntervalCommitLog: number;
  readonly flushCommitLogLeastPages: number;
  readonly flushCommitLogThoroughInterval: number;
  /**
   * ASYNC_FLUSH: false syncs as soon as `flushCommitLogLeastPages` pages are written (RocketMQ's
   * real-time flush); true (RocketMQ's default) waits for the timer or
   * COMMIT_LOG_ASYNC_SYNC_BYTES, whichever comes first
   */
  readonly flushCommitLogTimed: boolean;
  readonly syncFlushTimeout: number;
}

/** Options of {@linkcode CommitLogFlusher}; names follow MessageStoreConfig. */
export interface CommitLogFlusherOptions extends CommitLogFlushSettings {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly commitLog: CommitLog;
  readonly flushDiskType: FlushDiskType;
  /** told about an I/O failure; the flusher stops writing after one */
  readonly onError: (error: Error) => void;
}

const UNKNOWN_ERROR: FlushWaitResult = { status: "UNKNOWN_ERROR" };

/** The flush loops; see the module doc. */
export class CommitLogFlusher {
  readonly #o: CommitLogFlusherOptions;
  /** the flush keys in force (the options', then each update's) */
  #s: CommitLogFlushSettings;
  readonly #eagerBytes: number;
  /** written, unsynced bytes that make the writer request a sync (ASYNC_FLUSH; else infinite) */
  #syncAfterBytes = 0;
  readonly #waiters = new FlusherWaiters();
  #writer: Promise<void> | null = null;
  #writeDeferred: ReturnType<typeof setImmediate> | undefined;
  #syncer: Promise<void> | null = null;
  #syncDeferred: ReturnType<typeof setImmediate> | undefined;
  #syncRequested = false;
  /** the end offset the running round makes durable (its bytes count as being synced) */
  #roundTarget = 0;
  #writtenOffset = 0;
  /** puts waiting for their bytes to reach the file ({@linkcode waitWritten}); no deadline */
  readonly #writeWaiters = new FlusherWaiters();
  #flushedOffset = 0;
  #flushedTimestamp = 0;
  #lastThoroughMs: number;
  #intervalTimer: ReturnType<typeof setTimeout> | undefined;
  #timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  #failure: Error | null = null;
  #stopped = false;
  /** told once the next round (or timeout sweep) has resolved waiters, or the flusher ended */
  #roundListeners: Array<() => void> = [];
  readonly #stats = zeroFlushStats();

  /** @param options commit log, file system, clock, policy */
  constructor(options: CommitLogFlusherOptions) {
    this.#o = options;
    this.#s = options;
    this.#eagerBytes = options.flushDiskType === "SYNC_FLUSH"
      ? COMMIT_LOG_WRITE_EAGER_SYNC_BYTES
      : COMMIT_LOG_WRITE_EAGER_BYTES;
    this.updateSettings(options);
    this.#lastThoroughMs = options.clock.now();
    this.reset();
  }

  /**
   * Takes flush keys changed at runtime (UPDATE_BROKER_CONFIG), as RocketMQ's flush services
   * re-read them each round: a new interval re-arms the waiting timer, a new syncFlushTimeout
   * applies to later waiters (earlier ones keep their deadline).
   * @param settings the keys
   */
  updateSettings(settings: CommitLogFlushSettings): void {
    const intervalChanged = settings.flushIntervalCommitLog !== this.#s.flushIntervalCommitLog;
    this.#s = { ...settings };
    const leastBytes = settings.flushCommitLogLeastPages * OS_PAGE_BYTES;
    this.#syncAfterBytes = this.#o.flushDiskType === "SYNC_FLUSH"
      ? Number.POSITIVE_INFINITY
      : settings.flushCommitLogTimed
      ? Math.max(COMMIT_LOG_ASYNC_SYNC_BYTES, leastBytes)
      : Math.max(1, leastBytes);
    if (intervalChanged && this.#intervalTimer !== undefined) {
      clearTimeout(this.#intervalTimer);
      this.#scheduleInterval();
    }
  }

  /** Re-reads the watermarks from the commit log (after load/recovery). */
  reset(): void {
    const end = this.#o.commitLog.getMaxOffset();
    this.#writtenOffset = end;
    this.#flushedOffset = end;
    this.#roundTarget = end;
  }

  /** bytes of the log in the files (the page cache), synced or not */
  get writtenOffset(): number {
    return this.#writtenOffset;
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

  /** Tells `listener` each ended wait's time from its put's start, ms (put-time stats). */
  set onWaitEnded(listener: (elapsedMs: number, nowMs: number) => void) {
    this.#waiters.onSettled = listener;
  }

  /** SYNC_FLUSH appenders waiting for a sync */
  get waiterCount(): number {
    return this.#waiters.size;
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
   * Bytes were appended. At least the eager size unwritten starts the writer now; fewer are
   * written on the next event-loop turn, so a burst of appends shares one write.
   */
  kick(): void {
    if (this.#writer !== null || this.#failure !== null || this.#stopped) return;
    const unwritten = this.#o.commitLog.getMaxOffset() - this.#writtenOffset;
    if (unwritten >= this.#eagerBytes) {
      this.#startWriter();
    } else if (unwritten > 0 && this.#writeDeferred === undefined) {
      this.#writeDeferred = setImmediate(() => {
        this.#writeDeferred = undefined;
        this.#startWriter();
      });
    }
  }

  /** @returns the running writer (started when bytes wait and none runs) */
  #startWriter(): Promise<void> {
    if (this.#writer !== null) return this.#writer;
    if (this.#failure !== null || this.#writtenOffset >= this.#o.commitLog.getMaxOffset()) {
      return Promise.resolve();
    }
    const writer: Promise<void> = this.#write().then(() => {
      if (this.#writer === writer) this.#writer = null;
      if (this.#failure === null) this.kick(); // bytes appended during the last write
    });
    this.#writer = writer;
    return writer;
  }

  /**
   * Writes every appended byte, one chunk piece at a time; then goes on only while at least
   * the eager size waits, so it does not chase the appender message by message.
   */
  async #write(): Promise<void> {
    const { commitLog, fs } = this.#o;
    try {
      let target = commitLog.getMaxOffset();
      while (this.#writtenOffset < target && this.#failure === null) {
        const segment = commitLog.segmentFor(this.#writtenOffset)!;
        const written = await segment.writeNext(fs, COMMIT_LOG_WRITE_BYTES_MAX);
        this.#stats.writeCount++;
        this.#stats.writtenBytes += written;
        this.#writtenOffset = segment.fileFromOffset + segment.writtenPosition;
        if (this.#writeWaiters.size > 0) this.#writeWaiters.settle(this.#writtenOffset, 0);
        const unsynced = this.#writtenOffset - Math.max(this.#flushedOffset, this.#roundTarget);
        if (unsynced >= this.#syncAfterBytes) this.#requestSync();
        if (written === 0) break;
        if (this.#writtenOffset >= target) {
          const next = commitLog.getMaxOffset();
          if (next - this.#writtenOffset >= this.#eagerBytes) target = next;
        }
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /**
   * A sync is wanted: a running round picks it up; otherwise a round starts on the next turn
   * (setImmediate, ~3 µs), after the current burst of appends, so they share one sync.
   */
  #requestSync(): void {
    this.#syncRequested = true;
    if (this.#syncer !== null || this.#failure !== null || this.#syncDeferred !== undefined) {
      return;
    }
    if (this.#stopped) return;
    this.#syncDeferred = setImmediate(() => {
      this.#syncDeferred = undefined;
      this.#startSyncer();
    });
  }

  #startSyncer(): Promise<void> {
    if (this.#syncer !== null) return this.#syncer;
    const syncer: Promise<void> = this.#syncRounds().then(() => {
      if (this.#syncer === syncer) this.#syncer = null;
      // A request that came after the last round's check.
      if (this.#syncRequested && this.#failure === null) this.#requestSync();
    });
    this.#syncer = syncer;
    return syncer;
  }

  /**
   * Waits until every byte below `endOffset` is durable (SYNC_FLUSH with WAIT=true).
   * @param result the append being waited for, handed back in the outcome
   * @param beginMs when its put began (injected clock), for {@linkcode onWaitEnded}
   * @param nowMs the clock's now when the caller has just read it (the wait's deadline base)
   * @returns PUT_OK, FLUSH_DISK_TIMEOUT after syncFlushTimeout, or UNKNOWN_ERROR after an I/O failure
   */
  waitFlushed(
    endOffset: number,
    result: AppendMessageResult,
    beginMs = this.#o.clock.now(),
    nowMs?: number,
  ): Promise<FlushWaitResult> {
    if (this.#failure !== null) return Promise.resolve(UNKNOWN_ERROR);
    if (endOffset <= this.#flushedOffset) {
      return Promise.resolve({ status: "PUT_OK", appendMessageResult: result });
    }
    // The clock, not the store time: while the wall clock is behind the log's newest store time
    // (CommitLog.raiseStoreTimeFloor) the store time is later than now.
    const deadlineMs = (nowMs ?? this.#o.clock.now()) + this.#s.syncFlushTimeout;
    const outcome = this.#waiters.add(endOffset, deadlineMs, result, beginMs);
    if (this.#timeoutTimer === undefined) this.#armTimeout();
    this.#requestSync();
    return outcome;
  }

  /**
   * @returns a promise settled once waiters were next resolved (a sync round or the timeout
   *   sweep), or the flusher stopped or failed: when a put waits for the waiter queue to shrink
   */
  nextRound(): Promise<void> {
    if (this.#stopped || this.#failure !== null) return Promise.resolve();
    return new Promise((resolve) => this.#roundListeners.push(resolve));
  }

  #roundEnded(): void {
    if (this.#roundListeners.length === 0) return;
    const listeners = this.#roundListeners;
    this.#roundListeners = [];
    for (const listener of listeners) listener();
  }

  /**
   * Waits until every byte below `endOffset` reached the file, the OS page cache, not
   * necessarily synced: where a RocketMQ broker's mapped file holds a put when it answers
   * under ASYNC_FLUSH, so a killed process loses none of it.
   * @param result the append being waited for, handed back in the outcome
   * @returns PUT_OK once written; UNKNOWN_ERROR when the flusher failed or stopped first
   */
  waitWritten(endOffset: number, result: AppendMessageResult): Promise<FlushWaitResult> {
    if (endOffset <= this.#writtenOffset) {
      return Promise.resolve({ status: "PUT_OK", appendMessageResult: result });
    }
    if (this.#failure !== null || this.#stopped) return Promise.resolve(UNKNOWN_ERROR);
    const waiting = this.#writeWaiters.add(endOffset, Number.POSITIVE_INFINITY, result, 0);
    this.kick();
    return waiting;
  }

  /** Waits until every appended byte reached the file (not necessarily synced), or a stop. */
  async drainWrites(): Promise<void> {
    const target = this.#o.commitLog.getMaxOffset();
    while (this.#writtenOffset < target && this.#failure === null && !this.#stopped) {
      await this.#startWriter();
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
      await this.#startSyncer();
    }
    if (this.#failure !== null) throw this.#failure;
    this.#lastThoroughMs = this.#o.clock.now();
  }

  /**
   * Stops the timers and waits for the running loops. Waiters still pending (only possible
   * without a final `flush()`) get UNKNOWN_ERROR.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#intervalTimer);
    clearTimeout(this.#timeoutTimer);
    clearImmediate(this.#writeDeferred);
    clearImmediate(this.#syncDeferred);
    this.#intervalTimer =
      this.#timeoutTimer =
      this.#writeDeferred =
      this.#syncDeferred =
        undefined;
    while (this.#writer !== null || this.#syncer !== null) {
      await this.#writer;
      await this.#syncer;
    }
    this.#resolveAll();
  }

  #hasUnsyncedSegment(): boolean {
    const segment = this.#o.commitLog.segments.at(-1);
    return segment !== undefined && segment.needsDirSync;
  }

  /** Sync rounds while requested: capture the end, have it written, sync, resolve waiters. */
  async #syncRounds(): Promise<void> {
    const { commitLog, clock } = this.#o;
    try {
      while (this.#syncRequested && this.#failure === null) {
        // Capture the end once so a stream of appends cannot postpone the sync.
        this.#syncRequested = false;
        const target = commitLog.getMaxOffset();
        this.#roundTarget = target;
        const targetTimestamp = commitLog.lastStoreTimestamp;
        const startedMs = performance.now();
        while (this.#writtenOffset < target && this.#failure === null) await this.#startWriter();
        if (this.#failure !== null) return;
        const syncStartedMs = performance.now();
        await this.#syncUpTo(target);
        const endedMs = performance.now();
        this.#stats.syncWaitMsTotal += endedMs - syncStartedMs;
        this.#recordRound(endedMs - startedMs);
        if (target > this.#flushedOffset) {
          this.#flushedOffset = target;
          if (targetTimestamp > this.#flushedTimestamp) this.#flushedTimestamp = targetTimestamp;
        }
        this.#resolveFlushed(clock.now());
        this.#roundEnded();
        // Waiters that appended during this sync: sync again at once.
        if (this.#waiters.size > 0) this.#syncRequested = true;
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Syncs every segment holding unsynced bytes below `target` (and new folder entries). */
  async #syncUpTo(target: number): Promise<void> {
    const { commitLog, fs } = this.#o;
    // A snapshot: retention may remove the oldest segments meanwhile.
    const segments = [...commitLog.segments];
    for (const segment of segments) {
      const end = segment.fileFromOffset + segment.fileSize;
      if (end <= this.#flushedOffset && !segment.needsDirSync) continue;
      if (segment.fileFromOffset >= target && !segment.needsDirSync) break;
      const syncing = segment.sync(fs, commitLog.dir);
      // The disk works; the thread touches memory the next appends will use.
      commitLog.chunkPool.warm(COMMIT_LOG_WARM_SLICE_BYTES);
      await syncing;
    }
    this.#stats.syncCount++;
  }

  #recordRound(latencyMs: number): void {
    this.#stats.lastFlushLatencyMs = latencyMs;
    if (latencyMs > this.#stats.maxFlushLatencyMs) this.#stats.maxFlushLatencyMs = latencyMs;
  }

  #fail(error: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = error instanceof Error ? error : new Error(String(error));
    this.#resolveAll();
    this.#o.onError(this.#failure);
  }

  /** Resolves, in one pass, every waiter the flushed offset covers or whose deadline passed. */
  #resolveFlushed(nowMs: number): void {
    this.#waiters.settle(this.#flushedOffset, nowMs);
  }

  #resolveAll(): void {
    this.#waiters.settleAll(UNKNOWN_ERROR);
    this.#writeWaiters.settleAll(UNKNOWN_ERROR);
    this.#roundEnded();
  }

  /**
   * The deadline sweep: one timer while waiters exist, firing at the oldest waiter's deadline
   * but at least every SYNC_FLUSH_TIMEOUT_CHECK_MS (the injected clock may jump).
   */
  #armTimeout(): void {
    if (this.#timeoutTimer !== undefined || this.#stopped) return;
    const deadlineMs = this.#waiters.oldestDeadlineMs;
    if (deadlineMs === undefined) return;
    const delayMs = Math.max(
      1,
      Math.min(deadlineMs - this.#o.clock.now(), SYNC_FLUSH_TIMEOUT_CHECK_MS),
    );
    this.#timeoutTimer = setTimeout(() => {
      this.#timeoutTimer = undefined;
      this.#resolveFlushed(this.#o.clock.now());
      this.#roundEnded();
      this.#armTimeout();
    }, delayMs);
  }

  #scheduleInterval(): void {
    if (this.#stopped) return;
    this.#intervalTimer = setTimeout(() => {
      this.#intervalTimer = undefined;
      this.#onInterval();
      this.#scheduleInterval();
    }, this.#s.flushIntervalCommitLog);
  }

  #onInterval(): void {
    const nowMs = this.#o.clock.now();
    const dirtyBytes = this.#o.commitLog.getMaxOffset() - this.#flushedOffset;
    const thorough = nowMs - this.#lastThoroughMs >= this.#s.flushCommitLogThoroughInterval;
    const leastBytes = this.#s.flushCommitLogLeastPages * OS_PAGE_BYTES;
    if (thorough) this.#lastThoroughMs = nowMs;
    if (dirtyBytes > 0 && (thorough || dirtyBytes >= leastBytes)) this.wakeup();
  }
}

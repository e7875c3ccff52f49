/**
 * The message store facade (RocketMQ's DefaultMessageStore, without its logic): wires the commit
 * log, its flusher, recovery, the consume queues, the index, retention and the checkpoint, and
 * exposes the calls the broker makes. Every rule lives in a component.
 *
 * @module
 */

import { type Clock, systemClock } from "../common/clock.ts";
import type { CleanResult } from "./clean_service.ts";
import type { CommitLog } from "./commit_log.ts";
import type { RecoveryReport } from "./commit_log_recovery.ts";
import type { ConsumeQueueStore } from "./consume_queue_store.ts";
import type { CommitLogDispatcher } from "./dispatch_request.ts";
import type { FileLock, FileSystem } from "./file_system.ts";
import { lockStoreFolder } from "./store_lock.ts";
import { getMessage } from "./get_message.ts";
import { queryMessage } from "./query_message.ts";
import { offsetInQueueByTime, storeTimestampAt } from "./consume_queue_time_search.ts";
import type { IndexService } from "./index_service.ts";
import type { GetMessageResult, MessageFilter } from "./get_message_result.ts";
import {
  decodeRecord,
  type MessageExtBrokerInner,
  type MessageRecord,
  RecordDecodeError,
} from "./message_record.ts";
import { type MessageStoreConfig, resolveMessageStoreConfig } from "./message_store_config.ts";
import type { PutMessageResult } from "./put_message_status.ts";
import { resolveStorePaths, type StorePaths } from "./store_paths.ts";
import {
  type MessageStoreOptions,
  type MessageStoreStats,
  type QueryMessageResult,
} from "./message_store_options.ts";
import { applyLiveConfig, createStoreServices, type StoreServices } from "./_store_services.ts";
import { recoverStore } from "./_store_recovery.ts";
import type { StoreStatsService } from "./store_stats_service.ts";

export type { MessageStoreOptions, MessageStoreStats, QueryMessageResult };

const DEFAULT_PHYSICAL_MEMORY_BYTES = 8 * 1024 ** 3;
type State = "created" | "starting" | "running" | "stopping" | "stopped";

/**
 * The message store; see the module doc.
 * @example
 * ```ts
 * import { MessageStore } from "./message_store.ts";
 * import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
 * import { hostAddress } from "./message_id.ts";
 * const host = hostAddress("127.0.0.1", 10911);
 * const config = { storePathRootDir: "/store" };
 * const store = new MessageStore({ fs: new MemoryFileSystem(), storeHost: host, config });
 * await store.start();
 * const body = new TextEncoder().encode("hello");
 * const message = { topic: "T", queueId: 0, flag: 0, body, properties: "", sysFlag: 0 };
 * await store.putMessage({ ...message, bornTimestamp: 1, bornHost: host });
 * await store.waitDispatched(); // consume queues are written behind the commit log
 * if ((await store.getMessage("G", "T", 0, 0, 32))?.messages.length !== 1) throw new Error();
 * await store.shutdown();
 * ```
 */
export class MessageStore {
  /** the resolved configuration; {@linkcode updateConfig} changes its live keys */
  readonly config: MessageStoreConfig;
  /** the resolved folder layout */
  readonly paths: StorePaths;
  /** the commit log */
  readonly commitLog: CommitLog;
  /** every consume queue */
  readonly consumeQueueStore: ConsumeQueueStore;
  /** the key index (always there: messageIndexEnable decides, per record, what it takes) */
  readonly indexService: IndexService;
  /** put and get timings and get outcomes (GET_BROKER_RUNTIME_INFO) */
  readonly storeStatsService: StoreStatsService;
  readonly #fs: FileSystem;
  readonly #clock: Clock;
  readonly #services: StoreServices;
  readonly #physicalMemoryBytes: number;
  readonly #onError: (error: Error) => void;
  readonly #ackAfterWrite: boolean;
  #state: State = "created";
  /** the store folder's lock, held from `start` to `shutdown` or `halt` */
  #lock: FileLock | null = null;
  #recovery: RecoveryReport | null = null;
  #reputBytes = 0;

  /** @param options file system, clock, config, store host and hooks */
  constructor(options: MessageStoreOptions) {
    this.config = resolveMessageStoreConfig(options.config);
    const config = this.config;
    // storePathRootDir, storePathCommitLog, storePathConsumeQueue and storePathIndex
    this.paths = resolveStorePaths({ ...config, home: config.storePathRootDir });
    this.#fs = options.fs;
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? ((error) => console.error(error));
    this.#physicalMemoryBytes = options.physicalMemoryBytes ?? DEFAULT_PHYSICAL_MEMORY_BYTES;
    const services = this.#services = createStoreServices({
      options,
      config,
      paths: this.paths,
      clock: this.#clock,
      onError: this.#onError,
    });
    this.consumeQueueStore = services.consumeQueueStore;
    this.indexService = services.indexService;
    this.commitLog = services.commitLog;
    this.#ackAfterWrite = options.ackAfterWrite === true;
    this.storeStatsService = services.storeStatsService;
  }

  #setState(state: State): void {
    this.#state = state;
    this.#services.putPath.running = state === "running";
  }

  /**
   * Applies keys changed at runtime (UPDATE_BROKER_CONFIG): see `STORE_LIVE_KEYS`; the others
   * keep their startup values, as in RocketMQ.
   * @param next the whole new configuration
   * @throws {RangeError} for a bad retention key; nothing changes then
   */
  updateConfig(next: MessageStoreConfig): void {
    applyLiveConfig(this.#services, this.config, next);
  }

  /** bytes behind the log end still in memory (RocketMQ reads the ratio on each use) */
  get #memoryBytes(): number {
    return this.#physicalMemoryBytes * (this.config.accessMessageInMemoryMaxRatio / 100);
  }

  /** Adds a follower of the commit log (e.g. HA); register before `start()` to see recovery. */
  registerDispatcher(dispatcher: CommitLogDispatcher): void {
    this.#services.reput.register(dispatcher);
  }

  /**
   * Locks the folder, loads and recovers every file (store.md §6), starts the background work.
   * @throws {StoreLockedError} when another store (in any process) has the folder
   * @throws when the files cannot be loaded
   */
  async start(): Promise<void> {
    if (this.#state !== "created") {
      throw new Error(`Cannot start message store: it is ${this.#state}`);
    }
    this.#setState("starting");
    const { fs, paths } = { fs: this.#fs, paths: this.paths };
    await fs.mkdir(paths.rootDir);
    this.#lock = await lockStoreFolder(fs, paths.lock); // before the abort file is read
    await this.#load().catch(async (error) => {
      // What the load opened; a close that fails must not hide why, nor keep the lock.
      await this.#close(false).catch(this.#onError).finally(() => this.#releaseLock());
      throw error;
    });
  }

  async #load(): Promise<void> {
    const { fs, paths } = { fs: this.#fs, paths: this.paths };
    await fs.mkdir(paths.consumeQueue); // retention watches its volume
    const recovered = await recoverStore({
      fs,
      config: this.config,
      checkpoint: this.#services.checkpoint,
      commitLog: this.commitLog,
      consumeQueueStore: this.consumeQueueStore,
      indexService: this.indexService,
      reput: this.#services.reput,
      abnormal: (await fs.stat(paths.abort)) !== null,
    });
    this.#recovery = recovered.recovery;
    this.#reputBytes = recovered.reputBytes;
    await this.commitLog.prepareSegments();
    this.#services.flusher.reset();
    const abort = await fs.open(paths.abort, { create: true });
    abort.close();
    await fs.syncDir(paths.rootDir);
    this.#services.flusher.start();
    this.#services.checkpointService.start();
    await this.#services.cleanService.start(); // measures the disk first
    this.#services.reput.notifying = true;
    this.#setState("running");
  }

  /** Flushes everything, writes the checkpoint, deletes the abort file and closes the files. */
  async shutdown(): Promise<void> {
    if (this.#state !== "running") {
      throw new Error(`Cannot shut down message store: it is ${this.#state}`);
    }
    this.#setState("stopping");
    this.#services.reput.notifying = false;
    await this.#services.cleanService.stop();
    await this.#services.checkpointService.stop();
    await this.#services.flusher.flush();
    await this.#services.flusher.stop();
    await this.#services.reput.drain();
    await this.#services.checkpointService.flush(true);
    await this.#close(true);
    // A broken index skipped records: the abort file stays, and the next start re-indexes them.
    if (this.#services.indexService.failure === null) await this.#fs.remove(this.paths.abort);
    await this.#fs.syncDir(this.paths.rootDir);
    await this.#releaseLock();
    this.#setState("stopped");
  }

  /**
   * Stops like a crash (tests, benchmarks): timers stop and files close, nothing is flushed,
   * the abort file stays. Pending SYNC_FLUSH puts resolve UNKNOWN_ERROR.
   */
  async halt(): Promise<void> {
    this.#setState("stopping");
    await this.#services.cleanService.stop();
    await this.#services.checkpointService.stop();
    await this.#services.flusher.stop();
    await this.#services.reput.drain();
    await this.#close(false);
    await this.#releaseLock(); // as a crashed process's lock goes with it
    this.#setState("stopped");
  }

  async #releaseLock(): Promise<void> {
    const lock = this.#lock;
    this.#lock = null;
    await lock?.release();
  }

  /** @param flush false (halt) drops what the consume queues and index hold in memory */
  async #close(flush: boolean): Promise<void> {
    await this.consumeQueueStore.close(flush);
    await this.indexService.close(flush);
    this.#services.checkpoint.close();
    await this.commitLog.close();
  }

  /** Waits until every dispatcher (consume queues, index, HA) applied every appended record. */
  async waitDispatched(): Promise<void> {
    await this.#services.reput.drain();
  }

  /**
   * Runs the consume-queue, index and checkpoint flush round now, as its timer does (tests).
   * @param thorough as every `flushConsumeQueueThoroughInterval`: everything, index synced
   */
  async flushLogics(thorough: boolean): Promise<void> {
    await this.#services.checkpointService.flush(thorough);
  }

  /** Writes and syncs everything appended so far (tests, admin). */
  async flush(): Promise<void> {
    await this.#services.flusher.flush();
    await this.#services.checkpointService.flush(true);
  }

  /**
   * Stores one message (store.md §2, §7). A busy store (sync waiters, a dispatcher's backlog,
   * segment buffers) holds the put up to `osPageCacheBusyTimeOutMills` for room.
   * @returns PUT_OK (or a flush/replication timeout, message kept) with the append result, or
   *   why nothing was stored (OS_PAGECACHE_BUSY when room did not come in time)
   */
  putMessage(message: MessageExtBrokerInner): Promise<PutMessageResult> {
    return this.#services.putPath.putMessage(message);
  }

  /** A batch of one topic and queue, consecutive records (message-format.md §7); see putMessage. */
  putMessages(messages: readonly MessageExtBrokerInner[]): Promise<PutMessageResult> {
    return this.#services.putPath.putMessages(messages);
  }

  /**
   * One retention pass now (store.md §9): deletes commit-log files if due, then consume-queue
   * and index files below the new min offset, and re-measures the disk (a full store accepts
   * puts again once use falls below diskSpaceWarningLevelRatio).
   * @returns what the pass did
   * @example
   * ```ts
   * import { MessageStore } from "./message_store.ts";
   * import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
   * import { hostAddress } from "./message_id.ts";
   * const config = { storePathRootDir: "/store" };
   * const store = new MessageStore({ fs: new MemoryFileSystem(), storeHost: hostAddress("127.0.0.1", 1), config });
   * await store.start();
   * console.assert((await store.runCleanOnce()).deletedSegments === 0);
   * await store.shutdown();
   * ```
   */
  runCleanOnce(): Promise<CleanResult> {
    return this.#services.cleanService.run();
  }

  /**
   * DELETE_EXPIRED_COMMITLOG (RocketMQ `executeDeleteFilesManually`): expired files are deleted
   * at any hour for the next MANUAL_DELETE_FILE_SEVERAL_TIMES passes; the first runs now.
   * @returns what the first pass did
   */
  deleteExpiredFiles(): Promise<CleanResult> {
    this.#services.cleanService.requestManualDelete();
    return this.#services.cleanService.run();
  }

  /**
   * Reads up to `maxMsgNums` records of a queue from `offset` (store.md §8).
   * @param group consumer group (kept for RocketMQ's signature and metrics)
   * @param filter tag-code (and optionally record) filter
   * @returns the status, next offset and records; null when stopped or the writer failed first
   */
  async getMessage(
    _group: string,
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: MessageFilter,
  ): Promise<GetMessageResult | null> {
    if (this.#state !== "running") return null;
    const beginMs = this.#clock.now();
    const flusher = this.#services.flusher;
    // ackAfterWrite: serve only what is in the file, which a killed process keeps. Only a read that
    // found nothing before a record not written yet waits for the writer (not another queue's).
    const read = () =>
      getMessage({
        queue: this.consumeQueueStore.findConsumeQueue(topic, queueId),
        commitLog: this.commitLog,
        config: this.config,
        memoryBytes: this.#memoryBytes,
        readableEnd: this.#ackAfterWrite ? flusher.writtenOffset : undefined,
        committedMaxOffset: () => this.getMaxOffsetInQueue(topic, queueId),
      }, { offset, maxMsgNums, filter });
    let result = await read();
    if (
      this.#ackAfterWrite && result.status === "NO_MATCHED_MESSAGE" &&
      result.nextBeginOffset < this.getMaxOffsetInQueue(topic, queueId, false) &&
      flusher.writtenOffset < this.commitLog.getMaxOffset()
    ) {
      await flusher.drainWrites();
      if (this.#state !== "running") return null;
      result = await read();
    }
    // Stopped before a record the failed writer never wrote: SYSTEM_ERROR, not a retry-at-once.
    const unwritten = result.status === "NO_MATCHED_MESSAGE" && result.nextBeginOffset === offset;
    if (unwritten && flusher.failure !== null) return null;
    const elapsedMs = this.#clock.now() - beginMs;
    this.storeStatsService.onGet(result.status === "FOUND", result.messages.length, elapsedMs);
    return result;
  }

  /**
   * @param committed false: also count messages not in the file yet (ackAfterWrite), which a
   *   killed process loses and whose offsets then go to later messages
   * @returns the queue's next offset (0 when unknown)
   */
  getMaxOffsetInQueue(topic: string, queueId: number, committed = true): number {
    const queue = this.consumeQueueStore.findConsumeQueue(topic, queueId);
    if (queue === undefined) return 0;
    const tail = committed ? this.#services.unwrittenTail : undefined;
    return tail === undefined
      ? queue.maxOffset
      : tail.committedEnd(topic, queueId, queue.maxOffset);
  }

  /** @returns the queue's smallest readable offset (0 when unknown) */
  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueueStore.findConsumeQueue(topic, queueId)?.minOffset ?? 0;
  }

  /**
   * Whether the record at a queue offset lies beyond the in-memory window
   * (`accessMessageInMemoryMaxRatio` of RAM behind the log end): RocketMQ's
   * `checkInDiskByConsumeOffset`, which QUERY_CONSUMER_OFFSET's new-group rule asks.
   * @returns false when the queue or the unit is unknown
   */
  async checkInDiskByConsumeOffset(
    topic: string,
    queueId: number,
    offset: number,
  ): Promise<boolean> {
    const queue = this.consumeQueueStore.findConsumeQueue(topic, queueId);
    if (queue === undefined || offset < queue.minOffset || offset >= queue.maxOffset) return false;
    const units = queue.readUnitsCached(offset, 1) ?? await queue.readUnits(offset, 1);
    if (units === null || units.isBlank(0)) return false;
    return this.commitLog.getMaxOffset() - units.physicalOffset(0) > this.#memoryBytes;
  }

  /**
   * @param boundary "lower": the first offset stored at or after `timestampMs` (the max offset
   *   when all are older); "upper" (5.x): the last stored at or before it (the min offset when
   *   all are newer)
   * @returns the offset (0 when the queue is unknown)
   */
  async getOffsetInQueueByTime(
    topic: string,
    queueId: number,
    timestampMs: number,
    boundary: "lower" | "upper" = "lower",
  ): Promise<number> {
    const queue = this.consumeQueueStore.findConsumeQueue(topic, queueId);
    if (queue === undefined) return 0;
    const maxOffset = this.getMaxOffsetInQueue(topic, queueId);
    return await offsetInQueueByTime(queue, this.commitLog, timestampMs, boundary, maxOffset);
  }

  /** @returns STORETIMESTAMP of the record at a queue offset, -1 when unreadable */
  async getMessageStoreTimeStamp(
    topic: string,
    queueId: number,
    consumeQueueOffset: number,
  ): Promise<number> {
    const queue = this.consumeQueueStore.findConsumeQueue(topic, queueId);
    const units = await queue?.readUnits(consumeQueueOffset, 1);
    if (!units || units.count === 0) return -1;
    return await storeTimestampAt(this.commitLog, units.physicalOffset(0));
  }

  /**
   * @returns store time of the queue's first message, or (no arguments) of the commit log's
   *   first record; -1 when there is none
   */
  async getEarliestMessageTime(topic?: string, queueId?: number): Promise<number> {
    if (topic === undefined || queueId === undefined) {
      return await storeTimestampAt(this.commitLog, this.commitLog.getMinOffset());
    }
    const min = this.getMinOffsetInQueue(topic, queueId);
    return await this.getMessageStoreTimeStamp(topic, queueId, min);
  }

  /**
   * @returns the decoded record at a commit-log offset, or null when none starts there or it
   *   does not decode (VIEW_MESSAGE_BY_ID: the offset comes from a client's message id)
   */
  async lookMessageByOffset(physicalOffset: number): Promise<MessageRecord | null> {
    const bytes = await this.commitLog.readRecord(physicalOffset);
    if (bytes === null) return null;
    try {
      return decodeRecord(bytes);
    } catch (error) {
      if (error instanceof RecordDecodeError) return null;
      throw error;
    }
  }

  /**
   * Finds records by key or unique key through the index (QUERY_MESSAGE, store.md §4).
   * @param maxNum records wanted (capped at maxMsgsNumBatch)
   * @param beginMs store-time range start
   * @param endMs store-time range end
   * @returns the records (hash collisions possible; clients filter) and the index's end values
   */
  async queryMessage(
    topic: string,
    key: string,
    maxNum: number,
    beginMs: number,
    endMs: number,
  ): Promise<QueryMessageResult> {
    return await queryMessage(
      { index: this.indexService, readRecord: (offset) => this.commitLog.readRecord(offset) },
      { topic, key, maxNum, beginMs, endMs },
    );
  }

  /** @returns the exact record bytes at a commit-log offset, or null */
  selectOneMessageByOffset(physicalOffset: number): Promise<Uint8Array | null> {
    return this.commitLog.readRecord(physicalOffset);
  }

  /** @returns the commit log's smallest offset */
  getCommitLogMinOffset(): number {
    return this.commitLog.getMinOffset();
  }

  /** @returns the offset just past the last appended record */
  getCommitLogMaxOffset(): number {
    return this.commitLog.getMaxOffset();
  }

  /** @returns the store clock's time (ms) */
  now(): number {
    return this.#clock.now();
  }

  /** @returns runtime figures for metrics */
  stats(): MessageStoreStats {
    return {
      putMessageTimesTotal: this.#services.putPath.stats.puts,
      putMessageSizeTotal: this.#services.putPath.stats.putBytes,
      putMessageFailedTimes: this.#services.putPath.stats.putFailures,
      getMessageTimesTotal: this.storeStatsService.getMessageTimesTotal,
      getMessageTransferredMsgCount: this.storeStatsService.getMessageTransferredMsgCount,
      commitLogMinOffset: this.commitLog.getMinOffset(),
      commitLogMaxOffset: this.commitLog.getMaxOffset(),
      flushedOffset: this.#services.flusher.flushedOffset,
      dispatchBehindBytes: this.commitLog.getMaxOffset() - this.#services.reput.dispatchedOffset,
      flush: this.#services.flusher.stats(),
      recovery: this.#recovery,
      reputBytes: this.#reputBytes,
    };
  }
}

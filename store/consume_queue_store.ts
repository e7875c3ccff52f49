/**
 * Every consume queue of the store (one per topic × queueId, created on first use) and the
 * commit-log dispatcher that fills them (`shared/spec/store.md` §3, §6).
 *
 * @module
 */

import { ConsumeQueue, isSafeTopicFolder } from "./consume_queue.ts";
import type { CommitLogDispatcher, DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import { CONSUME_QUEUE_FILE_BYTES_DEFAULT, CONSUME_QUEUE_OPEN_FILES_MAX } from "./limits.ts";
import { FileHandleCache } from "./file_handle_cache.ts";
import { joinPath } from "./store_paths.ts";

/** Transaction-type bits of sysFlag (message-format.md §3). */
const TRANSACTION_TYPE_MASK = 0xc;
/** PREPARED (half message): not dispatched to consume queues. */
const TRANSACTION_PREPARED_TYPE = 0x4;
/** ROLLBACK: not dispatched to consume queues. */
const TRANSACTION_ROLLBACK_TYPE = 0xc;

/** Construction options of {@linkcode ConsumeQueueStore}. */
export interface ConsumeQueueStoreOptions {
  /** all I/O goes through it */
  readonly fs: FileSystem;
  /** `storePathConsumeQueue` */
  readonly rootDir: string;
  /** `mappedFileSizeConsumeQueue` (default 6 000 000) */
  readonly fileBytes?: number;
  /** receives anomalies that do not stop the store (default console.warn) */
  readonly onWarning?: (message: string) => void;
}

/** Offsets of one queue, as the commit log needs them to rebuild its queue-offset table. */
export interface QueueOffsets {
  /** the topic */
  readonly topic: string;
  /** the queue id */
  readonly queueId: number;
  /** smallest readable logical offset */
  readonly minOffset: number;
  /** next logical offset (the commit log assigns it to the next message) */
  readonly maxOffset: number;
}

/**
 * See the module doc. Start-up order: `load()`, `recover()`, commit-log recovery,
 * `truncateDirty(commitLogMaxOffset)`, `correctMinOffset(commitLogMinOffset)`, then resume the
 * reput from `max(maxPhysicalOffset(), commitLogMinOffset)`.
 *
 * @example
 * ```ts
 * import { ConsumeQueueStore } from "./consume_queue_store.ts";
 * import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
 * const store = new ConsumeQueueStore({ fs: new MemoryFileSystem(), rootDir: "/cq" });
 * store.dispatch({
 *   topic: "TopicTest", queueId: 0, commitLogOffset: 0, msgSize: 120, tagsCode: 0,
 *   storeTimestamp: 1, consumeQueueOffset: 0, keys: "", sysFlag: 0, preparedTransactionOffset: 0,
 * });
 * console.assert(store.findConsumeQueue("TopicTest", 0)?.maxOffset === 1);
 * await store.close();
 * ```
 */
export class ConsumeQueueStore implements CommitLogDispatcher {
  readonly #fs: FileSystem;
  readonly #rootDir: string;
  readonly #fileBytes: number;
  readonly #onWarning?: (message: string) => void;
  readonly #topics = new Map<string, Map<number, ConsumeQueue>>();
  /** per topic, its file deletions under way (settled: never rejects) */
  readonly #deleting = new Map<string, Promise<void>>();
  readonly #handles: FileHandleCache;
  #lastDispatchedStoreTimestamp = 0;
  #flushedStoreTimestamp = 0;
  /** the commit-log min offset of the last retention call that every queue finished */
  #cleanedBelow = 0;

  /** @param options file system, folder and file size */
  constructor(options: ConsumeQueueStoreOptions) {
    this.#fs = options.fs;
    this.#rootDir = options.rootDir;
    this.#fileBytes = options.fileBytes ?? CONSUME_QUEUE_FILE_BYTES_DEFAULT;
    this.#onWarning = options.onWarning;
    this.#handles = new FileHandleCache(options.fs, CONSUME_QUEUE_OPEN_FILES_MAX);
  }

  /**
   * Store time of the newest unit known durable: set by a full `flush(0)` to the newest store
   * time dispatched before it began. The checkpoint's logicsMsgTimestamp (store.md §5).
   */
  get flushedStoreTimestamp(): number {
    return this.#flushedStoreTimestamp;
  }

  /** Finds every `<topic>/<queueId>/` folder and lists its files. */
  async load(): Promise<void> {
    for (const topic of await this.#fs.list(this.#rootDir)) {
      if (!isSafeTopicFolder(topic)) continue;
      const topicDir = joinPath(this.#rootDir, topic);
      const info = await this.#fs.stat(topicDir);
      if (info === null || !info.isDirectory) continue;
      for (const name of await this.#fs.list(topicDir)) {
        if (!/^[0-9]{1,10}$/.test(name)) continue;
        const queue = this.#create(topic, Number(name));
        await queue.load();
        this.#queues(topic).set(queue.queueId, queue);
      }
    }
  }

  /**
   * Recovers every loaded queue (finds its last valid unit).
   * @param abnormal after a crash: also syncs the files kept (see {@linkcode ConsumeQueue.recover})
   */
  async recover(abnormal = false): Promise<void> {
    for (const queue of this.queues()) await queue.recover(abnormal);
  }

  /**
   * Writes the unit of one record, skipping PREPARED and ROLLBACK records (store.md §3).
   * Synchronous: files are written by {@linkcode flush}.
   * @param request the decoded record
   */
  dispatch(request: DispatchRequest): void {
    const transactionType = request.sysFlag & TRANSACTION_TYPE_MASK;
    if (
      transactionType === TRANSACTION_PREPARED_TYPE || transactionType === TRANSACTION_ROLLBACK_TYPE
    ) return;
    this.findOrCreate(request.topic, request.queueId).put(request);
    if (request.storeTimestamp > this.#lastDispatchedStoreTimestamp) {
      this.#lastDispatchedStoreTimestamp = request.storeTimestamp;
    }
  }

  /**
   * @returns the queue, or undefined when it has never been written
   */
  findConsumeQueue(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.#topics.get(topic)?.get(queueId);
  }

  /**
   * @returns the queue, created empty when absent
   * @throws {RangeError} for a topic unusable as a folder name or a bad queue id
   */
  findOrCreate(topic: string, queueId: number): ConsumeQueue {
    const existing = this.#topics.get(topic)?.get(queueId);
    if (existing !== undefined) return existing;
    const queue = this.#create(topic, queueId);
    this.#queues(topic).set(queueId, queue);
    return queue;
  }

  #create(topic: string, queueId: number): ConsumeQueue {
    return new ConsumeQueue({
      fs: this.#fs,
      rootDir: this.#rootDir,
      topic,
      queueId,
      fileBytes: this.#fileBytes,
      onWarning: this.#onWarning,
      handles: this.#handles,
      // A queue made again while its topic's files are being deleted writes nothing before the
      // deletion ends, which would otherwise remove its new file with the old folder.
      after: this.#deleting.get(topic),
    });
  }

  /**
   * Runs a deletion of a topic's files after the earlier ones, and keeps it as the topic's
   * deletion under way until it ends.
   */
  #deleteFiles(topic: string, work: () => Promise<void>): Promise<void> {
    const run = (this.#deleting.get(topic) ?? Promise.resolve()).then(work);
    const settled = run.then(() => {}, () => {});
    this.#deleting.set(topic, settled);
    void settled.then(() => {
      if (this.#deleting.get(topic) === settled) this.#deleting.delete(topic);
    });
    return run;
  }

  #queues(topic: string): Map<number, ConsumeQueue> {
    let queues = this.#topics.get(topic);
    if (queues === undefined) {
      queues = new Map();
      this.#topics.set(topic, queues);
    }
    return queues;
  }

  /** @returns every queue, in no particular order */
  queues(): ConsumeQueue[] {
    const all: ConsumeQueue[] = [];
    for (const queues of this.#topics.values()) all.push(...queues.values());
    return all;
  }

  /** @returns the topics that have consume queues */
  topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** @returns min and max offsets of every queue (rebuilds the commit log's offset table) */
  queueOffsets(): QueueOffsets[] {
    return this.queues().map((queue) => ({
      topic: queue.topic,
      queueId: queue.queueId,
      minOffset: queue.minOffset,
      maxOffset: queue.maxOffset,
    }));
  }

  /** @returns the largest record end any queue points to; -1 when all are empty */
  maxPhysicalOffset(): number {
    let max = -1;
    for (const queue of this.queues()) max = Math.max(max, queue.maxPhysicalOffset);
    return max;
  }

  /**
   * Removes every topic's units at or beyond the commit log's end (store.md §6).
   * @param commitLogMaxOffset the recovered commit-log end
   */
  async truncateDirty(commitLogMaxOffset: number): Promise<void> {
    for (const queue of this.queues()) await queue.truncateDirty(commitLogMaxOffset);
  }

  /**
   * Moves every queue's min offset to its first unit still in the commit log.
   * @param commitLogMinOffset the commit log's smallest offset
   */
  async correctMinOffset(commitLogMinOffset: number): Promise<void> {
    for (const queue of this.queues()) await queue.correctMinOffset(commitLogMinOffset);
  }

  /**
   * Deletes consume-queue files wholly below the commit log's min offset (store.md §9). Returns
   * at once when every queue already finished for this offset; a queue that kept a file it
   * could not delete yet (not flushed) is asked again by the next call.
   * @param commitLogMinOffset the commit log's smallest offset
   * @returns files deleted
   */
  async deleteExpiredFiles(commitLogMinOffset: number): Promise<number> {
    if (commitLogMinOffset <= this.#cleanedBelow) return 0;
    let deleted = 0;
    let finished = true;
    for (const queue of this.queues()) {
      deleted += await queue.deleteExpiredFiles(commitLogMinOffset);
      if (queue.cleanedBelow < commitLogMinOffset) finished = false;
    }
    if (finished) this.#cleanedBelow = commitLogMinOffset;
    return deleted;
  }

  /**
   * Deletes a topic's queues and folder (DELETE_TOPIC_IN_BROKER).
   * @param topic the topic
   */
  async deleteTopic(topic: string): Promise<void> {
    const queues = this.#topics.get(topic);
    this.#topics.delete(topic);
    await this.#deleteFiles(topic, async () => {
      for (const queue of queues?.values() ?? []) await queue.destroy();
      if (isSafeTopicFolder(topic)) {
        await this.#fs.remove(joinPath(this.#rootDir, topic));
        await this.#fs.syncDir(this.#rootDir);
      }
    });
  }

  /**
   * Deletes one queue and its folder, and the topic's folder once it has no queue left (RocketMQ
   * `cleanExpiredConsumerQueue`: a queue whose every unit points below the commit log's min offset).
   * A later message to the queue starts it again, empty.
   *
   * @param topic the topic
   * @param queueId the queue
   * @returns false when there was no such queue
   */
  async deleteQueue(topic: string, queueId: number): Promise<boolean> {
    const queues = this.#topics.get(topic);
    const queue = queues?.get(queueId);
    if (queues === undefined || queue === undefined) return false;
    queues.delete(queueId);
    await this.#deleteFiles(topic, async () => {
      await queue.destroy();
      if (queues.size === 0 && this.#topics.get(topic) === queues) {
        this.#topics.delete(topic);
        if (isSafeTopicFolder(topic)) await this.#fs.remove(joinPath(this.#rootDir, topic));
      }
      await this.#fs.syncDir(this.#rootDir);
    });
    return true;
  }

  /**
   * Flushes every queue (`flushIntervalConsumeQueue`; the facade schedules it). A pass with
   * `leastPages` 0 also advances {@linkcode flushedStoreTimestamp}.
   * @param leastPages `flushConsumeQueueLeastPages`, or 0 for a thorough flush
   * @returns true when every unit is durable
   */
  async flush(leastPages: number): Promise<boolean> {
    const snapshot = this.#lastDispatchedStoreTimestamp;
    let clean = true;
    for (const queue of this.queues()) clean = (await queue.flush(leastPages)) && clean;
    // A thorough pass wrote and synced every unit dispatched before it began, even when units
    // dispatched meanwhile are left (not clean): under steady traffic most passes are.
    if (leastPages === 0 && snapshot > this.#flushedStoreTimestamp) {
      this.#flushedStoreTimestamp = snapshot;
    }
    return clean;
  }

  /**
   * Flushes everything and closes the read handles (clean shutdown).
   * @param flush false to drop what is not on disk yet, as a crash would
   */
  async close(flush = true): Promise<void> {
    if (flush) await this.flush(0);
    await this.#handles.close();
  }
}

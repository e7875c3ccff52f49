/**
 * The message index (`shared/spec/store.md` §4): a commit-log dispatcher that puts
 * `topic#UNIQ_KEY` and `topic#key` (each space-separated KEYS value) into hash index files, and
 * the QUERY_MESSAGE lookup over them, newest file first.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { CommitLogDispatcher, DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import { IndexFile } from "./index_file.ts";
import { formatFileTime, parseFileTime, pushIndexKeyHashes } from "./index_keys.ts";
import { javaStringHash } from "./message_properties.ts";
import {
  INDEX_FILE_CREATE_RETRY_MS,
  INDEX_FILE_CREATE_TRIES,
  INDEX_MAX_HASH_SLOT_NUM_DEFAULT,
  INDEX_MAX_INDEX_NUM_DEFAULT,
  INDEX_PREFIX_HASHES_MAX,
  MAX_MSGS_NUM_BATCH_DEFAULT,
} from "./limits.ts";
import { joinPath } from "./store_paths.ts";

/** ROLLBACK transaction type in sysFlag: such records are not indexed. */
const TRANSACTION_ROLLBACK_TYPE = 0xc;
const FILE_NAME = /^[0-9]{17}$/;

/** Construction options of {@linkcode IndexService}. */
export interface IndexServiceOptions {
  /** all I/O goes through it */
  readonly fs: FileSystem;
  /** `storePathIndex` */
  readonly dir: string;
  /** names new files after its local time */
  readonly clock: Clock;
  /** `maxHashSlotNum` (default 5 000 000) */
  readonly maxHashSlotNum?: number;
  /** `maxIndexNum` (default 20 000 000) */
  readonly maxIndexNum?: number;
  /** `maxMsgsNumBatch`: cap on offsets per query (default 64) */
  readonly maxMsgsNumBatch?: number;
}

/** What a key lookup found (RocketMQ `QueryOffsetResult`). */
export interface QueryOffsetResult {
  /** commit-log offsets, newest first; hash collisions included (the client filters) */
  readonly phyOffsets: number[];
  /** end timestamp of the newest index file (QUERY_MESSAGE response header) */
  readonly indexLastUpdateTimestamp: number;
  /** end commit-log offset of the newest index file */
  readonly indexLastUpdatePhyoffset: number;
}

/**
 * See the module doc. Call `load()` first. `dispatch` is synchronous except when a file must be
 * created or loaded; callers await a returned promise before the next dispatch (later calls
 * are queued behind it anyway).
 *
 * Crash safety: each file is flushed entries → slots → header with a sync after each, so a file
 * on disk is always a consistent prefix; `load()` keeps every file and repairs the newest one.
 * RocketMQ instead discards, after an abnormal exit, files newer than the checkpoint's index
 * time; we do not, because its re-dispatch (from the checkpoint time) would not rebuild the
 * older entries of a discarded file. Re-dispatched records at or below the newest file's
 * endPhyOffset are skipped, so recovery adds no duplicates. The periodic flush round syncs the
 * index only now and then (see `indexFlushDue` in `_store_services.ts`); after a crash the store
 * re-dispatches from {@linkcode IndexService.recoveryOffset}, so nothing unsynced is lost. The
 * index can also be ahead: under ASYNC_FLUSH it may sync entries of records the commit log had
 * not synced yet, so recovery first cuts it back to the log's end
 * ({@linkcode IndexService.truncateDirty}), as the consume queues are.
 *
 * @example
 * ```ts
 * import { IndexService } from "./index_service.ts";
 * import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
 * import { ManualClock } from "../common/clock.ts";
 * const index = new IndexService({
 *   fs: new MemoryFileSystem(), dir: "/index", clock: new ManualClock(), maxHashSlotNum: 16, maxIndexNum: 64,
 * });
 * await index.load();
 * await index.dispatch({
 *   topic: "T", queueId: 0, commitLogOffset: 0, msgSize: 100, tagsCode: 0, storeTimestamp: 1_700_000_000_000,
 *   consumeQueueOffset: 0, keys: "order-1", sysFlag: 0, preparedTransactionOffset: 0,
 * });
 * const found = await index.queryOffsets("T", "order-1", 32, 0, Number.MAX_SAFE_INTEGER);
 * console.assert(found.phyOffsets[0] === 0);
 * await index.close();
 * ```
 */
export class IndexService implements CommitLogDispatcher {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #maxHashSlotNum: number;
  readonly #maxIndexNum: number;
  #maxMsgsNumBatch: number;
  #files: IndexFile[] = [];
  #busy: Promise<void> | null = null;
  #failure: Error | null = null;
  /** `String.hashCode` of `topic#`, per topic */
  readonly #prefixHashes = new Map<string, number>();
  readonly #hashes: number[] = [];

  /** @param options file system, folder, clock and layout */
  constructor(options: IndexServiceOptions) {
    this.#fs = options.fs;
    this.#dir = options.dir;
    this.#clock = options.clock;
    this.#maxHashSlotNum = options.maxHashSlotNum ?? INDEX_MAX_HASH_SLOT_NUM_DEFAULT;
    this.#maxIndexNum = options.maxIndexNum ?? INDEX_MAX_INDEX_NUM_DEFAULT;
    this.#maxMsgsNumBatch = options.maxMsgsNumBatch ?? MAX_MSGS_NUM_BATCH_DEFAULT;
  }

  /**
   * Why the index is broken: the next file could not be created in INDEX_FILE_CREATE_TRIES
   * tries. The store then refuses puts, as RocketMQ's WRITE_INDEX_FILE_ERROR_BIT does, rather
   * than acknowledge messages whose keys it cannot index. Null while it works.
   */
  get failure(): Error | null {
    return this.#failure;
  }

  /** `maxMsgsNumBatch` changed at runtime: caps the offsets of later queries. */
  set maxMsgsNumBatch(value: number) {
    this.#maxMsgsNumBatch = value;
  }

  /** File names, oldest first. */
  get fileNames(): string[] {
    return this.#files.map((file) => file.path.slice(file.path.lastIndexOf("/") + 1));
  }

  /**
   * Store time up to which the index is durable: the newest file's end timestamp as of the last
   * completed flush. The checkpoint's indexMsgTimestamp (store.md §5).
   */
  get flushedTimestamp(): number {
    return this.#files.at(-1)?.flushedEndTimestamp ?? 0;
  }

  /** Entries held in memory since the newest file's last flush. */
  get unflushedEntries(): number {
    return this.#files.at(-1)?.unflushedEntries ?? 0;
  }

  /** Commit-log bytes indexed since the newest file's last flush (what a crash re-reads). */
  get unflushedSpanBytes(): number {
    const last = this.#files.at(-1);
    return last === undefined ? 0 : last.endPhyOffset - last.flushedEndPhyOffset;
  }

  /**
   * Where re-dispatch must start for the index to miss nothing after a crash, as the files on
   * disk hold it (call after {@linkcode load}): the newest indexed record (`indexed`: start after
   * it), else the newest file's inherited endPhyOffset (indexed when above 0, the predecessor's
   * last record; 0 for a first file that never synced an entry: start at the log's beginning).
   * @returns the offset, or null when there is no index file
   */
  recoveryOffset(): { readonly offset: number; readonly indexed: boolean } | null {
    for (let i = this.#files.length - 1; i >= 0; i--) {
      if (this.#files[i].indexCount > 1) {
        return { offset: this.#files[i].endPhyOffset, indexed: true };
      }
    }
    const newest = this.#files.at(-1);
    if (newest === undefined) return null;
    return { offset: newest.endPhyOffset, indexed: newest.endPhyOffset > 0 };
  }

  /** true while the newest file holds entries but has never synced one (sync it soon). */
  get awaitsFirstSync(): boolean {
    const newest = this.#files.at(-1);
    return newest !== undefined && newest.unflushedEntries > 0 &&
      newest.unflushedEntries === newest.indexCount - 1;
  }

  /**
   * Opens every index file (headers only) and prepares the newest for writing. A file of size 0,
   * left by a crash or a failure while it was created (it holds nothing), is removed.
   * @param openNewest false (messageIndexEnable off) leaves the newest closed, its hash slots
   *   unread, until an entry comes
   */
  async load(openNewest = true): Promise<void> {
    const files: IndexFile[] = [];
    const names = (await this.#fs.list(this.#dir)).filter((n) => FILE_NAME.test(n)).sort();
    for (const name of names) {
      const path = joinPath(this.#dir, name);
      if ((await this.#fs.stat(path))?.size === 0) { // a crash or failure while it was created
        await this.#fs.remove(path);
        await this.#fs.syncDir(this.#dir);
        continue;
      }
      files.push(await IndexFile.open(this.#layout(path)));
    }
    this.#files = files;
    const last = files.at(-1);
    if (openNewest && last !== undefined && !last.isWriteFull) await last.openWritable();
  }

  /**
   * Cuts the index back to a recovered commit log that ends at `logEndOffset` (after a crash
   * the index may have synced entries of records the log lost; left, they would point at the
   * records later stored at those offsets and, being "already indexed", hide those records'
   * keys). Newest files wholly past the end are deleted, and so is an empty newest file (its
   * end values are inherited, or zero after a crash while it was created, and would hide the
   * file before it); the newest file left drops its entries past the end
   * ({@linkcode IndexFile.truncateFrom}). Call after {@linkcode load}.
   * @returns entries dropped and files deleted
   */
  async truncateDirty(logEndOffset: number): Promise<{ entries: number; files: number }> {
    let files = 0;
    let entries = 0;
    for (let newest = this.#files.at(-1); newest !== undefined; newest = this.#files.at(-1)) {
      if (newest.indexCount <= 1) {
        // No entry: its end is inherited (or 0, from a crash while it was created), so the
        // file before it decides; a lone empty file goes only when its end is past the log.
        const lone = this.#files.length === 1;
        if (lone && (newest.endPhyOffset === 0 || newest.endPhyOffset < logEndOffset)) break;
        await newest.destroy();
        this.#files.pop();
        files++;
        continue;
      }
      if (newest.endPhyOffset < logEndOffset) break;
      if (newest.beginPhyOffset >= logEndOffset) {
        // Every entry is past the log's end.
        entries += newest.indexCount - 1;
        await newest.destroy();
        this.#files.pop();
        files++;
        continue;
      }
      await newest.openWritable();
      entries += await newest.truncateFrom(logEndOffset);
      break;
    }
    if (files > 0) {
      await this.#fs.syncDir(this.#dir);
      const last = this.#files.at(-1);
      if (last !== undefined && !last.isWriteFull) await last.openWritable();
    }
    return { entries, files };
  }

  #layout(path: string) {
    return {
      fs: this.#fs,
      path,
      maxHashSlotNum: this.#maxHashSlotNum,
      maxIndexNum: this.#maxIndexNum,
    };
  }

  /**
   * Indexes one record (RocketMQ `buildIndex`): skipped when ROLLBACK or already indexed (at
   * or below the newest file's endPhyOffset), so a re-dispatch after a crash adds no duplicate.
   * @param request the decoded record
   * @returns nothing, or a promise when a file had to be created or loaded
   */
  dispatch(request: DispatchRequest): void | Promise<void> {
    if ((request.sysFlag & TRANSACTION_ROLLBACK_TYPE) === TRANSACTION_ROLLBACK_TYPE) return;
    const file = this.#files.at(-1);
    if (this.#busy === null && file !== undefined && file.isWritable) {
      if (alreadyIndexed(file, request.commitLogOffset)) return;
      const count = this.#keyHashes(request);
      const hashes = this.#hashes;
      // A record's keys never straddle two files: alreadyIndexed relies on it after a crash.
      if (file.hasRoomFor(count)) {
        for (let i = 0; i < count; i++) {
          file.putKeyHash(hashes[i], request.commitLogOffset, request.storeTimestamp);
        }
        return;
      }
    }
    return this.#enqueue(() => this.#dispatchAsync(request));
  }

  /**
   * Puts the index hashes of a record's keys (those of {@linkcode indexKeys}), computed without
   * building the `topic#key` strings, at the front of `#hashes` (overwritten by the next call).
   * @returns how many
   */
  #keyHashes(request: DispatchRequest): number {
    let prefix = this.#prefixHashes.get(request.topic);
    if (prefix === undefined) {
      if (this.#prefixHashes.size >= INDEX_PREFIX_HASHES_MAX) this.#prefixHashes.clear();
      prefix = javaStringHash("#", javaStringHash(request.topic, 0));
      this.#prefixHashes.set(request.topic, prefix);
    }
    return pushIndexKeyHashes(this.#hashes, request, prefix, 0);
  }

  /** The slow path: a file must be loaded, or created because the newest lacks room. */
  async #dispatchAsync(request: DispatchRequest): Promise<void> {
    if (this.#failure !== null) return; // reported once; puts are refused meanwhile
    const file = await this.#writableFileRetried(this.#keyHashes(request));
    if (alreadyIndexed(file, request.commitLogOffset)) return;
    const count = this.#keyHashes(request); // again: other records used #hashes meanwhile
    const hashes = this.#hashes;
    for (let i = 0; i < count; i++) {
      // Fails only for a record with more keys than a whole file holds: the rest are dropped.
      if (!file.putKeyHash(hashes[i], request.commitLogOffset, request.storeTimestamp)) break;
    }
  }

  /** Runs `operation` after every queued one; dispatches arriving meanwhile wait behind it. */
  #enqueue(operation: () => Promise<void>): Promise<void> {
    const run = (this.#busy ?? Promise.resolve()).then(operation);
    this.#busy = run;
    const clear = () => {
      if (this.#busy === run) this.#busy = null;
    };
    run.then(clear, clear);
    return run;
  }

  /** RocketMQ `retryGetAndCreateIndexFile`: tries, a pause between, then {@linkcode failure}. */
  async #writableFileRetried(room: number): Promise<IndexFile> {
    for (let tries = 1;; tries++) {
      try {
        return await this.#writableFile(room);
      } catch (error) {
        if (tries >= INDEX_FILE_CREATE_TRIES) {
          this.#failure = error instanceof Error ? error : new Error(String(error));
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, INDEX_FILE_CREATE_RETRY_MS));
      }
    }
  }

  /**
   * @param room entries the next record needs
   * @returns the newest file ready for entries: loaded, or created when it lacks `room` (an
   *   empty file is used anyway) or there is none. A full file is sealed (synced) before its
   *   successor exists, so the successor's inherited endPhyOffset is never ahead of it on disk.
   */
  async #writableFile(room: number): Promise<IndexFile> {
    const last = this.#files.at(-1);
    if (last !== undefined && (last.indexCount <= 1 || last.hasRoomFor(room))) {
      await last.openWritable();
      return last;
    }
    if (last !== undefined) await last.seal();
    await this.#fs.mkdir(this.#dir);
    const path = joinPath(this.#dir, this.#newFileName(last));
    const previousEnd = {
      endPhyOffset: last?.endPhyOffset ?? 0,
      endTimestamp: last?.endTimestamp ?? 0,
    };
    try {
      const file = await IndexFile.create(this.#layout(path), previousEnd);
      await this.#fs.syncDir(this.#dir);
      this.#files.push(file);
      return file;
    } catch (error) {
      // A half-made file would stop the next start (size 0) or hide older files from queries.
      await this.#fs.remove(path).catch((removal) => {
        throw new AggregateError(
          [error, removal],
          `Cannot create index file ${path} nor remove it`,
        );
      });
      throw error;
    }
  }

  /**
   * `yyyyMMddHHmmssSSS` of now (local time), kept after the previous file's name: files load in
   * name order, and local time repeats an hour when daylight saving time ends.
   */
  #newFileName(last: IndexFile | undefined): string {
    let name = formatFileTime(this.#clock.now());
    if (last === undefined) return name;
    const previous = last.path.slice(last.path.lastIndexOf("/") + 1);
    if (name <= previous) name = formatFileTime(parseFileTime(previous) + 1);
    return name > previous ? name : String(BigInt(previous) + 1n).padStart(previous.length, "0");
  }

  /**
   * Looks a key up (RocketMQ `IndexService.queryOffset`): files newest → oldest whose time range
   * overlaps [beginMs, endMs], stopping at `maxNum` (capped at maxMsgsNumBatch) offsets or at a
   * file that begins before `beginMs`.
   * @param topic the topic
   * @param key a KEYS value or a UNIQ_KEY
   * @param maxNum offsets wanted
   * @param beginMs range start (store time, ms)
   * @param endMs range end (store time, ms)
   * @returns the offsets and the newest file's end values
   */
  async queryOffsets(
    topic: string,
    key: string,
    maxNum: number,
    beginMs: number,
    endMs: number,
  ): Promise<QueryOffsetResult> {
    const phyOffsets: number[] = [];
    const files = [...this.#files];
    const newest = files.at(-1);
    const max = Math.min(maxNum, this.#maxMsgsNumBatch);
    const query = { key: `${topic}#${key}`, maxNum: max, beginMs, endMs };
    for (let i = files.length - 1; i >= 0 && phyOffsets.length < max; i--) {
      const file = files[i];
      if (file.isTimeMatched(beginMs, endMs)) await file.selectPhyOffset(phyOffsets, query);
      if (file.indexCount > 1 && file.beginTimestamp < beginMs) break; // not past an empty one
    }
    return {
      phyOffsets,
      indexLastUpdateTimestamp: newest?.endTimestamp ?? 0,
      indexLastUpdatePhyoffset: newest?.endPhyOffset ?? 0,
    };
  }

  /**
   * Deletes files (never the newest) whose endPhyOffset is below the commit log's min offset.
   * @param commitLogMinOffset the commit log's smallest offset
   * @returns files deleted
   */
  async deleteExpiredFiles(commitLogMinOffset: number): Promise<number> {
    let deleted = 0;
    while (this.#files.length > 1 && this.#files[0].endPhyOffset < commitLogMinOffset) {
      await this.#files[0].destroy(); // on failure it stays first, for the next pass
      this.#files.shift();
      deleted++;
    }
    return deleted;
  }

  /** Flushes every file with unflushed entries (the facade schedules it). */
  async flush(): Promise<void> {
    for (const file of [...this.#files]) if (file.isWritable) await file.flush();
  }

  /**
   * Waits for queued dispatches, then flushes (clean shutdown).
   * @param flush false to drop what is not on disk yet, as a crash would
   */
  async close(flush = true): Promise<void> {
    while (this.#busy !== null) await this.#busy;
    if (flush) await this.flush();
  }
}

/**
 * Whether the record at `offset` is in the index already (a re-dispatch after a crash):
 * it lies below the file's endPhyOffset, or at it once that offset names an indexed record
 * (a file with entries, or one that took its endPhyOffset over from a full predecessor).
 */
function alreadyIndexed(file: IndexFile, offset: number): boolean {
  const end = file.endPhyOffset;
  return offset < end || (offset === end && (end > 0 || file.indexCount > 1));
}

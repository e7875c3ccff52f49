/**
 * The consume queue of one topic × queueId (`shared/spec/store.md` §3): 20-byte units that point
 * into the commit log, in files of `mappedFileSizeConsumeQueue` bytes named by their byte offset
 * in the queue's stream, under `<storePathConsumeQueue>/<topic>/<queueId>/`. Logical offset n is
 * unit n, at byte n × 20.
 *
 * Writes go to an in-memory tail and reach the files on `flush()`; recent units are read from
 * memory. After a crash, units lost from the tail are rebuilt by re-dispatching the commit log.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ConsumeQueueSegment, type UnitSource } from "./_consume_queue_segment.ts";
import type { FileSystem } from "./file_system.ts";
import {
  CONSUME_QUEUE_FILE_BYTES_DEFAULT,
  CONSUME_QUEUE_READ_UNITS_MAX,
  CONSUME_QUEUE_RECOVER_FILES,
  CQ_STORE_UNIT_BYTES,
} from "./limits.ts";
import { isSafeTopicFolder, joinPath } from "./store_paths.ts";
import type { FileHandleCache } from "./file_handle_cache.ts";
import {
  BLANK_UNIT_SIZE,
  consumeQueueFileBytes,
  type ConsumeQueueUnits,
  readInt64,
} from "./consume_queue_units.ts";
import { findOffsetByTime, type OffsetByTimeOptions } from "./consume_queue_time_search.ts";

export { consumeQueueFileBytes };

const UNIT = CQ_STORE_UNIT_BYTES;
const FILE_NAME = /^[0-9]{20}$/;

/** Thrown when a consume queue's files cannot be used (bad layout, wrong sizes). */
export class ConsumeQueueLoadError extends Error {
  /** @param message what is wrong, naming the folder or file */
  constructor(message: string) {
    super(message);
    this.name = "ConsumeQueueLoadError";
  }
}

/** Construction options of {@linkcode ConsumeQueue}. */
export interface ConsumeQueueOptions {
  /** all I/O goes through it */
  readonly fs: FileSystem;
  /** `storePathConsumeQueue` (the queue lives in `<rootDir>/<topic>/<queueId>`) */
  readonly rootDir: string;
  /** the topic; must be usable as a folder name */
  readonly topic: string;
  /** the queue id, ≥ 0 */
  readonly queueId: number;
  /** `mappedFileSizeConsumeQueue`, rounded up to a multiple of 20 (default 6 000 000) */
  readonly fileBytes?: number;
  /** receives anomalies that do not stop the queue (e.g. a dispatch out of order) */
  readonly onWarning?: (message: string) => void;
  /** keeps read handles of older files open (default: open and close per read) */
  readonly handles?: FileHandleCache;
  /** file operations start after it (the deletion of an earlier queue in the same folder) */
  readonly after?: Promise<unknown>;
}

export { isSafeTopicFolder } from "./store_paths.ts";

/** See the module doc. Call `load()` and `recover()` before use, except for a new queue. */
export class ConsumeQueue {
  /** the topic */
  readonly topic: string;
  /** the queue id */
  readonly queueId: number;
  /** the queue's folder */
  readonly dir: string;
  /** bytes per file (a multiple of 20) */
  readonly fileBytes: number;
  readonly #fs: FileSystem;
  readonly #handles: FileHandleCache | undefined;
  readonly #rootDir: string;
  readonly #warn: (message: string) => void;
  #segments: ConsumeQueueSegment[] = [];
  #minOffset = 0;
  #maxPhysicalOffset = -1;
  #cleanedBelow = 0;
  #ready = true;
  #dirDurable = false;
  #lock: Promise<unknown> = Promise.resolve();

  /**
   * @param options file system, folder, topic, queue id and file size
   * @throws {RangeError} for a topic unusable as a folder name or a bad queue id
   */
  constructor(options: ConsumeQueueOptions) {
    if (!isSafeTopicFolder(options.topic)) {
      throw new RangeError(
        `Cannot create consume queue for topic ${JSON.stringify(options.topic)}`,
      );
    }
    if (!Number.isSafeInteger(options.queueId) || options.queueId < 0) {
      throw new RangeError(`Cannot create consume queue ${options.topic}/${options.queueId}`);
    }
    this.#fs = options.fs;
    this.#handles = options.handles;
    this.#rootDir = options.rootDir;
    this.topic = options.topic;
    this.queueId = options.queueId;
    this.dir = joinPath(options.rootDir, options.topic, String(options.queueId));
    this.fileBytes = consumeQueueFileBytes(options.fileBytes ?? CONSUME_QUEUE_FILE_BYTES_DEFAULT);
    this.#warn = options.onWarning ?? ((message) => console.warn(message));
    if (options.after !== undefined) this.#lock = options.after.then(noop, noop);
  }

  /** Units per file. */
  get unitsPerFile(): number {
    return this.fileBytes / UNIT;
  }

  /** Smallest readable logical offset. */
  get minOffset(): number {
    return this.#minOffset;
  }

  /** Logical offset the next unit gets (= units in the queue's stream). */
  get maxOffset(): number {
    const last = this.#segments.at(-1);
    return last === undefined ? this.#minOffset : (last.start + last.wrote) / UNIT;
  }

  /** End (offset + size) of the newest unit's record in the commit log; -1 when none. */
  get maxPhysicalOffset(): number {
    return this.#maxPhysicalOffset;
  }

  /** Names of the queue's files, oldest first (for tests and tools). */
  get fileNames(): string[] {
    return this.#segments.map((segment) => fileName(segment.start));
  }

  /**
   * Lists the queue's files. Units are trusted only after {@linkcode recover}.
   * @throws {ConsumeQueueLoadError} when files are misaligned, oversized or not contiguous
   */
  async load(): Promise<void> {
    const names = (await this.#fs.list(this.dir)).filter((name) => FILE_NAME.test(name));
    const segments: ConsumeQueueSegment[] = [];
    for (const name of names) {
      const start = Number(name);
      const path = joinPath(this.dir, name);
      const info = await this.#fs.stat(path);
      if (info === null || info.isDirectory) continue;
      if (start % this.fileBytes !== 0 || info.size > this.fileBytes) {
        throw new ConsumeQueueLoadError(
          `Cannot load consume queue file ${path}: size ${info.size} or start does not match mappedFileSizeConsumeQueue ${this.fileBytes}`,
        );
      }
      const previous = segments.at(-1);
      if (previous !== undefined && previous.start + this.fileBytes !== start) {
        throw new ConsumeQueueLoadError(
          `Cannot load consume queue ${this.dir}: file ${name} leaves a gap`,
        );
      }
      segments.push(this.#newSegment(start, true));
    }
    this.#segments = segments;
    this.#minOffset = segments.length > 0 ? segments[0].start / UNIT : 0;
    this.#ready = segments.length === 0;
    this.#dirDurable = segments.length > 0;
  }

  /**
   * Finds the last valid unit, scanning from the third-to-last file (store.md §6); cuts what
   * follows, removes files after it, skips the blank head, and loads the tail cache.
   * @param syncScanned after a crash: sync the files it keeps (a killed run may not have)
   */
  recover(syncScanned = false): Promise<void> {
    return this.#exclusive(async () => {
      const segments = this.#segments;
      let index = Math.max(0, segments.length - CONSUME_QUEUE_RECOVER_FILES);
      let maxPhysical = -1;
      for (; index < segments.length; index++) {
        const segment = segments[index];
        const scanned = await segment.scanValid();
        if (scanned.maxPhysicalOffset >= 0) maxPhysical = scanned.maxPhysicalOffset;
        if (scanned.end < segment.fileBytes) {
          await segment.truncate(scanned.end); // synced
          break;
        }
        if (syncScanned) await segment.sync();
      }
      for (let extra = segments.length - 1; extra > index; extra--) await this.#dropLast();
      while (this.#segments.length > 0 && this.#segments.at(-1)!.wrote === 0) {
        await this.#dropLast();
      }
      this.#maxPhysicalOffset = maxPhysical;
      await this.#skipBlankHead();
      await this.#segments.at(-1)?.loadCache();
      this.#ready = true;
    });
  }

  /** Moves the min offset past blank units at the head of the first file. */
  async #skipBlankHead(): Promise<void> {
    const first = this.#segments[0];
    if (first === undefined) return;
    const isBlank = (view: DataView, p: number) =>
      view.getInt32(p + 8) === BLANK_UNIT_SIZE && readInt64(view, p) === 0;
    const head = await first.readBytes(0, UNIT);
    if (head === null || !isBlank(new DataView(head.buffer), 0)) return;
    const end = await first.scan(0, first.wrote, isBlank);
    this.#minOffset = Math.max(this.#minOffset, (first.start + end) / UNIT);
  }

  async #dropLast(): Promise<void> {
    const last = this.#segments.pop();
    assert(last !== undefined, "a segment to drop");
    await this.#handles?.forget(last.path);
    await this.#fs.remove(last.path);
    if (this.#segments.length === 0) this.#minOffset = 0;
  }

  /**
   * Appends the unit of a dispatched record at its queue offset. A record at or before the
   * newest one held, or a unit already present (a re-dispatch after recovery), is skipped. A
   * brand-new queue whose first offset is not 0 gets blank units before it (store.md §3).
   * @param request the record (offset, size, tag code, queue offset)
   */
  put(request: UnitSource & { readonly consumeQueueOffset: number }): void {
    if (!this.#ready) assert.fail(`consume queue ${this.dir} used before recover()`);
    // Records come in log order: an older one is a replay, maybe of a deleted topic whose queue
    // offsets a re-created queue reuses (RocketMQ putMessagePositionInfo skips it too).
    if (request.commitLogOffset + request.msgSize <= this.#maxPhysicalOffset) return;
    const expected = request.consumeQueueOffset * UNIT;
    let segment = this.#segments.at(-1);
    if (segment === undefined) segment = this.#createFirst(expected);
    const current = segment.start + segment.wrote;
    if (expected < current) return;
    if (expected > current) {
      this.#warn(
        `Consume queue ${this.topic}/${this.queueId} expected offset ${
          current / UNIT
        } but got ${request.consumeQueueOffset}; appending at ${current / UNIT}`,
      );
    }
    if (segment.full) segment = this.#roll(segment);
    segment.append(request);
    this.#maxPhysicalOffset = request.commitLogOffset + request.msgSize;
  }

  #createFirst(expected: number): ConsumeQueueSegment {
    const start = expected - (expected % this.fileBytes);
    const segment = this.#newSegment(start);
    if (expected > start) segment.padBlank(expected - start);
    this.#segments.push(segment);
    this.#minOffset = expected / UNIT;
    return segment;
  }

  #roll(full: ConsumeQueueSegment): ConsumeQueueSegment {
    const segment = this.#newSegment(full.start + this.fileBytes);
    this.#segments.push(segment);
    return segment;
  }

  #newSegment(start: number, onDisk = false): ConsumeQueueSegment {
    return new ConsumeQueueSegment({
      fs: this.#fs,
      path: joinPath(this.dir, fileName(start)),
      start,
      fileBytes: this.fileBytes,
      onDisk,
      handles: this.#handles,
    });
  }

  /**
   * Units from memory only: the fast path of a pull at the tail.
   * @param offset logical offset of the first unit
   * @param maxUnits at most this many (also capped at CONSUME_QUEUE_READ_UNITS_MAX)
   * @returns the units (never crossing a file end), or null when not cached or out of range
   */
  readUnitsCached(offset: number, maxUnits: number): ConsumeQueueUnits | null {
    if (offset < this.#minOffset || offset >= this.maxOffset || maxUnits <= 0) return null;
    const segment = this.#segmentAt(offset);
    if (segment === undefined) return null;
    const max = Math.min(maxUnits, CONSUME_QUEUE_READ_UNITS_MAX);
    return segment.cachedUnits(offset * UNIT - segment.start, max, offset);
  }

  /**
   * Units from memory, else from the file. A run never crosses a file end, so it may hold fewer
   * than asked; continue at `startOffset + count`. Stops early at an invalid unit (store.md §3).
   * @param offset logical offset of the first unit
   * @param maxUnits at most this many (also capped at CONSUME_QUEUE_READ_UNITS_MAX)
   * @returns the units, or null when out of [minOffset, maxOffset) or the file is gone
   */
  readUnits(offset: number, maxUnits: number): Promise<ConsumeQueueUnits | null> {
    const cached = this.readUnitsCached(offset, maxUnits);
    if (cached !== null) return Promise.resolve(cached);
    if (offset < this.#minOffset || offset >= this.maxOffset || maxUnits <= 0) {
      return Promise.resolve(null);
    }
    const segment = this.#segmentAt(offset);
    if (segment === undefined) return Promise.resolve(null);
    const max = Math.min(maxUnits, CONSUME_QUEUE_READ_UNITS_MAX);
    return segment.diskUnits(offset * UNIT - segment.start, max, offset);
  }

  #segmentAt(offset: number): ConsumeQueueSegment | undefined {
    const first = this.#segments[0];
    const position = offset * UNIT;
    if (first === undefined || position < first.start) return undefined;
    return this.#segments[Math.floor((position - first.start) / this.fileBytes)];
  }

  /**
   * The first offset of the next file (RocketMQ `rollNextFile`), used when a unit is unreadable.
   * @param offset a logical offset
   * @returns the logical offset where the following file starts
   */
  nextFileOffset(offset: number): number {
    return offset + this.unitsPerFile - (offset % this.unitsPerFile);
  }

  /**
   * The first offset whose record was stored at or after `timestampMs` (lower boundary, as
   * RocketMQ 5 `getOffsetInQueueByTime`); `maxOffset` when none is.
   * @param options the time, the commit log's min offset and a store-time reader
   * @returns a logical offset in [minOffset, maxOffset]
   */
  offsetByTime(options: OffsetByTimeOptions): Promise<number> {
    return findOffsetByTime(this, options);
  }

  /**
   * Writes unflushed units to the files and syncs them.
   * @param leastPages flush a file only with ≥ this many dirty 4 KiB pages (0: everything)
   * @returns true when every unit is durable
   */
  flush(leastPages: number): Promise<boolean> {
    return this.#exclusive(() => this.#flush(leastPages));
  }

  async #flush(leastPages: number): Promise<boolean> {
    let clean = true;
    const segments = [...this.#segments];
    for (const segment of segments) {
      if (segment.flushed === segment.wrote && !segment.needsDirSync) continue;
      const done = await segment.flush(leastPages, () => this.#ensureDir());
      await segment.settle(() => this.#fs.syncDir(this.dir), segment !== this.#segments.at(-1));
      clean &&= done;
    }
    return clean;
  }

  async #ensureDir(): Promise<void> {
    if (this.#dirDurable) return;
    await this.#fs.mkdir(this.dir);
    await this.#fs.syncDir(joinPath(this.#rootDir, this.topic));
    await this.#fs.syncDir(this.#rootDir);
    this.#dirDurable = true;
  }

  /**
   * Removes units whose record starts at or beyond the commit log's end (store.md §6), after a
   * flush; whole files whose first unit is beyond it go.
   * @param commitLogMaxOffset the recovered commit-log end
   */
  truncateDirty(commitLogMaxOffset: number): Promise<void> {
    return this.#exclusive(async () => {
      await this.#flush(0);
      let maxPhysical = -1;
      while (this.#segments.length > 0) {
        const last = this.#segments.at(-1)!;
        const scanned = await last.scanValid(commitLogMaxOffset);
        maxPhysical = scanned.maxPhysicalOffset;
        if (scanned.end === 0) {
          await this.#dropLast();
          continue;
        }
        if (scanned.end < last.wrote) await last.truncate(scanned.end);
        break;
      }
      if (maxPhysical < 0 && this.#segments.length > 0) maxPhysical = await this.#lastRealEnd();
      this.#maxPhysicalOffset = maxPhysical;
      this.#minOffset = Math.min(this.#minOffset, this.maxOffset);
      await this.#segments.at(-1)?.loadCache();
    });
  }

  /** End of the newest non-blank unit of a full segment before the last (rare path). */
  async #lastRealEnd(): Promise<number> {
    const units = await this.readUnits(this.maxOffset - 1, 1);
    if (units === null || units.isBlank(0)) return -1;
    return units.physicalOffset(0) + units.size(0);
  }

  /**
   * Moves the min offset to the first unit whose record is still in the commit log.
   * @param commitLogMinOffset the commit log's smallest offset
   */
  async correctMinOffset(commitLogMinOffset: number): Promise<void> {
    let offset = this.#minOffset;
    const max = this.maxOffset;
    while (offset < max) {
      const units = await this.readUnits(offset, CONSUME_QUEUE_READ_UNITS_MAX);
      if (units === null) {
        offset = Math.max(offset + 1, this.#firstOffsetAfter(offset));
        continue;
      }
      for (let i = 0; i < units.count; i++) {
        if (!units.isBlank(i) && units.physicalOffset(i) >= commitLogMinOffset) {
          this.#minOffset = Math.max(this.#minOffset, units.startOffset + i);
          return;
        }
      }
      offset = units.startOffset + units.count;
    }
    this.#minOffset = Math.max(this.#minOffset, max);
  }

  #firstOffsetAfter(offset: number): number {
    const first = this.#segments[0];
    return first !== undefined && offset * UNIT < first.start
      ? first.start / UNIT
      : this.nextFileOffset(offset);
  }

  /** the commit-log min offset of the last retention call that deleted all it could */
  get cleanedBelow(): number {
    return this.#cleanedBelow;
  }

  /**
   * Deletes files (never the last) whose last unit's record is below the commit log's min offset,
   * then corrects the min offset. A file not flushed (or unreadable) yet stops it until a later
   * call; a call at or below {@linkcode cleanedBelow} returns at once.
   * @param commitLogMinOffset the commit log's smallest offset
   * @returns the number of files deleted
   */
  deleteExpiredFiles(commitLogMinOffset: number): Promise<number> {
    return this.#exclusive(async () => {
      if (commitLogMinOffset <= this.#cleanedBelow) return 0;
      let deleted = 0;
      let head: "expired" | "live" | "later" = "live";
      while (
        this.#segments.length > 1 && (head = await this.#head(commitLogMinOffset)) === "expired"
      ) {
        await this.#handles?.forget(this.#segments[0].path);
        await this.#fs.remove(this.#segments[0].path); // on failure it stays first, for a retry
        this.#segments.shift();
        this.#minOffset = Math.max(this.#minOffset, this.#segments[0].start / UNIT);
        deleted++;
      }
      await this.correctMinOffset(commitLogMinOffset);
      if (head !== "later") this.#cleanedBelow = commitLogMinOffset;
      return deleted;
    });
  }

  /** @returns whether the first file is wholly below the min offset, live, or undecided yet */
  async #head(commitLogMinOffset: number): Promise<"expired" | "live" | "later"> {
    const first = this.#segments[0];
    if (first.flushed !== first.wrote) return "later";
    const lastOffset = (first.start + first.wrote) / UNIT - 1;
    if (lastOffset < this.#minOffset) return "expired";
    const units = await this.readUnits(lastOffset, 1);
    if (units === null) return "later";
    return !units.isBlank(0) && units.physicalOffset(0) >= commitLogMinOffset ? "live" : "expired";
  }

  /** Removes the queue's folder and every unit (topic deletion). */
  destroy(): Promise<void> {
    return this.#exclusive(async () => {
      for (const segment of this.#segments) await this.#handles?.forget(segment.path);
      this.#segments = [];
      this.#minOffset = 0;
      this.#maxPhysicalOffset = -1;
      this.#cleanedBelow = 0;
      await this.#fs.remove(this.dir);
      this.#dirDurable = false;
    });
  }

  /** Runs `operation` after every earlier structural operation of this queue. */
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(operation);
    this.#lock = run.then(noop, noop);
    return run;
  }
}

function noop(): void {}

/** @returns the 20-digit file name of the file starting at byte `start` of the stream */
function fileName(start: number): string {
  return String(start).padStart(20, "0");
}

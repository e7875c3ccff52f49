/**
 * Retention (`shared/spec/store.md` §9, RocketMQ `CleanCommitLogService` and
 * `CleanConsumeQueueService`): deletes old commit-log files by age at the `deleteWhen` hour, or
 * early when the disk fills; marks the store full (writes refused) past the warning ratio; then
 * removes consume-queue and index files wholly below the commit log's new min offset.
 *
 * It works on an abstract list of commit-log files ({@linkcode CommitLogSegmentSource}), which the
 * commit log implements; `run()` does one pass, and `start()` schedules a pass every
 * `cleanResourceInterval` ms, the first after CLEAN_RESOURCE_FIRST_DELAY_MS (RocketMQ: 60 s).
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { type DiskUsage, diskUsedPercent, type FileSystem } from "./file_system.ts";
import {
  clampToRange,
  CLEAN_RESOURCE_FIRST_DELAY_MS,
  DELETE_FILE_BATCH_MAX,
  DISK_CLEAN_FORCIBLY_RATIO_RANGE,
  DISK_MAX_USED_SPACE_RATIO_RANGE,
  DISK_WARNING_LEVEL_RATIO_RANGE,
  MANUAL_DELETE_FILE_SEVERAL_TIMES,
} from "./limits.ts";

const HOUR_MS = 3_600_000;

/** One commit-log file as retention sees it. */
export interface CommitLogSegmentInfo {
  /** the file path */
  readonly path: string;
  /** commit-log offset of the file's first byte (its name) */
  readonly startOffset: number;
  /** commit-log offset just past the file's written bytes */
  readonly endOffset: number;
  /**
   * last modification, ms since the epoch (RocketMQ `getLastModifiedTimestamp`); when absent,
   * the file's mtime from `fs.stat` is used
   */
  readonly lastModifiedMs?: number;
}

/**
 * What retention needs from the commit log. The commit log (store-core) implements it.
 *
 * - `segments()` lists the files oldest first; the last one is the file being written and is
 *   never passed to `deleteSegments`.
 * - `deleteSegments(paths)` deletes a prefix of `segments()` (oldest first), removes them from
 *   the commit log's file list, and advances `minOffset()` to the first remaining file.
 *   Readers of a deleted file must get "message was removed", not a crash.
 * - `minOffset()` is the commit log's smallest readable offset.
 */
export interface CommitLogSegmentSource {
  /** @returns the commit-log files, oldest first */
  segments(): readonly CommitLogSegmentInfo[];
  /**
   * Deletes these files, a prefix of `segments()` (never the last), oldest first; may stop
   * early at a file it cannot delete yet.
   * @returns how many it deleted
   */
  deleteSegments(paths: readonly string[]): Promise<number>;
  /** @returns the commit log's smallest offset */
  minOffset(): number;
}

/**
 * A store part whose files follow the commit log's min offset (consume queues, index). It is
 * asked on every pass, so it must be cheap when it has nothing to delete; what it could not
 * delete (or a failure) is retried by the next pass.
 */
export interface RetentionFollower {
  /**
   * Deletes files wholly below `commitLogMinOffset`.
   * @returns files deleted
   */
  deleteExpiredFiles(commitLogMinOffset: number): Promise<number>;
}

/** Thrown by {@linkcode CleanService.checkWritable} while the disk is full; maps to SERVICE_NOT_AVAILABLE. */
export class StoreDiskFullError extends Error {
  /** the RocketMQ response code for this condition */
  readonly responseCode: number = ResponseCode.SERVICE_NOT_AVAILABLE;

  /**
   * @param usedPercent the disk use that tripped the limit
   * @param limitPercent `diskSpaceWarningLevelRatio`
   */
  constructor(readonly usedPercent: number, readonly limitPercent: number) {
    super(
      `Cannot write to the store: disk use ${
        usedPercent.toFixed(1)
      }% exceeds diskSpaceWarningLevelRatio ${limitPercent}%`,
    );
    this.name = "StoreDiskFullError";
  }
}

/** Construction options of {@linkcode CleanService}; config keys as RocketMQ spells them. */
export interface CleanServiceOptions {
  /** default source of disk usage */
  readonly fs: FileSystem;
  /** wall clock; `deleteWhen` hours are its local time */
  readonly clock: Clock;
  /** the commit log's files */
  readonly commitLog: CommitLogSegmentSource;
  /** consume queues and index, cleaned after the commit log */
  readonly followers?: readonly RetentionFollower[];
  /** paths whose volumes are watched: `storePathCommitLog` and `storePathConsumeQueue` */
  readonly diskPaths: readonly string[];
  /** hours a commit-log file is kept after its last modification (default 72) */
  readonly fileReservedTime?: number;
  /** hours at which expired files are deleted, `"04"` or `"04;05"` (default "04") */
  readonly deleteWhen?: string;
  /** above this disk use (%) expired files are deleted at any hour (default 75) */
  readonly diskMaxUsedSpaceRatio?: number;
  /** above this disk use (%) files are deleted even unexpired (default 85) */
  readonly diskSpaceCleanForciblyRatio?: number;
  /** above this disk use (%) the store is full and refuses writes (default 90) */
  readonly diskSpaceWarningLevelRatio?: number;
  /** allow deleting unexpired files past diskSpaceCleanForciblyRatio (default true) */
  readonly cleanFileForciblyEnable?: boolean;
  /** overrides `fs.diskUsage` (e.g. a volume other than the file system's) */
  readonly diskUsage?: (path: string) => Promise<DiskUsage>;
  /** ms between scheduled passes after `start()` (default 10 000) */
  readonly cleanResourceInterval?: number;
  /** told about a scheduled pass that failed (the next pass retries); default console.error */
  readonly onError?: (error: Error) => void;
}

/** The retention keys that may change while the store runs. */
export type RetentionSettings = Pick<
  CleanServiceOptions,
  | "fileReservedTime"
  | "deleteWhen"
  | "diskMaxUsedSpaceRatio"
  | "diskSpaceCleanForciblyRatio"
  | "diskSpaceWarningLevelRatio"
  | "cleanFileForciblyEnable"
>;

/** What one pass did. */
export interface CleanResult {
  /** commit-log files deleted */
  readonly deletedSegments: number;
  /** consume-queue and index files deleted */
  readonly deletedFollowerFiles: number;
  /** highest disk use (%) of the watched volumes; -1 when none reports a capacity */
  readonly usedPercent: number;
  /** the store refuses writes */
  readonly diskFull: boolean;
}

/** See the module doc. */
export class CleanService {
  readonly #fs: FileSystem;
  readonly #clock: Clock;
  readonly #commitLog: CommitLogSegmentSource;
  readonly #followers: readonly RetentionFollower[];
  readonly #diskPaths: readonly string[];
  readonly #diskUsage: (path: string) => Promise<DiskUsage>;
  #reservedMs = 72 * HOUR_MS;
  #deleteHours: ReadonlySet<number> = new Set([4]);
  #maxUsedRatio = 75;
  #forciblyRatio = 85;
  #warningRatio = 90;
  #forciblyEnable = true;
  #manualDeletes = 0;
  #diskFull = false;
  #usedPercent = 0;
  /** a watched volume reports no capacity (ramfs, some FUSE): RocketMQ's -1 */
  #usageUnknown = false;
  #running: Promise<CleanResult> | null = null;
  readonly #intervalMs: number;
  readonly #onError: (error: Error) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;

  /**
   * @param options commit log, followers, volumes and retention config
   * @throws {RangeError} for a bad `deleteWhen`, negative hours or ratios outside 0..100
   */
  constructor(options: CleanServiceOptions) {
    this.#fs = options.fs;
    this.#clock = options.clock;
    this.#commitLog = options.commitLog;
    this.#followers = options.followers ?? [];
    this.#diskPaths = options.diskPaths;
    this.#diskUsage = options.diskUsage ?? ((path) => options.fs.diskUsage(path));
    this.updateSettings(options);
    this.#intervalMs = options.cleanResourceInterval ?? 10_000;
    if (!(this.#intervalMs >= 1)) {
      throw new RangeError(`Cannot use cleanResourceInterval ${this.#intervalMs}: expected >= 1`);
    }
    this.#onError = options.onError ?? ((error) => console.error(error));
  }

  /**
   * Applies retention settings, at construction and when they change at runtime
   * (UPDATE_BROKER_CONFIG): every pass reads them, as RocketMQ's clean service reads its config.
   * Absent keys take their defaults. The disk ratios are clamped as RocketMQ clamps them
   * (diskMaxUsedSpaceRatio 10..95; 5.x: warning 35..90, forcibly 30..85): past 90 % the store
   * would run into ENOSPC before it refused writes, and at 0 it would refuse every write.
   *
   * @param settings the retention keys
   * @throws {RangeError} for a bad `deleteWhen`, negative hours or ratios outside 0..100; nothing
   *   changes then
   */
  updateSettings(settings: RetentionSettings): void {
    const reservedHours = settings.fileReservedTime ?? 72;
    if (!(reservedHours >= 0)) {
      throw new RangeError(`Cannot use fileReservedTime ${reservedHours}: expected >= 0`);
    }
    const deleteHours = parseDeleteWhen(settings.deleteWhen ?? "04");
    const maxUsed = ratio("diskMaxUsedSpaceRatio", settings.diskMaxUsedSpaceRatio ?? 75);
    const forcibly = ratio(
      "diskSpaceCleanForciblyRatio",
      settings.diskSpaceCleanForciblyRatio ?? 85,
    );
    const warning = ratio("diskSpaceWarningLevelRatio", settings.diskSpaceWarningLevelRatio ?? 90);
    this.#reservedMs = reservedHours * HOUR_MS;
    this.#deleteHours = deleteHours;
    this.#maxUsedRatio = clampToRange(maxUsed, DISK_MAX_USED_SPACE_RATIO_RANGE);
    this.#forciblyRatio = clampToRange(forcibly, DISK_CLEAN_FORCIBLY_RATIO_RANGE);
    this.#warningRatio = clampToRange(warning, DISK_WARNING_LEVEL_RATIO_RANGE);
    this.#forciblyEnable = settings.cleanFileForciblyEnable ?? true;
  }

  /**
   * Measures the disk now, so a store started on a full disk refuses writes from the start (RocketMQ
   * 4.9.8 checks 1 s after start), then schedules a pass every `cleanResourceInterval` ms, the
   * first after `firstDelayMs`. A failed measurement is reported to `onError`.
   * @param firstDelayMs delay of the first pass (default CLEAN_RESOURCE_FIRST_DELAY_MS)
   */
  async start(firstDelayMs: number = CLEAN_RESOURCE_FIRST_DELAY_MS): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    try {
      await this.#measure();
    } catch (error) {
      this.#onError(error instanceof Error ? error : new Error(String(error)));
    }
    this.#schedule(firstDelayMs);
  }

  /** Cancels the schedule and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A failed scheduled pass was reported to onError, a direct run() to its caller.
    if (this.#running !== null) await Promise.allSettled([this.#running]);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      try {
        await this.run();
      } catch (error) {
        this.#onError(error instanceof Error ? error : new Error(String(error)));
      }
      this.#schedule(this.#intervalMs);
    }, delayMs);
  }

  /** true while disk use exceeds diskSpaceWarningLevelRatio (as of the last pass) */
  get diskFull(): boolean {
    return this.#diskFull;
  }

  /**
   * Refuses writes while the disk is full; the facade calls it before each put.
   * @throws {StoreDiskFullError} while {@linkcode diskFull}
   */
  checkWritable(): void {
    if (this.#diskFull) throw new StoreDiskFullError(this.#usedPercent, this.#warningRatio);
  }

  /** An admin asked to delete files now (RocketMQ `executeDeleteFilesManually`): the next 20 passes delete expired files at any hour. */
  requestManualDelete(): void {
    this.#manualDeletes = MANUAL_DELETE_FILE_SEVERAL_TIMES;
  }

  /**
   * One pass: measure the disk, delete commit-log files if due, then follower files below the
   * new min offset. Concurrent calls share one pass.
   * @returns what the pass did
   */
  run(): Promise<CleanResult> {
    if (this.#running !== null) return this.#running;
    const pass = this.#pass();
    this.#running = pass;
    const clear = () => {
      this.#running = null;
    };
    pass.then(clear, clear);
    return pass;
  }

  async #pass(): Promise<CleanResult> {
    const usedPercent = await this.#measure();
    const timeUp = this.#deleteHours.has(new Date(this.#clock.now()).getHours());
    // RocketMQ 5.x `isSpaceToDelete`: past the forcibly or the warning level (where puts are
    // refused) the pass runs at once and may delete unexpired files; past diskMaxUsedSpaceRatio
    // it runs but deletes only expired ones.
    const cleanImmediately = usedPercent > this.#forciblyRatio ||
      usedPercent > this.#warningRatio;
    // A volume without a capacity deletes expired files at any hour, and nothing more.
    const spaceFull = cleanImmediately || usedPercent > this.#maxUsedRatio || this.#usageUnknown;
    const manual = this.#manualDeletes > 0;
    let deletedSegments = 0;
    if (timeUp || spaceFull || manual) {
      if (manual) this.#manualDeletes--;
      const forcibly = this.#forciblyEnable && cleanImmediately;
      deletedSegments = await this.#deleteSegments(forcibly);
    }
    // Every pass, not only when the min offset moved: a follower that failed, or kept a file
    // it could not delete yet, gets another chance. One follower's failure skips no other.
    let deletedFollowerFiles = 0;
    let failure: unknown = undefined;
    const minOffset = this.#commitLog.minOffset();
    for (const follower of this.#followers) {
      try {
        deletedFollowerFiles += await follower.deleteExpiredFiles(minOffset);
      } catch (error) {
        failure ??= error;
      }
    }
    if (deletedSegments > 0) await this.#measure();
    if (failure !== undefined) throw failure;
    return {
      deletedSegments,
      deletedFollowerFiles,
      usedPercent: this.#usedPercent,
      diskFull: this.#diskFull,
    };
  }

  /** Updates disk use and the full flag from the fullest watched volume. */
  async #measure(): Promise<number> {
    let used = -1;
    this.#usageUnknown = false;
    for (const path of this.#diskPaths) {
      const percent = diskUsedPercent(await this.#diskUsage(path));
      if (percent === undefined) this.#usageUnknown = true; // not full: RocketMQ's -1
      else used = Math.max(used, percent);
    }
    this.#usedPercent = used;
    this.#diskFull = used > this.#warningRatio;
    return used;
  }

  /** Deletes the oldest files (never the newest, ≤ DELETE_FILE_BATCH_MAX), stopping at an unexpired one unless `forcibly`. */
  async #deleteSegments(forcibly: boolean): Promise<number> {
    const segments = this.#commitLog.segments();
    const now = this.#clock.now();
    const doomed: string[] = [];
    for (let i = 0; i < segments.length - 1 && doomed.length < DELETE_FILE_BATCH_MAX; i++) {
      const segment = segments[i];
      if (!forcibly) {
        const modifiedMs = segment.lastModifiedMs ?? (await this.#fs.stat(segment.path))?.mtimeMs;
        if (modifiedMs === undefined || now < modifiedMs + this.#reservedMs) break;
      }
      doomed.push(segment.path);
    }
    return doomed.length > 0 ? await this.#commitLog.deleteSegments(doomed) : 0;
  }
}

/**
 * Parses `deleteWhen`: hours 0..23 separated by `;` (RocketMQ `UtilAll.isItTimeToDo`).
 * @param deleteWhen e.g. `"04"` or `"04;05"`
 * @returns the hours
 * @throws {RangeError} when an item is not an hour
 */
export function parseDeleteWhen(deleteWhen: string): ReadonlySet<number> {
  const hours = new Set<number>();
  for (const item of deleteWhen.split(";")) {
    const text = item.trim();
    if (text === "") continue;
    const hour = /^[0-9]{1,2}$/.test(text) ? Number(text) : NaN;
    if (!(hour >= 0 && hour <= 23)) {
      throw new RangeError(
        `Cannot use deleteWhen ${JSON.stringify(deleteWhen)}: ${
          JSON.stringify(text)
        } is not an hour 0-23`,
      );
    }
    hours.add(hour);
  }
  return hours;
}

function ratio(key: string, value: number): number {
  if (!(value >= 0 && value <= 100)) {
    throw new RangeError(`Cannot use ${key} ${value}: expected 0..100`);
  }
  return value;
}

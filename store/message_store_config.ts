/**
 * The MessageStoreConfig keys the store uses, with RocketMQ's names, defaults (config.md,
 * store.md) and the bounds of `limits.ts`, as a zod schema.
 *
 * @module
 */

import { z } from "zod";
import { checkLayout } from "./_index_file_layout.ts";
import {
  COMMIT_LOG_SEGMENT_BYTES_DEFAULT,
  COMMIT_LOG_SEGMENT_BYTES_MAX,
  COMMIT_LOG_SEGMENT_BYTES_MIN,
  CONSUME_QUEUE_FILE_BYTES_DEFAULT,
  CONSUME_QUEUE_FILE_BYTES_MAX,
  CQ_STORE_UNIT_BYTES,
  INDEX_MAX_HASH_SLOT_NUM_DEFAULT,
  INDEX_MAX_INDEX_NUM_DEFAULT,
  MAX_MSGS_NUM_BATCH_DEFAULT,
  MESSAGE_BODY_BYTES_DEFAULT,
  MESSAGE_BODY_BYTES_MAX,
} from "./limits.ts";

const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);
const DAY_MS = 24 * 3600 * 1000;

/** zod schema of {@linkcode MessageStoreConfig}; unknown keys are rejected. */
export const MessageStoreConfigSchema = z.strictObject({
  /** root of all store files; required (the core cannot read $HOME) */
  storePathRootDir: z.string().min(1),
  /** commit-log folder (default `<root>/commitlog`) */
  storePathCommitLog: z.string().min(1).optional(),
  /** consume-queue folder (default `<root>/consumequeue`; an EdgeMQ override, not a RocketMQ key) */
  storePathConsumeQueue: z.string().min(1).optional(),
  /** index folder (default `<root>/index`; an EdgeMQ override, not a RocketMQ key) */
  storePathIndex: z.string().min(1).optional(),
  mappedFileSizeCommitLog: int(
    COMMIT_LOG_SEGMENT_BYTES_MIN,
    COMMIT_LOG_SEGMENT_BYTES_MAX,
    COMMIT_LOG_SEGMENT_BYTES_DEFAULT,
  ),
  mappedFileSizeConsumeQueue: int(
    CQ_STORE_UNIT_BYTES,
    CONSUME_QUEUE_FILE_BYTES_MAX,
    CONSUME_QUEUE_FILE_BYTES_DEFAULT,
  ),
  flushDiskType: z.enum(["ASYNC_FLUSH", "SYNC_FLUSH"]).default("ASYNC_FLUSH"),
  brokerRole: z.enum(["ASYNC_MASTER", "SYNC_MASTER", "SLAVE"]).default("ASYNC_MASTER"),
  flushIntervalCommitLog: int(1, 60_000, 500),
  flushCommitLogLeastPages: int(0, 1 << 20, 4),
  flushCommitLogThoroughInterval: int(0, DAY_MS, 10_000),
  /**
   * ASYNC_FLUSH: true (RocketMQ's default) syncs on the interval timer and every 8 MiB written
   * (COMMIT_LOG_ASYNC_SYNC_BYTES); false syncs once `flushCommitLogLeastPages` pages are written
   */
  flushCommitLogTimed: z.boolean().default(true),
  flushIntervalConsumeQueue: int(1, 60_000, 1_000),
  flushConsumeQueueLeastPages: int(0, 1 << 20, 2),
  flushConsumeQueueThoroughInterval: int(0, DAY_MS, 60_000),
  syncFlushTimeout: int(1, 600_000, 5_000),
  /**
   * fill each new commit-log file with zeros before use (RocketMQ's key spelling): a data sync
   * then writes no file-system metadata; pays under SYNC_FLUSH (commit_log_allocator.ts)
   */
  warmMapedFileEnable: z.boolean().default(false),
  /** pages between syncs while filling a file with zeros (16 MiB) */
  flushLeastPagesWhenWarmMapedFile: int(0, 0x7fff_ffff, 4096),
  /**
   * how long a put waits for room in a busy store (segment buffers, sync waiters, a dispatcher's
   * backlog) before OS_PAGECACHE_BUSY
   */
  osPageCacheBusyTimeOutMills: int(1, 60_000, 1_000),
  maxMessageSize: int(1, MESSAGE_BODY_BYTES_MAX, MESSAGE_BODY_BYTES_DEFAULT),
  checkCRCOnRecover: z.boolean().default(true),
  messageIndexEnable: z.boolean().default(true),
  messageIndexSafe: z.boolean().default(false),
  maxHashSlotNum: int(1, 50_000_000, INDEX_MAX_HASH_SLOT_NUM_DEFAULT),
  maxIndexNum: int(1, 100_000_000, INDEX_MAX_INDEX_NUM_DEFAULT),
  fileReservedTime: int(0, 100_000, 72),
  deleteWhen: z.string().default("04"),
  /** disk use (%) above which expired files go at any hour; used within 10..95, as RocketMQ */
  diskMaxUsedSpaceRatio: int(0, 100, 75),
  cleanResourceInterval: int(1, 3_600_000, 10_000),
  cleanFileForciblyEnable: z.boolean().default(true),
  /** disk use (%) above which files go even unexpired (5.x key; 4.x system property 0.85) */
  diskSpaceCleanForciblyRatio: int(0, 100, 85),
  /** disk use (%) above which the store refuses puts (5.x key; 4.x system property 0.90) */
  diskSpaceWarningLevelRatio: int(0, 100, 90),
  maxTransferBytesOnMessageInMemory: int(1, 1 << 30, 256 * 1024),
  maxTransferCountOnMessageInMemory: int(1, 1 << 20, 32),
  maxTransferBytesOnMessageInDisk: int(1, 1 << 30, 64 * 1024),
  maxTransferCountOnMessageInDisk: int(1, 1 << 20, 8),
  accessMessageInMemoryMaxRatio: int(0, 100, 40),
  maxMsgsNumBatch: int(1, 10_000, MAX_MSGS_NUM_BATCH_DEFAULT),
  defaultQueryMaxNum: int(1, 10_000, 32),
  offsetCheckInSlave: z.boolean().default(false),
});

/** The store's configuration, defaults applied. */
export type MessageStoreConfig = z.output<typeof MessageStoreConfigSchema>;

/** What callers pass: `storePathRootDir` and any overrides. */
export type MessageStoreConfigInput = z.input<typeof MessageStoreConfigSchema>;

/** Thrown for a configuration outside the schema's bounds. */
export class MessageStoreConfigError extends Error {
  /** @param message which key and why */
  constructor(message: string) {
    super(message);
    this.name = "MessageStoreConfigError";
  }
}

/**
 * Applies defaults and checks bounds.
 * @param input overrides (RocketMQ key names)
 * @returns the full configuration
 * @throws {MessageStoreConfigError} naming the first bad key
 * @example
 * ```ts
 * import { resolveMessageStoreConfig } from "./message_store_config.ts";
 * const config = resolveMessageStoreConfig({ storePathRootDir: "/tmp/store" });
 * console.assert(config.mappedFileSizeCommitLog === 1024 * 1024 * 1024);
 * ```
 */
export function resolveMessageStoreConfig(input: MessageStoreConfigInput): MessageStoreConfig {
  const parsed = MessageStoreConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MessageStoreConfigError(
      `Cannot use message store config ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const { maxHashSlotNum, maxIndexNum } = parsed.data;
  try {
    checkLayout({ maxHashSlotNum, maxIndexNum }); // else every keyed message fails to index
  } catch (error) {
    throw new MessageStoreConfigError(
      `Cannot use message store config maxHashSlotNum ${maxHashSlotNum} with maxIndexNum ${maxIndexNum}: ${
        (error as Error).message
      }`,
    );
  }
  return parsed.data;
}

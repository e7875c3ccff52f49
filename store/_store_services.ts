/**
 * Builds and connects the parts of the message store (internal to `message_store.ts`, which
 * keeps the lifecycle and the calls): commit log → reput → consume queues and index, the
 * flusher, the checkpoint loop, and retention over the commit log with the consume queues and
 * index as followers (store.md §9), the put path and the stats service it and `getMessage` feed.
 * {@linkcode applyLiveConfig} hands keys changed at runtime to the parts that copied them.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import { StoreCheckpoint } from "./checkpoint.ts";
import { CheckpointService } from "./checkpoint_service.ts";
import { CleanService, type RetentionFollower } from "./clean_service.ts";
import { CommitLog } from "./commit_log.ts";
import { CommitLogAllocator } from "./commit_log_allocator.ts";
import { CommitLogFlusher } from "./commit_log_flusher.ts";
import { commitLogSegmentSource } from "./commit_log_segment_source.ts";
import { ConsumeQueueStore } from "./consume_queue_store.ts";
import { IndexService } from "./index_service.ts";
import { INDEX_UNFLUSHED_ENTRIES_MAX, INDEX_UNFLUSHED_SPAN_BYTES_MAX } from "./limits.ts";
import type { MessageStoreConfig } from "./message_store_config.ts";
import type { MessageStoreOptions } from "./message_store_options.ts";
import { ReputMessageService } from "./reput_message_service.ts";
import type { StorePaths } from "./store_paths.ts";
import { StoreStatsService } from "./store_stats_service.ts";
import { PutPath } from "./_put_path.ts";
import { UnwrittenTail } from "./_unwritten_tail.ts";

/** The connected parts of one store. */
export interface StoreServices {
  readonly reput: ReputMessageService;
  readonly consumeQueueStore: ConsumeQueueStore;
  readonly indexService: IndexService;
  readonly commitLog: CommitLog;
  readonly flusher: CommitLogFlusher;
  readonly checkpoint: StoreCheckpoint;
  readonly checkpointService: CheckpointService;
  readonly cleanService: CleanService;
  readonly storeStatsService: StoreStatsService;
  readonly putPath: PutPath;
  /** with ackAfterWrite: which dispatched records are not in the file yet */
  readonly unwrittenTail?: UnwrittenTail;
}

/** Inputs of {@linkcode createStoreServices}. */
export interface StoreServicesInput {
  readonly options: MessageStoreOptions;
  readonly config: MessageStoreConfig;
  readonly paths: StorePaths;
  readonly clock: Clock;
  readonly onError: (error: Error) => void;
}

/** @returns every part of the store, connected; nothing is opened yet */
export function createStoreServices(input: StoreServicesInput): StoreServices {
  const { reput, consumeQueueStore, indexService } = createFollowers(input);
  const { commitLog, flusher, unwrittenTail } = createCommitLog(input, reput, consumeQueueStore);
  const { checkpoint, checkpointService } = createCheckpoint(
    input,
    flusher,
    consumeQueueStore,
    indexService,
  );
  const followers: RetentionFollower[] = [consumeQueueStore, indexService];
  const { options, config, paths, clock, onError } = input;
  const segments = commitLogSegmentSource(commitLog);
  const cleanService = new CleanService({
    fs: options.fs,
    clock,
    commitLog: {
      ...segments,
      // A file's consume-queue units and index entries are made durable before it goes: after
      // a crash, recovery could not rebuild them from a file no longer there.
      async deleteSegments(paths) {
        await reput.drain();
        await checkpointService.flush(true);
        return await segments.deleteSegments(paths);
      },
    },
    followers,
    diskPaths: [paths.commitLog, paths.consumeQueue],
    diskUsage: options.diskUsage,
    fileReservedTime: config.fileReservedTime,
    deleteWhen: config.deleteWhen,
    diskMaxUsedSpaceRatio: config.diskMaxUsedSpaceRatio,
    diskSpaceCleanForciblyRatio: config.diskSpaceCleanForciblyRatio,
    diskSpaceWarningLevelRatio: config.diskSpaceWarningLevelRatio,
    cleanFileForciblyEnable: config.cleanFileForciblyEnable,
    cleanResourceInterval: config.cleanResourceInterval,
    onError,
  });
  const storeStatsService = new StoreStatsService(clock);
  const putPath = new PutPath({
    config,
    commitLog,
    flusher,
    reput,
    clean: cleanService,
    clock,
    statsService: storeStatsService,
    onPut: options.onPut,
    ackAfterWrite: options.ackAfterWrite === true,
    index: indexService,
  });
  return {
    unwrittenTail,
    reput,
    consumeQueueStore,
    indexService,
    commitLog,
    flusher,
    checkpoint,
    checkpointService,
    cleanService,
    storeStatsService,
    putPath,
  };
}

/**
 * The reput and the dispatchers it feeds: consume queues first (long polling), then the index.
 * The index exists even with `messageIndexEnable` off, which is read per record (RocketMQ's
 * CommitLogDispatcherBuildIndex), so turning it on at runtime indexes the records that follow.
 */
function createFollowers({ options, config, paths, clock, onError }: StoreServicesInput) {
  const fs = options.fs;
  const reput = new ReputMessageService({
    onMessageArrived: options.onMessageArrived,
    onError,
    tagsCodeOf: options.tagsCodeOf,
  });
  const consumeQueueStore = new ConsumeQueueStore({
    fs,
    rootDir: paths.consumeQueue,
    fileBytes: config.mappedFileSizeConsumeQueue,
    onWarning: (message) => onError(new Error(message)),
  });
  reput.register(consumeQueueStore);
  const indexService = new IndexService({
    fs,
    dir: paths.index,
    clock,
    maxHashSlotNum: config.maxHashSlotNum,
    maxIndexNum: config.maxIndexNum,
    maxMsgsNumBatch: config.maxMsgsNumBatch,
  });
  reput.register({
    dispatch: (request) => config.messageIndexEnable ? indexService.dispatch(request) : undefined,
  });
  return { reput, consumeQueueStore, indexService };
}

/** The commit log, its file allocator and its flusher. */
function createCommitLog(
  { options, config, paths, clock, onError }: StoreServicesInput,
  reput: ReputMessageService,
  consumeQueueStore: ConsumeQueueStore,
) {
  const fs = options.fs;
  const late: { flusher?: CommitLogFlusher } = {};
  // Fed at append, before the dispatch lanes (it never waits, so it needs no lane of its own).
  const unwrittenTail = options.ackAfterWrite === true
    ? new UnwrittenTail(() => late.flusher!.writtenOffset)
    : undefined;
  const commitLog = new CommitLog({
    fs,
    dir: paths.commitLog,
    segmentBytes: config.mappedFileSizeCommitLog,
    clock,
    storeHost: options.storeHost,
    maxMessageSize: config.maxMessageSize,
    onAppend: unwrittenTail === undefined ? (request) => reput.dispatch(request) : (request) => {
      unwrittenTail.dispatch(request);
      reput.dispatch(request);
    },
    initialQueueOffset: (topic, queueId) =>
      consumeQueueStore.findConsumeQueue(topic, queueId)?.maxOffset ?? 0,
    onDirty: () => late.flusher!.kick(),
    allocator: new CommitLogAllocator({
      fs,
      dir: paths.commitLog,
      segmentBytes: config.mappedFileSizeCommitLog,
      warm: config.warmMapedFileEnable,
      syncEveryPages: config.flushLeastPagesWhenWarmMapedFile,
      onError,
    }),
  });
  const flusher = new CommitLogFlusher({
    fs,
    clock,
    commitLog,
    flushDiskType: config.flushDiskType,
    flushIntervalCommitLog: config.flushIntervalCommitLog,
    flushCommitLogLeastPages: config.flushCommitLogLeastPages,
    flushCommitLogThoroughInterval: config.flushCommitLogThoroughInterval,
    flushCommitLogTimed: config.flushCommitLogTimed,
    syncFlushTimeout: config.syncFlushTimeout,
    onError,
  });
  late.flusher = flusher;
  return { commitLog, flusher, unwrittenTail };
}

/**
 * Whether a flush round syncs the index. RocketMQ syncs an index file only when it is full;
 * syncing ~500 scattered slot pages every second also stalls the commit log's own syncs (one
 * journal). So the index syncs on the thorough round, with `messageIndexSafe`, when its newest
 * file has never synced an entry, or once the commit-log span a crash would re-read, or the
 * entries held in memory, pass their limits. What
 * it has not synced is rebuilt from the commit log after a crash (`MessageStore` re-dispatches
 * from {@linkcode IndexService.recoveryOffset}).
 */
function indexFlushDue(
  index: IndexService,
  thorough: boolean,
  config: { readonly messageIndexSafe: boolean },
): boolean {
  return thorough || config.messageIndexSafe || index.awaitsFirstSync ||
    index.unflushedSpanBytes >= INDEX_UNFLUSHED_SPAN_BYTES_MAX ||
    index.unflushedEntries >= INDEX_UNFLUSHED_ENTRIES_MAX;
}

/** The checkpoint file and the loop that flushes the consume queues and index into it. */
function createCheckpoint(
  { options, config, paths, clock, onError }: StoreServicesInput,
  flusher: CommitLogFlusher,
  consumeQueueStore: ConsumeQueueStore,
  indexService: IndexService,
) {
  const checkpoint = new StoreCheckpoint(options.fs, paths.checkpoint);
  const checkpointService = new CheckpointService({
    clock,
    checkpoint,
    flushIntervalConsumeQueue: config.flushIntervalConsumeQueue,
    flushConsumeQueueLeastPages: config.flushConsumeQueueLeastPages,
    flushConsumeQueueThoroughInterval: config.flushConsumeQueueThoroughInterval,
    flushConsumeQueues: async (leastPages, thorough) => {
      await consumeQueueStore.flush(leastPages);
      if (indexFlushDue(indexService, thorough, config)) {
        await indexService.flush();
      }
    },
    physicTimestamp: () => flusher.flushedTimestamp,
    logicsTimestamp: () => consumeQueueStore.flushedStoreTimestamp,
    indexTimestamp: () => indexService.flushedTimestamp,
    onError,
  });
  return { checkpoint, checkpointService };
}

/**
 * The MessageStoreConfig keys a running store takes (UPDATE_BROKER_CONFIG, `PATCH /config`): as
 * RocketMQ's store reads them from its live MessageStoreConfig on each use (puts, pulls, flush
 * rounds, index dispatch, retention passes; `brokerRole` by the put check and the pull's offset
 * check, as 4.9.8's DefaultMessageStore). The others (paths, file sizes, flushDiskType,
 * warmMapedFileEnable, the index layout, cleanResourceInterval, ...) are read once at start, in
 * RocketMQ too.
 */
export const STORE_LIVE_KEYS = [
  "maxMessageSize",
  "osPageCacheBusyTimeOutMills",
  "flushIntervalCommitLog",
  "flushCommitLogLeastPages",
  "flushCommitLogThoroughInterval",
  "flushCommitLogTimed",
  "syncFlushTimeout",
  "flushIntervalConsumeQueue",
  "flushConsumeQueueLeastPages",
  "flushConsumeQueueThoroughInterval",
  "messageIndexEnable",
  "messageIndexSafe",
  "maxMsgsNumBatch",
  "maxTransferBytesOnMessageInMemory",
  "maxTransferCountOnMessageInMemory",
  "maxTransferBytesOnMessageInDisk",
  "maxTransferCountOnMessageInDisk",
  "accessMessageInMemoryMaxRatio",
  "offsetCheckInSlave",
  "brokerRole",
  "fileReservedTime",
  "deleteWhen",
  "diskMaxUsedSpaceRatio",
  "diskSpaceCleanForciblyRatio",
  "diskSpaceWarningLevelRatio",
  "cleanFileForciblyEnable",
] as const satisfies readonly (keyof MessageStoreConfig)[];

/**
 * Applies a changed configuration to a running store: the {@linkcode STORE_LIVE_KEYS} are
 * written into the store's own config object (which the put path, the pull path, the index
 * dispatcher and the flush round read on each use), then handed to the parts that keep a copy:
 * retention, the commit log's size check, the flushers and the index query cap. Retention
 * checks its keys first, so a refused update changes nothing.
 * @param services the store's parts
 * @param config the store's config object, updated in place
 * @param next the new configuration
 * @throws {RangeError} for a bad retention key (`deleteWhen`); nothing changes then
 */
export function applyLiveConfig(
  services: StoreServices,
  config: MessageStoreConfig,
  next: MessageStoreConfig,
): void {
  services.cleanService.updateSettings(next);
  const live = config as Record<(typeof STORE_LIVE_KEYS)[number], unknown>;
  for (const key of STORE_LIVE_KEYS) live[key] = next[key];
  services.commitLog.updateMaxMessageSize(config.maxMessageSize);
  services.flusher.updateSettings(config);
  services.checkpointService.updateSettings(config);
  services.indexService.maxMsgsNumBatch = config.maxMsgsNumBatch;
}

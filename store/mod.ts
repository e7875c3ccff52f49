/**
 * The message store: RocketMQ-compatible commit log, consume queues, index, flush, recovery and
 * retention over an injected {@linkcode FileSystem}.
 *
 * @module
 */

// ---- store core ---------------------------------------------------------------------------------

/** File abstraction and its adapters. */
export {
  type DiskUsage,
  diskUsedPercent,
  type FileHandle,
  type FileInfo,
  type FileLock,
  FileNotFoundError,
  type FileSystem,
  type OpenOptions,
} from "./file_system.ts";
export { DenoFileSystem } from "./adapters/deno_file_system.ts";
export {
  type CrashTear,
  MemoryFileSystem,
  type MemoryFileSystemOptions,
} from "./adapters/memory_file_system.ts";

/** The facade the broker uses. */
export {
  MessageStore,
  type MessageStoreOptions,
  type MessageStoreStats,
  type QueryMessageResult,
} from "./message_store.ts";
export { type PutListener } from "./message_store_options.ts";
export {
  GET_TPS_WINDOW_SECONDS_MAX,
  PUT_MESSAGE_ENTIRE_TIME_MAX_DESC,
  PUT_TIME_WINDOW_MS,
  StoreStatsService,
} from "./store_stats_service.ts";
export { StoreLockedError } from "./store_lock.ts";
export {
  type MessageStoreConfig,
  MessageStoreConfigError,
  type MessageStoreConfigInput,
  MessageStoreConfigSchema,
  resolveMessageStoreConfig,
} from "./message_store_config.ts";
export {
  PUT_MESSAGE_RESPONSES,
  type PutMessageResponse,
  putMessageResponse,
  type PutMessageResult,
  PutMessageStatus,
} from "./put_message_status.ts";
export {
  type GetMessageResult,
  GetMessageStatus,
  type MessageFilter,
} from "./get_message_result.ts";
export { type MessageArrivedListener } from "./reput_message_service.ts";

/** Record codec, properties, ids and CRC (the broker builds pull bodies and ids with them). */
export {
  BLANK_MAGIC_CODE,
  decodeRecord,
  MESSAGE_MAGIC_CODE_V1,
  MESSAGE_MAGIC_CODE_V2,
  type MessageExtBrokerInner,
  type MessageRecord,
  MessageSysFlag,
  RecordDecodeError,
  recordSize,
  storeTimestampOf,
  transactionType,
} from "./message_record.ts";
export { type EncodeRefusal, MessageRecordEncoder } from "./message_record_encoder.ts";
export {
  computeTagsCode,
  decodeProperties,
  encodeProperties,
  findProperty,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
} from "./message_properties.ts";
export {
  createOffsetMessageId,
  decodeOffsetMessageId,
  formatHostAddress,
  type HostAddress,
  hostAddress,
  InvalidAddressError,
  type OffsetMessageId,
} from "./message_id.ts";
export { bodyCrc, crc32 } from "./crc32.ts";

/** Commit log components (for HA and tools). */
export { AppendMessageResult, CommitLog, CommitLogLoadError } from "./commit_log.ts";
export { CommitLogFlusher, type FlushDiskType, type FlushStats } from "./commit_log_flusher.ts";
export { CommitLogAllocator, type CommitLogAllocatorOptions } from "./commit_log_allocator.ts";
export { commitLogSegmentSource } from "./commit_log_segment_source.ts";
export { type RecoveryReport, type ScanReport } from "./commit_log_recovery.ts";
export { StoreCheckpoint } from "./checkpoint.ts";
export { type CommitLogDispatcher, type DispatchRequest } from "./dispatch_request.ts";

// ---- store index (appended by store-index) -----------------------------------------------------

/** Consume queues: 20-byte units per topic × queueId (store.md §3). */
export {
  ConsumeQueue,
  consumeQueueFileBytes,
  ConsumeQueueLoadError,
  type ConsumeQueueOptions,
} from "./consume_queue.ts";
export {
  BLANK_UNIT_SIZE,
  ConsumeQueueUnits,
  isValidUnit,
  readInt64,
  writeInt64,
} from "./consume_queue_units.ts";
export { type OffsetByTimeOptions } from "./consume_queue_time_search.ts";
export {
  ConsumeQueueStore,
  type ConsumeQueueStoreOptions,
  type QueueOffsets,
} from "./consume_queue_store.ts";

/** Message index: key → commit-log offsets (store.md §4). */
export { IndexFile, IndexFileError, type IndexFileOptions, indexKeyHash } from "./index_file.ts";
export { IndexService, type IndexServiceOptions, type QueryOffsetResult } from "./index_service.ts";
export { formatFileTime, indexKeys } from "./index_keys.ts";

/** Retention and disk space (store.md §9). */
export {
  type CleanResult,
  CleanService,
  type CleanServiceOptions,
  type CommitLogSegmentInfo,
  type CommitLogSegmentSource,
  parseDeleteWhen,
  type RetentionFollower,
  StoreDiskFullError,
} from "./clean_service.ts";

/** Store layout and metadata JSON files (store.md §1, §10). */
export {
  joinPath,
  parentPath,
  resolveStorePaths,
  StorePathError,
  type StorePaths,
  type StorePathsOptions,
} from "./store_paths.ts";
export {
  ConfigFile,
  ConfigFileCorruptError,
  type ConfigFileOptions,
  type ConfigFileSource,
} from "./config_file.ts";
export {
  FastjsonParseError,
  FastjsonStringifyError,
  parseFastjson,
  stringifyFastjson,
  type StringifyFastjsonOptions,
} from "./fastjson.ts";

/**
 * Named maxima of the store, each with the reason for its value (STYLE.md "Limits").
 * Sections: store core (commit log, flush, reads) and store index (appended by its owner).
 *
 * @module
 */

import assert from "node:assert/strict";
import { JSON_BODY_DEPTH_MAX } from "../common/limits.ts";

// ---- store core -------------------------------------------------------------------------------

/** Properties string bytes: the record's PROPERTIESLENGTH is an int16 (message-format.md §1). */
export const PROPERTIES_BYTES_MAX = 32_767;

/** Topic bytes in a V1 record: TOPICLENGTH is one signed byte (message-format.md §1). */
export const TOPIC_BYTES_MAX_V1 = 127;

/** Encoded topics kept by the record encoder; a broker has far fewer topics, the cap bounds memory. */
export const TOPIC_CACHE_ENTRIES_MAX = 4_096;

/** Default `maxMessageSize`: RocketMQ's 4 MiB body limit (store.md §2). */
export const MESSAGE_BODY_BYTES_DEFAULT = 4 * 1024 * 1024;

/** Largest `maxMessageSize` accepted: 16 × RocketMQ's default; bigger bodies belong elsewhere. */
export const MESSAGE_BODY_BYTES_MAX = 64 * 1024 * 1024;

/** Largest record a scan accepts: the largest body plus properties, topic and headers. */
export const RECORD_BYTES_MAX = MESSAGE_BODY_BYTES_MAX + PROPERTIES_BYTES_MAX + 1024;

/** Default `mappedFileSizeCommitLog`: 1 GiB segments, as RocketMQ (store.md §2). */
export const COMMIT_LOG_SEGMENT_BYTES_DEFAULT = 1024 * 1024 * 1024;

/**
 * Smallest `mappedFileSizeCommitLog` accepted: one page. A record that does not fit a segment is
 * refused as MESSAGE_ILLEGAL, so small segments (tests) only limit the message size.
 */
export const COMMIT_LOG_SEGMENT_BYTES_MIN = 4_096;

/** Largest `mappedFileSizeCommitLog`: RocketMQ holds it in a Java int. */
export const COMMIT_LOG_SEGMENT_BYTES_MAX = 0x7fff_ffff;

/**
 * Commit-log memory in segments a writer that lags behind the appender may hold (bounded by
 * COMMIT_LOG_MEMORY_BYTES_MAX). Beyond it appends get OS_PAGECACHE_BUSY instead of growing
 * memory without bound.
 */
export const COMMIT_LOG_SEGMENT_BUFFERS_MAX = 4;

/**
 * Bytes of one commit-log memory chunk: small enough to warm in slices while a sync is in
 * flight and to recycle at a fine grain, large enough that few records cross a chunk end
 * (those are encoded into scratch space and copied).
 */
export const COMMIT_LOG_CHUNK_BYTES = 1024 * 1024;

/**
 * Most commit-log memory (the tail window and the writer's backlog together): only a writer
 * that lags far behind the appender (a stalled disk) grows memory past the tail window, and
 * 512 MiB of backlog is ~0.3 s of appends at the disk's streaming rate.
 */
export const COMMIT_LOG_MEMORY_BYTES_MAX = 512 * 1024 * 1024;

/**
 * Commit-log memory kept for tail readers once written (32 MiB ≈ 28,000 1 KiB messages): above
 * it the oldest written chunk is reused before a new one is made, because memory touched for
 * the first time costs more than encoding (bench/README: ≈ 0.6 GB/s). Older bytes are read from
 * the page cache through the commit log's read cache, about as fast.
 */
export const COMMIT_LOG_TAIL_WINDOW_BYTES = 32 * 1024 * 1024;

/** Least commit-log memory, whatever the segment size: 16 MiB lets small-segment stores batch writes. */
export const COMMIT_LOG_MEMORY_BYTES_MIN = 16 * 1024 * 1024;

/**
 * Fresh chunks kept touched ahead of the writer (8 MiB): page faults on never-used memory cost
 * more than encoding (bench/README), so the flusher pays them while it waits for the disk.
 */
export const COMMIT_LOG_SPARE_CHUNKS = 8;

/**
 * Largest single file write of the flush pipeline (256 KiB ≈ 30–60 µs into the page cache).
 * The Deno adapter writes up to this size synchronously; its async path, measured in the store
 * bench, costs twice the system time and lets the writer fall behind the appender, because
 * each async write completes one event-loop turn later. A burst is written as several calls.
 */
export const COMMIT_LOG_WRITE_BYTES_MAX = 256 * 1024;

/**
 * Unwritten bytes that start a file write at once; fewer wait for the next event-loop turn, so
 * a burst of appends costs one write instead of one syscall per message. One full write
 * (COMMIT_LOG_WRITE_BYTES_MAX): measured in the store bench, 256 KiB writes cost 14 % less CPU
 * per message than 64 KiB ones (fewer seek + write calls).
 */
export const COMMIT_LOG_WRITE_EAGER_BYTES = 256 * 1024;

/**
 * The same under SYNC_FLUSH: the sync round after a burst of appends writes the burst in one
 * call, so writing part of it earlier only adds a call; a burst longer than one write still
 * starts the writer.
 */
export const COMMIT_LOG_WRITE_EAGER_SYNC_BYTES = 256 * 1024;

/**
 * ASYNC_FLUSH: written but unsynced commit-log bytes that start a sync at once, besides the
 * `flushIntervalCommitLog` timer (RocksDB's `bytes_per_sync`, the kernel's
 * `dirty_background_bytes`). The disk then writes back while the appender runs, instead of
 * taking up to one interval of appends (~400 MiB at 800,000 msg/s) in a single sync at the next
 * tick or at shutdown. Measured in the store bench (1 GiB of 1 KiB appends, raw ~1,600 MiB/s):
 * the final flush fell from ~250 to ~40 ms and the append rate rose from ~720,000 to
 * ~880,000 msg/s; 4, 8 and 16 MiB did alike, 64 MiB less well. The syncs run on the runtime's
 * I/O thread: the appends themselves took as long as without them (~1 s per GiB).
 */
export const COMMIT_LOG_ASYNC_SYNC_BYTES = 8 * 1024 * 1024;

/**
 * Fresh memory the flusher touches per sync while the disk works (128 KiB ≈ 50–200 µs): more
 * than a sync round of 64 1 KiB appends uses, and short enough not to delay the next round.
 */
export const COMMIT_LOG_WARM_SLICE_BYTES = 128 * 1024;

/**
 * Bytes one commit-log read from the file fetches for the records after it (the read cache):
 * ~225 1 KiB records per read call instead of one, and at most 256 KiB so the Deno adapter
 * reads it synchronously (~30 µs from the page cache).
 */
export const COMMIT_LOG_READ_BLOCK_BYTES = 256 * 1024;

/**
 * Read-cache blocks kept (4 MiB): a few readers at different places in the log (lagging
 * consumers, lookups by offset) each keep their block between pulls.
 */
export const COMMIT_LOG_READ_BLOCKS_MAX = 16;

/** Bytes read per step when recovery scans a segment: large sequential reads, bounded memory. */
export const RECOVERY_READ_BYTES = 8 * 1024 * 1024;

/** Messages in one putMessages batch (RocketMQ bounds the batch body by maxMessageSize too). */
export const BATCH_MESSAGES_MAX = 4_096;

/**
 * SYNC_FLUSH appenders waiting for a sync at once; beyond it a put waits for a round to resolve
 * some (≤ osPageCacheBusyTimeOutMills), then gets OS_PAGECACHE_BUSY.
 */
export const SYNC_FLUSH_WAITERS_MAX = 65_536;

/**
 * Records queued for one dispatcher that went asynchronous (an index file being created,
 * loaded or sealed); beyond it a put waits for it to catch up (≤ osPageCacheBusyTimeOutMills),
 * then gets OS_PAGECACHE_BUSY. Each queued record is a request object of ~150 bytes (~40 MB at
 * the limit), and RocketMQ's reput reads the log instead, so without a bound a stalled disk
 * would grow the heap until the process dies. ~0.3 s of the fastest ASYNC_FLUSH appends
 * measured here.
 */
export const DISPATCH_BACKLOG_MAX = 262_144;

/**
 * Resolved SYNC_FLUSH waiter slots at the front of the queue above which (and above half the
 * queue) the live ones move down: a queue that never empties stays bounded, and the move costs
 * at most one copy per slot resolved.
 */
export const SYNC_FLUSH_WAITERS_COMPACT_MIN = 1_024;

/**
 * Longest gap between SYNC_FLUSH deadline checks while appenders wait: bounds how late a
 * FLUSH_DISK_TIMEOUT answer can be, and costs at most 100 timer wake-ups per second.
 */
export const SYNC_FLUSH_TIMEOUT_CHECK_MS = 10;

/** Page size used for flushCommitLogLeastPages accounting (RocketMQ's OS_PAGE_SIZE). */
export const OS_PAGE_BYTES = 4_096;

/** Size of the checkpoint file (store.md §5). */
export const CHECKPOINT_FILE_BYTES = 4_096;

/** Minimum CQ bytes scanned per pull (store.md §8: max(16000, maxMsgNums × 20)). */
export const GET_MESSAGE_SCAN_BYTES_MIN = 16_000;

/** Records the normal (clean) recovery re-checks: from the third-to-last segment (store.md §6). */
export const NORMAL_RECOVERY_SEGMENTS = 3;

/** Recovery "min timestamp" safety margin: min(physic, logics) − 3000 ms (store.md §5). */
export const CHECKPOINT_SAFETY_MARGIN_MS = 3_000;

assert(COMMIT_LOG_SEGMENT_BYTES_DEFAULT > MESSAGE_BODY_BYTES_DEFAULT + PROPERTIES_BYTES_MAX + 1024);
assert(
  RECOVERY_READ_BYTES > MESSAGE_BODY_BYTES_DEFAULT + PROPERTIES_BYTES_MAX + 1024,
  "a record fits a read",
);
assert(COMMIT_LOG_WRITE_BYTES_MAX <= COMMIT_LOG_SEGMENT_BYTES_DEFAULT);
assert(COMMIT_LOG_WRITE_EAGER_BYTES <= COMMIT_LOG_WRITE_BYTES_MAX);
assert(COMMIT_LOG_WRITE_EAGER_SYNC_BYTES <= COMMIT_LOG_WRITE_BYTES_MAX);
assert(COMMIT_LOG_SEGMENT_BUFFERS_MAX >= 2, "current and previous segment must fit");
assert(COMMIT_LOG_MEMORY_BYTES_MIN <= COMMIT_LOG_MEMORY_BYTES_MAX);
assert(COMMIT_LOG_TAIL_WINDOW_BYTES <= COMMIT_LOG_MEMORY_BYTES_MAX, "the window fits the budget");
assert(COMMIT_LOG_CHUNK_BYTES * COMMIT_LOG_SPARE_CHUNKS <= COMMIT_LOG_MEMORY_BYTES_MIN);
assert(CHECKPOINT_FILE_BYTES >= 40, "checkpoint holds five int64 fields");

// ---- store index (owned by store-index) -------------------------------------------------------

/** Bytes of one consume-queue unit: int64 offset, int32 size, int64 tag code (store.md §3). */
export const CQ_STORE_UNIT_BYTES = 20;

/** Default `mappedFileSizeConsumeQueue`: 300 000 units (store.md §3). */
export const CONSUME_QUEUE_FILE_BYTES_DEFAULT = 300_000 * CQ_STORE_UNIT_BYTES;

/**
 * Largest configurable consume-queue file: its bytes are addressed with int32 arithmetic in
 * RocketMQ's `MappedFile`, and a file must fit one Uint8Array when read for recovery.
 */
export const CONSUME_QUEUE_FILE_BYTES_MAX = 0x7fffffff - (0x7fffffff % CQ_STORE_UNIT_BYTES);

/** First size of a queue's in-memory tail cache: idle queues (most of them) stay small. */
export const CONSUME_QUEUE_CACHE_BYTES_INITIAL = 256 * CQ_STORE_UNIT_BYTES;

/**
 * Tail cache per queue (65 536 units, 1.25 MiB): consumers lagging less than ~32 K messages
 * read from memory without I/O; beyond it the cache slides, so memory per queue stays bounded
 * however busy the queue is. Unflushed units are never dropped, so the cap can be exceeded
 * briefly while a flush is pending.
 */
export const CONSUME_QUEUE_CACHE_BYTES_MAX = 65_536 * CQ_STORE_UNIT_BYTES;

/**
 * Largest block of a tail cache (16 384 units, 320 KiB). The cache slides a whole flushed block
 * at a time, so once flushed it keeps at least half its cap of units and at most the cap plus
 * a block; a flush writes a block per call, and blocks this size keep a busy queue's flush to a
 * few large writes.
 */
export const CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX = CONSUME_QUEUE_CACHE_BYTES_MAX / 4;

/**
 * Units returned by one read: a pull scans at most max(16 000, maxMsgNums × 20) CQ bytes
 * (store.md §8), and a cold read allocates its buffer, so the batch must be bounded.
 */
export const CONSUME_QUEUE_READ_UNITS_MAX = 8_192;

/** Bytes read per step when recovery or a correction scans consume-queue files. */
export const CONSUME_QUEUE_SCAN_BYTES = 52_428 * CQ_STORE_UNIT_BYTES;

/**
 * Consume-queue files kept open for reads across pulls (least recently used closed first): an
 * open per pull costs more than the read; 128 bounds descriptors whatever the queue count.
 */
export const CONSUME_QUEUE_OPEN_FILES_MAX = 128;

/** Files checked by consume-queue recovery: from the third-to-last (store.md §6). */
export const CONSUME_QUEUE_RECOVER_FILES = 3;

/** Bytes of the index file header (store.md §4). */
export const INDEX_HEADER_BYTES = 40;

/** Bytes of one hash slot (int32) in an index file (store.md §4). */
export const INDEX_HASH_SLOT_BYTES = 4;

/** Bytes of one index entry: hash, offset, time diff, previous (store.md §4). */
export const INDEX_ENTRY_BYTES = 20;

/** Default `maxHashSlotNum` (store.md §4). */
export const INDEX_MAX_HASH_SLOT_NUM_DEFAULT = 5_000_000;

/** Default `maxIndexNum` (store.md §4). */
export const INDEX_MAX_INDEX_NUM_DEFAULT = 20_000_000;

/** Tries at creating (or loading) the next index file before the index counts as broken (RocketMQ MAX_TRY_IDX_CREATE). */
export const INDEX_FILE_CREATE_TRIES = 3;

/** Pause between those tries, ms (RocketMQ sleeps 1 s). */
export const INDEX_FILE_CREATE_RETRY_MS = 1000;

/**
 * Largest index file we create or open: the writer keeps the slot table in memory and entry
 * numbers are int32 on disk; 2 GiB also keeps every position a safe JS integer.
 */
export const INDEX_FILE_BYTES_MAX = 0x7fffffff;

/** `maxMsgsNumBatch`: cap on offsets one QUERY_MESSAGE returns (store.md §4). */
export const MAX_MSGS_NUM_BATCH_DEFAULT = 64;

/**
 * Most record bytes one key query answers (QUERY_MESSAGE, 8 MiB): half the 16 MiB frame a Java
 * client decodes, whatever maxMsgsNumBatch (up to 10,000) and the message size (up to 4 MiB)
 * allow. Records past it, the newest, are left out.
 */
export const QUERY_MESSAGE_BYTES_MAX = 8 * 1024 * 1024;

/** Commit-log files one retention pass deletes (RocketMQ `DELETE_FILES_BATCH_MAX`, store.md §9). */
export const DELETE_FILE_BATCH_MAX = 10;

/** Delay of the first retention pass after start (RocketMQ schedules it 60 s after start). */
export const CLEAN_RESOURCE_FIRST_DELAY_MS = 60_000;

/**
 * The range RocketMQ 5.x keeps `diskSpaceWarningLevelRatio` (%) in: past 90 the disk could fill
 * before writes are refused, below 35 writes would be refused on a mostly empty disk.
 */
export const DISK_WARNING_LEVEL_RATIO_RANGE: readonly [number, number] = [35, 90];

/**
 * The range RocketMQ (4.9.8 and 5.x `MessageStoreConfig.getDiskMaxUsedSpaceRatio`) keeps
 * `diskMaxUsedSpaceRatio` (%) in: a broker.conf or update outside it is used at the nearest end,
 * not refused, so a RocketMQ configuration starts here too.
 */
export const DISK_MAX_USED_SPACE_RATIO_RANGE: readonly [number, number] = [10, 95];

/** The range RocketMQ 5.x keeps `diskSpaceCleanForciblyRatio` (%) in. */
export const DISK_CLEAN_FORCIBLY_RATIO_RANGE: readonly [number, number] = [30, 85];

/**
 * @param value a configured disk level
 * @param range one of the ranges above
 * @returns the level used: `value` moved into `range`
 */
export function clampToRange(value: number, [low, high]: readonly [number, number]): number {
  return Math.min(high, Math.max(low, value));
}

/** Passes an admin's manual delete request keeps deleting (RocketMQ `executeDeleteFilesManually`). */
export const MANUAL_DELETE_FILE_SEVERAL_TIMES = 20;

/**
 * Largest metadata JSON file read: consumerOffset.json of a large broker stays well below it; a
 * bigger file is damage, and reading it would exhaust memory.
 */
export const CONFIG_FILE_BYTES_MAX = 256 * 1024 * 1024;

/** Nesting of a metadata JSON value written as fastjson: RocketMQ's files nest ≤ 5 levels. */
export const FASTJSON_DEPTH_MAX = 64;

assert(FASTJSON_DEPTH_MAX <= JSON_BODY_DEPTH_MAX, "what fastjson writes can be read back");
assert(CONSUME_QUEUE_FILE_BYTES_DEFAULT % CQ_STORE_UNIT_BYTES === 0, "CQ file holds whole units");
assert(CONSUME_QUEUE_CACHE_BYTES_MAX % CQ_STORE_UNIT_BYTES === 0, "cache holds whole units");
assert(CONSUME_QUEUE_SCAN_BYTES % CQ_STORE_UNIT_BYTES === 0, "scan reads whole units");
assert(CONSUME_QUEUE_CACHE_BYTES_INITIAL <= CONSUME_QUEUE_CACHE_BYTES_MAX);
assert(
  CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX % CQ_STORE_UNIT_BYTES === 0 &&
    CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX >= CONSUME_QUEUE_CACHE_BYTES_INITIAL &&
    CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX <= CONSUME_QUEUE_CACHE_BYTES_MAX / 2,
  "a tail-cache block holds whole units, at least the first block, at most half the cache",
);
assert(CONSUME_QUEUE_READ_UNITS_MAX * CQ_STORE_UNIT_BYTES <= CONSUME_QUEUE_CACHE_BYTES_MAX / 2);
assert(
  INDEX_HEADER_BYTES + INDEX_MAX_HASH_SLOT_NUM_DEFAULT * INDEX_HASH_SLOT_BYTES +
      INDEX_MAX_INDEX_NUM_DEFAULT * INDEX_ENTRY_BYTES <= INDEX_FILE_BYTES_MAX,
  "the default index file fits INDEX_FILE_BYTES_MAX",
);

/**
 * Page writes a background flush (index slots, consume queues) makes before it yields to the
 * event loop: small writes are synchronous, and a thousand of them in a row (an index flush at
 * 1,000 msg/s) would hold requests for ~10 ms. 16 writes of 4 KiB take ~0.2 ms.
 */
export const FLUSH_WRITES_PER_TURN = 16;

/**
 * Commit-log bytes indexed but not yet synced to the index that force an index sync between
 * thorough rounds: after a crash re-dispatch re-reads at most this much (~0.3 s of scanning).
 */
export const INDEX_UNFLUSHED_SPAN_BYTES_MAX = 256 * 1024 * 1024;

/**
 * Newest entries checked when an index file of another size is opened with its own layout
 * (detectLayout): a wrong slot count passes each check about once in maxHashSlotNum, so 16
 * make a wrong pick negligible even for a small slot table, at 32 small reads per such file.
 */
export const INDEX_LAYOUT_CHECK_ENTRIES = 16;

/**
 * Links walked from a slot to one of those entries (detectLayout): a real chain passes only the
 * newer entries of that slot, counted or left uncounted by a crash; the bound keeps a corrupt
 * file's chain from costing a read per entry of the file at startup.
 */
export const INDEX_LAYOUT_CHAIN_STEPS_MAX = 65_536;

/** Index entries held in memory (20 bytes each, 20 MB) that force an index sync. */
export const INDEX_UNFLUSHED_ENTRIES_MAX = 1_000_000;

/** Topics whose `topic#` index hash prefix is cached; the cache starts over past this. */
export const INDEX_PREFIX_HASHES_MAX = 10_000;

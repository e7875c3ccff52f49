/**
 * The store's start-up recovery (store.md §6), internal to `MessageStore.start`: load every
 * file, find the commit log's valid end, cut the consume queues to it, and re-dispatch what the
 * consume queues or the index do not hold.
 *
 * @module
 */

import type { StoreCheckpoint } from "./checkpoint.ts";
import type { CommitLog } from "./commit_log.ts";
import { recoverCommitLog, type RecoveryReport, scanCommitLog } from "./commit_log_recovery.ts";
import type { ConsumeQueueStore } from "./consume_queue_store.ts";
import type { FileSystem } from "./file_system.ts";
import type { IndexService } from "./index_service.ts";
import type { MessageStoreConfig } from "./message_store_config.ts";
import type { ReputMessageService } from "./reput_message_service.ts";

/** The parts recovery works on. */
export interface StoreRecoveryInput {
  readonly fs: FileSystem;
  readonly config: MessageStoreConfig;
  readonly checkpoint: StoreCheckpoint;
  readonly commitLog: CommitLog;
  readonly consumeQueueStore: ConsumeQueueStore;
  readonly indexService: IndexService;
  readonly reput: ReputMessageService;
  /** true when the abort file was left by the last run */
  readonly abnormal: boolean;
}

/** What recovery did. */
export interface StoreRecoveryResult {
  readonly recovery: RecoveryReport;
  /** commit-log bytes re-dispatched */
  readonly reputBytes: number;
}

/**
 * Loads the files and recovers them; the reput's dispatchedOffset is left at the log's end.
 * @returns the commit-log scan report and the bytes re-dispatched
 */
export async function recoverStore(input: StoreRecoveryInput): Promise<StoreRecoveryResult> {
  const { fs, config, checkpoint, commitLog, consumeQueueStore, indexService } = input;
  await checkpoint.load();
  await commitLog.load();
  await consumeQueueStore.load();
  await consumeQueueStore.recover(input.abnormal);
  await indexService.load(config.messageIndexEnable);
  const recovery = await recoverCommitLog({
    fs,
    commitLog,
    abnormal: input.abnormal,
    // An index that is off (maybe for long) must not send the scan back to its old end.
    minTimestamp: checkpoint.minTimestamp(config.messageIndexSafe && config.messageIndexEnable),
    checkCRCOnRecover: config.checkCRCOnRecover,
  });
  // The log's own newest time, not the checkpoint's: a damaged checkpoint must not freeze
  // store times far in the future.
  commitLog.raiseStoreTimeFloor(recovery.lastStoreTimestamp);
  await consumeQueueStore.truncateDirty(commitLog.getMaxOffset());
  // Also while the index is off: entries past the log's end would hide later records' keys
  // once it is turned on again.
  await indexService.truncateDirty(commitLog.getMaxOffset());
  await consumeQueueStore.correctMinOffset(commitLog.getMinOffset());
  const reputBytes = await redispatch(
    input,
    input.abnormal ? recovery.scanFromOffset : Number.MAX_SAFE_INTEGER,
  );
  if (input.abnormal) await syncRecoveredSegments(input, recovery.scanFromOffset);
  return { recovery, reputBytes };
}

/**
 * After a crash, syncs the commit-log segments recovery scanned. A killed process leaves its
 * unsynced writes in the page cache, where the scan finds and keeps them; this run's flushes
 * sync only the segment it writes, yet its checkpoint moves past the older ones, so a power
 * loss before the kernel wrote them back would leave consume-queue units pointing at zeros.
 * (The consume queues sync the files they keep in their own recovery.)
 */
async function syncRecoveredSegments(
  input: StoreRecoveryInput,
  scanFromOffset: number,
): Promise<void> {
  for (const segment of input.commitLog.segments) {
    if (segment.fileFromOffset + segment.fileSize <= scanFromOffset) continue;
    await (await segment.open(input.fs, false)).sync();
  }
}

/**
 * Re-dispatches what the consume queues or the index miss: from the lower of their ends on
 * disk (or earlier). Both skip what they already hold. An index that is off is not waited for:
 * it skips every record, and its files may end long before the log does; turned on later, it
 * misses the records written while it was off, as RocketMQ's does.
 * @returns the bytes re-dispatched
 */
async function redispatch(input: StoreRecoveryInput, scanFromOffset: number): Promise<number> {
  const { commitLog, reput } = input;
  const min = commitLog.getMinOffset();
  const cqMax = input.consumeQueueStore.maxPhysicalOffset();
  // After a clean stop the index was synced at close: only a crash leaves it behind.
  const indexNext = input.abnormal && input.config.messageIndexEnable
    ? await indexRecoveryOffset(commitLog, input.indexService)
    : Number.MAX_SAFE_INTEGER;
  const from = Math.max(min, Math.min(cqMax < 0 ? min : cqMax, indexNext, scanFromOffset));
  reput.dispatchedOffset = from;
  const report = await scanCommitLog({
    fs: input.fs,
    commitLog,
    fromOffset: from,
    toOffset: commitLog.getMaxOffset(),
    checkCrc: false,
    onRecord: (request) => reput.dispatchAndWait(request),
  });
  return report.endOffset - from;
}

/** @returns the offset after the newest record the index files hold (MAX when no constraint) */
async function indexRecoveryOffset(
  commitLog: CommitLog,
  index: IndexService,
): Promise<number> {
  const from = index.recoveryOffset();
  if (from === null) return Number.MAX_SAFE_INTEGER;
  if (!from.indexed) return from.offset;
  const record = await commitLog.readRecord(from.offset);
  return record === null ? from.offset : from.offset + record.length;
}

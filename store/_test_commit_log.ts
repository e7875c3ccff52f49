/**
 * Test helper: a commit log with its flusher, opened and recovered like the store does.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import { CommitLog } from "./commit_log.ts";
import { CommitLogFlusher, type FlushDiskType } from "./commit_log_flusher.ts";
import { recoverCommitLog, type RecoveryReport } from "./commit_log_recovery.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import type { HostAddress } from "./message_id.ts";
import { TEST_STORE_HOST } from "./_test_messages.ts";

/** An open test commit log. */
export interface TestLog {
  readonly log: CommitLog;
  readonly flusher: CommitLogFlusher;
  readonly requests: DispatchRequest[];
  readonly recovery: RecoveryReport;
  /** flush, stop and close */
  close(): Promise<void>;
  /** stop and close without flushing (a crash) */
  halt(): Promise<void>;
}

/** Options of {@linkcode openTestLog}. */
export interface OpenTestLogOptions {
  readonly fs: FileSystem;
  readonly dir: string;
  readonly clock: Clock;
  readonly segmentBytes?: number;
  readonly flushDiskType?: FlushDiskType;
  readonly abnormal?: boolean;
  readonly storeHost?: HostAddress;
  readonly syncFlushTimeout?: number;
  readonly checkCrc?: boolean;
  /** ASYNC_FLUSH timer period, ms (default 500) */
  readonly flushIntervalCommitLog?: number;
  /** false: sync once flushCommitLogLeastPages (4) pages are written (default true) */
  readonly flushCommitLogTimed?: boolean;
  /** written bytes kept in memory before chunks are reused (default the log's) */
  readonly tailWindowBytes?: number;
}

/** Opens, recovers and starts a commit log in `<dir>/commitlog`. */
export async function openTestLog(options: OpenTestLogOptions): Promise<TestLog> {
  const requests: DispatchRequest[] = [];
  const errors: Error[] = [];
  const late: { flusher?: CommitLogFlusher } = {};
  const log = new CommitLog({
    fs: options.fs,
    dir: `${options.dir}/commitlog`,
    segmentBytes: options.segmentBytes ?? 64 * 1024,
    clock: options.clock,
    storeHost: options.storeHost ?? TEST_STORE_HOST,
    maxMessageSize: 4 * 1024 * 1024,
    onAppend: (request) => requests.push(request),
    initialQueueOffset: () => 0,
    onDirty: () => late.flusher?.kick(),
    tailWindowBytes: options.tailWindowBytes,
  });
  await log.load();
  const recovery = await recoverCommitLog({
    fs: options.fs,
    commitLog: log,
    abnormal: options.abnormal ?? true,
    minTimestamp: 0,
    checkCRCOnRecover: options.checkCrc ?? true,
  });
  const flusher = new CommitLogFlusher({
    fs: options.fs,
    clock: options.clock,
    commitLog: log,
    flushDiskType: options.flushDiskType ?? "ASYNC_FLUSH",
    flushIntervalCommitLog: options.flushIntervalCommitLog ?? 500,
    flushCommitLogLeastPages: 4,
    flushCommitLogThoroughInterval: 10_000,
    flushCommitLogTimed: options.flushCommitLogTimed ?? true,
    syncFlushTimeout: options.syncFlushTimeout ?? 5_000,
    onError: (error) => errors.push(error),
  });
  late.flusher = flusher;
  flusher.start();
  const stopped = flusher;
  return {
    log,
    flusher,
    requests,
    recovery,
    async close() {
      await stopped.flush();
      await stopped.stop();
      await log.close();
      if (errors.length > 0) throw errors[0];
    },
    async halt() {
      await stopped.stop();
      await log.close();
    },
  };
}

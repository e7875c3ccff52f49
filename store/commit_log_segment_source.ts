/**
 * The commit log as retention sees it ({@linkcode CommitLogSegmentSource}, store.md §9): its
 * files oldest first with their offsets and last-modified times, deletion of the oldest, and
 * the min offset.
 *
 * @module
 */

import type { CommitLogSegmentInfo, CommitLogSegmentSource } from "./clean_service.ts";
import type { CommitLog } from "./commit_log.ts";

/**
 * @param commitLog the commit log whose files retention deletes
 * @returns the commit log's files as a {@linkcode CommitLogSegmentSource}
 * @example
 * ```ts
 * import { CommitLog } from "./commit_log.ts";
 * import { commitLogSegmentSource } from "./commit_log_segment_source.ts";
 * import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
 * import { ManualClock } from "../common/clock.ts";
 * import { hostAddress } from "./message_id.ts";
 * const log = new CommitLog({
 *   fs: new MemoryFileSystem(), dir: "/commitlog", segmentBytes: 4096, clock: new ManualClock(),
 *   storeHost: hostAddress("127.0.0.1", 10911), maxMessageSize: 1024, onAppend: () => {},
 *   initialQueueOffset: () => 0, onDirty: () => {},
 * });
 * await log.load();
 * console.assert(commitLogSegmentSource(log).segments().length === 0);
 * ```
 */
export function commitLogSegmentSource(commitLog: CommitLog): CommitLogSegmentSource {
  return {
    segments(): CommitLogSegmentInfo[] {
      return commitLog.segments.map((segment) => ({
        path: segment.path,
        startOffset: segment.fileFromOffset,
        endOffset: segment.wroteOffset,
        lastModifiedMs: segment.lastModifiedMs,
      }));
    },
    deleteSegments(paths: readonly string[]): Promise<number> {
      return commitLog.deleteSegments(paths);
    },
    minOffset(): number {
      return commitLog.getMinOffset();
    },
  };
}

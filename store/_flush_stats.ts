/**
 * The commit-log flusher's figures (internal; exported as `FlushStats` by `commit_log_flusher.ts`).
 *
 * @module
 */

/** Flush figures for metrics. */
export interface FlushStats {
  /** syncs done */
  readonly syncCount: number;
  /** file writes done */
  readonly writeCount: number;
  /** bytes written to files */
  readonly writtenBytes: number;
  /** duration of the last sync round (write + sync), ms */
  readonly lastFlushLatencyMs: number;
  /** longest sync round so far, ms */
  readonly maxFlushLatencyMs: number;
  /**
   * time spent waiting for syncs (from issuing a round's syncs until they returned: the disk
   * plus the hand-off to and from the runtime's I/O thread), ms; divided by `syncCount` it is
   * the disk's share of a round
   */
  readonly syncWaitMsTotal: number;
}

/** @returns the figures of a flusher that has done nothing yet, to count in */
export function zeroFlushStats(): { -readonly [K in keyof FlushStats]: FlushStats[K] } {
  return {
    syncCount: 0,
    writeCount: 0,
    writtenBytes: 0,
    lastFlushLatencyMs: 0,
    maxFlushLatencyMs: 0,
    syncWaitMsTotal: 0,
  };
}

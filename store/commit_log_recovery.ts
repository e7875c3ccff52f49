/**
 * Commit-log recovery and re-dispatch (store.md §6).
 *
 * {@linkcode recoverCommitLog} finds the end of valid data and cuts the log there:
 * - normal (clean stop): scan from the third-to-last segment;
 * - abnormal (abort file present): walk segments from the newest back to the first whose first
 *   record is a message with a non-zero store time ≤ the checkpoint's min timestamp, scan from it.
 * A scan stops at the first record that is torn, has a bad magic, a size out of range, a
 * PHYSICALOFFSET that is not its own position (stale bytes) or, with `checkCRCOnRecover`, a body
 * CRC mismatch; a BLANK jumps to the next segment.
 *
 * {@linkcode scanCommitLog} is the shared reader; the store also uses it to re-dispatch records
 * the consume queues and index do not hold yet.
 *
 * @module
 */

import type { DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import type { CommitLog } from "./commit_log.ts";
import type { CommitLogSegment } from "./commit_log_segment.ts";
import {
  BLANK_MAGIC_CODE,
  getInt64,
  MESSAGE_MAGIC_CODE_V1,
  MESSAGE_MAGIC_CODE_V2,
  MessageSysFlag,
  scanRecord,
} from "./message_record.ts";
import { NORMAL_RECOVERY_SEGMENTS, RECORD_BYTES_MAX, RECOVERY_READ_BYTES } from "./limits.ts";

/** Options of {@linkcode scanCommitLog}. */
export interface ScanOptions {
  readonly fs: FileSystem;
  readonly commitLog: CommitLog;
  /** where to start (a record boundary) */
  readonly fromOffset: number;
  /** stop before this offset (default: the end of the last segment) */
  readonly toOffset?: number;
  /** verify BODYCRC */
  readonly checkCrc: boolean;
  /** receives each valid message record, in order; omit to only validate */
  readonly onRecord?: (request: DispatchRequest) => void | Promise<void>;
}

/** What a scan found. */
export interface ScanReport {
  /** offset just past the last valid record (or blank) */
  readonly endOffset: number;
  /** why the scan stopped early, when it did */
  readonly reason?: string;
  /** bytes read from files */
  readonly bytesScanned: number;
  /** segments the scan read from */
  readonly segmentsScanned: number;
  /** valid message records seen */
  readonly records: number;
  /** STORETIMESTAMP of the last valid message record seen (0 when none) */
  readonly lastStoreTimestamp: number;
}

/**
 * Reads records from `fromOffset` until invalid data, `toOffset`, or the end of the log.
 * @returns the end of valid data and scan figures
 */
export async function scanCommitLog(options: ScanOptions): Promise<ScanReport> {
  const { commitLog } = options;
  const toOffset = options.toOffset ?? Number.MAX_SAFE_INTEGER;
  const totals = { bytesScanned: 0, segmentsScanned: 0, records: 0, lastStoreTimestamp: 0 };
  let offset = options.fromOffset;
  const window = { buffer: new Uint8Array(Math.min(RECOVERY_READ_BYTES, commitLog.segmentBytes)) };
  while (offset < toOffset) {
    const segment = commitLog.segmentFor(offset);
    if (segment === undefined) return { endOffset: offset, ...totals };
    totals.segmentsScanned++;
    const position = offset - segment.fileFromOffset;
    const result = await scanSegment(segment, position, window, toOffset, options, totals);
    if (result.reason !== undefined) {
      return { endOffset: result.endOffset, reason: result.reason, ...totals };
    }
    offset = result.endOffset;
  }
  return { endOffset: offset, ...totals };
}

async function scanSegment(
  segment: CommitLogSegment,
  startPosition: number,
  window: { buffer: Uint8Array },
  toOffset: number,
  options: ScanOptions,
  totals: { bytesScanned: number; records: number; lastStoreTimestamp: number },
): Promise<{ endOffset: number; reason?: string }> {
  const base = segment.fileFromOffset;
  const limit = Math.min(segment.fileSize, toOffset - base);
  const handle = await segment.open(options.fs, false);
  const recordOptions = { checkCrc: options.checkCrc, dispatch: options.onRecord !== undefined };
  let position = startPosition;
  while (position < limit) {
    const buffer = window.buffer;
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const want = Math.min(buffer.length, segment.fileSize - position);
    const n = await handle.readAt(buffer.subarray(0, want), position);
    totals.bytesScanned += n;
    const bytes = buffer.subarray(0, n);
    let p = 0;
    while (position + p < limit) {
      const left = n - p;
      if (position + n < segment.fileSize) {
        // The window ends before the segment: re-read from this record if it is cut off.
        if (left < 8) break;
        if (view.getInt32(p + 4) !== BLANK_MAGIC_CODE && view.getInt32(p) > left) break;
      }
      const result = scanRecord(bytes, view, p, base + position + p, recordOptions);
      if (result.kind === "end") return { endOffset: base + position + p, reason: result.reason };
      if (result.kind === "blank") return { endOffset: base + segment.fileSize };
      totals.lastStoreTimestamp = storeTimestampAt(view, p);
      if (result.request !== undefined) await options.onRecord!(result.request);
      totals.records++;
      p += result.size;
    }
    if (p === 0) {
      // A record larger than the window (maxMessageSize above the default): grow and re-read.
      const size = n >= 4 ? view.getInt32(0) : 0;
      if (size <= buffer.length || size > segment.fileSize - position || size > RECORD_BYTES_MAX) {
        return { endOffset: base + position, reason: `TOTALSIZE ${size} out of range` };
      }
      window.buffer = new Uint8Array(size);
      continue;
    }
    position += p;
  }
  return { endOffset: base + position };
}

/** Options of {@linkcode recoverCommitLog}. */
export interface RecoverOptions {
  readonly fs: FileSystem;
  readonly commitLog: CommitLog;
  /** the abort file was present: the last stop was not clean */
  readonly abnormal: boolean;
  /** checkpoint min timestamp (abnormal recovery's starting point) */
  readonly minTimestamp: number;
  readonly checkCRCOnRecover: boolean;
}

/** What recovery did. */
export interface RecoveryReport extends ScanReport {
  /** where the scan started */
  readonly scanFromOffset: number;
  /** the log end before the cut (end of the last segment) */
  readonly previousEndOffset: number;
}

/**
 * Finds the end of valid data (see the module doc) and cuts the log there.
 * @returns the scan report, with the new end in `endOffset`
 */
export async function recoverCommitLog(options: RecoverOptions): Promise<RecoveryReport> {
  const { commitLog, fs } = options;
  const segments = commitLog.segments;
  const previousEndOffset = commitLog.getMaxOffset();
  if (segments.length === 0) {
    return {
      endOffset: previousEndOffset,
      bytesScanned: 0,
      segmentsScanned: 0,
      records: 0,
      lastStoreTimestamp: 0,
      scanFromOffset: previousEndOffset,
      previousEndOffset,
    };
  }
  const startIndex = options.abnormal
    ? await abnormalStartIndex(fs, segments, options.minTimestamp)
    : Math.max(0, segments.length - NORMAL_RECOVERY_SEGMENTS);
  const scanFromOffset = segments[startIndex].fileFromOffset;
  const report = await scanCommitLog({
    fs,
    commitLog,
    fromOffset: scanFromOffset,
    checkCrc: options.checkCRCOnRecover,
  });
  await commitLog.truncate(report.endOffset);
  return { ...report, scanFromOffset, previousEndOffset };
}

async function abnormalStartIndex(
  fs: FileSystem,
  segments: readonly CommitLogSegment[],
  minTimestamp: number,
): Promise<number> {
  const header = new Uint8Array(96); // up to STORETIMESTAMP with an IPv6 born host
  const view = new DataView(header.buffer);
  for (let i = segments.length - 1; i >= 0; i--) {
    const handle = await segments[i].open(fs, false);
    const n = await handle.readAt(header, 0);
    if (n < header.length) continue;
    const magic = view.getInt32(4);
    if (magic !== MESSAGE_MAGIC_CODE_V1 && magic !== MESSAGE_MAGIC_CODE_V2) continue;
    const storeTimestamp = storeTimestampAt(view, 0);
    if (storeTimestamp !== 0 && storeTimestamp <= minTimestamp) return i;
  }
  return 0;
}

/** @returns STORETIMESTAMP of the message record at `p` (its place depends on the born host) */
function storeTimestampAt(view: DataView, p: number): number {
  const bornHostV6 = (view.getInt32(p + 36) & MessageSysFlag.BORNHOST_V6_FLAG) !== 0;
  return getInt64(view, p + (bornHostV6 ? 68 : 56));
}

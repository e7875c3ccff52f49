/**
 * The pull read path (store.md §8, RocketMQ `DefaultMessageStore.getMessage`): offset checks
 * against the consume queue, then a scan of at most max(16000, maxMsgNums × 20) CQ bytes that
 * returns records until `maxMsgNums` or the in-memory / on-disk transfer limits are reached.
 * The first record is always returned; `nextBeginOffset` counts every unit scanned.
 *
 * @module
 */

import type { ConsumeQueueUnits } from "./consume_queue_units.ts";
import type { GetMessageResult, GetMessageStatus, MessageFilter } from "./get_message_result.ts";
import type { MessageStoreConfig } from "./message_store_config.ts";
import { CQ_STORE_UNIT_BYTES, GET_MESSAGE_SCAN_BYTES_MIN } from "./limits.ts";

/** What the read path needs from a consume queue. */
export interface ReadableConsumeQueue {
  readonly minOffset: number;
  readonly maxOffset: number;
  readUnitsCached(offset: number, maxUnits: number): ConsumeQueueUnits | null;
  readUnits(offset: number, maxUnits: number): Promise<ConsumeQueueUnits | null>;
  nextFileOffset(offset: number): number;
}

/** What the read path needs from the commit log. */
export interface ReadableCommitLog {
  readonly segmentBytes: number;
  getMaxOffset(): number;
  readFromMemory(offset: number, length: number): Uint8Array | undefined;
  read(offset: number, length: number): Promise<Uint8Array | null>;
}

/** Inputs of {@linkcode getMessage}. */
export interface GetMessageContext {
  readonly queue: ReadableConsumeQueue | undefined;
  readonly commitLog: ReadableCommitLog;
  readonly config: Pick<
    MessageStoreConfig,
    | "maxTransferBytesOnMessageInMemory"
    | "maxTransferCountOnMessageInMemory"
    | "maxTransferBytesOnMessageInDisk"
    | "maxTransferCountOnMessageInDisk"
    | "brokerRole"
    | "offsetCheckInSlave"
  >;
  /** bytes behind the log end still considered in memory (RAM × accessMessageInMemoryMaxRatio) */
  readonly memoryBytes: number;
  /** records ending past this log offset are left for a later read (default: no limit) */
  readonly readableEnd?: number;
  /** @returns the queue's end counting only records in the file (ackAfterWrite; default its max) */
  readonly committedMaxOffset?: () => number;
}

/** The request of one pull. */
export interface GetMessageRequest {
  readonly offset: number;
  readonly maxMsgNums: number;
  readonly filter?: MessageFilter;
}

const EMPTY: readonly never[] = [];

/**
 * Reads up to `maxMsgNums` records of one queue from `offset`.
 * @returns the status table of store.md §8 with the records found
 */
export async function getMessage(
  context: GetMessageContext,
  request: GetMessageRequest,
): Promise<GetMessageResult> {
  const { queue, config } = context;
  const { offset } = request;
  // Only a corrected offset (an error status) falls back to the request on a slave without
  // offsetCheckInSlave; a scan's "offset + units scanned" stands (RocketMQ nextOffsetCorrection).
  const correct = (next: number) =>
    config.brokerRole !== "SLAVE" || config.offsetCheckInSlave ? next : offset;
  const empty = (status: GetMessageStatus, next: number, min = 0, max = 0): GetMessageResult => ({
    status,
    nextBeginOffset: correct(next),
    minOffset: min,
    maxOffset: max,
    messages: EMPTY,
    messageQueueOffsets: EMPTY,
    bufferTotalSize: 0,
    suggestPullingFromSlave: false,
  });
  if (queue === undefined) return empty("NO_MATCHED_LOGIC_QUEUE", 0);
  const min = queue.minOffset;
  const max = queue.maxOffset;
  if (max === 0) return empty("NO_MESSAGE_IN_QUEUE", 0, min, max);
  if (offset < min) return empty("OFFSET_TOO_SMALL", min, min, max);
  if (offset === max) return empty("OFFSET_OVERFLOW_ONE", offset, min, max);
  if (offset > max) {
    // The offset a consumer is moved to: one a killed process cannot take back.
    return empty("OFFSET_OVERFLOW_BADLY", context.committedMaxOffset?.() ?? max, min, max);
  }
  const scanUnits = Math.max(GET_MESSAGE_SCAN_BYTES_MIN, request.maxMsgNums * CQ_STORE_UNIT_BYTES) /
    CQ_STORE_UNIT_BYTES;
  const first = queue.readUnitsCached(offset, scanUnits) ??
    await queue.readUnits(offset, scanUnits);
  if (first === null) return empty("OFFSET_FOUND_NULL", queue.nextFileOffset(offset), min, max);
  const scan = await scanQueue(context, request, first, Math.floor(scanUnits));
  return {
    status: scan.status,
    nextBeginOffset: offset + scan.scanned,
    minOffset: min,
    maxOffset: max,
    messages: scan.messages,
    messageQueueOffsets: scan.queueOffsets,
    bufferTotalSize: scan.total,
    suggestPullingFromSlave: context.commitLog.getMaxOffset() - scan.maxPhyOffsetPulling >
      context.memoryBytes,
  };
}

interface Scan {
  status: GetMessageStatus;
  scanned: number;
  total: number;
  maxPhyOffsetPulling: number;
  readonly messages: Uint8Array[];
  readonly queueOffsets: number[];
}

async function scanQueue(
  context: GetMessageContext,
  request: GetMessageRequest,
  firstRun: ConsumeQueueUnits,
  scanUnits: number,
): Promise<Scan> {
  const { commitLog, queue } = context;
  const filter = request.filter;
  const matchUnit = typeof filter === "function"
    ? filter
    : filter?.isMatchedByConsumeQueue.bind(filter);
  const matchRecord = typeof filter === "object"
    ? filter.isMatchedByCommitLog?.bind(filter)
    : undefined;
  const scan: Scan = {
    status: "NO_MATCHED_MESSAGE",
    scanned: 0,
    total: 0,
    maxPhyOffsetPulling: 0,
    messages: [],
    queueOffsets: [],
  };
  const maxOffsetPy = commitLog.getMaxOffset();
  const readableEnd = context.readableEnd ?? Number.POSITIVE_INFINITY;
  let nextPhyFileStart = -1;
  let units: ConsumeQueueUnits | null = firstRun;
  while (units !== null && units.count > 0) {
    for (let i = 0; i < units.count; i++) {
      const offsetPy = units.physicalOffset(i);
      const sizePy = units.size(i);
      scan.maxPhyOffsetPulling = offsetPy;
      if (nextPhyFileStart >= 0 && offsetPy < nextPhyFileStart) {
        scan.scanned++;
        continue;
      }
      if (offsetPy + sizePy > readableEnd) return scan; // not in the file yet (ackAfterWrite)
      const inDisk = maxOffsetPy - offsetPy > context.memoryBytes;
      if (isBatchFull(context, request.maxMsgNums, scan, sizePy, inDisk)) return scan;
      scan.scanned++;
      if (matchUnit !== undefined && !matchUnit(units.tagsCode(i))) continue;
      const record = commitLog.readFromMemory(offsetPy, sizePy) ??
        await commitLog.read(offsetPy, sizePy);
      if (record === null) {
        if (scan.total === 0) scan.status = "MESSAGE_WAS_REMOVING";
        nextPhyFileStart = offsetPy + commitLog.segmentBytes - (offsetPy % commitLog.segmentBytes);
        continue;
      }
      if (matchRecord !== undefined && !matchRecord(record)) {
        if (scan.total === 0) scan.status = "NO_MATCHED_MESSAGE";
        continue;
      }
      scan.messages.push(record);
      scan.queueOffsets.push(units.startOffset + i);
      scan.total += sizePy;
      scan.status = "FOUND";
      nextPhyFileStart = -1;
    }
    if (scan.scanned >= scanUnits) break;
    const next = request.offset + scan.scanned;
    if (queue === undefined || next >= queue.maxOffset) break;
    const left = scanUnits - scan.scanned;
    units = queue.readUnitsCached(next, left) ?? await queue.readUnits(next, left);
  }
  return scan;
}

/** RocketMQ `isTheBatchFull`: never before the first record. */
function isBatchFull(
  context: GetMessageContext,
  maxMsgNums: number,
  scan: Scan,
  sizePy: number,
  inDisk: boolean,
): boolean {
  const count = scan.messages.length;
  if (scan.total === 0 || count === 0) return false;
  if (maxMsgNums <= count) return true;
  const { config } = context;
  if (inDisk) {
    return scan.total + sizePy > config.maxTransferBytesOnMessageInDisk ||
      count > config.maxTransferCountOnMessageInDisk - 1;
  }
  return scan.total + sizePy > config.maxTransferBytesOnMessageInMemory ||
    count > config.maxTransferCountOnMessageInMemory - 1;
}

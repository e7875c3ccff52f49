/**
 * The QUERY_MESSAGE read path (store.md §4): look the key up in the index, then read each
 * record from the commit log, oldest first (hash collisions included; the client filters), up
 * to QUERY_MESSAGE_BYTES_MAX.
 *
 * @module
 */

import type { IndexService } from "./index_service.ts";
import type { QueryMessageResult } from "./message_store_options.ts";
import { QUERY_MESSAGE_BYTES_MAX } from "./limits.ts";

/** What the query needs: the index (null when disabled) and a record reader. */
export interface QueryMessageContext {
  readonly index: Pick<IndexService, "queryOffsets"> | null;
  readonly readRecord: (physicalOffset: number) => Promise<Uint8Array | null>;
}

/** A key lookup over a store-time range. */
export interface QueryMessageRequest {
  readonly topic: string;
  /** a KEYS value or a UNIQ_KEY */
  readonly key: string;
  /** records wanted (capped at maxMsgsNumBatch by the index) */
  readonly maxNum: number;
  readonly beginMs: number;
  readonly endMs: number;
}

/**
 * @returns the records found (removed ones skipped) and the index's end values
 */
export async function queryMessage(
  context: QueryMessageContext,
  request: QueryMessageRequest,
): Promise<QueryMessageResult> {
  const { topic, key, maxNum, beginMs, endMs } = request;
  const found = await context.index?.queryOffsets(topic, key, maxNum, beginMs, endMs);
  const messages: Uint8Array[] = [];
  let bufferTotalSize = 0;
  // Oldest first, as RocketMQ's queryMessage sorts the offsets the index found newest first.
  const offsets = [...(found?.phyOffsets ?? [])].sort((a, b) => a - b);
  for (const offset of offsets) {
    const record = await context.readRecord(offset);
    if (record === null) continue;
    if (messages.length > 0 && bufferTotalSize + record.length > QUERY_MESSAGE_BYTES_MAX) break;
    messages.push(record);
    bufferTotalSize += record.length;
  }
  return {
    messages,
    bufferTotalSize,
    indexLastUpdateTimestamp: found?.indexLastUpdateTimestamp ?? 0,
    indexLastUpdatePhyoffset: found?.indexLastUpdatePhyoffset ?? 0,
  };
}

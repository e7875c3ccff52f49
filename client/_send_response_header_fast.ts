/**
 * Fast path of reading a SEND response header: the fields of `SendMessageResponseHeader` straight
 * from `extFields`, with the decimal reader that accepts exactly what the zod field builders
 * accept (`common/decimal_integer.ts`). It returns undefined for anything unusual (a missing or
 * non-string field, an unparsable or out-of-range number), and the caller then runs the zod
 * schema, so errors stay identical. Internal.
 *
 * @module
 */

import { parseDecimalInteger as parseInteger } from "../common/decimal_integer.ts";
import type { SendMessageResponseHeader } from "../protocol/headers/send_message_header.ts";

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function isAbsentOrString(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}

/**
 * Decodes a SEND response header, or returns undefined when the zod schema must decide.
 *
 * @param ext the response's extFields
 * @returns the header with the same keys, order and values as the zod path, or undefined
 */
export function decodeSendResponseHeaderFast(
  ext: Record<string, string> | undefined,
): SendMessageResponseHeader | undefined {
  if (ext === undefined || ext === null || typeof ext !== "object") return undefined;
  const msgId: unknown = ext.msgId, queueIdText: unknown = ext.queueId;
  const queueOffsetText: unknown = ext.queueOffset;
  if (
    typeof msgId !== "string" || typeof queueIdText !== "string" ||
    typeof queueOffsetText !== "string"
  ) return undefined;
  const queueId = parseInteger(queueIdText, INT32_MIN, INT32_MAX);
  const queueOffset = parseInteger(
    queueOffsetText,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  if (queueId !== queueId || queueOffset !== queueOffset) return undefined; // NaN
  const transactionId: unknown = ext.transactionId, batchUniqId: unknown = ext.batchUniqId;
  const recallHandle: unknown = ext.recallHandle, region: unknown = ext.MSG_REGION;
  const traceOn: unknown = ext.TRACE_ON;
  if (
    !isAbsentOrString(transactionId) || !isAbsentOrString(batchUniqId) ||
    !isAbsentOrString(recallHandle) || !isAbsentOrString(region) || !isAbsentOrString(traceOn)
  ) return undefined;
  const header: SendMessageResponseHeader = { msgId, queueId, queueOffset };
  if (transactionId !== undefined) header.transactionId = transactionId as string;
  if (batchUniqId !== undefined) header.batchUniqId = batchUniqId as string;
  if (recallHandle !== undefined) header.recallHandle = recallHandle as string;
  if (region !== undefined) header.MSG_REGION = region as string;
  if (traceOn !== undefined) header.TRACE_ON = traceOn as string;
  return header;
}

/**
 * Fast path of reading a SEND response header: the fields of `SendMessageResponseHeader` straight
 * from `extFields`, with a hand-written int/long parser that accepts exactly what the zod field
 * builders accept (`protocol/headers/header_field.ts`: optional sign, ASCII digits, in range). It
 * returns undefined for anything unusual (a missing or non-string field, an unparsable or long
 * number), and the caller then runs the zod schema, so errors stay identical. Internal.
 *
 * @module
 */

import type { SendMessageResponseHeader } from "../protocol/headers/send_message_header.ts";

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
/** Up to this many digits, accumulating in a double is exact (below 2^53); longer goes to zod. */
const EXACT_DIGITS_MAX = 15;

/**
 * Parses a decimal integer of at most {@linkcode EXACT_DIGITS_MAX} digits in [min, max].
 *
 * @returns the number, or NaN when the fast path does not take the text
 */
function parseInteger(text: string, min: number, max: number): number {
  const length = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i = 1;
  }
  if (i >= length || length - i > EXACT_DIGITS_MAX) return Number.NaN;
  let n = 0;
  for (let k = i; k < length; k++) {
    const d = text.charCodeAt(k) - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  if (negative) n = -n;
  return n >= min && n <= max ? n : Number.NaN;
}

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

/**
 * Fast path of the send header decoder: reads the one-letter V2 keys of SEND_MESSAGE_V2 /
 * SEND_BATCH_MESSAGE / SEND_REPLY_MESSAGE_V2 straight from `extFields`, with int, long (the shared
 * `common/decimal_integer.ts`) and bool readers that accept exactly what the zod field builders
 * accept (`header_field.ts`). Every
 * send passes here, and zod's object parse cost ~0.8 µs of it. Any value the fast path does not
 * accept returns undefined, and the caller runs the zod schema, which throws the error with the
 * remark peers see, so errors stay identical.
 *
 * @module
 */

import { parseDecimalInteger as parseInteger } from "../../common/decimal_integer.ts";
import type { SendMessageRequestHeader } from "./send_message_header.ts";

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Java `Boolean.parseBoolean`, as the zod bool builder. */
function parseBool(text: string): boolean {
  return text.length === 4 && text.toLowerCase() === "true";
}

/**
 * Decodes a V2 send header from extFields into the long form, or returns undefined when a field is
 * missing or unparsable (the caller then runs zod for the error).
 *
 * @param ext the request's extFields
 * @returns the long-form header with the same keys, order and values as the zod path
 */
export function decodeSendMessageHeaderV2Fast(
  ext: Record<string, string> | undefined,
): SendMessageRequestHeader | undefined {
  if (ext === undefined || ext === null) return undefined;
  const a = ext.a, b = ext.b, c = ext.c, d = ext.d, e = ext.e, f = ext.f, g = ext.g, h = ext.h;
  if (
    typeof a !== "string" || typeof b !== "string" || typeof c !== "string" ||
    typeof d !== "string" || typeof e !== "string" || typeof f !== "string" ||
    typeof g !== "string" || typeof h !== "string"
  ) return undefined;
  const defaultTopicQueueNums = parseInteger(d, INT32_MIN, INT32_MAX);
  const queueId = parseInteger(e, INT32_MIN, INT32_MAX);
  const sysFlag = parseInteger(f, INT32_MIN, INT32_MAX);
  const bornTimestamp = parseInteger(g, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const flag = parseInteger(h, INT32_MIN, INT32_MAX);
  // NaN fails every comparison: one check covers the five.
  if (
    !(defaultTopicQueueNums === defaultTopicQueueNums && queueId === queueId &&
      sysFlag === sysFlag && bornTimestamp === bornTimestamp && flag === flag)
  ) return undefined;
  const header: SendMessageRequestHeader = {
    producerGroup: a,
    topic: b,
    defaultTopic: c,
    defaultTopicQueueNums,
    queueId,
    sysFlag,
    bornTimestamp,
    flag,
  };
  return readOptional(ext, header) ? header : undefined;
}

/** Adds the optional fields `i`…`n` that are present; false when one is unparsable. */
function readOptional(ext: Record<string, string>, header: SendMessageRequestHeader): boolean {
  const i = ext.i, j = ext.j, k = ext.k, l = ext.l, m = ext.m, n = ext.n;
  if (i !== undefined) {
    if (typeof i !== "string") return false;
    header.properties = i;
  }
  if (j !== undefined) {
    const value = typeof j === "string" ? parseInteger(j, INT32_MIN, INT32_MAX) : Number.NaN;
    if (value !== value) return false;
    header.reconsumeTimes = value;
  }
  if (k !== undefined) {
    if (typeof k !== "string") return false;
    header.unitMode = parseBool(k);
  }
  if (l !== undefined) {
    const value = typeof l === "string" ? parseInteger(l, INT32_MIN, INT32_MAX) : Number.NaN;
    if (value !== value) return false;
    header.maxReconsumeTimes = value;
  }
  if (m !== undefined) {
    if (typeof m !== "string") return false;
    header.batch = parseBool(m);
  }
  if (n !== undefined) {
    if (typeof n !== "string") return false;
    header.brokerName = n;
  }
  return true;
}

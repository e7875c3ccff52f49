/**
 * Headers of SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320), SEND_REPLY_MESSAGE
 * (324) and SEND_REPLY_MESSAGE_V2 (325) (`shared/spec/headers.md` §1). V2 carries the same fields
 * under one-letter keys `a`…`n`; brokers decode either into the long form.
 *
 * @module
 */

import { z } from "zod";
import { HeaderDecodeError } from "../errors.ts";
import type { RemotingCommand } from "../remoting_command.ts";
import { RequestCode } from "../request_code.ts";
import { decodeHeader } from "./header_codec.ts";
import { headerField as f } from "./header_field.ts";
import { decodeSendMessageHeaderV2Fast } from "./_send_message_header_fast.ts";

/** SendMessageRequestHeader: long-form keys (Java field names). */
export const SendMessageRequestHeader = z.object({
  producerGroup: f.string(),
  topic: f.string(),
  defaultTopic: f.string(),
  defaultTopicQueueNums: f.int(),
  queueId: f.int(),
  sysFlag: f.int(),
  bornTimestamp: f.long(),
  flag: f.int(),
  properties: f.string().optional(),
  reconsumeTimes: f.int().optional(),
  unitMode: f.bool().optional(),
  maxReconsumeTimes: f.int().optional(),
  batch: f.bool().optional(),
  brokerName: f.string().optional(),
});
/** Decoded SendMessageRequestHeader. */
export type SendMessageRequestHeader = z.output<typeof SendMessageRequestHeader>;

/** SendMessageRequestHeaderV2: one-letter keys `a`…`n`, same types and order as the long form. */
export const SendMessageRequestHeaderV2 = z.object({
  a: f.string(),
  b: f.string(),
  c: f.string(),
  d: f.int(),
  e: f.int(),
  f: f.int(),
  g: f.long(),
  h: f.int(),
  i: f.string().optional(),
  j: f.int().optional(),
  k: f.bool().optional(),
  l: f.int().optional(),
  m: f.bool().optional(),
  n: f.string().optional(),
});
/** Decoded SendMessageRequestHeaderV2. */
export type SendMessageRequestHeaderV2 = z.output<typeof SendMessageRequestHeaderV2>;

/** V2 key → long-form key. */
export const SEND_MESSAGE_V2_KEYS = {
  a: "producerGroup",
  b: "topic",
  c: "defaultTopic",
  d: "defaultTopicQueueNums",
  e: "queueId",
  f: "sysFlag",
  g: "bornTimestamp",
  h: "flag",
  i: "properties",
  j: "reconsumeTimes",
  k: "unitMode",
  l: "maxReconsumeTimes",
  m: "batch",
  n: "brokerName",
} as const satisfies Record<keyof SendMessageRequestHeaderV2, keyof SendMessageRequestHeader>;

/**
 * Converts a V2 header to the long form (Java `createSendMessageRequestHeaderV1`).
 *
 * @param v2 the one-letter header
 * @returns the long-form header; absent optional fields stay absent
 */
export function sendMessageHeaderFromV2(v2: SendMessageRequestHeaderV2): SendMessageRequestHeader {
  const v1: Record<string, unknown> = {};
  for (const key in SEND_MESSAGE_V2_KEYS) {
    const value = v2[key as keyof SendMessageRequestHeaderV2];
    if (value !== undefined) {
      v1[SEND_MESSAGE_V2_KEYS[key as keyof typeof SEND_MESSAGE_V2_KEYS]] = value;
    }
  }
  return v1 as SendMessageRequestHeader;
}

/**
 * Converts a long-form header to V2 (Java `createSendMessageRequestHeaderV2`).
 *
 * @param v1 the long-form header
 * @returns the one-letter header; absent optional fields stay absent
 */
export function sendMessageHeaderToV2(v1: SendMessageRequestHeader): SendMessageRequestHeaderV2 {
  const v2: Record<string, unknown> = {};
  for (const key in SEND_MESSAGE_V2_KEYS) {
    const value = v1[SEND_MESSAGE_V2_KEYS[key as keyof typeof SEND_MESSAGE_V2_KEYS]];
    if (value !== undefined) v2[key] = value;
  }
  return v2 as SendMessageRequestHeaderV2;
}

/**
 * Encodes a long-form header straight into the V2 extFields of a send request: the same map, key
 * order and strings as `encodeHeader(sendMessageHeaderToV2(header))`, without the two intermediate
 * objects (every send builds one).
 *
 * @param h the long-form header
 * @returns extFields with keys `a`…`n`; absent optional fields skipped
 * @throws {RangeError} when a number is not a safe integer (a programming error)
 * @example
 * ```ts
 * import { encodeSendMessageHeaderV2 } from "./send_message_header.ts";
 * const ext = encodeSendMessageHeaderV2({
 *   producerGroup: "PG", topic: "T1", defaultTopic: "TBW102", defaultTopicQueueNums: 4,
 *   queueId: 0, sysFlag: 0, bornTimestamp: 1700000000000, flag: 0, batch: false,
 * });
 * if (ext.b !== "T1" || ext.g !== "1700000000000" || ext.m !== "false") throw new Error();
 * ```
 */
export function encodeSendMessageHeaderV2(h: SendMessageRequestHeader): Record<string, string> {
  const ext: Record<string, string> = {
    a: h.producerGroup,
    b: h.topic,
    c: h.defaultTopic,
    d: intText(h.defaultTopicQueueNums, "d"),
    e: intText(h.queueId, "e"),
    f: intText(h.sysFlag, "f"),
    g: intText(h.bornTimestamp, "g"),
    h: intText(h.flag, "h"),
  };
  if (h.properties !== undefined && h.properties !== null) ext.i = h.properties;
  if (h.reconsumeTimes !== undefined && h.reconsumeTimes !== null) {
    ext.j = intText(h.reconsumeTimes, "j");
  }
  if (h.unitMode !== undefined && h.unitMode !== null) ext.k = h.unitMode ? "true" : "false";
  if (h.maxReconsumeTimes !== undefined && h.maxReconsumeTimes !== null) {
    ext.l = intText(h.maxReconsumeTimes, "l");
  }
  if (h.batch !== undefined && h.batch !== null) ext.m = h.batch ? "true" : "false";
  if (h.brokerName !== undefined && h.brokerName !== null) ext.n = h.brokerName;
  return ext;
}

/** Small ints as text, cached: queue ids, flags and counts repeat on every send. */
const SMALL_INT_TEXT: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

function intText(n: number, key: string): string {
  if (n >= 0 && n < SMALL_INT_TEXT.length && (n | 0) === n) {
    return SMALL_INT_TEXT[n];
  }
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`Cannot encode header field ${key}: ${n} is not a safe integer`);
  }
  return String(n);
}

/**
 * Decodes the header of any send request into the long form: V2 keys for SEND_MESSAGE_V2,
 * SEND_BATCH_MESSAGE and SEND_REPLY_MESSAGE_V2 (a hand-written fast path, zod for errors), long keys
 * for SEND_MESSAGE and SEND_REPLY_MESSAGE.
 *
 * @param command a send request
 * @returns the long-form header
 * @throws {HeaderDecodeError} when a required field is missing or unparsable, or the code is not a send
 * @example
 * ```ts
 * import { decodeSendMessageHeader } from "./send_message_header.ts";
 * import { createRequest } from "../remoting_command.ts";
 * const request = createRequest(310, {
 *   extFields: { a: "PG", b: "T1", c: "TBW102", d: "4", e: "0", f: "0", g: "1700000000000", h: "0" },
 * });
 * if (decodeSendMessageHeader(request).topic !== "T1") throw new Error("topic");
 * ```
 */
export function decodeSendMessageHeader(command: RemotingCommand): SendMessageRequestHeader {
  switch (command.code) {
    case RequestCode.SEND_MESSAGE_V2:
    case RequestCode.SEND_BATCH_MESSAGE:
    case RequestCode.SEND_REPLY_MESSAGE_V2:
      return decodeSendMessageHeaderV2Fast(command.extFields) ??
        sendMessageHeaderFromV2(
          decodeHeader(SendMessageRequestHeaderV2, command, SEND_MESSAGE_V2_KEYS),
        );
    case RequestCode.SEND_MESSAGE:
    case RequestCode.SEND_REPLY_MESSAGE:
      return decodeHeader(SendMessageRequestHeader, command);
    default:
      throw new HeaderDecodeError(
        `Cannot decode send header: request code ${command.code} is not a send`,
      );
  }
}

/** SendMessageResponseHeader, plus the loose keys brokers add (`MSG_REGION`, `TRACE_ON`). */
export const SendMessageResponseHeader = z.object({
  msgId: f.string(),
  queueId: f.int(),
  queueOffset: f.long(),
  transactionId: f.string().optional(),
  /** 5.x */
  batchUniqId: f.string().optional(),
  /** 5.x */
  recallHandle: f.string().optional(),
  MSG_REGION: f.string().optional(),
  TRACE_ON: f.string().optional(),
});
/** Decoded SendMessageResponseHeader. */
export type SendMessageResponseHeader = z.output<typeof SendMessageResponseHeader>;

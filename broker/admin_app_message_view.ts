/**
 * How the broker HTTP admin shows a stored message: every record field, the properties as an
 * object, the tags and keys, and the body as UTF-8 text when it is valid UTF-8, else base64.
 * Compressed bodies (sysFlag bit 0) are inflated first, by the codec the type bits 0x700 name
 * (message-format.md §3: zlib, ZSTD; LZ4 is shown as stored, with the reason).
 *
 * @module
 */
import zlib from "node:zlib";
import { MESSAGE_BODY_BYTES_MAX } from "../store/limits.ts";
import { createOffsetMessageId, formatHostAddress } from "../store/message_id.ts";
import { MessageConst } from "../store/message_properties.ts";
import { type MessageRecord, MessageSysFlag } from "../store/message_record.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** How a message body is written in JSON. */
export type BodyEncoding = "utf-8" | "base64";

/**
 * Encodes bytes as standard base64.
 *
 * @param bytes the bytes
 * @returns the base64 text
 */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard base64 (with padding).
 *
 * @param text the base64 text
 * @returns the bytes, or null when the text is not base64
 */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * What the records of one answer may still inflate, in bytes, all together; {@linkcode messageView}
 * lowers it. Without one, a record inflates to at most MESSAGE_BODY_BYTES_MAX.
 */
export interface InflateBudget {
  /** bytes the answer may still inflate */
  remainingBytes: number;
  /** the name of the limit, for the reason a record is shown as stored */
  readonly limitName: string;
}

const zstd = zlib as unknown as {
  zstdDecompressSync?: (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;
};

/**
 * Inflates by the sysFlag's compression type (RocketMQ 5.x MessageSysFlag.getCompressionType,
 * CompressionType.findByValue: 0 and 3 zlib, 2 ZSTD, 1 LZ4).
 * @throws {Error} for a type this runtime cannot inflate here, or bytes not of that type
 */
function inflate(body: Uint8Array, sysFlag: number, maxOutputLength: number): Uint8Array {
  const type = (sysFlag & 0x700) >> 8;
  if (type === 0 || type === 3) return zlib.inflateSync(body, { maxOutputLength });
  if (type === 2 && zstd.zstdDecompressSync !== undefined) {
    return zstd.zstdDecompressSync(body, { maxOutputLength });
  }
  throw new Error(`Not inflated: compression type ${type} (sysFlag 0x${sysFlag.toString(16)})`);
}

/** The body as shown: inflated when compressed; `inflateError` when that failed (raw bytes then). */
function shownBody(
  record: MessageRecord,
  budget: InflateBudget | undefined,
): { bytes: Uint8Array; inflateError?: string } {
  if ((record.sysFlag & MessageSysFlag.COMPRESSED_FLAG) === 0) return { bytes: record.body };
  const limit = Math.min(MESSAGE_BODY_BYTES_MAX, budget?.remainingBytes ?? MESSAGE_BODY_BYTES_MAX);
  const notInflated = budget === undefined
    ? ""
    : `Not inflated: the answer's ${budget.limitName} ` +
      `leaves ${limit} bytes to inflate; GET /messages/:msgId shows it inflated`;
  if (limit === 0) return { bytes: record.body, inflateError: notInflated };
  try {
    // Bounded like a body the broker takes: a "zip bomb" shows raw, with the reason.
    const bytes = new Uint8Array(inflate(record.body, record.sysFlag, limit));
    if (budget !== undefined) budget.remainingBytes -= bytes.length;
    return { bytes };
  } catch (error) {
    const tooLarge = (error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE";
    if (budget !== undefined && tooLarge) {
      budget.remainingBytes = 0; // that work is spent; the next records are shown as stored
      if (limit < MESSAGE_BODY_BYTES_MAX) return { bytes: record.body, inflateError: notInflated };
    }
    return {
      bytes: record.body,
      inflateError: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Builds the JSON view of a record.
 *
 * @param record the decoded record
 * @param forceEncoding write the body in this encoding; default: UTF-8 text when valid, else base64
 * @param budget what the answer may still inflate (lowered here); a compressed body past it is
 *   shown as stored, with the reason in `inflateError`
 * @returns a plain JSON object
 */
export function messageView(
  record: MessageRecord,
  forceEncoding?: BodyEncoding,
  budget?: InflateBudget,
): Record<string, unknown> {
  const { bytes, inflateError } = shownBody(record, budget);
  let body: string | undefined;
  let bodyEncoding: BodyEncoding = forceEncoding ?? "utf-8";
  if (bodyEncoding === "utf-8") {
    try {
      body = strictUtf8.decode(bytes);
    } catch (_notUtf8) {
      bodyEncoding = "base64"; // not text: shown as base64, which the field says
    }
  }
  body ??= encodeBase64(bytes);
  const keys = record.properties.get(MessageConst.PROPERTY_KEYS);
  return {
    msgId: createOffsetMessageId(
      record.storeHost.address,
      record.storeHost.port,
      record.physicalOffset,
    ),
    uniqKey: record.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? null,
    topic: record.topic,
    queueId: record.queueId,
    queueOffset: record.queueOffset,
    commitLogOffset: record.physicalOffset,
    storeSize: record.totalSize,
    storeTimestamp: record.storeTimestamp,
    bornTimestamp: record.bornTimestamp,
    bornHost: formatHostAddress(record.bornHost),
    storeHost: formatHostAddress(record.storeHost),
    sysFlag: record.sysFlag,
    flag: record.flag,
    reconsumeTimes: record.reconsumeTimes,
    bodyCRC: record.bodyCrc,
    tags: record.properties.get(MessageConst.PROPERTY_TAGS) ?? null,
    keys: keys === undefined
      ? []
      : keys.split(MessageConst.KEY_SEPARATOR).filter((k) => k.length > 0),
    properties: Object.fromEntries(record.properties),
    bodyEncoding,
    bodyBytes: bytes.length,
    ...(inflateError === undefined ? {} : { inflateError }),
    body,
  };
}

/**
 * Whether a record really carries a key (index lookups return hash collisions too): one of its
 * KEYS, or its UNIQ_KEY.
 *
 * @param record a record from a key query
 * @param topic the queried topic
 * @param key the queried key
 * @returns true when the record matches
 */
export function recordHasKey(record: MessageRecord, topic: string, key: string): boolean {
  if (record.topic !== topic) return false;
  if (record.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === key) {
    return true;
  }
  const keys = record.properties.get(MessageConst.PROPERTY_KEYS);
  return keys !== undefined && keys.split(MessageConst.KEY_SEPARATOR).includes(key);
}

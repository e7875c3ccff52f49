/**
 * The stored-message record of the commit log (message-format.md §1–§3): layout constants, the
 * full decoder for reads, and a validating scanner for recovery and re-dispatch (the encoder is
 * `message_record_encoder.ts`). The broker reuses the decoder for pull bodies and pushes.
 *
 * @module
 */

import { bodyCrc } from "./crc32.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import type { HostAddress } from "./message_id.ts";
import {
  computeTagsCode,
  decodeProperties,
  MessageConst,
  PROPERTY_SEPARATOR_BYTE,
} from "./message_properties.ts";

/** MAGICCODE of a V1 message record: 0xDAA320A7 (message-format.md §2). */
export const MESSAGE_MAGIC_CODE_V1 = -626843481;
/** MAGICCODE of a V2 message record (2-byte topic length, 5.x): 0xDAA320AB. */
export const MESSAGE_MAGIC_CODE_V2 = -626843477;
/** MAGICCODE of the end-of-segment blank: 0xCBD43194. */
export const BLANK_MAGIC_CODE = -875286124;
/** Bytes of the blank header: int32 maxBlank + int32 magic. */
export const BLANK_HEADER_BYTES = 8;

/** sysFlag bits (message-format.md §3, MessageSysFlag.java). */
export const MessageSysFlag = {
  COMPRESSED_FLAG: 0x1,
  MULTI_TAGS_FLAG: 0x2,
  TRANSACTION_NOT_TYPE: 0x0,
  TRANSACTION_PREPARED_TYPE: 0x4,
  TRANSACTION_COMMIT_TYPE: 0x8,
  TRANSACTION_ROLLBACK_TYPE: 0xC,
  BORNHOST_V6_FLAG: 0x10,
  STOREHOSTADDRESS_V6_FLAG: 0x20,
  NEED_UNWRAP_FLAG: 0x40,
  INNER_BATCH_FLAG: 0x80,
} as const;

/** @returns the transaction type bits (0x0, 0x4, 0x8 or 0xC) of a sysFlag */
export function transactionType(sysFlag: number): number {
  return sysFlag & 0xC;
}

/** A message as handed to the store (RocketMQ's MessageExtBrokerInner, the fields the store needs). */
export interface MessageExtBrokerInner {
  readonly topic: string;
  readonly queueId: number;
  /** user flag */
  readonly flag: number;
  readonly body: Uint8Array;
  /** the encoded properties (message-format.md §4), as a string or its UTF-8 bytes */
  readonly properties: string | Uint8Array;
  /** the same properties parsed, if the caller has them (saves a parse for TAGS/KEYS/UNIQ_KEY/WAIT) */
  readonly propertiesMap?: ReadonlyMap<string, string>;
  /** sysFlag; the host-v6 bits are set by the encoder from the address lengths */
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly bornHost: HostAddress;
  readonly reconsumeTimes?: number;
  readonly preparedTransactionOffset?: number;
  /** consume-queue tag code; computed from TAGS when absent */
  readonly tagsCode?: number;
  /**
   * RocketMQ's isWaitStoreMsgOK when the properties no longer say it (the broker drops WAIT
   * from the stored string); default: from the WAIT property
   */
  readonly waitStoreMsgOK?: boolean;
}

/** A decoded record. `body` is a view into the decoded bytes. */
export interface MessageRecord {
  readonly totalSize: number;
  readonly magicCode: number;
  readonly bodyCrc: number;
  readonly queueId: number;
  readonly flag: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly bornHost: HostAddress;
  readonly storeTimestamp: number;
  readonly storeHost: HostAddress;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  readonly body: Uint8Array;
  readonly topic: string;
  readonly propertiesString: string;
  readonly properties: Map<string, string>;
}

/** Thrown by {@linkcode decodeRecord} for bytes that are not a whole message record. */
export class RecordDecodeError extends Error {
  /** @param message what was wrong */
  constructor(message: string) {
    super(message);
    this.name = "RecordDecodeError";
  }
}

const utf8Decoder = new TextDecoder();
const TWO_32 = 0x1_0000_0000;

/** Writes a non-negative integer < 2^53 as int64 big-endian. */
export function setInt64(view: DataView, position: number, value: number): void {
  view.setInt32(position, Math.floor(value / TWO_32));
  view.setUint32(position + 4, value >>> 0);
}

/** Reads an int64 big-endian as a number (exact below 2^53). */
export function getInt64(view: DataView, position: number): number {
  return view.getInt32(position) * TWO_32 + view.getUint32(position + 4);
}

/**
 * Reads STORETIMESTAMP from the start of a record (its position depends on the born-host flag).
 * @param bytes at least the first 76 bytes of a record
 * @returns the store time, or -1 when the bytes are not a message record
 */
export function storeTimestampOf(bytes: Uint8Array): number {
  if (bytes.length < 76) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getInt32(4);
  if (magic !== MESSAGE_MAGIC_CODE_V1 && magic !== MESSAGE_MAGIC_CODE_V2) return -1;
  const bornHostV6 = (view.getInt32(36) & MessageSysFlag.BORNHOST_V6_FLAG) !== 0;
  return getInt64(view, bornHostV6 ? 68 : 56);
}

/** @returns the TOTALSIZE of a record with these parts (message-format.md §1) */
export function recordSize(
  bodyBytes: number,
  topicBytes: number,
  propertiesBytes: number,
  sysFlag = 0,
): number {
  const bornHost = sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8;
  const storeHost = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8;
  return 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + bornHost + 8 + storeHost + 4 + 8 + 4 + bodyBytes +
    1 + topicBytes + 2 + propertiesBytes;
}

function readHost(bytes: Uint8Array, view: DataView, position: number, v6: boolean): HostAddress {
  const length = v6 ? 16 : 4;
  return {
    address: bytes.slice(position, position + length),
    port: view.getInt32(position + length),
  };
}

/** Validates TOTALSIZE, MAGICCODE and SYSFLAG of the record at `offset`. */
function checkHeader(bytes: Uint8Array, view: DataView, offset: number) {
  if (bytes.length - offset < 8) {
    throw new RecordDecodeError(`Cannot decode record at ${offset}: truncated`);
  }
  const totalSize = view.getInt32(offset);
  const magicCode = view.getInt32(offset + 4);
  if (magicCode !== MESSAGE_MAGIC_CODE_V1 && magicCode !== MESSAGE_MAGIC_CODE_V2) {
    throw new RecordDecodeError(`Cannot decode record at ${offset}: magic code ${magicCode}`);
  }
  if (totalSize < 91 || offset + totalSize > bytes.length) {
    throw new RecordDecodeError(
      `Cannot decode record at ${offset}: size ${totalSize} exceeds ${bytes.length - offset} bytes`,
    );
  }
  const sysFlag = view.getInt32(offset + 36);
  if (recordSize(0, 0, 0, sysFlag) > totalSize) {
    throw new RecordDecodeError(
      `Cannot decode record at ${offset}: size ${totalSize} too small for sysFlag ${sysFlag}`,
    );
  }
  return { totalSize, magicCode, sysFlag };
}

/**
 * Decodes one V1 or V2 record starting at `offset` of `bytes`.
 * @param bytes holds the record (and possibly more)
 * @param offset where the record starts
 * @returns the record; `body` is a view into `bytes`
 * @throws {RecordDecodeError} when the bytes are not a whole record
 */
export function decodeRecord(bytes: Uint8Array, offset = 0): MessageRecord {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { totalSize, magicCode, sysFlag } = checkHeader(bytes, view, offset);
  let p = offset + 48;
  const bornHost = readHost(bytes, view, p, (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0);
  p += bornHost.address.length + 4;
  const storeTimestamp = getInt64(view, p);
  const storeV6 = (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) !== 0;
  const storeHost = readHost(bytes, view, p + 8, storeV6);
  p += 8 + storeHost.address.length + 4;
  const reconsumeTimes = view.getInt32(p);
  const preparedTransactionOffset = getInt64(view, p + 4);
  const bodyLength = view.getInt32(p + 12);
  const end = offset + totalSize;
  // `need < p` alone let a BODYLENGTH of -16..-1 step back over fields already read (a record
  // was decoded with its topic and properties taken from its own header); Java's
  // `new byte[length]` throws on any negative length
  const check = (need: number, length: number) => {
    if (need > end || need < p || length < 0) {
      throw new RecordDecodeError(
        `Cannot decode record at ${offset}: fields overrun size ${totalSize}`,
      );
    }
  };
  check(p + 16 + bodyLength, bodyLength);
  const body = bytes.subarray(p + 16, p + 16 + bodyLength);
  p += 16 + bodyLength;
  const v2 = magicCode === MESSAGE_MAGIC_CODE_V2;
  check(p + (v2 ? 2 : 1), 0);
  const topicLength = v2 ? view.getInt16(p) : bytes[p];
  p += v2 ? 2 : 1;
  check(p + topicLength + 2, topicLength);
  const topic = utf8Decoder.decode(bytes.subarray(p, p + topicLength));
  p += topicLength;
  const propertiesLength = view.getInt16(p);
  check(p + 2 + propertiesLength, propertiesLength);
  if (p + 2 + propertiesLength !== end) {
    throw new RecordDecodeError(
      `Cannot decode record at ${offset}: fields end at ${
        p + 2 + propertiesLength - offset
      }, TOTALSIZE is ${totalSize}`,
    );
  }
  const propertiesString = utf8Decoder.decode(bytes.subarray(p + 2, p + 2 + propertiesLength));
  return {
    totalSize,
    magicCode,
    bodyCrc: view.getInt32(offset + 8),
    queueId: view.getInt32(offset + 12),
    flag: view.getInt32(offset + 16),
    queueOffset: getInt64(view, offset + 20),
    physicalOffset: getInt64(view, offset + 28),
    sysFlag,
    bornTimestamp: getInt64(view, offset + 40),
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    propertiesString,
    properties: decodeProperties(propertiesString),
  };
}

/** Result of {@linkcode scanRecord}. */
export type ScanResult =
  | { readonly kind: "message"; readonly size: number; readonly request?: DispatchRequest }
  | { readonly kind: "blank"; readonly size: number }
  | { readonly kind: "end"; readonly reason: string };

/**
 * Validates the record at `position` of `bytes` (recovery): magic, sizes, field bounds, the
 * PHYSICALOFFSET field against `physicalOffset`, and BODYCRC when `checkCrc`.
 * @param bytes a window of the segment
 * @param position start of the record in `bytes`
 * @param physicalOffset the commit-log offset `position` stands for
 * @param options `checkCrc`; `dispatch` to also build the dispatch request
 * @returns a message (size, optional request), a blank (size to the end of the segment), or
 *   the end of valid data with the reason
 */
export function scanRecord(
  bytes: Uint8Array,
  view: DataView,
  position: number,
  physicalOffset: number,
  options: { readonly checkCrc: boolean; readonly dispatch: boolean },
): ScanResult {
  if (bytes.length - position < 8) return { kind: "end", reason: "no room for a header" };
  const totalSize = view.getInt32(position);
  const magic = view.getInt32(position + 4);
  if (magic === BLANK_MAGIC_CODE) return { kind: "blank", size: totalSize };
  if (totalSize === 0) return { kind: "end", reason: "TOTALSIZE 0" };
  if (magic !== MESSAGE_MAGIC_CODE_V1 && magic !== MESSAGE_MAGIC_CODE_V2) {
    return { kind: "end", reason: `unknown magic code ${magic}` };
  }
  if (totalSize < 91 || position + totalSize > bytes.length) {
    return { kind: "end", reason: `TOTALSIZE ${totalSize} out of range` };
  }
  if (getInt64(view, position + 28) !== physicalOffset) {
    return {
      kind: "end",
      reason: `PHYSICALOFFSET ${getInt64(view, position + 28)} is not ${physicalOffset}`,
    };
  }
  const torn = checkRecordFields(bytes, view, position, totalSize, options.checkCrc);
  if (torn !== undefined) return { kind: "end", reason: torn };
  if (!options.dispatch) return { kind: "message", size: totalSize };
  const record = decodeRecord(bytes.subarray(position, position + totalSize));
  return { kind: "message", size: totalSize, request: dispatchRequestOf(record) };
}

/**
 * Checks a record's field layout without decoding strings: lengths add up to TOTALSIZE exactly,
 * the topic is non-empty without NUL, the properties end with 0x02, and (optionally) BODYCRC.
 * BODYCRC covers only the body; the other checks catch a record torn in its topic or properties.
 * @returns why the record is invalid, or undefined when it is whole
 */
function checkRecordFields(
  bytes: Uint8Array,
  view: DataView,
  position: number,
  totalSize: number,
  checkCrc: boolean,
): string | undefined {
  const end = position + totalSize;
  const sysFlag = view.getInt32(position + 36);
  if (recordSize(0, 0, 0, sysFlag) > totalSize) return `TOTALSIZE ${totalSize} too small`;
  const bornHost = sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8;
  const storeHost = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8;
  const bodyLengthAt = position + 48 + bornHost + 8 + storeHost + 12;
  const bodyLength = view.getInt32(bodyLengthAt);
  const bodyStart = bodyLengthAt + 4;
  const v2 = view.getInt32(position + 4) === MESSAGE_MAGIC_CODE_V2;
  const topicLengthAt = bodyStart + bodyLength;
  if (bodyLength < 0 || topicLengthAt + (v2 ? 2 : 1) > end) {
    return `BODYLENGTH ${bodyLength} out of range`;
  }
  const topicLength = v2 ? view.getInt16(topicLengthAt) : bytes[topicLengthAt];
  const topicStart = topicLengthAt + (v2 ? 2 : 1);
  const propertiesLengthAt = topicStart + topicLength;
  if (topicLength <= 0 || propertiesLengthAt + 2 > end) {
    return `topic length ${topicLength} out of range`;
  }
  for (let i = topicStart; i < propertiesLengthAt; i++) {
    if (bytes[i] === 0) return "topic holds NUL (torn record)";
  }
  const propertiesLength = view.getInt16(propertiesLengthAt);
  if (propertiesLengthAt + 2 + propertiesLength !== end) {
    return `fields end at ${
      propertiesLengthAt + 2 + propertiesLength - position
    }, TOTALSIZE is ${totalSize}`;
  }
  if (propertiesLength > 0 && bytes[end - 1] !== PROPERTY_SEPARATOR_BYTE) {
    return "properties do not end with 0x02 (torn record)";
  }
  if (
    checkCrc &&
    bodyCrc(bytes.subarray(bodyStart, bodyStart + bodyLength)) !== view.getInt32(position + 8)
  ) {
    return `BODYCRC ${view.getInt32(position + 8)} does not match the body`;
  }
  return undefined;
}

/** @returns the dispatch request for a decoded record */
export function dispatchRequestOf(record: MessageRecord): DispatchRequest {
  const properties = record.properties;
  return {
    topic: record.topic,
    queueId: record.queueId,
    commitLogOffset: record.physicalOffset,
    msgSize: record.totalSize,
    tagsCode: computeTagsCode(properties.get(MessageConst.PROPERTY_TAGS)),
    storeTimestamp: record.storeTimestamp,
    consumeQueueOffset: record.queueOffset,
    keys: properties.get(MessageConst.PROPERTY_KEYS) ?? "",
    uniqKey: properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
    sysFlag: record.sysFlag,
    preparedTransactionOffset: record.preparedTransactionOffset,
  };
}

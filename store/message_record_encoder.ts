/**
 * Encodes messages into V1 stored records (message-format.md §1) for the append path: measure,
 * then write in place into the commit log's segment buffer, reusing scratch space.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bodyCrc } from "./crc32.ts";
import type { HostAddress } from "./message_id.ts";
import {
  computeTagsCode,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  PROPERTY_SEPARATOR_BYTE,
} from "./message_properties.ts";
import {
  MESSAGE_MAGIC_CODE_V1,
  type MessageExtBrokerInner,
  MessageSysFlag,
  recordSize,
  setInt64,
} from "./message_record.ts";
import { PROPERTIES_BYTES_MAX, TOPIC_BYTES_MAX_V1, TOPIC_CACHE_ENTRIES_MAX } from "./limits.ts";

/** Why {@linkcode MessageRecordEncoder.prepare} refused a message. */
export type EncodeRefusal = "MESSAGE_ILLEGAL" | "PROPERTIES_SIZE_EXCEEDED";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Encodes messages into V1 records in two steps: `prepare` measures one message (and encodes its
 * topic and properties into reused scratch space), then `write` puts the record at a position
 * the caller chose. One encoder per writer; not re-entrant.
 */
export class MessageRecordEncoder {
  readonly #storeHost: HostAddress;
  #maxBodyBytes: number;
  readonly #topicCache = new Map<string, Uint8Array>();
  readonly #scratch = new Uint8Array(PROPERTIES_BYTES_MAX * 3 + 1);
  #message: MessageExtBrokerInner | undefined;
  #topic: Uint8Array = new Uint8Array(0);
  /** the prepared properties: the first `#propertiesLength` bytes (scratch or the message's) */
  #properties: Uint8Array = new Uint8Array(0);
  #propertiesLength = 0;
  /** what `describe` returns, reused */
  readonly #described: Described = { tagsCode: 0, keys: "", uniqKey: undefined };
  #sysFlag = 0;
  #size = 0;

  /**
   * @param storeHost the broker address written as STOREHOST
   * @param maxBodyBytes bodies longer than this are MESSAGE_ILLEGAL (maxMessageSize)
   */
  constructor(storeHost: HostAddress, maxBodyBytes: number) {
    assert(storeHost.address.length === 4 || storeHost.address.length === 16, "storeHost length");
    this.#storeHost = storeHost;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /**
   * Sets the body limit of later `prepare` calls (maxMessageSize changed at runtime, as RocketMQ's
   * `CommitLog.updateMaxMessageSize` re-reads it on every put).
   * @param bytes bodies longer than this are MESSAGE_ILLEGAL
   */
  set maxBodyBytes(bytes: number) {
    assert(
      Number.isInteger(bytes) && bytes >= 1,
      `maxBodyBytes ${bytes} must be a positive integer`,
    );
    this.#maxBodyBytes = bytes;
  }

  /** bodies longer than this are MESSAGE_ILLEGAL */
  get maxBodyBytes(): number {
    return this.#maxBodyBytes;
  }

  /** sysFlag of the prepared message, host-v6 bits included */
  get sysFlag(): number {
    return this.#sysFlag;
  }

  /**
   * Measures `message` and keeps its encoded topic and properties for {@linkcode write}.
   * @returns the record size in bytes, or why the message cannot be stored
   */
  prepare(message: MessageExtBrokerInner): number | EncodeRefusal {
    if (message.body.length > this.#maxBodyBytes) return "MESSAGE_ILLEGAL";
    const bornLength = message.bornHost.address.length;
    if (bornLength !== 4 && bornLength !== 16) return "MESSAGE_ILLEGAL";
    let topic = this.#topicCache.get(message.topic);
    if (topic === undefined) {
      // Recovery treats an empty topic or one with NUL as torn bytes, so never write one.
      if (message.topic.length === 0 || message.topic.includes("\0")) return "MESSAGE_ILLEGAL";
      topic = utf8Encoder.encode(message.topic);
      if (topic.length > TOPIC_BYTES_MAX_V1) return "MESSAGE_ILLEGAL";
      if (this.#topicCache.size >= TOPIC_CACHE_ENTRIES_MAX) this.#topicCache.clear();
      this.#topicCache.set(message.topic, topic);
    }
    const properties = message.properties;
    if (typeof properties === "string") {
      if (properties.length > PROPERTIES_BYTES_MAX) return "PROPERTIES_SIZE_EXCEEDED";
      this.#properties = this.#scratch;
      this.#propertiesLength = withFinalSeparator(
        this.#scratch,
        encodeText(properties, this.#scratch),
      );
    } else if (
      properties.length > 0 && properties[properties.length - 1] !== PROPERTY_SEPARATOR_BYTE
    ) {
      if (properties.length > PROPERTIES_BYTES_MAX) return "PROPERTIES_SIZE_EXCEEDED";
      this.#scratch.set(properties);
      this.#properties = this.#scratch;
      this.#propertiesLength = withFinalSeparator(this.#scratch, properties.length);
    } else {
      this.#properties = properties;
      this.#propertiesLength = properties.length;
    }
    if (this.#propertiesLength > PROPERTIES_BYTES_MAX) return "PROPERTIES_SIZE_EXCEEDED";
    let sysFlag = message.sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG |
      MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
    if (bornLength === 16) sysFlag |= MessageSysFlag.BORNHOST_V6_FLAG;
    if (this.#storeHost.address.length === 16) sysFlag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
    this.#message = message;
    this.#topic = topic;
    this.#sysFlag = sysFlag;
    this.#size = recordSize(message.body.length, topic.length, this.#propertiesLength, sysFlag);
    return this.#size;
  }

  /**
   * Writes the prepared message as a V1 record at `position` of `target`.
   * @returns the BODYCRC written
   */
  write(
    target: Uint8Array,
    view: DataView,
    position: number,
    fields: { physicalOffset: number; queueOffset: number; storeTimestamp: number },
  ): number {
    const message = this.#message;
    // Hot path: `if` + assert.fail costs less than assert() per record.
    if (message === undefined) assert.fail("write() needs a prepare() first");
    if (position + this.#size > target.length) assert.fail("record must fit the target");
    const crc = bodyCrc(message.body);
    let p = position;
    view.setInt32(p, this.#size);
    view.setInt32(p + 4, MESSAGE_MAGIC_CODE_V1);
    view.setInt32(p + 8, crc);
    view.setInt32(p + 12, message.queueId);
    view.setInt32(p + 16, message.flag);
    setInt64(view, p + 20, fields.queueOffset);
    setInt64(view, p + 28, fields.physicalOffset);
    view.setInt32(p + 36, this.#sysFlag);
    setInt64(view, p + 40, message.bornTimestamp);
    p = writeHost(target, view, p + 48, message.bornHost);
    setInt64(view, p, fields.storeTimestamp);
    p = writeHost(target, view, p + 8, this.#storeHost);
    view.setInt32(p, message.reconsumeTimes ?? 0);
    setInt64(view, p + 4, message.preparedTransactionOffset ?? 0);
    view.setInt32(p + 12, message.body.length);
    target.set(message.body, p + 16);
    p += 16 + message.body.length;
    target[p] = this.#topic.length;
    copySmall(this.#topic, target, p + 1);
    p += 1 + this.#topic.length;
    const propertiesLength = this.#propertiesLength;
    view.setInt16(p, propertiesLength);
    copyPrefix(this.#properties, propertiesLength, target, p + 2);
    if (p + 2 + propertiesLength !== position + this.#size) {
      assert.fail("record size mismatch");
    }
    this.#message = undefined;
    return crc;
  }

  /**
   * Derives the dispatch fields of a message (tags code, keys, unique key).
   * @returns an object this encoder reuses: valid until the next call, copy what you keep
   */
  describe(message: MessageExtBrokerInner): Readonly<Described> {
    const described = this.#described;
    const map = message.propertiesMap;
    if (map !== undefined) {
      described.tagsCode = message.tagsCode ??
        computeTagsCode(map.get(MessageConst.PROPERTY_TAGS));
      described.keys = map.get(MessageConst.PROPERTY_KEYS) ?? "";
      described.uniqKey = map.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
      return described;
    }
    const text = typeof message.properties === "string"
      ? message.properties
      : utf8Decoder.decode(message.properties);
    describeText(text, message.tagsCode, described);
    return described;
  }
}

/** The dispatch fields {@linkcode MessageRecordEncoder.describe} derives. */
export interface Described {
  tagsCode: number;
  keys: string;
  uniqKey: string | undefined;
}

/**
 * Java writers end every pair with 0x02; a string without it (a foreign client) gets one, so
 * recovery can treat a missing final separator as a torn record. Java decoding is unchanged.
 * @returns the length of `scratch`'s properties, separator included
 */
function withFinalSeparator(scratch: Uint8Array, length: number): number {
  if (length === 0 || scratch[length - 1] === PROPERTY_SEPARATOR_BYTE) return length;
  scratch[length] = PROPERTY_SEPARATOR_BYTE;
  return length + 1;
}

/** Strings up to this many UTF-16 units are encoded in JS; longer ones cost less as one op call. */
const ENCODE_IN_JS_UNITS_MAX = 256;

/**
 * UTF-8 encodes `text` into `target` (room for 3 bytes a unit) without an op call for short
 * ASCII text, the usual properties string; anything else goes to TextEncoder.
 * @returns the bytes written
 */
function encodeText(text: string, target: Uint8Array): number {
  const length = text.length;
  if (length <= ENCODE_IN_JS_UNITS_MAX) {
    let i = 0;
    for (; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) break;
      target[i] = unit;
    }
    if (i === length) return length;
  }
  return utf8Encoder.encodeInto(text, target).written;
}

const TAGS_NEEDLE = MessageConst.PROPERTY_TAGS + NAME_VALUE_SEPARATOR;
const KEYS_NEEDLE = MessageConst.PROPERTY_KEYS + NAME_VALUE_SEPARATOR;
const UNIQ_NEEDLE = MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX + NAME_VALUE_SEPARATOR;
const CODE_T = TAGS_NEEDLE.charCodeAt(0);
const CODE_K = KEYS_NEEDLE.charCodeAt(0);
const CODE_U = UNIQ_NEEDLE.charCodeAt(0);

/**
 * The dispatch fields from a properties string in one pass over its pairs, with the rules of
 * `findProperty` (a pair's name ends at its first 0x01, the last non-empty value wins).
 */
function describeText(text: string, knownTagsCode: number | undefined, out: Described): void {
  let tagsStart = -1;
  let tagsEnd = -1;
  let keys = "";
  let uniqKey: string | undefined;
  const length = text.length;
  let start = 0;
  while (start < length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = length;
    const first = text.charCodeAt(start); // one compare skips most pairs
    if (first === CODE_T && text.startsWith(TAGS_NEEDLE, start)) {
      if (end > start + TAGS_NEEDLE.length) {
        tagsStart = start + TAGS_NEEDLE.length;
        tagsEnd = end;
      }
    } else if (first === CODE_K && text.startsWith(KEYS_NEEDLE, start)) {
      if (end > start + KEYS_NEEDLE.length) keys = text.slice(start + KEYS_NEEDLE.length, end);
    } else if (first === CODE_U && text.startsWith(UNIQ_NEEDLE, start)) {
      if (end > start + UNIQ_NEEDLE.length) uniqKey = text.slice(start + UNIQ_NEEDLE.length, end);
    }
    start = end + 1;
  }
  let tagsCode = knownTagsCode;
  if (tagsCode === undefined) {
    tagsCode = 0;
    for (let i = tagsStart; i < tagsEnd; i++) {
      tagsCode = (Math.imul(31, tagsCode) + text.charCodeAt(i)) | 0;
    }
  }
  out.tagsCode = tagsCode;
  out.keys = keys;
  out.uniqKey = uniqKey;
}

function writeHost(
  target: Uint8Array,
  view: DataView,
  position: number,
  host: HostAddress,
): number {
  copySmall(host.address, target, position);
  view.setInt32(position + host.address.length, host.port);
  return position + host.address.length + 4;
}

/** Up to this many bytes a JS loop copies faster than `TypedArray.prototype.set`'s call. */
const COPY_IN_JS_BYTES_MAX = 32;

/**
 * Properties up to this many bytes are copied by a JS loop: longer ones by
 * `TypedArray.prototype.set` of a view, which allocates the view.
 */
const COPY_PREFIX_IN_JS_BYTES_MAX = 512;

/** Copies the first `length` bytes of `source` into `target` at `position` (checked by the caller). */
function copyPrefix(source: Uint8Array, length: number, target: Uint8Array, position: number) {
  if (length === source.length) {
    copySmall(source, target, position);
  } else if (length <= COPY_PREFIX_IN_JS_BYTES_MAX) {
    for (let i = 0; i < length; i++) target[position + i] = source[i];
  } else {
    target.set(source.subarray(0, length), position);
  }
}

/** Copies `source` into `target` at `position` (both checked to fit by the caller). */
function copySmall(source: Uint8Array, target: Uint8Array, position: number): void {
  const length = source.length;
  if (length > COPY_IN_JS_BYTES_MAX) {
    target.set(source, position);
    return;
  }
  for (let i = 0; i < length; i++) target[position + i] = source[i];
}

/**
 * Encodes messages into V1 stored records (message-format.md §1) for the append path: measure,
 * then write in place into the commit log's segment buffer, reusing scratch space.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bodyCrc } from "./crc32.ts";
import type { HostAddress } from "./message_id.ts";
import { computeTagsCode, findProperty, MessageConst } from "./message_properties.ts";
import {
  MESSAGE_MAGIC_CODE_V1,
  type MessageExtBrokerInner,
  MessageSysFlag,
  PROPERTY_SEPARATOR_BYTE,
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
  readonly #maxBodyBytes: number;
  readonly #topicCache = new Map<string, Uint8Array>();
  readonly #scratch = new Uint8Array(PROPERTIES_BYTES_MAX * 3 + 1);
  #message: MessageExtBrokerInner | undefined;
  #topic: Uint8Array = new Uint8Array(0);
  #properties: Uint8Array = new Uint8Array(0);
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
      const { written } = utf8Encoder.encodeInto(properties, this.#scratch);
      this.#properties = this.#withFinalSeparator(this.#scratch, written);
    } else if (
      properties.length > 0 && properties[properties.length - 1] !== PROPERTY_SEPARATOR_BYTE
    ) {
      if (properties.length > PROPERTIES_BYTES_MAX) return "PROPERTIES_SIZE_EXCEEDED";
      this.#scratch.set(properties);
      this.#properties = this.#withFinalSeparator(this.#scratch, properties.length);
    } else {
      this.#properties = properties;
    }
    if (this.#properties.length > PROPERTIES_BYTES_MAX) return "PROPERTIES_SIZE_EXCEEDED";
    let sysFlag = message.sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG |
      MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
    if (bornLength === 16) sysFlag |= MessageSysFlag.BORNHOST_V6_FLAG;
    if (this.#storeHost.address.length === 16) sysFlag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
    this.#message = message;
    this.#topic = topic;
    this.#sysFlag = sysFlag;
    this.#size = recordSize(message.body.length, topic.length, this.#properties.length, sysFlag);
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
    target.set(this.#topic, p + 1);
    p += 1 + this.#topic.length;
    view.setInt16(p, this.#properties.length);
    target.set(this.#properties, p + 2);
    if (p + 2 + this.#properties.length !== position + this.#size) {
      assert.fail("record size mismatch");
    }
    this.#message = undefined;
    return crc;
  }

  /**
   * Java writers end every pair with 0x02; a string without it (a foreign client) gets one, so
   * recovery can treat a missing final separator as a torn record. Java decoding is unchanged.
   */
  #withFinalSeparator(scratch: Uint8Array, length: number): Uint8Array {
    if (length === 0 || scratch[length - 1] === PROPERTY_SEPARATOR_BYTE) {
      return scratch.subarray(0, length);
    }
    scratch[length] = PROPERTY_SEPARATOR_BYTE;
    return scratch.subarray(0, length + 1);
  }

  /** Derives the dispatch fields of the prepared message (tags code, keys, unique key). */
  describe(message: MessageExtBrokerInner): { tagsCode: number; keys: string; uniqKey?: string } {
    const map = message.propertiesMap;
    if (map !== undefined) {
      return {
        tagsCode: message.tagsCode ?? computeTagsCode(map.get(MessageConst.PROPERTY_TAGS)),
        keys: map.get(MessageConst.PROPERTY_KEYS) ?? "",
        uniqKey: map.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
      };
    }
    const text = typeof message.properties === "string"
      ? message.properties
      : utf8Decoder.decode(message.properties);
    return {
      tagsCode: message.tagsCode ?? computeTagsCode(findProperty(text, MessageConst.PROPERTY_TAGS)),
      keys: findProperty(text, MessageConst.PROPERTY_KEYS) ?? "",
      uniqKey: findProperty(text, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
    };
  }
}

function writeHost(
  target: Uint8Array,
  view: DataView,
  position: number,
  host: HostAddress,
): number {
  target.set(host.address, position);
  view.setInt32(position + host.address.length, host.port);
  return position + host.address.length + 4;
}

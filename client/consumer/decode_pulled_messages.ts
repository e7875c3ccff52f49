/**
 * The consumers' decoder of PULL_MESSAGE bodies (`shared/spec/message-format.md` §1, §8): stored
 * records back to back, each made a {@linkcode MessageExt}. It reads the same layout as
 * `decodeMessages` with the per-message work cut to what a consumer needs at high rates:
 *
 * - bodies are views into the pull body, not copies (a kept message keeps its pull response
 *   alive: at most the broker's `maxTransferBytesOn*` per pull; `body.slice()` to detach one);
 *   compressed bodies are inflated into their own buffers;
 * - no per-message buffers for hosts: born and store hosts are formatted from the record bytes,
 *   and repeated hosts and topics (every record of a pull has the same topic and broker) reuse the
 *   previous record's string;
 * - the offset message id reuses the store host's prefix and adds the physical offset;
 * - properties are parsed straight into the message's own map (Java's rules, message-format.md
 *   §4), with the pull's MIN_OFFSET / MAX_OFFSET added as RocketMQ's `processPullResult` does.
 *
 * @module
 */

import { createOffsetMessageId, formatHostAddress, hex64 } from "../../store/message_id.ts";
import {
  MESSAGE_MAGIC_CODE_V1,
  MESSAGE_MAGIC_CODE_V2,
  MessageSysFlag,
  recordSize,
} from "../../store/message_record.ts";
import { DECODE_RECORDS_MAX } from "../limits.ts";
import { MessageExt } from "../message.ts";
import { MessageConst } from "../message_const.ts";
import { decompressBody } from "../message_compression.ts";
import { MessageDecodeError } from "../message_decoder.ts";

/**
 * What {@linkcode decodePulledMessages} stamps on every message.
 *
 * @example
 * ```ts
 * import { decodePulledMessages, type PulledMessagesContext } from "./decode_pulled_messages.ts";
 * import type { PullResult } from "../pull_result.ts";
 * function messagesOf(result: PullResult, brokerName: string) {
 *   const context: PulledMessagesContext = { brokerName, ...result }; // min/maxOffset of the pull
 *   return decodePulledMessages(result.messageBinary ?? new Uint8Array(0), context);
 * }
 * ```
 */
export interface PulledMessagesContext {
  /** broker group the body came from */
  brokerName: string;
  /** the queue's first offset at pull time (`MIN_OFFSET`) */
  minOffset: number;
  /** the queue's end offset at pull time (`MAX_OFFSET`) */
  maxOffset: number;
  /**
   * Told of a well-formed record whose body cannot be decompressed (a producer set the
   * compression flag on a body that is not one); the record is then left out and decoding goes
   * on with the next, so one bad message does not stop its queue (RocketMQ's consumer drops such
   * a record too). Without it such a record throws.
   */
  onUndecodableBody?: (error: MessageDecodeError) => void;
}

const TWO_32 = 0x1_0000_0000;
/** The smallest record: IPv4 hosts, V1, empty body, topic and properties (91 bytes). */
const RECORD_BYTES_MIN = recordSize(0, 0, 0);
const NO_PROPERTIES: ReadonlyMap<string, string> = new Map();
const utf8Decoder = new TextDecoder();

/** The last host and topic seen, to reuse their strings for the next record. */
class RepeatCache {
  bornKey = -1;
  bornPort = -1;
  born = "";
  storeKey = -1;
  storePort = -1;
  store = "";
  /** offset message id up to the physical offset, for `storeKey` / `storePort` */
  idPrefix = "";
  topicStart = -1;
  topicLength = -1;
  topic = "";
}

/**
 * Decodes every record of a pull body.
 *
 * @param body records back to back (the PULL_MESSAGE response body)
 * @param context broker name and the queue's min / max offsets to stamp
 * @returns the messages in body order; bodies are views into `body` unless decompressed
 * @throws {MessageDecodeError} when a record is truncated or malformed, or a body cannot be
 *   decompressed and the context has no `onUndecodableBody`
 * @example
 * ```ts
 * import { decodePulledMessages } from "./decode_pulled_messages.ts";
 * const none = decodePulledMessages(new Uint8Array(0), {
 *   brokerName: "b", minOffset: 0, maxOffset: 0,
 * });
 * if (none.length !== 0) throw new Error("no records");
 * ```
 */
export function decodePulledMessages(
  body: Uint8Array,
  context: PulledMessagesContext,
): MessageExt[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const cache = new RepeatCache();
  const minOffset = String(context.minOffset);
  const maxOffset = String(context.maxOffset);
  const messages: MessageExt[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (messages.length >= DECODE_RECORDS_MAX) {
      throw new MessageDecodeError(
        `Cannot decode message body: more than ${DECODE_RECORDS_MAX} records`,
      );
    }
    const message = decodeRecordAt(body, view, offset, context, cache);
    if (message === null) {
      offset += view.getInt32(offset);
      continue;
    }
    message.properties.set(MessageConst.PROPERTY_MIN_OFFSET, minOffset);
    message.properties.set(MessageConst.PROPERTY_MAX_OFFSET, maxOffset);
    messages.push(message);
    offset += message.storeSize;
  }
  return messages;
}

function fail(offset: number, what: string): never {
  throw new MessageDecodeError(`Cannot decode message record at ${offset}: ${what}`);
}

function getInt64(view: DataView, position: number): number {
  return view.getInt32(position) * TWO_32 + view.getUint32(position + 4);
}

/** Validates TOTALSIZE, MAGICCODE and SYSFLAG; returns TOTALSIZE. */
function checkHeader(body: Uint8Array, view: DataView, offset: number): number {
  if (body.length - offset < 8) fail(offset, "truncated");
  const totalSize = view.getInt32(offset);
  const magicCode = view.getInt32(offset + 4);
  if (magicCode !== MESSAGE_MAGIC_CODE_V1 && magicCode !== MESSAGE_MAGIC_CODE_V2) {
    fail(offset, `magic code ${magicCode}`);
  }
  if (totalSize < RECORD_BYTES_MIN) fail(offset, `size ${totalSize} below ${RECORD_BYTES_MIN}`);
  if (offset + totalSize > body.length) {
    fail(offset, `size ${totalSize} exceeds ${body.length - offset} bytes`);
  }
  if (recordSize(0, 0, 0, view.getInt32(offset + 36)) > totalSize) {
    fail(offset, `size ${totalSize} too small for its sysFlag`);
  }
  return totalSize;
}

function decodeRecordAt(
  body: Uint8Array,
  view: DataView,
  offset: number,
  context: PulledMessagesContext,
  cache: RepeatCache,
): MessageExt | null {
  const totalSize = checkHeader(body, view, offset);
  const end = offset + totalSize;
  const sysFlag = view.getInt32(offset + 36);
  const bornV6 = (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0;
  const storeV6 = (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) !== 0;
  let p = offset + 48;
  const bornHost = bornHostAt(body, view, p, bornV6, cache);
  p += bornV6 ? 20 : 8;
  const storeTimestamp = getInt64(view, p);
  const physicalOffset = getInt64(view, offset + 28);
  const storeHost = storeHostAt(body, view, p + 8, storeV6, cache);
  p += storeV6 ? 28 : 16;
  const reconsumeTimes = view.getInt32(p);
  const preparedTransactionOffset = getInt64(view, p + 4);
  const bodyLength = view.getInt32(p + 12);
  p += 16;
  if (bodyLength < 0 || p + bodyLength > end) fail(offset, "body overruns the record");
  const stored = body.subarray(p, p + bodyLength);
  p += bodyLength;
  const v2 = view.getInt32(offset + 4) === MESSAGE_MAGIC_CODE_V2;
  if (p + (v2 ? 2 : 1) > end) fail(offset, "topic overruns the record");
  const topicLength = v2 ? view.getInt16(p) : body[p];
  p += v2 ? 2 : 1;
  if (topicLength < 0 || p + topicLength + 2 > end) fail(offset, "topic overruns the record");
  const topic = topicAt(body, p, topicLength, cache);
  p += topicLength;
  const propertiesLength = view.getInt16(p);
  p += 2;
  if (p + propertiesLength !== end) {
    fail(offset, `fields end at ${p + propertiesLength - offset}, TOTALSIZE is ${totalSize}`);
  }
  const inflated = inflate(stored, sysFlag, physicalOffset, context.onUndecodableBody);
  if (inflated === null) return null;
  const message = new MessageExt({
    topic,
    body: inflated,
    flag: view.getInt32(offset + 16),
    properties: NO_PROPERTIES,
    brokerName: context.brokerName,
    queueId: view.getInt32(offset + 12),
    storeSize: totalSize,
    queueOffset: getInt64(view, offset + 20),
    sysFlag,
    bornTimestamp: getInt64(view, offset + 40),
    bornHost,
    storeTimestamp,
    storeHost,
    offsetMsgId: cache.idPrefix + hex64(physicalOffset),
    commitLogOffset: physicalOffset,
    bodyCRC: view.getInt32(offset + 8),
    reconsumeTimes,
    preparedTransactionOffset,
  });
  if (propertiesLength > 0) {
    parsePropertiesInto(utf8Decoder.decode(body.subarray(p, end)), message.properties);
  }
  return message;
}

/**
 * The body as the producer sent it: compressed bodies inflated, others as they are.
 * @returns null when it cannot be inflated and `onUndecodable` was told
 */
function inflate(
  stored: Uint8Array,
  sysFlag: number,
  physicalOffset: number,
  onUndecodable: PulledMessagesContext["onUndecodableBody"],
): Uint8Array | null {
  try {
    return decompressBody(stored, sysFlag);
  } catch (error) {
    const failure = new MessageDecodeError(
      `Cannot decode message at commit-log offset ${physicalOffset}: ${(error as Error).message}`,
      { cause: error },
    );
    if (onUndecodable === undefined) throw failure;
    onUndecodable(failure);
    return null;
  }
}

function bornHostAt(
  body: Uint8Array,
  view: DataView,
  p: number,
  v6: boolean,
  cache: RepeatCache,
): string {
  if (v6) {
    return formatHostAddress({ address: body.subarray(p, p + 16), port: view.getInt32(p + 16) });
  }
  const key = view.getUint32(p);
  const port = view.getInt32(p + 4);
  if (key !== cache.bornKey || port !== cache.bornPort) {
    cache.bornKey = key;
    cache.bornPort = port;
    cache.born = formatHostAddress({ address: body.subarray(p, p + 4), port });
  }
  return cache.born;
}

function storeHostAt(
  body: Uint8Array,
  view: DataView,
  p: number,
  v6: boolean,
  cache: RepeatCache,
): string {
  const length = v6 ? 16 : 4;
  const key = v6 ? -2 : view.getUint32(p);
  const port = view.getInt32(p + length);
  if (key === -2 || key !== cache.storeKey || port !== cache.storePort) {
    const address = body.subarray(p, p + length);
    cache.storeKey = key;
    cache.storePort = port;
    cache.store = formatHostAddress({ address, port });
    const id = createOffsetMessageId(address, port, 0);
    cache.idPrefix = id.slice(0, id.length - 16);
  }
  return cache.store;
}

function topicAt(body: Uint8Array, p: number, length: number, cache: RepeatCache): string {
  const start = cache.topicStart;
  if (length === cache.topicLength && start >= 0) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (body[p + i] !== body[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cache.topic;
  }
  cache.topicStart = p;
  cache.topicLength = length;
  cache.topic = utf8Decoder.decode(body.subarray(p, p + length));
  return cache.topic;
}

/**
 * Java's `string2messageProperties` rules (message-format.md §4): `name 0x01 value 0x02` pairs; a
 * segment counts only with ≥ 3 characters, a non-empty name and value; a later name wins.
 */
function parsePropertiesInto(text: string, map: Map<string, string>): void {
  const length = text.length;
  let index = 0;
  while (index < length) {
    let end = text.indexOf("\u0002", index);
    if (end < 0) end = length;
    if (end - index >= 3) {
      const separator = text.indexOf("\u0001", index);
      if (separator > index && separator < end - 1) {
        map.set(text.slice(index, separator), text.slice(separator + 1, end));
      }
    }
    index = end + 1;
  }
}

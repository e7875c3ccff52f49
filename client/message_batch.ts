/**
 * Batches for SEND_BATCH_MESSAGE (`shared/spec/message-format.md` §7, RocketMQ `MessageBatch`):
 * one topic, one `WAIT` value, no delay, no retry topic; each message validated and given its own
 * `UNIQ_KEY`; the body packs `TOTALSIZE, MAGIC 0, BODYCRC 0, FLAG, BODY, PROPERTIES` per message,
 * never compressed.
 *
 * @module
 */

import { encodeProperties } from "../store/message_properties.ts";
import { MQClientError } from "./client_error.ts";
import { BATCH_MESSAGES_MAX, PROPERTIES_BYTES_MAX } from "./limits.ts";
import type { Message } from "./message.ts";
import type { MessageClientIdGenerator } from "./message_client_id.ts";
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "./message_const.ts";
import { checkMessage } from "./validators.ts";

const utf8 = new TextEncoder();

/**
 * A packed batch, ready to send.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { createMessageBatch, type MessageBatch } from "./message_batch.ts";
 * import { Message } from "./message.ts";
 * import { MessageClientIdGenerator } from "./message_client_id.ts";
 * const clock = new ManualClock();
 * const ids = new MessageClientIdGenerator({ clientIP: "10.0.0.1", pid: 1, clock });
 * const messages = ["a", "b"].map((body) => new Message({ topic: "T", body }));
 * const batch: MessageBatch = createMessageBatch(messages, { ids, maxMessageSize: 1024 });
 * if (batch.topic !== "T" || batch.properties.get("WAIT") !== "true") throw new Error();
 * ```
 */
export interface MessageBatch {
  /** the topic shared by every message */
  readonly topic: string;
  /** the messages, each with its `UNIQ_KEY` set */
  readonly messages: readonly Message[];
  /** the packed body */
  readonly body: Uint8Array;
  /** batch-level properties (header `i`): the shared `WAIT` value */
  readonly properties: Map<string, string>;
  /** the messages' unique ids joined by `,` (SendResult.msgId of a batch) */
  readonly uniqIds: string;
}

/**
 * Options of {@linkcode createMessageBatch}.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { createMessageBatch, type CreateMessageBatchOptions } from "./message_batch.ts";
 * import { Message } from "./message.ts";
 * import { MessageClientIdGenerator } from "./message_client_id.ts";
 * const options: CreateMessageBatchOptions = {
 *   ids: new MessageClientIdGenerator({ clientIP: "10.0.0.1", pid: 1, clock: new ManualClock() }),
 *   maxMessageSize: 4 * 1024 * 1024,
 * };
 * const batch = createMessageBatch([new Message({ topic: "T", body: "a" })], options);
 * if (batch.uniqIds.length !== 32) throw new Error("one UNIQ_KEY of 32 hex digits");
 * ```
 */
export interface CreateMessageBatchOptions {
  /** assigns `UNIQ_KEY`s */
  ids: MessageClientIdGenerator;
  /** the producer's body limit; checked per message and for the packed body */
  maxMessageSize: number;
}

function unsupported(detail: string): MQClientError {
  return new MQClientError("Failed to initiate the MessageBatch", { cause: new Error(detail) });
}

/**
 * Validates and packs messages (RocketMQ `DefaultMQProducer.batch`). Like RocketMQ, it sets each
 * message's `UNIQ_KEY` when absent.
 *
 * @param messages one or more messages of one topic
 * @param options id generator and size limit
 * @returns the batch
 * @throws {MQClientError} `Failed to initiate the MessageBatch` (cause says why: delay, retry
 *   topic, mixed topics or `WAIT`, too many messages, a bad message); `CODE: 13 …` when the packed
 *   body exceeds `maxMessageSize`
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { Message } from "./message.ts";
 * import { createMessageBatch } from "./message_batch.ts";
 * import { MessageClientIdGenerator } from "./message_client_id.ts";
 * const clock = new ManualClock();
 * const ids = new MessageClientIdGenerator({ clientIP: "10.0.0.1", pid: 1, clock });
 * const batch = createMessageBatch(
 *   [new Message({ topic: "T", body: "a" }), new Message({ topic: "T", body: "b" })],
 *   { ids, maxMessageSize: 4194304 },
 * );
 * if (batch.messages.length !== 2 || batch.uniqIds.split(",").length !== 2) throw new Error();
 * ```
 */
export function createMessageBatch(
  messages: readonly Message[],
  options: CreateMessageBatchOptions,
): MessageBatch {
  if (messages.length === 0) throw unsupported("A batch needs at least one message");
  if (messages.length > BATCH_MESSAGES_MAX) {
    throw unsupported(
      `A batch holds at most ${BATCH_MESSAGES_MAX} messages, got ${messages.length}`,
    );
  }
  const first = messages[0];
  for (const message of messages) {
    if (message.delayTimeLevel > 0) {
      throw unsupported("TimeDelayLevel is not supported for batching");
    }
    if (message.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      throw unsupported("Retry Group is not supported for batching");
    }
    if (message.topic !== first.topic) {
      throw unsupported("The topic of the messages in one batch should be the same");
    }
    if (message.waitStoreMsgOK !== first.waitStoreMsgOK) {
      throw unsupported("The waitStoreMsgOK of the messages in one batch should the same");
    }
  }
  const encoded: { body: Uint8Array; properties: Uint8Array; flag: number }[] = [];
  const ids: string[] = [];
  let size = 0;
  for (const message of messages) {
    try {
      checkMessage(message, options.maxMessageSize);
    } catch (error) {
      throw new MQClientError("Failed to initiate the MessageBatch", { cause: error });
    }
    ids.push(options.ids.setUniqID(message));
    const properties = utf8.encode(encodeProperties(message.properties));
    if (properties.length > PROPERTIES_BYTES_MAX) {
      throw unsupported(
        `Properties of a message take ${properties.length} bytes, more than ${PROPERTIES_BYTES_MAX}`,
      );
    }
    encoded.push({ body: message.body, properties, flag: message.flag });
    size += 22 + message.body.length + properties.length;
  }
  const body = packBatch(encoded, size);
  const batchProperties = new Map([[
    MessageConst.PROPERTY_WAIT_STORE_MSG_OK,
    String(first.waitStoreMsgOK),
  ]]);
  return {
    topic: first.topic,
    messages,
    body,
    properties: batchProperties,
    uniqIds: ids.join(","),
  };
}

function packBatch(
  entries: readonly { body: Uint8Array; properties: Uint8Array; flag: number }[],
  size: number,
): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  for (const entry of entries) {
    const total = 22 + entry.body.length + entry.properties.length;
    view.setInt32(p, total);
    view.setInt32(p + 4, 0);
    view.setInt32(p + 8, 0);
    view.setInt32(p + 12, entry.flag);
    view.setInt32(p + 16, entry.body.length);
    out.set(entry.body, p + 20);
    p += 20 + entry.body.length;
    view.setInt16(p, entry.properties.length);
    out.set(entry.properties, p + 2);
    p += 2 + entry.properties.length;
  }
  return out;
}

/**
 * One entry of a packed batch, as {@linkcode decodeMessageBatch} returns it.
 *
 * @example
 * ```ts
 * import { type BatchEntry, decodeMessageBatch } from "./message_batch.ts";
 * const packed = new Uint8Array(23); // one entry: 20 header bytes, a 1-byte body, no properties
 * const view = new DataView(packed.buffer);
 * view.setInt32(0, 23);
 * view.setInt32(16, 1);
 * packed[20] = 0x61;
 * const [entry]: BatchEntry[] = decodeMessageBatch(packed);
 * if (new TextDecoder().decode(entry.body) !== "a" || entry.properties !== "") throw new Error();
 * ```
 */
export interface BatchEntry {
  /** the user flag */
  readonly flag: number;
  /** the body (a view into the batch) */
  readonly body: Uint8Array;
  /** the encoded properties string */
  readonly properties: string;
}

/**
 * Unpacks a batch body (the inverse of the packing in {@linkcode createMessageBatch}); for tests
 * and tools.
 *
 * @param body a packed batch
 * @returns its entries
 * @throws {RangeError} when an entry's sizes are negative, disagree or overrun the body
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { createMessageBatch, decodeMessageBatch } from "./message_batch.ts";
 * import { Message } from "./message.ts";
 * import { MessageClientIdGenerator } from "./message_client_id.ts";
 * const clock = new ManualClock();
 * const ids = new MessageClientIdGenerator({ clientIP: "10.0.0.1", pid: 1, clock });
 * const message = new Message({ topic: "T", body: "a", flag: 7 });
 * const batch = createMessageBatch([message], { ids, maxMessageSize: 1024 });
 * const [entry] = decodeMessageBatch(batch.body);
 * if (entry.flag !== 7 || !entry.properties.includes("UNIQ_KEY")) throw new Error();
 * ```
 */
export function decodeMessageBatch(body: Uint8Array): BatchEntry[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const decoder = new TextDecoder();
  const entries: BatchEntry[] = [];
  let p = 0;
  while (p < body.length) {
    const overrun = () =>
      new RangeError(`Cannot decode batch entry at ${p}: sizes overrun ${body.length} bytes`);
    if (body.length - p < 22) throw overrun();
    const total = view.getInt32(p);
    const bodyLength = view.getInt32(p + 16);
    // A negative length would point back into the entry and, with a TOTALSIZE of 0, loop forever
    if (bodyLength < 0 || bodyLength > body.length - p - 22) throw overrun();
    const propertiesAt = p + 20 + bodyLength;
    const propertiesLength = view.getInt16(propertiesAt);
    if (
      propertiesLength < 0 || total !== 22 + bodyLength + propertiesLength ||
      p + total > body.length
    ) {
      throw overrun();
    }
    entries.push({
      flag: view.getInt32(p + 12),
      body: body.subarray(p + 20, propertiesAt),
      properties: decoder.decode(
        body.subarray(propertiesAt + 2, propertiesAt + 2 + propertiesLength),
      ),
    });
    p += total;
  }
  return entries;
}

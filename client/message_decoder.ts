/**
 * Decodes the stored records of PULL_MESSAGE, QUERY_MESSAGE and VIEW_MESSAGE_BY_ID bodies into
 * {@linkcode MessageExt} (`shared/spec/message-format.md` §1, §8): records back to back, each with
 * its offset message id computed from STOREHOST and PHYSICALOFFSET and its body decompressed.
 * The record layout itself is the store's decoder (`store/message_record.ts`).
 *
 * @module
 */

import { createOffsetMessageId, formatHostAddress } from "../store/message_id.ts";
import { decodeRecord, RecordDecodeError } from "../store/message_record.ts";
import { DECODE_RECORDS_MAX } from "./limits.ts";
import { MessageExt } from "./message.ts";
import { decompressBody } from "./message_compression.ts";

/**
 * A body that does not hold whole message records.
 *
 * @example
 * ```ts
 * import { decodeMessages, MessageDecodeError } from "./message_decoder.ts";
 * try {
 *   decodeMessages(new Uint8Array([0, 0, 0, 9])); // a record size, then nothing
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof MessageDecodeError)) throw error;
 * }
 * ```
 */
export class MessageDecodeError extends Error {
  /**
   * Creates the error.
   *
   * @param message what was wrong
   * @param options the underlying error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MessageDecodeError";
  }
}

/**
 * Options of {@linkcode decodeMessages}.
 *
 * @example
 * ```ts
 * import { decodeMessages, type DecodeMessagesOptions } from "./message_decoder.ts";
 * import type { PullResult } from "./pull_result.ts";
 * const options: DecodeMessagesOptions = { brokerName: "broker-a", decompress: true };
 * function messagesOf(result: PullResult, body: Uint8Array) {
 *   return result.pullStatus === "FOUND" ? decodeMessages(body, options) : [];
 * }
 * ```
 */
export interface DecodeMessagesOptions {
  /** decompress compressed bodies (default true, as RocketMQ's consumers do) */
  decompress?: boolean;
  /** broker group to stamp on each message */
  brokerName?: string;
}

/**
 * Decodes every record of a body.
 *
 * @param body records back to back (a pull, query or view body)
 * @param options decompression and broker name
 * @returns the messages in body order; bodies are copies, independent of `body`
 * @throws {MessageDecodeError} when a record is truncated or malformed, or a body cannot be
 *   decompressed
 * @example
 * ```ts
 * import { decodeMessages } from "./message_decoder.ts";
 * if (decodeMessages(new Uint8Array(0)).length !== 0) throw new Error();
 * ```
 */
export function decodeMessages(
  body: Uint8Array,
  options: DecodeMessagesOptions = {},
): MessageExt[] {
  const messages: MessageExt[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (messages.length >= DECODE_RECORDS_MAX) {
      throw new MessageDecodeError(
        `Cannot decode message body: more than ${DECODE_RECORDS_MAX} records`,
      );
    }
    const message = decodeMessageAt(body, offset, options);
    messages.push(message);
    offset += message.storeSize;
  }
  return messages;
}

/**
 * Decodes one record at `offset` of `bytes`.
 *
 * @param bytes holds the record
 * @param offset where it starts
 * @param options decompression and broker name
 * @returns the message
 * @throws {MessageDecodeError} when the record is malformed or its body cannot be decompressed
 * @example
 * ```ts
 * import { hostAddress } from "../store/message_id.ts";
 * import { MessageRecordEncoder } from "../store/message_record_encoder.ts";
 * import { decodeMessageAt } from "./message_decoder.ts";
 * const host = hostAddress("10.0.0.1", 10911);
 * const encoder = new MessageRecordEncoder(host, 1024);
 * const size = encoder.prepare({ topic: "T", queueId: 0, flag: 0, body: new Uint8Array([1]),
 *   properties: "", sysFlag: 0, bornTimestamp: 1, bornHost: host }) as number;
 * const bytes = new Uint8Array(16 + size); // the record at offset 16
 * const fields = { physicalOffset: 0, queueOffset: 3, storeTimestamp: 2 };
 * encoder.write(bytes, new DataView(bytes.buffer), 16, fields);
 * if (decodeMessageAt(bytes, 16).queueOffset !== 3) throw new Error();
 * ```
 */
export function decodeMessageAt(
  bytes: Uint8Array,
  offset: number,
  options: DecodeMessagesOptions = {},
): MessageExt {
  let record;
  try {
    record = decodeRecord(bytes, offset);
  } catch (error) {
    if (!(error instanceof RecordDecodeError)) throw error;
    throw new MessageDecodeError(`Cannot decode message record: ${error.message}`, {
      cause: error,
    });
  }
  let payload = record.body;
  if (options.decompress !== false) {
    try {
      payload = decompressBody(record.body, record.sysFlag);
    } catch (error) {
      throw new MessageDecodeError(
        `Cannot decode message at commit-log offset ${record.physicalOffset}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }
  return new MessageExt({
    topic: record.topic,
    body: payload === record.body ? record.body.slice() : payload,
    flag: record.flag,
    properties: record.properties,
    brokerName: options.brokerName,
    queueId: record.queueId,
    storeSize: record.totalSize,
    queueOffset: record.queueOffset,
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: formatHostAddress(record.bornHost),
    storeTimestamp: record.storeTimestamp,
    storeHost: formatHostAddress(record.storeHost),
    offsetMsgId: createOffsetMessageId(
      record.storeHost.address,
      record.storeHost.port,
      record.physicalOffset,
    ),
    commitLogOffset: record.physicalOffset,
    bodyCRC: record.bodyCrc,
    reconsumeTimes: record.reconsumeTimes,
    preparedTransactionOffset: record.preparedTransactionOffset,
  });
}

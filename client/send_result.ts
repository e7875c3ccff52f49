/**
 * The outcome of a send (RocketMQ `SendResult`, `MQClientAPIImpl.processSendResponse`,
 * `shared/spec/codes.md` "How clients read them"): SUCCESS and the three "stored, but" codes become
 * a result; anything else is a {@linkcode MQBrokerError}.
 *
 * @module
 */

import { decodeHeader } from "../protocol/headers/header_codec.ts";
import { SendMessageResponseHeader } from "../protocol/headers/send_message_header.ts";
import type { RemotingCommand } from "../protocol/remoting_command.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { decodeSendResponseHeaderFast } from "./_send_response_header_fast.ts";
import { MQBrokerError } from "./client_error.ts";
import type { MessageQueue } from "./message_queue.ts";

/**
 * How a send ended; all but SEND_OK mean "stored, but not as the broker was asked to".
 *
 * @example
 * ```ts
 * import type { SendResult, SendStatus } from "./send_result.ts";
 * function replicated(result: SendResult): boolean {
 *   const status: SendStatus = result.sendStatus; // every status means "stored"
 *   return status !== "FLUSH_SLAVE_TIMEOUT" && status !== "SLAVE_NOT_AVAILABLE";
 * }
 * ```
 */
export type SendStatus =
  | "SEND_OK"
  | "FLUSH_DISK_TIMEOUT"
  | "FLUSH_SLAVE_TIMEOUT"
  | "SLAVE_NOT_AVAILABLE";

/**
 * A completed send.
 *
 * @example
 * ```ts
 * import type { Producer } from "./producer.ts";
 * import type { SendResult } from "./send_result.ts";
 * async function sendAndLog(producer: Producer): Promise<SendResult> {
 *   const result = await producer.send({ topic: "TopicTest", body: "hello" });
 *   console.log(result.sendStatus, result.msgId, result.messageQueue.queueId, result.queueOffset);
 *   return result;
 * }
 * ```
 */
export interface SendResult {
  /** SEND_OK, or a "stored, but" status */
  sendStatus: SendStatus;
  /** the message's `UNIQ_KEY` (a batch: the ids joined by `,`) */
  msgId: string;
  /** the broker's offset message id (a batch: joined by `,`) */
  offsetMsgId: string;
  /** where it was stored */
  messageQueue: MessageQueue;
  /** consume-queue offset (of the first message of a batch) */
  queueOffset: number;
  /** the transaction id the broker returned, if any */
  transactionId?: string;
  /** broker region (`MSG_REGION`), `DefaultRegion` when absent */
  regionId: string;
  /** whether tracing is on for it (`TRACE_ON`) */
  traceOn: boolean;
}

const STATUS_BY_CODE: ReadonlyMap<number, SendStatus> = new Map([
  [ResponseCode.SUCCESS, "SEND_OK"],
  [ResponseCode.FLUSH_DISK_TIMEOUT, "FLUSH_DISK_TIMEOUT"],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, "FLUSH_SLAVE_TIMEOUT"],
  [ResponseCode.SLAVE_NOT_AVAILABLE, "SLAVE_NOT_AVAILABLE"],
]);

/**
 * What the response does not say but the result needs.
 *
 * @example
 * ```ts
 * import { createRequest, createResponse } from "../protocol/remoting_command.ts";
 * import { processSendResponse, type SendResponseContext } from "./send_result.ts";
 * const context: SendResponseContext = {
 *   brokerName: "broker-a", topic: "T", uniqMsgId: "U1", brokerAddr: "10.0.0.1:10911",
 * };
 * const header = { msgId: "0A00000100002A9F0000000000000000", queueId: "2", queueOffset: "9" };
 * const response = createResponse(createRequest(310), 0, undefined, header);
 * const result = processSendResponse(response, context);
 * if (result.msgId !== "U1" || result.messageQueue.brokerName !== "broker-a") throw new Error();
 * ```
 */
export interface SendResponseContext {
  /** the broker group sent to */
  brokerName: string;
  /** the topic sent to */
  topic: string;
  /** the message's unique id(s) */
  uniqMsgId: string;
  /** the broker's address, for errors */
  brokerAddr: string;
}

/**
 * Reads a send response.
 *
 * @param response the broker's response
 * @param context broker, topic and unique id of the request
 * @returns the result
 * @throws {MQBrokerError} for any code but 0, 10, 11, 12, or a success without its header fields
 * @example
 * ```ts
 * import { createResponse, createRequest } from "../protocol/remoting_command.ts";
 * import { processSendResponse } from "./send_result.ts";
 * const response = createResponse(createRequest(310), 0, undefined, {
 *   msgId: "7F00000100002A9F0000000000000000", queueId: "1", queueOffset: "5",
 * });
 * const result = processSendResponse(response, {
 *   brokerName: "b", topic: "T", uniqMsgId: "U", brokerAddr: "127.0.0.1:10911",
 * });
 * if (result.sendStatus !== "SEND_OK" || result.messageQueue.queueId !== 1) throw new Error();
 * ```
 */
export function processSendResponse(
  response: RemotingCommand,
  context: SendResponseContext,
): SendResult {
  const sendStatus = STATUS_BY_CODE.get(response.code);
  if (sendStatus === undefined) {
    throw new MQBrokerError(response.code, response.remark, context.brokerAddr);
  }
  let header = decodeSendResponseHeaderFast(response.extFields);
  if (header === undefined) header = decodeSlow(response, context);
  const result: SendResult = {
    sendStatus,
    msgId: context.uniqMsgId,
    offsetMsgId: header.msgId,
    messageQueue: { topic: context.topic, brokerName: context.brokerName, queueId: header.queueId },
    queueOffset: header.queueOffset,
    regionId: header.MSG_REGION !== undefined && header.MSG_REGION !== ""
      ? header.MSG_REGION
      : "DefaultRegion",
    traceOn: header.TRACE_ON !== "false",
  };
  if (header.transactionId !== undefined) result.transactionId = header.transactionId;
  return result;
}

/** The zod path: the header, or the error it reports for a malformed one. */
function decodeSlow(
  response: RemotingCommand,
  context: SendResponseContext,
): SendMessageResponseHeader {
  try {
    return decodeHeader(SendMessageResponseHeader, response);
  } catch (error) {
    throw new MQBrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot read send response: ${(error as Error).message}`,
      context.brokerAddr,
    );
  }
}

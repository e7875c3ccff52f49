/**
 * QUERY_MESSAGE (12) and VIEW_MESSAGE_BY_ID (33) (RocketMQ 4.9.8 `QueryMessageProcessor`,
 * headers.md §7): messages by key through the index, and one message by commit-log offset. Both
 * answer with the exact stored records (message-format.md §8).
 *
 * @module
 */

import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  QueryMessageRequestHeader,
  ViewMessageRequestHeader,
} from "../../protocol/headers/query_message_headers.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { CoreContext, ProcessorRegistry } from "./core_context.ts";
import { guardProcessor } from "./_processor_support.ts";

/**
 * QUERY_MESSAGE: records whose KEYS (or, with `_UNIQUE_KEY_QUERY=true`, UNIQ_KEY) hash like the key
 * and whose store time lies in the range; unique-key queries ask `defaultQueryMaxNum`. Hash
 * collisions are possible: clients filter the records by key themselves.
 *
 * @param context broker state
 * @param request the request
 * @returns SUCCESS with the records, or QUERY_NOT_FOUND; header `indexLastUpdateTimestamp` and
 *   `indexLastUpdatePhyoffset` either way
 */
export async function queryMessage(
  context: CoreContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const header = decodeHeader(QueryMessageRequestHeader, request);
  const { config, store } = context;
  const maxNum = header._UNIQUE_KEY_QUERY === true ? config.defaultQueryMaxNum : header.maxNum;
  const result = await store.queryMessage(
    header.topic,
    header.key,
    Math.max(0, Math.min(maxNum, config.maxMsgsNumBatch)), // the index caps it again
    header.beginTimestamp,
    header.endTimestamp,
  );
  const extFields = {
    indexLastUpdateTimestamp: String(result.indexLastUpdateTimestamp),
    indexLastUpdatePhyoffset: String(result.indexLastUpdatePhyoffset),
  };
  if (result.messages.length === 0) {
    return createResponse(
      request,
      ResponseCode.QUERY_NOT_FOUND,
      "can not find message, maybe time range not correct",
      extFields,
    );
  }
  const body = new Uint8Array(result.bufferTotalSize);
  let position = 0;
  for (const record of result.messages) {
    body.set(record, position);
    position += record.length;
  }
  return createResponse(request, ResponseCode.SUCCESS, undefined, extFields, body);
}

/**
 * VIEW_MESSAGE_BY_ID: the record at a commit-log offset (the offset inside an offset message id).
 *
 * @param context broker state
 * @param request the request
 * @returns SUCCESS with the record, or SYSTEM_ERROR when there is none at that offset
 */
export async function viewMessageById(
  context: CoreContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const header = decodeHeader(ViewMessageRequestHeader, request);
  const record = header.offset < 0
    ? null
    : await context.store.selectOneMessageByOffset(header.offset);
  if (record === null) {
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      `can not find message by the offset, ${header.offset}`,
    );
  }
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, record);
}

/**
 * Registers QUERY_MESSAGE and VIEW_MESSAGE_BY_ID.
 *
 * @param registry the remoting server
 * @param context broker state
 */
export function registerQueryMessageProcessors(
  registry: ProcessorRegistry,
  context: CoreContext,
): void {
  registry.registerProcessor(
    RequestCode.QUERY_MESSAGE,
    guardProcessor(context.logger, (request) => queryMessage(context, request)),
  );
  registry.registerProcessor(
    RequestCode.VIEW_MESSAGE_BY_ID,
    guardProcessor(context.logger, (request) => viewMessageById(context, request)),
  );
}

/**
 * Queue metadata lookups (RocketMQ 4.9.8 `AdminBrokerProcessor`, headers.md §3): GET_MAX_OFFSET
 * (30), GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29) and GET_EARLIEST_MSG_STORETIME (32).
 * Consumers use them to place a queue they start on; an unknown queue answers 0 (offsets) or -1
 * (time), as RocketMQ does.
 *
 * @module
 */

import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  SearchOffsetRequestHeader,
} from "../../protocol/headers/offset_headers.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { CoreContext, ProcessorRegistry } from "./core_context.ts";
import { guardProcessor } from "./_processor_support.ts";

/**
 * GET_MAX_OFFSET: the offset the queue's next message gets.
 *
 * @param context broker state
 * @param request the request
 * @returns SUCCESS with header `offset`
 */
export function getMaxOffset(context: CoreContext, request: RemotingCommand): RemotingCommand {
  const header = decodeHeader(GetMaxOffsetRequestHeader, request);
  // committed (default true): only messages in the file, which a killed broker keeps; an offset
  // it then took back would go to later messages that a consumer starting there skips.
  const offset = context.store.getMaxOffsetInQueue(
    header.topic,
    header.queueId,
    header.committed ?? true,
  );
  return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
}

/**
 * GET_MIN_OFFSET: the queue's first offset still stored.
 *
 * @param context broker state
 * @param request the request
 * @returns SUCCESS with header `offset`
 */
export function getMinOffset(context: CoreContext, request: RemotingCommand): RemotingCommand {
  const header = decodeHeader(GetMinOffsetRequestHeader, request);
  const offset = context.store.getMinOffsetInQueue(header.topic, header.queueId);
  return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
}

/**
 * SEARCH_OFFSET_BY_TIMESTAMP: the first offset stored at or after the time (the max offset when
 * every message is older; 0 for an unknown queue); with the 5.x header `boundaryType=upper`
 * (any case; anything else is lower, as RocketMQ) the last stored at or before it.
 *
 * @param context broker state
 * @param request the request
 * @returns SUCCESS with header `offset`
 */
export async function searchOffsetByTimestamp(
  context: CoreContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const header = decodeHeader(SearchOffsetRequestHeader, request);
  const offset = await context.store.getOffsetInQueueByTime(
    header.topic,
    header.queueId,
    header.timestamp,
    header.boundaryType?.toLowerCase() === "upper" ? "upper" : "lower",
  );
  return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
}

/**
 * GET_EARLIEST_MSG_STORETIME: store time of the queue's first message, -1 when none.
 *
 * @param context broker state
 * @param request the request
 * @returns SUCCESS with header `timestamp`
 */
export async function getEarliestMsgStoretime(
  context: CoreContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const header = decodeHeader(GetEarliestMsgStoretimeRequestHeader, request);
  const timestamp = await context.store.getEarliestMessageTime(header.topic, header.queueId);
  return createResponse(request, ResponseCode.SUCCESS, undefined, { timestamp: String(timestamp) });
}

/**
 * Registers GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP and
 * GET_EARLIEST_MSG_STORETIME.
 *
 * @param registry the remoting server
 * @param context broker state
 */
export function registerQueryOffsetProcessors(
  registry: ProcessorRegistry,
  context: CoreContext,
): void {
  type Handler = (
    context: CoreContext,
    request: RemotingCommand,
  ) => RemotingCommand | Promise<RemotingCommand>;
  const register = (code: number, handler: Handler) => {
    registry.registerProcessor(
      code,
      guardProcessor(context.logger, (request) => handler(context, request)),
    );
  };
  register(RequestCode.GET_MAX_OFFSET, getMaxOffset);
  register(RequestCode.GET_MIN_OFFSET, getMinOffset);
  register(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, searchOffsetByTimestamp);
  register(RequestCode.GET_EARLIEST_MSG_STORETIME, getEarliestMsgStoretime);
}

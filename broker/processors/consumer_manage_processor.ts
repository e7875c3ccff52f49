/**
 * Consumer offsets and group membership (RocketMQ 4.9.8 `ConsumerManageProcessor`, headers.md §3):
 * QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15, oneway in practice) and
 * GET_CONSUMER_LIST_BY_GROUP (38).
 *
 * @module
 */

import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  GetConsumerListByGroupRequestHeader,
  QueryConsumerOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader,
} from "../../protocol/headers/offset_headers.ts";
import type { RemotingChannel } from "../../protocol/remoting_channel.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { CoreContext, ProcessorRegistry } from "./core_context.ts";
import { guardProcessor } from "./_processor_support.ts";
import { GROUP_NAME_LENGTH_MAX, RETRY_TOPIC_NAME_LENGTH_MAX } from "../limits.ts";

const utf8 = new TextEncoder();

/**
 * QUERY_CONSUMER_OFFSET: the committed offset, or for a group that never committed on a young
 * queue 0 (RocketMQ's new-group rule, features.md §6: min offset ≤ 0 and the first message still
 * in memory, which includes an empty queue), else QUERY_NOT_FOUND. The 5.x header
 * `setZeroIfNotFound=false` turns the rule off.
 *
 * @param context broker state
 * @param request the request
 * @returns the response, header `offset` on SUCCESS
 */
export async function queryConsumerOffset(
  context: CoreContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const header = decodeHeader(QueryConsumerOffsetRequestHeader, request);
  const { consumerOffsetManager, store } = context;
  const offset = consumerOffsetManager.queryOffset(
    header.consumerGroup,
    header.topic,
    header.queueId,
  );
  if (offset >= 0) {
    return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
  }
  if (header.setZeroIfNotFound !== false) {
    const minOffset = store.getMinOffsetInQueue(header.topic, header.queueId);
    if (
      minOffset <= 0 &&
      !await store.checkInDiskByConsumeOffset(header.topic, header.queueId, 0)
    ) {
      return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: "0" });
    }
  }
  return createResponse(
    request,
    ResponseCode.QUERY_NOT_FOUND,
    "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
  );
}

/**
 * UPDATE_CONSUMER_OFFSET: stores the offset as given (clients commit -1 for queues they never
 * touched; RocketMQ stores that too), for a topic the broker has and a group it has or would
 * create: as RocketMQ 5.x, TOPIC_NOT_EXIST or SUBSCRIPTION_GROUP_NOT_EXIST otherwise, so commits
 * for made-up names cannot fill the offset table (4.9.8 stored them, in a table without a bound).
 * With `autoCreateSubscriptionGroup` on, any group is taken, as in 4.9.8 (5.x wants it created
 * first; a commit for a group not yet created, as mqadmin cloneGroupOffset's, is kept).
 *
 * @param context broker state
 * @param request the request
 * @param channel the consumer's connection
 * @returns SUCCESS (dropped by the server when the request is oneway)
 */
export function updateConsumerOffset(
  context: CoreContext,
  request: RemotingCommand,
  channel: RemotingChannel,
): RemotingCommand {
  const header = decodeHeader(UpdateConsumerOffsetRequestHeader, request);
  const { topic, consumerGroup } = header;
  if (!context.subscriptionGroupManager.acceptsGroup(consumerGroup)) {
    return createResponse(
      request,
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `Group ${consumerGroup.slice(0, GROUP_NAME_LENGTH_MAX)} not exist!`,
    );
  }
  if (context.topicConfigManager.selectTopicConfig(topic) === undefined) {
    const shown = topic.length <= RETRY_TOPIC_NAME_LENGTH_MAX
      ? topic
      : `${topic.slice(0, 40)}… (${topic.length} characters)`;
    return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, `Topic ${shown} not exist!`);
  }
  context.consumerOffsetManager.commitOffset({
    clientHost: channel.remoteAddress,
    group: header.consumerGroup,
    topic: header.topic,
    queueId: header.queueId,
    offset: header.commitOffset,
  });
  return createResponse(request, ResponseCode.SUCCESS);
}

/**
 * GET_CONSUMER_LIST_BY_GROUP: body `{"consumerIdList":[…]}` (bodies.md §4), always SUCCESS. A
 * consumer calls it right after its first heartbeat and skips its rebalance unless the answer is
 * SUCCESS; RocketMQ answers SYSTEM_ERROR "no consumer for this group" when the group has no live
 * member, which only delays that consumer, so EdgeMQ answers the (possibly empty) list instead.
 *
 * @param context broker state
 * @param request the request
 * @returns the response
 */
export function getConsumerListByGroup(
  context: CoreContext,
  request: RemotingCommand,
): RemotingCommand {
  const header = decodeHeader(GetConsumerListByGroupRequestHeader, request);
  const ids = context.consumerManager.getConsumerIdList(header.consumerGroup);
  const body = utf8.encode(JSON.stringify({ consumerIdList: ids }));
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
}

/**
 * Registers QUERY_CONSUMER_OFFSET, UPDATE_CONSUMER_OFFSET and GET_CONSUMER_LIST_BY_GROUP.
 *
 * @param registry the remoting server
 * @param context broker state
 */
export function registerConsumerManageProcessors(
  registry: ProcessorRegistry,
  context: CoreContext,
): void {
  registry.registerProcessor(
    RequestCode.QUERY_CONSUMER_OFFSET,
    guardProcessor(context.logger, (request) => queryConsumerOffset(context, request)),
  );
  registry.registerProcessor(
    RequestCode.UPDATE_CONSUMER_OFFSET,
    guardProcessor(
      context.logger,
      (request, channel) => updateConsumerOffset(context, request, channel),
    ),
  );
  registry.registerProcessor(
    RequestCode.GET_CONSUMER_LIST_BY_GROUP,
    guardProcessor(context.logger, (request) => getConsumerListByGroup(context, request)),
  );
}

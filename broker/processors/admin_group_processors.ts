/**
 * Group admin request processors: UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), DELETE_SUBSCRIPTIONGROUP
 * (207), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), GET_CONSUME_STATS (208),
 * GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204),
 * QUERY_TOPIC_CONSUME_BY_WHO (300) and 5.x GET_SUBSCRIPTIONGROUP_CONFIG (352)
 * (`shared/spec/headers.md` §9, `shared/spec/bodies.md` §4, §6).
 *
 * @module
 */
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  DeleteSubscriptionGroupRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetConsumeStatsRequestHeader,
  GetProducerConnectionListRequestHeader,
  GetSubscriptionGroupConfigRequestHeader,
  QueryTopicConsumeByWhoRequestHeader,
} from "../../protocol/headers/admin_headers.ts";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode, requestCodeName } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { parseFastjson } from "../../store/fastjson.ts";
import { BrokerError } from "../broker_error.ts";
import { subscriptionGroupConfigToJson } from "../subscription_group_config.ts";
import { guardProcessor } from "./_processor_support.ts";
import {
  encodeConsumerConnection,
  encodeConsumeStats,
  encodeGroupList,
  encodeProducerConnection,
} from "./admin_bodies.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import {
  consumerConnectionOf,
  consumeStatsOf,
  deleteSubscriptionGroup,
  producerConnectionOf,
  topicConsumeByWho,
  updateSubscriptionGroup,
} from "./admin_group_operations.ts";
import type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a request's JSON body (standard JSON or fastjson's form).
 *
 * @param request the request
 * @returns the parsed value
 * @throws {BrokerError} SYSTEM_ERROR naming the request when the body is absent or not JSON
 */
export function decodeJsonBody(request: RemotingCommand): unknown {
  const what = `Cannot decode ${requestCodeName(request.code)} body`;
  if (request.body === undefined || request.body.length === 0) {
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, `${what}: the request has no body`);
  }
  try {
    return parseFastjson(utf8Decoder.decode(request.body));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, `${what}: ${reason}`, { cause: error });
  }
}

function success(request: RemotingCommand, body?: Uint8Array): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
}

/**
 * Registers the group admin processors.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerGroupAdminProcessors(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  const register = (code: number, body: RemotingProcessor) =>
    registry.registerProcessor(code, guardProcessor(context.logger, body));

  register(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, async (request) => {
    await updateSubscriptionGroup(context, decodeJsonBody(request));
    return success(request);
  });

  register(RequestCode.DELETE_SUBSCRIPTIONGROUP, async (request) => {
    const header = decodeHeader(DeleteSubscriptionGroupRequestHeader, request);
    const removeOffset = header.removeOffset === true || header.cleanOffset === true;
    await deleteSubscriptionGroup(context, header.groupName, removeOffset);
    return success(request);
  });

  register(
    RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
    (request) => success(request, utf8.encode(context.subscriptionGroupManager.encode(false))),
  );

  // 5.x reads one group this way. RocketMQ looks it up with findSubscriptionGroupConfig, which
  // creates a missing group when auto-creation is on; a read creates nothing here.
  register(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, (request) => {
    const { group } = decodeHeader(GetSubscriptionGroupConfigRequestHeader, request);
    const config = context.subscriptionGroupManager.getSubscriptionGroupConfig(group);
    if (config === undefined) {
      return createResponse(
        request,
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        "No group in this broker",
      );
    }
    return success(request, utf8.encode(JSON.stringify(subscriptionGroupConfigToJson(config))));
  });

  register(RequestCode.GET_CONSUME_STATS, async (request) => {
    const header = decodeHeader(GetConsumeStatsRequestHeader, request);
    const stats = await consumeStatsOf(context, header.consumerGroup, header.topic);
    return success(request, encodeConsumeStats(stats.consumeTps, stats.offsetTable));
  });

  register(RequestCode.GET_CONSUMER_CONNECTION_LIST, (request) => {
    const header = decodeHeader(GetConsumerConnectionListRequestHeader, request);
    return success(
      request,
      encodeConsumerConnection(consumerConnectionOf(context, header.consumerGroup)),
    );
  });

  register(RequestCode.GET_PRODUCER_CONNECTION_LIST, (request) => {
    const header = decodeHeader(GetProducerConnectionListRequestHeader, request);
    return success(
      request,
      encodeProducerConnection(producerConnectionOf(context, header.producerGroup)),
    );
  });

  register(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, (request) => {
    const header = decodeHeader(QueryTopicConsumeByWhoRequestHeader, request);
    return success(request, encodeGroupList(topicConsumeByWho(context, header.topic)));
  });
}

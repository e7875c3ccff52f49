/**
 * Topic admin request processors: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
 * GET_ALL_TOPIC_CONFIG (21), GET_TOPIC_STATS_INFO (202), GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305)
 * and 5.x GET_TOPIC_CONFIG (351) (`shared/spec/headers.md` §9, `shared/spec/bodies.md` §2, §6).
 *
 * @module
 */
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  CreateTopicRequestHeader,
  DeleteTopicRequestHeader,
  GetTopicConfigRequestHeader,
  GetTopicStatsInfoRequestHeader,
} from "../../protocol/headers/admin_headers.ts";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import { createResponse } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { topicConfigToJson } from "../topic_config.ts";
import { guardProcessor } from "./_processor_support.ts";
import { encodeTopicStatsTable } from "./admin_bodies.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import { createOrUpdateTopic, deleteTopic, topicStatsOf } from "./admin_topic_operations.ts";

const utf8 = new TextEncoder();

/** The part of `RemotingServer` the admin processors register with. */
export interface AdminProcessorRegistry {
  /**
   * @param code request code
   * @param processor its handler
   */
  registerProcessor(code: number, processor: RemotingProcessor): void;
}

/**
 * Registers the topic admin processors.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerTopicAdminProcessors(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  const guard = (body: RemotingProcessor) => guardProcessor(context.logger, body);

  registry.registerProcessor(
    RequestCode.UPDATE_AND_CREATE_TOPIC,
    guard(async (request, channel) => {
      const header = decodeHeader(CreateTopicRequestHeader, request);
      context.logger.info(
        `broker admin: UPDATE_AND_CREATE_TOPIC ${header.topic} from ${channel.remoteAddress}`,
      );
      await createOrUpdateTopic(context, header);
      return createResponse(request, ResponseCode.SUCCESS);
    }),
  );

  registry.registerProcessor(
    RequestCode.DELETE_TOPIC_IN_BROKER,
    guard(async (request, channel) => {
      const header = decodeHeader(DeleteTopicRequestHeader, request);
      context.logger.info(
        `broker admin: DELETE_TOPIC_IN_BROKER ${header.topic} from ${channel.remoteAddress}`,
      );
      await deleteTopic(context, header.topic);
      return createResponse(request, ResponseCode.SUCCESS);
    }),
  );

  registry.registerProcessor(
    RequestCode.GET_ALL_TOPIC_CONFIG,
    guard((request) => {
      const body = utf8.encode(context.topicConfigManager.encode(false));
      return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
    }),
  );

  // The dashboard's topic list asks for it whenever the name server names a broker (304).
  registry.registerProcessor(
    RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER,
    guard((request) => {
      const topicList = context.topicConfigManager.systemTopicList();
      const body = utf8.encode(JSON.stringify({ topicList }));
      return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
    }),
  );

  // 5.x admin (examineTopicStats, examineConsumeStats) reads each broker's config of the topic;
  // no static topics here, so no queue mapping whatever `lo` asks.
  registry.registerProcessor(
    RequestCode.GET_TOPIC_CONFIG,
    guard((request) => {
      const { topic } = decodeHeader(GetTopicConfigRequestHeader, request);
      const config = context.topicConfigManager.selectTopicConfig(topic);
      if (config === undefined) {
        return createResponse(
          request,
          ResponseCode.TOPIC_NOT_EXIST,
          `No topic in this broker. topic: ${topic}`,
        );
      }
      const body = utf8.encode(JSON.stringify(topicConfigToJson(config)));
      return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
    }),
  );

  registry.registerProcessor(
    RequestCode.GET_TOPIC_STATS_INFO,
    guard(async (request) => {
      const header = decodeHeader(GetTopicStatsInfoRequestHeader, request);
      const body = encodeTopicStatsTable(await topicStatsOf(context, header.topic));
      return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
    }),
  );
}

/**
 * Topic-list requests (`shared/spec/codes.md` §1): GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206, off
 * when `enableAllTopicList=false`), GET_TOPICS_BY_CLUSTER (224), GET_UNIT_TOPIC_LIST (311),
 * GET_HAS_UNIT_SUB_TOPIC_LIST (312), GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST (313) (these four off when
 * `enableTopicList=false`), and GET_SYSTEM_TOPIC_LIST_FROM_NS (304). Bodies are TopicList JSON.
 *
 * @module
 */
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import { GetTopicsByClusterRequestHeader } from "../../protocol/headers/namesrv_headers.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { NamesrvConfig } from "../namesrv_config.ts";
import { encodeTopicList } from "../route_json.ts";
import {
  getAllTopicList,
  getHasUnitSubTopicList,
  getHasUnitSubUnUnitTopicList,
  getSystemTopicList,
  getTopicsByCluster,
  getUnitTopics,
} from "../route_queries.ts";
import type { TopicList } from "../route_types.ts";
import { guarded, type NamesrvContext, type ProcessorRegistry } from "./namesrv_context.ts";

const encoder = new TextEncoder();

type Query = (ctx: NamesrvContext, request: RemotingCommand) => TopicList;
type Gate = (config: NamesrvConfig) => boolean;

const always: Gate = () => true;
const allTopicListEnabled: Gate = (c) => c.enableAllTopicList;
const topicListEnabled: Gate = (c) => c.enableTopicList;

/** Answers with the list, or SYSTEM_ERROR "disable" when the config turns the query off. */
function answer(
  ctx: NamesrvContext,
  request: RemotingCommand,
  gate: Gate,
  query: Query,
): RemotingCommand {
  if (!gate(ctx.configuration.config)) {
    return createResponse(request, ResponseCode.SYSTEM_ERROR, "disable");
  }
  const body = encoder.encode(encodeTopicList(query(ctx, request)));
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
}

/**
 * Registers the topic-list processors.
 *
 * @param server where to register
 * @param ctx shared name server state
 */
export function registerTopicListProcessors(server: ProcessorRegistry, ctx: NamesrvContext): void {
  const tables = () => ctx.routeInfoManager.tables;
  const entries: [number, string, Gate, Query][] = [
    [
      RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
      "GET_ALL_TOPIC_LIST_FROM_NAMESERVER",
      allTopicListEnabled,
      () => getAllTopicList(tables()),
    ],
    [
      RequestCode.GET_TOPICS_BY_CLUSTER,
      "GET_TOPICS_BY_CLUSTER",
      topicListEnabled,
      (_, request) =>
        getTopicsByCluster(
          tables(),
          decodeHeader(GetTopicsByClusterRequestHeader, request).cluster,
        ),
    ],
    [
      RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS,
      "GET_SYSTEM_TOPIC_LIST_FROM_NS",
      always,
      () => getSystemTopicList(tables()),
    ],
    [
      RequestCode.GET_UNIT_TOPIC_LIST,
      "GET_UNIT_TOPIC_LIST",
      topicListEnabled,
      () => getUnitTopics(tables()),
    ],
    [
      RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST,
      "GET_HAS_UNIT_SUB_TOPIC_LIST",
      topicListEnabled,
      () => getHasUnitSubTopicList(tables()),
    ],
    [
      RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
      "GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST",
      topicListEnabled,
      () => getHasUnitSubUnUnitTopicList(tables()),
    ],
  ];
  for (const [code, name, gate, query] of entries) {
    server.registerProcessor(
      code,
      guarded(name, ctx.logger, (request) => answer(ctx, request, gate, query)),
    );
  }
}

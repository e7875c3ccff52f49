/**
 * Route requests: GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106),
 * WIPE_WRITE_PERM_OF_BROKER (205), ADD_WRITE_PERM_OF_BROKER (327), DELETE_TOPIC_IN_NAMESRV (216)
 * and 5.x REGISTER_TOPIC_IN_NAMESRV (217) (`shared/spec/headers.md` §8, `bodies.md` §1, §3).
 *
 * @module
 */
import { z } from "zod";
import { decodeHeader, encodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  AddWritePermOfBrokerRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  GetRouteInfoRequestHeader,
  WipeWritePermOfBrokerRequestHeader,
} from "../../protocol/headers/namesrv_headers.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { parseFastjson } from "../../store/fastjson.ts";
import { RegisterTopicRequestHeader } from "../headers.ts";
import { REGISTERED_TOPIC_NAME_CHARS_MAX } from "../limits.ts";
import { encodeClusterInfo } from "../route_json.ts";
import { getAllClusterInfo } from "../route_queries.ts";
import { guarded, type NamesrvContext, type ProcessorRegistry } from "./namesrv_context.ts";

/** MQVersion ordinal V4_9_4: requests from here on get standard-JSON routes. */
export const VERSION_V4_9_4 = 401;

/** RocketMQ's FAQ hint appended to TOPIC_NOT_EXIST remarks (`FAQUrl.suggestTodo`). */
const FAQ_HINT = "\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.";

const encoder = new TextEncoder();

/**
 * The remark RocketMQ answers an unknown topic with.
 *
 * @param topic the topic asked for
 * @returns `No topic route info in name server for the topic: <topic>` plus the FAQ hint
 */
export function topicNotExistRemark(topic: string): string {
  return `No topic route info in name server for the topic: ${topic}${FAQ_HINT}`;
}

/** GET_ROUTEINFO_BY_TOPIC: the hot path; reads the topic without a schema pass when it is present. */
function getRouteInfoByTopic(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const ext = request.extFields;
  let topic = ext?.topic;
  let standardOnly = ext?.acceptStandardJsonOnly?.toLowerCase() === "true";
  if (typeof topic !== "string") {
    const header = decodeHeader(GetRouteInfoRequestHeader, request);
    topic = header.topic;
    standardOnly = header.acceptStandardJsonOnly === true;
  }
  const config = ctx.configuration.config;
  if (
    config.needWaitForService &&
    ctx.clock.now() - ctx.startTimeMs < config.waitSecondsForService * 1000
  ) {
    return createResponse(request, ResponseCode.SYSTEM_ERROR, "name server not ready");
  }
  const style = request.version >= VERSION_V4_9_4 || standardOnly ? "standard" : "legacy";
  const body = ctx.routeBodyCache.routeBody(topic, style);
  if (body === undefined) {
    return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, topicNotExistRemark(topic));
  }
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
}

function getBrokerClusterInfo(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const body = encoder.encode(encodeClusterInfo(getAllClusterInfo(ctx.routeInfoManager.tables)));
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
}

function wipeWritePerm(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const { brokerName } = decodeHeader(WipeWritePermOfBrokerRequestHeader, request);
  const wipeTopicCount = ctx.routeInfoManager.wipeWritePermOfBroker(brokerName);
  ctx.logger.info(`Wiped write perm of broker ${brokerName}: ${wipeTopicCount} topics`);
  return createResponse(request, ResponseCode.SUCCESS, undefined, encodeHeader({ wipeTopicCount }));
}

function addWritePerm(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const { brokerName } = decodeHeader(AddWritePermOfBrokerRequestHeader, request);
  const addTopicCount = ctx.routeInfoManager.addWritePermOfBroker(brokerName);
  ctx.logger.info(`Added write perm of broker ${brokerName}: ${addTopicCount} topics`);
  return createResponse(request, ResponseCode.SUCCESS, undefined, encodeHeader({ addTopicCount }));
}

function deleteTopic(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const { topic, clusterName } = decodeHeader(DeleteTopicFromNamesrvRequestHeader, request);
  ctx.routeInfoManager.deleteTopic(topic, clusterName);
  return createResponse(request, ResponseCode.SUCCESS);
}

const queueDatasSchema = z.object({
  queueDatas: z.array(z.object({
    brokerName: z.string(),
    readQueueNums: z.int(),
    writeQueueNums: z.int(),
    perm: z.int(),
    topicSysFlag: z.int().default(0),
  })).default([]),
});

function registerTopic(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const { topic } = decodeHeader(RegisterTopicRequestHeader, request);
  if (topic.length === 0 || topic.length > REGISTERED_TOPIC_NAME_CHARS_MAX) {
    // the bound REGISTER_BROKER keeps, so topic lists stay within TOPICS_MAX's sizing
    const remark =
      `Cannot register a topic name of ${topic.length} characters, expected 1..${REGISTERED_TOPIC_NAME_CHARS_MAX}`;
    return createResponse(request, ResponseCode.SYSTEM_ERROR, remark);
  }
  if (request.body !== undefined && request.body.length > 0) {
    const parsed = queueDatasSchema.safeParse(
      parseFastjson(new TextDecoder().decode(request.body)),
    );
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const remark = `Cannot decode TopicRouteData: field ${
        issue.path.join(".")
      }: ${issue.message}`;
      return createResponse(request, ResponseCode.SYSTEM_ERROR, remark);
    }
    if (parsed.data.queueDatas.length > 0) {
      ctx.routeInfoManager.registerTopic(topic, parsed.data.queueDatas);
    }
  }
  return createResponse(request, ResponseCode.SUCCESS);
}

/**
 * Registers the route processors.
 *
 * @param server where to register
 * @param ctx shared name server state
 */
export function registerRouteProcessors(server: ProcessorRegistry, ctx: NamesrvContext): void {
  const log = ctx.logger;
  const table: [number, string, (request: RemotingCommand) => RemotingCommand][] = [
    [
      RequestCode.GET_ROUTEINFO_BY_TOPIC,
      "GET_ROUTEINFO_BY_TOPIC",
      (r) => getRouteInfoByTopic(ctx, r),
    ],
    [
      RequestCode.GET_BROKER_CLUSTER_INFO,
      "GET_BROKER_CLUSTER_INFO",
      (r) => getBrokerClusterInfo(ctx, r),
    ],
    [
      RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      "WIPE_WRITE_PERM_OF_BROKER",
      (r) => wipeWritePerm(ctx, r),
    ],
    [RequestCode.ADD_WRITE_PERM_OF_BROKER, "ADD_WRITE_PERM_OF_BROKER", (r) => addWritePerm(ctx, r)],
    [RequestCode.DELETE_TOPIC_IN_NAMESRV, "DELETE_TOPIC_IN_NAMESRV", (r) => deleteTopic(ctx, r)],
    [
      RequestCode.REGISTER_TOPIC_IN_NAMESRV,
      "REGISTER_TOPIC_IN_NAMESRV",
      (r) => registerTopic(ctx, r),
    ],
  ];
  for (const [code, name, body] of table) server.registerProcessor(code, guarded(name, log, body));
}

/**
 * Consumer admin request processors, as RocketMQ 4.9.8's `AdminBrokerProcessor` and
 * `Broker2Client` have them: CLONE_GROUP_OFFSET (314), INVOKE_BROKER_TO_RESET_OFFSET (222,
 * `mqadmin resetOffsetByTime`), and GET_CONSUMER_RUNNING_INFO (307, `mqadmin consumerStatus`)
 * and CONSUME_MESSAGE_DIRECTLY (309), which are relayed to the client named.
 *
 * @module
 */
import { decodeHeader, encodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  CloneGroupOffsetRequestHeader,
  ConsumeMessageDirectlyResultRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  ResetOffsetRequestHeader,
} from "../../protocol/headers/admin_headers.ts";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import {
  createRequest,
  createResponse,
  type RemotingCommand,
} from "../../protocol/remoting_command.ts";
import { RemotingTimeoutError } from "../../protocol/remoting_error.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { decodeOffsetMessageId } from "../../store/message_id.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { guardProcessor } from "./_processor_support.ts";
import {
  encodeResetOffsetBody,
  encodeResetOffsetBodyForC,
  type MessageQueue,
} from "./admin_bodies.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

/**
 * Copies a group's committed offsets to another group: on `topic`, or on every topic the source
 * has offsets on. Topics this broker does not have are skipped, and so, unless `offline`, are
 * topics an online source group does not subscribe (RocketMQ `cloneGroupOffset`).
 *
 * @param context the broker
 * @param header the request
 * @returns the topics copied
 */
export function cloneGroupOffset(
  context: BrokerAdminContext,
  header: CloneGroupOffsetRequestHeader,
): string[] {
  const { srcGroup, destGroup } = header;
  const topics = header.topic === undefined || header.topic.trim() === ""
    ? [...context.consumerOffsetManager.whichTopicByConsumer(srcGroup)]
    : [header.topic];
  const cloned: string[] = [];
  for (const topic of topics) {
    if (context.topicConfigManager.selectTopicConfig(topic) === undefined) continue;
    if (
      header.offline !== true &&
      context.consumerManager.findSubscriptionDataCount(srcGroup) > 0 &&
      context.consumerManager.findSubscriptionData(srcGroup, topic) === undefined
    ) {
      continue;
    }
    if (context.consumerOffsetManager.cloneOffset(srcGroup, destGroup, topic)) cloned.push(topic);
  }
  context.logger.info(
    `broker admin: cloned the offsets of ${srcGroup} to ${destGroup} on ${cloned.join(", ")}`,
  );
  return cloned;
}

/**
 * The offsets a reset moves a group to, per write queue (RocketMQ `Broker2Client.resetOffset`):
 * the first offset stored at or after `timestamp` (the max offset for -1), but only back from
 * the committed offset unless `isForce`.
 *
 * @param context the broker
 * @param header the request
 * @returns the offset per queue
 * @throws {BrokerError} SYSTEM_ERROR for an unknown topic, or a queue the group has no offset on
 */
export async function resetOffsetTable(
  context: BrokerAdminContext,
  header: ResetOffsetRequestHeader,
): Promise<[MessageQueue, number][]> {
  const { topic, group, timestamp } = header;
  const topicConfig = context.topicConfigManager.selectTopicConfig(topic);
  if (topicConfig === undefined) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `[reset-offset] reset offset failed, no topic in this broker. topic=${topic}`,
    );
  }
  const brokerName = context.configuration.config.brokerName;
  const table: [MessageQueue, number][] = [];
  for (let queueId = 0; queueId < topicConfig.writeQueueNums; queueId++) {
    const committed = context.consumerOffsetManager.queryOffset(group, topic, queueId);
    if (committed === -1) {
      throw new BrokerError(ResponseCode.SYSTEM_ERROR, `THe consumer group <${group}> not exist`);
    }
    const store = context.messageStore;
    const byTime = timestamp === -1
      ? store.getMaxOffsetInQueue(topic, queueId)
      : await store.getOffsetInQueueByTime(topic, queueId, timestamp);
    const target = Math.max(0, byTime);
    table.push([
      { topic, brokerName, queueId },
      header.isForce || target < committed ? target : committed,
    ]);
  }
  return table;
}

/**
 * The offset a 5.x reset of one queue moves a group to (RocketMQ 5.x `resetOffsetInner`, sent by
 * `resetOffsetByQueueId` and `mqadmin resetOffsetByTime -q`): `offset` when given (and not -1),
 * within the queue's range, else the first offset stored at or after `timestamp` (the max offset
 * for a negative one). It is committed for the group, as 5.x's `assignResetOffset` does.
 *
 * @param context the broker
 * @param header the request, with `queueId` ≥ 0
 * @returns that one queue's offset
 * @throws {BrokerError} SYSTEM_ERROR on a slave or for an offset out of range; TOPIC_NOT_EXIST,
 *   SUBSCRIPTION_GROUP_NOT_EXIST
 */
export async function resetQueueOffset(
  context: BrokerAdminContext,
  header: ResetOffsetRequestHeader & { queueId: number },
): Promise<[MessageQueue, number][]> {
  const { topic, group, queueId, timestamp } = header;
  const { messageStore: store, configuration } = context;
  if (configuration.config.brokerRole === "SLAVE") {
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, "Can not reset offset in slave broker");
  }
  if (context.topicConfigManager.selectTopicConfig(topic) === undefined) {
    throw new BrokerError(ResponseCode.TOPIC_NOT_EXIST, `Topic ${topic} does not exist`);
  }
  if (context.subscriptionGroupManager.getSubscriptionGroupConfig(group) === undefined) {
    throw new BrokerError(
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `Group ${group} does not exist`,
    );
  }
  let offset = header.offset ?? -1;
  if (offset !== -1) {
    const min = store.getMinOffsetInQueue(topic, queueId);
    const max = store.getMaxOffsetInQueue(topic, queueId);
    if ((min >= 0 && offset < min) || offset > max + 1) {
      throw new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `Target offset ${offset} not in consume queue range [${min}-${max}]`,
      );
    }
  } else {
    offset = timestamp < 0
      ? store.getMaxOffsetInQueue(topic, queueId)
      : await store.getOffsetInQueueByTime(topic, queueId, timestamp);
  }
  context.consumerOffsetManager.commitOffset({
    clientHost: "admin",
    group,
    topic,
    queueId,
    offset,
  });
  return [[{ topic, brokerName: configuration.config.brokerName, queueId }, offset]];
}

/**
 * Relays an admin request to one client of a group and answers with the client's answer
 * (RocketMQ `callConsumer`): a fresh request with the same code, header fields and body.
 *
 * @param context the broker
 * @param request the admin's request
 * @param group the consumer group
 * @param clientId the client
 * @returns the client's answer; SYSTEM_ERROR when it is not online or the call fails,
 *   CONSUME_MSG_TIMEOUT when it does not answer in time
 */
export async function callConsumer(
  context: BrokerAdminContext,
  request: RemotingCommand,
  group: string,
  clientId: string,
): Promise<RemotingCommand> {
  const relayed = createRequest(request.code, { extFields: request.extFields, body: request.body });
  const answer = context.callConsumer(group, clientId, relayed);
  if (answer === undefined) {
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      `The Consumer <${group}> <${clientId}> not online`,
    );
  }
  try {
    const response = await answer;
    return createResponse(
      request,
      response.code,
      response.remark,
      response.extFields,
      response.body,
    );
  } catch (error) {
    const timeout = error instanceof RemotingTimeoutError;
    return createResponse(
      request,
      timeout ? ResponseCode.CONSUME_MSG_TIMEOUT : ResponseCode.SYSTEM_ERROR,
      `${timeout ? "consumer" : "invoke consumer"} <${group}> <${clientId}> ${
        timeout ? "Timeout" : "Exception"
      }: ${(error as Error).message}`,
    );
  }
}

/**
 * RocketMQ `consumeMessageDirectly` on the broker: the request gets this broker's name and, as
 * its body, the stored record the (offset) message id names, then goes to the client.
 *
 * @param context the broker
 * @param request the admin's request
 * @returns the client's answer; SYSTEM_ERROR for an id that is not an offset message id or names
 *   no record here
 */
export async function consumeMessageDirectly(
  context: BrokerAdminContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const header = decodeHeader(ConsumeMessageDirectlyResultRequestHeader, request);
  const msgId = header.msgId ?? "";
  let physicalOffset: number;
  try {
    physicalOffset = decodeOffsetMessageId(msgId).physicalOffset;
  } catch (error) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot consume message ${JSON.stringify(msgId)} directly: ${(error as Error).message}`,
    );
  }
  const record = await context.messageStore.selectOneMessageByOffset(physicalOffset);
  if (record === null) {
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      `Cannot consume message ${msgId} directly: no message with this id on broker ${context.configuration.config.brokerName}`,
    );
  }
  const extFields = { ...request.extFields, brokerName: context.configuration.config.brokerName };
  return await callConsumer(
    context,
    { ...request, extFields, body: record },
    header.consumerGroup,
    header.clientId ?? "",
  );
}

/**
 * Registers GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY, CLONE_GROUP_OFFSET and
 * INVOKE_BROKER_TO_RESET_OFFSET.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerOffsetAdminProcessors(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  const register = (code: number, body: RemotingProcessor) =>
    registry.registerProcessor(code, guardProcessor(context.logger, body));

  register(RequestCode.GET_CONSUMER_RUNNING_INFO, (request) => {
    const header = decodeHeader(GetConsumerRunningInfoRequestHeader, request);
    return callConsumer(context, request, header.consumerGroup, header.clientId);
  });

  register(
    RequestCode.CONSUME_MESSAGE_DIRECTLY,
    (request) => consumeMessageDirectly(context, request),
  );

  register(RequestCode.CLONE_GROUP_OFFSET, (request) => {
    cloneGroupOffset(context, decodeHeader(CloneGroupOffsetRequestHeader, request));
    return createResponse(request, ResponseCode.SUCCESS);
  });

  register(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, async (request) => {
    const header = decodeHeader(ResetOffsetRequestHeader, request);
    const queueId = header.queueId ?? -1;
    // 5.x names one queue (-1: all, the 4.x reset by time of every queue).
    const table = queueId >= 0
      ? await resetQueueOffset(context, { ...header, queueId })
      : await resetOffsetTable(context, header);
    const body = encodeResetOffsetBody(table);
    // A C++ client cannot read the map form (RocketMQ sends the list form when the admin request
    // says CPP; here each consumer gets the form its own language reads).
    const bodyForC = encodeResetOffsetBodyForC(table);
    // The consumers move their own offsets (and commit them); the broker only tells them.
    const extFields = encodeHeader({
      topic: header.topic,
      group: header.group,
      timestamp: header.timestamp,
      isForce: header.isForce,
    });
    const sent = context.pushToConsumers(
      header.group,
      (language) =>
        createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
          extFields,
          body: language === "CPP" ? bodyForC : body,
          oneway: true,
        }),
    );
    if (sent === 0 && queueId < 0) { // one queue: committed here, so done (5.x answers SUCCESS)
      return createResponse(
        request,
        ResponseCode.CONSUMER_NOT_ONLINE,
        `Consumer not online, so can not reset offset, Group: ${header.group} Topic: ${header.topic} Timestamp: ${header.timestamp}`,
      );
    }
    context.logger.info(
      `broker admin: reset the offsets of ${header.group} on ${header.topic} to ${header.timestamp} (${sent} consumers told)`,
    );
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
  });
}

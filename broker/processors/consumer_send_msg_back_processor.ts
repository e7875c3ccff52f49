/**
 * CONSUMER_SEND_MSG_BACK (36) (RocketMQ 4.9.8 `SendMessageProcessor.asyncConsumerSendMsgBack`,
 * headers.md §6, features.md §3): a push consumer hands back a message it failed to consume. The
 * broker reads the stored message at the commit-log `offset` and stores a copy with reconsume
 * times + 1 in the group's `%RETRY%<group>` (created with the group's `retryQueueNums`), delayed by
 * level `delayLevel` (`3 + reconsume times` when 0, so retries wait 10 s, 30 s, 1 min … 2 h); once
 * the old reconsume times reach the max, or when `delayLevel` < 0, the copy goes to `%DLQ%<group>`
 * at once instead. The copy keeps `RETRY_TOPIC` (the first topic) and `ORIGIN_MESSAGE_ID` (the
 * first offset id) and is stored with `WAIT=false`, as RocketMQ stores it.
 *
 * Checks and their answers, in RocketMQ's order: unknown group → SUBSCRIPTION_GROUP_NOT_EXIST;
 * broker not writable → NO_PERMISSION; `retryQueueNums` ≤ 0 → SUCCESS (the message is dropped);
 * retry topic not writable → NO_PERMISSION; no message at the offset → SYSTEM_ERROR; a put that is
 * not PUT_OK → SYSTEM_ERROR with the status as remark. A stored send-back counts once in
 * SNDBCK_PUT_NUMS under `<first topic>@<group>` (RocketMQ `incSendBackNums`).
 *
 * @module
 */
import { ConsumerSendMsgBackRequestHeader } from "../../protocol/headers/consumer_send_msg_back_header.ts";
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { createOffsetMessageId } from "../../store/message_id.ts";
import { encodeProperties, MessageConst } from "../../store/message_properties.ts";
import {
  type MessageExtBrokerInner,
  type MessageRecord,
  RecordDecodeError,
} from "../../store/message_record.ts";
import { BrokerError } from "../broker_error.ts";
import { buildTopicSysFlag, isWriteable, PermName } from "../topic_config.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../topic_validator.ts";
import { guardProcessor } from "./_processor_support.ts";
import {
  dlqTargetOf,
  maxReconsumeTimesOf,
  requireSubscriptionGroup,
  type SendTarget,
} from "./_send_message_support.ts";
import type { CoreContext, ProcessorRegistry } from "./core_context.ts";

/** Original topic of a retried message (RocketMQ `MessageConst.PROPERTY_RETRY_TOPIC`). */
export const PROPERTY_RETRY_TOPIC = "RETRY_TOPIC";
/** Offset id of a retried message's first delivery (`PROPERTY_ORIGIN_MESSAGE_ID`). */
export const PROPERTY_ORIGIN_MESSAGE_ID = "ORIGIN_MESSAGE_ID";
/** The first retry waits level 3 (10 s by default); each further retry one level more. */
const RETRY_DELAY_LEVEL_BASE = 3;

/** One send-back, decoded. */
export interface SendBackInput {
  /** the request header */
  readonly header: ConsumerSendMsgBackRequestHeader;
  /** the request's MQVersion ordinal */
  readonly version: number;
}

/**
 * Processes one send-back (see the module doc).
 *
 * @param context broker state
 * @param input the decoded request
 * @returns the response code and remark
 * @throws {BrokerError} for the refusals of the module doc
 */
export async function consumerSendMsgBack(
  context: CoreContext,
  input: SendBackInput,
): Promise<{ code: number; remark?: string }> {
  const { header } = input;
  const groupConfig = await requireSubscriptionGroup(context, header.group);
  if (!isWriteable(context.config.brokerPermission)) {
    throw new BrokerError(
      ResponseCode.NO_PERMISSION,
      `the broker[${context.config.brokerIP1}] sending message is forbidden`,
    );
  }
  if (groupConfig.retryQueueNums <= 0) return { code: ResponseCode.SUCCESS };
  let target = await retryTargetOf(context, header, groupConfig.retryQueueNums);
  const record = await lookMessage(context, header.offset);
  const properties = new Map(record.properties);
  if (!properties.has(PROPERTY_RETRY_TOPIC)) properties.set(PROPERTY_RETRY_TOPIC, record.topic);
  properties.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, "false");
  const maxReconsumeTimes = maxReconsumeTimesOf(
    groupConfig,
    input.version,
    header.maxReconsumeTimes,
  );
  let delayLevel = header.delayLevel;
  if (record.reconsumeTimes >= maxReconsumeTimes || delayLevel < 0) {
    target = await dlqTargetOf(context, header.group);
    delayLevel = 0;
  } else if (delayLevel === 0) {
    delayLevel = RETRY_DELAY_LEVEL_BASE + record.reconsumeTimes;
  }
  properties.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(delayLevel));
  if ((properties.get(PROPERTY_ORIGIN_MESSAGE_ID) ?? "").trim() === "") {
    const { address, port } = record.storeHost;
    properties.set(
      PROPERTY_ORIGIN_MESSAGE_ID,
      createOffsetMessageId(address, port, record.physicalOffset),
    );
  }
  const message: MessageExtBrokerInner = {
    topic: target.topic,
    queueId: target.queueId,
    flag: record.flag,
    body: record.body,
    properties: encodeProperties(properties),
    propertiesMap: properties,
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    reconsumeTimes: record.reconsumeTimes + 1,
  };
  const result = await context.store.putMessage(message);
  // The put is counted in brokerStats by the store's put hook, under the topic it went to.
  if (result.status !== "PUT_OK") return { code: ResponseCode.SYSTEM_ERROR, remark: result.status };
  // SNDBCK_PUT_NUMS under the first topic (RETRY_TOPIC as read, else the record's), as RocketMQ.
  const backTopic = record.properties.get(PROPERTY_RETRY_TOPIC) ?? record.topic;
  context.brokerStats.recordSendBack(header.group, backTopic);
  return { code: ResponseCode.SUCCESS };
}

/** `%RETRY%<group>`, created with the group's retry queues, and a random queue of it. */
async function retryTargetOf(
  context: CoreContext,
  header: ConsumerSendMsgBackRequestHeader,
  retryQueueNums: number,
): Promise<SendTarget> {
  const topic = RETRY_GROUP_TOPIC_PREFIX + header.group;
  const topicConfig = await context.topicConfigManager.createTopicInSendMessageBackMethod({
    topic,
    clientDefaultTopicQueueNums: retryQueueNums,
    perm: PermName.PERM_READ | PermName.PERM_WRITE,
    topicSysFlag: header.unitMode === true ? buildTopicSysFlag(false, true) : 0,
  });
  if (!isWriteable(topicConfig.perm)) {
    throw new BrokerError(
      ResponseCode.NO_PERMISSION,
      `the topic[${topic}] sending message is forbidden`,
    );
  }
  return { topic, queueId: Math.floor(context.random() * retryQueueNums), topicConfig };
}

/** RocketMQ `lookMessageByOffset`: the whole record that starts exactly at `offset`. */
async function lookMessage(context: CoreContext, offset: number): Promise<MessageRecord> {
  const { store } = context;
  let record: MessageRecord | null = null;
  if (offset >= store.getCommitLogMinOffset() && offset < store.getCommitLogMaxOffset()) {
    try {
      record = await store.lookMessageByOffset(offset);
    } catch (error) {
      if (!(error instanceof RecordDecodeError)) throw error;
    }
  }
  if (record === null || record.physicalOffset !== offset) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `look message by offset failed, ${offset}`,
    );
  }
  return record;
}

/**
 * Registers CONSUMER_SEND_MSG_BACK.
 *
 * @param registry the remoting server
 * @param context broker state
 */
export function registerConsumerSendMsgBackProcessor(
  registry: ProcessorRegistry,
  context: CoreContext,
): void {
  registry.registerProcessor(
    RequestCode.CONSUMER_SEND_MSG_BACK,
    guardProcessor(context.logger, async (request: RemotingCommand) => {
      const header = decodeHeader(ConsumerSendMsgBackRequestHeader, request);
      const outcome = await consumerSendMsgBack(context, { header, version: request.version });
      return createResponse(request, outcome.code, outcome.remark);
    }),
  );
}

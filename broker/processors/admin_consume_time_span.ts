/**
 * QUERY_CONSUME_TIME_SPAN (303, `MQAdminExt.queryConsumeTimeSpan`), as RocketMQ 4.9.8's
 * `AdminBrokerProcessor.queryConsumeTimeSpan` answers it: per write queue of the topic, the store
 * times of its first and last messages, of the group's last consumed message, and how long the
 * group's next message has waited (`shared/spec/headers.md` §9).
 *
 * @module
 */
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import { QueryConsumeTimeSpanRequestHeader } from "../../protocol/headers/admin_headers.ts";
import { createResponse } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { guardProcessor } from "./_processor_support.ts";
import { type MessageQueue, messageQueueJson } from "./admin_bodies.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import { topicNotExistRemark } from "./admin_topic_operations.ts";
import type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

const utf8 = new TextEncoder();

/** RocketMQ `QueueTimeSpan`: store times in ms since the epoch, -1 when there is no message. */
export interface QueueTimeSpan {
  /** the queue */
  readonly messageQueue: MessageQueue;
  /** store time of the queue's first message */
  readonly minTimeStamp: number;
  /** store time of the queue's last message */
  readonly maxTimeStamp: number;
  /** store time of the group's last consumed message (the first message's when none) */
  readonly consumeTimeStamp: number;
  /** now minus the store time of the group's next message; 0 when it has consumed all */
  readonly delayTime: number;
}

/**
 * The time span of each write queue of a topic for a group. Where RocketMQ reads the store time
 * at offset -1 for a group without an offset (and so answers `now + 1` as the delay), the next
 * message is taken to be the queue's first one.
 *
 * @param context the broker
 * @param header the request
 * @returns one span per write queue
 * @throws {BrokerError} TOPIC_NOT_EXIST `topic[T] not exist`
 */
export async function consumeTimeSpanOf(
  context: BrokerAdminContext,
  header: QueryConsumeTimeSpanRequestHeader,
): Promise<QueueTimeSpan[]> {
  const { topic, group } = header;
  const config = context.topicConfigManager.selectTopicConfig(topic);
  if (config === undefined) {
    throw new BrokerError(ResponseCode.TOPIC_NOT_EXIST, topicNotExistRemark(topic));
  }
  const store = context.messageStore;
  const brokerName = context.configuration.config.brokerName;
  const storeTime = (queueId: number, offset: number) =>
    offset < 0 ? Promise.resolve(-1) : store.getMessageStoreTimeStamp(topic, queueId, offset);
  const spans: QueueTimeSpan[] = [];
  for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
    const minTimeStamp = await store.getEarliestMessageTime(topic, queueId);
    const maxOffset = store.getMaxOffsetInQueue(topic, queueId);
    const maxTimeStamp = await storeTime(queueId, maxOffset - 1);
    const consumerOffset = context.consumerOffsetManager.queryOffset(group, topic, queueId);
    const consumeTimeStamp = consumerOffset > 0
      ? await storeTime(queueId, consumerOffset - 1)
      : minTimeStamp;
    let delayTime = 0;
    if (consumerOffset < maxOffset) {
      const next = Math.max(consumerOffset, store.getMinOffsetInQueue(topic, queueId));
      const nextTime = await storeTime(queueId, next);
      if (nextTime >= 0) delayTime = context.clock.now() - nextTime;
    }
    spans.push({
      messageQueue: { topic, brokerName, queueId },
      minTimeStamp,
      maxTimeStamp,
      consumeTimeStamp,
      delayTime,
    });
  }
  return spans;
}

/**
 * Encodes RocketMQ's `QueryConsumeTimeSpanBody` in fastjson's alphabetical order:
 * `{"consumeTimeSpanSet":[{"consumeTimeStamp":…,"delayTime":…,"maxTimeStamp":…,
 * "messageQueue":{…},"minTimeStamp":…}]}`.
 *
 * @param spans the spans
 * @returns the UTF-8 body
 */
export function encodeQueryConsumeTimeSpanBody(spans: readonly QueueTimeSpan[]): Uint8Array {
  const items = spans.map((s) =>
    `{"consumeTimeStamp":${s.consumeTimeStamp},"delayTime":${s.delayTime},"maxTimeStamp":${s.maxTimeStamp},"messageQueue":${
      messageQueueJson(s.messageQueue)
    },"minTimeStamp":${s.minTimeStamp}}`
  );
  return utf8.encode(`{"consumeTimeSpanSet":[${items.join(",")}]}`);
}

/**
 * Registers QUERY_CONSUME_TIME_SPAN.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerConsumeTimeSpanAdminProcessor(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  registry.registerProcessor(
    RequestCode.QUERY_CONSUME_TIME_SPAN,
    guardProcessor(context.logger, async (request) => {
      const header = decodeHeader(QueryConsumeTimeSpanRequestHeader, request);
      const body = encodeQueryConsumeTimeSpanBody(await consumeTimeSpanOf(context, header));
      return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
    }),
  );
}

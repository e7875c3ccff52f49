/**
 * The client side of the admin requests a broker relays to one consumer (RocketMQ
 * `ClientRemotingProcessor.getConsumerRunningInfo` / `consumeMessageDirectly` and
 * `MQClientInstance.consumerRunningInfo`): GET_CONSUMER_RUNNING_INFO (307) answers the group's
 * {@linkcode ConsumerRunningInfo} with the instance's name servers, consume type and client
 * version added; CONSUME_MESSAGE_DIRECTLY (309) hands the stored message in the body to the
 * group's listener. A group not on this instance gets SYSTEM_ERROR "The Consumer Group <g> not
 * exist in this consumer", as RocketMQ answers. GET_CONSUMER_STATUS_FROM_CLIENT (221, relayed for
 * `mqadmin getConsumerStatus`) answers the group's offsets on a topic (`getConsumeStatus`). Internal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  ConsumeMessageDirectlyResultRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetConsumerStatusRequestHeader,
} from "../../protocol/headers/admin_headers.ts";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import { createResponse, VERSION_DEFAULT } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import {
  type ConsumerRunningInfo,
  encodeConsumeMessageDirectlyResult,
  encodeConsumerRunningInfo,
  PROP_CLIENT_VERSION,
  PROP_CONSUME_TYPE,
  PROP_NAMESERVER_ADDR,
} from "../consumer_running_info.ts";
import { decodeMessageAt } from "../message_decoder.ts";
import { compareMessageQueue, messageQueueJson } from "../message_queue.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";

const utf8 = new TextEncoder();

/** `MQVersion.getVersionDesc` of the version EdgeMQ announces. */
const CLIENT_VERSION_DESC = "V4_9_8";
assert(VERSION_DEFAULT === 409, "CLIENT_VERSION_DESC must name VERSION_DEFAULT (409 = V4_9_8)");

/**
 * `jstack` when an admin asks for one: Java answers a thread dump, which a Deno client has none of.
 *
 * @param clientId the client
 * @returns a short note
 */
function jstackNote(clientId: string): string {
  return `EdgeMQ client ${clientId} runs on Deno (JavaScript, one event loop): ` +
    "there are no Java threads to dump\n";
}

/**
 * The fields of RocketMQ's `DefaultMQPushConsumer` that `MixAll.object2Properties` puts into the
 * running info, in the consumer's own names (those EdgeMQ has; object references such as the
 * listener and the offset store are left out).
 */
export const PUSH_CONSUMER_PROPERTY_KEYS: readonly string[] = [
  "consumerGroup",
  "messageModel",
  "consumeFromWhere",
  "consumeTimestamp",
  "consumeThreadMin",
  "consumeThreadMax",
  "consumeConcurrentlyMaxSpan",
  "pullThresholdForQueue",
  "pullThresholdSizeForQueue",
  "pullThresholdForTopic",
  "pullThresholdSizeForTopic",
  "pullInterval",
  "consumeMessageBatchMaxSize",
  "pullBatchSize",
  "postSubscriptionWhenPull",
  "maxReconsumeTimes",
  "suspendCurrentQueueTimeMillis",
  "consumeTimeout",
  "awaitTerminationMillisWhenShutdown",
];

/** The same for RocketMQ's `DefaultLitePullConsumer`. */
export const PULL_CONSUMER_PROPERTY_KEYS: readonly string[] = [
  "consumerGroup",
  "brokerSuspendMaxTimeMillis",
  "consumerTimeoutMillisWhenSuspend",
  "consumerPullTimeoutMillis",
  "messageModel",
  "autoCommit",
  "pullThreadNums",
  "autoCommitIntervalMillis",
  "pullBatchSize",
  "pullThresholdForAll",
  "consumeMaxSpan",
  "pullThresholdForQueue",
  "pullThresholdSizeForQueue",
  "pollTimeoutMillis",
  "topicMetadataCheckIntervalMillis",
  "consumeFromWhere",
  "consumeTimestamp",
];

/**
 * RocketMQ `MixAll.object2Properties` over a resolved config: each key the config has a value
 * for, as text.
 *
 * @param config the resolved consumer config
 * @param keys the RocketMQ field names to take
 * @returns the properties
 */
export function configProperties(
  config: object,
  keys: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = (config as Record<string, unknown>)[key];
    if (value !== undefined && value !== null) out[key] = String(value);
  }
  return out;
}

/**
 * @param instance the client instance whose consumers are asked
 * @returns the processor of GET_CONSUMER_RUNNING_INFO
 */
export function runningInfoProcessor(
  instance: Pick<MQClientInstance, "selectConsumer" | "config" | "clientId">,
): RemotingProcessor {
  return async (request) => {
    const header = decodeHeader(GetConsumerRunningInfoRequestHeader, request);
    const consumer = instance.selectConsumer(header.consumerGroup);
    if (consumer?.consumerRunningInfo === undefined) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `The Consumer Group <${header.consumerGroup}> not exist in this consumer`,
      );
    }
    const info: ConsumerRunningInfo = await consumer.consumerRunningInfo();
    info.properties[PROP_NAMESERVER_ADDR] = instance.config.namesrvAddrs.map((a) => `${a};`)
      .join("");
    info.properties[PROP_CONSUME_TYPE] = consumer.consumeType;
    info.properties[PROP_CLIENT_VERSION] = CLIENT_VERSION_DESC;
    if (header.jstackEnable === true) info.jstack = jstackNote(instance.clientId);
    return createResponse(
      request,
      ResponseCode.SUCCESS,
      undefined,
      undefined,
      encodeConsumerRunningInfo(info),
    );
  };
}

/**
 * @param instance the client instance whose consumers are asked
 * @returns the processor of CONSUME_MESSAGE_DIRECTLY
 */
export function consumeMessageDirectlyProcessor(
  instance: Pick<MQClientInstance, "selectConsumer">,
): RemotingProcessor {
  return async (request) => {
    const header = decodeHeader(ConsumeMessageDirectlyResultRequestHeader, request);
    const group = header.consumerGroup;
    const consumer = instance.selectConsumer(group);
    if (consumer === undefined) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `The Consumer Group <${group}> not exist in this consumer`,
      );
    }
    if (consumer.consumeMessageDirectly === undefined) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `Cannot consume message ${header.msgId} directly: group ${group} is not a push consumer`,
      );
    }
    if (request.body === undefined || request.body.length === 0) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `Cannot consume message ${header.msgId} directly: the request has no message body`,
      );
    }
    const brokerName = header.brokerName ?? "";
    const msg = decodeMessageAt(request.body, 0, { brokerName });
    const result = await consumer.consumeMessageDirectly(msg, brokerName);
    return createResponse(
      request,
      ResponseCode.SUCCESS,
      undefined,
      undefined,
      encodeConsumeMessageDirectlyResult(result),
    );
  };
}

/**
 * GET_CONSUMER_STATUS_FROM_CLIENT, as RocketMQ's `ClientRemotingProcessor.getConsumeStatus`: the
 * group's in-memory offsets on the topic (every topic for a blank one) in a GetConsumerStatusBody,
 * SUCCESS with an empty table for a group not here or without offsets (a lite pull consumer).
 *
 * @param instance the client instance whose consumers are asked
 * @returns the processor of GET_CONSUMER_STATUS_FROM_CLIENT
 */
export function consumerStatusProcessor(
  instance: Pick<MQClientInstance, "selectConsumer">,
): RemotingProcessor {
  return (request) => {
    const header = decodeHeader(GetConsumerStatusRequestHeader, request);
    const topic = header.topic.trim() === "" ? undefined : header.topic;
    const offsets = instance.selectConsumer(header.group)?.offsets?.(topic) ?? new Map();
    const table = [...offsets].sort(([a], [b]) => compareMessageQueue(a, b))
      .map(([mq, offset]) => `${messageQueueJson(mq)}:${offset}`);
    const body = `{"consumerTable":{},"messageQueueTable":{${table.join(",")}}}`;
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, utf8.encode(body));
  };
}

/**
 * Registers the processors on an instance (the same for every consumer on it: they find the
 * group's consumer themselves).
 *
 * @param instance the client instance
 */
export function registerRunningInfoProcessors(instance: MQClientInstance): void {
  instance.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, runningInfoProcessor(instance));
  instance.registerProcessor(
    RequestCode.CONSUME_MESSAGE_DIRECTLY,
    consumeMessageDirectlyProcessor(instance),
  );
  instance.registerProcessor(
    RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT,
    consumerStatusProcessor(instance),
  );
}

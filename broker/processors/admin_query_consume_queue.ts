/**
 * QUERY_CONSUME_QUEUE (321, `mqadmin queryCq`), as RocketMQ 4.9.8's
 * `AdminBrokerProcessor.queryConsumeQueue` answers it: the raw units of one consume queue from an
 * index (commit-log offset, record size, tag code), the queue's min and max index, and, when a
 * consumer group is named, its live subscription to the topic and whether each unit passes that
 * subscription's tag filter (`eval`). There is no consume-queue ext here, so `extendDataJson`,
 * `bitMap` and `msg` are never set.
 *
 * @module
 */
import assert from "node:assert/strict";
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import { QueryConsumeQueueRequestHeader } from "../../protocol/headers/admin_headers.ts";
import { createResponse } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import type { SubscriptionData } from "../filter/subscription_data.ts";
import { TagMessageFilter } from "../filter/tag_message_filter.ts";
import { QUERY_CONSUME_QUEUE_COUNT_MAX } from "../limits.ts";
import { guardProcessor } from "./_processor_support.ts";
import { subscriptionDataJson } from "./admin_bodies.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

const utf8 = new TextEncoder();

/** RocketMQ `ConsumeQueueData`: one consume-queue unit as QUERY_CONSUME_QUEUE shows it. */
export interface ConsumeQueueData {
  /** the record's commit-log offset */
  readonly physicOffset: number;
  /** the record's size (a blank filler unit has 0x7FFFFFFF) */
  readonly physicSize: number;
  /** the tag hash code (a delivery time on SCHEDULE_TOPIC_XXXX) */
  readonly tagsCode: number;
  /** whether the unit passes the named group's tag filter; false without a group */
  readonly eval: boolean;
}

/** RocketMQ `QueryConsumeQueueResponseBody`. */
export interface QueryConsumeQueueResponseBody {
  /** the named group's subscription to the topic, when the group is online with it */
  readonly subscriptionData?: SubscriptionData;
  /** `null` (no SQL92 filter data: tags only) or `<group>@<topic> is not online!` */
  readonly filterData?: string;
  /** the units from the index; absent when the index is outside the queue */
  readonly queueData?: readonly ConsumeQueueData[];
  /** the queue's max offset: the index the next unit gets */
  readonly maxQueueIndex: number;
  /** the queue's smallest readable index */
  readonly minQueueIndex: number;
}

/** What {@linkcode queryConsumeQueue} answers: a body, or RocketMQ's SUCCESS remark without one. */
export interface QueryConsumeQueueResult {
  /** the body; absent when the index is outside the queue */
  readonly body?: QueryConsumeQueueResponseBody;
  /** `Index <index> of <queueId>@<topic> is not exist!` when there is no body */
  readonly remark?: string;
}

/**
 * Reads `count` units of a consume queue from `index` (across file ends, up to the queue's end),
 * with the group's subscription and each unit's tag-filter outcome when `consumerGroup` is set.
 *
 * @param context the broker
 * @param header the request header
 * @returns the body, or a remark when the index is outside [minQueueIndex, maxQueueIndex)
 * @throws {BrokerError} SYSTEM_ERROR `<queueId>@<topic> is not exist!` for a queue the store has
 *   never written, and for a count outside 1 to {@linkcode QUERY_CONSUME_QUEUE_COUNT_MAX}
 */
export async function queryConsumeQueue(
  context: Pick<BrokerAdminContext, "messageStore" | "consumerManager">,
  header: QueryConsumeQueueRequestHeader,
): Promise<QueryConsumeQueueResult> {
  const { topic, queueId, index, count, consumerGroup } = header;
  if (count < 1 || count > QUERY_CONSUME_QUEUE_COUNT_MAX) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot query consume queue ${queueId}@${topic}: count ${count} is outside 1 to ` +
        `${QUERY_CONSUME_QUEUE_COUNT_MAX}`,
    );
  }
  const queue = context.messageStore.consumeQueueStore.findConsumeQueue(topic, queueId);
  if (queue === undefined) {
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, `${queueId}@${topic} is not exist!`);
  }
  let subscriptionData: SubscriptionData | undefined;
  let filterData: string | undefined;
  let filter: TagMessageFilter | undefined;
  if (consumerGroup !== undefined) {
    subscriptionData = context.consumerManager.findSubscriptionData(consumerGroup, topic);
    // RocketMQ keeps filter data for SQL92 subscriptions only; fastjson writes the absent one as
    // `null`. This broker filters by tag only.
    filterData = subscriptionData === undefined
      ? `${consumerGroup}@${topic} is not online!`
      : "null";
    if (subscriptionData !== undefined) filter = new TagMessageFilter(subscriptionData);
  }
  const bounds = { maxQueueIndex: queue.maxOffset, minQueueIndex: queue.minOffset };
  const queueData: ConsumeQueueData[] = [];
  let offset = index;
  while (queueData.length < count) {
    const units = await queue.readUnits(offset, count - queueData.length);
    if (units === null) break;
    assert(units.count > 0, `readUnits at ${offset} of ${queueId}@${topic} returned no unit`);
    for (let i = 0; i < units.count; i++) {
      const tagsCode = units.tagsCode(i);
      queueData.push({
        physicOffset: units.physicalOffset(i),
        physicSize: units.size(i),
        tagsCode,
        eval: filter?.isMatchedByConsumeQueue(tagsCode) ?? false,
      });
    }
    offset += units.count;
  }
  if (queueData.length === 0) {
    return { remark: `Index ${index} of ${queueId}@${topic} is not exist!` };
  }
  return { body: { subscriptionData, filterData, queueData, ...bounds } };
}

/**
 * Encodes a QueryConsumeQueueResponseBody as fastjson does: properties alphabetical, absent ones
 * left out.
 *
 * @param body the body
 * @returns the UTF-8 JSON
 */
export function encodeQueryConsumeQueueResponseBody(
  body: QueryConsumeQueueResponseBody,
): Uint8Array {
  const json = {
    filterData: body.filterData,
    maxQueueIndex: body.maxQueueIndex,
    minQueueIndex: body.minQueueIndex,
    queueData: body.queueData?.map((u) => ({
      eval: u.eval,
      physicOffset: u.physicOffset,
      physicSize: u.physicSize,
      tagsCode: u.tagsCode,
    })),
    subscriptionData: body.subscriptionData === undefined
      ? undefined
      : subscriptionDataJson(body.subscriptionData),
  };
  return utf8.encode(JSON.stringify(json));
}

/**
 * Registers QUERY_CONSUME_QUEUE.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerConsumeQueueAdminProcessors(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  registry.registerProcessor(
    RequestCode.QUERY_CONSUME_QUEUE,
    guardProcessor(context.logger, async (request) => {
      const header = decodeHeader(QueryConsumeQueueRequestHeader, request);
      const { body, remark } = await queryConsumeQueue(context, header);
      const bytes = body === undefined ? undefined : encodeQueryConsumeQueueResponseBody(body);
      return createResponse(request, ResponseCode.SUCCESS, remark, undefined, bytes);
    }),
  );
}

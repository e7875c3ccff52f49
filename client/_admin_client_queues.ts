/**
 * The queue-reading half of the admin client (RocketMQ's tools read queues with a
 * `DefaultMQPullConsumer` of group `TOOLS_CONSUMER`): a topic's readable queues, a queue's
 * bounds (GET_MIN_OFFSET, GET_MAX_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP), one non-blocking pull
 * (PULL_MESSAGE with the SUBSCRIPTION flag, `shared/spec/headers.md` §2–§3), its messages
 * re-filtered by tag as RocketMQ's `PullAPIWrapper.processPullResult` does, and a consume queue's
 * raw units (QUERY_CONSUME_QUEUE, RocketMQ `queryConsumeQueue`). Internal; the message half
 * (`_admin_client_messages.ts`) extends it, and the public class `AdminClient`
 * (`admin_client.ts`) that; it extends the maintenance half.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { PullSysFlag } from "../protocol/headers/pull_message_header.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { AdminClientMaintenance } from "./_admin_maintenance.ts";
import { MQClientError } from "./client_error.ts";
import { decodePulledMessages } from "./consumer/decode_pulled_messages.ts";
import { PULL_BATCH_SIZE_MAX } from "./consumer/limits.ts";
import type { PulledMessages } from "./consumer/pull_api_wrapper.ts";
import { buildSubscriptionData } from "./heartbeat_data.ts";
import { MASTER_ID } from "./message_const.ts";
import type { MessageQueue } from "./message_queue.ts";
import { topicRouteData2TopicSubscribeInfo } from "./topic_publish_info.ts";
import { decodeJsonBody } from "./topic_route.ts";

/** RocketMQ `MixAll.TOOLS_CONSUMER_GROUP`: the group the admin tools pull as. */
export const TOOLS_CONSUMER_GROUP = "TOOLS_CONSUMER";

/**
 * RocketMQ `ConsumeQueueData`: one consume-queue unit as QUERY_CONSUME_QUEUE shows it.
 *
 * @example
 * ```ts
 * import type { ConsumeQueueData } from "./mod.ts";
 * const unit: ConsumeQueueData = { physicOffset: 0, physicSize: 180, tagsCode: 2598919, eval: true };
 * if (unit.physicOffset + unit.physicSize !== 180) throw new Error("the record's end");
 * ```
 */
export interface ConsumeQueueData {
  /** the record's commit-log offset */
  physicOffset: number;
  /** the record's size */
  physicSize: number;
  /** the tag hash code (a delivery time on SCHEDULE_TOPIC_XXXX) */
  tagsCode: number;
  /** the consume-queue ext unit as JSON (RocketMQ with `enableConsumeQueueExt`) */
  extendDataJson?: string;
  /** the ext unit's filter bit map */
  bitMap?: string;
  /** whether the unit passes the named group's filter */
  eval: boolean;
  /** why the ext unit is missing */
  msg?: string;
}

/**
 * A consumer's subscription as QUERY_CONSUME_QUEUE returns it (RocketMQ `SubscriptionData`),
 * with Java's defaults for absent properties.
 *
 * @example
 * ```ts
 * import type { QueriedSubscriptionData } from "./mod.ts";
 * const sub: QueriedSubscriptionData = {
 *   classFilterMode: false, codeSet: [2598919], expressionType: "TAG", subString: "TagA",
 *   subVersion: 1, tagsSet: ["TagA"], topic: "T",
 * };
 * if (sub.codeSet.length !== sub.tagsSet.length) throw new Error("one code per tag");
 * ```
 */
export interface QueriedSubscriptionData {
  /** obsolete class-filter mode */
  classFilterMode: boolean;
  /** the tags' hash codes */
  codeSet: number[];
  /** `TAG` or `SQL92` */
  expressionType: string;
  /** the expression */
  subString?: string;
  /** the subscription version */
  subVersion: number;
  /** the tags */
  tagsSet: string[];
  /** the topic */
  topic?: string;
}

/**
 * RocketMQ `QueryConsumeQueueResponseBody`.
 *
 * @example
 * ```ts
 * import type { AdminClient, QueryConsumeQueueResponseBody } from "./mod.ts";
 * async function units(admin: AdminClient, brokerAddr: string): Promise<number> {
 *   const options = { topic: "T", queueId: 0, index: 0, count: 10 };
 *   const body: QueryConsumeQueueResponseBody = await admin.queryConsumeQueue(brokerAddr, options);
 *   return body.queueData?.length ?? 0;
 * }
 * ```
 */
export interface QueryConsumeQueueResponseBody {
  /** the named group's subscription to the topic, when it is online */
  subscriptionData?: QueriedSubscriptionData;
  /** the group's filter data as JSON (`null` for tag subscriptions), or why there is none */
  filterData?: string;
  /** the units from the index */
  queueData?: ConsumeQueueData[];
  /** the queue's max offset: the index the next unit gets */
  maxQueueIndex: number;
  /** the queue's smallest readable index */
  minQueueIndex: number;
}

/**
 * What {@linkcode AdminClientQueues.queryConsumeQueue} asks for.
 *
 * @example
 * ```ts
 * import type { QueryConsumeQueueOptions } from "./mod.ts";
 * // units 100 to 109 of queue 2, and whether group CG's subscription lets each through
 * const options: QueryConsumeQueueOptions = {
 *   topic: "T", queueId: 2, index: 100, count: 10, consumerGroup: "CG",
 * };
 * if (options.count !== 10) throw new Error();
 * ```
 */
export interface QueryConsumeQueueOptions {
  /** the topic */
  topic: string;
  /** the queue */
  queueId: number;
  /** the first unit's index (queue offset) */
  index: number;
  /** units wanted (the broker bounds it) */
  count: number;
  /** a consumer group whose subscription filters the units (`eval`) */
  consumerGroup?: string;
}

const int = z.number().int();
const queryConsumeQueueSchema = z.object({
  subscriptionData: z.object({
    classFilterMode: z.boolean().default(false),
    codeSet: z.array(int).nullish().transform((v) => v ?? []),
    expressionType: z.string().nullish().transform((v) => v ?? "TAG"),
    subString: z.string().optional(),
    subVersion: int.default(0),
    tagsSet: z.array(z.string()).nullish().transform((v) => v ?? []),
    topic: z.string().optional(),
  }).nullish().transform((v) => v ?? undefined),
  filterData: z.string().nullish().transform((v) => v ?? undefined),
  queueData: z.array(z.object({
    physicOffset: int,
    physicSize: int,
    tagsCode: int,
    extendDataJson: z.string().nullish().transform((v) => v ?? undefined),
    bitMap: z.string().nullish().transform((v) => v ?? undefined),
    eval: z.boolean().default(false),
    msg: z.string().nullish().transform((v) => v ?? undefined),
  })).nullish().transform((v) => v ?? undefined),
  maxQueueIndex: int.default(0),
  minQueueIndex: int.default(0),
});

/**
 * The queue reads of {@linkcode AdminClient}. Internal: use `AdminClient`.
 */
export class AdminClientQueues extends AdminClientMaintenance {
  /**
   * A topic's readable queues (RocketMQ `fetchSubscribeMessageQueues`).
   *
   * @param topic the topic
   * @returns its readable queues, sorted by broker name and queue id
   * @throws {MQClientError} when the route has no readable queue
   */
  async fetchSubscribeMessageQueues(topic: string): Promise<MessageQueue[]> {
    const queues = topicRouteData2TopicSubscribeInfo(topic, await this.topicRoute(topic));
    if (queues.length === 0) {
      throw new MQClientError(`Cannot find a readable queue of topic ${topic} in its route`);
    }
    return queues;
  }

  /**
   * @param mq a queue
   * @returns its first offset still stored (GET_MIN_OFFSET)
   * @throws {MQClientError} `The broker[<name>] not exist` when the topic's route lacks its broker
   */
  async minOffset(mq: MessageQueue): Promise<number> {
    return await this.#bound(mq, "min");
  }

  /**
   * @param mq a queue
   * @returns its end offset, the next one to be written (GET_MAX_OFFSET)
   * @throws {MQClientError} `The broker[<name>] not exist` when the topic's route lacks its broker
   */
  async maxOffset(mq: MessageQueue): Promise<number> {
    return await this.#bound(mq, "max");
  }

  /**
   * @param mq a queue
   * @param timestamp store time, ms
   * @returns the offset of the first message stored at or after that time
   *   (SEARCH_OFFSET_BY_TIMESTAMP)
   * @throws {MQClientError} `The broker[<name>] not exist` when the topic's route lacks its broker
   */
  async searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return await this.#bound(mq, "search", timestamp);
  }

  /**
   * One non-blocking pull as group `TOOLS_CONSUMER` (or another) from the queue's master
   * (RocketMQ `DefaultMQPullConsumer.pull(mq, subExpression, offset, maxNums)`): nothing is
   * committed and the broker does not hold the request.
   *
   * @param mq the queue
   * @param subExpression a TAG expression (`*`, `TagA || TagB`)
   * @param offset the first queue offset wanted
   * @param maxNums messages wanted at most, 1 to `PULL_BATCH_SIZE_MAX` (1024, RocketMQ's cap)
   * @param consumerGroup the group pulling (`mqadmin consumeMessage -g`); undefined: `TOOLS_CONSUMER`
   * @returns the status, next offset, queue bounds and the messages whose tag matches
   * @throws {MQClientError} `The broker[<name>] not exist`; broker errors as {@linkcode MQBrokerError}
   */
  async pullMessage(
    mq: MessageQueue,
    subExpression: string,
    offset: number,
    maxNums: number,
    consumerGroup: string | undefined = undefined,
  ): Promise<PulledMessages> {
    assert(
      Number.isInteger(maxNums) && maxNums >= 1 && maxNums <= PULL_BATCH_SIZE_MAX,
      `pullMessage maxNums ${maxNums} must be 1 to ${PULL_BATCH_SIZE_MAX}`,
    );
    const subscription = buildSubscriptionData(mq.topic, subExpression, {
      subVersion: this.config.clock.now(),
    });
    const result = await this.api.pullMessage(await this.#masterOf(mq), {
      consumerGroup: consumerGroup ?? TOOLS_CONSUMER_GROUP,
      topic: mq.topic,
      queueId: mq.queueId,
      queueOffset: offset,
      maxMsgNums: maxNums,
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: subscription.subString,
      subVersion: subscription.subVersion,
      expressionType: subscription.expressionType,
    }, this.timeoutMs);
    const pulled: PulledMessages = { ...result, msgFoundList: [] };
    if (result.pullStatus !== "FOUND" || result.messageBinary === undefined) return pulled;
    const decoded = decodePulledMessages(result.messageBinary, {
      brokerName: mq.brokerName,
      minOffset: result.minOffset,
      maxOffset: result.maxOffset,
      // As the consumers: one bad compressed body does not hide the rest of the queue.
      onUndecodableBody: (error) =>
        this.config.logger.warn(
          `Skipped a message of ${mq.topic} queue ${mq.queueId}: ${error.message}`,
        ),
    });
    const tags = subscription.tagsSet;
    pulled.msgFoundList = tags.length === 0
      ? decoded
      : decoded.filter((msg) => msg.tags !== undefined && tags.includes(msg.tags));
    return pulled;
  }

  /**
   * A consume queue's raw units from an index on one broker (RocketMQ `queryConsumeQueue`,
   * QUERY_CONSUME_QUEUE), with the group's subscription and each unit's filter outcome when a
   * group is named.
   *
   * @param brokerAddr the broker
   * @param options topic, queue, first index, count and group
   * @returns the units and the queue's index bounds
   * @throws {MQBrokerError} for a queue the broker does not have or a count it refuses
   * @throws {MQClientError} when the index is outside the queue (the broker's remark says so)
   */
  async queryConsumeQueue(
    brokerAddr: string,
    options: QueryConsumeQueueOptions,
  ): Promise<QueryConsumeQueueResponseBody> {
    const request = this.api.request(RequestCode.QUERY_CONSUME_QUEUE, { ...options });
    const response = await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
    if (response.body === undefined || response.body.length === 0) {
      // RocketMQ answers SUCCESS without a body when the index is outside the queue.
      throw new MQClientError(
        `Cannot read consume queue ${options.queueId}@${options.topic} from index ` +
          `${options.index} on ${brokerAddr}: ${response.remark ?? "the broker sent no body"}`,
      );
    }
    return decodeJsonBody("QueryConsumeQueueResponseBody", queryConsumeQueueSchema, response.body);
  }

  async #bound(mq: MessageQueue, kind: "min" | "max" | "search", timestamp?: number) {
    const header = { topic: mq.topic, queueId: mq.queueId, timestamp };
    return await this.api.queueBound(await this.#masterOf(mq), kind, header, this.timeoutMs);
  }

  /** The master of the queue's broker group, from the topic's route (asked each time). */
  async #masterOf(mq: MessageQueue): Promise<string> {
    const route = await this.topicRoute(mq.topic);
    const broker = route.brokerDatas.find((b) => b.brokerName === mq.brokerName);
    const addr = broker?.brokerAddrs.get(MASTER_ID);
    if (addr === undefined) throw new MQClientError(`The broker[${mq.brokerName}] not exist`);
    return addr;
  }
}

/**
 * The queue-reading half of the admin client (RocketMQ's tools read queues with a
 * `DefaultMQPullConsumer` of group `TOOLS_CONSUMER`): a topic's readable queues, a queue's
 * bounds (GET_MIN_OFFSET, GET_MAX_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP) and one non-blocking pull
 * (PULL_MESSAGE with the SUBSCRIPTION flag, `shared/spec/headers.md` §2–§3), its messages
 * re-filtered by tag as RocketMQ's `PullAPIWrapper.processPullResult` does. Internal; the public
 * class is `AdminClient` (`admin_client.ts`), which extends it; it extends the maintenance half.
 *
 * @module
 */

import assert from "node:assert/strict";
import { PullSysFlag } from "../protocol/headers/pull_message_header.ts";
import { AdminClientMaintenance } from "./_admin_maintenance.ts";
import { MQClientError } from "./client_error.ts";
import { decodePulledMessages } from "./consumer/decode_pulled_messages.ts";
import { PULL_BATCH_SIZE_MAX } from "./consumer/limits.ts";
import type { PulledMessages } from "./consumer/pull_api_wrapper.ts";
import { buildSubscriptionData } from "./heartbeat_data.ts";
import { MASTER_ID } from "./message_const.ts";
import type { MessageQueue } from "./message_queue.ts";
import { topicRouteData2TopicSubscribeInfo } from "./topic_publish_info.ts";

/** RocketMQ `MixAll.TOOLS_CONSUMER_GROUP`: the group the admin tools pull as. */
export const TOOLS_CONSUMER_GROUP = "TOOLS_CONSUMER";

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
   * One non-blocking pull as group `TOOLS_CONSUMER` from the queue's master (RocketMQ
   * `DefaultMQPullConsumer.pull(mq, subExpression, offset, maxNums)`): nothing is committed and
   * the broker does not hold the request.
   *
   * @param mq the queue
   * @param subExpression a TAG expression (`*`, `TagA || TagB`)
   * @param offset the first queue offset wanted
   * @param maxNums messages wanted at most, 1 to `PULL_BATCH_SIZE_MAX` (1024, RocketMQ's cap)
   * @returns the status, next offset, queue bounds and the messages whose tag matches
   * @throws {MQClientError} `The broker[<name>] not exist`; broker errors as {@linkcode MQBrokerError}
   */
  async pullMessage(
    mq: MessageQueue,
    subExpression: string,
    offset: number,
    maxNums: number,
  ): Promise<PulledMessages> {
    assert(
      Number.isInteger(maxNums) && maxNums >= 1 && maxNums <= PULL_BATCH_SIZE_MAX,
      `pullMessage maxNums ${maxNums} must be 1 to ${PULL_BATCH_SIZE_MAX}`,
    );
    const subscription = buildSubscriptionData(mq.topic, subExpression, {
      subVersion: this.config.clock.now(),
    });
    const result = await this.api.pullMessage(await this.#masterOf(mq), {
      consumerGroup: TOOLS_CONSUMER_GROUP,
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

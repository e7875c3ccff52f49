/**
 * Retry-topic helpers of push consumers (RocketMQ `MixAll.getRetryTopic`,
 * `DefaultMQPushConsumerImpl.resetRetryAndNamespace`, `shared/spec/features.md` §3): messages read
 * from `%RETRY%<group>` are shown under their original topic (`RETRY_TOPIC` property).
 *
 * @module
 */

import type { MessageExt } from "../message.ts";
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "../message_const.ts";

/**
 * @param consumerGroup a group
 * @returns `%RETRY%<group>`
 * @example
 * ```ts
 * import { getRetryTopic } from "./retry_topic.ts";
 * if (getRetryTopic("G1") !== "%RETRY%G1") throw new Error();
 * ```
 */
export function getRetryTopic(consumerGroup: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + consumerGroup;
}

/**
 * Gives messages of the group's retry topic back their original topic.
 *
 * @param msgs messages about to be consumed
 * @param consumerGroup the consuming group
 * @example
 * ```ts
 * import { MessageExt } from "../message.ts";
 * import { resetRetryTopic } from "./retry_topic.ts";
 * const msg = new MessageExt({
 *   topic: "%RETRY%CG", body: "x", properties: { RETRY_TOPIC: "TopicTest" }, queueId: 0,
 *   storeSize: 0, queueOffset: 0, sysFlag: 0, bornTimestamp: 0, bornHost: "10.0.0.2:1",
 *   storeTimestamp: 0, storeHost: "10.0.0.1:10911", offsetMsgId: "", commitLogOffset: 0,
 *   bodyCRC: 0, reconsumeTimes: 1, preparedTransactionOffset: 0,
 * });
 * resetRetryTopic([msg], "CG");
 * if (msg.topic !== "TopicTest") throw new Error("shown under its original topic");
 * ```
 */
export function resetRetryTopic(msgs: readonly MessageExt[], consumerGroup: string): void {
  const groupTopic = getRetryTopic(consumerGroup);
  for (const msg of msgs) {
    const retryTopic = msg.properties.get(MessageConst.PROPERTY_RETRY_TOPIC);
    if (retryTopic !== undefined && msg.topic === groupTopic) msg.topic = retryTopic;
  }
}

/**
 * Sets a received message's delivery count, as RocketMQ's consumers do when they retry locally.
 * (`MessageExt.reconsumeTimes` is read-only to applications.)
 *
 * @param msg the message
 * @param reconsumeTimes the new count
 * @example
 * ```ts
 * import { MessageExt } from "../message.ts";
 * import { setReconsumeTimes } from "./retry_topic.ts";
 * const msg = new MessageExt({
 *   topic: "%RETRY%CG", body: "x", properties: { RETRY_TOPIC: "TopicTest" }, queueId: 0,
 *   storeSize: 0, queueOffset: 0, sysFlag: 0, bornTimestamp: 0, bornHost: "10.0.0.2:1",
 *   storeTimestamp: 0, storeHost: "10.0.0.1:10911", offsetMsgId: "", commitLogOffset: 0,
 *   bodyCRC: 0, reconsumeTimes: 1, preparedTransactionOffset: 0,
 * });
 * setReconsumeTimes(msg, msg.reconsumeTimes + 1); // a local retry
 * if (msg.reconsumeTimes !== 2) throw new Error();
 * ```
 */
export function setReconsumeTimes(msg: MessageExt, reconsumeTimes: number): void {
  (msg as { reconsumeTimes: number }).reconsumeTimes = reconsumeTimes;
}

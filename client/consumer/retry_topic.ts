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
 */
export function setReconsumeTimes(msg: MessageExt, reconsumeTimes: number): void {
  (msg as { reconsumeTimes: number }).reconsumeTimes = reconsumeTimes;
}

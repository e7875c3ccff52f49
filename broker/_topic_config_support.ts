/**
 * Internal helpers of TopicConfigManager: the name and queue-count checks of topic
 * creation, the options of the send paths' creations, and the bounded wait of a send path for
 * its topic's announcement.
 *
 * @module
 */

import { ResponseCode } from "../protocol/response_code.ts";
import { BrokerError } from "./broker_error.ts";
import {
  QUEUE_NUMS_MAX,
  RETRY_TOPIC_NAME_LENGTH_MAX,
  SEND_TOPIC_ANNOUNCE_WAIT_MS,
} from "./limits.ts";
import { isTopicOrGroupIllegal, validateTopic } from "./topic_validator.ts";

/**
 * Waits for a send path's topic announcement at most SEND_TOPIC_ANNOUNCE_WAIT_MS; the rest of
 * the round goes on without the send.
 */
export async function announcedOrLater(announced: Promise<void> | undefined): Promise<void> {
  if (announced === undefined) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    announced,
    new Promise<void>((resolve) => timer = setTimeout(resolve, SEND_TOPIC_ANNOUNCE_WAIT_MS)),
  ]);
  clearTimeout(timer);
}

/** Refuses names no RocketMQ client could use; retry/DLQ names follow the group length bound. */
export function checkTopicName(topic: string, brokerMade: boolean): void {
  if (brokerMade) {
    if (
      topic.length === 0 || isTopicOrGroupIllegal(topic) ||
      topic.length > RETRY_TOPIC_NAME_LENGTH_MAX
    ) {
      throw new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `Cannot create topic ${JSON.stringify(topic)}: invalid name`,
      );
    }
    return;
  }
  const failure = validateTopic(topic);
  if (failure !== null) throw new BrokerError(failure.code, failure.remark);
}

/** Refuses a queue count outside 0..QUEUE_NUMS_MAX. */
export function checkQueueNums(topic: string, read: number, write: number): void {
  for (const n of [read, write]) {
    if (!Number.isInteger(n) || n < 0 || n > QUEUE_NUMS_MAX) {
      throw new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `Cannot create topic ${topic}: queue count ${n} is outside 0..${QUEUE_NUMS_MAX}`,
      );
    }
  }
}

/** Options for `TopicConfigManager.createTopicInSendMessageMethod`. */
export interface CreateTopicInSendOptions {
  /** the unknown topic the producer sends to */
  readonly topic: string;
  /** the template the producer named (header `defaultTopic`, normally `TBW102`) */
  readonly defaultTopic: string;
  /** producer address, for messages */
  readonly remoteAddress: string;
  /** header `defaultTopicQueueNums` (Java default 4) */
  readonly clientDefaultTopicQueueNums: number;
  /** {@linkcode TopicSysFlag} bits for the new topic */
  readonly topicSysFlag: number;
}

/** Options for `TopicConfigManager.createTopicInSendMessageBackMethod`. */
export interface CreateTopicInSendBackOptions {
  /** the topic, normally `%RETRY%<group>` or `%DLQ%<group>` */
  readonly topic: string;
  /** read and write queues of a new topic (group `retryQueueNums`, 1 for DLQ) */
  readonly clientDefaultTopicQueueNums: number;
  /** permission bits of a new topic */
  readonly perm: number;
  /** {@linkcode TopicSysFlag} bits of a new topic */
  readonly topicSysFlag: number;
}

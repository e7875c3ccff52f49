/**
 * The contracts between a client instance and the producers and consumers on it (RocketMQ
 * `MQProducerInner`, `MQConsumerInner`), and the events an instance reports. Consumers implement
 * {@linkcode MQConsumerInner} to get heartbeats, route updates, rebalance and offset-persist calls.
 *
 * @module
 */

import type { ConsumeMessageDirectlyResult, ConsumerRunningInfo } from "./consumer_running_info.ts";
import type {
  ConsumeFromWhere,
  ConsumeType,
  MessageModel,
  SubscriptionData,
} from "./heartbeat_data.ts";
import type { MessageExt } from "./message.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { TopicPublishInfo } from "./topic_publish_info.ts";
import type { TopicRouteData } from "./topic_route.ts";

/**
 * What a producer gives the instance (RocketMQ `MQProducerInner`).
 *
 * @example
 * ```ts
 * import type { MQProducerInner } from "./mq_client_inner.ts";
 * import type { TopicPublishInfo } from "./topic_publish_info.ts";
 * const routes = new Map<string, TopicPublishInfo>();
 * const producer: MQProducerInner = {
 *   publishTopicList: () => routes.keys(),
 *   isPublishTopicNeedUpdate: (topic) => !(routes.get(topic)?.ok() ?? false),
 *   updateTopicPublishInfo: (topic, info) => void routes.set(topic, info),
 * };
 * if (!producer.isPublishTopicNeedUpdate("T")) throw new Error("no route yet");
 * ```
 */
export interface MQProducerInner {
  /** topics it sends to, whose routes are polled */
  publishTopicList(): Iterable<string>;
  /** whether its route info for `topic` is missing or empty */
  isPublishTopicNeedUpdate(topic: string): boolean;
  /** takes the new publish info of a topic */
  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void;
}

/**
 * What a consumer gives the instance (RocketMQ `MQConsumerInner`): its heartbeat data, where to
 * put new routes, and its rebalance and offset-persist work.
 *
 * @example
 * ```ts
 * import type { MQConsumerInner } from "./mq_client_inner.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const options = { consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" };
 * const consumer: MQConsumerInner = new PushConsumer(options); // consumers implement it
 * if (consumer.consumeType !== "CONSUME_PASSIVELY") throw new Error("push consumers are passive");
 * ```
 */
export interface MQConsumerInner {
  /** the consumer group */
  readonly groupName: string;
  /** clustering or broadcasting */
  readonly messageModel: MessageModel;
  /** pull (`CONSUME_ACTIVELY`) or push (`CONSUME_PASSIVELY`) */
  readonly consumeType: ConsumeType;
  /** start position without a committed offset */
  readonly consumeFromWhere: ConsumeFromWhere;
  /** unit mode; default false */
  readonly unitMode?: boolean;
  /** its subscriptions (their topics' routes are polled) */
  subscriptions(): readonly SubscriptionData[];
  /** takes the readable queues of a subscribed topic */
  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void;
  /** whether it lacks queues of a subscribed topic */
  isSubscribeTopicNeedUpdate(topic: string): boolean;
  /** reassigns queues; called every `rebalanceInterval` and on NOTIFY_CONSUMER_IDS_CHANGED */
  doRebalance(): Promise<void>;
  /** commits offsets; called every `persistConsumerOffsetInterval` */
  persistConsumerOffset(): Promise<void>;
  /**
   * moves the held queues of `topic` to these offsets (RESET_CONSUMER_CLIENT_OFFSET from a
   * broker); absent on consumers that take no such push
   */
  resetOffset?(topic: string, offsets: readonly [MessageQueue, number][]): Promise<void>;
  /**
   * the in-memory offsets of a topic's queues, of every topic without one
   * (GET_CONSUMER_STATUS_FROM_CLIENT); absent on consumers RocketMQ answers with an empty table
   */
  offsets?(topic?: string): Map<MessageQueue, number>;
  /**
   * its settings, subscriptions, held queues and rates (GET_CONSUMER_RUNNING_INFO); the instance
   * adds the name servers, consume type and client version
   */
  consumerRunningInfo?(): Promise<ConsumerRunningInfo>;
  /**
   * hands one stored message to the listener (CONSUME_MESSAGE_DIRECTLY); absent on consumers
   * without a listener
   */
  consumeMessageDirectly?(
    msg: MessageExt,
    brokerName: string,
  ): Promise<ConsumeMessageDirectlyResult>;
}

/**
 * Events an instance reports.
 *
 * @example
 * ```ts
 * import type { MQClientInstanceEvents } from "./mq_client_inner.ts";
 * const log: string[] = [];
 * const events: Partial<MQClientInstanceEvents> = {
 *   routeChanged: (topic) => log.push(`route of ${topic} changed`),
 *   heartbeat: (_sent, failed) => log.push(`heartbeats failed: ${failed.join()}`),
 *   rebalanced: (group) => log.push(`${group} rebalanced`),
 * };
 * events.rebalanced?.("CG");
 * if (log[0] !== "CG rebalanced") throw new Error();
 * ```
 */
export interface MQClientInstanceEvents {
  /** a topic's route was fetched and differs from the cached one */
  routeChanged: (topic: string, route: TopicRouteData) => void;
  /** a heartbeat round finished; `sent` = brokers that answered */
  heartbeat: (sent: readonly string[], failed: readonly string[]) => void;
  /** a consumer group's rebalance round finished */
  rebalanced: (group: string) => void;
}

/**
 * Consumer and producer group administration shared by the admin request processors and the HTTP
 * admin app: group settings (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, DELETE_SUBSCRIPTIONGROUP),
 * consume progress (GET_CONSUME_STATS, `GET /groups/:group/progress`), connection lists and
 * QUERY_TOPIC_CONSUME_BY_WHO. Checks and remarks are RocketMQ 4.9.8's `AdminBrokerProcessor`.
 *
 * @module
 */
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import type { SubscriptionGroupConfig } from "../subscription_group_config.ts";
import { validateGroup } from "../topic_validator.ts";
import type {
  Connection,
  ConsumerConnection,
  MessageQueue,
  OffsetWrapper,
} from "./admin_bodies.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import { checkNotSlave } from "./admin_topic_operations.ts";

/**
 * Creates or replaces a group's settings.
 *
 * @param context the broker
 * @param config the settings as decoded from JSON (validated by the manager; defaults filled in)
 * @returns the stored settings
 * @throws {BrokerError} on a slave, invalid settings or a full table
 */
export async function updateSubscriptionGroup(
  context: BrokerAdminContext,
  config: unknown,
): Promise<SubscriptionGroupConfig> {
  checkNotSlave(context);
  const stored = await context.subscriptionGroupManager.updateSubscriptionGroupConfig(config);
  context.logger.info(`broker admin: updated subscription group ${stored.groupName}`);
  return stored;
}

/**
 * Deletes a group's settings and, when asked, its committed offsets (4.x `removeOffset`, 5.x
 * `cleanOffset`) and traffic counters.
 *
 * @param context the broker
 * @param group the group
 * @param removeOffset also forget the group's offsets
 * @returns true when the group's settings existed
 * @throws {BrokerError} on a slave or an invalid group name
 */
export async function deleteSubscriptionGroup(
  context: BrokerAdminContext,
  group: string,
  removeOffset: boolean,
): Promise<boolean> {
  checkNotSlave(context);
  const failure = validateGroup(group);
  if (failure !== null) throw new BrokerError(failure.code, failure.remark);
  const existed = await context.subscriptionGroupManager.deleteSubscriptionGroupConfig(group);
  if (removeOffset) context.consumerOffsetManager.removeOffset(group);
  context.brokerStats.onGroupDeleted(group);
  context.logger.info(
    `broker admin: deleted subscription group ${group}${removeOffset ? " and its offsets" : ""}`,
  );
  return existed;
}

/** A group's progress (RocketMQ `ConsumeStats`). */
export interface ConsumeStats {
  /** messages per second handed to the group over the last minute, all listed topics */
  readonly consumeTps: number;
  /** progress per read queue */
  readonly offsetTable: [MessageQueue, OffsetWrapper][];
}

/**
 * A group's progress on one topic, or on every topic it has offsets on (RocketMQ
 * `getConsumeStats`): per read queue the queue's max offset, the committed offset (0 when none)
 * and the store time of the last consumed message. Topics the broker does not have, and topics
 * an online group does not subscribe, are skipped.
 *
 * @param context the broker
 * @param group the consumer group
 * @param topic one topic; absent or blank ⇒ every topic with offsets
 * @returns the stats (empty when nothing matches, as RocketMQ)
 */
export async function consumeStatsOf(
  context: BrokerAdminContext,
  group: string,
  topic?: string,
): Promise<ConsumeStats> {
  const topics = topic === undefined || topic.trim() === ""
    ? [...context.consumerOffsetManager.whichTopicByConsumer(group)].sort()
    : [topic];
  const brokerName = context.configuration.config.brokerName;
  const offsetTable: [MessageQueue, OffsetWrapper][] = [];
  let consumeTps = 0;
  for (const name of topics) {
    const config = context.topicConfigManager.selectTopicConfig(name);
    if (config === undefined) continue;
    const consumers = context.consumerManager;
    if (
      consumers.findSubscriptionData(group, name) === undefined &&
      consumers.findSubscriptionDataCount(group) > 0
    ) {
      continue;
    }
    for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
      offsetTable.push([
        { topic: name, brokerName, queueId },
        await queueProgress(context, group, name, queueId),
      ]);
    }
    consumeTps += context.brokerStats.groupGetTps(group, name);
  }
  return { consumeTps, offsetTable };
}

async function queueProgress(
  context: BrokerAdminContext,
  group: string,
  topic: string,
  queueId: number,
): Promise<OffsetWrapper> {
  const store = context.messageStore;
  const brokerOffset = Math.max(0, store.getMaxOffsetInQueue(topic, queueId));
  const consumerOffset = Math.max(
    0,
    context.consumerOffsetManager.queryOffset(group, topic, queueId),
  );
  let lastTimestamp = 0;
  if (consumerOffset > 0) {
    const stored = await store.getMessageStoreTimeStamp(topic, queueId, consumerOffset - 1);
    if (stored > 0) lastTimestamp = stored;
  }
  return { brokerOffset, consumerOffset, lastTimestamp };
}

/**
 * @param group a group
 * @returns RocketMQ's remark for a consumer group without connections
 */
export function consumerNotOnlineRemark(group: string): string {
  return `the consumer group[${group}] not online`;
}

/**
 * A consumer group's connections, subscriptions and consume mode (RocketMQ
 * `getConsumerConnectionList`).
 *
 * @param context the broker
 * @param group the consumer group
 * @returns the connection list
 * @throws {BrokerError} CONSUMER_NOT_ONLINE `the consumer group[G] not online`
 */
export function consumerConnectionOf(
  context: BrokerAdminContext,
  group: string,
): ConsumerConnection {
  const info = context.consumerManager.getConsumerGroupInfo(group);
  if (info === undefined) {
    throw new BrokerError(ResponseCode.CONSUMER_NOT_ONLINE, consumerNotOnlineRemark(group));
  }
  const connectionSet: Connection[] = info.channelInfos().map((c) => ({
    clientId: c.clientId,
    clientAddr: c.channel.remoteAddress,
    language: c.language,
    version: c.version,
  }));
  return {
    connectionSet,
    subscriptionTable: info.subscriptionTable,
    consumeType: info.consumeType,
    messageModel: info.messageModel,
    consumeFromWhere: info.consumeFromWhere,
  };
}

/**
 * @param group a group
 * @returns RocketMQ's remark for a producer group without connections
 */
export function producerNotExistRemark(group: string): string {
  return `the producer group[${group}] not exist`;
}

/**
 * A producer group's connections (RocketMQ `getProducerConnectionList`).
 *
 * @param context the broker
 * @param group the producer group
 * @returns the connections
 * @throws {BrokerError} SYSTEM_ERROR `the producer group[G] not exist`
 */
export function producerConnectionOf(context: BrokerAdminContext, group: string): Connection[] {
  const infos = context.producerManager.getProducerConnections(group);
  if (infos === undefined) {
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, producerNotExistRemark(group));
  }
  return infos.map((c) => ({
    clientId: c.clientId,
    clientAddr: c.channel.remoteAddress,
    language: c.language,
    version: c.version,
  }));
}

/**
 * The groups consuming a topic: online groups subscribing it plus groups with offsets on it
 * (RocketMQ `queryTopicConsumeByWho`).
 *
 * @param context the broker
 * @param topic the topic
 * @returns the group names, sorted
 */
export function topicConsumeByWho(context: BrokerAdminContext, topic: string): string[] {
  const groups = context.consumerManager.queryTopicConsumeByWho(topic);
  for (const group of context.consumerOffsetManager.whichGroupByTopic(topic)) groups.add(group);
  return [...groups].sort();
}

/**
 * Topic administration shared by the admin request processors and the HTTP admin app: create or
 * update a topic (UPDATE_AND_CREATE_TOPIC, `POST /topics`), delete it with its consume queues,
 * offsets and counters (DELETE_TOPIC_IN_BROKER, `DELETE /topics/:topic`), and the per-queue bounds
 * (GET_TOPIC_STATS_INFO, `GET /topics/:topic/stats`). Checks and remarks are RocketMQ 4.9.8's
 * `AdminBrokerProcessor`; failures are {@linkcode BrokerError}s.
 *
 * @module
 */
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { alterTopicAttributes } from "../topic_attributes.ts";
import type { TopicConfig, TopicFilterType } from "../topic_config.ts";
import { systemTopicConflict, validateTopic } from "../topic_validator.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import type { MessageQueue, TopicOffset } from "./admin_bodies.ts";

/** RocketMQ's remark when a slave is asked to change topics or groups (`validateSlave`). */
export const SLAVE_MODIFY_REMARK =
  "Can't modify topic or subscription group from slave broker, please execute it from master broker.";

const TOPIC_FILTER_TYPES: readonly string[] = ["SINGLE_TAG", "MULTI_TAG"];

/** A topic as an admin asks for it (UPDATE_AND_CREATE_TOPIC header fields). */
export interface TopicSettingsInput {
  /** the topic */
  readonly topic: string;
  /** queues consumers read */
  readonly readQueueNums: number;
  /** queues producers write */
  readonly writeQueueNums: number;
  /** PermName bits */
  readonly perm: number;
  /** `SINGLE_TAG` or `MULTI_TAG` (any other text is refused) */
  readonly topicFilterType: string;
  /** TopicSysFlag bits; absent ⇒ 0 */
  readonly topicSysFlag?: number;
  /** ordered topic */
  readonly order: boolean;
  /** 5.x attribute modification `+k=v,-k` (absent or "": the attributes stay as they are) */
  readonly attributes?: string;
}

/**
 * Refuses changes on a slave (RocketMQ `validateSlave`).
 *
 * @param context the broker
 * @throws {BrokerError} SYSTEM_ERROR with RocketMQ's remark when the broker is a SLAVE
 */
export function checkNotSlave(context: Pick<BrokerAdminContext, "configuration">): void {
  if (context.configuration.config.brokerRole === "SLAVE") {
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, SLAVE_MODIFY_REMARK);
  }
}

/** Refuses invalid and system topic names with RocketMQ's code and remark. */
function checkAdminTopicName(context: BrokerAdminContext, topic: string): void {
  const failure = validateTopic(topic);
  if (failure !== null) throw new BrokerError(failure.code, failure.remark);
  if (context.topicConfigManager.isSystemTopic(topic)) {
    const conflict = systemTopicConflict(topic);
    throw new BrokerError(conflict.code, conflict.remark);
  }
}

/**
 * Creates or replaces a topic and, when it changed, tells the controller to re-register so
 * routes appear at once (RocketMQ `registerIncrementBrokerData`).
 *
 * @param context the broker
 * @param input the settings
 * @returns the stored config
 * @throws {BrokerError} on a slave, an invalid or system topic name, a bad filter type or queue
 *   count, or a full table
 */
export async function createOrUpdateTopic(
  context: BrokerAdminContext,
  input: TopicSettingsInput,
): Promise<TopicConfig> {
  checkNotSlave(context);
  checkAdminTopicName(context, input.topic);
  if (!TOPIC_FILTER_TYPES.includes(input.topicFilterType)) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot create topic ${input.topic}: topicFilterType ${
        JSON.stringify(input.topicFilterType)
      } is not SINGLE_TAG or MULTI_TAG`,
    );
  }
  const manager = context.topicConfigManager;
  const old = manager.selectTopicConfig(input.topic);
  const attributes = alterTopicAttributes(
    input.topic,
    old === undefined,
    old?.attributes ?? {},
    input.attributes ?? "",
  );
  const config: TopicConfig = {
    topicName: input.topic,
    readQueueNums: input.readQueueNums,
    writeQueueNums: input.writeQueueNums,
    perm: input.perm,
    topicFilterType: input.topicFilterType as TopicFilterType,
    topicSysFlag: input.topicSysFlag ?? 0,
    order: input.order,
    ...(Object.keys(attributes).length > 0 || old?.attributes !== undefined ? { attributes } : {}),
  };
  if (old !== undefined && sameTopicConfig(old, config)) return old; // idempotent, as 5.x
  const stored = await manager.updateTopicConfig(config);
  context.logger.info(
    `broker admin: ${old === undefined ? "created" : "updated"} topic ${describeTopic(stored)}`,
  );
  // Answered once the name servers were told (RocketMQ registerIncrementBrokerData): a producer
  // asking for the route right after the answer finds it.
  await context.notifyTopicChanged({
    kind: old === undefined ? "create" : "update",
    topicConfig: stored,
  });
  return stored;
}

function sameTopicConfig(a: TopicConfig, b: TopicConfig): boolean {
  return a.readQueueNums === b.readQueueNums && a.writeQueueNums === b.writeQueueNums &&
    a.perm === b.perm &&
    a.topicFilterType === b.topicFilterType && a.topicSysFlag === b.topicSysFlag &&
    a.order === b.order &&
    JSON.stringify(a.attributes ?? {}) === JSON.stringify(b.attributes ?? {});
}

function describeTopic(c: TopicConfig): string {
  return `${c.topicName} (read ${c.readQueueNums}, write ${c.writeQueueNums}, perm ${c.perm}, order ${c.order})`;
}

/**
 * Deletes a topic: its config, then its consume queues, its committed offsets and its traffic
 * counters (RocketMQ `deleteTopic` + 5.x offset cleanup).
 *
 * @param context the broker
 * @param topic the topic
 * @returns true when the topic existed
 * @throws {BrokerError} on a slave, or an invalid or system topic name
 */
export async function deleteTopic(context: BrokerAdminContext, topic: string): Promise<boolean> {
  checkNotSlave(context);
  checkAdminTopicName(context, topic);
  const manager = context.topicConfigManager;
  const old = manager.selectTopicConfig(topic);
  const existed = await manager.deleteTopicConfig(topic);
  await context.messageStore.consumeQueueStore.deleteTopic(topic);
  // As RocketMQ's cleanUnusedTopic: a topic created again under this name starts at offset 0.
  context.messageStore.commitLog.removeQueueOffsets(topic);
  const offsets = context.consumerOffsetManager;
  for (const group of offsets.whichGroupByTopic(topic)) {
    offsets.removeTopicGroupOffset(topic, group);
  }
  context.brokerStats.onTopicDeleted(topic);
  if (existed) {
    context.logger.info(`broker admin: deleted topic ${topic}`);
    void context.notifyTopicChanged({ kind: "delete", topicConfig: old });
  }
  return existed;
}

/**
 * The remark RocketMQ gives for an unknown topic in GET_TOPIC_STATS_INFO.
 *
 * @param topic the topic
 * @returns `topic[T] not exist`
 */
export function topicNotExistRemark(topic: string): string {
  return `topic[${topic}] not exist`;
}

/**
 * The bounds of every write queue of a topic (RocketMQ `getTopicStatsInfo`): min and max offset
 * (negative values shown as 0) and the store time of the last message (0 when empty).
 *
 * @param context the broker
 * @param topic the topic
 * @returns one entry per write queue, by queue id
 * @throws {BrokerError} TOPIC_NOT_EXIST `topic[T] not exist`
 */
export async function topicStatsOf(
  context: BrokerAdminContext,
  topic: string,
): Promise<[MessageQueue, TopicOffset][]> {
  const config = context.topicConfigManager.selectTopicConfig(topic);
  if (config === undefined) {
    throw new BrokerError(ResponseCode.TOPIC_NOT_EXIST, topicNotExistRemark(topic));
  }
  const brokerName = context.configuration.config.brokerName;
  const store = context.messageStore;
  const table: [MessageQueue, TopicOffset][] = [];
  for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
    const minOffset = Math.max(0, store.getMinOffsetInQueue(topic, queueId));
    const maxOffset = Math.max(0, store.getMaxOffsetInQueue(topic, queueId));
    const lastUpdateTimestamp = maxOffset > 0
      ? Math.max(0, await store.getMessageStoreTimeStamp(topic, queueId, maxOffset - 1))
      : 0;
    table.push([{ topic, brokerName, queueId }, { minOffset, maxOffset, lastUpdateTimestamp }]);
  }
  return table;
}

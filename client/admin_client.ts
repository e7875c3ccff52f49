/**
 * The admin client (RocketMQ `DefaultMQAdminExt`): the administration commands `mqadmin` sends, as
 * typed methods — clusters, topics (create, delete, list, route, stats), broker runtime info and
 * config, name server config, subscription groups, consume progress, connections, message query
 * and view, queue bounds and pulls, KV config, write permission (`shared/spec/codes.md`, `headers.md`).
 *
 * @module
 */

import { parseProperties, stringifyProperties } from "../common/properties.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { AdminClientMessages, CONSUMER_CALL_TIMEOUT_FACTOR } from "./_admin_client_messages.ts";
import {
  resetOffsetByTime,
  type ResetOffsetRequest,
  type ResetOffsetResult,
} from "./_admin_reset_offset.ts";
import {
  type Connection,
  type ConsumerConnection,
  type ConsumeStats,
  decodeConsumerConnection,
  decodeConsumeStats,
  decodeGroupList,
  decodeKVTable,
  decodeProducerConnection,
  decodeTopicStatsTable,
  encodeSubscriptionGroupConfig,
  type OffsetWrapper,
  type SubscriptionGroupConfig,
  type TopicOffset,
  warningsOf,
} from "./admin_bodies.ts";
import type { ClientConfigInput, ClientIo } from "./client_config.ts";
import { MQClientError } from "./client_error.ts";
import { type ConsumerRunningInfo, decodeConsumerRunningInfo } from "./consumer_running_info.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "./message_const.ts";
import { compareMessageQueue } from "./message_queue.ts";

export type { QueryMessageOptions } from "./_admin_client_messages.ts";

/**
 * Options of {@linkcode AdminClient}: client options and I/O.
 *
 * @example
 * ```ts
 * import { AdminClient, type AdminClientOptions } from "./admin_client.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const options: AdminClientOptions = {
 *   namesrvAddr: "127.0.0.1:9876", mqClientApiTimeout: 5_000, env: staticClientEnv({ pid: 1 }),
 * };
 * const admin = new AdminClient(options); // connects on the first command
 * if (admin.config.mqClientApiTimeout !== 5_000) throw new Error();
 * await admin.shutdown();
 * ```
 */
export interface AdminClientOptions extends ClientConfigInput, ClientIo {}

/**
 * A topic to create (RocketMQ `TopicConfig`; `mqadmin updateTopic` defaults).
 *
 * @example
 * ```ts
 * import type { AdminClient, TopicConfigInput } from "./admin_client.ts";
 * const orderTopic: TopicConfigInput = { topicName: "OrderTopic", writeQueueNums: 4, order: true };
 * async function createOrderTopic(admin: AdminClient): Promise<string[]> {
 *   return await admin.createTopicInCluster("DefaultCluster", orderTopic); // the brokers written
 * }
 * ```
 */
export interface TopicConfigInput {
  /** the topic */
  topicName: string;
  /** queues consumers read; default 8 */
  readQueueNums?: number;
  /** queues producers write; default 8 */
  writeQueueNums?: number;
  /** permission bits; default 6 (read and write) */
  perm?: number;
  /** SINGLE_TAG (default) or MULTI_TAG */
  topicFilterType?: "SINGLE_TAG" | "MULTI_TAG";
  /** unit flags; default 0 */
  topicSysFlag?: number;
  /** ordered topic; default false */
  order?: boolean;
}

/**
 * An admin client over the name servers of `namesrvAddr`.
 *
 * @example
 * ```ts ignore
 * import { AdminClient } from "./admin_client.ts";
 * const admin = new AdminClient({ namesrvAddr: "127.0.0.1:9876" });
 * const cluster = await admin.clusterInfo();
 * await admin.createTopicInCluster("DefaultCluster", { topicName: "TopicTest", writeQueueNums: 4 });
 * console.log(await admin.topicStats("TopicTest"));
 * await admin.shutdown();
 * ```
 */
export class AdminClient extends AdminClientMessages {
  // ---- broker: topics ----

  /**
   * UPDATE_AND_CREATE_TOPIC on one broker.
   *
   * @param brokerAddr the broker
   * @param topic the topic and its settings
   */
  async createTopic(brokerAddr: string, topic: TopicConfigInput): Promise<void> {
    const request = this.api.request(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic: topic.topicName,
      defaultTopic: "TBW102",
      readQueueNums: topic.readQueueNums ?? 8,
      writeQueueNums: topic.writeQueueNums ?? 8,
      perm: topic.perm ?? 6,
      topicFilterType: topic.topicFilterType ?? "SINGLE_TAG",
      topicSysFlag: topic.topicSysFlag ?? 0,
      order: topic.order ?? false,
    });
    await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
  }

  /**
   * Creates (or updates) a topic on every master of a cluster (`mqadmin updateTopic -c`).
   *
   * @param clusterName the cluster
   * @param topic the topic and its settings
   * @returns the brokers it was created on
   */
  async createTopicInCluster(clusterName: string, topic: TopicConfigInput): Promise<string[]> {
    const addrs = await this.masterAddrsOfCluster(clusterName);
    for (const addr of addrs) await this.createTopic(addr, topic);
    return addrs;
  }

  /**
   * Queue bounds of a topic on every broker of its route (GET_TOPIC_STATS_INFO).
   *
   * @param topic the topic
   * @returns each queue's min and max offset and last update, sorted by queue
   */
  async topicStats(topic: string): Promise<TopicOffset[]> {
    const out: TopicOffset[] = [];
    for (const addr of this.masters(await this.topicRoute(topic))) {
      const request = this.api.request(RequestCode.GET_TOPIC_STATS_INFO, { topic });
      out.push(
        ...decodeTopicStatsTable(
          (await this.api.invokeBroker(addr, request, this.timeoutMs)).body,
        ),
      );
    }
    return out.sort((a, b) => compareMessageQueue(a.mq, b.mq));
  }

  /**
   * The groups consuming a topic.
   *
   * @param topic a topic
   * @returns the groups consuming it, from the first broker of its route (QUERY_TOPIC_CONSUME_BY_WHO)
   */
  async queryTopicConsumeByWho(topic: string): Promise<string[]> {
    const [addr] = this.masters(await this.topicRoute(topic));
    if (addr === undefined) return [];
    const request = this.api.request(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic });
    return decodeGroupList((await this.api.invokeBroker(addr, request, this.timeoutMs)).body);
  }

  // ---- broker: runtime and config ----

  /**
   * A broker's runtime figures (`mqadmin brokerStatus`).
   *
   * @param brokerAddr the broker
   * @returns its runtime figures (GET_BROKER_RUNTIME_INFO)
   */
  async brokerRuntimeInfo(brokerAddr: string): Promise<Map<string, string>> {
    const request = this.api.request(RequestCode.GET_BROKER_RUNTIME_INFO);
    return decodeKVTable((await this.api.invokeBroker(brokerAddr, request, this.timeoutMs)).body);
  }

  /**
   * A broker's configuration (`mqadmin getBrokerConfig`).
   *
   * @param brokerAddr the broker
   * @returns its configuration (GET_BROKER_CONFIG)
   */
  async getBrokerConfig(brokerAddr: string): Promise<Map<string, string>> {
    const response = await this.api.invokeBroker(
      brokerAddr,
      this.api.request(RequestCode.GET_BROKER_CONFIG),
      this.timeoutMs,
    );
    return parseProperties(new TextDecoder().decode(response.body ?? new Uint8Array()));
  }

  /**
   * UPDATE_BROKER_CONFIG.
   *
   * @param brokerAddr the broker
   * @param properties keys and values to set
   * @returns the broker's warnings (unknown, renamed or ignored keys); empty when none
   */
  async updateBrokerConfig(
    brokerAddr: string,
    properties: ReadonlyMap<string, string>,
  ): Promise<string[]> {
    const body = new TextEncoder().encode(stringifyProperties(properties));
    const response = await this.api.invokeBroker(
      brokerAddr,
      this.api.request(RequestCode.UPDATE_BROKER_CONFIG, undefined, body),
      this.timeoutMs,
    );
    return warningsOf(response.remark);
  }

  // ---- broker: subscription groups ----

  /**
   * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP on one broker.
   *
   * @param brokerAddr the broker
   * @param config the group and its settings (RocketMQ defaults for the rest)
   */
  async createOrUpdateSubscriptionGroup(
    brokerAddr: string,
    config: SubscriptionGroupConfig,
  ): Promise<void> {
    const request = this.api.request(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      undefined,
      encodeSubscriptionGroupConfig(config),
    );
    await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
  }

  /**
   * DELETE_SUBSCRIPTIONGROUP on one broker (sends both the 4.x `removeOffset` and 5.x
   * `cleanOffset` flags).
   *
   * @param brokerAddr the broker
   * @param groupName the group
   * @param removeOffset also drop its committed offsets
   */
  async deleteSubscriptionGroup(
    brokerAddr: string,
    groupName: string,
    removeOffset = false,
  ): Promise<void> {
    const request = this.api.request(RequestCode.DELETE_SUBSCRIPTIONGROUP, {
      groupName,
      removeOffset,
      cleanOffset: removeOffset,
    });
    await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
  }

  // ---- broker: consumers and producers ----

  /**
   * A group's progress over the brokers of its retry topic's route (or of `topic`'s route),
   * merged (RocketMQ `examineConsumeStats`, GET_CONSUME_STATS).
   *
   * @param consumerGroup the group
   * @param topic limit to one topic
   * @returns summed throughput and per-queue progress, sorted by queue
   */
  async consumeStats(consumerGroup: string, topic?: string): Promise<ConsumeStats> {
    const route = await this.topicRoute(topic ?? RETRY_GROUP_TOPIC_PREFIX + consumerGroup);
    const merged: ConsumeStats = { consumeTps: 0, offsetTable: [] };
    for (const addr of this.masters(route)) {
      const request = this.api.request(RequestCode.GET_CONSUME_STATS, { consumerGroup, topic });
      const stats = decodeConsumeStats(
        (await this.api.invokeBroker(addr, request, this.timeoutMs)).body,
      );
      merged.consumeTps += stats.consumeTps;
      merged.offsetTable.push(...stats.offsetTable);
    }
    // Each broker's rows come sorted; the brokers in route order, which is registration order.
    merged.offsetTable.sort((a, b) => compareMessageQueue(a.mq, b.mq));
    return merged;
  }

  /**
   * Resets a group's offsets on a topic to a time (`mqadmin resetOffsetByTime`): each broker
   * tells the group's online consumers (INVOKE_BROKER_TO_RESET_OFFSET), which move and commit
   * themselves; for an offline group the offsets are written here (RocketMQ's old reset).
   *
   * @param reset group, topic, time (ms; -1 the newest) and force (also move forward)
   * @returns the offsets told to online consumers, or those written for an offline group
   */
  async resetOffsetByTime(reset: ResetOffsetRequest): Promise<ResetOffsetResult> {
    const brokers = this.masterBrokers(await this.topicRoute(reset.topic));
    return await resetOffsetByTime(this.api, this.timeoutMs, brokers, reset);
  }

  /**
   * Copies a group's committed offsets to another group (RocketMQ's `mqadmin cloneGroupOffset`):
   * every queue of the source's consume stats with an offset is committed for `destGroup`
   * (UPDATE_CONSUMER_OFFSET) on its broker, found in `topic`'s route. As RocketMQ's command, this
   * copies every topic of the group, not only `topic` (its broker-side CLONE_GROUP_OFFSET, which
   * the command does not use, copies one topic).
   *
   * @param srcGroup the group whose offsets are copied
   * @param destGroup the group that gets them
   * @param topic the topic whose route names the brokers
   * @returns the queues and offsets copied
   * @throws {MQClientError} when a queue's broker is not in `topic`'s route
   */
  async cloneGroupOffset(
    srcGroup: string,
    destGroup: string,
    topic: string,
  ): Promise<OffsetWrapper[]> {
    const stats = await this.consumeStats(srcGroup);
    const brokers = new Map(
      this.masterBrokers(await this.topicRoute(topic)).map((b) => [b.brokerName, b.addr]),
    );
    const copied = stats.offsetTable.filter((o) => o.consumerOffset >= 0);
    for (const { mq } of copied) {
      if (!brokers.has(mq.brokerName)) {
        throw new MQClientError(
          `Cannot clone the offset of ${mq.topic} queue ${mq.queueId}: broker ${mq.brokerName} is not in the route of ${topic}`,
        );
      }
    }
    for (const { mq, consumerOffset } of copied) {
      await this.api.updateConsumerOffset(brokers.get(mq.brokerName)!, {
        consumerGroup: destGroup,
        topic: mq.topic,
        queueId: mq.queueId,
        commitOffset: consumerOffset,
      }, this.timeoutMs);
    }
    return copied;
  }

  /**
   * {@linkcode AdminClient.consumeStats} plus the total lag (`mqadmin consumerProgress`).
   *
   * @param consumerGroup the group
   * @param topic limit to one topic
   * @returns the stats and `diffTotal` = Σ (brokerOffset − consumerOffset)
   */
  async consumerProgress(
    consumerGroup: string,
    topic?: string,
  ): Promise<ConsumeStats & { diffTotal: number }> {
    const stats = await this.consumeStats(consumerGroup, topic);
    const diffTotal = stats.offsetTable.reduce(
      (sum, o) => sum + o.brokerOffset - o.consumerOffset,
      0,
    );
    return { ...stats, diffTotal };
  }

  /**
   * A group's connections (GET_CONSUMER_CONNECTION_LIST), from `brokerAddr` or else from a broker
   * of the group's retry topic's route (RocketMQ `examineConsumerConnectionInfo`).
   *
   * @param consumerGroup the group
   * @param brokerAddr the broker to ask (`mqadmin consumerConnection -b`)
   * @returns connections, subscriptions and consume mode
   * @throws {MQBrokerError} CONSUMER_NOT_ONLINE (206) when no member is connected
   */
  async consumerConnection(
    consumerGroup: string,
    brokerAddr?: string,
  ): Promise<ConsumerConnection> {
    const addr = brokerAddr ?? await this.#groupBroker(consumerGroup);
    const request = this.api.request(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup });
    return decodeConsumerConnection(
      (await this.api.invokeBroker(addr, request, this.timeoutMs)).body,
    );
  }

  /**
   * What one consumer of a group reports about itself: properties, subscriptions, queues and
   * rates (GET_CONSUMER_RUNNING_INFO through a broker of the group's retry topic, which relays
   * it to the client; RocketMQ `getConsumerRunningInfo`).
   *
   * @param consumerGroup the group
   * @param clientId the client
   * @param jstack also ask for the thread dump
   * @returns the client's running info
   * @throws {MQBrokerError} when the client is not online or does not answer in time
   */
  async getConsumerRunningInfo(
    consumerGroup: string,
    clientId: string,
    jstack = false,
  ): Promise<ConsumerRunningInfo> {
    const addr = await this.#groupBroker(consumerGroup);
    const request = this.api.request(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup,
      clientId,
      jstackEnable: jstack,
    });
    const timeoutMs = this.timeoutMs * CONSUMER_CALL_TIMEOUT_FACTOR;
    return decodeConsumerRunningInfo((await this.api.invokeBroker(addr, request, timeoutMs)).body);
  }

  /** The first broker (master, else any member) of the group's retry topic's route. */
  async #groupBroker(consumerGroup: string): Promise<string> {
    const [broker] = this.masterBrokers(
      await this.topicRoute(RETRY_GROUP_TOPIC_PREFIX + consumerGroup),
    );
    if (broker === undefined) {
      throw new MQClientError(`Cannot find a broker of consumer group ${consumerGroup}`);
    }
    return broker.addr;
  }

  /**
   * A producer group's connections on the brokers of a topic (GET_PRODUCER_CONNECTION_LIST).
   *
   * @param producerGroup the group
   * @param topic a topic it sends to
   * @returns the connections, one per client id
   */
  async producerConnection(producerGroup: string, topic: string): Promise<Connection[]> {
    const byClient = new Map<string, Connection>();
    for (const addr of this.masters(await this.topicRoute(topic))) {
      const request = this.api.request(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup });
      for (
        const c of decodeProducerConnection(
          (await this.api.invokeBroker(addr, request, this.timeoutMs)).body,
        )
      ) {
        byClient.set(c.clientId, c);
      }
    }
    return [...byClient.values()];
  }
}

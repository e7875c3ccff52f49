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
import { decodeOffsetMessageId } from "../store/message_id.ts";
import { AdminClientQueues } from "./_admin_client_queues.ts";
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
import { QUERY_MAX_NUM_DEFAULT } from "./limits.ts";
import type { MessageExt } from "./message.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "./message_const.ts";

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
 * What {@linkcode AdminClient.queryMessageByKey} takes.
 *
 * @example
 * ```ts
 * import type { AdminClient, QueryMessageOptions } from "./admin_client.ts";
 * const lastHour: QueryMessageOptions = { maxNum: 16, beginTimestamp: Date.now() - 3_600_000 };
 * async function ordersOfLastHour(admin: AdminClient, orderId: string) {
 *   return await admin.queryMessageByKey("TopicTest", orderId, lastHour);
 * }
 * ```
 */
export interface QueryMessageOptions {
  /** at most this many per broker; default 32 */
  maxNum?: number;
  /** earliest store time, ms; default 0 */
  beginTimestamp?: number;
  /** latest store time, ms; default now */
  endTimestamp?: number;
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
export class AdminClient extends AdminClientQueues {
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
    return out;
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
   * (UPDATE_CONSUMER_OFFSET) on its broker, found in `topic`'s route.
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
   * A group's connections, from a broker of its retry topic's route (GET_CONSUMER_CONNECTION_LIST).
   *
   * @param consumerGroup the group
   * @returns connections, subscriptions and consume mode
   * @throws {MQBrokerError} CONSUMER_NOT_ONLINE (206) when no member is connected
   */
  async consumerConnection(consumerGroup: string): Promise<ConsumerConnection> {
    const [addr] = this.masters(await this.topicRoute(RETRY_GROUP_TOPIC_PREFIX + consumerGroup));
    if (addr === undefined) {
      throw new MQClientError(`Cannot find a broker of consumer group ${consumerGroup}`);
    }
    const request = this.api.request(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup });
    return decodeConsumerConnection(
      (await this.api.invokeBroker(addr, request, this.timeoutMs)).body,
    );
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

  // ---- messages ----

  /**
   * Messages of a topic with a key, from every broker of its route (RocketMQ `queryMessage`):
   * results are re-checked against `KEYS`, as RocketMQ's client does.
   *
   * @param topic the topic
   * @param key a key the producer set
   * @param options count and time range
   * @returns the matching messages
   */
  async queryMessageByKey(
    topic: string,
    key: string,
    options: QueryMessageOptions = {},
  ): Promise<MessageExt[]> {
    const found = await this.#query(topic, key, false, options);
    // The index answers hash collisions across topics too: key and topic must both match.
    return found.filter((m) => m.topic === topic && (m.keys ?? "").split(" ").includes(key));
  }

  /**
   * Messages with a `UNIQ_KEY` (RocketMQ `queryMessageByUniqKey`).
   *
   * @param topic the topic
   * @param uniqKey the client message id
   * @returns the matching messages (normally one)
   */
  async queryMessageByUniqKey(topic: string, uniqKey: string): Promise<MessageExt[]> {
    const found = await this.#query(topic, uniqKey, true, {});
    return found.filter((m) => m.msgId === uniqKey); // as RocketMQ: a unique key needs no topic
  }

  async #query(
    topic: string,
    key: string,
    uniqueKey: boolean,
    o: QueryMessageOptions,
  ): Promise<MessageExt[]> {
    const masters = this.masters(await this.topicRoute(topic));
    // Every broker at once; one that fails (crashed, still in the route) is logged and the
    // others' messages returned, as RocketMQ's MQAdminImpl.queryMessage does.
    const results = await Promise.allSettled(masters.map((addr) =>
      this.api.queryMessage(addr, {
        topic,
        key,
        maxNum: o.maxNum ?? QUERY_MAX_NUM_DEFAULT,
        beginTimestamp: o.beginTimestamp ?? 0,
        endTimestamp: o.endTimestamp ?? Number.MAX_SAFE_INTEGER,
        uniqueKey,
      }, this.timeoutMs)
    ));
    const out: MessageExt[] = [];
    const failures: unknown[] = [];
    results.forEach((result, i) => {
      if (result.status === "fulfilled") {
        out.push(...result.value.messages);
      } else {
        failures.push(result.reason);
        this.config.logger.warn(
          `queryMessage of ${topic} from ${masters[i]} failed: ${(result.reason as Error).message}`,
        );
      }
    });
    if (failures.length > 0 && failures.length === results.length) throw failures[0];
    return out;
  }

  /**
   * The message at an offset message id: VIEW_MESSAGE_BY_ID to the broker named in the id.
   *
   * @param offsetMsgId the broker's message id (32 or 56 hex chars)
   * @returns the message
   */
  viewMessage(offsetMsgId: string): Promise<MessageExt> {
    const { host, physicalOffset } = decodeOffsetMessageId(offsetMsgId);
    const a = host.address;
    const ip = a.length === 4
      ? `${a[0]}.${a[1]}.${a[2]}.${a[3]}`
      : `[${
        [...Array(8).keys()].map((i) => ((a[2 * i] << 8) | a[2 * i + 1]).toString(16)).join(":")
      }]`;
    return this.api.viewMessage(`${ip}:${host.port}`, physicalOffset, this.timeoutMs);
  }
}

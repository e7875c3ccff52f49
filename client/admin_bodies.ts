/**
 * Admin response bodies as a RocketMQ client reads them (`shared/spec/bodies.md` §4, §6): TopicList,
 * KVTable, GroupList, TopicStatsTable and ConsumeStats (MessageQueue-keyed maps in fastjson's
 * bare-object form or as quoted JSON keys), consumer and producer connections, and the
 * SubscriptionGroupConfig body written alphabetically.
 *
 * @module
 */

import { z } from "zod";
import { ownRecord } from "./_own_record.ts";
import type { MessageQueue } from "./message_queue.ts";
import { compareMessageQueue } from "./message_queue.ts";
import { BodyDecodeError, decodeJsonBody } from "./topic_route.ts";

const int = z.number().int();
const mqSchema = z.object({ topic: z.string(), brokerName: z.string(), queueId: int });

/**
 * RocketMQ `TopicList`.
 *
 * @example
 * ```ts
 * import { decodeTopicList, type TopicList } from "./admin_bodies.ts";
 * const body = new TextEncoder().encode('{"topicList":["TopicTest","%RETRY%CG"]}');
 * const list: TopicList = decodeTopicList(body);
 * if (list.topicList.length !== 2 || list.brokerAddr !== undefined) throw new Error();
 * ```
 */
export interface TopicList {
  /** the topic names */
  topicList: string[];
  /** a broker address (system topic lists) */
  brokerAddr?: string;
}

/**
 * One queue's bounds (RocketMQ `TopicOffset`).
 *
 * @example
 * ```ts
 * import type { TopicOffset } from "./admin_bodies.ts";
 * const offset: TopicOffset = {
 *   mq: { topic: "T", brokerName: "broker-a", queueId: 0 },
 *   minOffset: 0, maxOffset: 10, lastUpdateTimestamp: 1_700_000_000_000,
 * };
 * if (offset.maxOffset - offset.minOffset !== 10) throw new Error("10 messages stored");
 * ```
 */
export interface TopicOffset {
  /** the queue */
  mq: MessageQueue;
  /** first offset stored */
  minOffset: number;
  /** next offset to be written */
  maxOffset: number;
  /** store time of the last message */
  lastUpdateTimestamp: number;
}

/**
 * One queue's progress of a group (RocketMQ `OffsetWrapper`).
 *
 * @example
 * ```ts
 * import type { OffsetWrapper } from "./admin_bodies.ts";
 * const progress: OffsetWrapper = {
 *   mq: { topic: "T", brokerName: "broker-a", queueId: 0 },
 *   brokerOffset: 10, consumerOffset: 7, lastTimestamp: 1_700_000_000_000,
 * };
 * if (progress.brokerOffset - progress.consumerOffset !== 3) throw new Error("lag is 3");
 * ```
 */
export interface OffsetWrapper {
  /** the queue */
  mq: MessageQueue;
  /** the queue's max offset */
  brokerOffset: number;
  /** the group's committed offset */
  consumerOffset: number;
  /** store time of the last consumed message */
  lastTimestamp: number;
}

/**
 * RocketMQ `ConsumeStats`: per-queue progress and throughput of a group.
 *
 * @example
 * ```ts
 * import { type ConsumeStats, decodeConsumeStats } from "./admin_bodies.ts";
 * const stats: ConsumeStats = decodeConsumeStats(new TextEncoder().encode('{"consumeTps":1.5}'));
 * const lag = stats.offsetTable.reduce((n, o) => n + o.brokerOffset - o.consumerOffset, 0);
 * if (stats.consumeTps !== 1.5 || lag !== 0) throw new Error();
 * ```
 */
export interface ConsumeStats {
  /** messages per second */
  consumeTps: number;
  /** progress per queue, sorted by queue */
  offsetTable: OffsetWrapper[];
}

/**
 * One client connection (RocketMQ `Connection`).
 *
 * @example
 * ```ts
 * import { type Connection, decodeProducerConnection } from "./admin_bodies.ts";
 * const producer = { clientId: "10.0.0.2@1", clientAddr: "10.0.0.2:5000", language: "JAVA" };
 * const body = new TextEncoder().encode(
 *   JSON.stringify({ connectionSet: [{ ...producer, version: 409 }] }),
 * );
 * const [connection]: Connection[] = decodeProducerConnection(body);
 * if (connection.language !== "JAVA") throw new Error();
 * ```
 */
export interface Connection {
  /** client id */
  clientId: string;
  /** peer `ip:port` */
  clientAddr: string;
  /** language name */
  language: string;
  /** MQVersion ordinal */
  version: number;
}

/**
 * RocketMQ `ConsumerConnection`.
 *
 * @example
 * ```ts
 * import { type ConsumerConnection, decodeConsumerConnection } from "./admin_bodies.ts";
 * const body = new TextEncoder().encode(
 *   '{"subscriptionTable":{"T":{"subString":"TagA || TagB"}},"consumeType":"CONSUME_PASSIVELY"}',
 * );
 * const connection: ConsumerConnection = decodeConsumerConnection(body);
 * if (connection.subscriptionTable["T"].subString !== "TagA || TagB") throw new Error();
 * ```
 */
export interface ConsumerConnection {
  /** connections of the group */
  connectionSet: Connection[];
  /** subscriptions by topic (expression and tags) */
  subscriptionTable: Record<
    string,
    { subString: string; expressionType?: string; tagsSet?: string[] }
  >;
  /** pull, push or POP */
  consumeType?: string;
  /** clustering or broadcasting */
  messageModel?: string;
  /** start position */
  consumeFromWhere?: string;
}

const topicListSchema = z.object({
  topicList: z.array(z.string()).nullish(),
  brokerAddr: z.string().nullish(),
});
const kvTableSchema = z.object({ table: z.record(z.string(), z.string()).nullish() });
const groupListSchema = z.object({ groupList: z.array(z.string()).nullish() });
const topicOffsetSchema = z.object({
  minOffset: int,
  maxOffset: int,
  lastUpdateTimestamp: int.optional(),
});
const offsetWrapperSchema = z.object({
  brokerOffset: int,
  consumerOffset: int,
  lastTimestamp: int.optional(),
});
const connectionSchema = z.object({
  clientId: z.string(),
  clientAddr: z.string(),
  language: z.union([z.string(), int]).transform(String),
  version: int,
});
const consumerConnectionSchema = z.object({
  connectionSet: z.array(connectionSchema).nullish(),
  subscriptionTable: ownRecord(
    z.object({
      subString: z.string(),
      expressionType: z.string().optional(),
      tagsSet: z.array(z.string()).optional(),
    }),
  ).nullish(),
  consumeType: z.string().nullish(),
  messageModel: z.string().nullish(),
  consumeFromWhere: z.string().nullish(),
});

function queueKeyed<T>(
  what: string,
  table: Record<string, T> | null | undefined,
): [MessageQueue, T][] {
  const out: [MessageQueue, T][] = [];
  for (const [key, value] of Object.entries(table ?? {})) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(key);
    } catch (error) {
      throw new BodyDecodeError(`Cannot decode ${what}: key ${key} is not a MessageQueue`, {
        cause: error,
      });
    }
    const mq = mqSchema.safeParse(parsed);
    if (!mq.success) {
      throw new BodyDecodeError(`Cannot decode ${what}: key ${key} is not a MessageQueue`);
    }
    out.push([mq.data, value]);
  }
  return out.sort(([a], [b]) => compareMessageQueue(a, b));
}

/**
 * Decodes a TopicList body.
 *
 * @param body a TopicList body
 * @returns the topics (and broker address, if given)
 * @example
 * ```ts
 * import { decodeTopicList } from "./admin_bodies.ts";
 * const body = new TextEncoder().encode('{"topicList":["TopicTest"],"brokerAddr":"10.0.0.1:1"}');
 * const { topicList, brokerAddr } = decodeTopicList(body);
 * if (topicList[0] !== "TopicTest" || brokerAddr !== "10.0.0.1:1") throw new Error();
 * ```
 */
export function decodeTopicList(body: Uint8Array | undefined): TopicList {
  const raw = decodeJsonBody("TopicList", topicListSchema, body);
  const list: TopicList = { topicList: raw.topicList ?? [] };
  if (raw.brokerAddr != null) list.brokerAddr = raw.brokerAddr;
  return list;
}

/**
 * Decodes a KVTable body.
 *
 * @param body a KVTable body (`{"table":{…}}`)
 * @returns its entries
 * @example
 * ```ts
 * import { decodeKVTable } from "./admin_bodies.ts";
 * const table = decodeKVTable(new TextEncoder().encode('{"table":{"brokerVersion":"409"}}'));
 * if (table.get("brokerVersion") !== "409") throw new Error();
 * ```
 */
export function decodeKVTable(body: Uint8Array | undefined): Map<string, string> {
  return new Map(Object.entries(decodeJsonBody("KVTable", kvTableSchema, body).table ?? {}));
}

/**
 * Decodes a GroupList body.
 *
 * @param body a GroupList body
 * @returns the group names
 * @example
 * ```ts
 * import { decodeGroupList } from "./admin_bodies.ts";
 * const groups = decodeGroupList(new TextEncoder().encode('{"groupList":["CG1","CG2"]}'));
 * if (groups.join() !== "CG1,CG2") throw new Error();
 * ```
 */
export function decodeGroupList(body: Uint8Array | undefined): string[] {
  return decodeJsonBody("GroupList", groupListSchema, body).groupList ?? [];
}

/**
 * Decodes a ResetOffsetBody (the answer of INVOKE_BROKER_TO_RESET_OFFSET).
 *
 * @param body a ResetOffsetBody
 * @returns the offset each queue was reset to, sorted by queue
 * @example
 * ```ts
 * import { decodeResetOffsetBody } from "./admin_bodies.ts";
 * const body = new TextEncoder().encode(
 *   '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:7}}',
 * );
 * if (decodeResetOffsetBody(body)[0][1] !== 7) throw new Error();
 * ```
 */
export function decodeResetOffsetBody(body: Uint8Array | undefined): [MessageQueue, number][] {
  const raw = decodeJsonBody(
    "ResetOffsetBody",
    z.object({ offsetTable: z.record(z.string(), z.number().int()).nullish() }),
    body,
  );
  return queueKeyed("ResetOffsetBody", raw.offsetTable);
}

/**
 * Decodes a TopicStatsTable body.
 *
 * @param body a TopicStatsTable body (GET_TOPIC_STATS_INFO)
 * @returns the bounds of each queue, sorted by queue
 * @example
 * ```ts
 * import { decodeTopicStatsTable } from "./admin_bodies.ts";
 * const body = new TextEncoder().encode(
 *   '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":5,"maxOffset":2,"minOffset":0}}}',
 * );
 * if (decodeTopicStatsTable(body)[0].maxOffset !== 2) throw new Error();
 * ```
 */
export function decodeTopicStatsTable(body: Uint8Array | undefined): TopicOffset[] {
  const raw = decodeJsonBody(
    "TopicStatsTable",
    z.object({ offsetTable: z.record(z.string(), topicOffsetSchema).nullish() }),
    body,
  );
  return queueKeyed("TopicStatsTable", raw.offsetTable).map(([mq, o]) => ({
    mq,
    minOffset: o.minOffset,
    maxOffset: o.maxOffset,
    lastUpdateTimestamp: o.lastUpdateTimestamp ?? 0,
  }));
}

/**
 * Decodes a ConsumeStats body.
 *
 * @param body a ConsumeStats body (GET_CONSUME_STATS)
 * @returns throughput and progress per queue
 * @example
 * ```ts
 * import { decodeConsumeStats } from "./admin_bodies.ts";
 * const mq = '{"brokerName":"b","queueId":0,"topic":"T"}'; // fastjson's bare-object key
 * const body = new TextEncoder().encode(
 *   `{"offsetTable":{${mq}:{"brokerOffset":9,"consumerOffset":4}}}`,
 * );
 * const [queue] = decodeConsumeStats(body).offsetTable;
 * if (queue.brokerOffset - queue.consumerOffset !== 5) throw new Error("lag is 5");
 * ```
 */
export function decodeConsumeStats(body: Uint8Array | undefined): ConsumeStats {
  const raw = decodeJsonBody(
    "ConsumeStats",
    z.object({
      consumeTps: z.number().optional(),
      offsetTable: z.record(z.string(), offsetWrapperSchema).nullish(),
    }),
    body,
  );
  return {
    consumeTps: raw.consumeTps ?? 0,
    offsetTable: queueKeyed("ConsumeStats", raw.offsetTable).map(([mq, o]) => ({
      mq,
      brokerOffset: o.brokerOffset,
      consumerOffset: o.consumerOffset,
      lastTimestamp: o.lastTimestamp ?? 0,
    })),
  };
}

/**
 * Decodes a ConsumerConnection body.
 *
 * @param body a ConsumerConnection body
 * @returns the group's connections and subscriptions
 * @example
 * ```ts
 * import { decodeConsumerConnection } from "./admin_bodies.ts";
 * const body = new TextEncoder().encode('{"subscriptionTable":{"T":{"subString":"*"}}}');
 * const connection = decodeConsumerConnection(body);
 * if (connection.connectionSet.length !== 0 || connection.subscriptionTable.T.subString !== "*") {
 *   throw new Error();
 * }
 * ```
 */
export function decodeConsumerConnection(body: Uint8Array | undefined): ConsumerConnection {
  const raw = decodeJsonBody("ConsumerConnection", consumerConnectionSchema, body);
  const out: ConsumerConnection = {
    connectionSet: raw.connectionSet ?? [],
    subscriptionTable: raw.subscriptionTable ?? {},
  };
  if (raw.consumeType != null) out.consumeType = raw.consumeType;
  if (raw.messageModel != null) out.messageModel = raw.messageModel;
  if (raw.consumeFromWhere != null) out.consumeFromWhere = raw.consumeFromWhere;
  return out;
}

/**
 * Decodes a ProducerConnection body.
 *
 * @param body a ProducerConnection body
 * @returns the group's connections
 * @example
 * ```ts
 * import { decodeProducerConnection } from "./admin_bodies.ts";
 * const body = new TextEncoder().encode('{"connectionSet":[]}');
 * if (decodeProducerConnection(body).length !== 0) throw new Error("no producers connected");
 * ```
 */
export function decodeProducerConnection(body: Uint8Array | undefined): Connection[] {
  const raw = decodeJsonBody(
    "ProducerConnection",
    z.object({ connectionSet: z.array(connectionSchema).nullish() }),
    body,
  );
  return raw.connectionSet ?? [];
}

/**
 * A subscription group's settings (RocketMQ `SubscriptionGroupConfig`, bodies.md §6).
 *
 * @example
 * ```ts
 * import { encodeSubscriptionGroupConfig, type SubscriptionGroupConfig } from "./admin_bodies.ts";
 * const config: SubscriptionGroupConfig = { groupName: "CG", retryMaxTimes: 3 };
 * const json = JSON.parse(new TextDecoder().decode(encodeSubscriptionGroupConfig(config)));
 * if (json.retryMaxTimes !== 3 || json.retryQueueNums !== 1) throw new Error();
 * ```
 */
export interface SubscriptionGroupConfig {
  /** the group */
  groupName: string;
  /** default true */
  consumeEnable?: boolean;
  /** default true */
  consumeFromMinEnable?: boolean;
  /** default true */
  consumeBroadcastEnable?: boolean;
  /** default 1 */
  retryQueueNums?: number;
  /** default 16 */
  retryMaxTimes?: number;
  /** default 0 */
  brokerId?: number;
  /** default 1 */
  whichBrokerWhenConsumeSlowly?: number;
  /** default true */
  notifyConsumerIdsChangedEnable?: boolean;
}

/**
 * Writes a SubscriptionGroupConfig body with RocketMQ's defaults, properties alphabetical.
 *
 * @param config the group and the settings to change
 * @returns the UTF-8 JSON body
 * @example
 * ```ts
 * import { encodeSubscriptionGroupConfig } from "./admin_bodies.ts";
 * const body = encodeSubscriptionGroupConfig({ groupName: "CG", consumeBroadcastEnable: false });
 * const text = new TextDecoder().decode(body);
 * if (!text.startsWith('{"brokerId":0,"consumeBroadcastEnable":false,')) throw new Error(text);
 * ```
 */
export function encodeSubscriptionGroupConfig(config: SubscriptionGroupConfig): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    brokerId: config.brokerId ?? 0,
    consumeBroadcastEnable: config.consumeBroadcastEnable ?? true,
    consumeEnable: config.consumeEnable ?? true,
    consumeFromMinEnable: config.consumeFromMinEnable ?? true,
    groupName: config.groupName,
    notifyConsumerIdsChangedEnable: config.notifyConsumerIdsChangedEnable ?? true,
    retryMaxTimes: config.retryMaxTimes ?? 16,
    retryQueueNums: config.retryQueueNums ?? 1,
    whichBrokerWhenConsumeSlowly: config.whichBrokerWhenConsumeSlowly ?? 1,
  }));
}

/**
 * @param remark the SUCCESS remark of UPDATE_BROKER_CONFIG or UPDATE_NAMESRV_CONFIG
 * @returns the warnings it lists (`; `-separated): unknown, renamed or ignored keys
 * @example
 * ```ts
 * import { warningsOf } from "./admin_bodies.ts";
 * console.assert(warningsOf(undefined).length === 0);
 * console.assert(warningsOf("Unknown config key a ignored; Unknown config key b ignored").length === 2);
 * ```
 */
export function warningsOf(remark: string | undefined): string[] {
  return remark === undefined || remark === "" ? [] : remark.split("; ");
}

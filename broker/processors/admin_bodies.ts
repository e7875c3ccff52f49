/**
 * JSON bodies of the broker admin responses as fastjson writes them (`shared/spec/bodies.md` §0,
 * §4, §6): bean properties in alphabetical order, doubles always with a fraction, and maps keyed by
 * MessageQueue written with **bare object keys** — `{{"brokerName":"b","queueId":0,"topic":"T"}:{…}}`
 * — the form the Go client parses (Java parses it too).
 *
 * @module
 */
import type { SubscriptionData } from "../filter/subscription_data.ts";
import { formatJavaDouble } from "../../common/java_double.ts";
import type { BrokerStatsData, StatsWindow } from "../stats/stats_history.ts";

const utf8 = new TextEncoder();

/** RocketMQ `MessageQueue`: one queue of a topic on one broker. */
export interface MessageQueue {
  /** the topic */
  readonly topic: string;
  /** the broker holding the queue */
  readonly brokerName: string;
  /** the queue number */
  readonly queueId: number;
}

/** RocketMQ `TopicOffset`: the bounds of one queue (GET_TOPIC_STATS_INFO). */
export interface TopicOffset {
  /** first offset still stored */
  readonly minOffset: number;
  /** offset the next message gets */
  readonly maxOffset: number;
  /** store time of the last message, 0 when the queue is empty */
  readonly lastUpdateTimestamp: number;
}

/** RocketMQ `OffsetWrapper`: a group's progress on one queue (GET_CONSUME_STATS). */
export interface OffsetWrapper {
  /** the queue's max offset */
  readonly brokerOffset: number;
  /** the group's committed offset (0 when none) */
  readonly consumerOffset: number;
  /** store time of the last consumed message, 0 when unknown */
  readonly lastTimestamp: number;
}

/** RocketMQ `Connection`: one client connection (consumer or producer connection lists). */
export interface Connection {
  /** the client id from the heartbeat */
  readonly clientId: string;
  /** the peer address `ip:port` */
  readonly clientAddr: string;
  /** language name, e.g. `JAVA` */
  readonly language: string;
  /** the client's MQVersion ordinal */
  readonly version: number;
}

/** RocketMQ `ConsumerConnection` (GET_CONSUMER_CONNECTION_LIST). */
export interface ConsumerConnection {
  /** the group's connections */
  readonly connectionSet: readonly Connection[];
  /** subscriptions by topic */
  readonly subscriptionTable: ReadonlyMap<string, SubscriptionData>;
  /** `CONSUME_ACTIVELY`, `CONSUME_PASSIVELY` or `CONSUME_POP` */
  readonly consumeType: string;
  /** `CLUSTERING` or `BROADCASTING` */
  readonly messageModel: string;
  /** e.g. `CONSUME_FROM_LAST_OFFSET` */
  readonly consumeFromWhere: string;
}

/** Compares queues by topic, then broker, then queue id (a stable body order for tests and diffs). */
export function compareMessageQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

/**
 * @param mq a queue
 * @returns its JSON object, properties alphabetical: `{"brokerName":…,"queueId":…,"topic":…}`
 */
export function messageQueueJson(mq: MessageQueue): string {
  return `{"brokerName":${JSON.stringify(mq.brokerName)},"queueId":${mq.queueId},"topic":${
    JSON.stringify(mq.topic)
  }}`;
}

/**
 * Writes a MessageQueue-keyed map with fastjson's bare object keys, entries sorted by queue.
 *
 * @param entries the map's entries
 * @param value writes one value as JSON
 * @returns `{{"brokerName":…,"queueId":…,"topic":…}:value,…}`
 */
export function messageQueueMapJson<V>(
  entries: Iterable<readonly [MessageQueue, V]>,
  value: (v: V) => string,
): string {
  const sorted = [...entries].sort(([a], [b]) => compareMessageQueues(a, b));
  return `{${sorted.map(([mq, v]) => `${messageQueueJson(mq)}:${value(v)}`).join(",")}}`;
}

/**
 * Encodes a ResetOffsetBody (INVOKE_BROKER_TO_RESET_OFFSET's answer, RESET_CONSUMER_CLIENT_OFFSET's
 * body): `{"offsetTable":{mq:offset}}`.
 *
 * @param offsetTable the offset per queue
 * @returns the UTF-8 body
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeResetOffsetBody } from "./admin_bodies.ts";
 * const body = encodeResetOffsetBody([[{ topic: "T", brokerName: "b", queueId: 0 }, 7]]);
 * assert.equal(new TextDecoder().decode(body),
 *   '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:7}}');
 * ```
 */
export function encodeResetOffsetBody(
  offsetTable: Iterable<readonly [MessageQueue, number]>,
): Uint8Array {
  return utf8.encode(`{"offsetTable":${messageQueueMapJson(offsetTable, String)}}`);
}

/**
 * Encodes RocketMQ's ResetOffsetBodyForC, the RESET_CONSUMER_CLIENT_OFFSET body a C++ client
 * (rocketmq-client-cpp) reads: the queues as a list of MessageQueueForC, the offset inside.
 *
 * @param offsetTable the offset per queue
 * @returns the UTF-8 body
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeResetOffsetBodyForC } from "./admin_bodies.ts";
 * const body = encodeResetOffsetBodyForC([[{ topic: "T", brokerName: "b", queueId: 0 }, 7]]);
 * assert.equal(new TextDecoder().decode(body),
 *   '{"offsetTable":[{"brokerName":"b","offset":7,"queueId":0,"topic":"T"}]}');
 * ```
 */
export function encodeResetOffsetBodyForC(
  offsetTable: Iterable<readonly [MessageQueue, number]>,
): Uint8Array {
  const list = [...offsetTable].map(([mq, offset]) => ({
    brokerName: mq.brokerName,
    offset,
    queueId: mq.queueId,
    topic: mq.topic,
  }));
  return utf8.encode(JSON.stringify({ offsetTable: list }));
}

/**
 * Encodes a TopicStatsTable (GET_TOPIC_STATS_INFO): `{"offsetTable":{mq:{lastUpdateTimestamp,
 * maxOffset,minOffset}}}`.
 *
 * @param offsetTable the bounds per queue
 * @returns the UTF-8 body
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeTopicStatsTable } from "./admin_bodies.ts";
 * const body = encodeTopicStatsTable([[{ topic: "T", brokerName: "b", queueId: 0 },
 *   { minOffset: 0, maxOffset: 2, lastUpdateTimestamp: 5 }]]);
 * assert.equal(new TextDecoder().decode(body),
 *   '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":5,"maxOffset":2,"minOffset":0}}}');
 * ```
 */
export function encodeTopicStatsTable(
  offsetTable: Iterable<readonly [MessageQueue, TopicOffset]>,
): Uint8Array {
  const table = messageQueueMapJson(
    offsetTable,
    (o) =>
      `{"lastUpdateTimestamp":${o.lastUpdateTimestamp},"maxOffset":${o.maxOffset},"minOffset":${o.minOffset}}`,
  );
  return utf8.encode(`{"offsetTable":${table}}`);
}

/**
 * Encodes a ConsumeStats (GET_CONSUME_STATS): `{"consumeTps":0.0,"offsetTable":{mq:{brokerOffset,
 * consumerOffset,lastTimestamp}}}`.
 *
 * @param consumeTps messages per second over the last minute (written as a Java double)
 * @param offsetTable the progress per queue
 * @returns the UTF-8 body
 */
export function encodeConsumeStats(
  consumeTps: number,
  offsetTable: Iterable<readonly [MessageQueue, OffsetWrapper]>,
): Uint8Array {
  const table = messageQueueMapJson(
    offsetTable,
    (o) =>
      `{"brokerOffset":${o.brokerOffset},"consumerOffset":${o.consumerOffset},"lastTimestamp":${o.lastTimestamp}}`,
  );
  return utf8.encode(`{"consumeTps":${formatJavaDouble(consumeTps)},"offsetTable":${table}}`);
}

/**
 * Encodes a BrokerStatsData (VIEW_BROKER_STATS_DATA): `{"statsDay":{"avgpt":0.0,"sum":0,
 * "tps":0.0},"statsHour":{…},"statsMinute":{…}}` (`sum` a Java long, the others doubles).
 *
 * @param data the three windows
 * @returns the UTF-8 body
 */
export function encodeBrokerStatsData(data: BrokerStatsData): Uint8Array {
  const item = (w: StatsWindow) =>
    `{"avgpt":${formatJavaDouble(w.avgpt)},"sum":${w.sum},"tps":${formatJavaDouble(w.tps)}}`;
  return utf8.encode(
    `{"statsDay":${item(data.statsDay)},"statsHour":${item(data.statsHour)},` +
      `"statsMinute":${item(data.statsMinute)}}`,
  );
}

/**
 * @param sub a subscription
 * @returns RocketMQ's `SubscriptionData` JSON object (properties alphabetical)
 */
export function subscriptionDataJson(sub: SubscriptionData): Record<string, unknown> {
  return {
    classFilterMode: sub.classFilterMode,
    codeSet: [...sub.codeSet],
    expressionType: sub.expressionType,
    subString: sub.subString,
    subVersion: sub.subVersion,
    tagsSet: [...sub.tagsSet],
    topic: sub.topic,
  };
}

/** @returns a Connection's JSON object (properties alphabetical) */
function connectionJson(c: Connection): Record<string, unknown> {
  return {
    clientAddr: c.clientAddr,
    clientId: c.clientId,
    language: c.language,
    version: c.version,
  };
}

/**
 * Encodes a ConsumerConnection (GET_CONSUMER_CONNECTION_LIST).
 *
 * @param connection the group's connections, subscriptions and consume mode
 * @returns the UTF-8 body
 */
export function encodeConsumerConnection(connection: ConsumerConnection): Uint8Array {
  const subscriptionTable: Record<string, unknown> = {};
  for (const [topic, sub] of connection.subscriptionTable) {
    subscriptionTable[topic] = subscriptionDataJson(sub);
  }
  return utf8.encode(JSON.stringify({
    connectionSet: connection.connectionSet.map(connectionJson),
    consumeFromWhere: connection.consumeFromWhere,
    consumeType: connection.consumeType,
    messageModel: connection.messageModel,
    subscriptionTable,
  }));
}

/**
 * Encodes a ProducerConnection (GET_PRODUCER_CONNECTION_LIST): `{"connectionSet":[…]}`.
 *
 * @param connectionSet the group's connections
 * @returns the UTF-8 body
 */
export function encodeProducerConnection(connectionSet: readonly Connection[]): Uint8Array {
  return utf8.encode(JSON.stringify({ connectionSet: connectionSet.map(connectionJson) }));
}

/**
 * Encodes a GroupList (QUERY_TOPIC_CONSUME_BY_WHO): `{"groupList":[…]}`.
 *
 * @param groups the group names
 * @returns the UTF-8 body
 */
export function encodeGroupList(groups: Iterable<string>): Uint8Array {
  return utf8.encode(JSON.stringify({ groupList: [...groups] }));
}

/**
 * Encodes a KVTable (GET_BROKER_RUNTIME_INFO): `{"table":{"k":"v"}}`, keys sorted.
 *
 * @param table the entries; values are text
 * @returns the UTF-8 body
 */
export function encodeKvTable(table: ReadonlyMap<string, string>): Uint8Array {
  const out: Record<string, string> = {};
  for (const key of [...table.keys()].sort()) out[key] = table.get(key) as string;
  return utf8.encode(JSON.stringify({ table: out }));
}

/**
 * The HEART_BEAT body (`shared/spec/bodies.md` §5, RocketMQ `HeartbeatData`): client id, producer
 * groups and consumer groups with their subscriptions, written with properties in alphabetical
 * order as fastjson does; and RocketMQ's `FilterAPI.buildSubscriptionData` for tag expressions
 * (`features.md` §1).
 *
 * @module
 */

import { computeTagsCode } from "../store/message_properties.ts";
import { javaTrim, splitTagExpression } from "../common/tag_expression.ts";
import { MQClientError } from "./client_error.ts";

/**
 * Clustering (queues split among the group) or broadcasting (every client reads all).
 *
 * @example
 * ```ts
 * import type { MessageModel } from "./heartbeat_data.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const messageModel: MessageModel = "BROADCASTING"; // every client of the group reads every queue
 * const namesrvAddr = "127.0.0.1:9876";
 * const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr, messageModel });
 * if (consumer.messageModel !== "BROADCASTING") throw new Error();
 * ```
 */
export type MessageModel = "CLUSTERING" | "BROADCASTING";
/**
 * Pull (`CONSUME_ACTIVELY`), push (`CONSUME_PASSIVELY`) or 5.x POP.
 *
 * @example
 * ```ts
 * import type { ConsumeType } from "./heartbeat_data.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * const type: ConsumeType = consumer.consumeType;
 * if (type !== "CONSUME_PASSIVELY") throw new Error("push consumers are passive");
 * ```
 */
export type ConsumeType = "CONSUME_ACTIVELY" | "CONSUME_PASSIVELY" | "CONSUME_POP";
/**
 * Where a group starts on a queue without a committed offset (features.md §6).
 *
 * @example
 * ```ts
 * import type { ConsumeFromWhere } from "./heartbeat_data.ts";
 * import { PushConsumer } from "./push_consumer.ts";
 * const consumeFromWhere: ConsumeFromWhere = "CONSUME_FROM_TIMESTAMP";
 * const consumer = new PushConsumer({
 *   consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876",
 *   consumeFromWhere, consumeTimestamp: "20240101000000", // yyyyMMddHHmmss
 * });
 * if (consumer.consumeFromWhere !== "CONSUME_FROM_TIMESTAMP") throw new Error();
 * ```
 */
export type ConsumeFromWhere =
  | "CONSUME_FROM_LAST_OFFSET"
  | "CONSUME_FROM_FIRST_OFFSET"
  | "CONSUME_FROM_TIMESTAMP"
  | "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST"
  | "CONSUME_FROM_MIN_OFFSET"
  | "CONSUME_FROM_MAX_OFFSET";
/**
 * How a subscription expression is read.
 *
 * @example
 * ```ts
 * import { buildSubscriptionData, type ExpressionType } from "./heartbeat_data.ts";
 * const sql: ExpressionType = "SQL92";
 * const sub = buildSubscriptionData("T", "region = 'eu' AND a > 1", { expressionType: sql });
 * if (sub.tagsSet.length !== 0) throw new Error("SQL92 expressions have no tags");
 * ```
 */
export type ExpressionType = "TAG" | "SQL92";

/**
 * Expression meaning "every message".
 *
 * @example
 * ```ts
 * import { buildSubscriptionData, SUB_ALL } from "./heartbeat_data.ts";
 * const sub = buildSubscriptionData("T", "", { subVersion: 1 });
 * if (sub.subString !== SUB_ALL) throw new Error("an empty expression means every message");
 * ```
 */
export const SUB_ALL = "*";

/**
 * One subscription of a consumer group (RocketMQ `SubscriptionData`).
 *
 * @example
 * ```ts
 * import { buildSubscriptionData, type SubscriptionData } from "./heartbeat_data.ts";
 * const sub: SubscriptionData = buildSubscriptionData("T", "TagA || TagB", { subVersion: 1 });
 * if (sub.tagsSet.join() !== "TagA,TagB" || sub.expressionType !== "TAG") throw new Error();
 * ```
 */
export interface SubscriptionData {
  /** the topic */
  topic: string;
  /** the expression, `*` for all */
  subString: string;
  /** tags of a TAG expression */
  tagsSet: string[];
  /** Java `String.hashCode` of each tag */
  codeSet: number[];
  /** version, ms of creation */
  subVersion: number;
  /** TAG or SQL92 */
  expressionType: ExpressionType;
  /** obsolete class filter */
  classFilterMode: boolean;
}

/**
 * One consumer group of a heartbeat (RocketMQ `ConsumerData`).
 *
 * @example
 * ```ts
 * import { buildSubscriptionData, type ConsumerData } from "./heartbeat_data.ts";
 * const group: ConsumerData = {
 *   groupName: "CG", consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING",
 *   consumeFromWhere: "CONSUME_FROM_LAST_OFFSET", unitMode: false,
 *   subscriptionDataSet: [buildSubscriptionData("T", "*", { subVersion: 1 })],
 * };
 * if (group.subscriptionDataSet[0].subString !== "*") throw new Error();
 * ```
 */
export interface ConsumerData {
  /** the group */
  groupName: string;
  /** pull, push or POP */
  consumeType: ConsumeType;
  /** clustering or broadcasting */
  messageModel: MessageModel;
  /** start position without a committed offset */
  consumeFromWhere: ConsumeFromWhere;
  /** the group's subscriptions */
  subscriptionDataSet: SubscriptionData[];
  /** unit mode */
  unitMode: boolean;
}

/**
 * A heartbeat (RocketMQ `HeartbeatData`).
 *
 * @example
 * ```ts
 * import { encodeHeartbeatData, type HeartbeatData } from "./heartbeat_data.ts";
 * const heartbeat: HeartbeatData = {
 *   clientID: "10.0.0.5@1#2", producerDataSet: [{ groupName: "PG" }], consumerDataSet: [],
 * };
 * const json = JSON.parse(new TextDecoder().decode(encodeHeartbeatData(heartbeat)));
 * if (json.producerDataSet[0].groupName !== "PG") throw new Error();
 * ```
 */
export interface HeartbeatData {
  /** the client id (capital ID, as Java names the property) */
  clientID: string;
  /** producer groups */
  producerDataSet: { groupName: string }[];
  /** consumer groups */
  consumerDataSet: ConsumerData[];
}

/**
 * RocketMQ `FilterAPI.buildSubscriptionData`: `*` or empty = all; a TAG expression splits on `||`,
 * trims as Java trims and drops empty tags, recording each tag and its hash
 * ({@linkcode splitTagExpression}).
 *
 * @param topic the topic
 * @param subString the expression
 * @param options expression type (default TAG) and version (default now)
 * @returns the subscription
 * @throws {MQClientError} for a TAG expression made only of `||` (RocketMQ's "subscription
 *   exception")
 * @example
 * ```ts
 * import { buildSubscriptionData } from "./heartbeat_data.ts";
 * const sub = buildSubscriptionData("T", "TagA || TagB", { subVersion: 1 });
 * if (sub.codeSet[0] !== 2598919 || sub.tagsSet[1] !== "TagB") throw new Error();
 * ```
 */
export function buildSubscriptionData(
  topic: string,
  subString: string,
  options: { expressionType?: ExpressionType; subVersion?: number } = {},
): SubscriptionData {
  const data: SubscriptionData = {
    topic,
    subString,
    tagsSet: [],
    codeSet: [],
    subVersion: options.subVersion ?? Date.now(),
    expressionType: options.expressionType ?? "TAG",
    classFilterMode: false,
  };
  if (data.expressionType !== "TAG") return data;
  // Java takes only "" as every tag; a blank one would match nothing, so it is taken as "*" too.
  if (javaTrim(subString) === "" || subString === SUB_ALL) {
    data.subString = SUB_ALL;
    return data;
  }
  const tags = splitTagExpression(subString);
  if (tags === null) {
    throw new MQClientError(`subscription exception: subString split error: "${subString}"`);
  }
  data.tagsSet = tags;
  data.codeSet = [...new Set(tags.map((tag) => computeTagsCode(tag)))];
  return data;
}

/**
 * @param s a subscription
 * @returns its JSON object as Java's fastjson writes SubscriptionData (properties in alphabetical
 *   order), for heartbeats, client checks and running info
 * @example
 * ```ts
 * import { buildSubscriptionData, subscriptionJson } from "./heartbeat_data.ts";
 * const json = JSON.stringify(subscriptionJson(buildSubscriptionData("T", "TagA")));
 * if (!json.startsWith('{"classFilterMode":false,')) throw new Error(json);
 * ```
 */
export function subscriptionJson(s: SubscriptionData): object {
  return {
    classFilterMode: s.classFilterMode,
    codeSet: s.codeSet,
    expressionType: s.expressionType,
    subString: s.subString,
    subVersion: s.subVersion,
    tagsSet: s.tagsSet,
    topic: s.topic,
  };
}

function consumerJson(c: ConsumerData): object {
  return {
    consumeFromWhere: c.consumeFromWhere,
    consumeType: c.consumeType,
    groupName: c.groupName,
    messageModel: c.messageModel,
    subscriptionDataSet: c.subscriptionDataSet.map(subscriptionJson),
    unitMode: c.unitMode,
  };
}

/**
 * Writes a heartbeat body: properties alphabetical, as fastjson writes `HeartbeatData`.
 *
 * @param data the heartbeat
 * @returns the UTF-8 JSON body
 * @example
 * ```ts
 * import { encodeHeartbeatData } from "./heartbeat_data.ts";
 * const body = encodeHeartbeatData({
 *   clientID: "10.0.0.5@1#2", producerDataSet: [{ groupName: "PG" }], consumerDataSet: [],
 * });
 * const text = new TextDecoder().decode(body);
 * if (!text.startsWith('{"clientID":"10.0.0.5@1#2","consumerDataSet":[]')) throw new Error(text);
 * ```
 */
export function encodeHeartbeatData(data: HeartbeatData): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    clientID: data.clientID,
    consumerDataSet: data.consumerDataSet.map(consumerJson),
    producerDataSet: data.producerDataSet.map((p) => ({ groupName: p.groupName })),
  }));
}

/**
 * The CHECK_CLIENT_CONFIG body (RocketMQ `CheckClientRequestBody`, headers.md §4): a consumer asks a
 * broker at start whether it can filter by one of its subscriptions.
 *
 * @example
 * ```ts
 * import { buildSubscriptionData, type CheckClientRequestBody } from "./heartbeat_data.ts";
 * const body: CheckClientRequestBody = {
 *   clientId: "10.0.0.5@1#2", group: "CG",
 *   subscriptionData: buildSubscriptionData("T", "a > 1", { expressionType: "SQL92" }),
 * };
 * if (body.subscriptionData.expressionType !== "SQL92") throw new Error();
 * ```
 */
export interface CheckClientRequestBody {
  /** the asking client's id */
  clientId: string;
  /** its consumer group */
  group: string;
  /** the subscription to check */
  subscriptionData: SubscriptionData;
}

/**
 * Writes a CHECK_CLIENT_CONFIG body: properties alphabetical, as fastjson writes it.
 *
 * @param body client id, group and subscription
 * @returns the UTF-8 JSON body
 * @example
 * ```ts
 * import { buildSubscriptionData, encodeCheckClientRequestBody } from "./heartbeat_data.ts";
 * const subscriptionData = buildSubscriptionData("T", "a > 1", { expressionType: "SQL92" });
 * const body = encodeCheckClientRequestBody({ clientId: "10.0.0.5@1#2", group: "CG", subscriptionData });
 * const text = new TextDecoder().decode(body);
 * if (!text.startsWith('{"clientId":"10.0.0.5@1#2","group":"CG","subscriptionData":{')) {
 *   throw new Error(text);
 * }
 * ```
 */
export function encodeCheckClientRequestBody(body: CheckClientRequestBody): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    clientId: body.clientId,
    group: body.group,
    subscriptionData: subscriptionJson(body.subscriptionData),
  }));
}

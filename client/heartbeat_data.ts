/**
 * The HEART_BEAT body (`shared/spec/bodies.md` §5, RocketMQ `HeartbeatData`): client id, producer
 * groups and consumer groups with their subscriptions, written with properties in alphabetical
 * order as fastjson does; and RocketMQ's `FilterAPI.buildSubscriptionData` for tag expressions
 * (`features.md` §1).
 *
 * @module
 */

import { computeTagsCode } from "../store/message_properties.ts";

/** Clustering (queues split among the group) or broadcasting (every client reads all). */
export type MessageModel = "CLUSTERING" | "BROADCASTING";
/** Pull (`CONSUME_ACTIVELY`), push (`CONSUME_PASSIVELY`) or 5.x POP. */
export type ConsumeType = "CONSUME_ACTIVELY" | "CONSUME_PASSIVELY" | "CONSUME_POP";
/** Where a group starts on a queue without a committed offset (features.md §6). */
export type ConsumeFromWhere =
  | "CONSUME_FROM_LAST_OFFSET"
  | "CONSUME_FROM_FIRST_OFFSET"
  | "CONSUME_FROM_TIMESTAMP"
  | "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST"
  | "CONSUME_FROM_MIN_OFFSET"
  | "CONSUME_FROM_MAX_OFFSET";
/** How a subscription expression is read. */
export type ExpressionType = "TAG" | "SQL92";

/** Expression meaning "every message". */
export const SUB_ALL = "*";

/** One subscription of a consumer group (RocketMQ `SubscriptionData`). */
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

/** One consumer group of a heartbeat (RocketMQ `ConsumerData`). */
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

/** A heartbeat (RocketMQ `HeartbeatData`). */
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
 * trims and drops empty tags, recording each tag and its hash.
 *
 * @param topic the topic
 * @param subString the expression
 * @param options expression type (default TAG) and version (default now)
 * @returns the subscription
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
  if (subString.trim() === "" || subString === SUB_ALL) {
    data.subString = SUB_ALL;
    return data;
  }
  for (const raw of subString.split("||")) {
    const tag = raw.trim();
    if (tag === "") continue;
    data.tagsSet.push(tag);
    data.codeSet.push(computeTagsCode(tag));
  }
  return data;
}

function subscriptionJson(s: SubscriptionData): object {
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

/**
 * What a consumer tells admin tools about itself (RocketMQ `ConsumerRunningInfo`,
 * `ProcessQueueInfo`, `ConsumeStatus`, `ConsumeMessageDirectlyResult`, `CMResult`): the answers
 * to GET_CONSUMER_RUNNING_INFO (307, `mqadmin consumerStatus`, the dashboard's consumer detail)
 * and CONSUME_MESSAGE_DIRECTLY (309), and their JSON bodies as fastjson writes them: properties
 * alphabetical, doubles with a fraction, `mqTable` keyed by bare MessageQueue objects
 * (`{{"brokerName":"b","queueId":0,"topic":"T"}:{…}}`, `shared/spec/bodies.md` §0), null fields
 * left out.
 *
 * @module
 */

import { z } from "zod";
import { ownRecord } from "./_own_record.ts";
import { type SubscriptionData, subscriptionJson } from "./heartbeat_data.ts";
import {
  compareMessageQueue,
  compareStrings,
  type MessageQueue,
  messageQueueJson,
} from "./message_queue.ts";
import { BodyDecodeError, decodeJsonBody } from "./topic_route.ts";
import { formatJavaDouble } from "../common/java_double.ts";

/**
 * RocketMQ `ConsumerRunningInfo.PROP_NAMESERVER_ADDR`: the name servers, each followed by `;`.
 *
 * @example
 * ```ts
 * import { type ConsumerRunningInfo, PROP_NAMESERVER_ADDR } from "./consumer_running_info.ts";
 * const namesrvs = (info: ConsumerRunningInfo) =>
 *   info.properties[PROP_NAMESERVER_ADDR].split(";").filter((a) => a !== "");
 * ```
 */
export const PROP_NAMESERVER_ADDR = "PROP_NAMESERVER_ADDR";

/**
 * RocketMQ `PROP_THREADPOOL_CORE_SIZE`: how many listener calls run at once.
 *
 * @example
 * ```ts
 * import { type ConsumerRunningInfo, PROP_THREADPOOL_CORE_SIZE } from "./consumer_running_info.ts";
 * const concurrency = (info: ConsumerRunningInfo) => Number(info.properties[PROP_THREADPOOL_CORE_SIZE]);
 * ```
 */
export const PROP_THREADPOOL_CORE_SIZE = "PROP_THREADPOOL_CORE_SIZE";

/**
 * RocketMQ `PROP_CONSUME_ORDERLY` (its key is spelt `PROP_CONSUMEORDERLY`): `true` or `false`.
 *
 * @example
 * ```ts
 * import { type ConsumerRunningInfo, PROP_CONSUME_ORDERLY } from "./consumer_running_info.ts";
 * const orderly = (info: ConsumerRunningInfo) => info.properties[PROP_CONSUME_ORDERLY] === "true";
 * ```
 */
export const PROP_CONSUME_ORDERLY = "PROP_CONSUMEORDERLY";

/**
 * RocketMQ `PROP_CONSUME_TYPE`: `CONSUME_PASSIVELY` (push) or `CONSUME_ACTIVELY` (pull).
 *
 * @example
 * ```ts
 * import { type ConsumerRunningInfo, PROP_CONSUME_TYPE } from "./consumer_running_info.ts";
 * const push = (info: ConsumerRunningInfo) =>
 *   info.properties[PROP_CONSUME_TYPE] === "CONSUME_PASSIVELY";
 * ```
 */
export const PROP_CONSUME_TYPE = "PROP_CONSUME_TYPE";

/**
 * RocketMQ `PROP_CLIENT_VERSION`: e.g. `V4_9_8`.
 *
 * @example
 * ```ts
 * import { type ConsumerRunningInfo, PROP_CLIENT_VERSION } from "./consumer_running_info.ts";
 * const version = (info: ConsumerRunningInfo) => info.properties[PROP_CLIENT_VERSION]; // "V4_9_8"
 * ```
 */
export const PROP_CLIENT_VERSION = "PROP_CLIENT_VERSION";

/**
 * RocketMQ `PROP_CONSUMER_START_TIMESTAMP`: when the consumer started, ms.
 *
 * @example
 * ```ts
 * import { type ConsumerRunningInfo, PROP_CONSUMER_START_TIMESTAMP } from "./consumer_running_info.ts";
 * const uptimeMs = (info: ConsumerRunningInfo, nowMs: number) =>
 *   nowMs - Number(info.properties[PROP_CONSUMER_START_TIMESTAMP]);
 * ```
 */
export const PROP_CONSUMER_START_TIMESTAMP = "PROP_CONSUMER_START_TIMESTAMP";

/**
 * One held queue's cache (RocketMQ `ProcessQueueInfo`); offsets are 0 when nothing is cached.
 *
 * @example
 * ```ts
 * import type { ProcessQueueInfo } from "./consumer_running_info.ts";
 * const idle = (pq: ProcessQueueInfo) => pq.cachedMsgCount === 0 && pq.transactionMsgCount === 0;
 * ```
 */
export interface ProcessQueueInfo {
  /** the committed offset the consumer holds (memory first, else the store) */
  commitOffset: number;
  /** smallest cached offset */
  cachedMsgMinOffset: number;
  /** largest cached offset */
  cachedMsgMaxOffset: number;
  /** messages cached, not yet handed to the listener (orderly) or not yet consumed */
  cachedMsgCount: number;
  /** body MiB held, rounded down */
  cachedMsgSizeInMiB: number;
  /** orderly: smallest offset taken by the listener, not yet committed */
  transactionMsgMinOffset: number;
  /** orderly: largest such offset */
  transactionMsgMaxOffset: number;
  /** orderly: messages taken, not yet committed */
  transactionMsgCount: number;
  /** orderly: the broker lock is held */
  locked: boolean;
  /** orderly: failed attempts to release the queue while a listener call ran */
  tryUnlockTimes: number;
  /** orderly: when the lock was last confirmed, ms */
  lastLockTimestamp: number;
  /** the queue is no longer this consumer's (RocketMQ spells it `droped`) */
  droped: boolean;
  /** when the queue was last pulled, ms */
  lastPullTimestamp: number;
  /** when messages were last consumed, ms */
  lastConsumeTimestamp: number;
}

/**
 * A topic's pull and consume rates over the last minute (RocketMQ `ConsumeStatus`).
 *
 * @example
 * ```ts
 * import type { ConsumeStatus } from "./consumer_running_info.ts";
 * const failing = (s: ConsumeStatus) => s.consumeFailedTPS > 0 || s.consumeFailedMsgs > 0;
 * ```
 */
export interface ConsumeStatus {
  /** mean pull round trip, ms */
  pullRT: number;
  /** messages pulled per second */
  pullTPS: number;
  /** mean listener call time, ms */
  consumeRT: number;
  /** messages consumed per second */
  consumeOKTPS: number;
  /** messages failed per second */
  consumeFailedTPS: number;
  /** messages failed in the last hour */
  consumeFailedMsgs: number;
}

/**
 * A consumer's answer to GET_CONSUMER_RUNNING_INFO (RocketMQ `ConsumerRunningInfo`).
 *
 * @example
 * ```ts
 * import { type ConsumerRunningInfo, PROP_CONSUME_TYPE } from "./consumer_running_info.ts";
 * const isPush = (info: ConsumerRunningInfo) =>
 *   info.properties[PROP_CONSUME_TYPE] === "CONSUME_PASSIVELY";
 * ```
 */
export interface ConsumerRunningInfo {
  /** the consumer's settings by RocketMQ field name, plus the `PROP_*` entries; all strings */
  properties: Record<string, string>;
  /** its subscriptions (push consumers in CLUSTERING also list `%RETRY%<group>`) */
  subscriptionSet: SubscriptionData[];
  /** the queues held, sorted (push consumers only) */
  mqTable: [MessageQueue, ProcessQueueInfo][];
  /** rates per subscribed topic, sorted by topic (push consumers only) */
  statusTable: [string, ConsumeStatus][];
  /** asked with `jstackEnable`: a thread dump in Java; a note here */
  jstack?: string;
}

/**
 * RocketMQ `CMResult`: how a directly consumed message came out.
 *
 * @example
 * ```ts
 * import type { CMResult } from "./consumer_running_info.ts";
 * const consumed = (r: CMResult) => r === "CR_SUCCESS" || r === "CR_COMMIT";
 * ```
 */
export type CMResult =
  | "CR_SUCCESS"
  | "CR_LATER"
  | "CR_ROLLBACK"
  | "CR_COMMIT"
  | "CR_THROW_EXCEPTION"
  | "CR_RETURN_NULL";

/**
 * A consumer's answer to CONSUME_MESSAGE_DIRECTLY (RocketMQ `ConsumeMessageDirectlyResult`).
 *
 * @example
 * ```ts
 * import type { ConsumeMessageDirectlyResult } from "./consumer_running_info.ts";
 * const ok: ConsumeMessageDirectlyResult = {
 *   order: false, autoCommit: true, consumeResult: "CR_SUCCESS", spentTimeMills: 3,
 * };
 * if (ok.consumeResult !== "CR_SUCCESS") throw new Error();
 * ```
 */
export interface ConsumeMessageDirectlyResult {
  /** the listener is orderly */
  order: boolean;
  /** orderly: the context's `autoCommit` after the call; concurrently always true */
  autoCommit: boolean;
  /** the outcome; absent when the listener returned a status with no CMResult */
  consumeResult?: CMResult;
  /** the exception, when the listener threw */
  remark?: string;
  /** the listener call's time, ms (RocketMQ's spelling) */
  spentTimeMills: number;
}

const utf8 = new TextEncoder();

/** A double as Java prints it (`0.0`, `12.5`); a figure that is not finite is written as 0. */
function javaDouble(value: number): string {
  return formatJavaDouble(Number.isFinite(value) ? value : 0);
}

function processQueueInfoJson(p: ProcessQueueInfo): string {
  const sorted = Object.keys(p).sort().map((k) =>
    `${JSON.stringify(k)}:${JSON.stringify(p[k as keyof ProcessQueueInfo])}`
  );
  return `{${sorted.join(",")}}`;
}

function consumeStatusJson(s: ConsumeStatus): string {
  return `{"consumeFailedMsgs":${Math.trunc(s.consumeFailedMsgs)},"consumeFailedTPS":${
    javaDouble(s.consumeFailedTPS)
  },"consumeOKTPS":${javaDouble(s.consumeOKTPS)},"consumeRT":${javaDouble(s.consumeRT)},` +
    `"pullRT":${javaDouble(s.pullRT)},"pullTPS":${javaDouble(s.pullTPS)}}`;
}

/**
 * RocketMQ's order of subscriptions (`SubscriptionData.compareTo`: `topic@subString`).
 *
 * @param a a subscription
 * @param b another
 * @returns negative, 0 or positive
 */
function compareSubscriptions(a: SubscriptionData, b: SubscriptionData): number {
  return compareStrings(`${a.topic}@${a.subString}`, `${b.topic}@${b.subString}`);
}

/**
 * Writes a ConsumerRunningInfo body as fastjson does.
 *
 * @param info the running info
 * @returns the UTF-8 JSON body
 * @example
 * ```ts
 * import { encodeConsumerRunningInfo } from "./consumer_running_info.ts";
 * const body = encodeConsumerRunningInfo({
 *   properties: { consumerGroup: "CG" }, subscriptionSet: [], mqTable: [], statusTable: [],
 * });
 * const text = new TextDecoder().decode(body);
 * if (text !== '{"mqTable":{},"properties":{"consumerGroup":"CG"},"statusTable":{},"subscriptionSet":[]}') {
 *   throw new Error(text);
 * }
 * ```
 */
export function encodeConsumerRunningInfo(info: ConsumerRunningInfo): Uint8Array {
  const mqs = [...info.mqTable].sort(([a], [b]) => compareMessageQueue(a, b))
    .map(([mq, p]) => `${messageQueueJson(mq)}:${processQueueInfoJson(p)}`);
  const properties = Object.fromEntries(
    Object.entries(info.properties).sort(([a], [b]) => compareStrings(a, b)),
  );
  const status = [...info.statusTable].sort(([a], [b]) => compareStrings(a, b))
    .map(([topic, s]) => `${JSON.stringify(topic)}:${consumeStatusJson(s)}`);
  const subs = [...info.subscriptionSet].sort(compareSubscriptions).map((s) =>
    JSON.stringify(subscriptionJson(s))
  );
  const jstack = info.jstack === undefined ? "" : `"jstack":${JSON.stringify(info.jstack)},`;
  return utf8.encode(
    `{${jstack}"mqTable":{${mqs.join(",")}},"properties":${JSON.stringify(properties)},` +
      `"statusTable":{${status.join(",")}},"subscriptionSet":[${subs.join(",")}]}`,
  );
}

const int = z.number().int();
/**
 * A Java int or long as fastjson reads it into a bean: a JSON integer of any size (rocketmq-client-go
 * sends `time.Now().UnixNano()` as subVersion, past 2^53; kept as the nearest double) or a decimal
 * string (rocketmq-client-cpp writes ProcessQueueInfo offsets and subVersion as strings, Go writes
 * codeSet as strings; fastjson's `TypeUtils.castToLong` converts them).
 */
const javaInteger = z.union([
  z.number(),
  z.string().regex(/^[+-]?\d{1,19}$/).transform(Number),
]).refine(Number.isInteger, "is not an integer");
const mqSchema = z.object({ topic: z.string(), brokerName: z.string(), queueId: javaInteger });
const processQueueInfoSchema = z.object({
  commitOffset: javaInteger.default(0),
  cachedMsgMinOffset: javaInteger.default(0),
  cachedMsgMaxOffset: javaInteger.default(0),
  cachedMsgCount: javaInteger.default(0),
  cachedMsgSizeInMiB: javaInteger.default(0),
  transactionMsgMinOffset: javaInteger.default(0),
  transactionMsgMaxOffset: javaInteger.default(0),
  transactionMsgCount: javaInteger.default(0),
  locked: z.boolean().default(false),
  tryUnlockTimes: javaInteger.default(0),
  lastLockTimestamp: javaInteger.default(0),
  droped: z.boolean().default(false),
  lastPullTimestamp: javaInteger.default(0),
  lastConsumeTimestamp: javaInteger.default(0),
});
const consumeStatusSchema = z.object({
  pullRT: z.number().default(0),
  pullTPS: z.number().default(0),
  consumeRT: z.number().default(0),
  consumeOKTPS: z.number().default(0),
  consumeFailedTPS: z.number().default(0),
  consumeFailedMsgs: javaInteger.default(0),
});
const subscriptionSchema = z.object({
  topic: z.string(),
  subString: z.string(),
  tagsSet: z.array(z.string()).nullish().transform((v) => v ?? []),
  codeSet: z.array(javaInteger).nullish().transform((v) => v ?? []),
  subVersion: javaInteger.default(0),
  expressionType: z.enum(["TAG", "SQL92"]).nullish().transform((v) => v ?? "TAG"),
  classFilterMode: z.boolean().default(false),
});
const runningInfoSchema = z.object({
  properties: z.record(z.string(), z.unknown()).nullish(),
  subscriptionSet: z.array(subscriptionSchema).nullish(),
  mqTable: z.record(z.string(), processQueueInfoSchema).nullish(),
  statusTable: ownRecord(consumeStatusSchema).nullish(),
  jstack: z.string().nullish(),
});

function queueOfKey(key: string): MessageQueue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch (error) {
    throw new BodyDecodeError(
      `Cannot decode ConsumerRunningInfo: mqTable key ${key} is not a MessageQueue`,
      { cause: error },
    );
  }
  const mq = mqSchema.safeParse(parsed);
  if (!mq.success) {
    throw new BodyDecodeError(
      `Cannot decode ConsumerRunningInfo: mqTable key ${key} is not a MessageQueue`,
    );
  }
  return mq.data;
}

/**
 * Reads a ConsumerRunningInfo body (fastjson's bare-object keys or quoted JSON keys); property
 * values that are not strings are turned into text, as `Properties.getProperty` callers see them.
 *
 * @param body the body of a GET_CONSUMER_RUNNING_INFO answer
 * @returns the running info, queues and topics sorted
 * @throws {BodyDecodeError} naming the field that does not fit
 * @example
 * ```ts
 * import { decodeConsumerRunningInfo } from "./consumer_running_info.ts";
 * const body = new TextEncoder().encode(
 *   '{"mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"commitOffset":7}},"properties":{}}',
 * );
 * const [[mq, pq]] = decodeConsumerRunningInfo(body).mqTable;
 * if (mq.topic !== "T" || pq.commitOffset !== 7) throw new Error();
 * ```
 */
export function decodeConsumerRunningInfo(body: Uint8Array | undefined): ConsumerRunningInfo {
  const raw = decodeJsonBody("ConsumerRunningInfo", runningInfoSchema, body);
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw.properties ?? {})) {
    properties[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const info: ConsumerRunningInfo = {
    properties,
    subscriptionSet: (raw.subscriptionSet ?? []).sort(compareSubscriptions),
    mqTable: Object.entries(raw.mqTable ?? {})
      .map(([key, p]): [MessageQueue, ProcessQueueInfo] => [queueOfKey(key), p])
      .sort(([a], [b]) => compareMessageQueue(a, b)),
    statusTable: Object.entries(raw.statusTable ?? {})
      .sort(([a], [b]) => compareStrings(a, b)),
  };
  if (raw.jstack != null) info.jstack = raw.jstack;
  return info;
}

/**
 * Writes a ConsumeMessageDirectlyResult body as fastjson does (no `remark` or `consumeResult`
 * when absent).
 *
 * @param result the result
 * @returns the UTF-8 JSON body
 * @example
 * ```ts
 * import { encodeConsumeMessageDirectlyResult } from "./consumer_running_info.ts";
 * const body = encodeConsumeMessageDirectlyResult({
 *   order: false, autoCommit: true, consumeResult: "CR_SUCCESS", spentTimeMills: 2,
 * });
 * const text = new TextDecoder().decode(body);
 * if (text !== '{"autoCommit":true,"consumeResult":"CR_SUCCESS","order":false,"spentTimeMills":2}') {
 *   throw new Error(text);
 * }
 * ```
 */
export function encodeConsumeMessageDirectlyResult(
  result: ConsumeMessageDirectlyResult,
): Uint8Array {
  return utf8.encode(JSON.stringify({
    autoCommit: result.autoCommit,
    consumeResult: result.consumeResult,
    order: result.order,
    remark: result.remark,
    spentTimeMills: result.spentTimeMills,
  }));
}

/** RocketMQ `CMResult` in declaration order: fastjson also reads an enum from its ordinal. */
const CM_RESULTS = [
  "CR_SUCCESS",
  "CR_LATER",
  "CR_ROLLBACK",
  "CR_COMMIT",
  "CR_THROW_EXCEPTION",
  "CR_RETURN_NULL",
] as const satisfies readonly CMResult[];
const directlyResultSchema = z.object({
  order: z.boolean().default(false),
  autoCommit: z.boolean().default(true),
  // rocketmq-client-go writes its ConsumeResult as an int, the CMResult ordinal.
  consumeResult: z.union([
    z.enum(CM_RESULTS),
    z.number().int().min(0).max(CM_RESULTS.length - 1).transform((i) => CM_RESULTS[i]),
  ]).nullish(),
  remark: z.string().nullish(),
  spentTimeMills: int.default(0),
});

/**
 * Reads a ConsumeMessageDirectlyResult body.
 *
 * @param body the body of a CONSUME_MESSAGE_DIRECTLY answer
 * @returns the result
 * @throws {BodyDecodeError} naming the field that does not fit
 * @example
 * ```ts
 * import { decodeConsumeMessageDirectlyResult } from "./consumer_running_info.ts";
 * const body = new TextEncoder().encode('{"consumeResult":"CR_LATER","order":true}');
 * if (decodeConsumeMessageDirectlyResult(body).consumeResult !== "CR_LATER") throw new Error();
 * ```
 */
export function decodeConsumeMessageDirectlyResult(
  body: Uint8Array | undefined,
): ConsumeMessageDirectlyResult {
  const raw = decodeJsonBody("ConsumeMessageDirectlyResult", directlyResultSchema, body);
  const result: ConsumeMessageDirectlyResult = {
    order: raw.order,
    autoCommit: raw.autoCommit,
    spentTimeMills: raw.spentTimeMills,
  };
  if (raw.consumeResult != null) result.consumeResult = raw.consumeResult;
  if (raw.remark != null) result.remark = raw.remark;
  return result;
}

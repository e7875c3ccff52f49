/**
 * Pieces of the send path kept out of the processor file: the stored properties string (CLUSTER
 * added, WAIT dropped), the born host of a connection, the batch body decoder (message-format.md
 * §7), RocketMQ's `TopicConfig.toString` used in remarks, and the retry/DLQ rule shared by
 * retry-topic sends and CONSUMER_SEND_MSG_BACK (features.md §3).
 *
 * @module
 */

import { ResponseCode } from "../../protocol/response_code.ts";
import type { RemotingChannel } from "../../protocol/remoting_channel.ts";
import { parseAddress } from "../../protocol/transport.ts";
import { type HostAddress, hostAddress } from "../../store/message_id.ts";
import {
  decodeProperties,
  encodeProperties,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
} from "../../store/message_properties.ts";
import { BrokerError } from "../broker_error.ts";
import type { SubscriptionGroupConfig } from "../subscription_group_config.ts";
import {
  isInherited,
  isReadable,
  isWriteable,
  PermName,
  type TopicConfig,
} from "../topic_config.ts";
import { DLQ_GROUP_TOPIC_PREFIX } from "../topic_validator.ts";
import { SUBSCRIPTION_GROUP_NOT_EXIST_URL, suggestTodo } from "./_processor_support.ts";
import type { CoreContext } from "./core_context.ts";

/** Property the broker adds to every sent message: its cluster name. */
export const PROPERTY_CLUSTER = MessageConst.PROPERTY_CLUSTER;
/** Producer hint, `"false"` = answer before the flush; 4.9.8 drops it from the stored string. */
export const PROPERTY_WAIT = MessageConst.PROPERTY_WAIT_STORE_MSG_OK;

/** The properties of one sent message as they will be stored. */
export interface StoredProperties {
  /** the string written to the record */
  readonly text: string;
  /** `UNIQ_KEY`, the response's `transactionId` */
  readonly uniqKey: string | undefined;
  /** whether `TRAN_MSG=true` (a transactional half message) */
  readonly transactional: boolean;
  /** RocketMQ's isWaitStoreMsgOK from the producer's `WAIT` (dropped from `text`) */
  readonly waitStoreMsgOK: boolean;
}

/**
 * Builds the stored properties of a single send (RocketMQ 4.9.8 `asyncSendMessage`): the
 * producer's string plus `CLUSTER`, without `WAIT` (it only steers the flush wait, 9 bytes saved per
 * message). The common case (no WAIT, no CLUSTER) appends to the producer's string without a parse.
 *
 * @param producerProperties header `properties` (may be absent)
 * @param clusterName the broker's cluster
 * @returns the stored string and the facts the processor needs
 */
export function buildStoredProperties(
  producerProperties: string | undefined,
  clusterName: string,
): StoredProperties {
  const text = producerProperties ?? "";
  const found = scanSendProperties(text);
  const { uniqKey, transactional, waitStoreMsgOK } = found;
  if (found.needsRewrite) {
    const map = decodeProperties(text);
    map.delete(PROPERTY_WAIT);
    map.set(PROPERTY_CLUSTER, clusterName);
    return { text: encodeProperties(map), uniqKey, transactional, waitStoreMsgOK };
  }
  const appended = appendProperty(text, PROPERTY_CLUSTER, clusterName);
  return { text: appended, uniqKey, transactional, waitStoreMsgOK };
}

const UNIQ_KEY_NAME = MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX + NAME_VALUE_SEPARATOR;
const TRAN_NAME = MessageConst.PROPERTY_TRANSACTION_PREPARED + NAME_VALUE_SEPARATOR;
const WAIT_NAME = PROPERTY_WAIT + NAME_VALUE_SEPARATOR;
const CLUSTER_NAME = PROPERTY_CLUSTER + NAME_VALUE_SEPARATOR;

/**
 * One pass over a properties string for what a single send needs, with `findProperty`'s rules
 * (a pair starts the string or follows 0x02, its value runs to the next 0x02, an empty value counts
 * as absent, the last pair wins) instead of four `findProperty` scans.
 */
function scanSendProperties(text: string): {
  uniqKey: string | undefined;
  transactional: boolean;
  waitStoreMsgOK: boolean;
  needsRewrite: boolean;
} {
  let uniqKey: string | undefined;
  let tran: string | undefined;
  let wait: string | undefined;
  let needsRewrite = false;
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = n;
    if (end > start) {
      if (text.startsWith(UNIQ_KEY_NAME, start)) {
        if (end > start + UNIQ_KEY_NAME.length) {
          uniqKey = text.slice(start + UNIQ_KEY_NAME.length, end);
        }
      } else if (text.startsWith(TRAN_NAME, start)) {
        if (end > start + TRAN_NAME.length) tran = text.slice(start + TRAN_NAME.length, end);
      } else if (text.startsWith(WAIT_NAME, start) && end > start + WAIT_NAME.length) {
        wait = text.slice(start + WAIT_NAME.length, end);
        needsRewrite = true;
      } else if (text.startsWith(CLUSTER_NAME, start) && end > start + CLUSTER_NAME.length) {
        needsRewrite = true;
      }
    }
    start = end + 1;
  }
  return {
    uniqKey,
    transactional: tran === "true",
    waitStoreMsgOK: wait !== "false",
    needsRewrite,
  };
}

/**
 * @param text a properties string (each pair ends with 0x02, though a foreign client may omit the
 *   last one)
 * @param name property name
 * @param value property value
 * @returns the string with the pair appended
 */
export function appendProperty(text: string, name: string, value: string): string {
  const separator = text.length > 0 && !text.endsWith(PROPERTY_SEPARATOR) ? PROPERTY_SEPARATOR : "";
  return text + separator + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/**
 * RocketMQ's `setDelayTimeLevel(0)` on a message redirected to `%DLQ%group`: a retry send with a
 * `DELAY` must reach the dead-letter queue at once, not through the delay topic.
 *
 * @param text a properties string
 * @returns it with `DELAY` set to 0
 */
export function withoutDelay(text: string): string {
  const map = decodeProperties(text);
  map.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, "0");
  return encodeProperties(map);
}

const BORN_HOST_KEY = "edgemq.broker.bornHost";

/**
 * The BORNHOST of messages sent over a connection: the TCP peer address (message-format.md §1),
 * parsed once per connection.
 *
 * @param channel the producer's connection
 * @returns its address and port
 */
export function bornHostOf(channel: RemotingChannel): HostAddress {
  let host = channel.attributes.get(BORN_HOST_KEY) as HostAddress | undefined;
  if (host === undefined) {
    const { hostname, port } = parseAddress(channel.remoteAddress);
    host = hostAddress(hostname, port);
    channel.attributes.set(BORN_HOST_KEY, host);
  }
  return host;
}

/** One entry of a SEND_BATCH_MESSAGE body. */
export interface BatchEntry {
  /** user flag */
  readonly flag: number;
  /** the body (a view into the request body) */
  readonly body: Uint8Array;
  /** the entry's own properties string */
  readonly properties: string;
}

const utf8 = new TextDecoder();
/** TOTALSIZE + MAGICCODE + BODYCRC + FLAG + BODYLENGTH + PROPERTIESLENGTH */
const BATCH_ENTRY_FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 2;

/**
 * Splits a SEND_BATCH_MESSAGE body into its entries (message-format.md §7).
 *
 * @param body the request body
 * @param maxEntries most entries accepted
 * @returns the entries, in order
 * @throws {BrokerError} MESSAGE_ILLEGAL when the body is empty, truncated, inconsistent or has too
 *   many entries
 */
export function decodeBatchBody(body: Uint8Array, maxEntries: number): BatchEntry[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const entries: BatchEntry[] = [];
  let position = 0;
  while (position < body.length) {
    const at = position;
    if (body.length - at < BATCH_ENTRY_FIXED_BYTES) throw batchError(at, "truncated entry header");
    const totalSize = view.getInt32(at);
    const flag = view.getInt32(at + 12);
    const bodyLength = view.getInt32(at + 16);
    if (bodyLength < 0 || at + 20 + bodyLength + 2 > body.length) {
      throw batchError(at, `body length ${bodyLength}`);
    }
    const propertiesLength = view.getInt16(at + 20 + bodyLength);
    const end = at + 22 + bodyLength + propertiesLength;
    if (propertiesLength < 0 || end > body.length) {
      throw batchError(at, `properties length ${propertiesLength}`);
    }
    if (totalSize !== end - at) {
      throw batchError(at, `total size ${totalSize} but entry has ${end - at} bytes`);
    }
    if (entries.length >= maxEntries) throw batchError(at, `more than ${maxEntries} messages`);
    entries.push({
      flag,
      body: body.subarray(at + 20, at + 20 + bodyLength),
      properties: utf8.decode(body.subarray(at + 22 + bodyLength, end)),
    });
    position = end;
  }
  if (entries.length === 0) {
    throw new BrokerError(
      ResponseCode.MESSAGE_ILLEGAL,
      "Cannot decode batch body: it holds no message",
    );
  }
  return entries;
}

function batchError(offset: number, detail: string): BrokerError {
  return new BrokerError(
    ResponseCode.MESSAGE_ILLEGAL,
    `Cannot decode batch body at byte ${offset}: ${detail}`,
  );
}

/**
 * Appends the batch-level properties to an entry's own (RocketMQ 4.9.x `MessageExtBatchEncoder`:
 * a 0x02 is inserted when the entry's string does not end with one).
 *
 * @param entryProperties the entry's properties
 * @param batchProperties header properties plus CLUSTER
 * @returns the stored string
 */
export function joinBatchProperties(entryProperties: string, batchProperties: string): string {
  if (batchProperties.length === 0) return entryProperties;
  if (entryProperties.length > 0 && !entryProperties.endsWith(PROPERTY_SEPARATOR)) {
    return entryProperties + PROPERTY_SEPARATOR + batchProperties;
  }
  return entryProperties + batchProperties;
}

/**
 * RocketMQ `PermName.perm2String`.
 *
 * @param perm permission bits
 * @returns e.g. `RW-`
 */
export function permToString(perm: number): string {
  return (isReadable(perm) ? "R" : "-") + (isWriteable(perm) ? "W" : "-") +
    (isInherited(perm) ? "X" : "-");
}

/**
 * RocketMQ `TopicConfig.toString`, quoted in the bad-queueId remark.
 *
 * @param config a topic
 * @returns `TopicConfig [topicName=…, readQueueNums=…, …]`
 */
export function topicConfigToString(config: TopicConfig): string {
  return `TopicConfig [topicName=${config.topicName}, readQueueNums=${config.readQueueNums}, ` +
    `writeQueueNums=${config.writeQueueNums}, perm=${permToString(config.perm)}, ` +
    `topicFilterType=${config.topicFilterType}, topicSysFlag=${config.topicSysFlag}, order=${config.order}]`;
}

/** MQVersion V3_4_9: from here on a request's `maxReconsumeTimes` wins over the group's. */
export const VERSION_V3_4_9 = 121;
/** Queues of a dead-letter topic (RocketMQ `DLQ_NUMS_PER_GROUP`). */
export const DLQ_NUMS_PER_GROUP = 1;

/** Where a message goes: topic, queue and the topic's config. */
export interface SendTarget {
  readonly topic: string;
  readonly queueId: number;
  readonly topicConfig: TopicConfig;
}

/**
 * The group's settings, created first when `autoCreateSubscriptionGroup` allows.
 *
 * @param context broker state
 * @param group the consumer group
 * @returns its config
 * @throws {BrokerError} SUBSCRIPTION_GROUP_NOT_EXIST with RocketMQ's remark when there is none
 */
export async function requireSubscriptionGroup(
  context: Pick<CoreContext, "subscriptionGroupManager">,
  group: string,
): Promise<SubscriptionGroupConfig> {
  const config = await context.subscriptionGroupManager.findSubscriptionGroupConfig(group);
  if (config === null) {
    throw new BrokerError(
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `subscription group not exist, ${group} ${suggestTodo(SUBSCRIPTION_GROUP_NOT_EXIST_URL)}`,
    );
  }
  return config;
}

/**
 * RocketMQ's max reconsume times of a retry: the group's `retryMaxTimes`, or the request's value
 * when the client is V3_4_9 or later and sent one.
 *
 * @param groupConfig the group's settings
 * @param version the request's MQVersion ordinal
 * @param requested header `maxReconsumeTimes`, if any
 * @returns the limit; a message with reconsumeTimes ≥ it goes to the DLQ
 */
export function maxReconsumeTimesOf(
  groupConfig: SubscriptionGroupConfig,
  version: number,
  requested: number | undefined,
): number {
  return version >= VERSION_V3_4_9 && requested !== undefined
    ? requested
    : groupConfig.retryMaxTimes;
}

/**
 * The dead-letter target of a group: `%DLQ%<group>`, created with one queue, perm R|W, as RocketMQ
 * 4.9.8 does on the send and send-back paths.
 *
 * @param context broker state
 * @param group the consumer group
 * @returns the DLQ topic, a queue of it and its config
 * @throws {BrokerError} when the topic cannot be created (bad name, full table)
 */
export async function dlqTargetOf(
  context: Pick<CoreContext, "topicConfigManager" | "random">,
  group: string,
): Promise<SendTarget> {
  const topic = DLQ_GROUP_TOPIC_PREFIX + group;
  const topicConfig = await context.topicConfigManager.createTopicInSendMessageBackMethod({
    topic,
    clientDefaultTopicQueueNums: DLQ_NUMS_PER_GROUP,
    perm: PermName.PERM_READ | PermName.PERM_WRITE,
    topicSysFlag: 0,
  });
  return {
    topic,
    queueId: Math.floor(context.random() * DLQ_NUMS_PER_GROUP),
    topicConfig,
  };
}

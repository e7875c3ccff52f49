/**
 * The broker's message store: RocketMQ's store plus the delay branch of 4.9.8
 * `CommitLog.asyncPutMessage` (features.md §4). A normal or committed message whose `DELAY` level
 * is above 0 is stored in `SCHEDULE_TOPIC_XXXX`, queue level − 1, with its topic and queue saved in
 * `REAL_TOPIC` / `REAL_QID` and the consume-queue tag code set to its delivery time (store time +
 * the level's delay, store.md §3); a level above the table is lowered to the highest one. Every put
 * goes through here (sends, send-backs, transaction commits), so the rule holds for all of them,
 * as in RocketMQ. The {@linkcode ScheduleMessageService} moves the message back when it is due.
 *
 * Batches cannot be delayed (MESSAGE_ILLEGAL, as RocketMQ's `asyncPutMessages`).
 *
 * @module
 */
import {
  decodeProperties,
  encodeProperties,
  findProperty,
  MessageConst,
} from "../../store/message_properties.ts";
import {
  type MessageExtBrokerInner,
  MessageSysFlag,
  transactionType,
} from "../../store/message_record.ts";
import type { Clock } from "../../common/clock.ts";
import { MessageStore, type MessageStoreOptions } from "../../store/message_store.ts";
import type { PutMessageResult } from "../../store/put_message_status.ts";
import { TOPIC_BYTES_MAX_V1 } from "../../store/limits.ts";
import { RMQ_SYS_SCHEDULE_TOPIC } from "../topic_validator.ts";
import type { DelayLevelTable } from "./delay_level_table.ts";

/** Options of {@linkcode ScheduleMessageStore}. */
export interface ScheduleMessageStoreOptions extends MessageStoreOptions {
  /** the parsed `messageDelayLevel` */
  readonly delayLevels: DelayLevelTable;
}

const utf8 = new TextDecoder();
const INT32_MAX = 2_147_483_647;

/**
 * The message store with delayed puts; see the module doc.
 *
 * @example
 * ```ts ignore
 * const delayLevels = DelayLevelTable.parse("1s 5s");
 * const store = new ScheduleMessageStore({ fs, config, storeHost, delayLevels });
 * await store.start();
 * // stored in SCHEDULE_TOPIC_XXXX queue 1 until 5 s from now:
 * await store.putMessage({ ...message, properties: "DELAY\u00012\u0002" });
 * ```
 */
export class ScheduleMessageStore extends MessageStore {
  /** the delay levels puts are scheduled with */
  readonly delayLevels: DelayLevelTable;

  /** @param options the store's options and the delay levels */
  constructor(options: ScheduleMessageStoreOptions) {
    const levels = options.delayLevels;
    super({ ...options, tagsCodeOf: (request) => levels.redispatchTagsCode(request) });
    this.delayLevels = levels;
  }

  /**
   * Stores one message, in the schedule topic when it is delayed (see the module doc).
   *
   * @param message the message
   * @returns as `MessageStore.putMessage`; MESSAGE_ILLEGAL when `DELAY` is not an integer or a
   *   delayed message's topic is too long for a record (it could never be re-put)
   */
  override putMessage(message: MessageExtBrokerInner): Promise<PutMessageResult> {
    const scheduled = scheduleDelayedMessage(message, this.delayLevels, this);
    if (scheduled === null) {
      return Promise.resolve(illegal(`property DELAY ${delayTextOf(message)} is not an int32`));
    }
    if (scheduled !== message && message.topic.length > TOPIC_BYTES_MAX_V1) {
      // Checked on the real topic, before the rewrite, as RocketMQ's checkMessage: stored under
      // the short schedule topic it could never be re-put, and would block its level for good.
      return Promise.resolve(
        illegal(
          `topic length ${message.topic.length} exceeds ${TOPIC_BYTES_MAX_V1}: a delayed message could never be delivered`,
        ),
      );
    }
    return super.putMessage(scheduled);
  }

  /**
   * Stores a batch; a batch with a `DELAY` above 0 is refused.
   *
   * @param messages one topic and queue
   * @returns as `MessageStore.putMessages`
   */
  override putMessages(messages: readonly MessageExtBrokerInner[]): Promise<PutMessageResult> {
    for (const message of messages) {
      const level = delayLevelOf(message);
      if (level === null || level > 0) {
        return Promise.resolve(
          illegal(`a batch cannot carry property DELAY (${delayTextOf(message)}): send it alone`),
        );
      }
    }
    return super.putMessages(messages);
  }
}

/**
 * Reads the `DELAY` level of a message (Java `Integer.parseInt`; absent = 0).
 *
 * @param message a message to store
 * @returns the level, or null when the property is not an int32
 */
export function delayLevelOf(message: MessageExtBrokerInner): number | null {
  const text = delayText(message);
  if (text === undefined) return 0;
  if (!/^[+-]?\d{1,10}$/.test(text)) return null;
  const level = Number(text);
  return Math.abs(level) <= INT32_MAX ? level : null;
}

function delayText(message: MessageExtBrokerInner): string | undefined {
  return message.propertiesMap !== undefined
    ? message.propertiesMap.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL)
    : findProperty(propertiesText(message), MessageConst.PROPERTY_DELAY_TIME_LEVEL);
}

/** @returns the `DELAY` text quoted for a remark, cut at 40 characters */
function delayTextOf(message: MessageExtBrokerInner): string {
  const text = delayText(message) ?? "";
  return JSON.stringify(text.slice(0, 40)) + (text.length > 40 ? "…" : "");
}

function illegal(remark: string): PutMessageResult {
  return { status: "MESSAGE_ILLEGAL", remark };
}

/**
 * Applies the delay rule of the module doc to one message.
 *
 * @param message the message to store
 * @param levels the delay levels
 * @param clock the store's clock (read only for a delayed message: its time is the store time the
 *   append will give it)
 * @returns the message to append (the same object when it is not delayed), or null when `DELAY`
 *   is not an integer
 */
export function scheduleDelayedMessage(
  message: MessageExtBrokerInner,
  levels: DelayLevelTable,
  clock: Clock,
): MessageExtBrokerInner | null {
  const type = transactionType(message.sysFlag);
  if (
    type !== MessageSysFlag.TRANSACTION_NOT_TYPE && type !== MessageSysFlag.TRANSACTION_COMMIT_TYPE
  ) {
    return message;
  }
  const requested = delayLevelOf(message);
  if (requested === null) return null;
  if (requested <= 0) return message;
  const level = levels.clamp(requested);
  const rewrite = (map: Map<string, string>) => {
    if (level !== requested) map.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(level));
    map.set(MessageConst.PROPERTY_REAL_TOPIC, message.topic);
    map.set(MessageConst.PROPERTY_REAL_QUEUE_ID, String(message.queueId));
    return map;
  };
  const properties = rewrite(decodeProperties(propertiesText(message)));
  return {
    ...message,
    topic: RMQ_SYS_SCHEDULE_TOPIC,
    queueId: level - 1,
    properties: encodeProperties(properties),
    propertiesMap: message.propertiesMap === undefined
      ? properties
      : rewrite(new Map(message.propertiesMap)),
    tagsCode: levels.computeDeliverTimestamp(level, clock.now()),
  };
}

function propertiesText(message: MessageExtBrokerInner): string {
  return typeof message.properties === "string"
    ? message.properties
    : utf8.decode(message.properties);
}

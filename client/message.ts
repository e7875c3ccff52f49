/**
 * Messages as applications see them: {@linkcode Message} to send (RocketMQ `Message`) and
 * {@linkcode MessageExt} for messages received (RocketMQ `MessageExt` / `MessageClientExt`). System
 * fields live in the properties map under RocketMQ's names (`shared/spec/message-format.md` §4).
 *
 * @module
 */

import { MessageConst, RESERVED_PROPERTY_NAMES } from "./message_const.ts";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * What {@linkcode Message} is built from.
 *
 * @example
 * ```ts
 * import { Message, type MessageInit } from "./message.ts";
 * const init: MessageInit = {
 *   topic: "TopicTest", body: "hello", tags: "TagA", keys: ["order-1"], delayTimeLevel: 3,
 *   properties: { region: "eu" },
 * };
 * const message = new Message(init);
 * if (message.getUserProperty("region") !== "eu" || message.tags !== "TagA") throw new Error();
 * ```
 */
export interface MessageInit {
  /** the topic */
  topic: string;
  /** the payload; a string is sent as UTF-8 */
  body: Uint8Array | string;
  /** one tag (`TAGS`), used for filtering */
  tags?: string;
  /** keys (`KEYS`), indexed by the broker; several are joined with a space */
  keys?: string | readonly string[];
  /** user properties; names RocketMQ reserves are refused */
  properties?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** delay level, 1-based (`DELAY`); 0 = none */
  delayTimeLevel?: number;
  /** the user flag (int32) */
  flag?: number;
  /** false = the broker answers without waiting for flush or replication (`WAIT=false`) */
  waitStoreMsgOK?: boolean;
}

/**
 * A message to send, RocketMQ's `Message`: topic, body, flag and properties (tags, keys, delay
 * level, user properties, and the `UNIQ_KEY` the producer assigns at first send).
 *
 * @example
 * ```ts
 * import { Message } from "./message.ts";
 * const msg = new Message({ topic: "TopicTest", body: "hello", tags: "TagA", keys: ["k1", "k2"] });
 * msg.putUserProperty("region", "eu");
 * if (msg.keys !== "k1 k2" || msg.getUserProperty("region") !== "eu") throw new Error();
 * ```
 */
export class Message {
  /** the topic */
  topic: string;
  /** the user flag */
  flag: number;
  /** the payload */
  body: Uint8Array;
  /** every property, system and user, by name */
  readonly properties: Map<string, string>;
  /** set on transactional sends */
  transactionId: string | undefined;

  /**
   * Builds a message.
   *
   * @param init topic, body and optional tags, keys, properties, delay level, flag
   * @throws {Error} when a user property uses a reserved name or is blank (RocketMQ wording)
   */
  constructor(init: MessageInit) {
    this.topic = init.topic;
    this.flag = init.flag ?? 0;
    this.body = typeof init.body === "string" ? utf8.encode(init.body) : init.body;
    this.properties = new Map();
    this.transactionId = undefined;
    if (init.tags !== undefined && init.tags.length > 0) this.tags = init.tags;
    if (init.keys !== undefined) this.setKeys(init.keys);
    if (init.delayTimeLevel !== undefined && init.delayTimeLevel > 0) {
      this.delayTimeLevel = init.delayTimeLevel;
    }
    if (init.waitStoreMsgOK === false) this.waitStoreMsgOK = false;
    const user = init.properties;
    if (user === undefined) return; // the usual case: nothing to iterate, nothing allocated
    for (const [name, value] of user instanceof Map ? user : Object.entries(user)) {
      this.putUserProperty(name, value);
    }
  }

  /** the tag (`TAGS`), if any */
  get tags(): string | undefined {
    return this.properties.get(MessageConst.PROPERTY_TAGS);
  }

  /** sets the tag */
  set tags(tags: string | undefined) {
    this.#setOrDelete(MessageConst.PROPERTY_TAGS, tags);
  }

  /** the keys (`KEYS`), space-separated, if any */
  get keys(): string | undefined {
    return this.properties.get(MessageConst.PROPERTY_KEYS);
  }

  /**
   * Sets the keys; several are joined with a space (RocketMQ `Message.setKeys(Collection)`).
   *
   * @param keys one key string, or several keys
   */
  setKeys(keys: string | readonly string[]): void {
    const text = typeof keys === "string" ? keys : keys.join(MessageConst.KEY_SEPARATOR);
    this.#setOrDelete(MessageConst.PROPERTY_KEYS, text.length > 0 ? text : undefined);
  }

  /** the delay level (`DELAY`), 0 when none */
  get delayTimeLevel(): number {
    const text = this.properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
    return text === undefined ? 0 : Number.parseInt(text, 10) || 0;
  }

  /** sets the delay level; 0 removes it */
  set delayTimeLevel(level: number) {
    this.#setOrDelete(
      MessageConst.PROPERTY_DELAY_TIME_LEVEL,
      level > 0 ? String(level) : undefined,
    );
  }

  /** whether the broker waits for flush/replication before answering (`WAIT`, default true) */
  get waitStoreMsgOK(): boolean {
    return this.properties.get(MessageConst.PROPERTY_WAIT_STORE_MSG_OK) !== "false";
  }

  /** sets `WAIT` */
  set waitStoreMsgOK(wait: boolean) {
    this.properties.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, String(wait));
  }

  /** the body decoded as UTF-8 */
  get bodyText(): string {
    return utf8Decoder.decode(this.body);
  }

  /**
   * Adds a user property (RocketMQ `putUserProperty`).
   *
   * @param name property name, not one RocketMQ reserves
   * @param value property value, not blank
   * @throws {Error} `The Property<TAGS> is used by system, input another please` for reserved
   *   names; `The name or value of property can not be null or blank string!` for blanks
   */
  putUserProperty(name: string, value: string): void {
    if (RESERVED_PROPERTY_NAMES.has(name)) {
      throw new Error(`The Property<${name}> is used by system, input another please`);
    }
    if (name.trim() === "" || value.trim() === "") {
      throw new Error("The name or value of property can not be null or blank string!");
    }
    this.properties.set(name, value);
  }

  /**
   * Reads a property.
   *
   * @param name property name
   * @returns the property (system or user), or undefined
   */
  getUserProperty(name: string): string | undefined {
    return this.properties.get(name);
  }

  /**
   * Sets any property, system names included; for producers and consumers, not applications.
   *
   * @param name property name
   * @param value value; undefined removes it
   */
  putProperty(name: string, value: string | undefined): void {
    this.#setOrDelete(name, value);
  }

  #setOrDelete(name: string, value: string | undefined): void {
    if (value === undefined) this.properties.delete(name);
    else this.properties.set(name, value);
  }
}

/**
 * The fields of a received message beyond {@linkcode Message}.
 *
 * @example
 * ```ts
 * import { MessageExt, type MessageExtInit } from "./message.ts";
 * const uniqKey = "7F0000010001ABCD0000000000000000";
 * const init: MessageExtInit = {
 *   topic: "T", body: "x", properties: { UNIQ_KEY: uniqKey }, queueId: 0, storeSize: 100,
 *   queueOffset: 7, sysFlag: 0, bornTimestamp: 1, bornHost: "10.0.0.2:5000", storeTimestamp: 2,
 *   storeHost: "10.0.0.1:10911", offsetMsgId: "0A00000100002A9F0000000000000000",
 *   commitLogOffset: 0, bodyCRC: 0, reconsumeTimes: 0, preparedTransactionOffset: 0,
 * };
 * if (new MessageExt(init).msgId !== uniqKey) throw new Error("msgId is the UNIQ_KEY");
 * ```
 */
export interface MessageExtInit extends MessageInit {
  /** broker group the message came from, if known */
  brokerName?: string;
  /** queue id */
  queueId: number;
  /** record size in the commit log */
  storeSize: number;
  /** position in the consume queue (entries) */
  queueOffset: number;
  /** sysFlag of the record */
  sysFlag: number;
  /** producer time, ms */
  bornTimestamp: number;
  /** producer address `ip:port` */
  bornHost: string;
  /** broker time, ms */
  storeTimestamp: number;
  /** broker address `ip:port` */
  storeHost: string;
  /** the offset message id (message-format.md §6) */
  offsetMsgId: string;
  /** commit-log byte offset */
  commitLogOffset: number;
  /** masked CRC-32 of the stored body */
  bodyCRC: number;
  /** delivery attempts so far */
  reconsumeTimes: number;
  /** half-message offset of committed transactional messages */
  preparedTransactionOffset: number;
}

/**
 * A received message (pulled, queried or viewed): {@linkcode Message} plus where and when it was
 * stored. `msgId` is the producer's `UNIQ_KEY` when present, else the offset id, as RocketMQ's
 * `MessageClientExt.getMsgId()`. A pulled message's `body` is a view into the pull response
 * (no copy): keeping the message keeps that response (at most the broker's
 * `maxTransferBytesOn*`) alive; `body.slice()` detaches it. Decompressed bodies are their own.
 *
 * @example
 * ```ts
 * import { MessageExt } from "./message.ts";
 * const m = new MessageExt({
 *   topic: "T", body: "x", queueId: 0, storeSize: 100, queueOffset: 7, sysFlag: 0,
 *   bornTimestamp: 1, bornHost: "10.0.0.2:5000", storeTimestamp: 2, storeHost: "10.0.0.1:10911",
 *   offsetMsgId: "0A00000100002A9F0000000000000000", commitLogOffset: 0, bodyCRC: 0,
 *   reconsumeTimes: 0, preparedTransactionOffset: 0,
 * });
 * if (m.msgId !== m.offsetMsgId) throw new Error("no UNIQ_KEY: msgId is the offset id");
 * ```
 */
export class MessageExt extends Message {
  /** broker group, when known */
  brokerName: string | undefined;
  /** queue id */
  readonly queueId: number;
  /** record size */
  readonly storeSize: number;
  /** consume-queue offset */
  readonly queueOffset: number;
  /** sysFlag of the record */
  readonly sysFlag: number;
  /** producer time, ms */
  readonly bornTimestamp: number;
  /** producer `ip:port` */
  readonly bornHost: string;
  /** broker time, ms */
  readonly storeTimestamp: number;
  /** broker `ip:port` */
  readonly storeHost: string;
  /** offset message id */
  readonly offsetMsgId: string;
  /** commit-log offset */
  readonly commitLogOffset: number;
  /** masked CRC-32 of the stored body */
  readonly bodyCRC: number;
  /** delivery attempts so far */
  readonly reconsumeTimes: number;
  /** half-message offset for committed transactional messages */
  readonly preparedTransactionOffset: number;

  /**
   * Builds a received message from its record fields.
   *
   * @param init every field of the record
   */
  constructor(init: MessageExtInit) {
    super({ topic: init.topic, body: init.body, flag: init.flag });
    this.brokerName = init.brokerName;
    this.queueId = init.queueId;
    this.storeSize = init.storeSize;
    this.queueOffset = init.queueOffset;
    this.sysFlag = init.sysFlag;
    this.bornTimestamp = init.bornTimestamp;
    this.bornHost = init.bornHost;
    this.storeTimestamp = init.storeTimestamp;
    this.storeHost = init.storeHost;
    this.offsetMsgId = init.offsetMsgId;
    this.commitLogOffset = init.commitLogOffset;
    this.bodyCRC = init.bodyCRC;
    this.reconsumeTimes = init.reconsumeTimes;
    this.preparedTransactionOffset = init.preparedTransactionOffset;
    const properties = init.properties instanceof Map
      ? init.properties
      : Object.entries(init.properties ?? {});
    for (const [name, value] of properties) this.properties.set(name, value);
  }

  /** `UNIQ_KEY` if the producer set one, else the offset id */
  get msgId(): string {
    return this.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ??
      this.offsetMsgId;
  }
}

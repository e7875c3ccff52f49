/**
 * Message property names as RocketMQ's `MessageConst` spells them (`shared/spec/message-format.md`
 * §4), and the set of names reserved for the system, which user properties may not use.
 *
 * @module
 */

/**
 * System property names (RocketMQ `MessageConst`).
 *
 * @example
 * ```ts
 * import { Message } from "./message.ts";
 * import { MessageConst } from "./message_const.ts";
 * const message = new Message({ topic: "T", body: "x", tags: "TagA" });
 * if (message.properties.get(MessageConst.PROPERTY_TAGS) !== "TagA") throw new Error("TAGS");
 * ```
 */
export const MessageConst = {
  PROPERTY_KEYS: "KEYS",
  PROPERTY_TAGS: "TAGS",
  PROPERTY_WAIT_STORE_MSG_OK: "WAIT",
  PROPERTY_DELAY_TIME_LEVEL: "DELAY",
  PROPERTY_RETRY_TOPIC: "RETRY_TOPIC",
  PROPERTY_REAL_TOPIC: "REAL_TOPIC",
  PROPERTY_REAL_QUEUE_ID: "REAL_QID",
  PROPERTY_TRANSACTION_PREPARED: "TRAN_MSG",
  PROPERTY_PRODUCER_GROUP: "PGROUP",
  PROPERTY_MIN_OFFSET: "MIN_OFFSET",
  PROPERTY_MAX_OFFSET: "MAX_OFFSET",
  PROPERTY_BUYER_ID: "BUYER_ID",
  PROPERTY_ORIGIN_MESSAGE_ID: "ORIGIN_MESSAGE_ID",
  PROPERTY_TRANSFER_FLAG: "TRANSFER_FLAG",
  PROPERTY_CORRECTION_FLAG: "CORRECTION_FLAG",
  PROPERTY_MQ2_FLAG: "MQ2_FLAG",
  PROPERTY_RECONSUME_TIME: "RECONSUME_TIME",
  PROPERTY_MSG_REGION: "MSG_REGION",
  PROPERTY_TRACE_SWITCH: "TRACE_ON",
  PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX: "UNIQ_KEY",
  PROPERTY_MAX_RECONSUME_TIMES: "MAX_RECONSUME_TIMES",
  PROPERTY_CONSUME_START_TIMESTAMP: "CONSUME_START_TIME",
  PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET: "TRAN_PREPARED_QUEUE_OFFSET",
  PROPERTY_TRANSACTION_CHECK_TIMES: "TRANSACTION_CHECK_TIMES",
  PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS: "CHECK_IMMUNITY_TIME_IN_SECONDS",
  PROPERTY_INSTANCE_ID: "INSTANCE_ID",
  PROPERTY_CORRELATION_ID: "CORRELATION_ID",
  PROPERTY_MESSAGE_REPLY_TO_CLIENT: "REPLY_TO_CLIENT",
  PROPERTY_MESSAGE_TTL: "TTL",
  PROPERTY_REPLY_MESSAGE_ARRIVE_TIME: "ARRIVE_TIME",
  PROPERTY_PUSH_REPLY_TIME: "PUSH_REPLY_TIME",
  PROPERTY_CLUSTER: "CLUSTER",
  PROPERTY_MESSAGE_TYPE: "MSG_TYPE",
  PROPERTY_INNER_MULTI_DISPATCH: "INNER_MULTI_DISPATCH",
  PROPERTY_INNER_MULTI_QUEUE_OFFSET: "INNER_MULTI_QUEUE_OFFSET",
  /** 5.x FIFO key */
  PROPERTY_SHARDING_KEY: "__SHARDINGKEY",
  /** separator of the values of KEYS */
  KEY_SEPARATOR: " ",
} as const;

/**
 * Names user properties may not take (RocketMQ `MessageConst.STRING_HASH_SET`); `Message`
 * refuses them in {@linkcode Message.putUserProperty}.
 *
 * @example
 * ```ts
 * import { Message } from "./message.ts";
 * import { RESERVED_PROPERTY_NAMES } from "./message_const.ts";
 * const message = new Message({ topic: "T", body: "x" });
 * for (const name of ["DELAY", "region"]) {
 *   if (!RESERVED_PROPERTY_NAMES.has(name)) message.putUserProperty(name, "eu"); // else it throws
 * }
 * if (message.getUserProperty("region") !== "eu") throw new Error();
 * ```
 */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  MessageConst.PROPERTY_TRACE_SWITCH,
  MessageConst.PROPERTY_MSG_REGION,
  MessageConst.PROPERTY_KEYS,
  MessageConst.PROPERTY_TAGS,
  MessageConst.PROPERTY_WAIT_STORE_MSG_OK,
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
  MessageConst.PROPERTY_RETRY_TOPIC,
  MessageConst.PROPERTY_REAL_TOPIC,
  MessageConst.PROPERTY_REAL_QUEUE_ID,
  MessageConst.PROPERTY_TRANSACTION_PREPARED,
  MessageConst.PROPERTY_PRODUCER_GROUP,
  MessageConst.PROPERTY_MIN_OFFSET,
  MessageConst.PROPERTY_MAX_OFFSET,
  MessageConst.PROPERTY_BUYER_ID,
  MessageConst.PROPERTY_ORIGIN_MESSAGE_ID,
  MessageConst.PROPERTY_TRANSFER_FLAG,
  MessageConst.PROPERTY_CORRECTION_FLAG,
  MessageConst.PROPERTY_MQ2_FLAG,
  MessageConst.PROPERTY_RECONSUME_TIME,
  MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
  MessageConst.PROPERTY_MAX_RECONSUME_TIMES,
  MessageConst.PROPERTY_CONSUME_START_TIMESTAMP,
  MessageConst.PROPERTY_INSTANCE_ID,
  MessageConst.PROPERTY_CORRELATION_ID,
  MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT,
  MessageConst.PROPERTY_MESSAGE_TTL,
  MessageConst.PROPERTY_REPLY_MESSAGE_ARRIVE_TIME,
  MessageConst.PROPERTY_PUSH_REPLY_TIME,
  MessageConst.PROPERTY_CLUSTER,
  MessageConst.PROPERTY_MESSAGE_TYPE,
  MessageConst.PROPERTY_INNER_MULTI_QUEUE_OFFSET,
]);

/**
 * Prefix of retry topics, `%RETRY%<group>` (RocketMQ `MixAll.RETRY_GROUP_TOPIC_PREFIX`).
 *
 * @example
 * ```ts
 * import { RETRY_GROUP_TOPIC_PREFIX } from "./message_const.ts";
 * const retryTopic = RETRY_GROUP_TOPIC_PREFIX + "CG";
 * if (retryTopic !== "%RETRY%CG") throw new Error();
 * ```
 */
export const RETRY_GROUP_TOPIC_PREFIX = "%RETRY%";
/**
 * Prefix of dead-letter topics, `%DLQ%<group>`.
 *
 * @example
 * ```ts
 * import { DLQ_GROUP_TOPIC_PREFIX } from "./message_const.ts";
 * const deadLetterTopic = DLQ_GROUP_TOPIC_PREFIX + "CG"; // where messages go after the last retry
 * if (deadLetterTopic !== "%DLQ%CG") throw new Error();
 * ```
 */
export const DLQ_GROUP_TOPIC_PREFIX = "%DLQ%";
/**
 * The topic-creation template of brokers with `autoCreateTopicEnable` (features.md §11).
 *
 * @example
 * ```ts
 * import { AUTO_CREATE_TOPIC_KEY_TOPIC } from "./message_const.ts";
 * import { Producer } from "./producer.ts";
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" });
 * if (producer.config.createTopicKey !== AUTO_CREATE_TOPIC_KEY_TOPIC) throw new Error("TBW102");
 * ```
 */
export const AUTO_CREATE_TOPIC_KEY_TOPIC = "TBW102";
/**
 * The producer group every client instance registers
 * (RocketMQ `MixAll.CLIENT_INNER_PRODUCER_GROUP`).
 *
 * @example
 * ```ts
 * import { checkGroup } from "./validators.ts";
 * import { CLIENT_INNER_PRODUCER_GROUP } from "./message_const.ts";
 * checkGroup(CLIENT_INNER_PRODUCER_GROUP); // a legal name; every client instance registers it
 * ```
 */
export const CLIENT_INNER_PRODUCER_GROUP = "CLIENT_INNER_PRODUCER";
/**
 * Producer group of the default producer (RocketMQ `MixAll.DEFAULT_PRODUCER_GROUP`).
 *
 * @example
 * ```ts
 * import { DEFAULT_PRODUCER_GROUP } from "./message_const.ts";
 * import { Producer } from "./producer.ts";
 * const namesrvAddr = "127.0.0.1:9876";
 * const producer = new Producer({ producerGroup: DEFAULT_PRODUCER_GROUP, namesrvAddr });
 * if (producer.producerGroup !== "DEFAULT_PRODUCER") throw new Error();
 * ```
 */
export const DEFAULT_PRODUCER_GROUP = "DEFAULT_PRODUCER";
/**
 * Broker id of a master.
 *
 * @example
 * ```ts
 * import { MASTER_ID } from "./message_const.ts";
 * const brokerAddrs = new Map([[MASTER_ID, "10.0.0.1:10911"], [1, "10.0.0.2:10911"]]);
 * if (brokerAddrs.get(MASTER_ID) !== "10.0.0.1:10911") throw new Error("sends go to the master");
 * ```
 */
export const MASTER_ID = 0;

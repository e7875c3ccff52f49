/**
 * Checks RocketMQ's client applies before a request leaves (RocketMQ `Validators`,
 * `TopicValidator`): topic and group names, system topics, message bodies. Errors carry RocketMQ's
 * exact wording so they read the same as from a Java client.
 *
 * @module
 */

import { ResponseCode } from "../protocol/response_code.ts";
import { MQClientError } from "./client_error.ts";
import { GROUP_LENGTH_MAX, TOPIC_LENGTH_MAX } from "./limits.ts";
import type { Message } from "./message.ts";
import { AUTO_CREATE_TOPIC_KEY_TOPIC } from "./message_const.ts";

/**
 * The characters topic and group names may use (RocketMQ's pattern text).
 *
 * @example
 * ```ts
 * import { VALID_PATTERN_STR } from "./validators.ts";
 * const valid = new RegExp(VALID_PATTERN_STR);
 * if (!valid.test("%RETRY%CG") || valid.test("my topic")) throw new Error();
 * ```
 */
export const VALID_PATTERN_STR = "^[%|a-zA-Z0-9_-]+$";
const VALID = /^[%|a-zA-Z0-9_-]+$/;

/**
 * Topics brokers own (RocketMQ `TopicValidator.SYSTEM_TOPIC_SET`), plus the `rmq_sys_` prefix.
 *
 * @example
 * ```ts
 * import { SYSTEM_TOPICS } from "./validators.ts";
 * if (!SYSTEM_TOPICS.has("SCHEDULE_TOPIC_XXXX") || SYSTEM_TOPICS.has("T")) throw new Error();
 * ```
 */
export const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  "SCHEDULE_TOPIC_XXXX",
  "BenchmarkTest",
  "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRACE_TOPIC",
  "RMQ_SYS_TRANS_OP_HALF_TOPIC",
  "TRANS_CHECK_MAX_TIME_TOPIC",
  "SELF_TEST_TOPIC",
  "OFFSET_MOVED_EVENT",
]);

/**
 * Topics clients may not send to (RocketMQ `TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET`).
 *
 * @example
 * ```ts
 * import { Message } from "./message.ts";
 * import { checkMessage, NOT_ALLOWED_SEND_TOPICS } from "./validators.ts";
 * const topic = "SCHEDULE_TOPIC_XXXX";
 * if (!NOT_ALLOWED_SEND_TOPICS.has(topic)) throw new Error();
 * try {
 *   checkMessage(new Message({ topic, body: "x" }), 1024);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error as Error).message.startsWith(`Sending message to topic[${topic}]`)) throw error;
 * }
 * ```
 */
export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  "SCHEDULE_TOPIC_XXXX",
  "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRANS_OP_HALF_TOPIC",
  "TRANS_CHECK_MAX_TIME_TOPIC",
  "SELF_TEST_TOPIC",
  "OFFSET_MOVED_EVENT",
]);

/**
 * Whether a name breaks RocketMQ's character rule.
 *
 * @param name a topic or group name
 * @returns whether it holds a character outside `^[%|a-zA-Z0-9_-]+$`
 * @example
 * ```ts
 * import { isTopicOrGroupIllegal } from "./validators.ts";
 * if (isTopicOrGroupIllegal("Topic_Test-1")) throw new Error("letters, digits, _ - % | are legal");
 * if (!isTopicOrGroupIllegal("topic.test")) throw new Error("a dot is not");
 * ```
 */
export function isTopicOrGroupIllegal(name: string): boolean {
  return name.length > 0 && !VALID.test(name);
}

/**
 * Whether a topic belongs to the brokers.
 *
 * @param topic a topic
 * @returns whether brokers own it (`TopicValidator.isSystemTopic`)
 * @example
 * ```ts
 * import { isSystemTopic } from "./validators.ts";
 * if (!isSystemTopic("TBW102") || !isSystemTopic("rmq_sys_wheel")) throw new Error();
 * if (isSystemTopic("TopicTest")) throw new Error();
 * ```
 */
export function isSystemTopic(topic: string): boolean {
  return SYSTEM_TOPICS.has(topic) || topic.startsWith("rmq_sys_");
}

/**
 * RocketMQ `Validators.checkTopic`.
 *
 * @param topic the topic
 * @throws {MQClientError} `The specified topic is blank`, `… is longer than topic max length 127.`
 *   or `The specified topic[x] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`
 * @example
 * ```ts
 * import { checkTopic } from "./validators.ts";
 * checkTopic("TopicTest");
 * ```
 */
export function checkTopic(topic: string): void {
  if (topic.trim() === "") throw new MQClientError("The specified topic is blank");
  if (topic.length > TOPIC_LENGTH_MAX) {
    throw new MQClientError(
      `The specified topic is longer than topic max length ${TOPIC_LENGTH_MAX}.`,
    );
  }
  if (isTopicOrGroupIllegal(topic)) {
    throw new MQClientError(
      `The specified topic[${topic}] contains illegal characters, allowing only ${VALID_PATTERN_STR}`,
    );
  }
}

/**
 * RocketMQ `Validators.checkGroup` (4.x length limit 255).
 *
 * @param group the group
 * @throws {MQClientError} with RocketMQ's wording when blank, too long or illegal
 * @example
 * ```ts
 * import { MQClientError } from "./client_error.ts";
 * import { checkGroup } from "./validators.ts";
 * checkGroup("CG_orders");
 * try {
 *   checkGroup("bad group");
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof MQClientError)) throw error;
 * }
 * ```
 */
export function checkGroup(group: string): void {
  if (group.trim() === "") throw new MQClientError("the specified group is blank");
  if (group.length > GROUP_LENGTH_MAX) {
    throw new MQClientError(
      `the specified group is longer than group max length ${GROUP_LENGTH_MAX}.`,
    );
  }
  if (isTopicOrGroupIllegal(group)) {
    throw new MQClientError(
      `the specified group[${group}] contains illegal characters, allowing only ${VALID_PATTERN_STR}`,
    );
  }
}

/**
 * RocketMQ `Validators.isSystemTopic` (used before creating a topic).
 *
 * @param topic the topic
 * @throws {MQClientError} `The topic[x] is conflict with system topic.`
 * @example
 * ```ts
 * import { checkNotSystemTopic } from "./validators.ts";
 * checkNotSystemTopic("TopicTest");
 * try {
 *   checkNotSystemTopic("TBW102");
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error as Error).message.startsWith("The topic[TBW102] is conflict")) throw error;
 * }
 * ```
 */
export function checkNotSystemTopic(topic: string): void {
  if (isSystemTopic(topic)) {
    throw new MQClientError(`The topic[${topic}] is conflict with system topic.`);
  }
}

/**
 * RocketMQ `Validators.checkMessage`: topic, send permission, body present and within
 * `maxMessageSize`; and the flag an int32, as Java's type makes it.
 *
 * @param message the message
 * @param maxMessageSize the producer's body limit
 * @throws {MQClientError} MESSAGE_ILLEGAL (13) for body or flag problems, worded
 *   `CODE: 13  DESC: the message body length is zero`; the topic errors of {@linkcode checkTopic};
 *   `Sending message to topic[x] is forbidden.`
 *
 * @example
 * ```ts
 * import { MQClientError } from "./client_error.ts";
 * import { Message } from "./message.ts";
 * import { checkMessage } from "./validators.ts";
 * checkMessage(new Message({ topic: "T", body: "hello" }), 4 * 1024 * 1024);
 * try {
 *   checkMessage(new Message({ topic: "T", body: "" }), 4 * 1024 * 1024);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof MQClientError) || error.responseCode !== 13) throw error;
 * }
 * ```
 */
export function checkMessage(message: Message, maxMessageSize: number): void {
  checkTopic(message.topic);
  if (NOT_ALLOWED_SEND_TOPICS.has(message.topic)) {
    throw new MQClientError(`Sending message to topic[${message.topic}] is forbidden.`);
  }
  const illegal = (text: string) =>
    new MQClientError(text, { responseCode: ResponseCode.MESSAGE_ILLEGAL, codeInMessage: true });
  if (!(message.body instanceof Uint8Array)) throw illegal("the message body is null");
  if (message.body.length === 0) throw illegal("the message body length is zero");
  if (message.body.length > maxMessageSize) {
    throw illegal(`the message body size over max value, MAX: ${maxMessageSize}`);
  }
  // Java's Message.flag is an int: anything else would be cut in a batch or refused by brokers
  const flag = message.flag;
  if (!Number.isInteger(flag) || flag < -0x8000_0000 || flag > 0x7fff_ffff) {
    throw illegal(`the message flag ${flag} is not an int32`);
  }
}

/**
 * Topic and group name rules and the reserved topic names (RocketMQ `TopicValidator`, `MixAll`;
 * features.md §11). Checks return the response code and remark RocketMQ 4.9.8 answers with, so
 * clients and tools print the messages their users know.
 *
 * @module
 */
import { ResponseCode, type ResponseCodeValue } from "../protocol/response_code.ts";
import { GROUP_NAME_LENGTH_MAX, TOPIC_NAME_LENGTH_MAX } from "./limits.ts";

/** The auto-create template topic every broker owns when `autoCreateTopicEnable`. */
export const AUTO_CREATE_TOPIC_KEY_TOPIC = "TBW102";
/** Delay-level topic: 18 queues, one per level (features.md §4). */
export const RMQ_SYS_SCHEDULE_TOPIC = "SCHEDULE_TOPIC_XXXX";
/** Benchmark topic, 1024 queues. */
export const RMQ_SYS_BENCHMARK_TOPIC = "BenchmarkTest";
/** Transaction half messages (features.md §5). */
export const RMQ_SYS_TRANS_HALF_TOPIC = "RMQ_SYS_TRANS_HALF_TOPIC";
/** Default message trace topic (`msgTraceTopicName`). */
export const RMQ_SYS_TRACE_TOPIC = "RMQ_SYS_TRACE_TOPIC";
/** Transaction op messages (commit/rollback marks). */
export const RMQ_SYS_TRANS_OP_HALF_TOPIC = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/** Half messages checked `transactionCheckMax` times. */
export const RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC = "TRANS_CHECK_MAX_TIME_TOPIC";
/** Self-test topic, 1 queue. */
export const RMQ_SYS_SELF_TEST_TOPIC = "SELF_TEST_TOPIC";
/** Offset-moved events, 1 queue. */
export const RMQ_SYS_OFFSET_MOVED_EVENT = "OFFSET_MOVED_EVENT";
/** Names starting with this are system topics. */
export const SYSTEM_TOPIC_PREFIX = "rmq_sys_";
/** Retry topic of a group: `%RETRY%<group>`. */
export const RETRY_GROUP_TOPIC_PREFIX = "%RETRY%";
/** Dead-letter topic of a group: `%DLQ%<group>`. */
export const DLQ_GROUP_TOPIC_PREFIX = "%DLQ%";
/** Request-reply topic suffix: `<cluster>_REPLY_TOPIC`. */
export const REPLY_TOPIC_POSTFIX = "REPLY_TOPIC";

/** The system topics known without any broker config (RocketMQ's static `SYSTEM_TOPIC_SET`). */
export const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  RMQ_SYS_SCHEDULE_TOPIC,
  RMQ_SYS_BENCHMARK_TOPIC,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRACE_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
  RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
  RMQ_SYS_SELF_TEST_TOPIC,
  RMQ_SYS_OFFSET_MOVED_EVENT,
]);

/** Topics no client may send to (RocketMQ `NOT_ALLOWED_SEND_TOPIC_SET`). TBW102 is not one of them. */
export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  RMQ_SYS_SCHEDULE_TOPIC,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
  RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
  RMQ_SYS_SELF_TEST_TOPIC,
  RMQ_SYS_OFFSET_MOVED_EVENT,
]);

/** A failed check: what to answer. */
export interface ValidationFailure {
  /** the response code */
  readonly code: ResponseCodeValue;
  /** the response remark, RocketMQ's wording */
  readonly remark: string;
}

const LEGAL_NAME = /^[%|a-zA-Z0-9_-]*$/;

/**
 * @param name a topic or group name
 * @returns true when it has a character outside `[%|a-zA-Z0-9_-]` (RocketMQ `isTopicOrGroupIllegal`)
 */
export function isTopicOrGroupIllegal(name: string): boolean {
  return !LEGAL_NAME.test(name);
}

/**
 * Checks a topic name (RocketMQ 4.9.8 `TopicValidator.validateTopic`): not blank, only
 * `^[%|a-zA-Z0-9_-]+$`, at most 127 characters. Used by send, admin create and delete.
 *
 * @param topic the topic name as received
 * @returns null when valid, else SYSTEM_ERROR with RocketMQ's remark
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateTopic } from "./topic_validator.ts";
 * assert.equal(validateTopic("TopicTest"), null);
 * assert.equal(validateTopic("a b")?.remark,
 *   "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$");
 * ```
 */
export function validateTopic(topic: string | undefined | null): ValidationFailure | null {
  if (topic === undefined || topic === null || topic.trim().length === 0) {
    return { code: ResponseCode.SYSTEM_ERROR, remark: "The specified topic is blank." };
  }
  if (isTopicOrGroupIllegal(topic)) {
    return {
      code: ResponseCode.SYSTEM_ERROR,
      remark: "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$",
    };
  }
  if (topic.length > TOPIC_NAME_LENGTH_MAX) {
    return {
      code: ResponseCode.SYSTEM_ERROR,
      remark: "The specified topic is longer than topic max length.",
    };
  }
  return null;
}

/**
 * Checks that clients may send to a topic (RocketMQ `isNotAllowedSendTopic`).
 *
 * @param topic the topic name
 * @returns null when allowed, else NO_PERMISSION "Sending message to topic[X] is forbidden."
 */
export function checkSendAllowed(topic: string): ValidationFailure | null {
  if (!NOT_ALLOWED_SEND_TOPICS.has(topic)) return null;
  return {
    code: ResponseCode.NO_PERMISSION,
    remark: `Sending message to topic[${topic}] is forbidden.`,
  };
}

/**
 * The failure RocketMQ gives when an admin creates or deletes a system topic
 * (`TopicValidator.isSystemTopic(topic, response)`).
 *
 * @param topic the topic name
 * @returns SYSTEM_ERROR "The topic[X] is conflict with system topic."
 */
export function systemTopicConflict(topic: string): ValidationFailure {
  return {
    code: ResponseCode.SYSTEM_ERROR,
    remark: `The topic[${topic}] is conflict with system topic.`,
  };
}

/**
 * Checks a consumer or producer group name: not blank, only `^[%|a-zA-Z0-9_-]+$`, at most 255
 * characters (RocketMQ 4.x client `Validators.checkGroup`; 5.x `TopicValidator.validateGroup`).
 *
 * @param group the group name as received
 * @returns null when valid, else SYSTEM_ERROR with a remark naming the group
 */
export function validateGroup(group: string | undefined | null): ValidationFailure | null {
  if (group === undefined || group === null || group.trim().length === 0) {
    return { code: ResponseCode.SYSTEM_ERROR, remark: "The specified group is blank." };
  }
  if (isTopicOrGroupIllegal(group)) {
    return {
      code: ResponseCode.SYSTEM_ERROR,
      remark:
        `The specified group: ${group}, contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`,
    };
  }
  if (group.length > GROUP_NAME_LENGTH_MAX) {
    return {
      code: ResponseCode.SYSTEM_ERROR,
      remark:
        `The specified group: ${group}, is longer than group max length: ${GROUP_NAME_LENGTH_MAX}`,
    };
  }
  return null;
}

/**
 * @param group a consumer group
 * @returns its retry topic, `%RETRY%<group>`
 */
export function retryTopic(group: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + group;
}

/**
 * @param group a consumer group
 * @returns its dead-letter topic, `%DLQ%<group>`
 */
export function dlqTopic(group: string): string {
  return DLQ_GROUP_TOPIC_PREFIX + group;
}

/**
 * @param group a consumer group
 * @returns true for RocketMQ's internal groups (`CID_RMQ_SYS_` prefix), created even when
 *   `autoCreateSubscriptionGroup` is off
 */
export function isSysConsumerGroup(group: string): boolean {
  return group.startsWith("CID_RMQ_SYS_");
}

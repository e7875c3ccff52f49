/**
 * One topic's settings on a broker (RocketMQ `TopicConfig`, bodies.md §2), the permission bits
 * (`PermName`) and topic system flags (`TopicSysFlag`). The same shape is written to topics.json,
 * sent in REGISTER_BROKER and GET_ALL_TOPIC_CONFIG bodies, and built from UPDATE_AND_CREATE_TOPIC.
 *
 * @module
 */
import { z } from "zod";
import { QUEUE_NUMS_MAX } from "./limits.ts";

/** RocketMQ `PermName` bits (bodies.md §1). */
export const PermName = {
  /** priority (unused by clients) */
  PERM_PRIORITY: 8,
  /** consumers may read */
  PERM_READ: 4,
  /** producers may write */
  PERM_WRITE: 2,
  /** the topic may serve as a template for auto-created topics */
  PERM_INHERIT: 1,
} as const;

/**
 * @param perm permission bits
 * @returns true when the READ bit is set
 */
export function isReadable(perm: number): boolean {
  return (perm & PermName.PERM_READ) === PermName.PERM_READ;
}

/**
 * @param perm permission bits
 * @returns true when the WRITE bit is set
 */
export function isWriteable(perm: number): boolean {
  return (perm & PermName.PERM_WRITE) === PermName.PERM_WRITE;
}

/**
 * @param perm permission bits
 * @returns true when the INHERIT bit is set
 */
export function isInherited(perm: number): boolean {
  return (perm & PermName.PERM_INHERIT) === PermName.PERM_INHERIT;
}

/** RocketMQ `TopicSysFlag` bits. */
export const TopicSysFlag = {
  /** the topic belongs to a unit */
  FLAG_UNIT: 0x1,
  /** the topic has unit subscriptions */
  FLAG_UNIT_SUB: 0x2,
} as const;

/**
 * @param unit set FLAG_UNIT
 * @param hasUnitSub set FLAG_UNIT_SUB
 * @returns the flags (RocketMQ `TopicSysFlag.buildSysFlag`)
 */
export function buildTopicSysFlag(unit: boolean, hasUnitSub: boolean): number {
  return (unit ? TopicSysFlag.FLAG_UNIT : 0) | (hasUnitSub ? TopicSysFlag.FLAG_UNIT_SUB : 0);
}

/** RocketMQ `TopicFilterType`. */
export type TopicFilterType = "SINGLE_TAG" | "MULTI_TAG";

/** A topic's settings; field names are RocketMQ's JSON properties. */
export interface TopicConfig {
  /** the topic */
  readonly topicName: string;
  /** queues consumers read (route `readQueueNums`) */
  readonly readQueueNums: number;
  /** queues producers write */
  readonly writeQueueNums: number;
  /** {@linkcode PermName} bits */
  readonly perm: number;
  /** `SINGLE_TAG` (default) or `MULTI_TAG` */
  readonly topicFilterType: TopicFilterType;
  /** {@linkcode TopicSysFlag} bits */
  readonly topicSysFlag: number;
  /** ordered topic */
  readonly order: boolean;
  /** 5.x attributes (e.g. `message.type`); absent for 4.x */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Defaults of a new RocketMQ `TopicConfig` object (bodies.md §2). */
export const TOPIC_CONFIG_DEFAULTS = {
  readQueueNums: 16,
  writeQueueNums: 16,
  perm: PermName.PERM_READ | PermName.PERM_WRITE,
  topicFilterType: "SINGLE_TAG",
  topicSysFlag: 0,
  order: false,
} as const satisfies Omit<TopicConfig, "topicName" | "attributes">;

const queueNums = z.number().int().min(0).max(QUEUE_NUMS_MAX);

/**
 * Validates a TopicConfig from JSON (topics.json, GET_ALL_TOPIC_CONFIG from a master) or an admin
 * request; missing fields take RocketMQ's defaults, unknown fields are dropped.
 */
export const topicConfigSchema: z.ZodType<TopicConfig> = z.object({
  topicName: z.string().min(1),
  readQueueNums: queueNums.default(TOPIC_CONFIG_DEFAULTS.readQueueNums),
  writeQueueNums: queueNums.default(TOPIC_CONFIG_DEFAULTS.writeQueueNums),
  perm: z.number().int().min(0).max(15).default(TOPIC_CONFIG_DEFAULTS.perm),
  topicFilterType: z.enum(["SINGLE_TAG", "MULTI_TAG"]).default("SINGLE_TAG"),
  topicSysFlag: z.number().int().default(0),
  order: z.boolean().default(false),
  attributes: z.record(z.string(), z.string()).optional(),
});

/**
 * Makes a topic config with RocketMQ's defaults for whatever is not given.
 *
 * @param topicName the topic
 * @param fields settings that differ from the defaults
 * @returns the config
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTopicConfig } from "./topic_config.ts";
 * const config = createTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4 });
 * assert.equal(config.perm, 6);
 * assert.equal(config.topicFilterType, "SINGLE_TAG");
 * ```
 */
export function createTopicConfig(
  topicName: string,
  fields: Partial<Omit<TopicConfig, "topicName">> = {},
): TopicConfig {
  return { topicName, ...TOPIC_CONFIG_DEFAULTS, ...fields };
}

/**
 * @param config a topic config
 * @returns the plain object RocketMQ writes: properties in alphabetical order, `attributes` only
 *   when present
 */
export function topicConfigToJson(config: TopicConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (config.attributes !== undefined) out.attributes = { ...config.attributes };
  out.order = config.order;
  out.perm = config.perm;
  out.readQueueNums = config.readQueueNums;
  out.topicFilterType = config.topicFilterType;
  out.topicName = config.topicName;
  out.topicSysFlag = config.topicSysFlag;
  out.writeQueueNums = config.writeQueueNums;
  return out;
}

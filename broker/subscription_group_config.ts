/**
 * A consumer group's settings on a broker (RocketMQ `SubscriptionGroupConfig`, bodies.md §6): the
 * 4.9.8 fields typed with their defaults; 5.x fields (`consumeMessageOrderly`, `groupRetryPolicy`,
 * `groupSysFlag`, `consumeTimeoutMinute`, `subscriptionDataSet`, `attributes`) kept as received so
 * a file or admin body from a 5.x tool survives a round trip.
 *
 * @module
 */
import { z } from "zod";
import { GROUP_NAME_LENGTH_MAX, QUEUE_NUMS_MAX } from "./limits.ts";

/** The 4.9.8 settings of a group (every field has a default). */
export interface SubscriptionGroupSettings {
  /** consumers may pull (false ⇒ NO_PERMISSION) */
  readonly consumeEnable: boolean;
  /** a new group may start from the queue minimum */
  readonly consumeFromMinEnable: boolean;
  /** broadcasting consumption allowed */
  readonly consumeBroadcastEnable: boolean;
  /** queues of the group's retry topic */
  readonly retryQueueNums: number;
  /** sends back before the dead-letter queue */
  readonly retryMaxTimes: number;
  /** broker suggested for pulls (0 = master) */
  readonly brokerId: number;
  /** broker suggested when the consumer lags (slave read) */
  readonly whichBrokerWhenConsumeSlowly: number;
  /** push NOTIFY_CONSUMER_IDS_CHANGED to members on membership changes */
  readonly notifyConsumerIdsChangedEnable: boolean;
}

/** A group's settings; field names are RocketMQ's JSON properties. */
export interface SubscriptionGroupConfig extends SubscriptionGroupSettings {
  /** the consumer group */
  readonly groupName: string;
  /** 5.x and unknown fields, kept verbatim */
  readonly [extra: string]: unknown;
}

/** Defaults of a new RocketMQ `SubscriptionGroupConfig` (bodies.md §6). */
export const SUBSCRIPTION_GROUP_CONFIG_DEFAULTS = {
  consumeEnable: true,
  consumeFromMinEnable: true,
  consumeBroadcastEnable: true,
  retryQueueNums: 1,
  retryMaxTimes: 16,
  brokerId: 0,
  whichBrokerWhenConsumeSlowly: 1,
  notifyConsumerIdsChangedEnable: true,
} as const satisfies SubscriptionGroupSettings;

const JAVA_INT_MIN = -2_147_483_648;
const JAVA_INT_MAX = 2_147_483_647;

/** The fields this broker reads, and those RocketMQ keeps that it checks to fit their Java `int`. */
const GROUP_FIELDS = {
  groupName: z.string().min(1).max(GROUP_NAME_LENGTH_MAX),
  consumeEnable: z.boolean().default(true),
  consumeFromMinEnable: z.boolean().default(true),
  consumeBroadcastEnable: z.boolean().default(true),
  retryQueueNums: z.number().int().min(0).max(QUEUE_NUMS_MAX).default(1),
  retryMaxTimes: z.number().int().max(JAVA_INT_MAX).default(16),
  brokerId: z.number().int().min(0).default(0),
  whichBrokerWhenConsumeSlowly: z.number().int().min(0).default(1),
  notifyConsumerIdsChangedEnable: z.boolean().default(true),
  // RocketMQ fields this broker only keeps
  groupSysFlag: z.number().int().min(JAVA_INT_MIN).max(JAVA_INT_MAX).optional(),
  consumeTimeoutMinute: z.number().int().min(JAVA_INT_MIN).max(JAVA_INT_MAX).optional(),
};

/**
 * Validates a SubscriptionGroupConfig from JSON (an UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body, the
 * HTTP admin's); missing fields take RocketMQ's defaults, unknown ones are kept. The 5.x
 * fields it only keeps are checked against their Java types, so RocketMQ (and fastjson tools)
 * can load the subscriptionGroup.json they are written to.
 */
export const subscriptionGroupConfigSchema: z.ZodType<SubscriptionGroupConfig> = z.looseObject({
  ...GROUP_FIELDS,
  consumeMessageOrderly: z.boolean().optional(), // 5.x
  attributes: z.record(z.string(), z.string()).nullish(), // 5.x Map<String, String>
  groupRetryPolicy: z.looseObject({ // 5.x GroupRetryPolicy
    type: z.enum(["EXPONENTIAL", "CUSTOMIZED"]).nullish(),
    exponentialRetryPolicy: z.looseObject({
      initial: z.number().int().optional(),
      max: z.number().int().optional(),
      multiplier: z.number().int().optional(),
    }).nullish(),
    customizedRetryPolicy: z.looseObject({ next: z.array(z.number().int()).nullish() }).nullish(),
  }).nullish(),
  subscriptionDataSet: z.array(z.looseObject({ // 5.x Set<SimpleSubscriptionData>
    topic: z.string().nullish(),
    expressionType: z.string().nullish(),
    expression: z.string().nullish(),
    version: z.number().int().optional(),
  })).nullish(),
});

/**
 * Reads a group of subscriptionGroup.json: as {@linkcode subscriptionGroupConfigSchema}, but the
 * 5.x fields are kept as they are, so a file an earlier build wrote without checking them loads.
 */
export const subscriptionGroupConfigFileSchema: z.ZodType<SubscriptionGroupConfig> = z
  .looseObject(GROUP_FIELDS);

/**
 * Makes a group config with RocketMQ's defaults for whatever is not given.
 *
 * @param groupName the group
 * @param fields settings that differ from the defaults
 * @returns the config
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSubscriptionGroupConfig } from "./subscription_group_config.ts";
 * assert.equal(createSubscriptionGroupConfig("G1").retryMaxTimes, 16);
 * ```
 */
export function createSubscriptionGroupConfig(
  groupName: string,
  fields: Partial<SubscriptionGroupSettings> & Readonly<Record<string, unknown>> = {},
): SubscriptionGroupConfig {
  return { groupName, ...SUBSCRIPTION_GROUP_CONFIG_DEFAULTS, ...fields };
}

/**
 * @param config a group config
 * @returns the plain object RocketMQ writes: properties in alphabetical order
 */
export function subscriptionGroupConfigToJson(
  config: SubscriptionGroupConfig,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(config).sort()) {
    const value = config[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

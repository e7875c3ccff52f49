/**
 * Consumer group routes of the broker HTTP admin: list groups, create/update and delete a group's
 * settings, and a group's progress per queue with its lag. They call the same operations as
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, DELETE_SUBSCRIPTIONGROUP and GET_CONSUME_STATS.
 *
 * @module
 */
import type { Hono } from "hono";
import { z } from "zod";
import { HttpError, jsonBody, validate } from "./admin_app_support.ts";
import { TOPIC_GROUP_SEPARATOR } from "./consumer_offset_manager.ts";
import type { BrokerAdminContext } from "./processors/admin_context.ts";
import {
  consumeStatsOf,
  deleteSubscriptionGroup,
  updateSubscriptionGroup,
} from "./processors/admin_group_operations.ts";
import { subscriptionGroupConfigToJson } from "./subscription_group_config.ts";

/** Groups with committed offsets, and their topics (from `topic@group` keys). */
function offsetGroups(context: BrokerAdminContext): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const key of context.consumerOffsetManager.offsetTable.keys()) {
    const at = key.lastIndexOf(TOPIC_GROUP_SEPARATOR);
    if (at <= 0) continue;
    const group = key.slice(at + 1);
    const topics = groups.get(group) ?? new Set<string>();
    topics.add(key.slice(0, at));
    groups.set(group, topics);
  }
  return groups;
}

/** One group as `GET /groups` lists it. */
function groupView(
  context: BrokerAdminContext,
  group: string,
  offsetTopics: Set<string> | undefined,
) {
  const config = context.subscriptionGroupManager.getSubscriptionGroupConfig(group);
  const info = context.consumerManager.getConsumerGroupInfo(group);
  return {
    group,
    config: config === undefined ? null : subscriptionGroupConfigToJson(config),
    online: info !== undefined,
    clients: info?.channelCount ?? 0,
    consumeType: info?.consumeType ?? null,
    messageModel: info?.messageModel ?? null,
    subscriptions: info === undefined ? [] : [...info.subscriptionTable.keys()].sort(),
    offsetTopics: [...(offsetTopics ?? [])].sort(),
  };
}

const flag = z.boolean({ error: "expected true or false" }).optional();
/** Java's `int`: what RocketMQ's SubscriptionGroupConfig holds in most of its number fields. */
const JAVA_INT_MAX = 2_147_483_647;
const count = (min: number, max = JAVA_INT_MAX) => {
  const error = `expected an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).optional();
};

/**
 * `POST /groups` body: a SubscriptionGroupConfig of RocketMQ 4.9.8, or 5.x with its extra fields;
 * a field of neither (a typo) is refused. The manager fills the defaults.
 */
/** true when every number inside is finite (JSON.parse reads 1e400 as Infinity; fastjson cannot write it) */
function finiteNumbers(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (value === null || typeof value !== "object") return true;
  return Object.values(value).every(finiteNumbers);
}

/** A JSON object kept as received (5.x fields this broker stores but does not read). */
const keptObject = z.looseObject({}).refine(finiteNumbers, { error: "expected finite numbers" });

const groupConfigSchema = z.strictObject({
  groupName: z.string({ error: "expected a group name" }).min(1, {
    error: "expected a group name",
  }),
  consumeEnable: flag,
  consumeFromMinEnable: flag,
  consumeBroadcastEnable: flag,
  consumeMessageOrderly: flag,
  retryQueueNums: count(0),
  retryMaxTimes: count(-1),
  groupRetryPolicy: keptObject.optional(),
  brokerId: count(0, Number.MAX_SAFE_INTEGER), // Java long
  whichBrokerWhenConsumeSlowly: count(0, Number.MAX_SAFE_INTEGER),
  notifyConsumerIdsChangedEnable: flag,
  groupSysFlag: count(0),
  consumeTimeoutMinute: count(0),
  subscriptionDataSet: z.array(keptObject).optional(),
  attributes: z.record(z.string(), z.string()).optional(),
});

const deleteQuerySchema = z.strictObject({
  removeOffset: z.enum(["true", "false"], { error: "expected true or false" }).optional(),
});

/**
 * Registers `GET /groups`, `POST /groups`, `DELETE /groups/:group` and
 * `GET /groups/:group/progress`.
 *
 * @param app the admin app
 * @param context the broker
 */
export function registerGroupRoutes(app: Hono, context: BrokerAdminContext): void {
  app.get("/groups", (c) => {
    const withOffsets = offsetGroups(context);
    const names = new Set([
      ...context.subscriptionGroupManager.subscriptionGroupTable.keys(),
      ...context.consumerManager.groupNames(),
      ...withOffsets.keys(),
    ]);
    const groups = [...names].sort().map((group) =>
      groupView(context, group, withOffsets.get(group))
    );
    return c.json({ groups });
  });

  app.post("/groups", async (c) => {
    const input = await jsonBody(c, groupConfigSchema);
    const created =
      context.subscriptionGroupManager.getSubscriptionGroupConfig(input.groupName) === undefined;
    const stored = await updateSubscriptionGroup(context, input);
    return c.json({ created, config: subscriptionGroupConfigToJson(stored) }, created ? 201 : 200);
  });

  app.delete("/groups/:group", async (c) => {
    const group = c.req.param("group");
    const query = validate(deleteQuerySchema, c.req.query(), "query");
    const removeOffset = query.removeOffset === "true";
    // A group whose settings went earlier still has offsets to remove (as the wire command can).
    const offsets = removeOffset &&
      context.consumerOffsetManager.whichTopicByConsumer(group).size > 0;
    if (
      context.subscriptionGroupManager.getSubscriptionGroupConfig(group) === undefined && !offsets
    ) {
      throw new HttpError(404, `Subscription group ${group} does not exist`, { group });
    }
    await deleteSubscriptionGroup(context, group, removeOffset);
    return c.json({ deleted: group, removedOffsets: removeOffset });
  });

  app.get("/groups/:group/progress", async (c) => {
    const group = c.req.param("group");
    const topic = c.req.query("topic");
    const known =
      context.subscriptionGroupManager.getSubscriptionGroupConfig(group) !== undefined ||
      context.consumerManager.getConsumerGroupInfo(group) !== undefined ||
      context.consumerOffsetManager.whichTopicByConsumer(group).size > 0;
    if (!known) {
      throw new HttpError(404, `Consumer group ${group} is unknown to this broker`, { group });
    }
    if (topic !== undefined && context.topicConfigManager.selectTopicConfig(topic) === undefined) {
      throw new HttpError(404, `topic[${topic}] not exist`, { topic });
    }
    const stats = await consumeStatsOf(context, group, topic);
    const queues = stats.offsetTable.map(([mq, o]) => ({
      topic: mq.topic,
      queueId: mq.queueId,
      brokerOffset: o.brokerOffset,
      consumerOffset: o.consumerOffset,
      lag: Math.max(0, o.brokerOffset - o.consumerOffset),
      lastTimestamp: o.lastTimestamp,
    }));
    const lag = queues.reduce((sum, q) => sum + q.lag, 0);
    return c.json({ group, consumeTps: stats.consumeTps, lag, queues });
  });
}

/**
 * Topic routes of the broker HTTP admin: list, create or update, delete, per-queue stats. They call
 * the same operations as UPDATE_AND_CREATE_TOPIC, DELETE_TOPIC_IN_BROKER and GET_TOPIC_STATS_INFO.
 *
 * @module
 */
import type { Hono } from "hono";
import { z } from "zod";
import { HttpError, intBetween, jsonBody } from "./admin_app_support.ts";
import { QUEUE_NUMS_MAX } from "./limits.ts";
import type { BrokerAdminContext } from "./processors/admin_context.ts";
import {
  createOrUpdateTopic,
  deleteTopic,
  topicNotExistRemark,
  topicStatsOf,
} from "./processors/admin_topic_operations.ts";
import { topicConfigToJson } from "./topic_config.ts";
import { validateTopic } from "./topic_validator.ts";

const topicName = z.string({ error: "expected a topic name" }).check((ctx) => {
  const failure = validateTopic(ctx.value);
  if (failure !== null) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `expected 1 to 127 characters of [%|a-zA-Z0-9_-] (${failure.remark})`,
    });
  }
});

/** `POST /topics` body; defaults are mqadmin updateTopic's (8 queues, perm 6). */
const createTopicSchema = z.strictObject({
  topic: topicName,
  readQueueNums: intBetween(1, QUEUE_NUMS_MAX).default(8),
  writeQueueNums: intBetween(1, QUEUE_NUMS_MAX).default(8),
  perm: intBetween(0, 7).default(6),
  topicFilterType: z.enum(["SINGLE_TAG", "MULTI_TAG"], {
    error: "expected SINGLE_TAG or MULTI_TAG",
  })
    .default("SINGLE_TAG"),
  topicSysFlag: intBetween(0, 3).default(0),
  order: z.boolean({ error: "expected true or false" }).default(false),
});

/**
 * @param context the broker
 * @param topic a topic from the path
 * @returns the topic, when the broker has it
 * @throws {HttpError} 404 `topic[T] not exist`
 */
export function requireTopic(context: BrokerAdminContext, topic: string): string {
  if (context.topicConfigManager.selectTopicConfig(topic) === undefined) {
    throw new HttpError(404, topicNotExistRemark(topic), { topic });
  }
  return topic;
}

/**
 * Registers `GET /topics`, `POST /topics`, `GET /topics/:topic`, `DELETE /topics/:topic` and
 * `GET /topics/:topic/stats`.
 *
 * @param app the admin app
 * @param context the broker
 */
export function registerTopicRoutes(app: Hono, context: BrokerAdminContext): void {
  const manager = context.topicConfigManager;

  app.get("/topics", (c) => {
    const topics = [...manager.topicConfigTable.values()]
      .sort((a, b) => (a.topicName < b.topicName ? -1 : a.topicName > b.topicName ? 1 : 0))
      .map((config) => ({
        ...topicConfigToJson(config),
        system: manager.isSystemTopic(config.topicName),
      }));
    return c.json({ topics });
  });

  app.post("/topics", async (c) => {
    const input = await jsonBody(c, createTopicSchema);
    const created = manager.selectTopicConfig(input.topic) === undefined;
    const stored = await createOrUpdateTopic(context, input);
    return c.json({ created, topicConfig: topicConfigToJson(stored) }, created ? 201 : 200);
  });

  app.delete("/topics/:topic", async (c) => {
    const topic = requireTopic(context, c.req.param("topic"));
    await deleteTopic(context, topic);
    return c.json({ deleted: topic });
  });

  app.get("/topics/:topic/stats", async (c) => {
    const topic = requireTopic(context, c.req.param("topic"));
    const table = await topicStatsOf(context, topic);
    const queues = table.map(([mq, offsets]) => ({ queueId: mq.queueId, ...offsets }));
    const messages = queues.reduce((sum, q) => sum + (q.maxOffset - q.minOffset), 0);
    return c.json({
      topic,
      brokerName: context.configuration.config.brokerName,
      messages,
      queues,
    });
  });

  app.get("/topics/:topic", (c) => {
    const topic = requireTopic(context, c.req.param("topic"));
    const config = manager.selectTopicConfig(topic);
    return c.json({
      topicConfig: config === undefined ? null : topicConfigToJson(config),
      system: manager.isSystemTopic(topic),
    });
  });
}

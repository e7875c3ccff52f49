/**
 * The client builds TAG subscriptions as RocketMQ's FilterAPI does (found by helper-127): an
 * expression made only of `||` is refused at subscribe, where a Java client throws "subscription
 * exception" (before, the group's offsets walked past every message, none delivered), and tags
 * are trimmed as Java trims, so a tag ending in a full-width space still gets its messages.
 */

import assert from "node:assert/strict";
import {
  Signal,
  testPullConsumer,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import { MQClientError } from "./client_error.ts";
import { buildSubscriptionData } from "./heartbeat_data.ts";
import { computeTagsCode } from "../store/message_properties.ts";

Deno.test("PushConsumer and PullConsumer refuse a TAG expression made only of ||", () => {
  const push = testPushConsumer("127.0.0.1:1", { consumerGroup: "CG_BARS" });
  const pull = testPullConsumer("127.0.0.1:1", { consumerGroup: "CG_BARS" });
  const assigning = testPullConsumer("127.0.0.1:1", { consumerGroup: "CG_BARS" });
  for (const expression of ["||", "||||"]) {
    assert.throws(() => push.subscribe("TopicBars", expression), MQClientError);
    assert.throws(() => pull.subscribe("TopicBars", expression), MQClientError);
    assert.throws(
      () => assigning.setSubExpressionForAssign("TopicBars", expression),
      MQClientError,
    );
  }
  assert.deepEqual(buildSubscriptionData("T", "|| TagA").tagsSet, ["TagA"]);
});

Deno.test("buildSubscriptionData keeps the Unicode spaces Java's trim keeps, and hashes the tag with them", () => {
  const sub = buildSubscriptionData("T", " 订单\u3000 || TagA\u00a0|| \t", { subVersion: 1 });
  assert.deepEqual(sub.tagsSet, ["订单\u3000", "TagA\u00a0"]);
  assert.deepEqual(sub.codeSet, [computeTagsCode("订单\u3000"), computeTagsCode("TagA\u00a0")]);
});

Deno.test("PushConsumer subscribed to a tag ending in a full-width space receives its messages", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicFullWidth";
    await t.createTopic(topic, 1);
    const tag = "订单\u3000";
    const bodies: string[] = [];
    const arrived = new Signal();
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: "CG_FULL_WIDTH",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    });
    consumer.subscribe(topic, tag);
    consumer.registerMessageListener((messages) => {
      for (const message of messages) bodies.push(message.bodyText);
      arrived.fire();
      return "CONSUME_SUCCESS";
    });
    try {
      await t.producer.send({ topic, body: "other", tags: "订单" });
      await t.producer.send({ topic, body: "mine", tags: tag });
      await consumer.start();
      await waitUntil("the tagged message", () => bodies.includes("mine"), arrived.subscribe);
      assert.deepEqual(bodies, ["mine"]);
    } finally {
      await consumer.shutdown();
    }
  });
});

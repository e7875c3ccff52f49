import assert from "node:assert/strict";
import {
  onAssignmentChange,
  Signal,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import type { MessageExt } from "./message.ts";

// Short delay levels, so a retry (level 3 + reconsumeTimes) comes back within a second once the
// broker delays retries.
const FAST_DELAYS = { messageDelayLevel: Array.from({ length: 18 }, () => "1s").join(" ") };

Deno.test("PushConsumer: RECONSUME_LATER brings the message back through the group's retry topic", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicRetry";
    await t.createTopic(topic, 2);
    const deliveries: MessageExt[] = [];
    const arrived = new Signal();
    const assigned = new Signal();
    const c = testPushConsumer(t.namesrvAddr, { consumerGroup: "CG_RETRY" });
    c.subscribe(topic, "*");
    c.registerMessageListener((msgs) => {
      deliveries.push(...msgs);
      arrived.fire();
      return msgs[0].bodyText === "fail-once" && msgs[0].reconsumeTimes === 0
        ? "RECONSUME_LATER"
        : "CONSUME_SUCCESS";
    });
    const stop = onAssignmentChange([c], assigned);
    try {
      await c.start();
      await waitUntil(
        "the topic's queues and the retry queue",
        () =>
          c.assignedQueues(topic).length === 2 && c.assignedQueues("%RETRY%CG_RETRY").length === 1,
        assigned.subscribe,
      );
      await t.producer.send({ topic, body: "ok" });
      const sent = await t.producer.send({ topic, body: "fail-once", tags: "TagR", keys: "k1" });
      await waitUntil(
        "the retried delivery",
        () => deliveries.filter((m) => m.bodyText === "fail-once").length === 2,
        arrived.subscribe,
      );
      const [first, again] = deliveries.filter((m) => m.bodyText === "fail-once");
      assert.equal(first.reconsumeTimes, 0);
      assert.equal(again.reconsumeTimes, 1);
      assert.equal(again.topic, topic, "shown under its original topic");
      assert.equal(again.properties.get("RETRY_TOPIC"), topic);
      assert.equal(again.tags, "TagR");
      assert.equal(again.keys, "k1");
      assert.equal(again.msgId, sent.msgId, "the unique id survives the retry");
      assert.equal(deliveries.filter((m) => m.bodyText === "ok").length, 1);
    } finally {
      stop();
      await c.shutdown();
    }
  }, FAST_DELAYS);
});

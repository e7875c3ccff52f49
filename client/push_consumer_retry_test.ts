import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import {
  onAssignmentChange,
  Signal,
  testPushConsumer,
  testPushConsumerOptions,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import type { MessageExt } from "./message.ts";
import { PushConsumer } from "./push_consumer.ts";

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

/** A push consumer whose consumeTimeout sweep a test can run now, instead of every N minutes. */
class SweepablePushConsumer extends PushConsumer {
  sweep(): Promise<number> {
    return this.engine!.cleanExpiredMessages();
  }
}

Deno.test("PushConsumer sends back a message its listener held past consumeTimeout", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicHung";
    await t.createTopic(topic, 1);
    const clock = new ManualClock(Date.now());
    const calls: MessageExt[] = [];
    const called = new Signal();
    const hang = Promise.withResolvers<void>();
    const c = new SweepablePushConsumer(
      testPushConsumerOptions(t.namesrvAddr, {
        consumerGroup: "CG_HUNG",
        consumeTimeout: 1,
        clock,
      }),
    );
    c.subscribe(topic, "*");
    c.registerMessageListener(async (msgs) => {
      calls.push(...msgs);
      called.fire();
      if (msgs[0].reconsumeTimes === 0) await hang.promise; // a listener that never returns
      return "CONSUME_SUCCESS" as const;
    });
    const assigned = new Signal();
    const stop = onAssignmentChange([c], assigned);
    try {
      await c.start();
      await waitUntil("the queue", () => c.assignedQueues(topic).length === 1, assigned.subscribe);
      await t.producer.send({ topic, body: "stuck" });
      await waitUntil("the listener has it", () => calls.length === 1, called.subscribe);
      const offset = () => [...c.offsets(topic).values()].at(0) ?? -1; // one queue
      assert.equal(await c.sweep(), 0, "not yet a minute");
      assert.notEqual(offset(), 1, "the offset waits for the listener");
      clock.advance(60_001);
      assert.equal(await c.sweep(), 1, "sent back");
      assert.equal(offset(), 1, "the offset no longer waits for it");
      await waitUntil("it comes back", () => calls.length === 2, called.subscribe);
      assert.deepEqual(
        [calls[1].bodyText, calls[1].reconsumeTimes],
        ["stuck", 1],
        "through the group's retry topic",
      );
      assert.equal(await c.sweep(), 0, "nothing else is expired");
    } finally {
      hang.resolve();
      stop();
      await c.shutdown();
    }
  }, FAST_DELAYS);
});

function offsetOf(consumer: PushConsumer, topic: string): number | undefined {
  return [...consumer.offsets(topic).values()][0];
}

// Found by helper-134: the listener got the array the result is settled with; draining it kept
// the messages in the process queue, so the offset never moved and flow control stopped pulls.
Deno.test("PushConsumer: a listener that drains its msgs array still commits and keeps pulling", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicShift";
    await t.createTopic(topic, 1);
    const seen: string[] = [];
    const arrived = new Signal();
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: "CG_SHIFT",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      pullBatchSize: 2,
      pullThresholdForQueue: 4,
    });
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener((messages) => {
      for (let m = messages.shift(); m !== undefined; m = messages.shift()) seen.push(m.bodyText);
      setTimeout(() => arrived.fire(), 0); // look again once the result is settled
      return "CONSUME_SUCCESS";
    });
    for (let i = 0; i < 20; i++) await t.producer.send({ topic, body: `m-${i}` });
    try {
      await consumer.start();
      await waitUntil(
        "20 consumed and committed",
        () => seen.length === 20 && offsetOf(consumer, topic) === 20,
        arrived.subscribe,
      );
    } finally {
      await consumer.shutdown();
    }
  });
});

// Found by helper-134: 1.5 read msgs[2.5] (undefined) and threw, so nothing was settled and the
// queue stopped; NaN acknowledged the whole batch, failures included.
Deno.test("PushConsumer: an ackIndex that is not a whole number is taken down (1.5 acknowledges two of three)", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicAckFraction";
    await t.createTopic(topic, 1);
    const deliveries: string[] = [];
    const arrived = new Signal();
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: "CG_ACK_FRACTION",
      consumeMessageBatchMaxSize: 3,
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    });
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener((messages, context) => {
      for (const m of messages) deliveries.push(`${m.bodyText}#${m.reconsumeTimes}`);
      setTimeout(() => arrived.fire(), 0); // look again once the result is settled
      if (messages.length === 3) context.ackIndex = messages.length / 2;
      return "CONSUME_SUCCESS";
    });
    for (let i = 0; i < 3; i++) await t.producer.send({ topic, body: `m-${i}` });
    try {
      await consumer.start();
      await waitUntil(
        "m-2 again and offset 3",
        () => deliveries.includes("m-2#1") && offsetOf(consumer, topic) === 3,
        arrived.subscribe,
      );
      assert.deepEqual(deliveries.slice(0, 3), ["m-0#0", "m-1#0", "m-2#0"]);
      assert.ok(!deliveries.includes("m-1#1"), `only m-2 comes back: ${deliveries}`);
    } finally {
      await consumer.shutdown();
    }
  }, FAST_DELAYS);
});

/**
 * A reset by time (mqadmin resetOffsetByTime) that reaches a push consumer whose long poll is
 * parked at the broker: that pull answers NO_NEW_MSG later, at the offset from before the reset,
 * and its answer must not move the reset queue's offset back there. Found by helper-129.
 */

import assert from "node:assert/strict";
import {
  type ConsumerTestEnv,
  Signal,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import type { PushConsumer } from "./push_consumer.ts";

const MESSAGES = 20;

/**
 * Consumes MESSAGES messages of a one-queue topic, commits offset MESSAGES, lets the next pull
 * park, resets the group to offset 0, and waits until the pull parked before the reset has been
 * answered and the one after it parked (the broker's hold time is 1.5 s). The listener holds
 * every replayed message until `release` is called.
 * @returns the consumer (started) and what it was handed
 */
async function resetWhileParked(t: ConsumerTestEnv, topic: string, group: string) {
  await t.createTopic(topic, 1);
  for (let i = 0; i < MESSAGES; i++) await t.producer.send({ topic, body: `m-${i}` });
  const { holdService, consumerOffsetManager } = t.env.broker;
  // Counts the topic's parked pulls; the real hold service still parks them.
  const parked = new Signal();
  let parks = 0;
  const suspend = holdService.suspend.bind(holdService);
  holdService.suspend = (options) => {
    if (options.topic === topic) parks++;
    parked.fire();
    return suspend(options);
  };
  let replaying = false;
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const bodies: string[] = [];
  const arrived = new Signal();
  const consumer = testPushConsumer(t.namesrvAddr, {
    consumerGroup: group,
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    brokerSuspendMaxTimeMillis: 1500,
    persistConsumerOffsetInterval: 60_000,
    awaitTerminationMillisWhenShutdown: 100,
  });
  consumer.subscribe(topic, "*");
  consumer.registerMessageListener(async (messages) => {
    for (const message of messages) bodies.push(message.bodyText);
    arrived.fire();
    if (replaying) await gate;
    return "CONSUME_SUCCESS" as const;
  });
  await consumer.start();
  const anyChange = (changed: () => void) => {
    const removers = [arrived.subscribe(changed), parked.subscribe(changed)];
    return () => removers.forEach((remove) => remove());
  };
  await waitUntil("all consumed", () => offsetOf(consumer, topic) === MESSAGES, anyChange);
  await consumer.persistConsumerOffset();
  await waitUntil(
    `offset ${MESSAGES} on the broker`,
    () => consumerOffsetManager.queryOffset(group, topic, 0) === MESSAGES,
    parked.subscribe,
  );
  await holdService.waitForParked(1, 10_000);
  replaying = true;
  const reset = await t.admin.resetOffsetByTime({ group, topic, timestamp: 0, force: true });
  assert.ok(reset.online);
  await waitUntil("the replay", () => bodies.length > MESSAGES, arrived.subscribe);
  // The new queue pulls from 0, then parks at the end; the pull parked before the reset times
  // out first and is answered; the new one times out next and parks again.
  const parksAtReset = parks;
  await waitUntil("two more parks", () => parks >= parksAtReset + 2, parked.subscribe, 15_000);
  return { consumer, bodies, release };
}

function offsetOf(consumer: PushConsumer, topic: string): number | undefined {
  return [...consumer.offsets(topic).values()][0];
}

Deno.test("PushConsumer keeps a reset offset when the pull parked before the reset answers", async () => {
  await withConsumerTestEnv(async (t) => {
    const [topic, group] = ["TopicResetParked", "CG_RESET_PARKED"];
    const { consumer, release } = await resetWhileParked(t, topic, group);
    try {
      // Message 0 of the replay is still in the listener.
      assert.equal(offsetOf(consumer, topic), 0, "the consumer's offset");
      const committed = t.env.broker.consumerOffsetManager.queryOffset(group, topic, 0);
      assert.equal(committed, 0, "the broker's committed offset");
    } finally {
      release();
      await consumer.shutdown();
    }
  });
});

Deno.test("PushConsumer stopped during the replay of a reset: the next one resumes the replay", async () => {
  await withConsumerTestEnv(async (t) => {
    const [topic, group] = ["TopicResetRestart", "CG_RESET_RESTART"];
    const first = await resetWhileParked(t, topic, group);
    // The application stops while the replayed messages are still being worked on (a deploy;
    // the listener outlives awaitTerminationMillisWhenShutdown).
    await first.consumer.shutdown();
    first.release();
    const bodies: string[] = [];
    const arrived = new Signal();
    const second = testPushConsumer(t.namesrvAddr, {
      consumerGroup: group,
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    });
    second.subscribe(topic, "*");
    second.registerMessageListener((messages) => {
      for (const message of messages) bodies.push(message.bodyText);
      arrived.fire();
      return "CONSUME_SUCCESS";
    });
    await second.start();
    try {
      await t.producer.send({ topic, body: `m-${MESSAGES}` });
      await waitUntil("the new message", () => bodies.includes(`m-${MESSAGES}`), arrived.subscribe);
      assert.ok(
        bodies.includes(`m-${MESSAGES - 1}`),
        `the replay resumes after the restart; got ${JSON.stringify(bodies)}`,
      );
    } finally {
      await second.shutdown();
    }
  });
});

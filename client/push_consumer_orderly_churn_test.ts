/**
 * Orderly consumption while the group changes (helper-126's review): three instances join and
 * leave while a producer sends sharded messages and some listener calls outlast the 500 ms a
 * dropped queue waits for its running call. Never two listener calls on one queue at once, and
 * within a queue no offset delivered past the highest one so far plus one. Without the wait for
 * the running call before the unlock, this fails in about half the runs ("q2: C while B").
 */

import assert from "node:assert/strict";
import {
  onAssignmentChange,
  Signal,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import type { MessageListenerOrderly } from "./consumer/message_listener.ts";
import type { PushConsumer } from "./push_consumer.ts";

Deno.test("PushConsumer orderly: members join and leave mid-stream; never two calls on one queue, no gaps", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicOrderChurn";
    const group = "CG_ORDER_CHURN";
    const QUEUES = 4;
    const TOTAL = 600;
    await t.createTopic(topic, QUEUES);
    const active = new Map<number, string>();
    const violations: string[] = [];
    const log = new Map<number, { who: string; offsets: number[] }[]>();
    const consumed = new Set<string>();
    const arrived = new Signal();
    const listenerFor = (who: string): MessageListenerOrderly => async (msgs, ctx) => {
      const q = ctx.messageQueue.queueId;
      const other = active.get(q);
      if (other !== undefined) violations.push(`q${q}: ${who} while ${other}`);
      active.set(q, who);
      try {
        // The work: some calls outlast the 500 ms a dropped queue waits for its running call.
        await new Promise((r) => setTimeout(r, msgs[0].queueOffset % 37 === 5 ? 900 : 3));
        const list = log.get(q) ?? [];
        list.push({ who, offsets: msgs.map((m) => m.queueOffset) });
        log.set(q, list);
        for (const m of msgs) consumed.add(m.bodyText);
        arrived.fire();
        return "SUCCESS" as const;
      } finally {
        if (active.get(q) === who) active.delete(q);
      }
    };
    const make = (who: string): PushConsumer => {
      const c = testPushConsumer(t.namesrvAddr, {
        consumerGroup: group,
        instanceName: who,
      });
      c.subscribe(topic, "*");
      c.registerOrderlyListener(listenerFor(who));
      return c;
    };
    const assigned = new Signal();
    const a = make("A");
    const b = make("B");
    const c = make("C");
    const stop = onAssignmentChange([a, b, c], assigned);
    const sender = (async () => {
      for (let i = 0; i < TOTAL; i++) {
        await t.producer.send({ topic, body: `k${i % 8}:${i}` }, { shardingKey: `k${i % 8}` });
      }
    })();
    try {
      await a.start();
      await waitUntil("50 consumed", () => consumed.size >= 50, arrived.subscribe, 20_000);
      await b.start();
      await waitUntil(
        "b holds",
        () => b.assignedQueues(topic).length > 0,
        assigned.subscribe,
        20_000,
      );
      await waitUntil("150 consumed", () => consumed.size >= 150, arrived.subscribe, 20_000);
      await c.start();
      await a.shutdown();
      await sender;
      await waitUntil(`${TOTAL} consumed`, () => consumed.size >= TOTAL, arrived.subscribe, 30_000);
    } finally {
      stop();
      await Promise.all([b.shutdown(), c.shutdown(), a.shutdown()]);
    }
    // Per queue, never a gap: no offset past everything delivered before it + 1.
    for (const [q, list] of log) {
      let max = -1;
      for (const { who, offsets } of list) {
        for (const o of offsets) {
          if (o > max + 1) violations.push(`q${q}: ${who} skipped to ${o} after ${max}`);
          max = Math.max(max, o);
        }
      }
    }
    assert.deepEqual(violations, []);
  });
});

import assert from "node:assert/strict";
import {
  Signal,
  testPullConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import { MQClientError } from "./client_error.ts";
import type { MessageExt } from "./message.ts";
import { NOT_RUNNING_EXCEPTION_MESSAGE, type PullConsumer } from "./pull_consumer.ts";

const BROKER = "broker-test";

/** Polls until `count` messages came (each poll waits for the broker; no sleeps). */
async function pollCount(
  consumer: PullConsumer,
  count: number,
  rounds = 40,
): Promise<MessageExt[]> {
  const out: MessageExt[] = [];
  for (let round = 0; out.length < count; round++) {
    if (round >= rounds) throw new Error(`Polled ${out.length} of ${count} messages`);
    out.push(...await consumer.poll({ timeoutMs: 2000 }));
  }
  return out;
}

Deno.test("PullConsumer assign: poll, commit, seek and committed offsets", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicPull";
    await t.createTopic(topic, 2);
    const q0 = { topic, brokerName: BROKER, queueId: 0 };
    const q1 = { topic, brokerName: BROKER, queueId: 1 };
    for (let i = 0; i < 10; i++) {
      await t.producer.send({ topic, body: `p-${i}` }, { messageQueue: q0 });
    }
    await t.producer.send({ topic, body: "other" }, { messageQueue: q1 });
    const c = testPullConsumer(t.namesrvAddr, {
      consumerGroup: "CG_PULL",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      autoCommit: false,
      pullBatchSize: 4,
    });
    await assert.rejects(c.poll(), { message: NOT_RUNNING_EXCEPTION_MESSAGE });
    c.assign([q0]);
    assert.throws(() => c.subscribe(topic), /Subscribe and assign are mutually exclusive/);
    await c.start();
    try {
      assert.deepEqual(c.assignment(), [q0]);
      assert.deepEqual((await c.fetchMessageQueues(topic)).map((mq) => mq.queueId), [0, 1]);
      const first = await pollCount(c, 10);
      assert.deepEqual(
        first.map((m) => m.bodyText),
        Array.from({ length: 10 }, (_, i) => `p-${i}`),
      );
      assert.deepEqual(first.map((m) => m.queueOffset), Array.from({ length: 10 }, (_, i) => i));
      assert.ok(
        first.every((m) => m.topic === topic && m.queueId === 0 && m.brokerName === BROKER),
      );
      assert.equal(await c.committed(q0), 0, "nothing committed before commit()");
      await c.commit();
      assert.equal(await c.committed(q0), 10);
      const onBroker = await t.admin.api.queryConsumerOffset(
        t.env.address,
        { consumerGroup: "CG_PULL", topic, queueId: 0 },
        3000,
      );
      assert.equal(onBroker, 10, "commit() persisted to the broker");

      await c.seek(q0, 3);
      const again = await pollCount(c, 7);
      assert.deepEqual(again.map((m) => m.queueOffset), [3, 4, 5, 6, 7, 8, 9]);
      await c.seekToBegin(q0);
      assert.equal((await pollCount(c, 1))[0].queueOffset, 0);
      await c.seekToEnd(q0);
      assert.deepEqual(await c.poll({ timeoutMs: 50 }), [], "nothing after the end");
      await assert.rejects(c.seek(q0, 11), (error: unknown) => {
        assert.ok(error instanceof MQClientError);
        assert.match(
          error.message,
          /^Seek offset illegal, seek offset = 11, min offset = 0, max offset = 10/,
        );
        return true;
      });
      for (const offset of [Number.NaN, 1.5]) {
        // Found by helper-130: accepted, then ignored (the pull could not encode it).
        await assert.rejects(c.seek(q0, offset), /^MQClientError: Seek offset illegal/);
      }
      await assert.rejects(
        c.seek(q1, 0),
        /The message queue is not in assigned list, message queue: MessageQueue \[topic=TopicPull, brokerName=broker-test, queueId=1\]/,
      );
      const aborted = new AbortController();
      const waiting = c.poll({ timeoutMs: 60_000, signal: aborted.signal });
      aborted.abort();
      assert.deepEqual(await waiting, [], "an aborted poll returns at once");
    } finally {
      await c.shutdown();
    }
    assert.throws(() => c.pause([q0]), { message: NOT_RUNNING_EXCEPTION_MESSAGE });
  });
});

Deno.test("PullConsumer subscribe: two members split the queues and iterate every message once", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicIter";
    await t.createTopic(topic, 4);
    const assigned = new Signal();
    const consumers = [0, 1].map(() => {
      const c = testPullConsumer(t.namesrvAddr, {
        consumerGroup: "CG_ITER",
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        pollTimeoutMillis: 200,
      });
      c.subscribe(topic, "TagA || TagB");
      c.on("messageQueueChanged", () => assigned.fire());
      return c;
    });
    try {
      for (const c of consumers) await c.start();
      await waitUntil(
        "2 queues each",
        () => consumers.every((c) => c.assignment().length === 2),
        assigned.subscribe,
      );
      const total = 40;
      for (let i = 0; i < total; i++) {
        await t.producer.send({ topic, body: `i-${i}`, tags: i % 2 === 0 ? "TagA" : "TagC" });
        await t.producer.send({ topic, body: `j-${i}`, tags: "TagB" });
      }
      const wanted = total / 2 + total;
      const got: string[][] = [[], []];
      const done = () => got[0].length + got[1].length >= wanted;
      const loops = consumers.map(async (c, i) => {
        for await (const msg of c) {
          assert.notEqual(msg.tags, "TagC", "the client re-checks tags");
          got[i].push(msg.bodyText);
          if (done()) break;
        }
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, 10_000));
      await Promise.race([Promise.race(loops), deadline]);
      clearTimeout(timer);
      assert.ok(done(), `all ${wanted} messages iterated (got ${got[0].length + got[1].length})`);
      await Promise.all(consumers.map((c) => c.commit()));
      // shutting down ends the other member's iteration
      await Promise.all(consumers.map((c) => c.shutdown()));
      await Promise.all(loops);
      const all = [...got[0], ...got[1]];
      assert.equal(all.length, wanted);
      assert.equal(new Set(all).size, wanted, "no duplicates");
      assert.ok(got.every((g) => g.length > 0), "both members consumed");
    } finally {
      await Promise.all(consumers.map((c) => c.shutdown()));
    }
  });
});

Deno.test("PullConsumer unsubscribe then subscribe again goes on consuming the topic", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicResub";
    await t.createTopic(topic, 2);
    const assigned = new Signal();
    const c = testPullConsumer(t.namesrvAddr, {
      consumerGroup: "CG_RESUB",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    });
    c.subscribe(topic, "*");
    c.on("messageQueueChanged", () => assigned.fire());
    await c.start();
    try {
      await waitUntil("2 queues", () => c.assignment().length === 2, assigned.subscribe);
      c.unsubscribe(topic);
      c.subscribe(topic, "*");
      await waitUntil("2 queues again", () => c.assignment().length === 2, assigned.subscribe);
      for (let i = 0; i < 4; i++) await t.producer.send({ topic, body: `m-${i}` });
      const got: MessageExt[] = [];
      for (let round = 0; round < 20 && got.length < 4; round++) {
        got.push(...await c.poll({ timeoutMs: 500 }));
      }
      assert.deepEqual(got.map((m) => m.bodyText).sort(), ["m-0", "m-1", "m-2", "m-3"]);
    } finally {
      await c.shutdown();
    }
  });
});

// Found by helper-130: an unsubscribe landing while a rebalance run is under way, after the run
// took the topic into its list, left a state with a dropped cache behind; a later subscribe
// assigned the queue again but never pulled it.
Deno.test("PullConsumer subscribe again after an unsubscribe that raced a rebalance run consumes the topic", async () => {
  await withConsumerTestEnv(async (t) => {
    const [first, raced] = ["TopicRaceFirst", "TopicRaced"];
    await t.createTopic(first, 1);
    await t.createTopic(raced, 1);
    const c = testPullConsumer(t.namesrvAddr, {
      consumerGroup: "CG_RACE",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    });
    const changed = new Signal();
    let racedAssigned = 0;
    c.on("messageQueueChanged", (topic) => {
      // The run handles `first` before `raced`: this lands inside the run, deterministically.
      if (topic === first && racedAssigned === 0) c.unsubscribe(raced);
      if (topic === raced) racedAssigned++;
      changed.fire();
    });
    c.subscribe(first);
    c.subscribe(raced);
    await c.start();
    try {
      await waitUntil(
        "the run to assign the raced topic",
        () => racedAssigned > 0,
        changed.subscribe,
      );
      await c.doRebalance(); // the raced topic is no longer subscribed: its queue is truncated
      c.subscribe(raced);
      await c.doRebalance();
      assert.equal(racedAssigned, 2, "assigned again");
      await t.producer.send({ topic: raced, body: "after-resubscribe" });
      const got: MessageExt[] = [];
      for (let i = 0; i < 20 && got.length === 0; i++) {
        got.push(...await c.poll({ timeoutMs: 500 }));
      }
      assert.deepEqual(got.map((m) => m.bodyText), ["after-resubscribe"]);
    } finally {
      await c.shutdown();
    }
  });
});

Deno.test("PullConsumer iteration left in the middle of a batch gives the rest again and commits only what it handed out", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicIterBreak";
    await t.createTopic(topic, 1);
    const q0 = { topic, brokerName: BROKER, queueId: 0 };
    for (let i = 0; i < 10; i++) {
      await t.producer.send({ topic, body: `m-${i}` }, { messageQueue: q0 });
    }
    const c = testPullConsumer(t.namesrvAddr, {
      consumerGroup: "CG_ITER_BREAK",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      autoCommit: false,
      pullBatchSize: 10,
      pollTimeoutMillis: 2000,
    });
    c.assign([q0]);
    await c.start();
    try {
      const seen: number[] = [];
      for await (const msg of c) { // the class's own example: stop at some message, then commit
        seen.push(msg.queueOffset);
        if (msg.bodyText === "m-2") break;
      }
      assert.deepEqual(seen, [0, 1, 2]);
      await c.commit();
      assert.equal(await c.committed(q0), 3, "only the 3 messages the loop was handed");
      const rest: number[] = [];
      for (let polls = 0; polls < 10 && rest.length < 7; polls++) { // each poll waits ≤ 2 s
        rest.push(...(await c.poll()).map((m) => m.queueOffset));
      }
      assert.deepEqual(rest, [3, 4, 5, 6, 7, 8, 9], "the rest of the batch comes next");
      await assert.rejects(c.poll({ timeoutMs: -1 }), /^RangeError: Timeout must not be negative/);
      await assert.rejects(c.poll({ timeoutMs: NaN }), /Timeout must be ms, got NaN/);
    } finally {
      await c.shutdown();
    }
  });
});

Deno.test("PullConsumer shutdown() during start() waits for the start, then stops the consumer", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicPullStopEarly";
    await t.createTopic(topic, 2);
    const c = testPullConsumer(t.namesrvAddr, { consumerGroup: "CG_PULL_STOP_EARLY" });
    c.subscribe(topic, "*");
    const starting = c.start();
    await c.shutdown();
    await starting;
    assert.equal(c.state, "SHUTDOWN_ALREADY");
    await assert.rejects(
      c.poll({ timeoutMs: 100 }),
      (e: Error) => e.message.includes(NOT_RUNNING_EXCEPTION_MESSAGE),
    );
  });
});

/** A clock the test can move forward (drives the auto-commit deadline only). */
function skewClock() {
  let skew = 0;
  return {
    now: () => Date.now() + skew,
    advance(ms: number) {
      skew += ms;
    },
  };
}

Deno.test("PullConsumer: a queue assigned again resumes at the offset committed in memory (RocketMQ memory first)", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicReassign";
    await t.createTopic(topic, 2);
    const q0 = { topic, brokerName: BROKER, queueId: 0 };
    const q1 = { topic, brokerName: BROKER, queueId: 1 };
    for (let i = 0; i < 8; i++) {
      await t.producer.send({ topic, body: `m-${i}` }, { messageQueue: q0 });
    }
    const clock = skewClock();
    const c = testPullConsumer(t.namesrvAddr, {
      consumerGroup: "CG_REASSIGN",
      // RocketMQ's lite pull default
      consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
      autoCommit: true,
      pullBatchSize: 2,
      persistConsumerOffsetInterval: 600_000,
      clock,
    });
    c.assign([q0]);
    await c.start();
    try {
      await c.seek(q0, 0); // start at 0 whatever LAST_OFFSET chose
      const first = await c.poll({ timeoutMs: 3000 });
      assert.deepEqual(first.map((m) => m.queueOffset), [0, 1]);
      clock.advance(10_000); // the auto-commit interval has passed
      const second = await c.poll({ timeoutMs: 3000 }); // auto-commits 2, then hands out 2, 3
      assert.deepEqual(second.map((m) => m.queueOffset), [2, 3]);
      assert.equal(await c.committed(q0), 2, "auto-commit stored 2 in memory");

      c.assign([q1]);
      c.assign([q0]);
      const after: MessageExt[] = [];
      for (let i = 0; i < 5 && after.length === 0; i++) {
        after.push(...await c.poll({ timeoutMs: 500 }));
      }
      await t.producer.send({ topic, body: "m-8" }, { messageQueue: q0 });
      for (let i = 0; i < 10 && after.length === 0; i++) {
        after.push(...await c.poll({ timeoutMs: 1000 }));
      }
      assert.ok(after.length > 0, "something polled after re-assign");
      assert.equal(
        after[0].queueOffset,
        2,
        `resumes at the committed offset 2 (RocketMQ MEMORY_FIRST_THEN_STORE); got ${
          after.map((m) => m.queueOffset)
        }, committed now ${await c.committed(q0)}`,
      );
    } finally {
      await c.shutdown();
    }
  });
});

Deno.test("PullConsumer: commit() in a for-await loop covers only the messages handed out", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicIterCommit";
    await t.createTopic(topic, 1);
    const q0 = { topic, brokerName: BROKER, queueId: 0 };
    for (let i = 0; i < 10; i++) {
      await t.producer.send({ topic, body: `m-${i}` }, { messageQueue: q0 });
    }
    const options = {
      consumerGroup: "CG_ITER_COMMIT",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
      autoCommit: false,
      pullBatchSize: 10,
      pollTimeoutMillis: 2000,
    };
    const c = testPullConsumer(t.namesrvAddr, options);
    c.assign([q0]);
    await c.start();
    const seen: number[] = [];
    let committed = -1;
    try {
      for await (const msg of c) {
        seen.push(msg.queueOffset); // "process" the message
        await c.commit(); // and commit what was processed
        if (msg.bodyText === "m-2") break;
      }
      assert.deepEqual(seen, [0, 1, 2]);
      committed = await c.committed(q0);
    } finally {
      await c.shutdown();
    }
    // A new member of the group resumes from the committed offset.
    const d = testPullConsumer(t.namesrvAddr, options);
    d.assign([q0]);
    await d.start();
    try {
      const rest = await d.poll({ timeoutMs: 2000 });
      assert.deepEqual(
        { committed, rest: rest.map((m) => m.queueOffset) },
        { committed: 3, rest: [3, 4, 5, 6, 7, 8, 9] },
        "offsets 3..9 were committed though the loop never got them: lost for the group",
      );
    } finally {
      await d.shutdown();
    }
  });
});

Deno.test("PullConsumer: a seek inside a for-await loop drops the rest of the batch polled before it", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicIterSeek";
    await t.createTopic(topic, 1);
    const q0 = { topic, brokerName: BROKER, queueId: 0 };
    for (let i = 0; i < 10; i++) {
      await t.producer.send({ topic, body: `m-${i}` }, { messageQueue: q0 });
    }
    const c = testPullConsumer(t.namesrvAddr, {
      consumerGroup: "CG_ITER_SEEK",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      autoCommit: false,
      pullBatchSize: 10,
      pollTimeoutMillis: 2000,
    });
    c.assign([q0]);
    await c.start();
    try {
      const seen: number[] = [];
      for await (const msg of c) {
        seen.push(msg.queueOffset);
        if (msg.queueOffset === 0) await c.seek(q0, 7);
        if (msg.queueOffset === 9) break;
      }
      assert.deepEqual(seen, [0, 7, 8, 9]);
      await c.commit();
      assert.equal(await c.committed(q0), 10);
    } finally {
      await c.shutdown();
    }
  });
});

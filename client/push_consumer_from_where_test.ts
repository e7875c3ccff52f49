import assert from "node:assert/strict";
import {
  type ConsumerTestEnv,
  onAssignmentChange,
  Signal,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import { formatConsumeTimestamp } from "./consumer/consume_timestamp.ts";
import { denoClientEnv } from "./adapters/deno_client_env.ts";
import type { PushConsumerOptions } from "./push_consumer_options.ts";

/**
 * Starts a consumer on a 2-queue topic that already holds `before` messages, waits for its
 * assignment, sends `after` more, and returns the bodies it received once the last one arrived.
 */
async function startFrom(
  t: ConsumerTestEnv,
  topic: string,
  options: Partial<PushConsumerOptions> & { consumerGroup: string },
  sends: { before: number; after: number },
  dir?: string,
): Promise<string[]> {
  const got: string[] = [];
  const arrived = new Signal();
  const assigned = new Signal();
  const c = testPushConsumer(t.namesrvAddr, {
    ...(dir === undefined ? {} : { localOffsetStoreDir: dir }),
    ...options,
  });
  c.subscribe(topic, "*");
  c.registerMessageListener((msgs) => {
    for (const msg of msgs) got.push(msg.bodyText);
    arrived.fire();
    return "CONSUME_SUCCESS";
  });
  const stop = onAssignmentChange([c], assigned);
  try {
    await c.start();
    await waitUntil("2 queues", () => c.assignedQueues(topic).length === 2, assigned.subscribe);
    const last = `${topic}-${sends.before + sends.after - 1}`;
    for (let i = sends.before; i < sends.before + sends.after; i++) {
      await t.producer.send({ topic, body: `${topic}-${i}` });
    }
    await waitUntil(last, () => got.includes(last), arrived.subscribe);
    await t.env.broker.holdService.waitForParked(2, 10_000);
  } finally {
    stop();
    await c.shutdown();
  }
  return got.sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1]));
}

async function produce(t: ConsumerTestEnv, topic: string, from: number, to: number) {
  for (let i = from; i < to; i++) await t.producer.send({ topic, body: `${topic}-${i}` });
}

function range(topic: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${topic}-${from + i}`);
}

Deno.test("PushConsumer CONSUME_FROM_FIRST_OFFSET reads a queue's existing messages", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic("TFirst", 2);
    await produce(t, "TFirst", 0, 6);
    const got = await startFrom(t, "TFirst", {
      consumerGroup: "CG_FIRST",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    }, { before: 6, after: 2 });
    assert.deepEqual(got, range("TFirst", 0, 8));
  });
});

Deno.test("PushConsumer CLUSTERING on a young queue starts at 0 for every consumeFromWhere (broker new-group rule)", async () => {
  await withConsumerTestEnv(async (t) => {
    for (const where of ["CONSUME_FROM_LAST_OFFSET", "CONSUME_FROM_TIMESTAMP"] as const) {
      const topic = where === "CONSUME_FROM_LAST_OFFSET" ? "TYoungL" : "TYoungT";
      await t.createTopic(topic, 2);
      await produce(t, topic, 0, 4);
      const got = await startFrom(t, topic, {
        consumerGroup: `CG_${topic}`,
        consumeFromWhere: where,
        consumeTimestamp: formatConsumeTimestamp(Date.now() + 3_600_000),
      }, { before: 4, after: 1 });
      assert.deepEqual(got, range(topic, 0, 5), where);
    }
  });
});

Deno.test("PushConsumer resumes from the group's committed offset whatever consumeFromWhere says", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic("TResume", 2);
    await produce(t, "TResume", 0, 4);
    const first = await startFrom(t, "TResume", {
      consumerGroup: "CG_RESUME",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    }, { before: 4, after: 2 });
    assert.deepEqual(first, range("TResume", 0, 6));
    await produce(t, "TResume", 6, 9);
    const second = await startFrom(t, "TResume", {
      consumerGroup: "CG_RESUME",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    }, { before: 9, after: 1 });
    assert.deepEqual(second, range("TResume", 6, 10), "only messages after the committed offset");
  });
});

Deno.test("PushConsumer without a stored offset: LAST_OFFSET starts at the end, TIMESTAMP searches, FIRST_OFFSET at 0", async () => {
  // BROADCASTING keeps offsets in a local file, so a new member really has none and the
  // consumeFromWhere rules apply against the broker's GET_MAX_OFFSET / SEARCH_OFFSET_BY_TIMESTAMP.
  const dir = await Deno.makeTempDir({ prefix: "edgemq_from_" });
  try {
    await withConsumerTestEnv(async (t) => {
      await t.createTopic("TBLast", 2);
      await produce(t, "TBLast", 0, 6);
      const last = await startFrom(
        t,
        "TBLast",
        {
          consumerGroup: "CG_BLAST",
          messageModel: "BROADCASTING",
          consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
        },
        { before: 6, after: 3 },
        dir,
      );
      assert.deepEqual(last, range("TBLast", 6, 9), "LAST_OFFSET skips what was there");

      await t.createTopic("TBTime", 2);
      await produce(t, "TBTime", 0, 6);
      const past = await startFrom(
        t,
        "TBTime",
        {
          consumerGroup: "CG_BTIME",
          messageModel: "BROADCASTING",
          consumeFromWhere: "CONSUME_FROM_TIMESTAMP",
          consumeTimestamp: formatConsumeTimestamp(Date.now() - 3_600_000),
        },
        { before: 6, after: 1 },
        dir,
      );
      assert.deepEqual(past, range("TBTime", 0, 7), "a time before every message finds offset 0");

      await t.createTopic("TBFirst", 2);
      await produce(t, "TBFirst", 0, 3);
      const first = await startFrom(
        t,
        "TBFirst",
        {
          consumerGroup: "CG_BFIRST",
          messageModel: "BROADCASTING",
          consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        },
        { before: 3, after: 1 },
        dir,
      );
      assert.deepEqual(first, range("TBFirst", 0, 4));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PushConsumer started right after the first sends to a new topic receives them well within the rebalance interval", async () => {
  await withConsumerTestEnv(async (t) => {
    // The producer auto-creates the topic; its SEND_OK must imply the name server has the route,
    // or the consumer's immediate rebalance finds no queues and waits for the 20 s period.
    await produce(t, "TNewTopic", 0, 10);
    const got: string[] = [];
    const arrived = new Signal();
    const c = testPushConsumer(t.namesrvAddr, {
      consumerGroup: "CG_NEW_TOPIC",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      pollNameServerInterval: 30_000,
      heartbeatBrokerInterval: 30_000,
      rebalanceInterval: 20_000,
    });
    c.subscribe("TNewTopic", "*");
    c.registerMessageListener((msgs) => {
      for (const msg of msgs) got.push(msg.bodyText);
      arrived.fire();
      return "CONSUME_SUCCESS";
    });
    try {
      await c.start();
      await waitUntil("10 messages", () => got.length === 10, arrived.subscribe, 3_000);
      assert.deepEqual(
        got.sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1])),
        range("TNewTopic", 0, 10),
      );
    } finally {
      await c.shutdown();
    }
  });
});

Deno.test("PushConsumer moves to the offsets of a reset by time (RESET_CONSUMER_CLIENT_OFFSET) and consumes again", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicResetPush";
    await t.createTopic(topic, 2);
    for (let i = 0; i < 6; i++) await t.producer.send({ topic, body: `r${i}` });
    const bodies: string[] = [];
    const arrived = new Signal();
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: "CG_RESET_PUSH",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    });
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener((msgs) => {
      for (const msg of msgs) bodies.push(msg.bodyText);
      arrived.fire();
      return "CONSUME_SUCCESS";
    });
    try {
      await consumer.start();
      await waitUntil("the 6 messages", () => bodies.length >= 6, arrived.subscribe);
      await consumer.persistConsumerOffset(); // the broker needs an offset on every queue
      const result = await t.admin.resetOffsetByTime({
        group: "CG_RESET_PUSH",
        topic,
        timestamp: 0,
        force: true,
      });
      assert.ok(result.online, "the group is online: its consumer is told");
      await waitUntil("the 6 messages again", () => bodies.length >= 12, arrived.subscribe);
      assert.deepEqual(bodies.slice(6).sort(), bodies.slice(0, 6).sort());
    } finally {
      await consumer.shutdown();
    }
  });
});

// RocketMQ 4.9.x DefaultMQPushConsumerImpl.start: changeInstanceNameToPID() only when CLUSTERING, so
// a BROADCASTING consumer keeps instanceName DEFAULT, clientId ip@DEFAULT, and its
// LocalFileOffsetStore path <dir>/<clientId>/<group>/offsets.json is the same after a restart.
Deno.test("PushConsumer in BROADCASTING keeps ip@DEFAULT, so a restart finds its local offsets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_bcast_" });
  try {
    await withConsumerTestEnv(async (t) => {
      const topic = "TopicBroadcastRestart";
      await t.createTopic(topic, 1);
      const make = (got: string[], arrived: Signal) => {
        const c = testPushConsumer(t.namesrvAddr, {
          consumerGroup: "CG_BROADCAST_RESTART",
          messageModel: "BROADCASTING",
          consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
          localOffsetStoreDir: dir,
          instanceName: undefined, // the default, as most applications leave it
          env: denoClientEnv(), // the real pid and nanosecond clock
        });
        c.subscribe(topic, "*");
        c.registerMessageListener((msgs) => {
          for (const m of msgs) got.push(m.bodyText);
          arrived.fire();
          return "CONSUME_SUCCESS";
        });
        return c;
      };
      const got1: string[] = [];
      const a1 = new Signal();
      const first = make(got1, a1);
      const assigned = new Signal();
      const stop = onAssignmentChange([first], assigned);
      await first.start();
      const id1 = first.clientInstance!.clientId;
      await waitUntil(
        "queue assigned",
        () => first.assignedQueues(topic).length === 1,
        assigned.subscribe,
        10_000,
      );
      stop();
      await t.producer.send({ topic, body: "m-1" });
      await waitUntil("m-1 consumed", () => got1.includes("m-1"), a1.subscribe, 15_000);
      await first.shutdown();
      // sent while the only broadcasting member is down
      await t.producer.send({ topic, body: "m-2" });
      const got2: string[] = [];
      const a2 = new Signal();
      const second = make(got2, a2);
      await second.start();
      const id2 = second.clientInstance!.clientId;
      try {
        await waitUntil(
          `m-2 consumed after restart (clientIds ${id1} then ${id2})`,
          () => got2.includes("m-2"),
          a2.subscribe,
          10_000,
        );
        assert.equal(
          id2,
          "127.0.0.1@DEFAULT",
          "RocketMQ: a broadcasting consumer keeps ip@DEFAULT",
        );
      } finally {
        await second.shutdown();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

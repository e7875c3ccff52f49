import assert from "node:assert/strict";
import {
  evenlyAssigned,
  onAssignmentChange,
  Signal,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { MessageSysFlag } from "../store/message_record.ts";
import type { MessageExt } from "./message.ts";
import type { PushConsumer } from "./push_consumer.ts";

const BROKER = "broker-test";

async function shutdownAll(consumers: readonly PushConsumer[]): Promise<void> {
  await Promise.all(consumers.map((c) => c.shutdown()));
}

Deno.test("PushConsumer: three clustering consumers share 8 queues and receive every message exactly once", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicShare";
    await t.createTopic(topic, 8);
    const received: { consumer: number; msg: MessageExt }[] = [];
    const arrived = new Signal();
    const assigned = new Signal();
    const consumers = [0, 1, 2].map((i) => {
      const c = testPushConsumer(t.namesrvAddr, {
        consumerGroup: "CG_SHARE",
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      });
      c.subscribe(topic, "*");
      c.registerMessageListener((msgs) => {
        for (const msg of msgs) received.push({ consumer: i, msg });
        arrived.fire();
        return "CONSUME_SUCCESS";
      });
      return c;
    });
    const stop = onAssignmentChange(consumers, assigned);
    try {
      for (const c of consumers) await c.start();
      await waitUntil(
        "8 queues split among 3 consumers",
        () => evenlyAssigned(consumers, topic, 8),
        assigned.subscribe,
      );
      const total = 240;
      for (let i = 0; i < total; i++) {
        await t.producer.send({ topic, body: `m-${i}`, tags: i % 2 === 0 ? "even" : "odd" });
      }
      await waitUntil(`${total} messages`, () => received.length >= total, arrived.subscribe);
      const bodies = received.map((r) => r.msg.bodyText);
      assert.equal(new Set(bodies).size, total, "no duplicates");
      assert.equal(received.length, total);
      const byConsumer = [0, 1, 2].map((i) => received.filter((r) => r.consumer === i).length);
      assert.ok(byConsumer.every((n) => n > 0), `each consumer got messages: ${byConsumer}`);
      for (const { consumer, msg } of received) {
        const mine = consumers[consumer].assignedQueues(topic).map((mq) => mq.queueId);
        assert.ok(
          mine.includes(msg.queueId),
          `queue ${msg.queueId} belongs to consumer ${consumer}`,
        );
        assert.equal(msg.topic, topic);
        assert.equal(msg.brokerName, BROKER);
        assert.equal(msg.reconsumeTimes, 0);
        assert.ok(msg.msgId.length === 32);
        assert.ok(msg.tags === "even" || msg.tags === "odd");
      }
      // Every queue's next pull (8 topic queues + the retry queue) is parked, so the offsets those
      // pulls carried were committed before the final persist at shutdown (see the report on the
      // broker's pull-commit ordering).
      await t.env.broker.holdService.waitForParked(9, 10_000);
    } finally {
      stop();
      await shutdownAll(consumers);
    }
    const api = t.admin.api;
    let committed = 0;
    for (let queueId = 0; queueId < 8; queueId++) {
      const offset = await api.queryConsumerOffset(
        t.env.address,
        { consumerGroup: "CG_SHARE", topic, queueId },
        3000,
      );
      const max = await api.queueBound(t.env.address, "max", { topic, queueId }, 3000);
      assert.equal(offset, max, `queue ${queueId} committed up to its end`);
      committed += offset;
    }
    assert.equal(committed, 240);
  });
});

Deno.test("PushConsumer: a broadcasting group delivers every message to each member and keeps offsets in a local file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_bcast_" });
  try {
    await withConsumerTestEnv(async (t) => {
      const topic = "TopicCast";
      await t.createTopic(topic, 4);
      const got = [new Set<string>(), new Set<string>()];
      const arrived = new Signal();
      const assigned = new Signal();
      const consumers = [0, 1].map((i) => {
        const c = testPushConsumer(t.namesrvAddr, {
          consumerGroup: "CG_CAST",
          messageModel: "BROADCASTING",
          consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
          localOffsetStoreDir: `${dir}/.rocketmq_offsets`,
        });
        c.subscribe(topic, "*");
        c.registerMessageListener((msgs) => {
          for (const msg of msgs) got[i].add(msg.bodyText);
          arrived.fire();
          return "CONSUME_SUCCESS";
        });
        return c;
      });
      const stop = onAssignmentChange(consumers, assigned);
      try {
        for (const c of consumers) await c.start();
        await waitUntil(
          "each broadcasting member to hold all 4 queues",
          () => consumers.every((c) => c.assignedQueues(topic).length === 4),
          assigned.subscribe,
        );
        const total = 60;
        for (let i = 0; i < total; i++) await t.producer.send({ topic, body: `b-${i}` });
        await waitUntil(
          "every message at both members",
          () => got.every((s) => s.size === total),
          arrived.subscribe,
        );
        assert.ok(
          consumers.every((c) => !c.subscriptions().some((s) => s.topic.startsWith("%RETRY%"))),
        );
        await t.env.broker.holdService.waitForParked(8, 10_000);
      } finally {
        stop();
        await shutdownAll(consumers);
      }
      for (const c of consumers) {
        const path = `${dir}/.rocketmq_offsets/${c.clientInstance!.clientId}/CG_CAST/offsets.json`;
        const text = await Deno.readTextFile(path);
        const offsets = [...text.matchAll(/"queueId":(\d+),"topic":"TopicCast"\}:(\d+)/g)];
        assert.equal(offsets.length, 4, text);
        const sum = offsets.reduce((n, m) => n + Number(m[2]), 0);
        assert.equal(sum, 60, `offsets of ${c.clientInstance!.clientId}: ${text}`);
      }
      const committed = await t.admin.api.queryConsumerOffset(
        t.env.address,
        { consumerGroup: "CG_CAST", topic, queueId: 0, setZeroIfNotFound: false },
        3000,
      );
      assert.equal(committed, -1, "broadcasting never commits to the broker");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PushConsumer: rebalancing while members join and leave loses no message", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicMove";
    await t.createTopic(topic, 8);
    const got = new Map<string, number>();
    const arrived = new Signal();
    const assigned = new Signal();
    const make = () => {
      const c = testPushConsumer(t.namesrvAddr, {
        consumerGroup: "CG_MOVE",
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      });
      c.subscribe(topic, "*");
      c.registerMessageListener((msgs) => {
        for (const msg of msgs) got.set(msg.bodyText, (got.get(msg.bodyText) ?? 0) + 1);
        arrived.fire();
        return "CONSUME_SUCCESS";
      });
      return c;
    };
    let sent = 0;
    const produce = async (n: number) => {
      for (let i = 0; i < n; i++) await t.producer.send({ topic, body: `r-${sent++}` });
    };
    const allArrived = () =>
      waitUntil(`${sent} distinct messages`, () => got.size >= sent, arrived.subscribe);
    const a = make();
    const b = make();
    const c = make();
    const stopA = onAssignmentChange([a, b, c], assigned);
    try {
      await a.start();
      await waitUntil(
        "a to hold 8 queues",
        () => a.assignedQueues(topic).length === 8,
        assigned.subscribe,
      );
      await produce(50);
      await b.start();
      await produce(50);
      await waitUntil(
        "a and b to split the queues",
        () => evenlyAssigned([a, b], topic, 8),
        assigned.subscribe,
      );
      await produce(50);
      await c.start();
      await produce(50);
      await waitUntil(
        "a, b, c to split the queues",
        () => evenlyAssigned([a, b, c], topic, 8),
        assigned.subscribe,
      );
      await allArrived();
      await a.shutdown();
      await produce(50);
      await waitUntil(
        "b and c to take over",
        () => evenlyAssigned([b, c], topic, 8),
        assigned.subscribe,
      );
      await produce(50);
      await b.shutdown();
      await produce(50);
      await waitUntil(
        "c to hold all queues",
        () => c.assignedQueues(topic).length === 8,
        assigned.subscribe,
      );
      await allArrived();
      for (let i = 0; i < sent; i++) assert.ok(got.has(`r-${i}`), `r-${i} was delivered`);
      assert.equal(got.size, sent);
    } finally {
      stopA();
      await shutdownAll([a, b, c]);
    }
  });
});

Deno.test("PushConsumer: a message whose compressed body will not inflate is dropped and its queue goes on", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicCorruptZip";
    await t.createTopic(topic, 1);
    // A producer set COMPRESSED_FLAG on a body that is not zlib; the broker stores it as it is.
    const raw = new TestBrokerClient(new DenoTcpTransport(), t.env.address);
    try {
      const request = raw.sendRequest(topic, new TextEncoder().encode("not zlib"), { queueId: 0 });
      request.extFields!.f = String(MessageSysFlag.COMPRESSED_FLAG);
      const response = await raw.invoke(request);
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    } finally {
      await raw.close();
    }
    assert.equal((await t.producer.send({ topic, body: "good message" })).sendStatus, "SEND_OK");
    const received: string[] = [];
    const arrived = new Signal();
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: "CG_CORRUPT_ZIP",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      pullTimeDelayMillsWhenException: 100,
    });
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener((msgs) => {
      for (const msg of msgs) received.push(msg.bodyText);
      arrived.fire();
      return "CONSUME_SUCCESS";
    });
    await consumer.start();
    try {
      await waitUntil("the good message", () => received.length > 0, arrived.subscribe, 10_000);
      assert.deepEqual(received, ["good message"]);
    } finally {
      await consumer.shutdown();
    }
  });
});

Deno.test("PushConsumer: shutdown() during start() waits for the start, then stops the consumer", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicStopEarly";
    await t.createTopic(topic, 2);
    const consumer = testPushConsumer(t.namesrvAddr, { consumerGroup: "CG_STOP_EARLY" });
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener(() => "CONSUME_SUCCESS");
    const starting = consumer.start();
    await consumer.shutdown();
    await starting;
    assert.equal(consumer.state, "SHUTDOWN_ALREADY");
    const group = t.env.broker.consumerManager.getConsumerGroupInfo("CG_STOP_EARLY");
    assert.equal(group?.channelCount ?? 0, 0, "left the group on the broker");
    // A leaked consumer would also leave timers and sockets the test sanitizers report.
  });
});

Deno.test("PushConsumer: pulls that found nothing add no pull RT (RocketMQ counts FOUND only)", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicIdlePullRT";
    await t.createTopic(topic, 1);
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: "CG_IDLE_PULL_RT",
      brokerSuspendMaxTimeMillis: 1000,
    });
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener(() => "CONSUME_SUCCESS");
    try {
      await consumer.start();
      const lastPull = async () => {
        const info = await consumer.consumerRunningInfo();
        return info.mqTable.find(([mq]) => mq.topic === topic)?.[1].lastPullTimestamp;
      };
      let first: number | undefined;
      let latest: number | undefined;
      // The second pull is issued only after the first came back (NO_NEW_MSG after the 1 s hold).
      // No event tells when a pull returns: the running info is read every 50 ms (bounded).
      const poll = (changed: () => void) => {
        const id = setInterval(async () => {
          latest = await lastPull();
          first ??= latest;
          changed();
        }, 50);
        return () => clearInterval(id);
      };
      await waitUntil(
        "a second pull of the idle queue",
        () => first !== undefined && latest !== undefined && latest !== first,
        poll,
      );
      const info = await consumer.consumerRunningInfo();
      const status = new Map(info.statusTable).get(topic)!;
      assert.equal(status.pullTPS, 0, JSON.stringify(status));
      assert.equal(status.pullRT, 0, `no pull found a message, yet ${JSON.stringify(status)}`);
    } finally {
      await consumer.shutdown();
    }
  });
});

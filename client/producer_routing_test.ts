import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createResponse } from "../protocol/remoting_command.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { registerRoute, startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";
import { pullMessages, startTestProducer, testClientOptions, waitFor } from "./_client_testing.ts";
import { AdminClient } from "./admin_client.ts";
import { MQBrokerError, MQClientError } from "./client_error.ts";
import { javaHashCode } from "./message_queue_selector.ts";
import type { SendResult } from "./send_result.ts";
import { withConsumerTestEnv } from "./consumer/_consumer_testing.ts";

/** Two real brokers on one name server; auto-create off so a missing topic is TOPIC_NOT_EXIST. */
async function withTwoBrokers(
  fn: (a: TestBroker, b: TestBroker, admin: AdminClient) => Promise<void>,
) {
  const noAuto = { autoCreateTopicEnable: "false" };
  const a = await startTestBroker({ properties: { ...noAuto, brokerName: "broker-a" } });
  const b = await startTestBroker({
    namesrvAddr: a.namesrvAddr,
    properties: { ...noAuto, brokerName: "broker-b" },
  });
  const admin = new AdminClient({
    ...testClientOptions(a.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  try {
    await fn(a, b, admin);
  } finally {
    await admin.shutdown();
    await b.close();
    await a.close();
  }
}

/** Creates a topic on brokers and waits until each has registered it with the name server. */
async function createTopic(
  admin: AdminClient,
  topicName: string,
  brokers: TestBroker[],
  queues = 4,
) {
  for (const broker of brokers) {
    await admin.createTopic(broker.address, {
      topicName,
      readQueueNums: queues,
      writeQueueNums: queues,
    });
    await broker.broker.registration!.registerNow();
  }
}

Deno.test("Producer retries TOPIC_NOT_EXIST on the other broker and every send lands", async () => {
  await withTwoBrokers(async (a, b, admin) => {
    await createTopic(admin, "TopicR", [a]);
    // A stale route: the name server believes broker-b serves TopicR too (as after a topic was
    // deleted on broker-b); broker-b, with auto-create off, answers TOPIC_NOT_EXIST.
    const unregister = await registerRoute(a.namesrvAddr!, {
      brokerName: "broker-b",
      brokerAddr: b.address,
    }, [
      { name: "TopicR", queues: 4, perm: 6 },
      { name: "broker-b", queues: 1, perm: 7 },
    ]);
    const producer = await startTestProducer(a.namesrvAddr!, { pollNameServerInterval: 3_600_000 });
    try {
      const queues = await producer.fetchPublishMessageQueues("TopicR");
      assert.deepEqual([...new Set(queues.map((q) => q.brokerName))], ["broker-a", "broker-b"]);
      const results: SendResult[] = [];
      for (let i = 0; i < 8; i++) {
        results.push(await producer.send({ topic: "TopicR", body: `m${i}` }));
      }
      assert.deepEqual(
        new Set(results.map((r) => r.messageQueue.brokerName)),
        new Set(["broker-a"]),
      );
      assert.equal(results.every((r) => r.sendStatus === "SEND_OK"), true);
      const noRetry = await producer.send({ topic: "TopicR", body: "x" }, {
        messageQueue: { topic: "TopicR", brokerName: "broker-b", queueId: 0 },
      }).then(() => undefined, (e: Error & { responseCode?: number }) => e);
      assert.equal(
        noRetry?.responseCode,
        ResponseCode.TOPIC_NOT_EXIST,
        "a fixed queue is not retried",
      );
      const selected = await producer.send({ topic: "TopicR", body: "x" }, {
        selector: (mqs) => mqs[7],
      })
        .then(() => undefined, (e: Error) => e);
      assert.match(
        selected!.message,
        /^CODE: 17 {2}DESC: topic\[TopicR\] not exist[\s\S]* BROKER: 127\.0\.0\.1:\d+$/,
      );
    } finally {
      await producer.shutdown();
      await unregister();
    }
  });
});

/**
 * A broker stand-in registered with the name server like a real one, answering every send with
 * `code` (SYSTEM_BUSY, or a "stored, but" code with a proper header): the states a real EdgeMQ
 * broker cannot be driven into on demand.
 */
async function scriptedBroker(
  namesrvAddr: string,
  brokerName: string,
  code: number,
  topics: { name: string; queues: number; perm: number }[],
) {
  const server = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  let sends = 0;
  server.registerProcessor(RequestCode.SEND_MESSAGE_V2, (request) => {
    sends++;
    if (code === ResponseCode.SYSTEM_BUSY) {
      return createResponse(
        request,
        code,
        "[REJECTREQUEST]system busy, start flow control for a while",
      );
    }
    const queueId = request.extFields?.e ?? "0";
    return createResponse(request, code, "stored, not flushed", {
      msgId: "7F00000100002A9F0000000000000000",
      queueId,
      queueOffset: String(sends - 1),
    });
  });
  await server.start();
  const unregister = await registerRoute(namesrvAddr, {
    brokerName,
    brokerAddr: `127.0.0.1:${server.port}`,
  }, [
    ...topics,
    { name: brokerName, queues: 1, perm: 7 },
  ]);
  return {
    get sends() {
      return sends;
    },
    async close() {
      await unregister();
      await server.shutdown();
    },
  };
}

async function busyBroker(namesrvAddr: string, topic: string) {
  return await scriptedBroker(namesrvAddr, "broker-busy", ResponseCode.SYSTEM_BUSY, [
    { name: topic, queues: 4, perm: 6 },
    { name: "TopicOnlyBusy", queues: 2, perm: 6 },
  ]);
}

Deno.test("Producer returns FLUSH_DISK_TIMEOUT as a status, or retries another broker with retryAnotherBrokerWhenNotStoreOK", async () => {
  const a = await startTestBroker({ properties: { brokerName: "broker-a" } });
  const admin = new AdminClient({
    ...testClientOptions(a.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const slow = await scriptedBroker(
    a.namesrvAddr!,
    "broker-slow",
    ResponseCode.FLUSH_DISK_TIMEOUT,
    [
      { name: "TopicSlow", queues: 2, perm: 6 },
    ],
  );
  try {
    await createTopic(admin, "TopicSlow", [a], 2);
    for (const retryAnotherBrokerWhenNotStoreOK of [false, true]) {
      const producer = await startTestProducer(a.namesrvAddr!, {
        retryAnotherBrokerWhenNotStoreOK,
      });
      try {
        const statuses = new Set<string>();
        for (let i = 0; i < 8; i++) {
          const r = await producer.send({ topic: "TopicSlow", body: `m${i}` });
          statuses.add(`${r.messageQueue.brokerName}:${r.sendStatus}`);
        }
        assert.deepEqual(
          [...statuses].sort(),
          retryAnotherBrokerWhenNotStoreOK
            ? ["broker-a:SEND_OK"]
            : ["broker-a:SEND_OK", "broker-slow:FLUSH_DISK_TIMEOUT"],
        );
      } finally {
        await producer.shutdown();
      }
    }
  } finally {
    await slow.close();
    await admin.shutdown();
    await a.close();
  }
});

Deno.test("Producer retries SYSTEM_BUSY on another broker; with latency fault avoidance the busy broker is isolated", async () => {
  const a = await startTestBroker({ properties: { brokerName: "broker-a" } });
  const admin = new AdminClient({
    ...testClientOptions(a.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const busy = await busyBroker(a.namesrvAddr!, "TopicBusy");
  try {
    await createTopic(admin, "TopicBusy", [a]);
    for (const sendLatencyFaultEnable of [false, true]) {
      const before = busy.sends;
      const producer = await startTestProducer(a.namesrvAddr!, { sendLatencyFaultEnable });
      try {
        // Two full round-robin cycles over the 8 queues (4 per broker): from any random start
        // index the busy broker's queues come up at least twice.
        for (let i = 0; i < 16; i++) {
          const result = await producer.send({ topic: "TopicBusy", body: `m${i}` });
          assert.equal(result.messageQueue.brokerName, "broker-a");
        }
      } finally {
        await producer.shutdown();
      }
      if (!sendLatencyFaultEnable) {
        const failed = await startTestProducer(a.namesrvAddr!).then(async (p) => {
          try {
            return await p.send({ topic: "TopicOnlyBusy", body: "x" }).then(
              () => undefined,
              (e: Error) => e,
            );
          } finally {
            await p.shutdown();
          }
        });
        assert.ok(failed instanceof MQClientError);
        assert.match(
          failed.message,
          /^Send \[3\] times, still failed, cost \[\d+\]ms, Topic: TopicOnlyBusy, BrokersSent: \[broker-busy, broker-busy, broker-busy\]\nSee https:\/\/rocketmq\.apache\.org\/docs\/bestPractice\/06FAQ for further details\.$/,
        );
        assert.equal(failed.responseCode, ResponseCode.SYSTEM_BUSY);
        assert.ok(failed.cause instanceof MQBrokerError);
      }
      const hits = busy.sends - before - (sendLatencyFaultEnable ? 0 : 3);
      if (sendLatencyFaultEnable) assert.equal(hits, 1, "isolated after its first failure");
      else assert.ok(hits >= 2, `the round robin keeps trying the busy broker (${hits} tries)`);
    }
  } finally {
    await busy.close();
    await admin.shutdown();
    await a.close();
  }
});

Deno.test("Producer keeps messages of one sharding key on one queue, and honours a selector", async () => {
  await withTwoBrokers(async (a, _b, admin) => {
    await createTopic(admin, "TopicOrder", [a]);
    const producer = await startTestProducer(a.namesrvAddr!);
    try {
      const expected = Math.abs(javaHashCode("order-7") % 4);
      for (let i = 0; i < 10; i++) {
        const r = await producer.send({ topic: "TopicOrder", body: `step-${i}` }, {
          shardingKey: "order-7",
        });
        assert.equal(r.messageQueue.queueId, expected);
      }
      const picked = await producer.send({ topic: "TopicOrder", body: "picked" }, {
        selector: (mqs, _msg, arg) => mqs[arg as number],
        arg: 3,
      });
      assert.equal(picked.messageQueue.queueId, 3);
      const ordered = await pullMessages(producer.clientInstance!.api, a.address, {
        topic: "TopicOrder",
        queueId: expected,
        count: 10,
      });
      assert.deepEqual(
        ordered.map((m) => m.bodyText),
        [...Array(10).keys()].map((i) => `step-${i}`),
      );
      await assert.rejects(
        producer.send({ topic: "TopicOrder", body: "x" }, {
          selector: () => {
            throw new Error("boom");
          },
        }),
        /select message queue threw exception\./,
      );
    } finally {
      await producer.shutdown();
    }
  });
});

Deno.test("Producer keeps at most maxInFlight sends in flight: 1000 first sends to a new topic, 64 permits", async () => {
  const env = await startTestBroker();
  const producer = await startTestProducer(env.namesrvAddr!, { maxInFlight: 64 });
  try {
    let maxSeen = 0;
    const sends = [...Array(1000).keys()].map((i) =>
      producer.send({ topic: "TopicFlood", body: `m${i}` }).then((r) => {
        maxSeen = Math.max(maxSeen, producer.inFlight);
        return r;
      })
    );
    assert.equal(producer.inFlight, 64);
    assert.equal(producer.waiting, 936);
    const results = await Promise.all(sends);
    assert.ok(maxSeen <= 64, `at most 64 in flight, saw ${maxSeen}`);
    assert.equal(producer.inFlight, 0);
    assert.equal(results.every((r) => r.sendStatus === "SEND_OK"), true);
    const offsets = new Set(results.map((r) => `${r.messageQueue.queueId}:${r.queueOffset}`));
    assert.equal(offsets.size, 1000);
    assert.equal(new Set(results.map((r) => r.msgId)).size, 1000);
  } finally {
    await producer.shutdown();
    await env.close();
  }
});

Deno.test("Producer send waiting for a permit gives up when its signal aborts", async () => {
  const env = await startTestBroker();
  const producer = await startTestProducer(env.namesrvAddr!, { maxInFlight: 1 });
  try {
    await producer.send({ topic: "TopicAbort", body: "route" });
    const holding = producer.send({ topic: "TopicAbort", body: "holds the permit" });
    const controller = new AbortController();
    const waiting = producer.send({ topic: "TopicAbort", body: "never sent" }, {
      signal: controller.signal,
    });
    assert.equal(producer.waiting, 1);
    controller.abort(new Error("caller gave up"));
    await assert.rejects(waiting, /caller gave up/);
    assert.equal(producer.waiting, 0);
    await assert.rejects(
      producer.send({ topic: "TopicAbort", body: "x" }, { signal: AbortSignal.abort() }),
      /AbortError|aborted/,
    );
    assert.equal((await holding).sendStatus, "SEND_OK");
    const after = await producer.send({ topic: "TopicAbort", body: "after" });
    assert.equal(after.queueOffset > 0 || after.messageQueue.queueId >= 0, true);
    assert.equal(producer.inFlight, 0);
  } finally {
    await producer.shutdown();
    await env.close();
  }
});

Deno.test("MQClientInstance refreshes a route when a second broker starts serving the topic", async () => {
  await withTwoBrokers(async (a, b, admin) => {
    await createTopic(admin, "TopicGrow", [a]);
    const producer = await startTestProducer(a.namesrvAddr!, { pollNameServerInterval: 20 });
    try {
      // The send path's cache, which the route poll refreshes, shows in what a selector gets.
      const cachedQueues = async () => {
        let seen: string[] = [];
        await producer.send({ topic: "TopicGrow", body: "x" }, {
          selector: (mqs) => {
            seen = mqs.map((q) => `${q.brokerName}:${q.queueId}`);
            return mqs[0];
          },
        });
        return seen;
      };
      assert.equal((await cachedQueues()).length, 4);
      const grown = waitFor<number>(
        (report) =>
          producer.clientInstance!.on(
            "routeChanged",
            (topic, route) => topic === "TopicGrow" && report(route.brokerDatas.length),
          ),
        (n) => n === 2,
        5000,
        "TopicGrow on two brokers",
      );
      await createTopic(admin, "TopicGrow", [b], 2);
      await grown;
      assert.deepEqual(
        await cachedQueues(),
        ["broker-a:0", "broker-a:1", "broker-a:2", "broker-a:3", "broker-b:0", "broker-b:1"],
      );
    } finally {
      await producer.shutdown();
    }
  });
});

Deno.test("Producer sends a batch with a shardingKey or selector to that one queue", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicBatchKey";
    await t.createTopic(topic, 8);
    const key = "order-42";
    const byKey = new Set<number>();
    const bySelector = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const batch = [{ topic, body: `a-${i}` }, { topic, body: `b-${i}` }];
      byKey.add((await t.producer.send(batch, { shardingKey: key })).messageQueue.queueId);
      const picked = await t.producer.send(batch, { selector: (mqs) => mqs[5] });
      bySelector.add(picked.messageQueue.queueId);
    }
    assert.deepEqual([...byKey], [Math.abs(javaHashCode(key) % 8)], "the key's queue, every time");
    assert.deepEqual([...bySelector], [5]);
  });
});

Deno.test("Producer.fetchPublishMessageQueues asks the name server: no template route, no deleted topic", async () => {
  const broker = await startTestBroker();
  const admin = new AdminClient({
    ...testClientOptions(broker.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const producer = await startTestProducer(broker.namesrvAddr!, {
    pollNameServerInterval: 3_600_000,
  });
  try {
    // Auto-create is on, so the send path would route an unknown topic by TBW102's template.
    await assert.rejects(
      producer.fetchPublishMessageQueues("TopicNowhere"),
      /Can not find Message Queue for this topic, TopicNowhere/,
    );
    await admin.createTopic(broker.address, {
      topicName: "TopicGone",
      readQueueNums: 2,
      writeQueueNums: 2,
    });
    await broker.broker.registration!.registerNow();
    assert.equal((await producer.send({ topic: "TopicGone", body: "x" })).sendStatus, "SEND_OK");
    assert.equal((await producer.fetchPublishMessageQueues("TopicGone")).length, 2);
    await admin.deleteTopic("TopicGone", broker.broker.configuration.config.brokerClusterName);
    await assert.rejects(
      producer.fetchPublishMessageQueues("TopicGone"),
      /Can not find Message Queue for this topic, TopicGone/,
    );
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await broker.close();
  }
});

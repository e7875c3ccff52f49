/**
 * Routes the client takes, or takes as no route (helper-140's review of ef6c7fc and bca89f8): a
 * Java broker's 20,000-queue topic is usable; a route over ROUTE_QUEUE_NUMS_MAX is taken as no
 * route without stopping the periodic refresh of the other topics; and the lite pull consumer's
 * fetchMessageQueues behind a slow name server does not fail when the lookups queue for the
 * name-server lock longer than its 3 s wait.
 */

import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { registerRoute, startSilentPeer, startTestBroker } from "../tests/broker_test_env.ts";
import { startTestProducer, testClientOptions, waitFor } from "./_client_testing.ts";
import { AdminClient } from "./admin_client.ts";
import { startConsumerTestEnv, testPullConsumer } from "./consumer/_consumer_testing.ts";
import { ROUTE_QUEUE_NUMS_MAX } from "./limits.ts";

const JAVA_BROKER = { brokerName: "broker-java", brokerAddr: "127.0.0.1:1" };

Deno.test("a Java broker's topic of 20,000 queues is usable by the producer and the admin", async () => {
  const env = await startTestBroker({ properties: { autoCreateTopicEnable: "false" } });
  const unregister = await registerRoute(env.namesrvAddr!, JAVA_BROKER, [
    { name: "BigTopic", queues: 20_000, perm: 6 },
    { name: "broker-java", queues: 1, perm: 7 },
  ]);
  const producer = await startTestProducer(env.namesrvAddr!, { pollNameServerInterval: 3_600_000 });
  const admin = new AdminClient({
    ...testClientOptions(env.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  try {
    assert.equal((await producer.fetchPublishMessageQueues("BigTopic")).length, 20_000);
    assert.equal((await admin.topicRoute("BigTopic")).queueDatas[0].writeQueueNums, 20_000);
  } finally {
    await admin.shutdown();
    await producer.shutdown();
    await unregister();
    await env.close();
  }
});

Deno.test("a route over ROUTE_QUEUE_NUMS_MAX fails its sends and leaves the other topics' refresh going", async () => {
  const env = await startTestBroker({ properties: { autoCreateTopicEnable: "false" } });
  const admin = new AdminClient({
    ...testClientOptions(env.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const createOther = async (queues: number) => {
    const config = { topicName: "OtherTopic", readQueueNums: queues, writeQueueNums: queues };
    await admin.createTopic(env.address, config);
    await env.broker.registration!.registerNow();
  };
  await createOther(4);
  const unregister = await registerRoute(env.namesrvAddr!, JAVA_BROKER, [
    { name: "HugeTopic", queues: ROUTE_QUEUE_NUMS_MAX + 1, perm: 6 },
    { name: "broker-java", queues: 1, perm: 7 },
  ]);
  const producer = await startTestProducer(env.namesrvAddr!, { pollNameServerInterval: 50 });
  try {
    await assert.rejects(
      producer.send({ topic: "HugeTopic", body: "x" }),
      /No route info of this topic: HugeTopic/,
    );
    await producer.send({ topic: "OtherTopic", body: "x" });
    const instance = producer.clientInstance!;
    // Listening before the change: a poll may see the new route before registerNow returns.
    const grown = waitFor<[string, number]>(
      (report) =>
        instance.on(
          "routeChanged",
          (topic, route) => report([topic, route.queueDatas[0].writeQueueNums]),
        ),
      ([topic, queues]) => topic === "OtherTopic" && queues === 8,
      5000,
      "OtherTopic's route with 8 queues",
    );
    await createOther(8);
    await grown;
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await unregister();
    await env.close();
  }
});

/** A TCP proxy that forwards each chunk from the client `delayMs` late: a slow name server. */
function startSlowProxy(upstream: string, delayMs: number) {
  const [hostname, port] = upstream.split(":");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const pipes: Promise<void>[] = [];
  const conns: Deno.Conn[] = [];
  const late = () =>
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await new Promise((resolve) => setTimeout(resolve, delayMs)); // the link's latency
        controller.enqueue(chunk);
      },
    });
  const accepting = (async () => {
    for await (const conn of listener) {
      const up = await Deno.connect({ hostname, port: Number(port) });
      conns.push(conn, up);
      // A pipe ends with an error once either side is closed: expected at the end.
      const settle = (pipe: Promise<void>) =>
        pipes.push(pipe.then(() => {}, () => "closed" as never));
      settle(up.readable.pipeTo(conn.writable));
      settle(conn.readable.pipeThrough(late()).pipeTo(up.writable));
    }
  })();
  return {
    addr: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async close() {
      listener.close();
      for (const conn of conns) conn.close();
      await accepting;
      await Promise.all(pipes);
    },
  };
}

Deno.test("PullConsumer.fetchMessageQueues of 30 topics behind a 200 ms name server all succeed", async () => {
  const t = await startConsumerTestEnv({ autoCreateTopicEnable: "false" });
  const topics = Array.from({ length: 30 }, (_, i) => `SlowNsTopic${i}`);
  for (const topic of topics) await t.createTopic(topic, 2);
  const proxy = startSlowProxy(t.namesrvAddr, 200);
  const consumer = testPullConsumer(proxy.addr, {
    consumerGroup: "CG_SLOW_NS",
    pollNameServerInterval: 3_600_000,
  });
  await consumer.start();
  try {
    const outcomes = await Promise.all(
      topics.map((topic) =>
        consumer.fetchMessageQueues(topic).then(
          (queues) => `ok ${queues.length}`,
          (error: Error) => error.message,
        )
      ),
    );
    assert.deepEqual(outcomes.filter((o) => o !== "ok 2"), []);
  } finally {
    await consumer.shutdown();
    await proxy.close();
    await t.close();
  }
});

// Found by helper-144 in f84bc75: the poll went on past a failed lookup, so behind a silent name
// server a round took one timeout per topic, and shutdown waited for it (20 x 300 ms here).
Deno.test("shutdown behind a silent name server waits for one route lookup, not one per topic", async () => {
  const silent = startSilentPeer();
  const timeoutMs = 300;
  const producer = await startTestProducer(silent.addr, {
    mqClientApiTimeout: timeoutMs,
    sendMsgTimeout: timeoutMs,
    pollNameServerInterval: 10,
  });
  try {
    const topics = Array.from({ length: 20 }, (_, i) => `SilentNsTopic${i}`);
    const sends = await Promise.allSettled(
      topics.map((topic) => producer.send({ topic, body: "x" })),
    );
    assert.ok(sends.every((outcome) => outcome.status === "rejected"));
  } finally {
    const began = performance.now();
    await producer.shutdown();
    const took = performance.now() - began;
    await silent.close();
    assert.ok(took < 4 * timeoutMs, `shutdown took ${Math.round(took)} ms`);
  }
});

// Found by helper-144: the cached queues of a deleted topic were returned, and [] for a topic with
// no readable queue; RocketMQ's fetchSubscribeMessageQueues asks every time and fails for both.
Deno.test("PullConsumer.fetchMessageQueues fails for a topic gone from the name server or not readable", async () => {
  const env = await startTestBroker({ properties: { autoCreateTopicEnable: "false" } });
  const unregister = await registerRoute(env.namesrvAddr!, JAVA_BROKER, [
    { name: "GoneTopic", queues: 4, perm: 6 },
    { name: "WriteOnlyTopic", queues: 4, perm: 2 },
    { name: "broker-java", queues: 1, perm: 7 },
  ]);
  const consumer = testPullConsumer(env.namesrvAddr!, {
    consumerGroup: "CG_GONE",
    pollNameServerInterval: 3_600_000,
  });
  await consumer.start();
  try {
    const notFound = (topic: string) =>
      new RegExp(`^MQClientError: Can not find Message Queue for this topic, ${topic}`);
    await assert.rejects(consumer.fetchMessageQueues("WriteOnlyTopic"), notFound("WriteOnlyTopic"));
    assert.equal((await consumer.fetchMessageQueues("GoneTopic")).length, 4);
    await unregister(); // the name server drops the broker and its topics
    await assert.rejects(consumer.fetchMessageQueues("GoneTopic"), notFound("GoneTopic"));
  } finally {
    await consumer.shutdown();
    await env.close();
  }
});

import assert from "node:assert/strict";
import { startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";
import { pullMessages, startTestProducer, testClientOptions, waitFor } from "./_client_testing.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { MQClientError } from "./client_error.ts";
import { Message } from "./message.ts";
import { decodeMessages } from "./message_decoder.ts";
import { Producer } from "./producer.ts";
import { MQClientManager } from "./mq_client_manager.ts";

async function withBroker(
  fn: (env: TestBroker) => Promise<void>,
  properties?: Record<string, string>,
) {
  const env = await startTestBroker({ properties });
  try {
    await fn(env);
  } finally {
    await env.close();
  }
}

async function withProducer(
  env: TestBroker,
  fn: (producer: Producer) => Promise<void>,
  options: Parameters<typeof startTestProducer>[1] = {},
) {
  const producer = await startTestProducer(env.namesrvAddr!, options);
  try {
    await fn(producer);
  } finally {
    await producer.shutdown();
  }
}

Deno.test("Producer sends to a new topic through TBW102 and picks up its own route after the broker registers it", async () => {
  await withBroker(async (env) => {
    await withProducer(env, async (producer) => {
      const instance = producer.clientInstance!;
      const routed = waitFor<[string, number]>(
        (report) =>
          instance.on(
            "routeChanged",
            (topic, route) => report([topic, route.queueDatas[0]?.writeQueueNums ?? 0]),
          ),
        ([topic]) => topic === "TopicAuto",
        5000,
        "the route of TopicAuto",
      );
      const message = new Message({
        topic: "TopicAuto",
        body: "hello",
        tags: "TagA",
        keys: ["order-1", "user-9"],
        properties: { region: "eu" },
      });
      const result = await producer.send(message);
      assert.equal(result.sendStatus, "SEND_OK");
      assert.match(result.msgId, /^7F000001[0-9A-F]{24}$/);
      assert.equal(result.msgId, message.properties.get("UNIQ_KEY"));
      assert.equal(result.messageQueue.topic, "TopicAuto");
      assert.equal(result.messageQueue.brokerName, "broker-test");
      assert.equal(result.queueOffset, 0);
      assert.equal(result.regionId, "DefaultRegion");
      await routed;
      const [pulled] = await pullMessages(instance.api, env.address, {
        topic: "TopicAuto",
        queueId: result.messageQueue.queueId,
        count: 1,
      });
      assert.equal(pulled.bodyText, "hello");
      assert.equal(pulled.tags, "TagA");
      assert.equal(pulled.keys, "order-1 user-9");
      assert.equal(pulled.getUserProperty("region"), "eu");
      assert.equal(pulled.msgId, result.msgId);
      assert.equal(pulled.offsetMsgId, result.offsetMsgId);
      assert.equal(pulled.bornHost.startsWith("127.0.0.1:"), true);
    }, { pollNameServerInterval: 20 });
  });
});

Deno.test("Producer compresses bodies of 4096 bytes and more with zlib (sysFlag 0x301) and consumers read them back", async () => {
  await withBroker(async (env) => {
    await withProducer(env, async (producer) => {
      const big = new TextEncoder().encode("EdgeMQ compresses this body. ".repeat(400));
      const small = new Uint8Array(4095).fill(65);
      const bigResult = await producer.send({ topic: "TopicZ", body: big }, {
        messageQueue: { topic: "TopicZ", brokerName: "broker-test", queueId: 0 },
      });
      const smallResult = await producer.send({ topic: "TopicZ", body: small }, {
        messageQueue: bigResult.messageQueue,
      });
      const [stored, plain] = await pullMessages(producer.clientInstance!.api, env.address, {
        topic: "TopicZ",
        queueId: 0,
        count: 2,
      });
      assert.equal(stored.sysFlag, 0x301);
      assert.deepEqual(stored.body, big, "decoded transparently");
      assert.equal(plain.sysFlag, 0, "4095 bytes stay uncompressed");
      assert.deepEqual(plain.body, small);
      assert.equal(smallResult.queueOffset, bigResult.queueOffset + 1);
      const viewed = await producer.clientInstance!.api.viewMessage(
        env.address,
        stored.commitLogOffset,
        3000,
      );
      assert.deepEqual(viewed.body, big);
      const [raw] = decodeMessages(
        (await producer.clientInstance!.api.pullMessage(env.address, {
          consumerGroup: "CG",
          topic: "TopicZ",
          queueId: 0,
          queueOffset: bigResult.queueOffset,
          maxMsgNums: 1,
          sysFlag: 0x4,
          commitOffset: 0,
          suspendTimeoutMillis: 0,
          subscription: "*",
          subVersion: 0,
        }, 3000)).messageBinary!,
        { decompress: false },
      );
      assert.equal(raw.body[0], 0x78, "stored as a zlib stream");
      assert.ok(raw.body.length < big.length / 10);
    });
  });
});

Deno.test("Producer sendOneway writes without waiting and the message arrives", async () => {
  await withBroker(async (env) => {
    await withProducer(env, async (producer) => {
      const mq = { topic: "TopicOneway", brokerName: "broker-test", queueId: 1 };
      await producer.send({ topic: "TopicOneway", body: "first" }, { messageQueue: mq });
      await producer.sendOneway({ topic: "TopicOneway", body: "oneway" }, { messageQueue: mq });
      const messages = await pullMessages(producer.clientInstance!.api, env.address, {
        topic: "TopicOneway",
        queueId: 1,
        count: 2,
      });
      assert.deepEqual(messages.map((m) => m.bodyText), ["first", "oneway"]);
      await producer.sendOneway({ topic: "TopicOneway", body: "round robin" });
      assert.equal(producer.inFlight, 0);
    });
  });
});

Deno.test("Producer sends a batch as SEND_BATCH_MESSAGE: one queue, consecutive offsets, an id per message", async () => {
  await withBroker(async (env) => {
    await withProducer(env, async (producer) => {
      const mq = { topic: "TopicBatch", brokerName: "broker-test", queueId: 2 };
      await producer.send({ topic: "TopicBatch", body: "create" }, { messageQueue: mq });
      const result = await producer.send([
        { topic: "TopicBatch", body: "b1", tags: "T1" },
        { topic: "TopicBatch", body: "b2", keys: "k2" },
        new Message({ topic: "TopicBatch", body: "b3" }),
      ], { messageQueue: mq });
      assert.equal(result.sendStatus, "SEND_OK");
      const ids = result.msgId.split(",");
      assert.equal(ids.length, 3);
      assert.equal(result.offsetMsgId.split(",").length, 3);
      assert.equal(result.queueOffset, 1);
      const messages = await pullMessages(producer.clientInstance!.api, env.address, {
        topic: "TopicBatch",
        queueId: 2,
        queueOffset: 1,
        count: 3,
      });
      assert.deepEqual(messages.map((m) => m.bodyText), ["b1", "b2", "b3"]);
      assert.deepEqual(messages.map((m) => m.msgId), ids);
      assert.deepEqual(messages.map((m) => m.queueOffset), [1, 2, 3]);
      assert.equal(messages[0].tags, "T1");
      assert.equal(messages[1].keys, "k2");
      await assert.rejects(
        producer.sendBatch([{ topic: "TopicBatch", body: "x", delayTimeLevel: 1 }]),
        /Failed to initiate the MessageBatch/,
      );
    });
  });
});

Deno.test("Producer sends the delay level as DELAY for the broker to schedule", async () => {
  await withBroker(async (env) => {
    await withProducer(env, async (producer) => {
      const result = await producer.send({ topic: "TopicDelay", body: "later", delayTimeLevel: 2 });
      assert.equal(result.sendStatus, "SEND_OK");
      const stored = await producer.clientInstance!.api.viewMessage(
        env.address,
        Number.parseInt(result.offsetMsgId.slice(16), 16),
        3000,
      );
      // RocketMQ stores it in SCHEDULE_TOPIC_XXXX queue level - 1 with REAL_TOPIC; a broker
      // without delay support keeps it on the topic. Either way the level arrived.
      const realTopic = stored.topic === "SCHEDULE_TOPIC_XXXX"
        ? stored.properties.get("REAL_TOPIC")
        : stored.topic;
      assert.equal(realTopic, "TopicDelay");
      assert.equal(stored.delayTimeLevel, 2);
      assert.equal(stored.msgId, result.msgId);
    });
  });
});

Deno.test("Producer reports 'No route info of this topic' as RocketMQ words it when no route and no TBW102 exist", async () => {
  await withBroker(async (env) => {
    await withProducer(env, async (producer) => {
      const error = await producer.send({ topic: "TopicNowhere", body: "x" }).then(
        () => assert.fail("send must fail"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof MQClientError);
      assert.equal(
        error.message,
        "No route info of this topic: TopicNowhere\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.",
      );
      assert.equal(error.responseCode, 10005);
    });
  }, { autoCreateTopicEnable: "false" });
});

Deno.test("Producer refuses bad messages, a duplicate group and sends before start with RocketMQ's wording", async () => {
  await withBroker(async (env) => {
    const manager = new MQClientManager();
    await withProducer(env, async (producer) => {
      await assert.rejects(
        producer.send({ topic: "T", body: "" }),
        /^MQClientError: CODE: 13 {2}DESC: the message body length is zero/,
      );
      await assert.rejects(
        producer.send({ topic: "bad topic", body: "x" }),
        /The specified topic\[bad topic\] contains illegal characters/,
      );
      await assert.rejects(
        producer.send({ topic: "T", body: new Uint8Array(4 * 1024 * 1024 + 1) }),
        /the message body size over max value, MAX: 4194304/,
      );
      const twin = new Producer({
        producerGroup: "PG_TEST",
        namesrvAddr: env.namesrvAddr!,
        clientIP: "127.0.0.1",
        instanceName: producer.config.client.instanceName,
        clientManager: manager,
      });
      await assert.rejects(
        twin.send({ topic: "T", body: "x" }),
        /The producer service state not OK, CREATE_JUST/,
      );
      await assert.rejects(
        twin.start(),
        /The producer group\[PG_TEST\] has been created before, specify another name please\.\nSee https/,
      );
      await assert.rejects(
        producer.start(),
        /The producer service state not OK, maybe started once, RUNNING/,
      );
    }, { clientManager: manager });
    assert.equal(manager.size, 0, "the instance is released with its last producer");
  });
});

Deno.test("Producer shutdown() during start() waits for the start, then stops the producer", async () => {
  await withBroker(async (env) => {
    const producer = new Producer({
      producerGroup: "PG_STOP_EARLY",
      ...testClientOptions(env.namesrvAddr!),
      logger: silentRemotingLogger,
      clientManager: new MQClientManager(),
    });
    const starting = producer.start();
    await producer.shutdown();
    await starting;
    assert.equal(producer.state, "SHUTDOWN_ALREADY");
    await assert.rejects(producer.send({ topic: "T", body: "x" }), /SHUTDOWN_ALREADY/);
    // A producer left running would leave timers and sockets the test sanitizers report.
  });
});

import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { registerRoute, startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";
import { startTestProducer, testClientOptions } from "./_client_testing.ts";
import { AdminClient } from "./admin_client.ts";
import { MQClientError } from "./client_error.ts";
import type { Producer } from "./producer.ts";

async function withAdmin(
  fn: (env: TestBroker, admin: AdminClient, producer: Producer) => Promise<void>,
) {
  const env = await startTestBroker();
  const admin = new AdminClient({
    ...testClientOptions(env.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const producer = await startTestProducer(env.namesrvAddr!);
  try {
    await fn(env, admin, producer);
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await env.close();
  }
}

Deno.test("AdminClient reads the cluster, creates a topic on it, lists, routes and deletes it", async () => {
  await withAdmin(async (env, admin, producer) => {
    const cluster = await admin.clusterInfo();
    assert.deepEqual([...cluster.clusterAddrTable.get("DefaultCluster")!], ["broker-test"]);
    assert.equal(cluster.brokerAddrTable.get("broker-test")?.brokerAddrs.get(0), env.address);
    assert.deepEqual(
      await admin.createTopicInCluster("DefaultCluster", {
        topicName: "TopicAdm",
        readQueueNums: 3,
        writeQueueNums: 3,
      }),
      [env.address],
    );
    await env.broker.registration!.registerNow();
    const route = await admin.topicRoute("TopicAdm");
    assert.deepEqual(
      route.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]),
      [["broker-test", 3, 3, 6]],
    );
    assert.ok((await admin.topicList()).topicList.includes("TopicAdm"));
    assert.ok((await admin.topicsByCluster("DefaultCluster")).topicList.includes("TopicAdm"));
    assert.ok((await admin.systemTopicList()).topicList.includes("DefaultCluster"));
    await assert.rejects(
      admin.masterAddrsOfCluster("NoSuchCluster"),
      /Cannot find cluster NoSuchCluster/,
    );

    await producer.send({ topic: "TopicAdm", body: "x" });
    // The broker cannot delete a topic before its consume queue reached the disk (reported).
    await env.broker.store.waitDispatched();
    await env.broker.store.flush();
    await admin.deleteTopic("TopicAdm", "DefaultCluster");
    const gone = await admin.topicRoute("TopicAdm").then(() => undefined, (e: unknown) => e);
    assert.ok(gone instanceof MQClientError);
    assert.equal(gone.responseCode, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(
      gone.message,
      /^CODE: 17 {2}DESC: No topic route info in name server for the topic: TopicAdm/,
    );
  });
});

Deno.test("AdminClient reads topic stats, runtime info and broker config, and updates the config", async () => {
  await withAdmin(async (env, admin, producer) => {
    const mq = { topic: "TopicStats", brokerName: "broker-test", queueId: 0 };
    for (let i = 0; i < 3; i++) {
      await producer.send({ topic: "TopicStats", body: `m${i}` }, { messageQueue: mq });
    }
    await env.broker.registration!.registerNow();
    const stats = await admin.topicStats("TopicStats");
    assert.equal(stats.length, 4);
    assert.deepEqual([stats[0].mq, stats[0].minOffset, stats[0].maxOffset], [mq, 0, 3]);
    assert.ok(stats[0].lastUpdateTimestamp > 0);
    // GET_BROKER_RUNTIME_INFO fails until the consume-queue folder exists on disk (reported).
    await env.broker.store.waitDispatched();
    await env.broker.store.flush();
    const runtime = await admin.brokerRuntimeInfo(env.address);
    assert.ok(runtime.has("brokerVersion"));
    const config = await admin.getBrokerConfig(env.address);
    assert.equal(config.get("brokerName"), "broker-test");
    await admin.updateBrokerConfig(env.address, new Map([["flushIntervalConsumeQueue", "1500"]]));
    assert.equal(
      (await admin.getBrokerConfig(env.address)).get("flushIntervalConsumeQueue"),
      "1500",
    );
    await assert.rejects(
      admin.updateBrokerConfig(env.address, new Map([["brokerConfigPath", "/tmp/x"]])),
      /CODE: 16 {2}DESC: Can not update config in black list\./,
    );
  });
});

Deno.test("AdminClient manages name server config, KV config and write permission on every name server", async () => {
  await withAdmin(async (env, admin) => {
    const ns = env.namesrvAddr!;
    const before = await admin.getNamesrvConfig();
    assert.equal(before.get(ns)?.get("orderMessageEnable"), "false");
    await admin.updateNamesrvConfig(new Map([["orderMessageEnable", "true"]]));
    assert.equal((await admin.getNamesrvConfig([ns])).get(ns)?.get("orderMessageEnable"), "true");

    await admin.putKVConfig("ORDER_TOPIC_CONFIG", "TopicKV", "broker-test:2");
    assert.equal(await admin.getKVConfig("ORDER_TOPIC_CONFIG", "TopicKV"), "broker-test:2");
    assert.deepEqual([...await admin.getKVListByNamespace("ORDER_TOPIC_CONFIG")], [[
      "TopicKV",
      "broker-test:2",
    ]]);
    await admin.deleteKVConfig("ORDER_TOPIC_CONFIG", "TopicKV");
    assert.equal(await admin.getKVConfig("ORDER_TOPIC_CONFIG", "TopicKV"), undefined);
    assert.equal((await admin.getKVListByNamespace("ORDER_TOPIC_CONFIG")).size, 0);

    const wiped = await admin.wipeWritePerm("broker-test");
    assert.ok((wiped.get(ns) ?? 0) > 0);
    assert.equal((await admin.topicRoute("TBW102")).queueDatas[0].perm & 2, 0);
    const added = await admin.addWritePerm("broker-test");
    assert.equal(added.get(ns), wiped.get(ns));
    assert.equal((await admin.topicRoute("TBW102")).queueDatas[0].perm & 2, 2);
  });
});

Deno.test("AdminClient manages subscription groups and reads consume progress", async () => {
  await withAdmin(async (env, admin, producer) => {
    await admin.createOrUpdateSubscriptionGroup(env.address, {
      groupName: "SG1",
      retryMaxTimes: 5,
    });
    const all = async () => {
      const response = await admin.api.invokeBroker(
        env.address,
        admin.api.request(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
        3000,
      );
      return JSON.parse(new TextDecoder().decode(response.body)).subscriptionGroupTable as Record<
        string,
        { retryMaxTimes: number }
      >;
    };
    assert.equal((await all())["SG1"].retryMaxTimes, 5);
    await admin.deleteSubscriptionGroup(env.address, "SG1", true);
    assert.equal((await all())["SG1"], undefined);

    const mq = { topic: "TopicProgress", brokerName: "broker-test", queueId: 1 };
    for (let i = 0; i < 3; i++) {
      await producer.send({ topic: "TopicProgress", body: `m${i}` }, { messageQueue: mq });
    }
    await env.broker.registration!.registerNow();
    await admin.api.updateConsumerOffset(env.address, {
      consumerGroup: "CGS",
      topic: "TopicProgress",
      queueId: 1,
      commitOffset: 1,
    }, 3000);
    assert.equal(
      await admin.api.queryConsumerOffset(env.address, {
        consumerGroup: "CGS",
        topic: "TopicProgress",
        queueId: 1,
      }, 3000),
      1,
    );
    const progress = await admin.consumerProgress("CGS", "TopicProgress");
    const row = progress.offsetTable.find((o) => o.mq.queueId === 1)!;
    assert.deepEqual([row.brokerOffset, row.consumerOffset], [3, 1]);
    assert.equal(progress.diffTotal, 2);
    assert.ok((await admin.queryTopicConsumeByWho("TopicProgress")).includes("CGS"));
    await assert.rejects(admin.consumerConnection("CG_NOBODY"), /CODE: 17/);
  });
});

Deno.test("AdminClient finds messages by key and unique key and views one by its offset id", async () => {
  await withAdmin(async (env, admin, producer) => {
    const sent = await producer.send({
      topic: "TopicQuery",
      body: "find me",
      keys: ["order-42", "user-1"],
    });
    await producer.send({ topic: "TopicQuery", body: "other", keys: "order-43" });
    await env.broker.registration!.registerNow();
    await env.broker.store.waitDispatched();
    const byKey = await admin.queryMessageByKey("TopicQuery", "order-42");
    assert.deepEqual(byKey.map((m) => m.bodyText), ["find me"]);
    const byId = await admin.queryMessageByUniqKey("TopicQuery", sent.msgId);
    assert.deepEqual(byId.map((m) => m.offsetMsgId), [sent.offsetMsgId]);
    const viewed = await admin.viewMessage(sent.offsetMsgId);
    assert.equal(viewed.bodyText, "find me");
    assert.equal(viewed.msgId, sent.msgId);
    assert.deepEqual(await admin.queryMessageByKey("TopicQuery", "no-such-key"), []);
    // "TopicAa#k" and "TopicBB#k" share a Java hash, so the index answers both: topic filters.
    await producer.send({ topic: "TopicAa", body: "mine", keys: "k" });
    await producer.send({ topic: "TopicBB", body: "someone else's", keys: "k" });
    await env.broker.store.waitDispatched();
    const collided = await admin.queryMessageByKey("TopicAa", "k");
    assert.deepEqual(collided.map((m) => [m.topic, m.bodyText]), [["TopicAa", "mine"]]);
  });
});

Deno.test("AdminClient finds messages on the brokers that answer when another of the route is down", async () => {
  await withAdmin(async (env, admin, producer) => {
    const sent = await producer.send({ topic: "TopicQ", body: "hello", keys: "order-7" });
    await env.broker.registration!.registerNow();
    await env.broker.store.waitDispatched();
    // A crashed broker still in the route: its port refuses connections.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadAddr = `127.0.0.1:${listener.addr.port}`;
    listener.close();
    const closeRoute = await registerRoute(
      env.namesrvAddr!,
      { brokerName: "broker-0dead", brokerAddr: deadAddr },
      [{ name: "TopicQ", queues: 4, perm: 6 }, { name: "broker-0dead", queues: 1, perm: 7 }],
    );
    try {
      assert.equal((await admin.topicRoute("TopicQ")).brokerDatas.length, 2);
      const byKey = await admin.queryMessageByKey("TopicQ", "order-7");
      assert.deepEqual(byKey.map((m) => m.bodyText), ["hello"]);
      const byId = await admin.queryMessageByUniqKey("TopicQ", sent.msgId);
      assert.deepEqual(byId.map((m) => m.msgId), [sent.msgId]);
      // Only the dead broker: its error, not an empty answer.
      const alone = await registerRoute(
        env.namesrvAddr!,
        { brokerName: "broker-0dead", brokerAddr: deadAddr },
        [{ name: "TopicDead", queues: 1, perm: 6 }, { name: "broker-0dead", queues: 1, perm: 7 }],
      );
      try {
        await assert.rejects(admin.queryMessageByKey("TopicDead", "k"), /Cannot connect/);
      } finally {
        await alone();
      }
    } finally {
      await closeRoute();
    }
  });
});

// Found by helper-136: the brokers' rows came in route order (registration order), not sorted.
Deno.test("AdminClient consumeStats and topicStats sort the queues of two brokers by broker name", async () => {
  // broker-b registers the topic first, so the route lists it first.
  const b = await startTestBroker({ properties: { brokerName: "broker-b" } });
  const a = await startTestBroker({
    namesrvAddr: b.namesrvAddr,
    properties: { brokerName: "broker-a" },
  });
  const admin = new AdminClient({
    ...testClientOptions(b.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  try {
    const topic = "TopicSorted";
    for (const broker of [b, a]) {
      await admin.createTopic(broker.address, {
        topicName: topic,
        readQueueNums: 2,
        writeQueueNums: 2,
      });
      await broker.broker.registration!.registerNow();
      for (const queueId of [0, 1]) {
        const offset = { consumerGroup: "CG_SORTED", topic, queueId, commitOffset: 0 };
        await admin.api.updateConsumerOffset(broker.address, offset, 3000);
      }
    }
    const expected = ["broker-a:0", "broker-a:1", "broker-b:0", "broker-b:1"];
    const names = (rows: { mq: { brokerName: string; queueId: number } }[]) =>
      rows.map(({ mq }) => `${mq.brokerName}:${mq.queueId}`);
    assert.deepEqual(names((await admin.consumeStats("CG_SORTED", topic)).offsetTable), expected);
    assert.deepEqual(names(await admin.topicStats(topic)), expected);
  } finally {
    await admin.shutdown();
    await a.close();
    await b.close();
  }
});

Deno.test("AdminClient reads a group and a subscribed topic named __proto__", async () => {
  await withAdmin(async (env, admin) => {
    // Valid RocketMQ names ([%|a-zA-Z0-9_-]+); JSON.parse keeps them as own keys, zod's record not.
    await admin.createOrUpdateSubscriptionGroup(env.address, {
      groupName: "__proto__",
      retryMaxTimes: 3,
    });
    const group = await admin.examineSubscriptionGroupConfig(env.address, "__proto__");
    assert.equal(group?.retryMaxTimes, 3, "the group's settings are found");
    const member = new TestBrokerClient(new DenoTcpTransport(), env.address);
    try {
      const subscriptions = JSON.parse('{"__proto__":"TagA","TopicB":"*"}');
      const heartbeat = await member.heartbeat("10.0.0.1@a", "CG_PROTO", subscriptions);
      assert.equal(heartbeat.code, ResponseCode.SUCCESS, heartbeat.remark);
      const connection = await admin.consumerConnection("CG_PROTO", env.address);
      assert.deepEqual(Object.keys(connection.subscriptionTable).sort(), ["TopicB", "__proto__"]);
      assert.equal(
        Object.getOwnPropertyDescriptor(connection.subscriptionTable, "__proto__")?.value
          .subString,
        "TagA",
      );
    } finally {
      await member.close();
    }
  });
});

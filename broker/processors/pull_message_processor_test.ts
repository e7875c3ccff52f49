import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import {
  startTestBroker,
  type TestBroker,
  type TestBrokerOptions,
} from "../../tests/broker_test_env.ts";
import { createSubscriptionGroupConfig } from "../subscription_group_config.ts";

async function withBroker(
  options: TestBrokerOptions,
  body: (env: TestBroker, client: TestBrokerClient) => Promise<void>,
): Promise<void> {
  const env = await startTestBroker({ withNamesrv: false, ...options });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await body(env, client);
  } finally {
    await client.close();
    await env.close();
  }
}

/** Creates the topic with 4 queues by sending to queue 3 (queues 0..2 stay empty). */
async function createTopic(client: TestBrokerClient, topic: string): Promise<void> {
  const response = await client.send(topic, "seed", { queueId: 3 });
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
}

Deno.test("PullMessageProcessor answers every header field and FOUND with the stored records", async () => {
  await withBroker({}, async (_env, client) => {
    for (let i = 0; i < 3; i++) await client.send("TopicP", `m${i}`, { queueId: 0 });
    const response = await client.pull({
      group: "G",
      topic: "TopicP",
      queueId: 0,
      queueOffset: 1,
      subscription: "*",
    });
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.remark, "FOUND");
    assert.deepEqual(response.extFields, {
      suggestWhichBrokerId: "0",
      nextBeginOffset: "3",
      minOffset: "0",
      maxOffset: "3",
    });
    assert.deepEqual(decodeRecords(response.body).map((r) => new TextDecoder().decode(r.body)), [
      "m1",
      "m2",
    ]);

    const moved = await client.pull({
      group: "G",
      topic: "TopicP",
      queueId: 0,
      queueOffset: 100,
      subscription: "*",
      sysFlag: 0x4,
    });
    assert.equal(moved.code, ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(moved.remark, "OFFSET_OVERFLOW_BADLY");
    assert.equal(moved.extFields!.nextBeginOffset, "3");

    const empty = await client.pull({
      group: "G",
      topic: "TopicP",
      queueId: 1,
      queueOffset: 0,
      subscription: "*",
      sysFlag: 0x4,
    });
    assert.equal(empty.code, ResponseCode.PULL_NOT_FOUND);
    assert.equal(empty.extFields!.maxOffset, "0");
  });
});

Deno.test("PullMessageProcessor filters by the heartbeat's tags when the pull has no expression", async () => {
  await withBroker({}, async (_env, client) => {
    for (const tags of ["TagA", "TagC", "TagB", "TagA"]) {
      await client.send("TopicTags", tags, { queueId: 0, tags });
    }
    const heartbeat = await client.heartbeat("127.0.0.1@test", "G_TAGS", {
      TopicTags: "TagA || TagB",
    });
    assert.equal(heartbeat.code, ResponseCode.SUCCESS);
    const response = await client.pull({
      group: "G_TAGS",
      topic: "TopicTags",
      queueId: 0,
      queueOffset: 0,
      sysFlag: 0x2,
    });
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.deepEqual(decodeRecords(response.body).map((r) => r.properties.get("TAGS")), [
      "TagA",
      "TagB",
      "TagA",
    ]);
    assert.equal(response.extFields!.nextBeginOffset, "4");

    const none = await client.pull({
      group: "G_TAGS",
      topic: "TopicTags",
      queueId: 0,
      queueOffset: 1,
      maxMsgNums: 1,
      subscription: "TagZ",
      sysFlag: 0x4,
    });
    assert.equal(none.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
    assert.equal(none.remark, "NO_MATCHED_MESSAGE");
  });
});

Deno.test("PullMessageProcessor wakes a parked pull as soon as a matching message arrives", async () => {
  await withBroker({}, async (env, client) => {
    await createTopic(client, "TopicLong");
    const started = performance.now();
    const pending = client.pull({
      group: "G_LONG",
      topic: "TopicLong",
      queueId: 0,
      queueOffset: 0,
      subscription: "TagA",
      suspendTimeoutMillis: 10_000,
    });
    await parked(env, 1);
    const other = await client.send("TopicLong", "other", { queueId: 0, tags: "TagC" });
    assert.equal(other.code, ResponseCode.SUCCESS);
    assert.equal(env.broker.holdService.size, 1, "a non-matching tag leaves the pull parked");
    await client.send("TopicLong", "wanted", { queueId: 0, tags: "TagA" });
    const response = await pending;
    const elapsed = performance.now() - started;
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.deepEqual(decodeRecords(response.body).map((r) => r.properties.get("TAGS")), ["TagA"]);
    assert.ok(elapsed < 5_000, `woken after ${elapsed} ms, well before the 10 s hold`);
  });
});

/** Waits (bounded) for the broker to park `count` pulls. */
function parked(env: TestBroker, count: number): Promise<void> {
  return env.broker.holdService.waitForParked(count, 5_000);
}

Deno.test("PullMessageProcessor answers at once a pull whose message arrived between its read and its park", async () => {
  await withBroker({}, async (env, client) => {
    await createTopic(client, "TopicRace");
    const { store, holdService } = env.broker;
    const read = store.getMessage.bind(store);
    let injected = false;
    // Hook after the pull's store read: put a message and wait until its arrival was notified
    // (to nobody: the pull is not parked yet), then let the pull go on to park with its stale
    // PULL_NOT_FOUND. Only a re-check at park time can answer it before its 10 s hold ends.
    store.getMessage = async (...args: Parameters<typeof read>) => {
      const result = await read(...args);
      if (injected || args[1] !== "TopicRace") return result;
      injected = true;
      const notify = holdService.notifyMessageArriving.bind(holdService);
      const notified = Promise.withResolvers<void>();
      holdService.notifyMessageArriving = (topic, queueId, maxOffset, tagsCode) => {
        notify(topic, queueId, maxOffset, tagsCode);
        if (topic === "TopicRace" && queueId === 0) notified.resolve();
      };
      const sent = await client.send("TopicRace", "late", { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      await notified.promise;
      assert.equal(holdService.size, 0, "the arrival was notified before the pull parked");
      return result;
    };
    const started = performance.now();
    const response = await client.pull({
      group: "G_RACE",
      topic: "TopicRace",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
      suspendTimeoutMillis: 10_000,
    });
    const elapsed = performance.now() - started;
    assert.ok(injected, "the hook ran");
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.deepEqual(decodeRecords(response.body).map((r) => new TextDecoder().decode(r.body)), [
      "late",
    ]);
    assert.ok(elapsed < 3_000, `answered after ${elapsed} ms, well before the 10 s hold`);
  });
});

Deno.test("PullMessageProcessor answers a parked pull at its hold time and at shutdown", async () => {
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { longPollingEnable: "false", shortPollingTimeMills: "100" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await createTopic(client, "TopicShort");
    const started = performance.now();
    const response = await client.pull({
      group: "G",
      topic: "TopicShort",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
    });
    assert.equal(response.code, ResponseCode.PULL_NOT_FOUND);
    assert.ok(performance.now() - started >= 90, "held for shortPollingTimeMills");
  } finally {
    await client.close();
    await env.close();
  }
  const env2 = await startTestBroker({ withNamesrv: false });
  const client2 = new TestBrokerClient(new DenoTcpTransport(), env2.address);
  try {
    await createTopic(client2, "TopicStop");
    const pending = client2.pull({
      group: "G",
      topic: "TopicStop",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
      suspendTimeoutMillis: 20_000,
    });
    await parked(env2, 1);
    const closing = env2.close();
    const response = await pending;
    assert.equal(response.code, ResponseCode.PULL_NOT_FOUND);
    await closing;
  } finally {
    await client2.close();
  }
});

Deno.test("PullMessageProcessor checks the group, the subscription and the port", async () => {
  await withBroker(
    { properties: { autoCreateSubscriptionGroup: "false" } },
    async (env, client) => {
      await createTopic(client, "TopicG");
      const unknown = await client.pull({
        group: "G_UNKNOWN",
        topic: "TopicG",
        queueId: 0,
        queueOffset: 0,
      });
      assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
      assert.match(unknown.remark!, /^subscription group \[G_UNKNOWN\] does not exist/);

      await env.broker.subscriptionGroupManager.updateSubscriptionGroupConfig(
        createSubscriptionGroupConfig("G_KNOWN"),
      );
      const noSub = await client.pull({
        group: "G_KNOWN",
        topic: "TopicG",
        queueId: 0,
        queueOffset: 0,
        sysFlag: 0x2,
      });
      assert.equal(noSub.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
      await client.heartbeat("127.0.0.1@g", "G_KNOWN", { TopicG: "*" });
      const stale = await client.pull({
        group: "G_KNOWN",
        topic: "TopicG",
        queueId: 0,
        queueOffset: 0,
        sysFlag: 0,
        subVersion: 99,
      });
      assert.equal(stale.code, ResponseCode.SUBSCRIPTION_NOT_LATEST);
      const badQueue = await client.pull({
        group: "G_KNOWN",
        topic: "TopicG",
        queueId: 9,
        queueOffset: 0,
        sysFlag: 0,
      });
      assert.equal(badQueue.code, ResponseCode.SYSTEM_ERROR);
      assert.match(
        badQueue.remark!,
        /^queueId\[9\] is illegal, topic:\[TopicG\] topicConfig\.readQueueNums:\[4\]/,
      );
      const noTopic = await client.pull({
        group: "G_KNOWN",
        topic: "TopicNone",
        queueId: 0,
        queueOffset: 0,
        sysFlag: 0,
      });
      assert.equal(noTopic.code, ResponseCode.TOPIC_NOT_EXIST);
    },
  );
});

Deno.test("PullMessageProcessor refuses a disabled group and pulls only on the main port", async () => {
  await withBroker({}, async (env, client) => {
    await createTopic(client, "TopicG");
    await client.heartbeat("127.0.0.1@g", "G_KNOWN", { TopicG: "*" });
    await env.broker.subscriptionGroupManager.updateSubscriptionGroupConfig({
      ...createSubscriptionGroupConfig("G_KNOWN"),
      consumeEnable: false,
    });
    const disabled = await client.pull({
      group: "G_KNOWN",
      topic: "TopicG",
      queueId: 0,
      queueOffset: 0,
      sysFlag: 0,
    });
    assert.equal(disabled.code, ResponseCode.NO_PERMISSION);

    const vip = new TestBrokerClient(new DenoTcpTransport(), `127.0.0.1:${env.broker.vipPort}`);
    try {
      const onVip = await vip.pull({
        group: "G_KNOWN",
        topic: "TopicG",
        queueId: 0,
        queueOffset: 0,
        sysFlag: 0,
      });
      assert.equal(onVip.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
      assert.equal(
        (await vip.send("TopicG", "via vip", { queueId: 0 })).code,
        ResponseCode.SUCCESS,
      );
    } finally {
      await vip.close();
    }
  });
});

Deno.test("PullMessageProcessor commits the piggy-backed offset", async () => {
  await withBroker({}, async (env, client) => {
    await createTopic(client, "TopicCommit");
    await client.pull({
      group: "G_COMMIT",
      topic: "TopicCommit",
      queueId: 3,
      queueOffset: 0,
      subscription: "*",
      sysFlag: 0x1 | 0x4,
      commitOffset: 1,
    });
    assert.equal(env.broker.consumerOffsetManager.queryOffset("G_COMMIT", "TopicCommit", 3), 1);
  });
});

Deno.test("PullMessageProcessor does not park a pull whose connection closed during its read", async () => {
  await withBroker({}, async (env, client) => {
    await createTopic(client, "TopicGone");
    const { store, holdService } = env.broker;
    const leaving = new TestBrokerClient(new DenoTcpTransport(), env.address);
    const dropChannel = holdService.dropChannel.bind(holdService);
    const dropped = Promise.withResolvers<void>();
    holdService.dropChannel = (channelId) => {
      dropChannel(channelId);
      dropped.resolve();
    };
    const read = store.getMessage.bind(store);
    const readDone = Promise.withResolvers<void>();
    let hooked = false;
    // Hook after the pull's store read: close its connection and wait until the broker has
    // handled the close (which frees the connection's parked pulls: none yet).
    store.getMessage = async (...args: Parameters<typeof read>) => {
      const result = await read(...args);
      if (hooked || args[1] !== "TopicGone") return result;
      hooked = true;
      await leaving.close();
      await dropped.promise;
      readDone.resolve();
      return result;
    };
    const gone = leaving.pull({
      group: "G_GONE",
      topic: "TopicGone",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
      suspendTimeoutMillis: 10_000,
    }).then(() => "answered", () => "failed");
    await readDone.promise;
    const live = client.pull({
      group: "G_GONE",
      topic: "TopicGone",
      queueId: 1,
      queueOffset: 0,
      subscription: "*",
      suspendTimeoutMillis: 10_000,
    }).then((response) => response.code, String); // settles, even when an assertion fails first
    await parked(env, 1);
    await client.send("TopicGone", "wake", { queueId: 1 });
    assert.equal(await live, ResponseCode.SUCCESS);
    // The closed pull's path ran to its end long before the live pull was answered.
    assert.equal(holdService.size, 0, "the closed connection's pull is not parked");
    assert.equal(await gone, "failed", "the closed connection got no answer");
  });
});

Deno.test("PullMessageProcessor answers SYSTEM_BUSY when the hold table is full", async () => {
  await withBroker({ pullRequestsHeldMax: 2 }, async (env, client) => {
    await createTopic(client, "TopicFull");
    const pull = (queueId: number) =>
      client.pull({
        group: "G_FULL",
        topic: "TopicFull",
        queueId,
        queueOffset: 0,
        subscription: "*",
        suspendTimeoutMillis: 10_000,
      });
    // settled to codes, so a failed assertion below leaves no rejection behind
    const held = [pull(0), pull(1)].map((p) => p.then((response) => response.code, String));
    await parked(env, 2);
    const refused = await pull(2);
    assert.equal(refused.code, ResponseCode.SYSTEM_BUSY);
    assert.match(refused.remark ?? "", /^\[PULL_HOLD_FULL\] the broker holds 2 pulls/);
    await client.send("TopicFull", "a", { queueId: 0 });
    await client.send("TopicFull", "b", { queueId: 1 });
    assert.deepEqual(await Promise.all(held), [ResponseCode.SUCCESS, ResponseCode.SUCCESS]);
    assert.equal(env.broker.holdService.full, false, "woken pulls free their slots");
  });
});

Deno.test("PullMessageProcessor serves a 5.x lite pull consumer's LITE_PULL_MESSAGE (361), parked ones too", async () => {
  await withBroker({}, async (env, client) => {
    await createTopic(client, "TopicLite");
    await client.send("TopicLite", "first", { queueId: 0 });
    // What 5.x DefaultLitePullConsumer sends: the pull header, the lite flag (0x10), code 361.
    const litePull = (queueOffset: number) => {
      const request = client.pullRequest({
        group: "G_LITE",
        topic: "TopicLite",
        queueId: 0,
        queueOffset,
        subscription: "*",
        sysFlag: 0x2 | 0x4 | 0x10, // SUSPEND, SUBSCRIPTION, LITE_PULL
        suspendTimeoutMillis: 10_000,
      });
      return client.invoke({ ...request, code: RequestCode.LITE_PULL_MESSAGE }, 20_000);
    };
    const found = await litePull(0);
    assert.equal(found.code, ResponseCode.SUCCESS, found.remark);
    assert.deepEqual(decodeRecords(found.body).map((r) => r.queueOffset), [0]);
    assert.equal(found.extFields!.nextBeginOffset, "1");
    const pending = litePull(1);
    await parked(env, 1);
    await client.send("TopicLite", "second", { queueId: 0 });
    const woken = await pending;
    assert.equal(woken.code, ResponseCode.SUCCESS, woken.remark);
    assert.deepEqual(decodeRecords(woken.body).map((r) => r.queueOffset), [1]);
  });
});

Deno.test("PullMessageProcessor re-checks a woken pull: a group disabled while it was parked gets NO_PERMISSION", async () => {
  await withBroker({}, async (env, client) => {
    await createTopic(client, "TopicRecheck");
    await client.heartbeat("127.0.0.1@recheck", "G_RECHECK", { TopicRecheck: "*" });
    const pending = client.pull({
      group: "G_RECHECK",
      topic: "TopicRecheck",
      queueId: 0,
      queueOffset: 0,
      sysFlag: 0x2, // SUSPEND, the heartbeat's subscription (a Java push consumer's default)
      suspendTimeoutMillis: 10_000,
    }).then((response) => response, (error: Error) => error); // settles even if asserts fail
    await parked(env, 1);
    // The operator stops the group (`mqadmin updateSubGroup -s false`) while its pull is parked.
    await env.broker.subscriptionGroupManager.updateSubscriptionGroupConfig({
      ...createSubscriptionGroupConfig("G_RECHECK"),
      consumeEnable: false,
    });
    await client.send("TopicRecheck", "after disable", { queueId: 0 });
    const woken = await pending;
    assert.ok(!(woken instanceof Error), String(woken));
    assert.equal(woken.code, ResponseCode.NO_PERMISSION, woken.remark);
    assert.equal(woken.remark, "subscription group no permission, G_RECHECK");
    assert.equal(woken.body, undefined, "no message reaches a disabled group");
  });
});

Deno.test("PullMessageProcessor records a moved offset in OFFSET_MOVED_EVENT, as mqadmin startMonitoring reads it", async () => {
  await withBroker({}, async (_env, client) => {
    for (let i = 0; i < 3; i++) await client.send("TopicMoved", `m${i}`, { queueId: 0 });
    const moved = await client.pull({
      group: "G_MOVED",
      topic: "TopicMoved",
      queueId: 0,
      queueOffset: 100,
      subscription: "*",
      sysFlag: 0x4,
    });
    assert.equal(moved.code, ResponseCode.PULL_OFFSET_MOVED);
    const events = await client.pull({
      group: "G_MONITOR",
      topic: "OFFSET_MOVED_EVENT",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
      sysFlag: 0x4,
    });
    assert.equal(events.code, ResponseCode.SUCCESS, events.remark);
    const records = decodeRecords(events.body);
    assert.equal(records.length, 1);
    assert.equal(records[0].properties.get("TAGS"), "G_MOVED");
    assert.equal(records[0].properties.get("KEYS"), "G_MOVED");
    // What RocketMQ's MonitorService decodes (OffsetMovedEvent, fastjson field order).
    assert.equal(
      new TextDecoder().decode(records[0].body),
      '{"consumerGroup":"G_MOVED","messageQueue":{"brokerName":"broker-test","queueId":0,' +
        '"topic":"TopicMoved"},"offsetNew":3,"offsetRequest":100}',
    );
  });
});

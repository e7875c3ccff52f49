import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { CONSUMER_OFFSET_KEYS_MAX } from "../limits.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

const utf8 = new TextDecoder();

Deno.test("ConsumerManageProcessor queries, updates and lists consumer offsets and members", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    assert.equal((await client.send("TopicO", "x", { queueId: 0 })).code, ResponseCode.SUCCESS);
    const query = (queueId: number) =>
      client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: "G_O",
        topic: "TopicO",
        queueId: String(queueId),
      });

    const young = await query(0);
    assert.equal(young.code, ResponseCode.SUCCESS, "a new group on a young queue starts at 0");
    assert.equal(young.extFields!.offset, "0");

    const update = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
      extFields: { consumerGroup: "G_O", topic: "TopicO", queueId: "0", commitOffset: "1" },
      oneway: true,
    });
    await client.remoting.invokeOneway(client.address, update, 3000);
    const committed = await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "G_O",
      topic: "TopicO",
      queueId: "1",
      commitOffset: "-1",
    });
    assert.equal(committed.code, ResponseCode.SUCCESS);
    assert.equal(
      (await query(0)).extFields!.offset,
      "1",
      "the oneway update landed before the later request",
    );
    assert.equal(
      (await query(1)).extFields!.offset,
      "0",
      "a stored -1 is no offset: the new-group rule applies",
    );
    const strict = await client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: "G_NEW",
      topic: "TopicO",
      queueId: "0",
      setZeroIfNotFound: "false",
    });
    assert.equal(strict.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(strict.remark, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");

    const list = await client.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: "G_O",
    });
    assert.equal(list.code, ResponseCode.SUCCESS);
    assert.deepEqual(JSON.parse(utf8.decode(list.body)), { consumerIdList: [] });
    await client.heartbeat("127.0.0.1@one", "G_O", { TopicO: "*" });
    const members = await client.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: "G_O",
    });
    assert.deepEqual(JSON.parse(utf8.decode(members.body)), { consumerIdList: ["127.0.0.1@one"] });

    const bad = await client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: "G_O",
      topic: "TopicO",
    });
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(bad.remark, "Cannot decode QUERY_CONSUMER_OFFSET header: queueId is missing");

    const huge = await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "G_O",
      topic: "T".repeat(1024 * 1024),
      queueId: "0",
      commitOffset: "1",
    });
    assert.equal(huge.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(huge.remark ?? "", /^Topic T{40}… \(1048576 characters\) not exist!$/);
    assert.equal((await query(0)).extFields!.offset, "1", "the connection goes on serving");
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("ConsumerManageProcessor keeps committed offsets across a broker restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_offsets_" });
  try {
    const first = await startTestBroker({ withNamesrv: false, dir });
    const client = new TestBrokerClient(new DenoTcpTransport(), first.address);
    await client.send("TopicR", "x", { queueId: 2 });
    await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "G_R",
      topic: "TopicR",
      queueId: "2",
      commitOffset: "1",
    });
    await client.close();
    await first.close();

    const second = await startTestBroker({ withNamesrv: false, dir });
    const again = new TestBrokerClient(new DenoTcpTransport(), second.address);
    try {
      const response = await again.call(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: "G_R",
        topic: "TopicR",
        queueId: "2",
      });
      assert.equal(response.code, ResponseCode.SUCCESS);
      assert.equal(response.extFields!.offset, "1");
      assert.equal(
        second.broker.store.getMaxOffsetInQueue("TopicR", 2),
        1,
        "the message survived too",
      );
    } finally {
      await again.close();
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("QUERY_CONSUMER_OFFSET gives a new group QUERY_NOT_FOUND once the queue's start is out of memory", async () => {
  // 10,000 bytes of RAM: the in-memory window is 40 % of it, 4,000 bytes behind the log end.
  const env = await startTestBroker({ withNamesrv: false, physicalMemoryBytes: 10_000 });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    for (let i = 0; i < 40; i++) {
      const sent = await client.send("TopicOld", "x".repeat(500), { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    assert.equal((await client.send("TopicYoung", "y", { queueId: 0 })).code, ResponseCode.SUCCESS);
    await env.broker.store.waitDispatched();
    const query = (topic: string) =>
      client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: "G_NEW",
        topic,
        queueId: "0",
      });
    const old = await query("TopicOld");
    assert.equal(old.code, ResponseCode.QUERY_NOT_FOUND, "the group starts where its policy says");
    const young = await query("TopicYoung");
    assert.equal(young.code, ResponseCode.SUCCESS, "a young queue still starts at 0");
    assert.equal(young.extFields!.offset, "0");
  } finally {
    await client.close();
    await env.close();
  }
});

// Found by helper-132: commits for made-up topics filled the offset table (CONSUMER_OFFSET_KEYS_MAX);
// then a real group could neither commit nor pull with the COMMIT_OFFSET flag.
Deno.test("ConsumerManageProcessor refuses a commit for a topic the broker does not have (TOPIC_NOT_EXIST, as 5.x)", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const commit = await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "G_MADE_UP",
      topic: "TopicMadeUp",
      queueId: "0",
      commitOffset: "1",
    });
    assert.equal(commit.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(commit.remark, "Topic TopicMadeUp not exist!");
    assert.equal(env.broker.consumerOffsetManager.queryOffset("G_MADE_UP", "TopicMadeUp", 0), -1);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("PULL_MESSAGE is served when the full offset table refuses its piggy-backed commit", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    assert.equal(
      (await client.send("TopicFull", "hello", { queueId: 0 })).code,
      ResponseCode.SUCCESS,
    );
    const offsets = env.broker.consumerOffsetManager;
    for (let i = 0; i < CONSUMER_OFFSET_KEYS_MAX; i++) {
      offsets.commitOffset({
        clientHost: "x",
        group: `G${i}`,
        topic: "TopicFull",
        queueId: 0,
        offset: 0,
      });
    }
    const pull = await client.pull({
      group: "G_LATE",
      topic: "TopicFull",
      queueId: 0,
      queueOffset: 0,
      sysFlag: 0x1 | 0x4, // COMMIT_OFFSET | SUBSCRIPTION, as a Java push consumer's pulls
      subscription: "*",
      commitOffset: 0,
      suspendTimeoutMillis: 0,
    });
    assert.equal(pull.code, ResponseCode.SUCCESS, pull.remark);
    assert.equal(decodeRecords(pull.body).length, 1);
    assert.equal(
      offsets.queryOffset("G_LATE", "TopicFull", 0),
      -1,
      "the commit itself was refused",
    );
  } finally {
    await client.close();
    await env.close();
  }
});

// Found by helper-133 in the fix above: made-up groups on a topic the broker has filled the table
// the same way.
Deno.test("ConsumerManageProcessor refuses a commit for a group the broker has not, with autoCreateSubscriptionGroup=false", async () => {
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { autoCreateSubscriptionGroup: "false" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    assert.equal((await client.send("TopicReal", "m", { queueId: 0 })).code, ResponseCode.SUCCESS);
    await env.broker.subscriptionGroupManager.updateSubscriptionGroupConfig({
      groupName: "G_REAL",
    });
    const commit = (group: string) =>
      client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: group,
        topic: "TopicReal",
        queueId: "0",
        commitOffset: "1",
      });
    const madeUp = await commit("G_MADE_UP");
    assert.equal(madeUp.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.equal(madeUp.remark, "Group G_MADE_UP not exist!");
    assert.equal((await commit("G_REAL")).code, ResponseCode.SUCCESS);
    assert.equal(env.broker.consumerOffsetManager.queryOffset("G_MADE_UP", "TopicReal", 0), -1);
    assert.equal(env.broker.consumerOffsetManager.queryOffset("G_REAL", "TopicReal", 0), 1);
  } finally {
    await client.close();
    await env.close();
  }
});

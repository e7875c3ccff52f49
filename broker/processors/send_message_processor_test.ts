import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeOffsetMessageId } from "../../store/message_id.ts";
import { decodeProperties, encodeProperties } from "../../store/message_properties.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import {
  startTestBroker,
  type TestBroker,
  type TestBrokerOptions,
} from "../../tests/broker_test_env.ts";

const utf8 = new TextEncoder();

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

async function pullAll(client: TestBrokerClient, topic: string, queueId: number) {
  const response = await client.pull({
    group: "G_SEND_TEST",
    topic,
    queueId,
    queueOffset: 0,
    subscription: "*",
    sysFlag: 0x4,
  });
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
  return decodeRecords(response.body);
}

Deno.test("SendMessageProcessor answers both header forms with msgId, queueId, queueOffset, transactionId", async () => {
  await withBroker({}, async (env, client) => {
    for (const code of [RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_MESSAGE]) {
      const request = client.sendRequest("TopicSend", utf8.encode(`body-${code}`), {
        queueId: 1,
        code,
      });
      const response = await client.invoke(request);
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      const ext = response.extFields!;
      assert.equal(ext.MSG_REGION, "DefaultRegion");
      assert.equal(ext.TRACE_ON, "true");
      assert.equal(ext.queueId, "1");
      assert.equal(ext.queueOffset, code === RequestCode.SEND_MESSAGE_V2 ? "0" : "1");
      const props = decodeProperties(request.extFields!.i ?? request.extFields!.properties);
      assert.equal(ext.transactionId, props.get("UNIQ_KEY"));
      const id = decodeOffsetMessageId(ext.msgId);
      assert.equal(id.host.port, env.broker.port);
      assert.deepEqual([...id.host.address], [127, 0, 0, 1]);
    }
    const records = await pullAll(client, "TopicSend", 1);
    assert.equal(records.length, 2);
    const record = records[0];
    assert.equal(record.properties.get("CLUSTER"), "DefaultCluster");
    assert.equal(record.properties.has("WAIT"), false, "WAIT is dropped from the stored string");
    assert.deepEqual([...record.bornHost.address], [127, 0, 0, 1]);
    assert.equal(record.storeHost.port, env.broker.port);
  });
});

Deno.test("SendMessageProcessor auto-creates a topic from TBW102 with min(4, 8) queues", async () => {
  await withBroker({}, async (env, client) => {
    const response = await client.send("TopicAuto", "x");
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    const config = env.broker.topicConfigManager.selectTopicConfig("TopicAuto");
    assert.equal(config?.writeQueueNums, 4);
    assert.equal(config?.perm, 6);
    assert.ok(Number(response.extFields!.queueId) < 4);
  });
});

Deno.test("SendMessageProcessor answers TOPIC_NOT_EXIST when auto-creation is off", async () => {
  await withBroker({ properties: { autoCreateTopicEnable: "false" } }, async (_env, client) => {
    const response = await client.send("TopicNoAuto", "x");
    assert.equal(response.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(
      response.remark,
      "topic[TopicNoAuto] not exist, apply first please!\nSee http://rocketmq.apache.org/docs/faq/ for further details.",
    );
    assert.equal(response.extFields?.MSG_REGION, "DefaultRegion");
  });
});

Deno.test("SendMessageProcessor refuses bad input with RocketMQ's codes and keeps serving", async () => {
  await withBroker({ properties: { maxMessageSize: "1024" } }, async (_env, client) => {
    const badTopic = await client.send("bad topic!", "x");
    assert.equal(badTopic.code, ResponseCode.SYSTEM_ERROR);
    assert.match(badTopic.remark!, /illegal characters/);

    const longTopic = await client.send("T".repeat(128), "x");
    assert.equal(longTopic.code, ResponseCode.SYSTEM_ERROR);
    assert.match(longTopic.remark!, /longer than topic max length/);

    const ok = await client.send("TopicOk", "x");
    assert.equal(ok.code, ResponseCode.SUCCESS, ok.remark);
  });
});

Deno.test("SendMessageProcessor answers SYSTEM_ERROR for a queueId beyond the topic's queues", async () => {
  await withBroker({}, async (_env, client) => {
    assert.equal((await client.send("TopicQ", "x", { queueId: 0 })).code, ResponseCode.SUCCESS);
    const response = await client.send("TopicQ", "x", { queueId: 4 });
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(
      response.remark!,
      /^request queueId\[4\] is illegal, TopicConfig \[topicName=TopicQ, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false\] Producer: 127\.0\.0\.1:\d+$/,
    );
  });
});

Deno.test("SendMessageProcessor answers MESSAGE_ILLEGAL for an oversize body or properties", async () => {
  await withBroker({ properties: { maxMessageSize: "1024" } }, async (_env, client) => {
    const big = await client.send("TopicBig", new Uint8Array(1025));
    assert.equal(big.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(big.remark!, /msg body length limit 1024B/);
    const fits = await client.send("TopicBig", new Uint8Array(1024));
    assert.equal(fits.code, ResponseCode.SUCCESS, fits.remark);
    const props = await client.send("TopicBig", "x", { properties: { BIG: "p".repeat(32_768) } });
    assert.equal(props.code, ResponseCode.MESSAGE_ILLEGAL);
  });
});

Deno.test("SendMessageProcessor names the missing header field", async () => {
  await withBroker({}, async (_env, client) => {
    const request = createRequest(RequestCode.SEND_MESSAGE_V2, {
      extFields: { a: "PG", b: "TopicH", c: "TBW102", d: "4", f: "0", g: "1", h: "0" },
      body: utf8.encode("x"),
    });
    const missing = await client.invoke(request);
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(missing.remark, "Cannot decode SEND_MESSAGE_V2 header: e (queueId) is missing");
    const notInt = await client.invoke(createRequest(RequestCode.SEND_MESSAGE_V2, {
      extFields: { a: "PG", b: "TopicH", c: "TBW102", d: "4", e: "zero", f: "0", g: "1", h: "0" },
    }));
    assert.equal(notInt.code, ResponseCode.SYSTEM_ERROR);
    assert.match(notInt.remark!, /e \(queueId\) is not an int: "zero"/);
    const ok = await client.send("TopicH", "still serving");
    assert.equal(ok.code, ResponseCode.SUCCESS);
  });
});

/** A SEND_BATCH_MESSAGE body as Java's `MessageBatch.encode` packs it (flag 7 each). */
function packBatch(bodies: Uint8Array[]): Uint8Array {
  const entries = bodies.map((body, i) => {
    const props = utf8.encode(encodeProperties({ UNIQ_KEY: `U${i}`, TAGS: "TagB" }));
    const entry = new Uint8Array(22 + body.length + props.length);
    const view = new DataView(entry.buffer);
    view.setInt32(0, entry.length);
    view.setInt32(12, 7);
    view.setInt32(16, body.length);
    entry.set(body, 20);
    view.setInt16(20 + body.length, props.length);
    entry.set(props, 22 + body.length);
    return entry;
  });
  const packed = new Uint8Array(entries.reduce((n, e) => n + e.length, 0));
  let at = 0;
  for (const entry of entries) {
    packed.set(entry, at);
    at += entry.length;
  }
  return packed;
}

Deno.test("SendMessageProcessor stores a batch as consecutive records with joined ids", async () => {
  await withBroker({}, async (_env, client) => {
    const body = packBatch([0, 1, 2].map((i) => utf8.encode(`batch-${i}`)));
    const request = client.sendRequest("TopicBatch", body, {
      queueId: 2,
      code: RequestCode.SEND_BATCH_MESSAGE,
    });
    request.extFields!.i = encodeProperties({ WAIT: "true" }); // a Java MessageBatch carries only WAIT
    const response = await client.invoke(request);
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.equal(response.extFields!.msgId.split(",").length, 3);
    assert.equal(response.extFields!.queueOffset, "0");
    const records = await pullAll(client, "TopicBatch", 2);
    assert.deepEqual(records.map((r) => r.queueOffset), [0, 1, 2]);
    assert.deepEqual(records.map((r) => r.properties.get("UNIQ_KEY")), ["U0", "U1", "U2"]);
    assert.equal(records[1].flag, 7);
    assert.equal(records[2].properties.get("CLUSTER"), "DefaultCluster");

    const truncated = client.sendRequest("TopicBatch", body.subarray(0, body.length - 3), {
      code: RequestCode.SEND_BATCH_MESSAGE,
    });
    const bad = await client.invoke(truncated);
    assert.equal(bad.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(bad.remark!, /^Cannot decode batch body at byte \d+/);
  });
});

Deno.test("SendMessageProcessor stores a SEND_MESSAGE_V2 with the batch flag (m) as a batch", async () => {
  await withBroker({}, async (env, client) => {
    // rocketmq-client-cpp sends batches as code 310 with m=true; RocketMQ routes by the flag.
    const request = client.sendRequest(
      "TopicCppBatch",
      packBatch([utf8.encode("a"), utf8.encode("b")]),
      {
        queueId: 0,
        code: RequestCode.SEND_MESSAGE_V2,
      },
    );
    request.extFields!.m = "true";
    const response = await client.invoke(request);
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.equal(response.extFields!.msgId.split(",").length, 2);
    await env.broker.store.waitDispatched();
    const records = await pullAll(client, "TopicCppBatch", 0);
    assert.deepEqual(records.map((r) => new TextDecoder().decode(r.body)), ["a", "b"]);
  });
});

Deno.test("SendMessageProcessor on a read-only broker refuses sends to order topics only", async () => {
  // RocketMQ msgCheck: a draining broker still stores what stale producers send, except to
  // ordered topics (their queues must not move to another broker behind the consumers' back).
  await withBroker({ properties: { brokerPermission: "4" } }, async (env, client) => {
    const plain = await client.send("TopicPerm", "x");
    assert.equal(plain.code, ResponseCode.SUCCESS, plain.remark);
    await env.broker.topicConfigManager.updateOrderTopicConfig(["TopicPerm"]);
    const ordered = await client.send("TopicPerm", "y");
    assert.equal(ordered.code, ResponseCode.NO_PERMISSION);
    assert.equal(ordered.remark, "the broker[127.0.0.1] sending message is forbidden");
  });
});

Deno.test("SendMessageProcessor stores sends to a read-only topic, as RocketMQ's msgCheck", async () => {
  await withBroker({}, async (env, client) => {
    const before = await client.send("TopicDrain", "before");
    assert.equal(before.code, ResponseCode.SUCCESS, before.remark);
    const topics = env.broker.topicConfigManager;
    await topics.updateTopicConfig({ ...topics.selectTopicConfig("TopicDrain")!, perm: 4 });
    const after = await client.send("TopicDrain", "after");
    assert.equal(after.code, ResponseCode.SUCCESS, after.remark);
  });
});

Deno.test("SendMessageProcessor sends a retry message past maxReconsumeTimes to the DLQ", async () => {
  await withBroker({}, async (env, client) => {
    // What a 4.x consumer sends itself when CONSUMER_SEND_MSG_BACK failed: DELAY 3 + times.
    const request = client.sendRequest("%RETRY%G_DLQ", utf8.encode("x"), {
      code: RequestCode.SEND_MESSAGE,
      properties: { DELAY: "6", RETRY_TOPIC: "TopicOrig" },
    });
    request.extFields!.reconsumeTimes = "3";
    request.extFields!.maxReconsumeTimes = "3";
    const response = await client.invoke(request);
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.ok(env.broker.topicConfigManager.selectTopicConfig("%DLQ%G_DLQ") !== undefined);
    await env.broker.store.waitDispatched();
    assert.equal(env.broker.store.getMaxOffsetInQueue("%DLQ%G_DLQ", 0), 1, "in the DLQ at once");
    const [stored] = await pullAll(client, "%DLQ%G_DLQ", 0);
    assert.equal(stored.properties.get("DELAY"), "0");
  });
});

Deno.test("SendMessageProcessor refuses transactional half messages", async () => {
  await withBroker({}, async (env, client) => {
    const response = await client.send("TopicTx", "x", {
      properties: { TRAN_MSG: "true", PGROUP: "PG" },
    });
    assert.equal(response.code, ResponseCode.NO_PERMISSION);
    assert.match(response.remark!, /sending transaction message is forbidden/);
    // PREPARED or ROLLBACK in sysFlag alone: such a record would reach no consume queue.
    for (const sysFlag of [0x4, 0xc]) {
      const request = client.sendRequest("TopicTx", utf8.encode("x"), { queueId: 0 });
      request.extFields!.f = String(sysFlag);
      const refused = await client.invoke(request);
      assert.equal(refused.code, ResponseCode.NO_PERMISSION, `sysFlag ${sysFlag}`);
      assert.equal(
        refused.remark,
        "the broker[127.0.0.1] sending transaction message is forbidden",
      );
    }
    const commit = client.sendRequest("TopicTx", utf8.encode("committed"), { queueId: 0 });
    commit.extFields!.f = "8"; // COMMIT: stored and consumable, as in RocketMQ
    assert.equal((await client.invoke(commit)).code, ResponseCode.SUCCESS);
    await env.broker.store.waitDispatched();
    assert.equal(env.broker.store.getMaxOffsetInQueue("TopicTx", 0), 1);
  });
});

Deno.test("SendMessageProcessor refuses a batch over maxMessageSize, a transactional batch, a retry batch", async () => {
  await withBroker({ properties: { maxMessageSize: "65536" } }, async (env, client) => {
    const sendBatch = (topic: string, body: Uint8Array, fields: Record<string, string> = {}) => {
      const request = client.sendRequest(topic, body, {
        queueId: 0,
        code: RequestCode.SEND_BATCH_MESSAGE,
      });
      request.extFields!.i = encodeProperties({ WAIT: "true" });
      Object.assign(request.extFields!, fields);
      return client.invoke(request);
    };
    // Each message fits; the batch (~120 KiB) does not (RocketMQ `checkMessages`).
    const big = await sendBatch("TopicBig", packBatch([0, 1, 2].map(() => new Uint8Array(40_960))));
    assert.equal(big.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(big.remark!, /msg body length limit 65536B/);
    const two = packBatch([utf8.encode("a"), utf8.encode("b")]);
    const prepared = await sendBatch("TopicTxBatch", two, { f: "4" });
    assert.equal(prepared.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(
      prepared.remark,
      "batch request does not support transaction messages (sysFlag 4)",
    );
    // Past max reconsume times a single retry send goes to the DLQ; a batch never does.
    const retry = await sendBatch("%RETRY%G_BATCH", two, { j: "16" });
    assert.equal(retry.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(retry.remark, "batch request does not support retry group %RETRY%G_BATCH");
    await env.broker.store.waitDispatched();
    for (const topic of ["TopicBig", "TopicTxBatch", "%RETRY%G_BATCH", "%DLQ%G_BATCH"]) {
      assert.equal(env.broker.store.getMaxOffsetInQueue(topic, 0), 0, topic);
    }
    assert.equal(env.broker.topicConfigManager.selectTopicConfig("%DLQ%G_BATCH"), undefined);
    assert.equal((await sendBatch("TopicOk", two)).code, ResponseCode.SUCCESS);
  });
});

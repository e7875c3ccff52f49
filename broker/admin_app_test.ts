import assert from "node:assert/strict";
import { ResponseCode } from "../protocol/response_code.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import type { RemotingChannel, RemotingProcessor } from "../protocol/remoting_channel.ts";
import { RequestCode } from "../protocol/request_code.ts";
import zlib, { deflateSync } from "node:zlib";
import { MESSAGE_BODY_BYTES_MAX } from "../store/limits.ts";
import { createOffsetMessageId, hostAddress } from "../store/message_id.ts";
import { createBrokerAdminApp } from "./admin_app.ts";
import { HTTP_BODY_BYTES_MAX, HTTP_QUERY_INFLATED_BYTES_MAX } from "./admin_app_limits.ts";
import {
  type AdminTestBroker,
  type AdminTestBrokerOptions,
  createAdminTestBroker,
} from "./processors/_admin_test_fixture.ts";
import { registerAdminProcessors } from "./processors/admin_processors.ts";

type App = ReturnType<typeof createBrokerAdminApp>;

async function withApp(
  fn: (broker: AdminTestBroker, app: App) => Promise<void>,
  options: AdminTestBrokerOptions = {},
): Promise<void> {
  const broker = await createAdminTestBroker(options);
  try {
    await fn(broker, createBrokerAdminApp(broker.context));
  } finally {
    await broker.close();
  }
}

function send(app: App, method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  return Promise.resolve(app.request(path, init));
}

async function json(response: Response, status: number): Promise<any> {
  const text = await response.text();
  assert.equal(response.status, status, `status for body ${text}`);
  return JSON.parse(text);
}

Deno.test("Broker admin app GET /health reports identity and uptime", async () => {
  await withApp(async (broker, app) => {
    broker.clock.advance(1500);
    const health = await json(await send(app, "GET", "/health"), 200);
    assert.equal(health.status, "UP");
    assert.equal(health.brokerName, "broker-a");
    assert.equal(health.brokerAddr, "127.0.0.1:10911");
    assert.equal(health.version, "V4_9_8");
    assert.equal(health.uptimeMs, 1500);
    assert.ok(health.topics > 0);
  });
});

Deno.test("Broker admin app GET and PATCH /config read and persist the configuration", async () => {
  await withApp(async (broker, app) => {
    const before = await json(await send(app, "GET", "/config"), 200);
    assert.equal(before.config.brokerName, "broker-a");
    assert.equal(before.version.counter, 0);
    const patched = await json(
      await send(app, "PATCH", "/config", { defaultTopicQueueNums: 4, traceOn: false }),
      200,
    );
    assert.deepEqual(patched.applied, ["defaultTopicQueueNums", "traceOn"]);
    assert.equal(patched.config.defaultTopicQueueNums, "4");
    assert.equal(patched.version.counter, 1);
    assert.equal(broker.configuration.config.defaultTopicQueueNums, 4);
    assert.notEqual(await broker.fs.stat("/store/config/broker.properties"), null, "persisted");

    const black = await json(await send(app, "PATCH", "/config", { configBlackList: "" }), 403);
    assert.deepEqual(black.keys, ["configBlackList"]);
    assert.equal(black.error, "Can not update config in black list.");
    const bad = await json(await send(app, "PATCH", "/config", { listenPort: "x" }), 400);
    assert.match(bad.error, /listenPort: "x"/);
    // Values the broker could not start with are refused, not persisted for the next start.
    const hour = await json(await send(app, "PATCH", "/config", { deleteWhen: "99" }), 400);
    assert.match(hour.error, /deleteWhen: "99"/);
    const levels = { messageDelayLevel: "1s 100000d" };
    assert.match((await json(await send(app, "PATCH", "/config", levels), 400)).error, /100000d/);
    assert.equal(broker.configuration.config.deleteWhen, "04");
    const unknown = await json(await send(app, "PATCH", "/config", { listenPorts: 1 }), 400);
    assert.deepEqual([unknown.field, unknown.expected], ["listenPorts", "a broker config key"]);
    const empty = await json(await send(app, "PATCH", "/config", {}), 400);
    assert.equal(empty.expected, "expected at least one config key");
    const nested = await json(await send(app, "PATCH", "/config", { a: { b: 1 } }), 400);
    assert.equal(nested.field, "a");
    assert.equal(nested.expected, "expected a string, number or boolean value");
    const notJson = await json(await send(app, "PATCH", "/config", "{"), 400);
    assert.match(notJson.error, /^Request body is not valid JSON/);
  });
});

Deno.test("Broker admin app POST /topics creates, updates and validates topics", async () => {
  await withApp(async (broker, app) => {
    const created = await json(
      await send(app, "POST", "/topics", { topic: "T1", writeQueueNums: 2, readQueueNums: 2 }),
      201,
    );
    assert.equal(created.created, true);
    assert.deepEqual(created.topicConfig, {
      order: false,
      perm: 6,
      readQueueNums: 2,
      topicFilterType: "SINGLE_TAG",
      topicName: "T1",
      topicSysFlag: 0,
      writeQueueNums: 2,
    });
    assert.deepEqual(
      broker.topicChanges.map((c) => c.kind),
      ["create"],
      "routes re-registered at once",
    );
    const updated = await json(
      await send(app, "POST", "/topics", { topic: "T1", writeQueueNums: 4 }),
      200,
    );
    assert.equal(updated.created, false);
    assert.equal(updated.topicConfig.writeQueueNums, 4);
    assert.equal(updated.topicConfig.readQueueNums, 8, "defaults as mqadmin updateTopic");

    const cases: [unknown, string, string][] = [
      [
        { topic: "T2", writeQueueNums: 0 },
        "writeQueueNums",
        "expected an integer between 1 and 16384",
      ],
      [
        { topic: "T2", writeQueueNums: "4" },
        "writeQueueNums",
        "expected an integer between 1 and 16384",
      ],
      [{ topic: "T2", perm: 9 }, "perm", "expected an integer between 0 and 7"],
      [
        { topic: "T2", topicFilterType: "SQL" },
        "topicFilterType",
        "expected SINGLE_TAG or MULTI_TAG",
      ],
      [
        { topic: "a b" },
        "topic",
        "expected 1 to 127 characters of [%|a-zA-Z0-9_-] (The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$)",
      ],
      [{}, "topic", "expected a topic name"],
      [{ topic: "T2", queues: 3 }, "queues", "no such field (unknown key)"],
    ];
    for (const [body, field, expected] of cases) {
      const error = await json(await send(app, "POST", "/topics", body), 400);
      assert.equal(error.field, field, JSON.stringify(body));
      assert.equal(error.expected, expected);
      assert.match(error.error, new RegExp(`^Invalid request body: ${field}: `));
    }
    const system = await json(await send(app, "POST", "/topics", { topic: "TBW102" }), 400);
    assert.equal(system.error, "The topic[TBW102] is conflict with system topic.");
    assert.equal(system.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(broker.context.topicConfigManager.selectTopicConfig("T2"), undefined);
  });
});

Deno.test("Broker admin app topics and wire commands share state", async () => {
  await withApp(async (broker, app) => {
    const processors = new Map<number, RemotingProcessor>();
    registerAdminProcessors(
      { registerProcessor: (code, p) => void processors.set(code, p) },
      broker.context,
    );
    const channel = { remoteAddress: "10.0.0.1:1" } as RemotingChannel;
    await json(await send(app, "POST", "/topics", { topic: "HttpTopic" }), 201);
    const all = await processors.get(RequestCode.GET_ALL_TOPIC_CONFIG)!(
      createRequest(RequestCode.GET_ALL_TOPIC_CONFIG),
      channel,
    );
    assert.ok(JSON.parse(new TextDecoder().decode(all!.body)).topicConfigTable.HttpTopic);

    const request = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: {
        topic: "WireTopic",
        defaultTopic: "TBW102",
        readQueueNums: "1",
        writeQueueNums: "1",
        perm: "6",
        topicFilterType: "SINGLE_TAG",
        order: "false",
      },
    });
    const created = await processors.get(RequestCode.UPDATE_AND_CREATE_TOPIC)!(request, channel);
    assert.equal(created?.code, ResponseCode.SUCCESS);
    const listed = await json(await send(app, "GET", "/topics"), 200);
    const names = listed.topics.map((t: { topicName: string }) => t.topicName);
    assert.ok(names.includes("WireTopic") && names.includes("HttpTopic"));
    assert.deepEqual(names, [...names].sort());
    assert.equal(
      listed.topics.find((t: { topicName: string }) => t.topicName === "TBW102").system,
      true,
    );
  });
});

Deno.test("Broker admin app DELETE /topics/:topic deletes and 404s unknown topics", async () => {
  await withApp(async (broker, app) => {
    await json(await send(app, "POST", "/topics", { topic: "T1" }), 201);
    await broker.produce("T1");
    assert.deepEqual(await json(await send(app, "DELETE", "/topics/T1"), 200), { deleted: "T1" });
    assert.equal(broker.store.getMaxOffsetInQueue("T1", 0), 0);
    const missing = await json(await send(app, "DELETE", "/topics/T1"), 404);
    assert.equal(missing.error, "topic[T1] not exist");
    await json(await send(app, "GET", "/topics/T1"), 404);
    const system = await json(await send(app, "DELETE", "/topics/TBW102"), 400);
    assert.equal(system.error, "The topic[TBW102] is conflict with system topic.");
  });
});

Deno.test("Broker admin app GET /topics/:topic/stats reports min, max and last store time per queue", async () => {
  await withApp(async (broker, app) => {
    await json(
      await send(app, "POST", "/topics", { topic: "T1", writeQueueNums: 2, readQueueNums: 2 }),
      201,
    );
    await broker.produce("T1", { queueId: 1 });
    broker.clock.advance(7);
    await broker.produce("T1", { queueId: 1 });
    const stats = await json(await send(app, "GET", "/topics/T1/stats"), 200);
    assert.deepEqual(stats, {
      topic: "T1",
      brokerName: "broker-a",
      messages: 2,
      queues: [
        { queueId: 0, minOffset: 0, maxOffset: 0, lastUpdateTimestamp: 0 },
        { queueId: 1, minOffset: 0, maxOffset: 2, lastUpdateTimestamp: broker.clock.now() },
      ],
    });
    const missing = await json(await send(app, "GET", "/topics/NOPE/stats"), 404);
    assert.equal(missing.topic, "NOPE");
  });
});

Deno.test("Broker admin app GET /groups and progress report settings, liveness and lag", async () => {
  await withApp(async (broker, app) => {
    await json(
      await send(app, "POST", "/topics", { topic: "T1", writeQueueNums: 2, readQueueNums: 2 }),
      201,
    );
    for (let i = 0; i < 3; i++) await broker.produce("T1", { queueId: 0 });
    await broker.produce("T1", { queueId: 1 });
    broker.addConsumer("G1", "T1");
    broker.consumerOffsetManager.commitOffset({
      clientHost: "t",
      group: "G1",
      topic: "T1",
      queueId: 0,
      offset: 1,
    });
    await json(await send(app, "POST", "/groups", { groupName: "G2", retryMaxTimes: 2 }), 201);

    const { groups } = await json(await send(app, "GET", "/groups"), 200);
    const g1 = groups.find((g: { group: string }) => g.group === "G1");
    assert.equal(g1.online, true);
    assert.equal(g1.clients, 1);
    assert.deepEqual(g1.subscriptions, ["T1"]);
    assert.deepEqual(g1.offsetTopics, ["T1"]);
    const g2 = groups.find((g: { group: string }) => g.group === "G2");
    assert.equal(g2.config.retryMaxTimes, 2);
    assert.equal(g2.online, false);

    const progress = await json(await send(app, "GET", "/groups/G1/progress"), 200);
    assert.equal(progress.lag, 3);
    assert.deepEqual(progress.queues.map((q: { lag: number }) => q.lag), [2, 1]);
    assert.equal(progress.queues[0].brokerOffset, 3);
    assert.equal(progress.queues[0].consumerOffset, 1);
    const byTopic = await json(await send(app, "GET", "/groups/G1/progress?topic=T1"), 200);
    assert.equal(byTopic.lag, 3);
    await json(await send(app, "GET", "/groups/G1/progress?topic=NOPE"), 404);
    const unknown = await json(await send(app, "GET", "/groups/NOBODY/progress"), 404);
    assert.equal(unknown.group, "NOBODY");

    await json(await send(app, "DELETE", "/groups/G2?removeOffset=yes"), 400);
    assert.deepEqual(await json(await send(app, "DELETE", "/groups/G2?removeOffset=true"), 200), {
      deleted: "G2",
      removedOffsets: true,
    });
    await json(await send(app, "DELETE", "/groups/G2"), 404);
    const badGroup = await json(
      await send(app, "POST", "/groups", { groupName: "G3", retryQueueNums: "x" }),
      400,
    );
    assert.match(badGroup.error, /retryQueueNums/);
    const typo = await json(
      await send(app, "POST", "/groups", { groupName: "G3", retryMaxTimez: 3 }),
      400,
    );
    assert.equal(typo.field, "retryMaxTimez");
    const negative = await json(
      await send(app, "POST", "/groups", { groupName: "G3", retryMaxTimes: -5 }),
      400,
    );
    assert.deepEqual([negative.field, negative.expected], [
      "retryMaxTimes",
      "expected an integer from -1 to 2147483647",
    ]);
    for (const field of ["retryMaxTimes", "groupSysFlag", "consumeTimeoutMinute"]) {
      const huge = await json(
        await send(app, "POST", "/groups", { groupName: "G3", [field]: 3_000_000_000 }),
        400,
      );
      assert.equal(huge.field, field, "beyond Java's int: no RocketMQ broker could hold it");
    }
    // JSON.parse reads 1e400 as Infinity, which the groups file (fastjson) cannot hold
    for (
      const body of [
        '{"groupName":"G3","groupRetryPolicy":{"type":"EXPONENTIAL","x":{"max":1e400}}}',
        '{"groupName":"G3","subscriptionDataSet":[{"topic":"T1","subVersion":-1e400}]}',
      ]
    ) {
      const infinite = await json(await send(app, "POST", "/groups", body), 400);
      assert.match(infinite.error, /expected finite numbers/, body);
    }
    // Settings deleted earlier without their offsets: the offsets can still be removed.
    broker.consumerOffsetManager.commitOffset({
      clientHost: "t",
      group: "G4",
      topic: "T1",
      queueId: 0,
      offset: 1,
    });
    await json(await send(app, "DELETE", "/groups/G4"), 404);
    assert.deepEqual(await json(await send(app, "DELETE", "/groups/G4?removeOffset=true"), 200), {
      deleted: "G4",
      removedOffsets: true,
    });
    assert.equal(broker.consumerOffsetManager.whichTopicByConsumer("G4").size, 0);
    await json(await send(app, "DELETE", "/groups/G4?removeOffset=true"), 404);
    await json(await send(app, "GET", "/groups/G3/progress"), 404);
  });
});

Deno.test("Broker admin app produces a message over HTTP and shows it by id and by key", async () => {
  await withApp(async (broker, app) => {
    await json(
      await send(app, "POST", "/topics", { topic: "T1", writeQueueNums: 1, readQueueNums: 1 }),
      201,
    );
    const sent = await json(
      await send(app, "POST", "/topics/T1/messages", {
        body: "héllo",
        tags: "TagA",
        keys: ["order-1", "order-2"],
        properties: { color: "red" },
      }),
      201,
    );
    assert.equal(sent.status, "SEND_OK");
    assert.equal(sent.queueId, 0);
    assert.equal(sent.queueOffset, 0);
    assert.match(sent.msgId, /^7F00000100002A9F[0-9A-F]{16}$/);
    assert.match(sent.uniqKey, /^[0-9A-F]{32}$/);
    // As a RocketMQ client makes it: IP, pid, random, then the ms since the month began, which
    // admin tools read back (getNearlyTimeFromID) to bound a lookup by unique key.
    assert.equal(sent.uniqKey.slice(0, 8), "7F000001", "the broker's IP");
    const born = new Date(broker.clock.now());
    const sinceMonth = born.getTime() - new Date(born.getFullYear(), born.getMonth(), 1).getTime();
    assert.equal(parseInt(sent.uniqKey.slice(20, 28), 16), sinceMonth, "the time it was made");

    const view = await json(await send(app, "GET", `/messages/${sent.msgId}`), 200);
    assert.equal(view.msgId, sent.msgId);
    assert.equal(view.topic, "T1");
    assert.equal(view.body, "héllo");
    assert.equal(view.bodyEncoding, "utf-8");
    assert.equal(view.tags, "TagA");
    assert.deepEqual(view.keys, ["order-1", "order-2"]);
    assert.equal(view.properties.color, "red");
    assert.equal(view.uniqKey, sent.uniqKey);
    assert.equal(view.storeTimestamp, broker.clock.now());
    const base64 = await json(
      await send(app, "GET", `/messages/${sent.msgId}?bodyEncoding=base64`),
      200,
    );
    assert.equal(base64.body, btoa(String.fromCharCode(...new TextEncoder().encode("héllo"))));

    const binary = await json(
      await send(app, "POST", "/topics/T1/messages", {
        body: "AP8A/w==",
        bodyEncoding: "base64",
        keys: "bin",
      }),
      201,
    );
    const binaryView = await json(await send(app, "GET", `/messages/${binary.msgId}`), 200);
    assert.equal(binaryView.bodyEncoding, "base64", "not UTF-8, so shown as base64");
    assert.equal(binaryView.body, "AP8A/w==");

    const byKey = await json(await send(app, "GET", "/messages?topic=T1&key=order-2"), 200);
    assert.deepEqual(byKey.messages.map((m: { msgId: string }) => m.msgId), [sent.msgId]);
    const byUniq = await json(
      await send(app, "GET", `/messages?topic=T1&key=${sent.uniqKey}`),
      200,
    );
    assert.equal(byUniq.messages.length, 1);
    const none = await json(await send(app, "GET", "/messages?topic=T1&key=nothing"), 200);
    assert.deepEqual(none.messages, []);
    assert.equal(broker.context.brokerStats.totals().put.msgs, 2, "HTTP sends are counted");
  });
});

Deno.test("Broker admin app shows a body that inflates too far raw, with the reason", async () => {
  await withApp(async (broker, app) => {
    await json(await send(app, "POST", "/topics", { topic: "T1" }), 201);
    const bomb = deflateSync(new Uint8Array(MESSAGE_BODY_BYTES_MAX + 1), { level: 9 });
    const put = await broker.store.putMessage({
      topic: "T1",
      queueId: 0,
      flag: 0,
      body: new Uint8Array(bomb),
      properties: "",
      sysFlag: 0x1, // COMPRESSED (zlib)
      bornTimestamp: 1,
      bornHost: hostAddress("127.0.0.1", 1),
    });
    assert.equal(put.status, "PUT_OK");
    const { address, port } = put.appendMessageResult!.storeHost;
    const msgId = createOffsetMessageId(address, port, put.appendMessageResult!.wroteOffset);
    const view = await json(await send(app, "GET", `/messages/${msgId}?bodyEncoding=base64`), 200);
    assert.equal(view.body.length, Math.ceil(bomb.length / 3) * 4, "the stored bytes, as they are");
    assert.match(view.inflateError, /larger than/);
  });
});

Deno.test("Broker admin app inflates a ZSTD body by its sysFlag compression type", async () => {
  await withApp(async (broker, app) => {
    await json(await send(app, "POST", "/topics", { topic: "T1" }), 201);
    // A 5.x Java producer (compressType ZSTD) or this repo's Producer({ compressType: "ZSTD" })
    // stores COMPRESSED | 0x200; RocketMQ's MessageDecoder picks the codec from those bits.
    const text = "zstd body ".repeat(600);
    const zstd = zlib as unknown as { zstdCompressSync(data: Uint8Array): Uint8Array };
    const put = await broker.store.putMessage({
      topic: "T1",
      queueId: 0,
      flag: 0,
      body: new Uint8Array(zstd.zstdCompressSync(new TextEncoder().encode(text))),
      properties: "",
      sysFlag: 0x201, // COMPRESSED, type ZSTD
      bornTimestamp: 1,
      bornHost: hostAddress("127.0.0.1", 1),
    });
    assert.equal(put.status, "PUT_OK");
    const { address, port } = put.appendMessageResult!.storeHost;
    const msgId = createOffsetMessageId(address, port, put.appendMessageResult!.wroteOffset);
    const view = await json(await send(app, "GET", `/messages/${msgId}`), 200);
    assert.equal(view.inflateError, undefined);
    assert.equal(view.body, text);
  });
});

Deno.test("Broker admin app GET /messages by key inflates at most HTTP_QUERY_INFLATED_BYTES_MAX in all", async () => {
  await withApp(async (broker, app) => {
    await json(await send(app, "POST", "/topics", { topic: "T1" }), 201);
    // Each record is a few KiB; inflated, two of them already pass the answer's budget. Without the
    // budget, 64 such records (4 MiB in all, within QUERY_MESSAGE_BYTES_MAX) took 30 s of blocked
    // event loop and 5.5 GB to answer a 500 "Invalid string length".
    const inflatedBytes = HTTP_QUERY_INFLATED_BYTES_MAX / 2 + 1;
    const compressed = new Uint8Array(deflateSync(new Uint8Array(inflatedBytes).fill(0x61)));
    for (let i = 0; i < 3; i++) {
      const put = await broker.store.putMessage({
        topic: "T1",
        queueId: 0,
        flag: 0,
        body: compressed,
        properties: "KEYS\u0001k\u0002",
        sysFlag: 0x1, // COMPRESSED (zlib)
        bornTimestamp: 1,
        bornHost: hostAddress("127.0.0.1", 1),
      });
      assert.equal(put.status, "PUT_OK");
    }
    await broker.store.waitDispatched();
    const found = await json(await send(app, "GET", "/messages?topic=T1&key=k"), 200);
    assert.equal(found.messages.length, 3, "every record is listed");
    const [first, ...rest] = found.messages;
    assert.equal(first.bodyBytes, inflatedBytes, "the first record is shown inflated");
    assert.equal(first.inflateError, undefined);
    for (const view of rest) {
      assert.equal(view.bodyBytes, compressed.length, "the stored bytes, as they are");
      assert.match(view.inflateError, /HTTP_QUERY_INFLATED_BYTES_MAX/);
    }
    const shown = found.messages.reduce(
      (sum: number, m: { bodyBytes: number }) => sum + m.bodyBytes,
      0,
    );
    assert.ok(shown <= HTTP_QUERY_INFLATED_BYTES_MAX, `${shown} body bytes shown`);
  });
});

Deno.test("Broker admin app message routes answer bad input 400 and unknown things 404", async () => {
  await withApp(async (_broker, app) => {
    await json(await send(app, "POST", "/topics", { topic: "T1" }), 201);
    const badId = await json(await send(app, "GET", "/messages/XYZ"), 400);
    assert.equal(badId.field, "msgId");
    await json(await send(app, "GET", `/messages/7F00000100002A9F00000000FFFF0000`), 404);
    // A body that looks like a record header (a size) must not be taken for a record.
    const bait = new Uint8Array(200);
    new DataView(bait.buffer).setInt32(0, 120);
    const sent = await json(
      await send(app, "POST", "/topics/T1/messages", {
        body: btoa(String.fromCharCode(...bait)),
        bodyEncoding: "base64",
      }),
      201,
    );
    // Another broker's id with this record's offset (every commit log starts at 0).
    const foreign = "0A000002" + sent.msgId.slice(8);
    await json(await send(app, "GET", `/messages/${foreign}`), 404);
    const otherPort = sent.msgId.slice(0, 8) + "0000FFFF" + sent.msgId.slice(16);
    await json(await send(app, "GET", `/messages/${otherPort}`), 404);
    assert.equal((await send(app, "GET", `/messages/${sent.msgId}`)).status, 200);
    const start = parseInt(sent.msgId.slice(16), 16);
    for (let k = 1; k < 300; k++) {
      const id = sent.msgId.slice(0, 16) + (start + k).toString(16).toUpperCase().padStart(16, "0");
      const inside = await send(app, "GET", `/messages/${id}`);
      assert.equal(inside.status, 404, `offset ${start + k}: ${await inside.text()}`);
    }
    const noKey = await json(await send(app, "GET", "/messages?topic=T1"), 400);
    assert.equal(noKey.field, "key");
    const badMax = await json(await send(app, "GET", "/messages?topic=T1&key=k&maxNum=1000"), 400);
    assert.equal(badMax.expected, "expected an integer between 1 and 64");
    await json(await send(app, "GET", "/messages?topic=NOPE&key=k"), 404);
    const noBody = await json(await send(app, "POST", "/topics/T1/messages", { tags: "A" }), 400);
    assert.equal(noBody.field, "body");
    const badBase64 = await json(
      await send(app, "POST", "/topics/T1/messages", { body: "***", bodyEncoding: "base64" }),
      400,
    );
    assert.equal(badBase64.expected, "base64");
    const reserved = await json(
      await send(app, "POST", "/topics/T1/messages", { body: "x", properties: { TAGS: "A" } }),
      400,
    );
    assert.equal(reserved.field, "properties");
    const notObject = await json(
      await send(app, "POST", "/topics/T1/messages", { body: "x", properties: ["a"] }),
      400,
    );
    assert.equal(notObject.field, "properties");
    // Java's putUserProperty takes any name: a JSON object rebuilt by assignment dropped this one
    const proto = await json(
      await send(app, "POST", "/topics/T1/messages", '{"body":"x","properties":{"__proto__":"v"}}'),
      201,
    );
    const protoView = await json(await send(app, "GET", `/messages/${proto.msgId}`), 200);
    assert.equal(Object.getOwnPropertyDescriptor(protoView.properties, "__proto__")?.value, "v");
    const separator = await json(
      await send(app, "POST", "/topics/T1/messages", { body: "x", tags: "A\u0001B" }),
      400,
    );
    assert.equal(separator.field, "tags");
    assert.equal(separator.expected, "expected a tag without \\u0001 or \\u0002");
    const badQueue = await json(
      await send(app, "POST", "/topics/T1/messages", { body: "x", queueId: 99 }),
      400,
    );
    assert.match(badQueue.error, /request queueId\[99\] is illegal/);
    const forbidden = await json(
      await send(app, "POST", "/topics/SCHEDULE_TOPIC_XXXX/messages", { body: "x" }),
      403,
    );
    assert.equal(forbidden.code, ResponseCode.NO_PERMISSION);
  });
});

Deno.test("Broker admin app POST /topics/:topic/messages answers 404 for an unknown topic without auto-create", async () => {
  await withApp(async (_broker, app) => {
    const missing = await json(
      await send(app, "POST", "/topics/Unknown/messages", { body: "x" }),
      404,
    );
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(missing.error, /^topic\[Unknown\] not exist/);
  }, { properties: { autoCreateTopicEnable: "false" } });
});

Deno.test("Broker admin app answers 503 with Retry-After when the broker, not the request, refuses a message", async () => {
  await withApp(async (_broker, app) => {
    const response = await send(app, "POST", "/topics/T1/messages", { body: "x" });
    const refused = await json(response, 503);
    assert.equal(response.headers.get("Retry-After"), "1");
    assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
    assert.match(refused.error, /^broker unable to service, until /);
  }, { properties: { startAcceptSendRequestTimeStamp: String(Date.now() + 3_600_000) } });
});

Deno.test("Broker admin app refuses a body over HTTP_BODY_BYTES_MAX with 413", async () => {
  await withApp(async (_broker, app) => {
    const response = await send(
      app,
      "POST",
      "/topics/T1/messages",
      JSON.stringify({ body: "x".repeat(HTTP_BODY_BYTES_MAX) }),
    );
    const body = await json(response, 413);
    assert.match(body.error, /exceeds/);
    await json(await send(app, "GET", "/nothing"), 404);
  });
});

/** Prometheus text exposition format 0.0.4, line by line. */
const METRIC_NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(
  `^(${METRIC_NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*)?\\})? (?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|NaN|[+-]Inf)$`,
);
const HELP = new RegExp(`^# HELP (${METRIC_NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${METRIC_NAME}) (counter|gauge|histogram|summary|untyped)$`);

function checkExposition(text: string): Map<string, string> {
  assert.ok(text.endsWith("\n"), "ends with a line feed");
  const types = new Map<string, string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const help = HELP.exec(line);
    const type = TYPE.exec(line);
    const sample = SAMPLE.exec(line);
    assert.ok(help || type || sample, `not an exposition line: ${JSON.stringify(line)}`);
    if (type) {
      assert.ok(!types.has(type[1]), `TYPE ${type[1]} given twice`);
      types.set(type[1], type[2]);
    }
    if (sample) assert.ok(types.has(sample[1]), `sample ${sample[1]} before its TYPE`);
  }
  return types;
}

Deno.test("Broker admin app GET /metrics writes valid Prometheus exposition text", async () => {
  await withApp(async (broker, app) => {
    await json(
      await send(app, "POST", "/topics", { topic: "T1", writeQueueNums: 1, readQueueNums: 1 }),
      201,
    );
    await broker.produce("T1", { body: "12345" });
    await broker.produce("T1", { body: "12345" });
    broker.context.brokerStats.recordGet('G"1\\', "T1", 1, 5);
    broker.consumerOffsetManager.commitOffset({
      clientHost: "t",
      group: "G1",
      topic: "T1",
      queueId: 0,
      offset: 0,
    });
    const response = await send(app, "GET", "/metrics");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    const types = checkExposition(text);
    assert.equal(types.get("edgemq_messages_in_total"), "counter");
    assert.equal(types.get("edgemq_consumer_lag_messages"), "gauge");
    assert.equal(types.get("edgemq_store_flush_latency_max_seconds"), "gauge");
    const lines = text.split("\n");
    assert.ok(lines.includes('edgemq_messages_in_total{topic="T1"} 2'), text);
    assert.ok(lines.includes('edgemq_messages_out_total{topic="T1"} 1'));
    assert.ok(
      lines.includes('edgemq_group_messages_out_total{group="G\\"1\\\\",topic="T1"} 1'),
      "label escaping",
    );
    assert.ok(lines.includes('edgemq_consumer_lag_messages{group="G1",topic="T1"} 2'));
    assert.ok(lines.some((l) => /^edgemq_bytes_in_total\{topic="T1"\} [1-9]\d*$/.test(l)));
    assert.ok(lines.some((l) => /^edgemq_store_commitlog_bytes [1-9]\d*$/.test(l)));
  });
});

Deno.test("Prometheus line grammar check rejects malformed lines", () => {
  assert.throws(() => checkExposition('# TYPE a counter\na{b="c} 1\n'));
  assert.throws(() => checkExposition("a 1\n"), /before its TYPE/);
  assert.throws(() => checkExposition("# TYPE a counter\na one\n"));
  assert.doesNotThrow(() => checkExposition('# TYPE a gauge\na{b="x\\"y"} -1.5e3\n'));
});

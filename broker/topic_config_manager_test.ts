import assert from "node:assert/strict";
import type { ManualClock } from "../common/clock.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { forEachAdapter } from "../store/_test_adapters.ts";
import type { FileSystem } from "../store/file_system.ts";
import { BrokerError } from "./broker_error.ts";
import { createTopicConfig, PermName } from "./topic_config.ts";
import { type TopicConfigChange, TopicConfigManager } from "./topic_config_manager.ts";
import { encodeTopicConfigWrapper } from "./topic_config_manager_wrapper.ts";
import type { SystemTopicSettings } from "./topic_config_manager_system.ts";
import { readTestText, writeTestText } from "../store/_test_adapters.ts";

const SETTINGS: SystemTopicSettings = {
  brokerClusterName: "DefaultCluster",
  brokerName: "broker-a",
  autoCreateTopicEnable: true,
  defaultTopicQueueNums: 8,
  clusterTopicEnable: true,
  brokerTopicEnable: true,
  traceTopicEnable: false,
  msgTraceTopicName: "RMQ_SYS_TRACE_TOPIC",
};

async function open(
  ctx: { fs: FileSystem; dir: string; clock: ManualClock },
  settings: Partial<SystemTopicSettings> = {},
): Promise<TopicConfigManager> {
  const manager = new TopicConfigManager({
    brokerConfig: { ...SETTINGS, ...settings },
    fs: ctx.fs,
    path: `${ctx.dir}/config/topics.json`,
    clock: ctx.clock,
  });
  await manager.load();
  return manager;
}

const send = (topic: string, defaultTopic = "TBW102", queueNums = 4) => ({
  topic,
  defaultTopic,
  remoteAddress: "10.0.0.2:50000",
  clientDefaultTopicQueueNums: queueNums,
  topicSysFlag: 0,
});

forEachAdapter(
  "TopicConfigManager creates RocketMQ 4.9.8's system topics at start",
  async (ctx) => {
    const manager = await open(ctx);
    const summary = [...manager.topicConfigTable.values()].map((
      t,
    ) => [t.topicName, t.writeQueueNums, t.perm]);
    assert.deepEqual(summary, [
      ["SELF_TEST_TOPIC", 1, 6],
      ["TBW102", 8, 7],
      ["BenchmarkTest", 1024, 6],
      ["DefaultCluster", 16, 7],
      ["broker-a", 1, 7],
      ["OFFSET_MOVED_EVENT", 1, 6],
      ["SCHEDULE_TOPIC_XXXX", 18, 6],
      ["DefaultCluster_REPLY_TOPIC", 1, 6],
      ["RMQ_SYS_TRANS_HALF_TOPIC", 1, 6],
      ["RMQ_SYS_TRANS_OP_HALF_TOPIC", 1, 6],
    ]);
    assert.equal(manager.isSystemTopic("broker-a"), true);
    assert.equal(manager.isSystemTopic("rmq_sys_anything"), true);
    assert.equal(manager.isSystemTopic("TopicTest"), false);
    assert.equal(
      await ctx.fs.stat(`${ctx.dir}/config/topics.json`),
      null,
      "start-up topics are not written",
    );
  },
);

forEachAdapter("TopicConfigManager start-up topics follow the enable switches", async (ctx) => {
  const manager = await open(ctx, {
    autoCreateTopicEnable: false,
    clusterTopicEnable: false,
    brokerTopicEnable: false,
    traceTopicEnable: true,
    msgTraceTopicName: "MyTrace",
  });
  assert.equal(manager.selectTopicConfig("TBW102"), undefined);
  assert.equal(manager.selectTopicConfig("DefaultCluster")?.perm, PermName.PERM_INHERIT);
  assert.equal(manager.selectTopicConfig("broker-a")?.perm, PermName.PERM_INHERIT);
  assert.equal(manager.selectTopicConfig("MyTrace")?.writeQueueNums, 1);
  assert.equal(manager.isSystemTopic("MyTrace"), true);
});

forEachAdapter(
  "TopicConfigManager auto-creates a topic from TBW102, persists it and notifies once",
  async (ctx) => {
    const manager = await open(ctx);
    const changes: TopicConfigChange[] = [];
    manager.onChange((change) => changes.push(change));
    const before = manager.dataVersion;
    ctx.clock.advance(1000);
    const created = await manager.createTopicInSendMessageMethod(send("TopicTest"));
    assert.deepEqual(
      created,
      createTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4, perm: 6 }),
    );
    assert.deepEqual(manager.dataVersion, {
      counter: before.counter + 1,
      timestamp: ctx.clock.now(),
    });
    assert.deepEqual(changes.map((c) => [c.kind, c.topicConfig.topicName]), [[
      "create",
      "TopicTest",
    ]]);
    const again = await manager.createTopicInSendMessageMethod(send("TopicTest", "TBW102", 2));
    assert.equal(again, created, "an existing topic is returned unchanged");
    assert.equal(changes.length, 1);
    const bigger = await manager.createTopicInSendMessageMethod(send("Wide", "TBW102", 64));
    assert.equal(bigger?.writeQueueNums, 8, "queues are capped by the template's write queues");
    const text = await readTestText(ctx.fs, `${ctx.dir}/config/topics.json`);
    assert.match(text, /^\{\n\t"dataVersion":\{\n\t\t"counter":2,/);
    assert.match(text, /\n\t\t"TopicTest":\{\n\t\t\t"order":false,\n\t\t\t"perm":6,/);
  },
);

forEachAdapter(
  "TopicConfigManager with autoCreateTopicEnable off returns null so the send fails",
  async (ctx) => {
    const manager = await open(ctx, { autoCreateTopicEnable: false });
    assert.equal(await manager.createTopicInSendMessageMethod(send("TopicTest")), null);
    assert.equal(manager.selectTopicConfig("TopicTest"), undefined);
    assert.equal(manager.dataVersion.counter, 0);
  },
);

forEachAdapter(
  "TopicConfigManager strips INHERIT from a persisted TBW102 when auto-creation is off",
  async (ctx) => {
    const first = await open(ctx);
    await first.createTopicInSendMessageMethod(send("TopicTest"));
    await first.persist();
    const second = await open(ctx, { autoCreateTopicEnable: false });
    assert.equal(
      second.selectTopicConfig("TBW102")?.perm,
      7,
      "the file's TBW102 is loaded as written",
    );
    assert.equal(await second.createTopicInSendMessageMethod(send("Other")), null);
    assert.equal(second.selectTopicConfig("TBW102")?.perm, 6);
    assert.equal(second.selectTopicConfig("TopicTest")?.writeQueueNums, 4);
  },
);

forEachAdapter(
  "TopicConfigManager uses any INHERIT template: cluster topic yes, plain topic no",
  async (ctx) => {
    const manager = await open(ctx, { brokerTopicEnable: false });
    const viaCluster = await manager.createTopicInSendMessageMethod(
      send("ViaCluster", "DefaultCluster"),
    );
    assert.equal(viaCluster?.perm, 6);
    const viaBroker = await manager.createTopicInSendMessageMethod(send("ViaBroker", "broker-a"));
    assert.equal(viaBroker?.perm, 0, "INHERIT-only template gives no permissions, as RocketMQ");
    assert.equal(
      await manager.createTopicInSendMessageMethod(send("ViaPlain", "ViaCluster")),
      null,
    );
    assert.equal(
      await manager.createTopicInSendMessageMethod(send("ViaNothing", "NoSuchTopic")),
      null,
    );
  },
);

forEachAdapter(
  "TopicConfigManager creates retry topics once and refuses bad names",
  async (ctx) => {
    const manager = await open(ctx, { autoCreateTopicEnable: false });
    const retry = { topic: "%RETRY%G1", clientDefaultTopicQueueNums: 1, perm: 6, topicSysFlag: 0 };
    const created = await manager.createTopicInSendMessageBackMethod(retry);
    assert.deepEqual([created.readQueueNums, created.writeQueueNums, created.perm], [1, 1, 6]);
    assert.equal(
      await manager.createTopicInSendMessageBackMethod({
        ...retry,
        clientDefaultTopicQueueNums: 3,
      }),
      created,
    );
    assert.equal(manager.dataVersion.counter, 1);
    await assert.rejects(
      manager.createTopicInSendMessageBackMethod({ ...retry, topic: "%RETRY%bad group" }),
      (error: unknown) => error instanceof BrokerError && error.code === ResponseCode.SYSTEM_ERROR,
    );
    await assert.rejects(
      manager.createTopicInSendMessageMethod(send("bad topic")),
      (error: unknown) => error instanceof BrokerError && /illegal characters/.test(error.remark),
    );
  },
);

forEachAdapter("TopicConfigManager concurrent sends to a new topic create it once", async (ctx) => {
  const manager = await open(ctx);
  const results = await Promise.all(
    [1, 2, 3].map(() => manager.createTopicInSendMessageMethod(send("Race"))),
  );
  assert.equal(results[0], results[1]);
  assert.equal(results[1], results[2]);
  assert.equal(manager.dataVersion.counter, 1);
});

forEachAdapter(
  "TopicConfigManager update, order and delete bump the version and survive reload",
  async (ctx) => {
    const manager = await open(ctx);
    await manager.updateTopicConfig(
      createTopicConfig("Orders", { readQueueNums: 2, writeQueueNums: 2 }),
    );
    assert.equal(await manager.updateOrderTopicConfig(["Orders", "NoSuchTopic"]), 1);
    assert.equal(await manager.updateOrderTopicConfig(["Orders"]), 0);
    await manager.updateTopicConfig(
      createTopicConfig("SELF_TEST_TOPIC", { readQueueNums: 3, writeQueueNums: 3 }),
    );
    await manager.updateTopicConfig(createTopicConfig("Gone"));
    assert.equal(await manager.deleteTopicConfig("Gone"), true);
    assert.equal(await manager.deleteTopicConfig("Gone"), false);
    assert.equal(manager.dataVersion.counter, 5);
    const reloaded = await open(ctx);
    assert.deepEqual(reloaded.dataVersion, manager.dataVersion);
    assert.equal(reloaded.isOrderTopic("Orders"), true);
    assert.equal(
      reloaded.selectTopicConfig("SELF_TEST_TOPIC")?.writeQueueNums,
      3,
      "the file wins over start-up",
    );
    assert.equal(reloaded.selectTopicConfig("Gone"), undefined);
    assert.deepEqual([...reloaded.topicConfigTable.keys()], [...manager.topicConfigTable.keys()]);
    await assert.rejects(
      manager.updateTopicConfig({ ...createTopicConfig("Bad"), perm: 99 }),
      (error: unknown) => error instanceof BrokerError && /perm/.test(error.remark),
    );
  },
);

forEachAdapter(
  "TopicConfigManager falls back to topics.json.bak when the file is damaged",
  async (ctx) => {
    const manager = await open(ctx);
    await manager.createTopicInSendMessageMethod(send("First"));
    await manager.createTopicInSendMessageMethod(send("Second"));
    await writeTestText(ctx.fs, `${ctx.dir}/config/topics.json`, '{"dataVersion":{"coun');
    const reloaded = await open(ctx);
    assert.ok(reloaded.selectTopicConfig("First"), "the .bak holds the previous table");
    assert.equal(reloaded.selectTopicConfig("Second"), undefined);
    assert.equal(reloaded.dataVersion.counter, 1);
  },
);

forEachAdapter(
  "TopicConfigManager reads a RocketMQ topics.json with defaults for missing fields",
  async (ctx) => {
    const path = `${ctx.dir}/config/topics.json`;
    await writeTestText(
      ctx.fs,
      path,
      '{\n\t"dataVersion":{\n\t\t"counter":7,\n\t\t"timestamp":1732436400000\n\t},\n\t"topicConfigTable":{\n' +
        '\t\t"Legacy":{\n\t\t\t"perm":6,\n\t\t\t"readQueueNums":4,\n\t\t\t"topicName":"Legacy",\n\t\t\t"writeQueueNums":4\n\t\t}\n\t}\n}',
    );
    const manager = await open(ctx);
    assert.deepEqual(manager.dataVersion, { counter: 7, timestamp: 1732436400000 });
    assert.deepEqual(
      manager.selectTopicConfig("Legacy"),
      createTopicConfig("Legacy", { readQueueNums: 4, writeQueueNums: 4 }),
    );
  },
);

Deno.test("encodeTopicConfigWrapper writes the REGISTER_BROKER body form of bodies.md §2", () => {
  const table = new Map([[
    "TopicTest",
    createTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4 }),
  ]]);
  const text = encodeTopicConfigWrapper({
    topicConfigTable: table,
    dataVersion: { counter: 3, timestamp: 1732436400000 },
  }, false);
  assert.equal(
    text,
    '{"dataVersion":{"counter":3,"timestamp":1732436400000},"topicConfigTable":{"TopicTest":{"order":false,' +
      '"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}',
  );
});

forEachAdapter(
  "TopicConfigManager takes the name server's order topics as the whole list, clearing the rest",
  async (ctx) => {
    const manager = await open(ctx);
    for (const topic of ["A", "B", "C"]) await manager.updateTopicConfig(createTopicConfig(topic));
    assert.equal(await manager.updateOrderTopicConfig(["A", "B"]), 2);
    assert.equal(await manager.updateOrderTopicConfig(["A"]), 1, "B left the namespace");
    assert.deepEqual(["A", "B", "C"].map((t) => manager.isOrderTopic(t)), [true, false, false]);
    assert.equal(await manager.updateOrderTopicConfig([]), 1, "an empty namespace clears A");
    assert.equal(manager.isOrderTopic("A"), false);
  },
);

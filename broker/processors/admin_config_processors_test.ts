import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { ManualClock } from "../../common/clock.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";
import { bodyText as text, CREATE_T1, withAdminWire as withWire } from "./_admin_test_fixture.ts";

Deno.test("GET_BROKER_CONFIG and UPDATE_BROKER_CONFIG read, change and persist the configuration", async () => {
  await withWire(async (broker, invoke) => {
    const before = await invoke(RequestCode.GET_BROKER_CONFIG);
    assert.equal(before.code, ResponseCode.SUCCESS);
    const lines = text(before).split("\n").filter((l) => l.length > 0);
    assert.ok(lines.includes("brokerName=broker-a"));
    assert.ok(lines.includes("defaultTopicQueueNums=8"));
    assert.deepEqual(lines, [...lines].sort(), "keys sorted");
    assert.deepEqual(JSON.parse(before.extFields?.version ?? ""), {
      counter: 0,
      timestamp: broker.clock.now(),
    });

    broker.clock.advance(5);
    const updated = await invoke(
      RequestCode.UPDATE_BROKER_CONFIG,
      undefined,
      "defaultTopicQueueNums=4\nbrokerPermission=4\n",
    );
    assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
    assert.equal(updated.remark, undefined, "no warnings");
    const after = await invoke(RequestCode.GET_BROKER_CONFIG);
    assert.ok(text(after).includes("defaultTopicQueueNums=4\n"));
    assert.deepEqual(JSON.parse(after.extFields?.version ?? ""), {
      counter: 1,
      timestamp: broker.clock.now(),
    });
    assert.deepEqual(
      broker.topicChanges.map((c) => c.kind),
      ["permission"],
      "brokerPermission re-registers",
    );

    const file = await broker.fs.open("/store/config/broker.properties");
    const bytes = new Uint8Array(await file.size());
    await file.readAt(bytes, 0);
    file.close();
    assert.ok(new TextDecoder().decode(bytes).includes("defaultTopicQueueNums=4\n"), "persisted");
  });
});

Deno.test("UPDATE_BROKER_CONFIG tells the caller about unknown and ignored keys in its remark", async () => {
  await withWire(async (_broker, invoke) => {
    const warned = await invoke(
      RequestCode.UPDATE_BROKER_CONFIG,
      undefined,
      "defaultTopicQueueNumz=4\nbrokerId=2\n",
    );
    assert.equal(warned.code, ResponseCode.SUCCESS);
    assert.equal(
      warned.remark,
      "Unknown config key defaultTopicQueueNumz ignored; " +
        "Config key brokerId 2 ignored: a ASYNC_MASTER always has brokerId 0",
    );
  });
});

Deno.test("UPDATE_BROKER_CONFIG refuses the old spelling of a blacklisted key", async () => {
  await withWire(async (broker, invoke) => {
    const old = await invoke(
      RequestCode.UPDATE_BROKER_CONFIG,
      undefined,
      "mapedFileSizeCommitLog=33554432\n",
    );
    assert.equal(old.code, ResponseCode.NO_PERMISSION);
    assert.equal(broker.configuration.dataVersion.counter, 0, "nothing applied");
  }, {
    properties: { configBlackList: "configBlackList;brokerConfigPath;mappedFileSizeCommitLog" },
  });
});

Deno.test("UPDATE_BROKER_CONFIG refuses blacklisted keys with NO_PERMISSION and bad values with their key", async () => {
  await withWire(async (broker, invoke) => {
    const black = await invoke(
      RequestCode.UPDATE_BROKER_CONFIG,
      undefined,
      "configBlackList=\ndefaultTopicQueueNums=4\n",
    );
    assert.equal(black.code, ResponseCode.NO_PERMISSION);
    assert.equal(black.remark, "Can not update config in black list.");
    const path = await invoke(
      RequestCode.UPDATE_BROKER_CONFIG,
      undefined,
      "brokerConfigPath=/tmp/x\n",
    );
    assert.equal(path.code, ResponseCode.NO_PERMISSION);
    const bad = await invoke(
      RequestCode.UPDATE_BROKER_CONFIG,
      undefined,
      "defaultTopicQueueNums=many\n",
    );
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.match(bad.remark ?? "", /defaultTopicQueueNums: "many"/);
    assert.equal(broker.configuration.config.defaultTopicQueueNums, 8, "nothing applied");
    assert.equal(broker.configuration.dataVersion.counter, 0);
    assert.equal(
      await broker.fs.stat("/store/config/broker.properties"),
      null,
      "nothing persisted",
    );
  });
});

/** Every key config.md §5 says clusterList and brokerStatus read. */
const RUNTIME_KEYS = [
  "brokerVersionDesc",
  "brokerVersion",
  "putTps",
  "getTransferedTps",
  "getTransferredTps",
  "sendThreadPoolQueueSize",
  "pullThreadPoolQueueSize",
  "sendThreadPoolQueueHeadWaitTimeMills",
  "pullThreadPoolQueueHeadWaitTimeMills",
  "pageCacheLockTimeMills",
  "earliestMessageTimeStamp",
  "commitLogDiskRatio",
  "msgPutTotalTodayMorning",
  "msgPutTotalYesterdayMorning",
  "msgGetTotalTodayMorning",
  "msgGetTotalYesterdayMorning",
  "msgPutTotalTodayNow",
  "msgGetTotalTodayNow",
];

Deno.test("GET_BROKER_RUNTIME_INFO answers a KVTable with every key clusterList reads", async () => {
  await withWire(async (broker, invoke) => {
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    const first = broker.clock.now();
    await broker.produce("T1");
    await broker.produce("T1");
    broker.clock.advance(2000);
    const response = await invoke(RequestCode.GET_BROKER_RUNTIME_INFO);
    assert.equal(response.code, ResponseCode.SUCCESS);
    const { table } = JSON.parse(text(response));
    for (const key of RUNTIME_KEYS) assert.equal(typeof table[key], "string", `key ${key}`);
    assert.equal(table.brokerVersionDesc, "V4_9_8");
    assert.equal(table.brokerVersion, "409");
    assert.equal(table.putTps, "1.0 1.0 1.0");
    assert.equal(table.getTransferedTps, "0.0 0.0 0.0");
    assert.equal(table.msgPutTotalTodayNow, "2");
    assert.equal(table.earliestMessageTimeStamp, String(first));
    for (const part of table.putTps.split(" ")) assert.ok(Number.isFinite(Number.parseFloat(part)));
    const ratio = Number.parseFloat(table.commitLogDiskRatio);
    assert.ok(ratio >= 0 && ratio <= 1, `commitLogDiskRatio ${ratio}`);
    assert.equal(table.runtime, "[ 0 days, 0 hours, 0 minutes, 2 seconds ]");
  });
});

Deno.test("VIEW_BROKER_STATS_DATA answers RocketMQ's stats items over TCP after sends and pulls", async () => {
  const clock = new ManualClock(Date.now());
  const env = await startTestBroker({
    withNamesrv: false,
    clock,
    properties: { brokerClusterName: "StatsCluster" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const view = async (statsName: string, statsKey: string) => {
    const response = await client.call(RequestCode.VIEW_BROKER_STATS_DATA, {
      statsName,
      statsKey,
    });
    return { code: response.code, remark: response.remark, body: text(response) };
  };
  try {
    const missing = await view("TOPIC_PUT_NUMS", "TopicStats");
    assert.deepEqual(missing, {
      code: ResponseCode.SYSTEM_ERROR,
      remark: "The stats <TOPIC_PUT_NUMS> <TopicStats> not exist",
      body: "",
    });
    for (let i = 0; i < 3; i++) {
      const sent = await client.send("TopicStats", `m${i}`, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await env.broker.store.waitDispatched();
    const pulled = await client.pull({
      group: "G_STATS",
      topic: "TopicStats",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
    });
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
    assert.equal(decodeRecords(pulled.body).length, 3);

    const zero = `{"avgpt":0.0,"sum":0,"tps":0.0}`;
    const unsampled = `{"statsDay":${zero},"statsHour":${zero},"statsMinute":${zero}}`;
    assert.deepEqual(await view("TOPIC_PUT_NUMS", "TopicStats"), {
      code: ResponseCode.SUCCESS,
      remark: undefined,
      body: unsampled,
    }, "the item exists; no 10-s snapshot yet");

    clock.advance(10_000); // RocketMQ's first 10-s snapshot since the traffic
    const minuteOnly = (item: string) =>
      `{"statsDay":${zero},"statsHour":${zero},"statsMinute":${item}}`;
    assert.equal(
      (await view("TOPIC_PUT_NUMS", "TopicStats")).body,
      minuteOnly(`{"avgpt":1.0,"sum":3,"tps":0.3}`),
      "3 puts of one message in 10 s",
    );
    assert.equal(
      (await view("GROUP_GET_NUMS", "TopicStats@G_STATS")).body,
      minuteOnly(`{"avgpt":3.0,"sum":3,"tps":0.3}`),
      "one pull of 3 messages",
    );
    assert.equal(
      (await view("BROKER_PUT_NUMS", "StatsCluster")).body,
      minuteOnly(`{"avgpt":0.0,"sum":3,"tps":0.3}`),
      "the broker item counts no calls",
    );
    const size = JSON.parse((await view("TOPIC_PUT_SIZE", "TopicStats")).body).statsMinute;
    assert.ok(size.sum > 3 * 2, `bytes stored: ${size.sum}`);
    assert.equal(size.avgpt, size.sum / 3);
    const getSize = JSON.parse((await view("GROUP_GET_SIZE", "TopicStats@G_STATS")).body);
    assert.ok(getSize.statsMinute.sum > 0);

    assert.equal(
      (await view("GROUP_GET_NUMS", "TopicStats@G_OTHER")).code,
      ResponseCode.SYSTEM_ERROR,
    );
    assert.equal((await view("BROKER_GET_NUMS", "DefaultCluster")).code, ResponseCode.SYSTEM_ERROR);
    const noHeader = await client.call(RequestCode.VIEW_BROKER_STATS_DATA, { statsName: "X" });
    assert.notEqual(noHeader.code, ResponseCode.SUCCESS);
    assert.match(noHeader.remark ?? "", /statsKey/);
  } finally {
    await client.close();
    await env.close();
  }
});

import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
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

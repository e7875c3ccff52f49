/**
 * GET_BROKER_RUNTIME_INFO against a real broker over TCP: every key of RocketMQ 4.9.8's table,
 * each parsed as rocketmq-exporter's `BrokerRuntimeStats(KVTable)` parses it, and the put totals
 * after a delayed message's delivery.
 */
import assert from "node:assert/strict";
import { statfs } from "node:fs/promises";
import { formatJavaDouble } from "../../common/java_double.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";
import { RMQ_SYS_SCHEDULE_TOPIC } from "../topic_validator.ts";

/** Java `Long.parseLong`: an optional sign and decimal digits, within 64 bits. */
function parseLong(text: string | undefined, key: string): number {
  assert.ok(text !== undefined && /^[+-]?\d+$/.test(text), `${key}: not a long: ${text}`);
  const value = BigInt(text);
  assert.ok(value >= -(2n ** 63n) && value < 2n ** 63n, `${key}: out of long range: ${text}`);
  return Number(value);
}

/** Java `Integer.parseInt`. */
function parseInt32(text: string | undefined, key: string): number {
  const value = parseLong(text, key);
  assert.ok(value >= -(2 ** 31) && value < 2 ** 31, `${key}: out of int range: ${text}`);
  return value;
}

/** Java `Double.parseDouble` (decimal forms; Java trims the text first). */
function parseDouble(text: string | undefined, key: string): number {
  const trimmed = text?.trim();
  assert.ok(
    trimmed !== undefined &&
      /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/.test(trimmed),
    `${key}: not a double: ${text}`,
  );
  return Number.parseFloat(trimmed.replace(/[fFdD]$/, ""));
}

/** Java `String.split(" ")`: trailing empty strings dropped. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** rocketmq-exporter `loadTps`: the 10, 60 and 600 s rates. */
function parseTps(text: string | undefined, key: string): number[] {
  assert.ok(text !== undefined, `${key} missing`);
  const parts = javaSplit(text, " ");
  assert.equal(parts.length, 3, `${key}: three rates expected: ${text}`);
  return parts.map((part) => parseDouble(part, key));
}

/** rocketmq-exporter `Utils.machineReadableByteCount`. */
function machineReadableByteCount(text: string, key: string): number {
  const [base, unit] = javaSplit(text, " ");
  assert.ok(unit !== undefined, `${key}: no unit in ${text}`);
  const value = parseDouble(base, key);
  return unit === "B" ? value : value * 1024 ** ("KMGTPE".indexOf(unit[0]) + 1);
}

/** Every key of RocketMQ 4.9.8's table and how the exporter (or Java's writer) types it. */
const LONG_KEYS = [
  "msgPutTotalTodayNow",
  "msgGetTotalTodayNow",
  "msgPutTotalTodayMorning",
  "msgGetTotalTodayMorning",
  "msgPutTotalYesterdayMorning",
  "msgGetTotalYesterdayMorning",
  "sendThreadPoolQueueHeadWaitTimeMills",
  "queryThreadPoolQueueHeadWaitTimeMills",
  "pullThreadPoolQueueHeadWaitTimeMills",
  "queryThreadPoolQueueSize",
  "pullThreadPoolQueueSize",
  "sendThreadPoolQueueSize",
  "sendThreadPoolQueueCapacity",
  "pullThreadPoolQueueCapacity",
  "queryThreadPoolQueueCapacity",
  "EndTransactionQueueSize",
  "EndTransactionThreadPoolQueueCapacity",
  "commitLogMinOffset",
  "commitLogMaxOffset",
  "bootTimestamp",
  "dispatchMaxBuffer",
  "pageCacheLockTimeMills",
  "getMessageEntireTimeMax",
  "putMessageTimesTotal",
  "putMessageFailedTimes",
  "startAcceptSendRequestTimeStamp",
  "putMessageEntireTimeMax",
  "earliestMessageTimeStamp",
  "remainTransientStoreBufferNumbs",
  "dispatchBehindBytes",
  "putMessageSizeTotal",
];
const DOUBLE_KEYS = [
  "consumeQueueDiskRatio",
  "commitLogDiskRatio",
  "putMessageAverageSize",
  "putLatency99",
  "putLatency999",
];
const TPS_KEYS = ["putTps", "getMissTps", "getTransferedTps", "getTotalTps", "getFoundTps"];
const TEXT_KEYS = [
  "runtime",
  "brokerVersionDesc",
  "brokerVersion",
  "putMessageDistributeTime",
  "remainHowManyDataToFlush",
  "commitLogDirCapacity",
];

const utf8 = new TextDecoder();

async function runtimeInfo(client: TestBrokerClient): Promise<Record<string, string>> {
  const response = await client.call(RequestCode.GET_BROKER_RUNTIME_INFO, {});
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark ?? "");
  return JSON.parse(utf8.decode(response.body)).table;
}

/** Sends a level-1 (1 s) delayed message and waits, by a long-polling pull, for its delivery. */
async function sendDelayedAndAwaitDelivery(client: TestBrokerClient, topic: string) {
  const sent = await client.send(topic, "later", { queueId: 0, properties: { DELAY: "1" } });
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark ?? "");
  const delivered = await client.pull({
    group: "G_RUNTIME",
    topic,
    queueId: 0,
    queueOffset: 0,
    subscription: "*",
    suspendTimeoutMillis: 10_000, // the bound: delivery is due after 1 s
  });
  assert.equal(delivered.code, ResponseCode.SUCCESS, "the delayed message came within 10 s");
  assert.deepEqual(decodeRecords(delivered.body).map((r) => utf8.decode(r.body)), ["later"]);
}

Deno.test("GET_BROKER_RUNTIME_INFO carries every key of RocketMQ 4.9.8's table, each parsing as rocketmq-exporter parses it", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    for (let i = 0; i < 3; i++) {
      const sent = await client.send("RtTopic", `m${i}`, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark ?? "");
    }
    const pull = { group: "G_RT", topic: "RtTopic", queueId: 0, subscription: "*" };
    const found = await client.pull({ ...pull, queueOffset: 0 });
    assert.equal(found.code, ResponseCode.SUCCESS);
    const miss = await client.pull({ ...pull, queueOffset: 3, sysFlag: 0x4 }); // no suspend
    assert.equal(miss.code, ResponseCode.PULL_NOT_FOUND);
    await sendDelayedAndAwaitDelivery(client, "RtDelayTopic");

    const table = await runtimeInfo(client);
    for (const key of LONG_KEYS) parseLong(table[key], key);
    for (const key of DOUBLE_KEYS) parseDouble(table[key], key);
    for (const key of TPS_KEYS) parseTps(table[key], key);
    for (const key of TEXT_KEYS) assert.equal(typeof table[key], "string", `${key} missing`);
    parseInt32(table.brokerVersion, "brokerVersion");
    // loadPutMessageDistributeTime: "[label]:count " per slot, Integer.parseInt of each count
    const slots = javaSplit(table.putMessageDistributeTime, " ").map((slot) => slot.split(":"));
    assert.equal(slots.length, 13, table.putMessageDistributeTime);
    for (const [label, count] of slots) parseInt32(count, `putMessageDistributeTime ${label}`);
    // remainHowManyDataToFlush: "<number> <unit>", unit letter looked up in "KMGTPE"
    const [flushNumber, flushUnit] = javaSplit(table.remainHowManyDataToFlush, " ");
    parseDouble(flushNumber, "remainHowManyDataToFlush");
    assert.ok(flushUnit.length > 0, table.remainHowManyDataToFlush);
    // loadCommitLogDirCapacity: words 2, 3 (minus its comma), 6 and 7 (minus its period)
    const words = javaSplit(table.commitLogDirCapacity, " ");
    machineReadableByteCount(`${words[2]} ${words[3].slice(0, -1)}`, "commitLogDirCapacity");
    machineReadableByteCount(`${words[6]} ${words[7].slice(0, -1)}`, "commitLogDirCapacity");
    // DefaultMessageStore.getRuntimeInfo: one ratio per commit-log path
    parseDouble(table[`commitLogDiskRatio_${env.broker.store.paths.commitLog}`], "per path");
    // UtilAll.getDiskPartitionSpaceUsedPercent: used / (used + usable), up to a whole percent
    const disk = await statfs(env.broker.store.paths.commitLog);
    const used = disk.blocks - disk.bfree;
    assert.equal(
      table.commitLogDiskRatio,
      formatJavaDouble(Math.ceil((used * 100) / (used + disk.bavail)) / 100),
    );
    // loadScheduleMessageOffsets: "<delayOffset>,<maxOffset>" per level with an offset
    const schedule = Object.keys(table).filter((key) => key.startsWith("scheduleMessageOffset"));
    assert.deepEqual(schedule, ["scheduleMessageOffset_1"]);
    assert.deepEqual(table.scheduleMessageOffset_1.split(",").map((v) => parseLong(v, "offset")), [
      1,
      1,
    ]);

    // Measured, not constant: one FOUND get, one miss (the long poll adds gets of its own).
    const [foundTen] = parseTps(table.getFoundTps, "getFoundTps");
    const [missTen] = parseTps(table.getMissTps, "getMissTps");
    const [totalTen] = parseTps(table.getTotalTps, "getTotalTps");
    assert.ok(foundTen > 0 && missTen > 0, `found ${foundTen}, miss ${missTen}`);
    assert.ok(Math.abs(totalTen - (foundTen + missTen)) < 1e-9, "total = found + miss");
    // RocketMQ's values for what this broker does not have
    assert.equal(table.remainTransientStoreBufferNumbs, "2147483647");
    assert.equal(table.queryThreadPoolQueueCapacity, "20000");
    assert.equal(table.EndTransactionThreadPoolQueueCapacity, "100000");
    assert.equal(table.EndTransactionQueueSize, "0");
    assert.equal(table.dispatchMaxBuffer, "0");
    // 3 sends, the delayed send into SCHEDULE_TOPIC_XXXX and its re-put
    assert.equal(table.putMessageTimesTotal, "5");
    assert.equal(table.msgPutTotalTodayNow, table.putMessageTimesTotal);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("a delayed message's re-put counts as a put of its real topic, so msgPutTotalTodayNow equals putMessageTimesTotal", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const putsOf = (topic: string) =>
    env.broker.brokerStats.topicTraffic().find((t) => t.topic === topic)?.put.msgs ?? 0;
  try {
    const sent = await client.send("DelayTopic", "later", {
      queueId: 0,
      properties: { DELAY: "1" },
    });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark ?? "");
    // Stored in the schedule topic, as RocketMQ counts it; due only 1 s after it was stored.
    assert.equal(putsOf(RMQ_SYS_SCHEDULE_TOPIC), 1);
    assert.equal(putsOf("DelayTopic"), 0, "not put into its real topic yet");

    const delivered = await client.pull({
      group: "G_DELAY",
      topic: "DelayTopic",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
      suspendTimeoutMillis: 10_000,
    });
    assert.equal(delivered.code, ResponseCode.SUCCESS, "the delayed message came within 10 s");

    const table = await runtimeInfo(client);
    assert.equal(table.putMessageTimesTotal, "2", "the schedule-topic put and the re-put");
    assert.equal(table.msgPutTotalTodayNow, table.putMessageTimesTotal);
    assert.equal(putsOf("DelayTopic"), 1, "the re-put counts against the real topic");
    assert.equal(env.broker.brokerStats.totals().put.msgs, 2);
  } finally {
    await client.close();
    await env.close();
  }
});

import assert from "node:assert/strict";
import { ManualClock } from "../../common/clock.ts";
import { hostAddress } from "../../store/message_id.ts";
import { decodeProperties, encodeProperties } from "../../store/message_properties.ts";
import type { MessageExtBrokerInner } from "../../store/message_record.ts";
import { MESSAGE_DELAY_LEVEL_DEFAULT } from "../broker_config_schema.ts";
import { DelayLevelError, DelayLevelTable } from "./delay_level_table.ts";
import { decodeDelayOffsets, encodeDelayOffsets } from "./delay_offset_wrapper.ts";
import { scheduleDelayedMessage } from "./schedule_message_store.ts";

const levels = DelayLevelTable.parse(MESSAGE_DELAY_LEVEL_DEFAULT);

Deno.test("DelayLevelTable parses RocketMQ's default levels and the four units", () => {
  assert.equal(levels.maxLevel, 18);
  assert.deepEqual(
    levels.levels().map((level) => levels.delayMs(level)! / 1000),
    [1, 5, 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200],
  );
  const custom = DelayLevelTable.parse("  2s   3m 4h\t1d ");
  assert.deepEqual(custom.levels().map((l) => custom.delayMs(l)), [
    2000,
    180_000,
    14_400_000,
    86_400_000,
  ]);
  assert.equal(custom.delayMs(5), undefined);
  assert.equal(custom.clamp(9), 4);
  assert.equal(custom.computeDeliverTimestamp(9, 100), 100 + 1000, "an unknown level waits 1 s");
});

Deno.test("DelayLevelTable rejects bad entries, too many levels and too long delays", () => {
  assert.throws(() => DelayLevelTable.parse(""), DelayLevelError);
  assert.throws(() => DelayLevelTable.parse("1s 5x"), /level 2 "5x": expected a number and a unit/);
  assert.throws(() => DelayLevelTable.parse("1.5s"), DelayLevelError);
  assert.throws(() => DelayLevelTable.parse(Array(257).fill("1s").join(" ")), /257 levels exceed/);
  assert.throws(() => DelayLevelTable.parse("367d"), /exceeds delayLevelMsMax/);
});

Deno.test("DelayLevelTable gives re-dispatched schedule records their delivery time", () => {
  const request = {
    topic: "SCHEDULE_TOPIC_XXXX",
    queueId: 2,
    commitLogOffset: 0,
    msgSize: 100,
    tagsCode: 12345,
    storeTimestamp: 1_700_000_000_000,
    consumeQueueOffset: 0,
    keys: "",
    sysFlag: 0,
    preparedTransactionOffset: 0,
  };
  assert.equal(levels.redispatchTagsCode(request), 1_700_000_010_000);
  assert.equal(
    levels.redispatchTagsCode({ ...request, queueId: 40 }),
    1_700_000_000_000 + 7_200_000,
  );
  assert.equal(levels.redispatchTagsCode({ ...request, topic: "T" }), 12345);
});

function message(properties: Record<string, string>, sysFlag = 0): MessageExtBrokerInner {
  return {
    topic: "TopicA",
    queueId: 3,
    flag: 0,
    body: new Uint8Array([1, 2]),
    properties: encodeProperties(properties),
    sysFlag,
    bornTimestamp: 1,
    bornHost: hostAddress("127.0.0.1", 5000),
  };
}

Deno.test("scheduleDelayedMessage moves a delayed message to its schedule queue", () => {
  const input = message({ TAGS: "A", DELAY: "4" });
  const out = scheduleDelayedMessage(input, levels, new ManualClock(1000))!;
  assert.equal(out.topic, "SCHEDULE_TOPIC_XXXX");
  assert.equal(out.queueId, 3);
  assert.equal(out.tagsCode, 1000 + 30_000);
  const stored = decodeProperties(out.properties as string);
  assert.deepEqual(Object.fromEntries(stored), {
    TAGS: "A",
    DELAY: "4",
    REAL_TOPIC: "TopicA",
    REAL_QID: "3",
  });
  assert.deepEqual(out.propertiesMap, stored);

  const clamped = scheduleDelayedMessage(message({ DELAY: "40" }), levels, new ManualClock(0))!;
  assert.equal(clamped.queueId, 17);
  assert.equal(decodeProperties(clamped.properties as string).get("DELAY"), "18");

  for (const plain of [message({}), message({ DELAY: "0" }), message({ DELAY: "-2" })]) {
    assert.equal(
      scheduleDelayedMessage(plain, levels, new ManualClock(0)),
      plain,
      "no delay: unchanged",
    );
  }
  const prepared = message({ DELAY: "2" }, 0x4);
  assert.equal(
    scheduleDelayedMessage(prepared, levels, new ManualClock(0)),
    prepared,
    "half messages are not delayed",
  );
  const committed = scheduleDelayedMessage(
    message({ DELAY: "2" }, 0x8),
    levels,
    new ManualClock(0),
  )!;
  assert.equal(committed.topic, "SCHEDULE_TOPIC_XXXX", "committed transactional messages are");
  assert.equal(scheduleDelayedMessage(message({ DELAY: "2s" }), levels, new ManualClock(0)), null);
  assert.equal(
    scheduleDelayedMessage(message({ DELAY: "99999999999" }), levels, new ManualClock(0)),
    null,
  );
});

Deno.test("delayOffset.json round-trips and rejects bad entries", () => {
  const table = new Map([[3, 7], [1, 17]]);
  assert.equal(encodeDelayOffsets(table, false), '{"offsetTable":{1:17,3:7}}');
  assert.equal(encodeDelayOffsets(table, true), '{\n\t"offsetTable":{1:17,3:7\n\t}\n}');
  assert.deepEqual(
    decodeDelayOffsets({ offsetTable: { 1: 17, 3: 7 }, dataVersion: {} }, "f"),
    new Map([[1, 17], [3, 7]]),
  );
  assert.deepEqual(decodeDelayOffsets({}, "f"), new Map());
  assert.throws(() => decodeDelayOffsets([], "f"), /not a JSON object/);
  assert.throws(
    () => decodeDelayOffsets({ offsetTable: { 0: 1 } }, "f"),
    /level 0 is not in 1\.\.256/,
  );
  assert.throws(
    () => decodeDelayOffsets({ offsetTable: { 1: -1 } }, "f"),
    /-1 is not a non-negative integer/,
  );
  assert.throws(
    () => decodeDelayOffsets({ offsetTable: { 1: "5" } }, "f"),
    /not a non-negative integer/,
  );
});

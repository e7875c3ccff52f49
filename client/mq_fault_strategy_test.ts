import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { MQFaultStrategy } from "./mq_fault_strategy.ts";
import { TopicPublishInfo } from "./topic_publish_info.ts";

function publishInfo(): TopicPublishInfo {
  const queues = ["a", "b", "c"].flatMap((brokerName) =>
    [0, 1].map((queueId) => ({ topic: "T", brokerName, queueId }))
  );
  return new TopicPublishInfo(queues, { startIndex: 0 });
}

Deno.test("MQFaultStrategy maps latency to RocketMQ 4.9.8's avoidance table", () => {
  const strategy = new MQFaultStrategy({ clock: new ManualClock(), sendLatencyFaultEnable: true });
  const cases: [number, number][] = [
    [0, 0],
    [49, 0],
    [100, 0],
    [550, 30_000],
    [999, 30_000],
    [1000, 60_000],
    [2000, 120_000],
    [3000, 180_000],
    [15_000, 600_000],
    [30_000, 600_000],
  ];
  for (const [latency, duration] of cases) {
    assert.equal(strategy.computeNotAvailableDuration(latency), duration, `latency ${latency}`);
  }
});

Deno.test("MQFaultStrategy off: a retry avoids only the last broker", () => {
  const clock = new ManualClock();
  const strategy = new MQFaultStrategy({ clock });
  const info = publishInfo();
  strategy.updateFaultItem("a", 20_000, true);
  for (let i = 0; i < 12; i++) {
    const mq = strategy.selectOneMessageQueue(info, "b")!;
    assert.notEqual(mq.brokerName, "b");
  }
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add(strategy.selectOneMessageQueue(info)!.brokerName);
  assert.deepEqual([...seen].sort(), ["a", "b", "c"], "no latency avoidance when off");
});

Deno.test("MQFaultStrategy on: avoids an isolated broker until its period ends", () => {
  const clock = new ManualClock();
  const strategy = new MQFaultStrategy({ clock, sendLatencyFaultEnable: true });
  const info = publishInfo();
  strategy.updateFaultItem("a", 10, true);
  strategy.updateFaultItem("b", 600, false);
  for (let i = 0; i < 12; i++) assert.equal(strategy.selectOneMessageQueue(info)!.brokerName, "c");
  clock.advance(30_000);
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) seen.add(strategy.selectOneMessageQueue(info)!.brokerName);
  assert.deepEqual([...seen].sort(), ["b", "c"], "b is back after 30 s; a is out for 600 s");
  clock.advance(570_000);
  for (let i = 0; i < 12; i++) seen.add(strategy.selectOneMessageQueue(info)!.brokerName);
  assert.ok(seen.has("a"));
});

Deno.test("MQFaultStrategy on: when every broker is avoided it still picks one of the better half", () => {
  const clock = new ManualClock();
  const strategy = new MQFaultStrategy({ clock, sendLatencyFaultEnable: true });
  const info = publishInfo();
  strategy.updateFaultItem("a", 700, false);
  strategy.updateFaultItem("b", 5000, false);
  strategy.updateFaultItem("c", 20_000, false);
  const mq = strategy.selectOneMessageQueue(info, "a");
  assert.equal(mq?.brokerName, "a", "the lowest-latency broker is the better half of three");
});

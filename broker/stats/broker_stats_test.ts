import assert from "node:assert/strict";
import { ManualClock } from "../../common/clock.ts";
import { BrokerStats } from "./broker_stats.ts";
import { STATS_KEYS_MAX, STATS_OVERFLOW_KEY } from "./limits.ts";

const T0 = 1_700_000_000_000; // a whole second
const DAY = 86_400_000;
const utcDayStart = (ms: number) => ms - (ms % DAY);

Deno.test("BrokerStats putTps reports the 10, 60 and 600 s rates", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  // 6 messages in each of 100 seconds
  for (let s = 0; s < 100; s++) {
    stats.recordPut("T", 6, 60);
    clock.advance(1000);
  }
  // now = T0 + 100 s: the last 10 whole seconds held 60 messages, the last 60 held 360
  assert.equal(stats.putTps(), "6.0 6.0 6.0");
  clock.advance(30_000); // 30 quiet seconds
  const [w10, w60, w600] = stats.putTps().split(" ").map(Number);
  assert.equal(w10, 0);
  // 60 s window: seconds 71..129 hold 29 busy seconds of 6 messages, over 59 elapsed seconds
  assert.ok(Math.abs(w60 - 174 / 59) < 1e-9, `w60 ${w60}`);
  assert.ok(Math.abs(w600 - 600 / 130) < 1e-9, `w600 ${w600}`);
});

Deno.test("BrokerStats getTransferredTps counts messages handed to consumers", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  assert.equal(stats.getTransferredTps(), "0.0 0.0 0.0");
  stats.recordGet("G1", "T", 20, 2000);
  clock.advance(4000);
  assert.equal(stats.getTransferredTps(), "5.0 5.0 5.0");
  assert.equal(stats.groupGetTps("G1", "T"), 5);
  assert.equal(stats.groupGetTps("G2", "T"), 0);
});

Deno.test("BrokerStats keeps per-topic and per-group counters", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  stats.recordPut("B", 2, 200);
  stats.recordPut("A", 1, 10);
  stats.recordGet("G2", "A", 1, 10);
  stats.recordGet("G1", "A", 1, 10);
  stats.recordGet("G1", "B", 2, 200);
  assert.deepEqual(stats.topicTraffic(), [
    { topic: "A", put: { msgs: 1, bytes: 10 }, get: { msgs: 2, bytes: 20 } },
    { topic: "B", put: { msgs: 2, bytes: 200 }, get: { msgs: 2, bytes: 200 } },
  ]);
  assert.deepEqual(stats.groupTraffic().map((g) => `${g.group}/${g.topic}=${g.get.msgs}`), [
    "G1/A=1",
    "G1/B=2",
    "G2/A=1",
  ]);
  assert.deepEqual(stats.totals(), { put: { msgs: 3, bytes: 210 }, get: { msgs: 4, bytes: 220 } });
  stats.onTopicDeleted("A");
  assert.deepEqual(stats.topicTraffic().map((t) => t.topic), ["B"]);
  stats.onGroupDeleted("G1");
  assert.deepEqual(stats.groupTraffic(), []);
  assert.equal(stats.totals().put.msgs, 3, "broker totals survive deletes");
});

Deno.test("BrokerStats takes the midnight snapshots of the daily totals", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock, dayStartOf: utcDayStart });
  stats.recordPut("T", 5, 50);
  stats.recordGet("G", "T", 2, 20);
  assert.deepEqual(stats.daily(), {
    msgPutTotalYesterdayMorning: 0,
    msgPutTotalTodayMorning: 0,
    msgPutTotalTodayNow: 5,
    msgGetTotalYesterdayMorning: 0,
    msgGetTotalTodayMorning: 0,
    msgGetTotalTodayNow: 2,
  });
  clock.set(utcDayStart(T0) + DAY + 1000); // the next day
  stats.recordPut("T", 3, 30);
  assert.deepEqual(stats.daily(), {
    msgPutTotalYesterdayMorning: 0,
    msgPutTotalTodayMorning: 5,
    msgPutTotalTodayNow: 8,
    msgGetTotalYesterdayMorning: 0,
    msgGetTotalTodayMorning: 2,
    msgGetTotalTodayNow: 2,
  });
  clock.advance(DAY); // one more midnight, seen only by the read
  const daily = stats.daily();
  assert.equal(daily.msgPutTotalYesterdayMorning, 5);
  assert.equal(daily.msgPutTotalTodayMorning, 8);
  clock.advance(3 * DAY); // several midnights without traffic
  assert.equal(stats.daily().msgPutTotalYesterdayMorning, 8);
});

Deno.test("BrokerStats rolls the day at each midnight of 23 h and 25 h days", () => {
  const H = 3600_000;
  const midnights = [0, 23 * H, 48 * H, 72 * H, 95 * H].map((m) => T0 + m); // DST-like days
  const dayStartOf = (ms: number) => midnights.findLast((m) => m <= ms) ?? 0;
  const clock = new ManualClock(midnights[0] + 1);
  const stats = new BrokerStats({ clock, dayStartOf });
  for (let day = 1; day < midnights.length; day++) {
    stats.recordPut("T", 1, 1);
    clock.set(midnights[day] - 1); // the last ms of the day: still that day
    stats.recordPut("T", 1, 1);
    assert.equal(
      stats.daily().msgPutTotalTodayMorning,
      2 * (day - 1),
      `day ${day} not rolled early`,
    );
    clock.set(midnights[day]);
    stats.recordPut("T", 0, 0);
    assert.equal(stats.daily().msgPutTotalTodayMorning, 2 * day, `day ${day} rolled at midnight`);
  }
});

Deno.test("BrokerStats folds keys past STATS_KEYS_MAX into one overflow entry", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  for (let i = 0; i < STATS_KEYS_MAX + 5; i++) stats.recordPut(`T${i}`, 1, 1);
  const traffic = stats.topicTraffic();
  assert.equal(traffic.length, STATS_KEYS_MAX + 1);
  assert.equal(traffic.find((t) => t.topic === STATS_OVERFLOW_KEY)?.put.msgs, 5);
  assert.equal(stats.totals().put.msgs, STATS_KEYS_MAX + 5);
});

Deno.test("BrokerStats tolerates a wall clock that steps back", () => {
  const clock = {
    nowMs: T0 + 10_000,
    now() {
      return this.nowMs;
    },
  };
  const stats = new BrokerStats({ clock });
  stats.recordPut("T", 1, 1);
  clock.nowMs = T0; // NTP step back
  stats.recordPut("T", 1, 1);
  assert.equal(stats.totals().put.msgs, 2);
  for (const part of stats.putTps().split(" ")) assert.ok(Number.isFinite(Number(part)), part);
});

Deno.test("BrokerStats folds group@topic pairs past STATS_KEYS_MAX into one overflow pair", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  for (let i = 0; i < STATS_KEYS_MAX + 3; i++) stats.recordGet(`G${i}`, "T", 1, 1);
  const traffic = stats.groupTraffic();
  assert.equal(traffic.length, STATS_KEYS_MAX + 1);
  const overflow = traffic.find((g) => g.group === STATS_OVERFLOW_KEY);
  assert.deepEqual(overflow, {
    group: STATS_OVERFLOW_KEY,
    topic: STATS_OVERFLOW_KEY,
    get: { msgs: 3, bytes: 3 },
  });
  stats.onGroupDeleted("G0");
  stats.recordGet("Gnew", "T", 1, 1);
  assert.equal(
    stats.groupTraffic().find((g) => g.group === "Gnew")?.get.msgs,
    1,
    "a freed slot is reused",
  );
});

Deno.test("BrokerStats keeps SNDBCK_PUT_NUMS per topic@group, bounded and forgotten on deletion", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  for (let i = 0; i < STATS_KEYS_MAX + 3; i++) stats.recordSendBack("G", `T${i}`);
  stats.recordSendBack("G", "T0");
  clock.advance(10_000);
  assert.equal(stats.statsData("SNDBCK_PUT_NUMS", "T0@G")?.statsMinute.sum, 2);
  assert.equal(stats.statsData("SNDBCK_PUT_NUMS", `T${STATS_KEYS_MAX}@G`), undefined);
  const overflow = `${STATS_OVERFLOW_KEY}@${STATS_OVERFLOW_KEY}`;
  assert.equal(stats.statsData("SNDBCK_PUT_NUMS", overflow)?.statsMinute.sum, 3);
  assert.equal(stats.statsData("SNDBCK_PUT_NUMS", "T0"), undefined, "no @ in the key");
  stats.onTopicDeleted("T0");
  assert.equal(stats.statsData("SNDBCK_PUT_NUMS", "T0@G"), undefined);
  stats.recordSendBack("G", "T_NEW"); // the freed slot
  clock.advance(10_000);
  assert.equal(stats.statsData("SNDBCK_PUT_NUMS", "T_NEW@G")?.statsMinute.sum, 1);
  assert.deepEqual(stats.groupTraffic(), [], "send-backs are not gets");
});

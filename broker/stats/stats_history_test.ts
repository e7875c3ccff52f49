/**
 * The minute, hour and day windows of VIEW_BROKER_STATS_DATA against the figures RocketMQ's
 * `StatsItem` gives: snapshots on 10-s, 10-min and hourly ticks from the broker's start, a zero
 * snapshot one period before a new key's first, `computeStatsData`'s sum, tps and avgpt.
 */
import assert from "node:assert/strict";
import { ManualClock, steppedMonotonic } from "../../common/clock.ts";
import { BrokerStats, StatsName } from "./broker_stats.ts";
import type { StatsWindow } from "./stats_history.ts";

const T0 = 1_700_000_000_000; // the broker's start: ticks fall on T0 + whole periods
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

function close(actual: StatsWindow | undefined, expected: StatsWindow, what: string): void {
  assert.ok(actual !== undefined, `${what}: no item`);
  assert.equal(actual.sum, expected.sum, `${what} sum`);
  for (const key of ["tps", "avgpt"] as const) {
    assert.ok(
      Math.abs(actual[key] - expected[key]) < 1e-9,
      `${what} ${key}: ${actual[key]} != ${expected[key]}`,
    );
  }
}

Deno.test("BrokerStats statsData starts a new key's minute at its first 10-s tick", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  assert.equal(stats.statsData(StatsName.TOPIC_PUT_NUMS, "T"), undefined, "no item before a put");
  clock.set(T0 + 25 * S); // between the ticks at 20 s and 30 s
  stats.recordPut("T", 10, 1000);
  stats.recordPut("T", 2, 200);
  const zero = { sum: 0, tps: 0, avgpt: 0 };
  clock.set(T0 + 30 * S - 1); // no tick since the key was created: an empty list
  assert.deepEqual(stats.statsData(StatsName.TOPIC_PUT_NUMS, "T"), {
    statsMinute: zero,
    statsHour: zero,
    statsDay: zero,
  });
  clock.set(T0 + 30 * S); // the list: a zero snapshot at 20 s, then 12 messages at 30 s
  const nums = stats.statsData(StatsName.TOPIC_PUT_NUMS, "T");
  close(nums?.statsMinute, { sum: 12, tps: 1.2, avgpt: 6 }, "minute at 30 s");
  assert.deepEqual(nums?.statsHour, zero, "no 10-min tick yet");
  close(
    stats.statsData(StatsName.TOPIC_PUT_SIZE, "T")?.statsMinute,
    { sum: 1200, tps: 120, avgpt: 600 },
    "size at 30 s",
  );
  stats.recordPut("T", 8, 800); // at the tick's instant: after it
  clock.set(T0 + 45 * S); // ticks at 20 (zero), 30, 40 s
  close(
    stats.statsData(StatsName.TOPIC_PUT_NUMS, "T")?.statsMinute,
    { sum: 20, tps: 1, avgpt: 20 / 3 },
    "minute at 45 s",
  );
  clock.set(T0 + 90 * S); // ticks 30..90 s: the zero snapshot has left the list
  close(
    stats.statsData(StatsName.TOPIC_PUT_NUMS, "T")?.statsMinute,
    { sum: 8, tps: 8 / 60, avgpt: 8 },
    "minute at 90 s",
  );
  clock.set(T0 + 10 * MIN); // quiet since; the first 10-min tick after the key's creation
  const later = stats.statsData(StatsName.TOPIC_PUT_NUMS, "T");
  close(later?.statsMinute, zero, "minute at 10 min");
  close(later?.statsHour, { sum: 20, tps: 20 / 600, avgpt: 20 / 3 }, "hour at 10 min");
  assert.deepEqual(later?.statsDay, zero, "no hourly tick yet");
});

Deno.test("BrokerStats statsData gives RocketMQ's minute, hour and day of a steady topic", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  // one put of 60 messages (6,000 bytes) a minute, 1 s past each minute, for 3 hours
  for (let m = 0; m < 180; m++) {
    clock.set(T0 + m * MIN + S);
    stats.recordPut("T", 60, 6000);
  }
  clock.set(T0 + 3 * H);
  const nums = stats.statsData(StatsName.TOPIC_PUT_NUMS, "T");
  // 10-s ticks 1074..1080: the put at 179 min 1 s
  close(nums?.statsMinute, { sum: 60, tps: 1, avgpt: 60 }, "minute");
  // 10-min ticks 12..18: 60 puts
  close(nums?.statsHour, { sum: 3600, tps: 1, avgpt: 60 }, "hour");
  // hourly ticks 0 (the zero snapshot) ..3: every put
  close(nums?.statsDay, { sum: 10_800, tps: 1, avgpt: 60 }, "day");
  close(
    stats.statsData(StatsName.TOPIC_PUT_SIZE, "T")?.statsDay,
    { sum: 1_080_000, tps: 100, avgpt: 6000 },
    "day of bytes",
  );
});

Deno.test("BrokerStats statsData keeps 25 hourly snapshots for the day", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock, clusterName: "C1" });
  // 100 messages handed to G 1 ms past each hour, for 30 hours
  for (let h = 0; h < 30; h++) {
    clock.set(T0 + h * H + 1);
    stats.recordGet("G", "T", 100, 1000);
  }
  clock.set(T0 + 30 * H);
  const nums = stats.statsData(StatsName.GROUP_GET_NUMS, "T@G");
  close(nums?.statsMinute, { sum: 0, tps: 0, avgpt: 0 }, "minute");
  close(nums?.statsHour, { sum: 100, tps: 100 / 3600, avgpt: 100 }, "hour");
  close(nums?.statsDay, { sum: 2400, tps: 2400 / 86_400, avgpt: 100 }, "day: ticks 6..30");
  close(
    stats.statsData(StatsName.GROUP_GET_SIZE, "T@G")?.statsDay,
    { sum: 24_000, tps: 24_000 / 86_400, avgpt: 1000 },
    "day of bytes",
  );
  // the broker-wide count, keyed by the cluster name, counts no calls (avgpt 0), as RocketMQ's
  close(
    stats.statsData(StatsName.BROKER_GET_NUMS, "C1")?.statsDay,
    { sum: 2400, tps: 2400 / 86_400, avgpt: 0 },
    "broker day",
  );
  assert.equal(stats.statsData(StatsName.BROKER_GET_NUMS, "OtherCluster"), undefined);
  assert.equal(stats.statsData(StatsName.BROKER_PUT_NUMS, "C1"), undefined, "nothing put yet");
  assert.equal(stats.statsData(StatsName.GROUP_GET_NUMS, "G@T"), undefined, "key is topic@group");
  assert.equal(stats.statsData(StatsName.GROUP_GET_NUMS, "T"), undefined, "no @");
  assert.equal(stats.statsData("QUEUE_GET_NUMS", "T@0@G"), undefined, "unknown stats name");
});

Deno.test("BrokerStats statsData forgets deleted topics and groups", () => {
  const clock = new ManualClock(T0);
  const stats = new BrokerStats({ clock });
  stats.recordPut("T", 1, 10);
  stats.recordGet("G", "T", 1, 10);
  clock.advance(10 * S);
  assert.ok(stats.statsData(StatsName.TOPIC_PUT_NUMS, "T"));
  assert.ok(stats.statsData(StatsName.GROUP_GET_NUMS, "T@G"));
  assert.ok(stats.statsData(StatsName.BROKER_PUT_NUMS, "DefaultCluster"));
  stats.onGroupDeleted("G");
  assert.equal(stats.statsData(StatsName.GROUP_GET_NUMS, "T@G"), undefined);
  stats.onTopicDeleted("T");
  assert.equal(stats.statsData(StatsName.TOPIC_PUT_NUMS, "T"), undefined);
  assert.ok(stats.statsData(StatsName.BROKER_PUT_NUMS, "DefaultCluster"), "broker item stays");
});

Deno.test("BrokerStats statsData tolerates a wall clock that steps back", () => {
  const clock = {
    nowMs: T0,
    now() {
      return this.nowMs;
    },
  };
  const stats = new BrokerStats({ clock });
  clock.nowMs = T0 + 25 * S;
  stats.recordPut("T", 5, 5);
  clock.nowMs = T0 - 2 * H; // NTP step back, before the broker's start
  stats.recordPut("T", 5, 5);
  stats.recordPut("U", 7, 7); // a key born before the first tick
  clock.nowMs = T0 + 30 * S;
  const data = stats.statsData(StatsName.TOPIC_PUT_NUMS, "T");
  close(data?.statsMinute, { sum: 10, tps: 1, avgpt: 5 }, "minute");
  const born = stats.statsData(StatsName.TOPIC_PUT_NUMS, "U");
  close(born?.statsMinute, { sum: 0, tps: 0, avgpt: 0 }, "its put is older than a minute");
  close(born?.statsDay, { sum: 7, tps: 7 / (2 * 3600), avgpt: 7 }, "ticks -2 h (zero) to 0 h");
});

Deno.test("BrokerStats statsData samples on its own clock: a wall clock set forward, then back, changes nothing", () => {
  const DAY = 24 * H;
  let wallMs = T0;
  const steady = new ManualClock(T0); // the monotonic time a broker on the system clock uses
  const stats = new BrokerStats({ clock: { now: () => wallMs }, sampleClock: steady });
  steady.set(T0 + 5 * S);
  wallMs = T0 + DAY + 5 * S; // a wrong RTC for a moment, corrected by NTP
  stats.recordPut("T", 1, 10);
  for (let s = 0; s < 120; s++) {
    steady.set(T0 + 10 * S + s * S + 500);
    wallMs = steady.now();
    stats.recordPut("T", 1, 10);
  }
  steady.set(T0 + 130 * S);
  const data = stats.statsData(StatsName.TOPIC_PUT_NUMS, "T");
  close(data?.statsMinute, { sum: 60, tps: 1, avgpt: 1 }, "the last minute, one a second");
});

Deno.test("steppedMonotonic follows the wall clock's pace and the monotonic clock across steps", () => {
  const steady = new ManualClock(T0);
  const sampleAt = steppedMonotonic(steady, T0);
  steady.advance(400);
  assert.equal(sampleAt(T0 + 400), T0 + 400, "small steps: the wall clock's pace, no read");
  steady.advance(100);
  assert.equal(sampleAt(T0 + 24 * H), T0 + 500, "a jump forward is not time passing");
  steady.advance(100);
  assert.equal(sampleAt(T0 + 600), T0 + 600, "nor a step back");
  assert.equal(sampleAt(T0 + 900), T0 + 900);
});

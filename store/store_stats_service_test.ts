import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { PUT_TIME_WINDOW_MS, StoreStatsService } from "./store_stats_service.ts";

const EMPTY_DISTRIBUTION = "[<=0ms]:0 [0~10ms]:0 [10~50ms]:0 [50~100ms]:0 [100~200ms]:0 " +
  "[200~500ms]:0 [500ms~1s]:0 [1~2s]:0 [2~3s]:0 [3~4s]:0 [4~5s]:0 [5~10s]:0 [10s~]:0 ";

Deno.test("StoreStatsService reports the last whole minute's put-time histogram as RocketMQ writes it", () => {
  const clock = new ManualClock(1_700_000_000_000);
  const stats = new StoreStatsService(clock);
  for (const ms of [0, 9, 10, 49, 50, 199, 999, 1000, 9999, 10_000, 60_000]) stats.onPut(ms);
  assert.equal(stats.putMessageDistributeTime(), EMPTY_DISTRIBUTION, "no whole minute yet");
  assert.equal(stats.putMessageEntireTimeMax, 60_000);
  clock.advance(PUT_TIME_WINDOW_MS);
  stats.onPut(3); // the new minute's
  assert.equal(
    stats.putMessageDistributeTime(),
    "[<=0ms]:1 [0~10ms]:1 [10~50ms]:2 [50~100ms]:1 [100~200ms]:1 [200~500ms]:0 " +
      "[500ms~1s]:1 [1~2s]:1 [2~3s]:0 [3~4s]:0 [4~5s]:0 [5~10s]:1 [10s~]:2 ",
  );
  clock.advance(PUT_TIME_WINDOW_MS);
  assert.match(stats.putMessageDistributeTime(), /^\[<=0ms\]:0 \[0~10ms\]:1 \[10~50ms\]:0 /);
  clock.advance(2 * PUT_TIME_WINDOW_MS);
  assert.equal(stats.putMessageDistributeTime(), EMPTY_DISTRIBUTION, "an idle minute is empty");
});

Deno.test("StoreStatsService interpolates the put-time percentiles within RocketMQ's buckets", () => {
  const clock = new ManualClock(1_700_000_000_000);
  const stats = new StoreStatsService(clock);
  assert.equal(stats.findPutMessageEntireTimePX(0.99), 0, "no puts");
  for (let i = 0; i < 100; i++) stats.onPut(5);
  clock.advance(PUT_TIME_WINDOW_MS);
  // bucket (4, 5]: index 99 of 100 puts → 4 + 1 × 99/100
  assert.equal(stats.findPutMessageEntireTimePX(0.99).toFixed(2), "4.99");
  for (let i = 0; i < 1000; i++) stats.onPut(i < 990 ? 1 : 30); // buckets (0, 1] and (28, 30]
  clock.advance(PUT_TIME_WINDOW_MS);
  assert.equal(stats.findPutMessageEntireTimePX(0.99), 1);
  assert.equal(stats.findPutMessageEntireTimePX(0.999).toFixed(2), "29.80");
});

Deno.test("StoreStatsService counts FOUND and other gets apart, with their rates", () => {
  const clock = new ManualClock(1_700_000_000_000);
  const stats = new StoreStatsService(clock);
  stats.onGet(true, 3, 2);
  stats.onGet(false, 0, 7);
  stats.onGet(false, 0, 1);
  clock.advance(5_000);
  assert.equal(stats.getFoundTps(10), 0.2);
  assert.equal(stats.getMissTps(10), 0.4);
  assert.equal(stats.getMessageTimesTotal, 3);
  assert.equal(stats.getMessageTimesTotalFound, 1);
  assert.equal(stats.getMessageTimesTotalMiss, 2);
  assert.equal(stats.getMessageTransferredMsgCount, 3);
  assert.equal(stats.getMessageEntireTimeMax, 7);
  clock.advance(600_000);
  assert.equal(stats.getFoundTps(600), 0, "nothing in the last 600 s");
});

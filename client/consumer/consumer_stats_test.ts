import assert from "node:assert/strict";
import { ConsumerStats } from "./consumer_stats.ts";

Deno.test("ConsumerStats averages round trips and rates over the last minute, failures over the hour", () => {
  let now = 1_000_000;
  const stats = new ConsumerStats({ now: () => now });
  stats.incPullRT("T", 10);
  stats.incPullRT("T", 30);
  stats.incPullTPS("T", 120);
  stats.incConsumeRT("T", 4);
  stats.incConsumeOKTPS("T", 60);
  stats.incConsumeFailedTPS("T", 6);
  assert.deepEqual(stats.consumeStatus("T"), {
    pullRT: 20,
    pullTPS: 2,
    consumeRT: 4,
    consumeOKTPS: 1,
    consumeFailedTPS: 0.1,
    consumeFailedMsgs: 6,
  });
  now += 70_000; // the minute has passed, the hour has not
  stats.incConsumeFailedTPS("T", 1);
  assert.deepEqual(stats.consumeStatus("T"), {
    pullRT: 0,
    pullTPS: 0,
    consumeRT: 0,
    consumeOKTPS: 0,
    consumeFailedTPS: 1 / 60,
    consumeFailedMsgs: 7,
  });
  now += 3_600_000;
  assert.equal(stats.consumeStatus("T").consumeFailedMsgs, 0);
  assert.equal(stats.consumeStatus("Other").pullTPS, 0, "a topic never counted reads zeros");
});

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { RebalanceLockManager } from "./rebalance_lock_manager.ts";

const mq = (queueId: number, topic = "T") => ({ topic, brokerName: "broker-a", queueId });

Deno.test("RebalanceLockManager grants free queues and refreshes the holder's own", () => {
  const clock = new ManualClock();
  const locks = new RebalanceLockManager({ clock });
  assert.deepEqual(locks.tryLockBatch("G", [mq(0), mq(1), mq(0)], "c1"), [mq(0), mq(1)]);
  assert.equal(locks.size, 2);
  clock.advance(50_000);
  assert.deepEqual(locks.tryLockBatch("G", [mq(1)], "c1"), [mq(1)], "refresh");
  clock.advance(20_000);
  assert.deepEqual(
    locks.tryLockBatch("G", [mq(0), mq(1)], "c2"),
    [mq(0)],
    "mq 0 expired, mq 1 not",
  );
  assert.equal(locks.lockHolder("G", mq(0)), "c2");
  assert.equal(locks.lockHolder("G", mq(1)), "c1");
  assert.equal(locks.lockHolder("OTHER", mq(1)), undefined, "groups are independent");
  assert.deepEqual(locks.tryLockBatch("OTHER", [mq(1)], "c2"), [mq(1)]);
});

Deno.test("RebalanceLockManager lets another client take a lock only after lockMaxLiveTimeMs", () => {
  const clock = new ManualClock();
  const locks = new RebalanceLockManager({ clock });
  locks.tryLockBatch("G", [mq(0)], "c1");
  clock.advance(60_000);
  assert.deepEqual(locks.tryLockBatch("G", [mq(0)], "c2"), [], "exactly 60 s is still live");
  clock.advance(1);
  assert.deepEqual(locks.tryLockBatch("G", [mq(0)], "c2"), [mq(0)]);
  assert.deepEqual(locks.tryLockBatch("G", [mq(0)], "c1"), [], "the old holder lost it");
});

Deno.test("RebalanceLockManager unlocks only the holder's queues", () => {
  const clock = new ManualClock();
  const locks = new RebalanceLockManager({ clock });
  locks.tryLockBatch("G", [mq(0), mq(1)], "c1");
  assert.equal(locks.unlockBatch("G", [mq(0), mq(1)], "c2"), 0);
  assert.equal(locks.unlockBatch("NONE", [mq(0)], "c1"), 0);
  assert.equal(locks.unlockBatch("G", [mq(0)], "c1"), 1);
  assert.deepEqual(locks.tryLockBatch("G", [mq(0), mq(1)], "c2"), [mq(0)]);
  assert.equal(locks.size, 2);
});

Deno.test("RebalanceLockManager refuses new entries when full until some expire", () => {
  const clock = new ManualClock();
  const locks = new RebalanceLockManager({ clock, entriesMax: 2 });
  assert.deepEqual(locks.tryLockBatch("G", [mq(0), mq(1), mq(2)], "c1"), [mq(0), mq(1)]);
  assert.deepEqual(locks.tryLockBatch("G2", [mq(2)], "c2"), [], "table full, every entry live");
  clock.advance(30_000);
  locks.tryLockBatch("G", [mq(1)], "c1");
  clock.advance(30_001);
  assert.deepEqual(
    locks.tryLockBatch("G2", [mq(2)], "c2"),
    [mq(2)],
    "mq 0 expired and was dropped",
  );
  assert.equal(locks.size, 2);
  assert.equal(locks.lockHolder("G", mq(1)), "c1");
});

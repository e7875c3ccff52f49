import assert from "node:assert/strict";
import fc from "fast-check";
import { ManualClock } from "../../common/clock.ts";
import { MessageExt } from "../message.ts";
import { ProcessQueue } from "./process_queue.ts";
import { flowControlReason } from "./push_message_puller.ts";

function msg(queueOffset: number, body = "x"): MessageExt {
  return new MessageExt({
    topic: "T",
    body,
    queueId: 0,
    storeSize: 0,
    queueOffset,
    sysFlag: 0,
    bornTimestamp: 0,
    bornHost: "127.0.0.1:1",
    storeTimestamp: 0,
    storeHost: "127.0.0.1:2",
    offsetMsgId: "",
    commitLogOffset: 0,
    bodyCRC: 0,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  });
}

Deno.test("ProcessQueue commits the smallest offset not yet consumed", () => {
  const pq = new ProcessQueue();
  const m = [10, 11, 12, 13].map((o) => msg(o));
  pq.putMessage(m);
  assert.equal(pq.removeMessage([m[2]]), 10, "10 and 11 are still unconsumed");
  assert.equal(pq.removeMessage([m[0]]), 11);
  assert.equal(pq.removeMessage([m[3]]), 11, "13 consumed but 11 is not");
  assert.equal(pq.removeMessage([m[1]]), 14, "all consumed: last + 1");
  assert.equal(pq.removeMessage([m[1]]), -1, "nothing cached");
  assert.equal(pq.msgCount, 0);
  assert.equal(pq.msgSize, 0);
});

Deno.test("ProcessQueue counts messages and body bytes and ignores re-puts of an offset", () => {
  const pq = new ProcessQueue();
  assert.equal(
    pq.putMessage([msg(0, "abc"), msg(1, "de")]),
    true,
    "first messages start consuming",
  );
  assert.equal(pq.putMessage([msg(1, "de"), msg(2, "f")]), false, "already consuming");
  assert.equal(pq.msgCount, 3);
  assert.equal(pq.msgSize, 6);
  assert.equal(pq.maxSpan(), 2);
  assert.equal(pq.firstOffset(), 0);
  assert.equal(pq.lastOffset(), 2);
  assert.equal(pq.removeMessage([msg(0, "abc")]), 1);
  assert.equal(pq.msgSize, 3);
  pq.clear();
  assert.equal(pq.msgCount, 0);
  assert.equal(pq.hasTempMessage(), false);
});

Deno.test("ProcessQueue orderly take, commit and consume-again keep queue order", () => {
  const pq = new ProcessQueue();
  const m = [5, 6, 7, 8].map((o) => msg(o));
  pq.putMessage(m);
  const first = pq.takeMessages(2);
  assert.deepEqual(first.map((x) => x.queueOffset), [5, 6]);
  assert.equal(pq.msgCount, 4, "taken messages still count until committed");
  pq.makeMessageToConsumeAgain(first);
  assert.deepEqual(pq.takeMessages(1).map((x) => x.queueOffset), [5], "put back in front");
  assert.equal(pq.commit(), 6);
  assert.deepEqual(pq.takeMessages(3).map((x) => x.queueOffset), [6, 7, 8]);
  pq.rollback();
  assert.deepEqual(pq.takeMessages(10).map((x) => x.queueOffset), [6, 7, 8]);
  assert.equal(pq.commit(), 9);
  assert.equal(pq.msgCount, 0);
  assert.equal(pq.commit(), -1, "nothing taken");
  assert.deepEqual(pq.takeMessages(1), []);
  assert.equal(pq.consuming, false, "an empty take ends the consume loop");
});

Deno.test("ProcessQueue lock and pull expiry follow the injected clock", () => {
  const clock = new ManualClock(1_000_000);
  const pq = new ProcessQueue(clock);
  assert.equal(pq.isLockExpired(), false);
  clock.advance(30_001);
  assert.equal(pq.isLockExpired(), true);
  assert.equal(pq.isPullExpired(), false);
  clock.advance(90_000);
  assert.equal(pq.isPullExpired(), true);
});

Deno.test("ProcessQueue consumeIdle waits for running listener calls", async () => {
  const pq = new ProcessQueue();
  await pq.consumeIdle();
  pq.beginConsume();
  let idle = false;
  const waiting = pq.consumeIdle().then(() => idle = true);
  await Promise.resolve();
  assert.equal(idle, false);
  pq.endConsume();
  await waiting;
  assert.equal(idle, true);
});

Deno.test("ProcessQueue offset to commit never passes an unconsumed message (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 1, max: 60 }),
      fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
      (base, n, order) => {
        const pq = new ProcessQueue();
        const all = Array.from({ length: n }, (_, i) => msg(base + i));
        for (let i = 0; i < n; i += 7) pq.putMessage(all.slice(i, i + 7));
        const remaining = new Set(all.map((m) => m.queueOffset));
        const shuffled = all.map((m, i) => ({ m, k: order[i] })).sort((a, b) => a.k - b.k);
        let last = -1;
        for (const { m } of shuffled) {
          const offset = pq.removeMessage([m]);
          remaining.delete(m.queueOffset);
          const expected = remaining.size === 0 ? base + n : Math.min(...remaining);
          assert.equal(offset, expected);
          assert.ok(offset >= last, "the offset to commit never moves back");
          last = offset;
        }
        assert.equal(pq.msgCount, 0);
      },
    ),
    { seed: 20241124, numRuns: 200 },
  );
});

Deno.test("flowControlReason stops pulls over the count, size and span thresholds", () => {
  const settings = {
    pullThresholdForQueue: 3,
    pullThresholdSizeForQueue: 1,
    consumeConcurrentlyMaxSpan: 10,
  };
  const pq = new ProcessQueue();
  pq.putMessage([msg(0), msg(1), msg(2)]);
  assert.equal(flowControlReason(pq, settings, false), undefined, "3 cached is not over 3");
  pq.putMessage([msg(3)]);
  assert.match(
    flowControlReason(pq, settings, false)!,
    /cached message count exceeds the threshold 3/,
  );
  const big = new ProcessQueue();
  big.putMessage([msg(0, "x".repeat(1024 * 1024 + 1))]);
  assert.match(
    flowControlReason(big, settings, false)!,
    /cached message size exceeds the threshold 1 MiB/,
  );
  const wide = new ProcessQueue();
  wide.putMessage([msg(0), msg(11)]);
  assert.match(flowControlReason(wide, settings, false)!, /span too long 11/);
  assert.equal(flowControlReason(wide, settings, true), undefined, "orderly ignores the span");
});

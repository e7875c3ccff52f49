import assert from "node:assert/strict";
import { AppendMessageResult } from "./append_message_result.ts";
import type { FlushWaitResult } from "./commit_log_flusher.ts";
import { FlusherWaiters } from "./_flusher_waiters.ts";
import { SYNC_FLUSH_WAITERS_COMPACT_MIN } from "./limits.ts";
import { TEST_STORE_HOST } from "./_test_messages.ts";

function resultAt(offset: number): AppendMessageResult {
  return new AppendMessageResult(offset, 100, 1_000, offset / 100, 1, undefined, TEST_STORE_HOST);
}

/** Adds a waiter for the record at `offset` (100 bytes) and records its outcome when it comes. */
function addAt(
  waiters: FlusherWaiters,
  offset: number,
  deadlineMs: number,
  outcomes: Map<number, FlushWaitResult>,
): AppendMessageResult {
  const result = resultAt(offset);
  waiters.add(offset + 100, deadlineMs, result, offset / 100) // began at ms offset / 100
    .then((outcome) => outcomes.set(offset, outcome));
  return result;
}

Deno.test("FlusherWaiters resolves covered waiters in order and stops at the first uncovered", async () => {
  const waiters = new FlusherWaiters();
  const elapsed: number[] = [];
  waiters.onSettled = (ms) => elapsed.push(ms);
  const outcomes = new Map<number, FlushWaitResult>();
  const results = [0, 100, 200, 300].map((offset) => addAt(waiters, offset, 5_000, outcomes));
  waiters.settle(200, 1_000);
  await Promise.resolve();
  assert.equal(waiters.size, 2);
  assert.deepEqual([...outcomes.keys()], [0, 100]);
  assert.equal(outcomes.get(0)?.status, "PUT_OK");
  assert.equal(outcomes.get(100)?.appendMessageResult, results[1]);
  assert.equal(waiters.oldestDeadlineMs, 5_000);
  waiters.settle(200, 5_000); // not covered, deadline reached: both time out, message kept
  await Promise.resolve();
  assert.equal(outcomes.get(200)?.status, "FLUSH_DISK_TIMEOUT");
  assert.equal(outcomes.get(300)?.appendMessageResult, results[3]);
  assert.equal(waiters.size, 0);
  assert.equal(waiters.oldestDeadlineMs, undefined);
  assert.deepEqual(elapsed, [1_000, 999, 4_998, 4_997], "from each put's start to its outcome");
});

Deno.test("FlusherWaiters settleAll answers every waiter with the outcome given", async () => {
  const waiters = new FlusherWaiters();
  const outcomes = new Map<number, FlushWaitResult>();
  for (const offset of [0, 100, 200]) addAt(waiters, offset, 5_000, outcomes);
  waiters.settleAll({ status: "UNKNOWN_ERROR" });
  await Promise.resolve();
  assert.deepEqual([...outcomes.values()].map((o) => o.status), Array(3).fill("UNKNOWN_ERROR"));
  assert.equal(waiters.size, 0);
});

Deno.test("FlusherWaiters stays bounded when it never empties", async () => {
  const waiters = new FlusherWaiters();
  const outcomes = new Map<number, FlushWaitResult>();
  const batch = SYNC_FLUSH_WAITERS_COMPACT_MIN;
  let next = 0;
  let flushed = 0;
  for (let i = 0; i < batch; i++, next += 100) addAt(waiters, next, 1e12, outcomes);
  // Each round covers the older batch while a new batch lands: the queue is never empty.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < batch; i++, next += 100) addAt(waiters, next, 1e12, outcomes);
    flushed = next - batch * 100;
    waiters.settle(flushed, 0);
    assert.equal(waiters.size, batch, `round ${round}`);
    assert.ok(waiters.capacity <= 4 * batch, `round ${round}: capacity ${waiters.capacity}`);
  }
  await Promise.resolve();
  assert.equal(outcomes.size, flushed / 100, "every covered waiter answered once");
  for (const [offset, outcome] of outcomes) {
    assert.equal(outcome.status, "PUT_OK");
    assert.equal(outcome.appendMessageResult?.wroteOffset, offset);
  }
  waiters.settle(next, 0);
  await Promise.resolve();
  assert.equal(outcomes.size, next / 100);
  assert.equal(waiters.size, 0);
});

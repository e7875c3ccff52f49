import assert from "node:assert/strict";
import type { DispatchRequest } from "./dispatch_request.ts";
import { UnwrittenTail } from "./_unwritten_tail.ts";

function record(topic: string, queueId: number, queueOffset: number, logOffset: number) {
  return {
    topic,
    queueId,
    consumeQueueOffset: queueOffset,
    commitLogOffset: logOffset,
    msgSize: 100,
    tagsCode: 0,
    storeTimestamp: 0,
    keys: "",
    sysFlag: 0,
    preparedTransactionOffset: 0,
  } satisfies DispatchRequest;
}

Deno.test("UnwrittenTail: each queue's committed end stops at its first record not in the file", () => {
  let written = 0;
  const tail = new UnwrittenTail(() => written);
  // Log order: A/0 #0 at 0, B/1 #0 at 100, A/0 #1 at 200, A/0 #2 at 300.
  tail.dispatch(record("A", 0, 0, 0));
  tail.dispatch(record("B", 1, 0, 100));
  tail.dispatch(record("A", 0, 1, 200));
  tail.dispatch(record("A", 0, 2, 300));
  assert.equal(tail.committedEnd("A", 0, 3), 0);
  assert.equal(tail.committedEnd("B", 1, 1), 0);
  assert.equal(tail.committedEnd("C", 0, 7), 7, "a queue with nothing pending");
  written = 200; // A/0 #0 and B/1 #0 are in the file
  assert.equal(tail.committedEnd("A", 0, 3), 1);
  assert.equal(tail.committedEnd("B", 1, 1), 1);
  written = 400;
  assert.equal(tail.committedEnd("A", 0, 3), 3);
});

Deno.test("UnwrittenTail: a writer that never quite catches up keeps the answers right", () => {
  let written = 0;
  const tail = new UnwrittenTail(() => written);
  // 20,000 records over two queues; the writer stays 10 records behind.
  for (let i = 0; i < 20_000; i++) {
    tail.dispatch(record("T", i % 2, i >> 1, i * 100));
    written = Math.max(0, (i - 9) * 100);
    const firstPendingOfQueue0 = Math.ceil(Math.max(0, i - 9) / 2);
    assert.equal(tail.committedEnd("T", 0, (i >> 1) + 1), firstPendingOfQueue0, `after ${i}`);
  }
  written = 20_000 * 100;
  assert.equal(tail.committedEnd("T", 1, 10_000), 10_000);
});

Deno.test("UnwrittenTail: a queue deleted and made again starts over", () => {
  const tail = new UnwrittenTail(() => 0);
  tail.dispatch(record("A", 0, 3, 0)); // the old queue's offset 3, not written
  // The topic is deleted and made again: its offsets start at 0.
  tail.dispatch(record("A", 0, 0, 100));
  assert.equal(tail.committedEnd("A", 0, 1), 0, "the new queue's offset 0 is not written");
});

Deno.test("UnwrittenTail: PREPARED and ROLLBACK records take no queue offset", () => {
  const tail = new UnwrittenTail(() => 0);
  for (const sysFlag of [0x4, 0xc]) tail.dispatch({ ...record("A", 0, 0, 0), sysFlag });
  assert.equal(tail.committedEnd("A", 0, 3), 3);
  tail.dispatch({ ...record("A", 0, 3, 100), sysFlag: 0x8 }); // COMMIT: in the queue
  assert.equal(tail.committedEnd("A", 0, 4), 3);
});

import assert from "node:assert/strict";
import { AssignedMessageQueue } from "./assigned_message_queue.ts";
import { ConsumeRequestBuffer } from "./consume_request_buffer.ts";
import { ProcessQueue } from "./process_queue.ts";

const Q0 = { topic: "T", brokerName: "b", queueId: 0 };
const Q1 = { topic: "T", brokerName: "b", queueId: 1 };

function request(mq: typeof Q0) {
  return { messages: [], messageQueue: mq, processQueue: new ProcessQueue() };
}

Deno.test("ConsumeRequestBuffer hands batches to waiting takes, times out, aborts and closes", async () => {
  const buffer = new ConsumeRequestBuffer();
  const waiting = buffer.take(60_000);
  const r0 = request(Q0);
  buffer.put(r0);
  assert.equal(await waiting, r0, "a waiting take gets the batch directly");
  buffer.put(request(Q0));
  buffer.put(request(Q1));
  buffer.put(request(Q0));
  buffer.removeQueue(Q0);
  assert.equal(buffer.size, 1);
  assert.equal((await buffer.take(0))?.messageQueue, Q1);
  assert.equal(await buffer.take(1), undefined, "timed out");
  const controller = new AbortController();
  const aborted = buffer.take(60_000, controller.signal);
  controller.abort();
  assert.equal(await aborted, undefined);
  const closed = buffer.take(60_000);
  buffer.close();
  assert.equal(await closed, undefined);
  buffer.put(request(Q0));
  assert.equal(buffer.size, 0, "a closed buffer drops puts");
});

Deno.test("ConsumeRequestBuffer.take waits past setTimeout's 2^31-1 ms limit", async () => {
  const buffer = new ConsumeRequestBuffer();
  for (const timeoutMs of [2 ** 31, Number.MAX_SAFE_INTEGER, Infinity]) {
    const taken = buffer.take(timeoutMs);
    let settled = false;
    taken.then(() => settled = true);
    // An observation window: an overflowed timer fires after 1 ms.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(settled, false, `take(${timeoutMs}) still waits`);
    const r = request(Q0);
    buffer.put(r);
    assert.equal(await taken, r);
  }
});

Deno.test("AssignedMessageQueue tracks assignment, pauses and positions", () => {
  const assigned = new AssignedMessageQueue();
  assert.deepEqual(assigned.updateAssignedMessageQueue("T", [Q0, Q1]), []);
  const pq0 = assigned.state(Q0)!.processQueue;
  assigned.updateConsumeOffset(Q0, 7);
  assigned.updateConsumeOffset(Q0, -1);
  assert.equal(assigned.getConsumerOffset(Q0), 7);
  assigned.setPaused([Q1], true);
  assert.equal(assigned.state(Q1)!.paused, true);
  assert.deepEqual(assigned.updateAssignedMessageQueue("T", [Q1]), [Q0]);
  assert.equal(pq0.dropped, true);
  assert.equal(assigned.getConsumerOffset(Q0), -1);
  assert.deepEqual(assigned.assign([Q0]), [Q1]);
  assert.deepEqual(assigned.messageQueues(), [Q0]);
  assigned.clear();
  assert.deepEqual(assigned.messageQueues(), []);
});

/**
 * A kill, then a power loss: a killed run leaves written but unsynced bytes in the page cache,
 * where the next run's crash recovery finds and keeps them; that run's checkpoint then moves
 * past them. Unless recovery syncs what it kept, a power loss before the kernel writes those
 * pages back loses them, while the checkpoint sends the following recovery past the hole and
 * consume-queue units still point into it. The memory adapter keeps unsynced bytes across
 * `halt()` (a kill) and drops them on `crash()` (a power loss). Also: a kill while the log
 * rolls through two segments in one burst leaves their files in order (no gap the next start
 * refuses).
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import { MessageStore } from "./message_store.ts";
import { makeMessage, queueBodies, TEST_STORE_HOST } from "./_test_messages.ts";

const SEGMENT_BYTES = 4096;

function openStore(fs: MemoryFileSystem, clock: ManualClock, errors: Error[]): MessageStore {
  return new MessageStore({
    fs,
    clock,
    storeHost: TEST_STORE_HOST,
    onError: (error) => errors.push(error),
    config: {
      storePathRootDir: "/s",
      mappedFileSizeCommitLog: SEGMENT_BYTES,
      flushDiskType: "ASYNC_FLUSH",
      flushIntervalCommitLog: 60_000, // no timed sync: only what the test asks for
      flushIntervalConsumeQueue: 60_000,
    },
  });
}

/** Waits (bounded, event-loop turns) until the flusher wrote every appended byte to the files. */
async function untilWritten(store: MessageStore): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (store.stats().flush.writtenBytes >= store.getCommitLogMaxOffset()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("the writer did not write the appended bytes");
}

Deno.test("recovery syncs what a killed run left unsynced, so a later power loss keeps it", async () => {
  const fs = new MemoryFileSystem();
  const clock = new ManualClock();
  const errors: Error[] = [];
  const body = (i: number) => `m${i}-` + "x".repeat(600);

  // Run A: messages over two segments and two topics, written to the files, never synced; kill.
  const a = openStore(fs, clock, errors);
  await a.start();
  const idle = ["idle-0", "idle-1"];
  for (let i = 0; i < 8; i++) {
    assert.equal((await a.putMessage(makeMessage({ bodyText: body(i) }))).status, "PUT_OK");
    if (i < idle.length) {
      const put = await a.putMessage(makeMessage({ topic: "TopicIdle", bodyText: idle[i] }));
      assert.equal(put.status, "PUT_OK");
    }
  }
  await a.waitDispatched();
  await a.flushLogics(true); // consume queues and checkpoint synced; the commit log is not
  await untilWritten(a);
  assert.ok(a.getCommitLogMaxOffset() > SEGMENT_BYTES, "the log rolled into a second segment");
  await a.halt();

  // Run B: recovery keeps all of it; one more message to TopicTest only; flush() reports it all
  // durable and moves the checkpoint; then the power fails.
  clock.advance(10_000);
  const b = openStore(fs, clock, errors);
  await b.start();
  assert.equal(b.getMaxOffsetInQueue("TopicTest", 0), 8, "recovery kept the page-cache records");
  assert.equal((await b.putMessage(makeMessage({ bodyText: body(8) }))).status, "PUT_OK");
  await b.flush();
  await b.halt();
  fs.crash();

  // Run C: everything B reported durable is served intact.
  const c = openStore(fs, clock, errors);
  await c.start();
  try {
    assert.deepEqual(
      await queueBodies(c, "TopicTest"),
      Array.from({ length: 9 }, (_, i) => body(i)),
    );
    assert.deepEqual(await queueBodies(c, "TopicIdle"), idle);
  } finally {
    await c.shutdown();
  }
  assert.deepEqual(errors, []);
});

Deno.test("a crash in a burst that rolls two segments leaves no gap between their files", async () => {
  const fs = new MemoryFileSystem();
  const clock = new ManualClock();
  const errors: Error[] = [];
  const a = openStore(fs, clock, errors);
  await a.start();
  // One event-loop turn (a burst of requests): the writer has not run. The second record does
  // not fit below half of segment 0, so the log rolls into segment 1 with no file prepared;
  // the fourth passes half of segment 1, so segment 2's file is prepared; the fifth rolls in.
  const sizes = [1900, 2200, 2200, 1000, 1000];
  const puts = sizes.map((n, i) =>
    a.putMessage(makeMessage({ bodyText: `${i}-${"z".repeat(n)}` }))
  );
  for (const put of puts) assert.equal((await put).status, "PUT_OK");
  assert.ok(a.getCommitLogMaxOffset() > 2 * SEGMENT_BYTES, "the log reached segment 2");
  const files = await fs.list("/s/commitlog");
  await a.halt(); // a kill
  assert.deepEqual(files, ["00000000000000000000", "00000000000000004096", "00000000000000008192"]);
  const b = openStore(fs, clock, errors);
  await b.start(); // refused "segment … does not follow the previous one" with a gap
  try {
    assert.equal((await b.putMessage(makeMessage())).status, "PUT_OK");
  } finally {
    await b.shutdown();
  }
  assert.deepEqual(errors, []);
});

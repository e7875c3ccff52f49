/**
 * A kill, then a power loss, for the consume queues: a killed run can fill a consume-queue file
 * (its units written, the sync never done). The next run's recovery keeps the full file as it
 * is and no flush of that run touches it, while its checkpoint moves past those records; a power
 * loss then drops the units, and the following recovery neither finds them nor re-dispatches
 * them. Recovery after a crash therefore syncs the consume-queue files it keeps.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import type { FileHandle } from "./file_system.ts";
import { MessageStore } from "./message_store.ts";
import { makeMessage, TEST_STORE_HOST } from "./_test_messages.ts";
import { ForwardingFileSystem, ForwardingHandle } from "./_test_forwarding_fs.ts";

const SEGMENT_BYTES = 4096;
const CQ_UNITS = 4;

/** Fails the syncs of TopicTest's consume-queue files while armed (the process dies before them). */
class NoCqSyncFs extends ForwardingFileSystem {
  armed = false;
  protected override wrap(handle: FileHandle): FileHandle {
    if (!handle.path.includes("/consumequeue/TopicTest/")) return handle;
    // deno-lint-ignore no-this-alias
    const fs = this;
    return new class extends ForwardingHandle {
      override sync(): Promise<void> {
        if (fs.armed) return Promise.reject(new Error("killed before the sync"));
        return super.sync();
      }
    }(handle);
  }
}

function openStore(
  fs: ForwardingFileSystem | MemoryFileSystem,
  clock: ManualClock,
  errors: Error[],
) {
  return new MessageStore({
    fs,
    clock,
    storeHost: TEST_STORE_HOST,
    onError: (error) => errors.push(error),
    config: {
      storePathRootDir: "/s",
      mappedFileSizeCommitLog: SEGMENT_BYTES,
      mappedFileSizeConsumeQueue: CQ_UNITS * 20,
      messageIndexEnable: false,
      flushDiskType: "ASYNC_FLUSH",
      flushIntervalCommitLog: 60_000,
      flushIntervalConsumeQueue: 60_000,
    },
  });
}

Deno.test("a consume-queue file a killed run filled survives a later power loss", async () => {
  const mem = new MemoryFileSystem();
  const clock = new ManualClock();
  const errors: Error[] = [];
  const body = (i: number) => `m${i}-` + "x".repeat(600);

  // Run A: TopicTest fills its first consume-queue file; filler moves the log on two segments.
  const fsA = new NoCqSyncFs(mem);
  const a = openStore(fsA, clock, errors);
  await a.start();
  for (let i = 0; i < CQ_UNITS; i++) {
    assert.equal((await a.putMessage(makeMessage({ bodyText: body(i) }))).status, "PUT_OK");
  }
  for (let i = 0; i < 14; i++) {
    const put = await a.putMessage(makeMessage({ topic: "TopicOther", bodyText: body(100 + i) }));
    assert.equal(put.status, "PUT_OK");
  }
  await a.waitDispatched();
  fsA.armed = true;
  // commit log synced; TopicTest's CQ units written, their sync never done
  await assert.rejects(a.flush(), /killed before the sync/);
  await a.halt(); // kill -9: the page cache keeps the written units

  // Run B: recovery keeps TopicTest's 4 units; more traffic; everything reported durable.
  clock.advance(10_000);
  const b = openStore(mem, clock, errors);
  await b.start();
  assert.equal(b.getMaxOffsetInQueue("TopicTest", 0), CQ_UNITS, "recovery kept the units");
  for (let i = 0; i < 10; i++) {
    const put = await b.putMessage(makeMessage({ topic: "TopicOther", bodyText: body(200 + i) }));
    assert.equal(put.status, "PUT_OK");
  }
  assert.equal((await b.putMessage(makeMessage({ bodyText: body(CQ_UNITS) }))).status, "PUT_OK");
  await b.waitDispatched();
  await b.flush();
  await b.halt();
  mem.crash(); // power loss

  // Run C: TopicTest serves offsets 0..4 as B reported them.
  const c = openStore(mem, clock, errors);
  await c.start();
  try {
    const got: string[] = [];
    const min = c.getMinOffsetInQueue("TopicTest", 0);
    const max = c.getMaxOffsetInQueue("TopicTest", 0);
    for (let offset = 0; offset < max; offset++) {
      const r = await c.getMessage("G", "TopicTest", 0, offset, 1);
      got.push(`${offset}:${r?.status}`);
    }
    assert.deepEqual(
      { min, max, got },
      { min: 0, max: CQ_UNITS + 1, got: [0, 1, 2, 3, 4].map((o) => `${o}:FOUND`) },
    );
  } finally {
    await c.shutdown();
  }
});

/**
 * `ackAfterWrite` (the broker's setting): an ASYNC_FLUSH put, or a SYNC_FLUSH one with
 * WAIT=false, answers PUT_OK only once its bytes reached the file (the OS page cache), so a
 * process killed right after the answers loses none of them: what a RocketMQ broker's mapped
 * commit log gives under ASYNC_FLUSH. The memory adapter keeps written bytes across `halt()` (a
 * kill) and drops unsynced ones on `crash()` (a power loss, which ASYNC_FLUSH may lose).
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import { MessageStore } from "./message_store.ts";
import { makeMessage, queueBodies, TEST_STORE_HOST } from "./_test_messages.ts";

const IN_FLIGHT = 64;

function openStore(
  fs: MemoryFileSystem,
  flushDiskType: "ASYNC_FLUSH" | "SYNC_FLUSH",
  ackAfterWrite: boolean,
): MessageStore {
  return new MessageStore({
    fs,
    clock: new ManualClock(),
    storeHost: TEST_STORE_HOST,
    ackAfterWrite,
    config: {
      storePathRootDir: "/s",
      mappedFileSizeCommitLog: 1024 * 1024,
      flushDiskType,
      flushIntervalCommitLog: 60_000, // no timed flush: only the writer moves bytes
    },
  });
}

const CASES = [
  { name: "ASYNC_FLUSH", flushDiskType: "ASYNC_FLUSH", wait: undefined },
  { name: "SYNC_FLUSH with WAIT=false", flushDiskType: "SYNC_FLUSH", wait: "false" },
] as const;

for (const { name, flushDiskType, wait } of CASES) {
  Deno.test(`ackAfterWrite: a kill right after PUT_OK loses none of the puts (${name})`, async () => {
    const fs = new MemoryFileSystem();
    const store = openStore(fs, flushDiskType, true);
    await store.start();
    const sent = Array.from({ length: IN_FLIGHT }, (_, i) => `m${i}`);
    const properties = wait === undefined ? undefined : { TAGS: "TagA", WAIT: wait };
    const results = await Promise.all(
      sent.map((bodyText) => store.putMessage(makeMessage({ bodyText, properties }))),
    );
    assert.deepEqual(results.map((r) => r.status), sent.map(() => "PUT_OK"));
    await store.halt(); // kill -9 at once: nothing more is written
    const after = openStore(fs, flushDiskType, true);
    await after.start();
    try {
      assert.deepEqual(await queueBodies(after), sent);
    } finally {
      await after.shutdown();
    }
  });
}

Deno.test("without ackAfterWrite a kill right after PUT_OK loses the puts (what the option is for)", async () => {
  const fs = new MemoryFileSystem();
  const store = openStore(fs, "ASYNC_FLUSH", false);
  await store.start();
  const results = await Promise.all(
    Array.from(
      { length: IN_FLIGHT },
      (_, i) => store.putMessage(makeMessage({ bodyText: `m${i}` })),
    ),
  );
  assert.ok(results.every((r) => r.status === "PUT_OK"));
  await store.halt();
  const after = openStore(fs, "ASYNC_FLUSH", false);
  await after.start();
  try {
    assert.deepEqual(await queueBodies(after), [], "answered from memory, not yet in the file");
  } finally {
    await after.shutdown();
  }
});

Deno.test("ackAfterWrite: puts a stopped writer never wrote answer UNKNOWN_ERROR, not PUT_OK", async () => {
  const fs = new MemoryFileSystem();
  const store = openStore(fs, "ASYNC_FLUSH", true);
  await store.start();
  const pending = store.putMessage(makeMessage({ bodyText: "never written" }));
  await store.halt(); // before the writer's turn
  assert.equal((await pending).status, "UNKNOWN_ERROR");
});

Deno.test("ackAfterWrite: a record getMessage served is in the file when the process is killed", async () => {
  const fs = new MemoryFileSystem();
  const store = openStore(fs, "ASYNC_FLUSH", true);
  await store.start();
  const put = store.putMessage(makeMessage({ bodyText: "served" })); // appended, not yet written
  const served = await store.getMessage("G", "TopicTest", 0, 0, 32);
  assert.equal(served?.status, "FOUND");
  await store.halt(); // kill -9 right after the answer to the pull
  await put;
  const after = openStore(fs, "ASYNC_FLUSH", true);
  await after.start();
  try {
    assert.deepEqual(
      await queueBodies(after),
      ["served"],
      "a consumer was served it: it must stay",
    );
  } finally {
    await after.shutdown();
  }
});

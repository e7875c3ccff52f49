/**
 * A store whose start is refused: with another `mappedFileSizeCommitLog` (found by helper-147) the
 * load is refused, naming the key, before any file is changed, so the old setting still starts it
 * (before, the first file was grown before the second was refused, and neither setting started
 * it); and a refused start closes what it opened and frees the folder.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import type { FileSystem } from "./file_system.ts";
import { MessageStore } from "./message_store.ts";
import { FaultyFileSystem } from "./_test_faulty_fs.ts";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore, queueBodies, TEST_STORE_HOST } from "./_test_messages.ts";

const SMALL = 64 * 1024;

forEachAdapter(
  "a refused load with a larger mappedFileSizeCommitLog leaves every file as it was",
  async ({ fs, dir, clock }) => {
    const store = await openTestStore({
      fs,
      dir,
      clock,
      config: { mappedFileSizeCommitLog: SMALL },
    });
    const body = new Uint8Array(1000);
    for (let i = 0; i < 80; i++) {
      assert.equal(
        (await store.putMessage(makeMessage({ body }))).status,
        "PUT_OK",
      );
    }
    assert.ok(store.commitLog.segments.length >= 2, "two files");
    await store.shutdown();
    const sizes = async () => {
      const names = (await fs.list(`${dir}/store/commitlog`)).sort();
      return await Promise.all(
        names.map(async (name) => (await fs.stat(`${dir}/store/commitlog/${name}`))!.size),
      );
    };
    const before = await sizes();
    await assert.rejects(
      openTestStore({ fs, dir, clock, config: { mappedFileSizeCommitLog: 2 * SMALL } }),
      /mappedFileSizeCommitLog is 131072, and a commit-log file keeps the size it was made with/,
    );
    assert.deepEqual(await sizes(), before);
    const again = await openTestStore({
      fs,
      dir,
      clock,
      config: { mappedFileSizeCommitLog: SMALL },
    });
    try {
      assert.equal((await queueBodies(again)).length, 80);
    } finally {
      await again.shutdown();
    }
  },
);

// Found by helper-148 in the close above: a close that failed too replaced the load's own error
// and kept the folder lock, so a new store on the folder in the same process was refused.
Deno.test("a start whose load and whose close both fail reports the load's error and frees the folder", async () => {
  const memory = new MemoryFileSystem();
  const clock = new ManualClock();
  const errors: Error[] = [];
  const open = (fs: FileSystem) =>
    new MessageStore({
      fs,
      clock,
      storeHost: TEST_STORE_HOST,
      onError: (error) => errors.push(error),
      config: {
        storePathRootDir: "/s",
        mappedFileSizeCommitLog: 4096,
        flushDiskType: "SYNC_FLUSH",
      },
    });
  const first = open(memory);
  await first.start();
  for (let i = 0; i < 4; i++) {
    const body = new Uint8Array(500);
    assert.equal((await first.putMessage(makeMessage({ body }))).status, "PUT_OK");
  }
  await first.shutdown();
  // The abort file cannot be made, nor can the next commit-log file prepared at start be removed.
  const faulty = new FaultyFileSystem(memory);
  faulty.failing = (call) => call.startsWith("create /s/abort") || call.startsWith("remove ");
  await assert.rejects(open(faulty).start(), /create \/s\/abort/);
  assert.ok(errors.some((error) => /remove \/s\/commitlog/.test(error.message)), "close reported");
  const again = open(memory);
  await again.start();
  try {
    assert.equal((await queueBodies(again)).length, 4);
  } finally {
    await again.shutdown();
  }
});

/**
 * A store restarted with another `mappedFileSizeCommitLog` (found by helper-147): the load is
 * refused, naming the key, before any file is changed, so the old setting still starts it. Before,
 * the first file was grown to the new size before the second was refused, and the store no
 * longer started with either setting.
 */

import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore, queueBodies } from "./_test_messages.ts";

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

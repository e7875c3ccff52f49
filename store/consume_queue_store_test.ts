import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { ConsumeQueueStore } from "./consume_queue_store.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import { joinPath } from "./store_paths.ts";
import { GatedFileSystem } from "./_test_gated_fs.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import { decodeRecord } from "./message_record.ts";

function record(
  topic: string,
  queueId: number,
  queueOffset: number,
  commitLogOffset: number,
  sysFlag = 0,
): DispatchRequest {
  return {
    topic,
    queueId,
    commitLogOffset,
    msgSize: 50,
    tagsCode: 2598919,
    storeTimestamp: 1_700_000_000_000 + commitLogOffset,
    consumeQueueOffset: queueOffset,
    keys: "",
    sysFlag,
    preparedTransactionOffset: 0,
  };
}

function newStore(fs: FileSystem, dir: string): ConsumeQueueStore {
  return new ConsumeQueueStore({
    fs,
    rootDir: joinPath(dir, "consumequeue"),
    fileBytes: 100,
    onWarning: (message) => assert.fail(`unexpected warning: ${message}`),
  });
}

async function reopen(fs: FileSystem, dir: string): Promise<ConsumeQueueStore> {
  const store = newStore(fs, dir);
  await store.load();
  await store.recover();
  return store;
}

forEachAdapter(
  "ConsumeQueueStore dispatches every record but PREPARED and ROLLBACK",
  async ({ fs, dir }) => {
    const store = newStore(fs, dir);
    store.dispatch(record("A", 0, 0, 0));
    store.dispatch(record("A", 0, 1, 50, 0x4)); // PREPARED: skipped
    store.dispatch(record("A", 0, 1, 100, 0x8)); // COMMIT
    store.dispatch(record("A", 0, 2, 150, 0xc)); // ROLLBACK: skipped
    store.dispatch(record("A", 1, 0, 200));
    store.dispatch(record("%RETRY%G1", 0, 0, 250));
    const queue = store.findConsumeQueue("A", 0);
    assert.equal(queue?.maxOffset, 2);
    const units = await queue!.readUnits(0, 32);
    assert.deepEqual([units!.physicalOffset(0), units!.physicalOffset(1)], [0, 100]);
    assert.equal(units!.tagsCode(1), 2598919);
    assert.equal(store.findConsumeQueue("A", 2), undefined);
    assert.equal(store.maxPhysicalOffset(), 300);
    assert.deepEqual(store.topics().sort(), ["%RETRY%G1", "A"]);
    assert.throws(() => store.dispatch(record("../x", 0, 0, 300)), RangeError);
    await store.close();
  },
);

forEachAdapter(
  "ConsumeQueueStore loads every queue and reports its offsets",
  async ({ fs, dir }) => {
    const store = newStore(fs, dir);
    for (let i = 0; i < 7; i++) store.dispatch(record("A", 0, i, i * 50));
    for (let i = 3; i < 5; i++) store.dispatch(record("B", 2, i, 400 + i * 50));
    assert.equal(store.flushedStoreTimestamp, 0);
    assert.equal(await store.flush(0), true);
    assert.equal(store.flushedStoreTimestamp, 1_700_000_000_000 + 600);
    const again = await reopen(fs, dir);
    const offsets = again.queueOffsets().sort((a, b) => a.topic.localeCompare(b.topic));
    assert.deepEqual(offsets, [
      { topic: "A", queueId: 0, minOffset: 0, maxOffset: 7 },
      { topic: "B", queueId: 2, minOffset: 3, maxOffset: 5 },
    ]);
    assert.equal(again.maxPhysicalOffset(), 650);
    await again.truncateDirty(600);
    assert.equal(again.findConsumeQueue("B", 2)?.maxOffset, 4);
    assert.equal(again.maxPhysicalOffset(), 600);
    await again.truncateDirty(550);
    assert.equal(again.findConsumeQueue("B", 2)?.maxOffset, 3, "only the blank head is left");
    assert.equal(again.maxPhysicalOffset(), 350);
    assert.equal(again.findConsumeQueue("A", 0)?.maxOffset, 7);
    await again.correctMinOffset(100);
    assert.equal(again.findConsumeQueue("A", 0)?.minOffset, 2);
    await again.close();
  },
);

forEachAdapter("ConsumeQueueStore deletes a topic's queues and folder", async ({ fs, dir }) => {
  const store = newStore(fs, dir);
  store.dispatch(record("A", 0, 0, 0));
  store.dispatch(record("A", 1, 0, 50));
  store.dispatch(record("B", 0, 0, 100));
  await store.flush(0);
  await store.deleteTopic("A");
  assert.equal(store.findConsumeQueue("A", 0), undefined);
  assert.deepEqual(await fs.list(joinPath(dir, "consumequeue")), ["B"]);
  const again = await reopen(fs, dir);
  assert.deepEqual(again.topics(), ["B"]);
  await again.close();
});

forEachAdapter(
  "ConsumeQueueStore deletes one queue, and the topic folder with its last queue",
  async ({ fs, dir }) => {
    const store = newStore(fs, dir);
    store.dispatch(record("A", 0, 0, 0));
    store.dispatch(record("A", 1, 0, 50));
    store.dispatch(record("B", 0, 0, 100));
    await store.flush(0);
    assert.equal(await store.deleteQueue("A", 0), true);
    assert.equal(await store.deleteQueue("A", 0), false, "already gone");
    assert.equal(store.findConsumeQueue("A", 0), undefined);
    assert.ok(store.findConsumeQueue("A", 1) !== undefined);
    assert.deepEqual(await fs.list(joinPath(dir, "consumequeue", "A")), ["1"]);
    assert.equal(await store.deleteQueue("A", 1), true);
    assert.deepEqual(store.topics(), ["B"]);
    assert.deepEqual(await fs.list(joinPath(dir, "consumequeue")), ["B"]);
    const again = await reopen(fs, dir);
    assert.deepEqual(again.topics(), ["B"]);
    await again.close();
    await store.close();
  },
);

forEachAdapter(
  "ConsumeQueueStore leaves the flushed timestamp alone on a partial flush",
  async ({ fs, dir }) => {
    const store = newStore(fs, dir);
    store.dispatch(record("A", 0, 0, 0));
    assert.equal(await store.flush(2), false, "one unit is less than 2 pages");
    assert.equal(store.flushedStoreTimestamp, 0);
    await store.close();
    assert.equal(store.flushedStoreTimestamp, 1_700_000_000_000);
  },
);

for (const op of ["deleteQueue", "deleteTopic"] as const) {
  forEachAdapter(
    `ConsumeQueueStore ${op} leaves the files of a queue made again while it runs`,
    async (ctx) => {
      let gateNext = true; // holds the old queue's first sync only: a flush stuck on the disk
      const fs = new GatedFileSystem(ctx.fs, (path) => {
        if (!path.includes("/consumequeue/T/0/") || !gateNext) return false;
        gateNext = false;
        return true;
      });
      const store = newStore(fs, ctx.dir);
      store.dispatch(record("T", 0, 0, 0));
      fs.close();
      const stuck = store.flush(0);
      await fs.syncsStarted(1);
      const deleting = op === "deleteQueue" ? store.deleteQueue("T", 0) : store.deleteTopic("T");
      // A message to the queue meanwhile makes it again; the next round flushes it.
      store.dispatch(record("T", 0, 0, 5000));
      const flushing = store.flush(0);
      fs.release();
      await Promise.all([stuck, deleting, flushing]);
      assert.equal(store.findConsumeQueue("T", 0)?.maxOffset, 1);
      await store.close();
      const again = await reopen(ctx.fs, ctx.dir);
      assert.equal(again.findConsumeQueue("T", 0)?.maxOffset, 1, "the new unit is on disk");
      await again.close();
    },
  );
}

forEachAdapter(
  "ConsumeQueue keeps a re-created topic's messages when a crash replays the deleted ones",
  async (ctx) => {
    const bodies = async (store: Awaited<ReturnType<typeof openTestStore>>) => {
      const got = (await store.getMessage("G", "T", 0, 0, 32))!;
      return got.messages.map((bytes) => new TextDecoder().decode(decodeRecord(bytes).body));
    };
    // SYNC_FLUSH: a message acknowledged is in the commit log file; its unit may not be yet.
    const config = { flushDiskType: "SYNC_FLUSH" } as const;
    const store = await openTestStore({ ...ctx, config });
    for (let i = 0; i < 6; i++) {
      await store.putMessage(makeMessage({ topic: "T", bodyText: `old${i}` }));
    }
    await store.flush();
    // DELETE_TOPIC_IN_BROKER, as the broker runs it; the topic is then used again.
    await store.consumeQueueStore.deleteTopic("T");
    store.commitLog.removeQueueOffsets("T");
    for (let i = 0; i < 4; i++) {
      if (i === 2) await store.flush(); // new2 and new3 reach the commit log, not the queue file
      const result = await store.putMessage(makeMessage({ topic: "T", bodyText: `new${i}` }));
      assert.equal(result.status, "PUT_OK");
    }
    await store.halt();
    ctx.memory?.crash();
    // The crash recovery re-dispatches the log from its start, deleted records included.
    const again = await openTestStore({ ...ctx, config });
    assert.deepEqual(await bodies(again), ["new0", "new1", "new2", "new3"]);
    assert.equal(again.getMaxOffsetInQueue("T", 0), 4);
    await again.shutdown();
  },
);

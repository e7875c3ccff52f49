/**
 * MessageStore.updateConfig (UPDATE_BROKER_CONFIG on a running broker): the size check, the pull
 * limits and the index take the new values, as RocketMQ's store reads its live
 * MessageStoreConfig on each use. The flush keys are in `message_store_live_flush_test.ts`.
 */
import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import type { MessageStore } from "./message_store.ts";
import type { MessageStoreConfig } from "./message_store_config.ts";

/** Applies `changes` over the store's current configuration, as the broker does. */
function update(store: MessageStore, changes: Partial<MessageStoreConfig>): void {
  store.updateConfig({ ...store.config, ...changes });
}

/** Puts a message whose KEYS is `key`; fails the test unless it is stored. */
async function putKeyed(store: MessageStore, key: string): Promise<void> {
  const result = await store.putMessage(makeMessage({ properties: { KEYS: key, TAGS: "T" } }));
  assert.equal(result.status, "PUT_OK", key);
  await store.waitDispatched();
}

/** @returns how many records QUERY_MESSAGE finds for `key` */
async function found(store: MessageStore, key: string, maxNum = 32): Promise<number> {
  const result = await store.queryMessage("TopicTest", key, maxNum, 0, Number.MAX_SAFE_INTEGER);
  return result.messages.length;
}

forEachAdapter("MessageStore.updateConfig changes maxMessageSize for later puts", async (ctx) => {
  const store = await openTestStore({ ...ctx, config: { maxMessageSize: 1024 } });
  try {
    const big = makeMessage({ body: new Uint8Array(4096).fill(1) });
    assert.equal((await store.putMessage(big)).status, "MESSAGE_ILLEGAL", "over the startup limit");
    update(store, { maxMessageSize: 65_536 });
    assert.equal(store.config.maxMessageSize, 65_536);
    const stored = await store.putMessage(big);
    assert.equal(stored.status, "PUT_OK", "within the raised limit");
    const record = await store.selectOneMessageByOffset(stored.appendMessageResult!.wroteOffset);
    assert.equal(record?.length, stored.appendMessageResult!.wroteBytes);
    update(store, { maxMessageSize: 100 });
    const refused = await store.putMessage(makeMessage({ body: new Uint8Array(200) }));
    assert.equal(refused.status, "MESSAGE_ILLEGAL", "over the lowered limit");
  } finally {
    await store.shutdown();
  }
});

forEachAdapter(
  "MessageStore.updateConfig changes the pull limits and the in-memory share for later pulls",
  async (ctx) => {
    const store = await openTestStore({
      ...ctx,
      physicalMemoryBytes: 1024 * 1024, // the whole log fits in it once the share is 100 %
      config: {
        accessMessageInMemoryMaxRatio: 0, // every record counts as on disk
        maxTransferCountOnMessageInDisk: 2,
        maxTransferCountOnMessageInMemory: 4,
      },
    });
    try {
      for (let i = 0; i < 10; i++) {
        assert.equal((await store.putMessage(makeMessage({ bodyText: `m${i}` }))).status, "PUT_OK");
      }
      await store.waitDispatched();
      const pulled = async () => (await store.getMessage("G", "TopicTest", 0, 0, 32))!.messages;
      assert.equal((await pulled()).length, 2, "maxTransferCountOnMessageInDisk at start");
      assert.equal(await store.checkInDiskByConsumeOffset("TopicTest", 0, 0), true);
      update(store, { maxTransferCountOnMessageInDisk: 3 });
      assert.equal((await pulled()).length, 3, "the new on-disk count");
      update(store, { maxTransferBytesOnMessageInDisk: 1 });
      assert.equal((await pulled()).length, 1, "the new on-disk bytes (the first always goes)");
      update(store, { accessMessageInMemoryMaxRatio: 100 });
      assert.equal(await store.checkInDiskByConsumeOffset("TopicTest", 0, 0), false);
      assert.equal((await pulled()).length, 4, "in memory now: maxTransferCountOnMessageInMemory");
      update(store, { maxTransferCountOnMessageInMemory: 64 });
      assert.equal((await pulled()).length, 10, "all 10 of a pull of 32");
      update(store, { maxTransferBytesOnMessageInMemory: 1 });
      assert.equal((await pulled()).length, 1, "the new in-memory bytes");
    } finally {
      await store.shutdown();
    }
  },
);

forEachAdapter(
  "MessageStore indexes what is put while messageIndexEnable is on, switched at runtime",
  async (ctx) => {
    const store = await openTestStore({ ...ctx, config: { messageIndexEnable: false } });
    try {
      await putKeyed(store, "before");
      assert.equal(await found(store, "before"), 0, "off at start: not indexed");
      update(store, { messageIndexEnable: true });
      await putKeyed(store, "during");
      assert.equal(await found(store, "during"), 1, "turned on: indexed");
      assert.equal(await found(store, "before"), 0, "what came before stays unindexed");
      update(store, { messageIndexEnable: false });
      await putKeyed(store, "after");
      assert.equal(await found(store, "after"), 0, "turned off again: not indexed");
      assert.equal(await found(store, "during"), 1, "the index still answers queries");
    } finally {
      await store.shutdown();
    }
  },
);

forEachAdapter(
  "MessageStore with the index off recovers without re-reading the log for it, and keeps its files",
  async (ctx) => {
    const config = {
      mappedFileSizeCommitLog: 4096, // ~9 records a segment
      flushDiskType: "SYNC_FLUSH" as const,
      flushIntervalConsumeQueue: 60_000,
    };
    const first = await openTestStore({ ...ctx, config });
    await putKeyed(first, "old");
    await first.shutdown();
    // messageIndexSafe: the checkpoint's index time (of the first run) does not count either.
    const off = { ...config, messageIndexEnable: false, messageIndexSafe: true };
    const second = await openTestStore({ ...ctx, config: off });
    const from = second.getCommitLogMaxOffset();
    for (let i = 0; i < 60; i++) {
      const body = `b${i}`.padEnd(400, ".");
      const properties = { KEYS: `b${i}`, TAGS: "T" };
      const result = await second.putMessage(makeMessage({ bodyText: body, properties }));
      assert.equal(result.status, "PUT_OK");
      ctx.clock.advance(1000); // beyond the checkpoint's 3 s margin
    }
    await second.waitDispatched();
    await second.flushLogics(true);
    const offBytes = second.getCommitLogMaxOffset() - from;
    await second.halt();
    ctx.memory?.crash();
    const third = await openTestStore({ ...ctx, config: off });
    try {
      const { reputBytes } = third.stats();
      assert.ok(reputBytes < offBytes / 4, `re-dispatched ${reputBytes} of ${offBytes} bytes`);
      assert.equal(await found(third, "old"), 1, "the files of an index that is off answer");
      update(third, { messageIndexEnable: true });
      await putKeyed(third, "new");
      assert.equal(await found(third, "new"), 1, "turned on: indexed");
      assert.equal(await found(third, "b0"), 0, "records put while it was off are not");
    } finally {
      await third.shutdown();
    }
    const fourth = await openTestStore({ ...ctx, config });
    assert.equal(await found(fourth, "old"), 1);
    assert.equal(await found(fourth, "new"), 1, "the entries of the runtime switch were kept");
    await fourth.shutdown();
  },
);

forEachAdapter(
  "MessageStore.updateConfig changes maxMsgsNumBatch and messageIndexSafe for the index",
  async (ctx) => {
    const store = await openTestStore({
      ...ctx,
      config: { maxMsgsNumBatch: 4, flushIntervalConsumeQueue: 60_000 },
    });
    try {
      for (let i = 0; i < 10; i++) await putKeyed(store, "many");
      assert.equal(await found(store, "many"), 4, "capped at the startup maxMsgsNumBatch");
      update(store, { maxMsgsNumBatch: 64 });
      assert.equal(await found(store, "many"), 10, "the raised cap");
      await store.flushLogics(true);
      await putKeyed(store, "later");
      await store.flushLogics(false);
      assert.ok(store.indexService.unflushedEntries > 0, "a periodic round leaves the index");
      update(store, { messageIndexSafe: true });
      await store.flushLogics(false);
      assert.equal(store.indexService.unflushedEntries, 0, "messageIndexSafe: every round syncs");
    } finally {
      await store.shutdown();
    }
  },
);

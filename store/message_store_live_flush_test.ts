/**
 * MessageStore.updateConfig of the flush keys (UPDATE_BROKER_CONFIG on a running broker): the
 * commit-log and consume-queue flush loops, the SYNC_FLUSH deadline and the busy-put wait take
 * the new values, as RocketMQ's flush services read them each round. Syncs are observed through
 * a {@linkcode GatedFileSystem}; times move on the injected clock.
 */
import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { GatedFileSystem } from "./_test_gated_fs.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import { SYNC_FLUSH_WAITERS_MAX } from "./limits.ts";
import type { MessageStore } from "./message_store.ts";
import type { MessageStoreConfig } from "./message_store_config.ts";
import type { PutMessageResult } from "./put_message_status.ts";

const DAY_MS = 86_400_000;
/** Real time a test waits for what the new values make happen at once. */
const DEADLINE_MS = 5_000;

/** Applies `changes` over the store's current configuration, as the broker does. */
function update(store: MessageStore, changes: Partial<MessageStoreConfig>): void {
  store.updateConfig({ ...store.config, ...changes });
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function put(store: MessageStore, bodyBytes = 16): Promise<void> {
  const result = await store.putMessage(makeMessage({ body: new Uint8Array(bodyBytes) }));
  assert.equal(result.status, "PUT_OK");
}

forEachAdapter(
  "MessageStore.updateConfig re-arms the commit-log flush with the new interval and thorough interval",
  async (ctx) => {
    const fs = new GatedFileSystem(ctx.fs, (path) => path.includes("/commitlog/"));
    const store = await openTestStore({
      ...ctx,
      fs,
      config: { flushIntervalCommitLog: 60_000, flushCommitLogThoroughInterval: DAY_MS },
    });
    try {
      await put(store); // fewer bytes than flushCommitLogLeastPages: only a thorough round syncs
      const syncs = fs.started;
      update(store, { flushIntervalCommitLog: 10, flushCommitLogThoroughInterval: 1_000 });
      ctx.clock.advance(1_000);
      await within(fs.syncsStarted(syncs + 1), "a thorough commit-log flush");
    } finally {
      await store.shutdown();
    }
  },
);

forEachAdapter(
  "MessageStore.updateConfig of flushCommitLogTimed and flushCommitLogLeastPages syncs on pages",
  async (ctx) => {
    const fs = new GatedFileSystem(ctx.fs, (path) => path.includes("/commitlog/"));
    const store = await openTestStore({
      ...ctx,
      fs,
      config: { flushIntervalCommitLog: 60_000, flushCommitLogTimed: true },
    });
    try {
      const syncs = fs.started;
      update(store, { flushCommitLogTimed: false, flushCommitLogLeastPages: 1 });
      await put(store, 5_000); // one page written: RocketMQ's real-time flush syncs it
      await within(fs.syncsStarted(syncs + 1), "a commit-log sync after one page");
    } finally {
      await store.shutdown();
    }
  },
);

forEachAdapter(
  "MessageStore.updateConfig of syncFlushTimeout applies to later SYNC_FLUSH puts",
  async (ctx) => {
    const fs = new GatedFileSystem(ctx.fs, (path) => path.includes("/commitlog/"));
    const store = await openTestStore({
      ...ctx,
      fs,
      config: { flushDiskType: "SYNC_FLUSH", syncFlushTimeout: 600_000 },
    });
    try {
      update(store, { syncFlushTimeout: 50 });
      fs.close();
      const pending = store.putMessage(makeMessage({ bodyText: "slow" }));
      ctx.clock.advance(51);
      const result = await within(pending, "FLUSH_DISK_TIMEOUT after the new syncFlushTimeout");
      assert.equal(result.status, "FLUSH_DISK_TIMEOUT");
      assert.ok(result.appendMessageResult, "the message is stored");
    } finally {
      fs.release();
      await store.shutdown();
    }
  },
);

forEachAdapter(
  "MessageStore.updateConfig of osPageCacheBusyTimeOutMills bounds the wait of a busy put",
  async (ctx) => {
    const fs = new GatedFileSystem(ctx.fs, (path) => path.includes("/commitlog/"));
    const store = await openTestStore({
      ...ctx,
      fs,
      config: {
        mappedFileSizeCommitLog: 64 * 1024 * 1024,
        mappedFileSizeConsumeQueue: 20 * 300_000,
        messageIndexEnable: false,
        flushDiskType: "SYNC_FLUSH",
        osPageCacheBusyTimeOutMills: 60_000,
      },
    });
    const waiters: Promise<PutMessageResult>[] = [];
    try {
      update(store, { osPageCacheBusyTimeOutMills: 30 });
      fs.close();
      for (let i = 0; i < SYNC_FLUSH_WAITERS_MAX; i++) {
        waiters.push(store.putMessage(makeMessage()));
      }
      const refused = await within(store.putMessage(makeMessage()), "OS_PAGECACHE_BUSY");
      assert.equal(refused.status, "OS_PAGECACHE_BUSY");
    } finally {
      fs.release();
      const outcomes = await Promise.all(waiters);
      assert.ok(outcomes.every((outcome) => outcome.status === "PUT_OK"));
      await store.shutdown();
    }
  },
);

forEachAdapter(
  "MessageStore.updateConfig changes the consume-queue flush interval, thorough interval and pages",
  async (ctx) => {
    const fs = new GatedFileSystem(ctx.fs, (path) => path.includes("/consumequeue/"));
    const store = await openTestStore({
      ...ctx,
      fs,
      config: {
        flushIntervalConsumeQueue: 60_000,
        flushConsumeQueueLeastPages: 2,
        flushConsumeQueueThoroughInterval: DAY_MS,
      },
    });
    try {
      await put(store);
      await store.waitDispatched();
      const syncs = fs.started;
      update(store, { flushIntervalConsumeQueue: 10, flushConsumeQueueThoroughInterval: 1_000 });
      ctx.clock.advance(1_000);
      await within(fs.syncsStarted(syncs + 1), "a thorough consume-queue flush");
      await put(store); // one dirty page: below flushConsumeQueueLeastPages 2
      await store.waitDispatched();
      const again = fs.started;
      update(store, { flushConsumeQueueLeastPages: 0 });
      await within(fs.syncsStarted(again + 1), "a consume-queue flush without a page minimum");
    } finally {
      await store.shutdown();
    }
  },
);

forEachAdapter(
  "MessageStore times a SYNC_FLUSH put from its start to the end of its flush wait",
  async (ctx) => {
    const fs = new GatedFileSystem(ctx.fs, (path) => path.includes("/commitlog/"));
    const store = await openTestStore({ ...ctx, fs, config: { flushDiskType: "SYNC_FLUSH" } });
    try {
      fs.close();
      const pending = [0, 1].map(() => store.putMessage(makeMessage({ bodyText: "timed" })));
      await within(fs.syncsStarted(fs.started + 1), "the sync the puts wait for");
      ctx.clock.advance(25); // the disk takes 25 ms of the injected clock
      fs.release();
      for (const result of await within(Promise.all(pending), "the puts")) {
        assert.equal(result.status, "PUT_OK");
      }
      assert.equal(store.storeStatsService.putMessageEntireTimeMax, 25);
      ctx.clock.advance(60_000); // the histogram reports the last whole minute
      assert.match(store.storeStatsService.putMessageDistributeTime(), / \[10~50ms\]:2 /);
    } finally {
      fs.release();
      await store.shutdown();
    }
  },
);

import assert from "node:assert/strict";
import { nextTurn } from "../common/next_turn.ts";
import { forEachAdapter } from "./_test_adapters.ts";
import { GatedFileSystem } from "./_test_gated_fs.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import type { MessageStore } from "./message_store.ts";
import { DISPATCH_BACKLOG_MAX, SYNC_FLUSH_WAITERS_MAX } from "./limits.ts";
import { putMessageResponse, type PutMessageResult } from "./put_message_status.ts";

/** A store big enough for DISPATCH_BACKLOG_MAX small records, without the index. */
const ROOMY = {
  mappedFileSizeCommitLog: 64 * 1024 * 1024,
  mappedFileSizeConsumeQueue: 20 * 300_000,
  messageIndexEnable: false,
};

const MESSAGE = makeMessage({ bodyText: "x" });

/** A dispatcher that answers its first record with `first` and later ones at once. */
function slowFirst(first: () => Promise<void>): {
  dispatch: () => Promise<void> | undefined;
  applied: () => number;
} {
  let applied = 0;
  return {
    dispatch: () => ++applied === 1 ? first() : undefined,
    applied: () => applied,
  };
}

/** @returns whether `promise` has settled after one event-loop turn */
async function settledAfterATurn<T>(promise: Promise<T>): Promise<boolean> {
  let settled = false;
  promise.then(() => settled = true, () => settled = true);
  await nextTurn();
  return settled;
}

/** Fills a dispatcher's backlog: the first record is held, DISPATCH_BACKLOG_MAX wait behind it. */
async function fillBacklog(store: MessageStore): Promise<{
  release: () => void;
  applied: () => number;
  accepted: number;
}> {
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  const dispatcher = slowFirst(() => held);
  store.registerDispatcher(dispatcher);
  const accepted = DISPATCH_BACKLOG_MAX + 1;
  for (let i = 0; i < accepted; i++) {
    const result = await store.putMessage(MESSAGE);
    if (result.status !== "PUT_OK") assert.fail(`put ${i}: ${result.status}`);
  }
  return { release, applied: dispatcher.applied, accepted };
}

forEachAdapter(
  "MessageStore refuses a put after osPageCacheBusyTimeOutMills of a full dispatch backlog",
  async (ctx) => {
    const store = await openTestStore({
      ...ctx,
      config: { ...ROOMY, osPageCacheBusyTimeOutMills: 30 },
    });
    const { release, accepted } = await fillBacklog(store);
    const refused = await store.putMessage(MESSAGE);
    assert.equal(refused.status, "OS_PAGECACHE_BUSY");
    assert.equal(putMessageResponse(refused.status).code, 1, "SYSTEM_ERROR: the client retries");
    assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), accepted, "other lanes keep up");
    release();
    await store.waitDispatched();
    assert.equal((await store.putMessage(MESSAGE)).status, "PUT_OK");
    assert.equal(store.stats().putMessageFailedTimes, 1);
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore holds a put while a dispatcher's backlog is full and stores it once it drains",
  async (ctx) => {
    const store = await openTestStore({
      ...ctx,
      config: { ...ROOMY, osPageCacheBusyTimeOutMills: 10_000 },
    });
    const { release, applied, accepted } = await fillBacklog(store);
    const waiting = store.putMessage(MESSAGE);
    assert.equal(await settledAfterATurn(waiting), false, "the put waits for the backlog");
    release();
    assert.equal((await waiting).status, "PUT_OK");
    await store.waitDispatched();
    assert.equal(applied(), accepted + 1);
    assert.equal(store.stats().putMessageFailedTimes, 0);
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore lets a caller that retries OS_PAGECACHE_BUSY at once get its puts in",
  async (ctx) => {
    const store = await openTestStore({ ...ctx, config: ROOMY });
    // The first record needs an event-loop turn: a caller that never yields would starve it.
    const dispatcher = slowFirst(nextTurn);
    store.registerDispatcher(dispatcher);
    const wanted = DISPATCH_BACKLOG_MAX + 1_000;
    let refusals = 0;
    for (let i = 0; i < wanted; i++) {
      let result: PutMessageResult;
      while ((result = await store.putMessage(MESSAGE)).status === "OS_PAGECACHE_BUSY") {
        if (++refusals > 1_000) assert.fail("the retries never let the dispatcher run");
      }
      if (result.status !== "PUT_OK") assert.fail(`put ${i}: ${result.status}`);
    }
    await store.waitDispatched();
    assert.equal(dispatcher.applied(), wanted);
    assert.equal(refusals, 0);
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore holds a SYNC_FLUSH put while SYNC_FLUSH_WAITERS_MAX wait for a sync",
  async (ctx) => {
    const fs = new GatedFileSystem(ctx.fs, (path) => path.includes("/commitlog/"));
    const store = await openTestStore({
      ...ctx,
      fs,
      config: { ...ROOMY, flushDiskType: "SYNC_FLUSH", osPageCacheBusyTimeOutMills: 10_000 },
    });
    fs.close();
    const waiters: Promise<PutMessageResult>[] = [];
    for (let i = 0; i < SYNC_FLUSH_WAITERS_MAX; i++) waiters.push(store.putMessage(MESSAGE));
    const waiting = store.putMessage(MESSAGE);
    assert.equal(await settledAfterATurn(waiting), false, "the put waits for a sync round");
    fs.release();
    assert.equal((await waiting).status, "PUT_OK", "and is stored once a round resolved some");
    const outcomes = await Promise.all(waiters);
    assert.ok(outcomes.every((outcome) => outcome.status === "PUT_OK"));
    assert.equal(store.stats().putMessageFailedTimes, 0);
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore refuses a put that waited for segment memory while the store shut down",
  async (ctx) => {
    const config = { mappedFileSizeCommitLog: 4 * 1024 * 1024 };
    const store = await openTestStore({ ...ctx, config });
    const big = makeMessage({ body: new Uint8Array(256 * 1024).fill(7) });
    // No await: the writer gets no turn, so the later puts wait for it to free memory.
    const puts = Array.from({ length: 100 }, () => store.putMessage(big));
    const stopped = store.shutdown();
    const statuses = (await Promise.all(puts)).map((outcome) => outcome.status);
    await stopped;
    const stored = statuses.filter((status) => status === "PUT_OK").length;
    assert.ok(
      statuses.every((s) => s === "PUT_OK" || s === "SERVICE_NOT_AVAILABLE"),
      `${statuses}`,
    );
    assert.ok(stored < statuses.length, "the waiting puts were refused");
    const again = await openTestStore({ ...ctx, config });
    assert.equal(again.getMaxOffsetInQueue("TopicTest", 0), stored, "every PUT_OK survived");
    await again.shutdown();
  },
);

/**
 * Store times never go backwards (CommitLog.raiseStoreTimeFloor): crash recovery picks its
 * first file by store time, so a wall clock stepped back must not make it skip records.
 */
import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import { type AdapterContext, forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import type { MessageStore } from "./message_store.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";

/** A wall clock that NTP may step backwards (ManualClock refuses to go back). */
class SteppedClock implements Clock {
  ms = 1_700_000_000_000;
  now(): number {
    return this.ms;
  }
}

function open(
  ctx: AdapterContext,
  clock: Clock,
  extra: Partial<MessageStoreConfigInput> = {},
): Promise<MessageStore> {
  return openTestStore({
    ...ctx,
    clock,
    config: {
      mappedFileSizeCommitLog: 4096,
      mappedFileSizeConsumeQueue: 20 * 1000,
      flushDiskType: "SYNC_FLUSH",
      flushIntervalConsumeQueue: 60_000, // the test runs the consume-queue rounds itself
      flushConsumeQueueLeastPages: 1,
      messageIndexEnable: false, // the index's own recovery point would hide the consume queues'
      ...extra,
    },
  });
}

async function put(store: MessageStore, queueId: number): Promise<number> {
  const result = await store.putMessage(makeMessage({ queueId, bodyText: "b" }));
  assert.equal(result.status, "PUT_OK");
  return result.appendMessageResult!.storeTimestamp;
}

/**
 * Puts 20 messages to a quiet queue (1), then 210 to a busy one (0) that dirty a whole
 * consume-queue page; flushes the busy queue's consume queue, not the quiet one's; crashes.
 * @returns the store reopened
 */
async function crashAfterQuietAndBusyQueues(
  ctx: AdapterContext,
  clock: Clock,
  store: MessageStore,
): Promise<MessageStore> {
  for (let i = 0; i < 20; i++) await put(store, 1); // durable in the log (SYNC_FLUSH)
  for (let i = 0; i < 210; i++) await put(store, 0);
  await store.flushLogics(false); // leastPages 1: queue 0's consume queue only
  assert(store.commitLog.segments.length > 3, "the records span several files");
  await store.halt();
  return open(ctx, clock);
}

forEachAdapter(
  "Store times hold still while the wall clock is behind, in a run and after a restart",
  async (ctx) => {
    const clock = new SteppedClock();
    const store = await open(ctx, clock);
    const first = await put(store, 0);
    clock.ms -= 60_000;
    assert.equal(await put(store, 0), first, "no record older than the one before it");
    await store.shutdown();
    const again = await open(ctx, clock);
    try {
      assert.equal(await put(again, 0), first, "nor after a restart");
      clock.ms += 60_001;
      assert.equal(await put(again, 0), first + 1, "the clock again once it caught up");
    } finally {
      await again.shutdown();
    }
  },
);

forEachAdapter(
  "Crash recovery keeps SYNC_FLUSH-acknowledged messages after the wall clock stepped back",
  async (ctx) => {
    const clock = new SteppedClock();
    const store = await open(ctx, clock);
    await put(store, 0);
    clock.ms += 100_000;
    await put(store, 0);
    await store.flushLogics(true); // checkpoint: consume queues durable up to T0 + 100 s
    clock.ms -= 90_000; // NTP steps the clock back
    const again = await crashAfterQuietAndBusyQueues(ctx, clock, store);
    try {
      assert.equal(again.getMaxOffsetInQueue("TopicTest", 1), 20, "queue 1 kept its messages");
      assert.equal((await again.getMessage("G", "TopicTest", 1, 0, 32))!.messages.length, 20);
      assert.equal(again.getMaxOffsetInQueue("TopicTest", 0), 212);
    } finally {
      await again.shutdown();
    }
  },
);

forEachAdapter(
  "Crash recovery keeps SYNC_FLUSH-acknowledged messages after a run with the clock ahead",
  async (ctx) => {
    const clock = new SteppedClock();
    clock.ms += 86_400_000; // this run's clock is a day ahead: its checkpoint is too
    const ahead = await open(ctx, clock);
    await put(ahead, 0);
    await ahead.shutdown();
    clock.ms -= 86_400_000; // corrected while the store was down
    const again = await crashAfterQuietAndBusyQueues(ctx, clock, await open(ctx, clock));
    try {
      assert.equal(again.getMaxOffsetInQueue("TopicTest", 1), 20, "queue 1 kept its messages");
      assert.equal(again.getMaxOffsetInQueue("TopicTest", 0), 211);
    } finally {
      await again.shutdown();
    }
  },
);

forEachAdapter(
  "SYNC_FLUSH times out syncFlushTimeout after the put while the clock is behind the store times",
  async (ctx) => {
    const clock = new SteppedClock();
    clock.ms += 3_600_000; // a run an hour ahead leaves newer store times in the log
    const ahead = await open(ctx, clock);
    await put(ahead, 0);
    await ahead.shutdown();
    clock.ms -= 3_600_000; // the clock corrected before the restart
    const store = await open(ctx, clock, { syncFlushTimeout: 50 });
    const release = ctx.memory!.holdSyncs(); // a stalled disk
    try {
      const pending = store.putMessage(makeMessage({ bodyText: "slow" }));
      clock.ms += 51; // past syncFlushTimeout on the store's clock
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no FLUSH_DISK_TIMEOUT within 1 s")), 1000);
      });
      try {
        // The deadline sweep checks every SYNC_FLUSH_TIMEOUT_CHECK_MS of real time.
        assert.equal((await Promise.race([pending, late])).status, "FLUSH_DISK_TIMEOUT");
      } finally {
        clearTimeout(timer);
      }
    } finally {
      release();
      await store.shutdown();
    }
  },
  { only: ["memory"] },
);

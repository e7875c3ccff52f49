/**
 * A consume-queue flush round that creates a segment's file, and while it syncs the queue's
 * folder sees that segment fill up and roll (real temp files; a wrapper holds the folder sync
 * until the test lets it go): the round must not fail. And a round that fails for another reason
 * must not make a shutdown that waits for it fail too.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import { ForwardingFileSystem } from "./_test_forwarding_fs.ts";
import type { MessageStore } from "./message_store.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import { StoreCheckpoint } from "./checkpoint.ts";
import { CheckpointService } from "./checkpoint_service.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";

/** Holds the sync of one folder until `gate` resolves; `started` tells that it began. */
class FolderSyncGateFs extends ForwardingFileSystem {
  heldDir = "";
  readonly started = Promise.withResolvers<void>();
  readonly gate = Promise.withResolvers<void>();
  override async syncDir(dir: string): Promise<void> {
    if (dir === this.heldDir) {
      this.started.resolve();
      await this.gate.promise;
    }
    return await super.syncDir(dir);
  }
}

/** A store with two units a consume-queue file; m0 is put, and a round is held in m0's sync. */
async function roundHeldWhileTheFileRolls(
  test: (
    store: MessageStore,
    fs: FolderSyncGateFs,
    round: Promise<void>,
  ) => Promise<"stopped" | void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const fs = new FolderSyncGateFs(new DenoFileSystem());
  const store = await openTestStore({
    fs,
    dir,
    clock: new ManualClock(),
    config: {
      mappedFileSizeConsumeQueue: 20 * 2,
      flushIntervalConsumeQueue: 60_000, // the test runs the rounds
      flushConsumeQueueLeastPages: 0,
    },
  });
  let round: Promise<void> = Promise.resolve();
  try {
    await store.putMessage(makeMessage({ bodyText: "m0" }));
    await store.waitDispatched();
    fs.heldDir = `${dir}/store/consumequeue/TopicTest/0`;
    // The round creates the first file (one unit in it), then syncs the folder: held there.
    round = store.flushLogics(false);
    await fs.started.promise;
    await store.putMessage(makeMessage({ bodyText: "m1" })); // fills the first file
    await store.putMessage(makeMessage({ bodyText: "m2" })); // rolls to a second
    await store.waitDispatched();
    await test(store, fs, round);
  } finally {
    fs.gate.resolve();
    await Promise.allSettled([round]);
    await store.halt();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a consume-queue file that fills while its folder syncs does not fail the flush round", async () => {
  await roundHeldWhileTheFileRolls(async (store, fs, round) => {
    fs.gate.resolve();
    await round;
    await store.flushLogics(true);
    assert.equal(store.getMaxOffsetInQueue("TopicTest", 0), 3);
  });
});

Deno.test("CheckpointService.stop waits for a round that fails without failing itself", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir("/store");
  const checkpoint = new StoreCheckpoint(fs, "/store/checkpoint");
  await checkpoint.load();
  const gate = Promise.withResolvers<void>();
  const errors: Error[] = [];
  const service = new CheckpointService({
    clock: new ManualClock(),
    checkpoint,
    flushIntervalConsumeQueue: 60_000,
    flushConsumeQueueLeastPages: 2,
    flushConsumeQueueThoroughInterval: 60_000,
    flushConsumeQueues: async () => {
      await gate.promise;
      throw new Error("EIO (test): a consume-queue flush failed");
    },
    physicTimestamp: () => 0,
    logicsTimestamp: () => 0,
    indexTimestamp: () => 0,
    onError: (error) => errors.push(error),
  });
  const round = service.flush(true); // its caller is told of the failure
  const stopped = service.stop(); // a shutdown while the round runs
  gate.resolve();
  await assert.rejects(round, /EIO/);
  await stopped; // a failed round must not abort the shutdown
  checkpoint.close();
});

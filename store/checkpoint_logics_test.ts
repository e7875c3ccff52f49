/**
 * The checkpoint's logicsMsgTimestamp advances on each thorough consume-queue flush even while
 * messages keep arriving during it (RocketMQ's FlushConsumeQueueService takes the time before
 * the flush): stuck, it would send crash recovery back to the log's first segment.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import { MessageStore } from "./message_store.ts";
import { makeMessage, TEST_STORE_HOST } from "./_test_messages.ts";
import { GatedFileSystem } from "./_test_gated_fs.ts";

const DEADLINE_MS = 5_000;

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

function openStore(fs: DenoFileSystem | GatedFileSystem, dir: string, clock: ManualClock) {
  return new MessageStore({
    fs,
    clock,
    storeHost: TEST_STORE_HOST,
    onError: (error) => {
      throw error;
    },
    config: {
      storePathRootDir: `${dir}/store`,
      mappedFileSizeCommitLog: 4096,
      flushDiskType: "SYNC_FLUSH", // the commit log is durable at each put
      flushIntervalConsumeQueue: 60_000, // only the rounds the test runs
    },
  });
}

async function readLogicsTimestamp(dir: string): Promise<{ physic: number; logics: number }> {
  const bytes = await Deno.readFile(`${dir}/store/checkpoint`);
  const view = new DataView(bytes.buffer);
  return { physic: Number(view.getBigInt64(0)), logics: Number(view.getBigInt64(8)) };
}

Deno.test("checkpoint logicsMsgTimestamp advances while messages arrive during the thorough flush", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq-checkpoint-" });
  try {
    const clock = new ManualClock();
    const fs = new GatedFileSystem(new DenoFileSystem(), (p) => p.includes("/consumequeue/"));
    const store = openStore(fs, dir, clock);
    await store.start();
    const body = "x".repeat(600);
    let lastBeforeRound = 0;
    for (let i = 0; i < 12; i++) {
      clock.advance(1_000);
      const a = await store.putMessage(makeMessage({ bodyText: `a${i}${body}` }));
      assert.equal(a.status, "PUT_OK");
      lastBeforeRound = clock.now();
      await store.waitDispatched();
      // A thorough round (as every flushConsumeQueueThoroughInterval); one more message comes
      // while its consume-queue sync is on the disk, as under any steady traffic.
      fs.close();
      const started = fs.started;
      const round = store.flushLogics(true);
      await within(fs.syncsStarted(started + 1), "the consume-queue sync");
      clock.advance(10);
      const b = await store.putMessage(makeMessage({ bodyText: `b${i}${body}` }));
      assert.equal(b.status, "PUT_OK");
      await store.waitDispatched();
      fs.release();
      await within(round, "the round");
    }
    const { physic, logics } = await readLogicsTimestamp(dir);
    await store.halt(); // a crash: the abort file stays
    const again = openStore(new DenoFileSystem(), dir, clock);
    await again.start();
    const recovery = again.stats().recovery!;
    await again.shutdown();
    assert.ok(physic >= lastBeforeRound, `physicMsgTimestamp ${physic}`);
    assert.ok(
      logics >= lastBeforeRound,
      `logicsMsgTimestamp ${logics} is behind ${lastBeforeRound} (units stored before the round ` +
        `are durable); recovery scanned ${recovery.segmentsScanned} segments from ${recovery.scanFromOffset}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * `ackAfterWrite` against writes in flight (real temp files; a wrapper holds, drops or fails
 * commit-log writes, and dropping a held write stands in for a kill -9 before it reached the
 * file). A pull must not be served a record appended while it waited for the writer, nor one a
 * failed write never put in the file; and SYNC_FLUSH's FLUSH_DISK_TIMEOUT ("stored, not yet
 * synced") must not be answered for bytes that are only in memory. Each case would let a
 * killed broker lose a message a producer or a consumer was told about.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import type { ForwardingFileSystem } from "./_test_forwarding_fs.ts";
import { WriteGatedFs } from "./_test_write_gated_fs.ts";
import { MessageStore } from "./message_store.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";
import { decodeRecord } from "./message_record.ts";
import { makeMessage, TEST_STORE_HOST } from "./_test_messages.ts";

/** A store as the broker runs it (`ackAfterWrite`), ASYNC_FLUSH unless `options` says otherwise. */
function openStore(
  fs: ForwardingFileSystem | DenoFileSystem,
  dir: string,
  options: {
    clock?: ManualClock;
    onError?: (error: Error) => void;
    config?: Partial<MessageStoreConfigInput>;
  } = {},
): MessageStore {
  return new MessageStore({
    fs,
    clock: options.clock ?? new ManualClock(),
    storeHost: TEST_STORE_HOST,
    ackAfterWrite: true,
    onError: options.onError,
    config: {
      storePathRootDir: dir,
      mappedFileSizeCommitLog: 1024 * 1024,
      flushDiskType: "ASYNC_FLUSH",
      flushIntervalCommitLog: 60_000,
      ...options.config,
    },
  });
}

const text = (record: Uint8Array) => new TextDecoder().decode(decodeRecord(record).body);

/** One test's store over a {@linkcode WriteGatedFs} in a temp folder. */
interface GatedRun {
  readonly fs: WriteGatedFs;
  readonly store: MessageStore;
  /** kill -9: held writes never reach the file, and the store stops as after a crash */
  kill(): Promise<void>;
  /** @returns a store started on what the files hold (stopped after the test) */
  reopen(): Promise<MessageStore>;
}

/** Runs `test` on a gated store (`options` as {@linkcode openStore}'s); stops and removes all after. */
async function gatedRun(
  options: Parameters<typeof openStore>[2],
  test: (run: GatedRun) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const fs = new WriteGatedFs(new DenoFileSystem());
  const store = openStore(fs, dir, options);
  await store.start();
  let halted = false;
  const reopened: MessageStore[] = [];
  const kill = async () => {
    fs.kill();
    await store.halt();
    halted = true;
  };
  try {
    await test({
      fs,
      store,
      kill,
      async reopen() {
        const after = openStore(new DenoFileSystem(), dir, { config: options?.config });
        await after.start();
        reopened.push(after);
        return after;
      },
    });
  } finally {
    for (const after of reopened) await after.shutdown();
    if (!halted) await kill();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ackAfterWrite: a pull never serves a record that is not in the file yet", async () => {
  await gatedRun({}, async ({ fs, store, kill, reopen }) => {
    assert.equal((await store.putMessage(makeMessage({ bodyText: "m0" }))).status, "PUT_OK");

    fs.close();
    const put1 = store.putMessage(makeMessage({ bodyText: "m1" })); // the writer starts on m1
    await fs.writeHeld();
    // A consumer at the tail pulls: the gate waits for m1 to be written.
    const pull = store.getMessage("G", "TopicTest", 0, 1, 32);
    // Meanwhile another producer's m2 is appended and dispatched (its SEND_OK waits, rightly).
    const put2 = store.putMessage(makeMessage({ bodyText: "m2" }));
    await store.waitDispatched();
    // The disk finishes m1's write; m2's write is held again before it reaches the file.
    fs.release();
    assert.equal((await put1).status, "PUT_OK");
    fs.close();
    let served: string[] = []; // what the consumer got before the kill
    const answered = pull.then((got) => {
      if (got !== null) served = got.messages.map(text);
    });
    await fs.writeHeld(); // the writer has started on m2; it is not in the file

    await kill(); // kill -9 now: m2 never reaches the file.
    await answered;
    await put2; // (its answer would never leave a killed process)

    const inQueue = (await reopen()).getMaxOffsetInQueue("TopicTest", 0);
    // The consumer, served `served`, commits offset 1 + served.length; the restarted broker
    // holds only `inQueue` messages, so the next message sent takes an offset it skips.
    assert.ok(
      1 + served.length <= inQueue,
      `the pull served ${JSON.stringify(served)}, but after a kill the queue holds ` +
        `${inQueue} messages: the consumer moved past an offset the next message will take`,
    );
  });
});

Deno.test("ackAfterWrite: a pull is not held by the write of another queue's record", async () => {
  await gatedRun({}, async ({ fs, store }) => {
    const put = (topic: string, text: string) =>
      store.putMessage(makeMessage({ topic, bodyText: text }));
    assert.equal((await put("TopicA", "a0")).status, "PUT_OK"); // in the file
    fs.close(); // the disk is slow to take the next write
    const other = put("TopicB", "b0");
    await fs.writeHeld();
    // Within a bound, or never: before, every pull waited for the writer's pass.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const held = new Promise<"held">((resolve) => timer = setTimeout(() => resolve("held"), 2000));
    try {
      const backlog = await Promise.race([store.getMessage("G", "TopicA", 0, 0, 32), held]);
      if (backlog === "held") assert.fail("a pull of TopicA's backlog waited for TopicB's write");
      assert.deepEqual(backlog?.messages.map(text), ["a0"]);
      const tail = await Promise.race([store.getMessage("G", "TopicA", 0, 1, 32), held]);
      assert.equal(
        tail === "held" ? tail : tail?.status,
        "OFFSET_OVERFLOW_ONE",
        "parked, not held",
      );
    } finally {
      clearTimeout(timer);
      fs.release();
      await other;
    }
  });
});

Deno.test("ackAfterWrite: after a write failure a pull does not serve the record that never reached the file", async () => {
  const errors: Error[] = [];
  await gatedRun(
    { onError: (error) => errors.push(error) },
    async ({ fs, store, kill, reopen }) => {
      assert.equal((await store.putMessage(makeMessage({ bodyText: "m0" }))).status, "PUT_OK");
      fs.failing = true;
      const put1 = await store.putMessage(makeMessage({ bodyText: "m1" }));
      assert.equal(put1.status, "UNKNOWN_ERROR", "the producer is told m1 was not stored");
      assert.equal(errors.length, 1);
      await store.waitDispatched();
      const got = await store.getMessage("G", "TopicTest", 0, 1, 32);
      const served = got === null ? [] : got.messages.map(text);
      await kill(); // the operator restarts the failed broker
      const inQueue = (await reopen()).getMaxOffsetInQueue("TopicTest", 0);
      assert.ok(
        1 + served.length <= inQueue,
        `the pull served ${JSON.stringify(served)} (whose producer got UNKNOWN_ERROR and will ` +
          `resend it), but after the restart the queue holds ${inQueue} messages`,
      );
    },
  );
});

Deno.test("ackAfterWrite: after a write failure a pull at the unwritten record is refused, not answered retry-at-once", async () => {
  await gatedRun({ onError: () => {} }, async ({ fs, store }) => {
    assert.equal((await store.putMessage(makeMessage({ bodyText: "m0" }))).status, "PUT_OK");
    fs.failing = true;
    assert.equal((await store.putMessage(makeMessage({ bodyText: "m1" }))).status, "UNKNOWN_ERROR");
    await store.waitDispatched();
    // What was written is still served.
    const first = await store.getMessage("G", "TopicTest", 0, 0, 32);
    assert.deepEqual(first?.messages.map(text), ["m0"]);
    assert.equal(first?.nextBeginOffset, 1);
    // m1 will never be in the file. NO_MATCHED_MESSAGE at the same offset is PULL_RETRY_IMMEDIATELY,
    // which a consumer re-pulls at once, forever; null is SYSTEM_ERROR, which it backs off from.
    const second = await store.getMessage("G", "TopicTest", 0, 1, 32);
    assert.equal(
      second,
      null,
      `a pull at m1 answered ${second?.status} with nextBeginOffset ${second?.nextBeginOffset}`,
    );
    // A consumer at the queue's end is parked as before.
    assert.equal(
      (await store.getMessage("G", "TopicTest", 0, 2, 32))?.status,
      "OFFSET_OVERFLOW_ONE",
    );
  });
});

Deno.test("ackAfterWrite: the max offset, the offset by time and a corrected pull offset count only what is in the file", async () => {
  await gatedRun({}, async ({ fs, store, kill, reopen }) => {
    assert.equal((await store.putMessage(makeMessage({ bodyText: "m0" }))).status, "PUT_OK");
    fs.close(); // the disk is slow to take the next write
    const put1 = store.putMessage(makeMessage({ bodyText: "m1" })); // no answer yet
    await fs.writeHeld();
    await store.waitDispatched();
    // What a consumer starting at the end is told (GET_MAX_OFFSET for CONSUME_FROM_LAST_OFFSET,
    // seekToEnd, skipAccumulatedMessage; SEARCH_OFFSET_BY_TIMESTAMP "now"): m0 only.
    const max = store.getMaxOffsetInQueue("TopicTest", 0);
    const byTime = await store.getOffsetInQueueByTime("TopicTest", 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual({ max, byTime }, { max: 1, byTime: 1 }, "m1 is not in the file yet");
    assert.equal(store.getMaxOffsetInQueue("TopicTest", 0, false), 2, "not committed: m1 counts");
    // m1 reaches the file; m2 is appended, and its write waits.
    fs.release();
    assert.equal((await put1).status, "PUT_OK");
    fs.close();
    const put2 = store.putMessage(makeMessage({ bodyText: "m2" }));
    await fs.writeHeld();
    await store.waitDispatched();
    // A pull past the end (queue max 3) is moved to the end of what is in the file.
    const corrected = (await store.getMessage("G", "TopicTest", 0, 5, 32))?.nextBeginOffset;
    await kill(); // kill -9: m2 never reaches the file; its producer never got SEND_OK
    await put2;
    const m3 = await (await reopen()).putMessage(makeMessage({ bodyText: "m3" })); // SEND_OK
    // The pull moved its consumer to m2's offset, where m3 now is; past it, m3 is skipped.
    assert.equal(m3.appendMessageResult!.logicsOffset, 2);
    assert.equal(corrected, 2, `a pull past the end was moved to ${corrected}`);
  });
});

Deno.test("ackAfterWrite: the committed max offset holds when the unwritten tail spans a consume-queue file let go from memory", async () => {
  // 4 units a consume-queue file: a full, flushed file drops its units from memory.
  const config = { mappedFileSizeConsumeQueue: 4 * 20 };
  await gatedRun({ config }, async ({ fs, store, kill, reopen }) => {
    assert.equal((await store.putMessage(makeMessage({ bodyText: "m0" }))).status, "PUT_OK");
    fs.close(); // the disk is slow to take the next writes
    const puts = [1, 2, 3, 4, 5].map((i) => store.putMessage(makeMessage({ bodyText: `m${i}` })));
    await fs.writeHeld();
    await store.waitDispatched();
    await store.flushLogics(true); // the consume queues' periodic flush
    const max = store.getMaxOffsetInQueue("TopicTest", 0);
    const byTime = await store.getOffsetInQueueByTime("TopicTest", 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual({ max, byTime }, { max: 1, byTime: 1 }, "only m0 is in the file");
    await kill(); // kill -9: m1..m5 never reach the file
    await Promise.allSettled(puts);
    assert.equal((await reopen()).getMaxOffsetInQueue("TopicTest", 0), 1);
  });
});

Deno.test("ackAfterWrite: SYNC_FLUSH's FLUSH_DISK_TIMEOUT is not answered for a message not in the file", async () => {
  const clock = new ManualClock();
  const config = { flushDiskType: "SYNC_FLUSH" as const, syncFlushTimeout: 5000 };
  await gatedRun({ clock, config }, async ({ fs, store, kill, reopen }) => {
    assert.equal((await store.putMessage(makeMessage({ bodyText: "m0" }))).status, "PUT_OK");
    fs.close(); // the disk stalls on the next write
    const put1 = store.putMessage(makeMessage({ bodyText: "m1" }));
    await fs.writeHeld();
    clock.advance(5001); // syncFlushTimeout passes
    // The timeout sweep (every SYNC_FLUSH_TIMEOUT_CHECK_MS) ends m1's wait for the sync; the put
    // time it records tells when.
    for (let turn = 0; store.storeStatsService.putMessageEntireTimeMax < 5000; turn++) {
      assert.ok(turn < 5000, "the timeout sweep ended m1's wait");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // What the producer has been told by the time of the kill (nothing, while m1 is unwritten).
    const status = await Promise.race([
      put1.then((result) => result.status),
      new Promise<string>((resolve) => setTimeout(() => resolve("no answer yet"), 0)),
    ]);
    await kill(); // kill -9: m1 never reaches the file
    await put1; // settled by the halt; a killed broker sends nothing
    const inQueue = (await reopen()).getMaxOffsetInQueue("TopicTest", 0);
    // FLUSH_DISK_TIMEOUT tells a RocketMQ client the message is stored (page cache), only
    // not synced; the Java producer does not resend it by default.
    assert.ok(
      status !== "FLUSH_DISK_TIMEOUT" || inQueue === 2,
      `answered ${status} for m1, yet after a kill -9 the queue holds ${inQueue} message(s)`,
    );
  });
});

/**
 * The store when the disk fails part-way (real temp files, or the memory adapter where a power
 * loss is simulated; a wrapper fails chosen calls with an EIO): the process survives, a failed
 * step is retried rather than forgotten, and the store starts again afterwards with everything
 * it acknowledged.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import type { FileSystem } from "./file_system.ts";
import { decodeRecord } from "./message_record.ts";
import { MessageStore } from "./message_store.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";
import { FaultyFileSystem } from "./_test_faulty_fs.ts";
import { makeMessage, TEST_STORE_HOST } from "./_test_messages.ts";

function openStore(
  fs: FileSystem,
  clock: ManualClock,
  config: Partial<MessageStoreConfigInput> & { storePathRootDir: string },
): MessageStore {
  return new MessageStore({
    fs,
    clock,
    storeHost: TEST_STORE_HOST,
    ackAfterWrite: true, // as the broker runs it
    onError: () => {},
    config: { mappedFileSizeCommitLog: 4096, ...config },
  });
}

const body = (record: Uint8Array) => new TextDecoder().decode(decodeRecord(record).body);

Deno.test("a disk that fails during a burst rolling the commit log leaves no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (event: PromiseRejectionEvent) => {
    unhandled.push(event.reason);
    event.preventDefault(); // Deno's default ends the process: the broker would die
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  const dir = await Deno.makeTempDir();
  const fs = new FaultyFileSystem(new DenoFileSystem());
  const store = openStore(fs, new ManualClock(), { storePathRootDir: dir });
  await store.start();
  try {
    fs.failing = () => true; // the volume went read-only
    // One burst, appended before the writer runs, spans three segments.
    const results = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) => store.putMessage(makeMessage({ bodyText: `m${i}-${"x".repeat(200)}` })),
      ),
    );
    assert.ok(results.every((result) => result.status !== "PUT_OK"), "nothing acknowledged");
    assert.ok(
      fs.failed.some((call) => call.startsWith("create ") && call.includes("/commitlog/")),
      `the burst rolled to a new segment file, which could not be created: ${fs.failed}`,
    );
    // Unhandled rejections are reported at the end of an event-loop turn.
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    await store.halt();
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed folder sync of a new consume-queue file is retried before the checkpoint passes it", async () => {
  const memory = new MemoryFileSystem();
  const fs = new FaultyFileSystem(memory);
  const clock = new ManualClock(1_700_000_000_000);
  // SYNC_FLUSH: PUT_OK means synced, so a power loss must keep every acknowledged message.
  const config = {
    storePathRootDir: "/store",
    flushDiskType: "SYNC_FLUSH" as const,
    mappedFileSizeConsumeQueue: 20 * 10,
  };
  const store = openStore(fs, clock, config);
  await store.start();
  const put = async (queueId: number, text: string) => {
    assert.equal(
      (await store.putMessage(makeMessage({ queueId, bodyText: text }))).status,
      "PUT_OK",
    );
  };
  for (let i = 0; i < 15; i++) await put(0, `q0-${i}`); // queue 0: file 0 full, file 200 begun
  await store.waitDispatched();
  // The folder sync after creating queue 0's second file fails once.
  const queueDir = "/store/consumequeue/TopicTest/0";
  let syncs = 0;
  fs.failing = (call) => call === `syncDir ${queueDir}` && ++syncs === 2;
  await assert.rejects(store.flushLogics(true), /EIO/);
  await store.flushLogics(true); // the next round succeeds and writes the checkpoint
  assert.ok(syncs >= 3, `the folder sync was retried (${syncs} calls)`);
  // Traffic on another queue moves the log and the checkpoint on.
  for (const step of [10_000, 20_000]) {
    clock.set(1_700_000_000_000 + step);
    for (let i = 0; i < 40; i++) await put(1, `q1-${step}-${i}-${"z".repeat(100)}`);
    await store.waitDispatched();
    await store.flushLogics(true);
  }
  await store.halt();
  memory.crash({ entries: true }); // power loss: folder entries never synced are gone

  const again = openStore(memory, clock, config);
  await again.start();
  try {
    await again.waitDispatched();
    assert.equal(again.getMaxOffsetInQueue("TopicTest", 0), 15, "queue 0 kept its 15 messages");
    const got = await again.getMessage("G", "TopicTest", 0, 14, 1);
    assert.equal(body(got!.messages[0]), "q0-14");
  } finally {
    await again.shutdown();
  }
});

for (const folder of ["commitlog", "consumequeue/TopicTest/0", "index"]) {
  Deno.test(`a ${folder} file retention failed to remove is removed by the next pass, and the store starts again`, async () => {
    const dir = await Deno.makeTempDir();
    const at = (day: number, hour: number) => new Date(2024, 0, day, hour, 30).getTime();
    const clock = new ManualClock(at(2, 10));
    const fs = new FaultyFileSystem(new DenoFileSystem());
    const config = {
      storePathRootDir: dir,
      fileReservedTime: 1,
      deleteWhen: "04",
      mappedFileSizeConsumeQueue: 20 * 10,
      maxHashSlotNum: 16,
      maxIndexNum: 8,
    };
    const store = openStore(fs, clock, config);
    await store.start();
    let stopped = false;
    try {
      for (let i = 0; i < 80; i++) {
        clock.advance(1);
        const message = makeMessage({ bodyText: `m${i}-${"x".repeat(200)}` });
        assert.equal((await store.putMessage(message)).status, "PUT_OK");
      }
      await store.flush();
      const files = await new DenoFileSystem().list(`${dir}/${folder}`);
      assert.ok(files.length >= 4, `${files.length} files`);
      const oldest = `${dir}/${folder}/${files.sort()[0]}`;
      // Every commit-log file but the newest has expired, at deleteWhen's hour; removing the
      // oldest file fails once (EIO, EBUSY).
      clock.set(at(3, 4));
      let failures = 0;
      fs.failing = (call) => call === `remove ${oldest}` && failures++ === 0;
      await assert.rejects(store.runCleanOnce(), /EIO/);
      if (folder === "commitlog") {
        assert.equal(store.getCommitLogMinOffset(), 0, "the file is still there: so is its data");
      }
      await store.runCleanOnce(); // the next pass (10 s later in a broker)
      assert.equal(await new DenoFileSystem().stat(oldest), null, "removed on the retry");
      const min = store.getMinOffsetInQueue("TopicTest", 0);
      await store.shutdown();
      stopped = true;
      const again = openStore(new DenoFileSystem(), clock, config);
      await again.start(); // a file left behind later ones removed would be a gap it refuses
      try {
        assert.equal(again.getMinOffsetInQueue("TopicTest", 0), min);
        const got = await again.getMessage("G", "TopicTest", 0, 79, 1);
        assert.match(body(got!.messages[0]), /^m79-/);
      } finally {
        await again.shutdown();
      }
    } finally {
      if (!stopped) await store.halt();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** `count` messages with keys `key-0`… at 1 s apart (12: with 7 entries a file, the index rolls once). */
async function putKeyed(store: MessageStore, clock: ManualClock, count = 12): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    clock.advance(1000);
    times.push(clock.now());
    const message = makeMessage({ bodyText: `m${i}`, properties: { KEYS: `key-${i}` } });
    assert.equal((await store.putMessage(message)).status, "PUT_OK");
  }
  await store.waitDispatched();
  return times;
}

/** @returns the keys a query cannot find: from 0, and from the message's time (Java's viewMessage) */
async function missingKeys(store: MessageStore, times: number[]): Promise<string[]> {
  const missing: string[] = [];
  for (const [i, time] of times.entries()) {
    for (const beginMs of [0, time - 1000]) {
      const found = await store.queryMessage("TopicTest", `key-${i}`, 32, beginMs, 2 ** 53);
      if (found.messages.length === 0) {
        missing.push(`key-${i} from ${beginMs === 0 ? 0 : "its time"}`);
      }
    }
  }
  return missing;
}

/** @returns {@linkcode missingKeys} of the index store in `dir`, restarted on a healthy disk */
async function missingKeysAfterRestart(
  dir: string,
  clock: ManualClock,
  times: number[],
): Promise<string[]> {
  const again = openStore(new DenoFileSystem(), clock, indexConfig(dir));
  await again.start();
  try {
    return await missingKeys(again, times);
  } finally {
    await again.shutdown();
  }
}

const indexConfig = (dir: string) => ({
  storePathRootDir: dir,
  maxHashSlotNum: 16,
  maxIndexNum: 8,
});

for (
  const [op, removalFails] of [
    ["create", false],
    ["truncate", false],
    ["write", false],
    ["sync", false],
    ["truncate", true],
    ["write", true],
  ] as const
) {
  Deno.test(`a failed ${op} of the next index file${removalFails ? ", and of its removal," : ""} is retried: every key stays findable`, async () => {
    const dir = await Deno.makeTempDir();
    const clock = new ManualClock(Date.UTC(2024, 0, 2));
    const fs = new FaultyFileSystem(new DenoFileSystem());
    const store = openStore(fs, clock, indexConfig(dir));
    await store.start();
    let stopped = false;
    try {
      const first = `${dir}/index/`;
      let failures = 0;
      let next = "";
      fs.failing = (call) => {
        const path = call.slice(call.indexOf(" ") + 1);
        if (!path.startsWith(first) || store.indexService.fileNames.length !== 1) return false;
        if (call.startsWith(`${op} `) && path !== `${first}${store.indexService.fileNames[0]}`) {
          next ||= path;
          if (failures++ > 0) return false;
          clock.advance(1500); // the retry comes later: its file gets another name
          return true;
        }
        return removalFails && call === `remove ${next}`;
      };
      const times = await putKeyed(store, clock);
      assert.equal(failures > 0, true, "the fault was hit");
      assert.deepEqual(await missingKeys(store, times), []);
      await store.shutdown();
      stopped = true;
      // A half-made file of size 0 stopped the restart.
      assert.deepEqual(await missingKeysAfterRestart(dir, clock, times), [], "after a restart");
    } finally {
      if (!stopped) await store.halt();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("an index that cannot create its next file refuses puts, as RocketMQ marks the index broken", async () => {
  const dir = await Deno.makeTempDir();
  const clock = new ManualClock(Date.UTC(2024, 0, 2));
  const fs = new FaultyFileSystem(new DenoFileSystem());
  const store = openStore(fs, clock, indexConfig(dir));
  await store.start();
  let stopped = false;
  try {
    fs.failing = (call) =>
      call.startsWith(`create ${dir}/index/`) && store.indexService.fileNames.length === 1;
    const times = await putKeyed(store, clock, 8); // INDEX_FILE_CREATE_TRIES tries, a pause between
    assert.equal(fs.failed.length, 3, `tries: ${fs.failed}`);
    const refused = await store.putMessage(makeMessage({ bodyText: "m8" }));
    assert.equal(refused.status, "SERVICE_NOT_AVAILABLE");
    assert.match(refused.remark ?? "", /message index is broken.*EIO/);
    // The operator restarts the store once the disk is healthy: the keys the broken index
    // skipped, of messages that got PUT_OK, are indexed again.
    fs.failing = () => false;
    await store.shutdown();
    stopped = true;
    assert.deepEqual(await missingKeysAfterRestart(dir, clock, times), []);
  } finally {
    if (!stopped) await store.halt();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention, then a crash: every acknowledged message stays at its queue offset", async () => {
  const dir = await Deno.makeTempDir();
  const at = (day: number, hour: number) => new Date(2024, 0, day, hour, 30).getTime();
  const clock = new ManualClock(at(2, 10));
  // SYNC_FLUSH: each PUT_OK is synced, so the log's older files may go at once.
  const config = {
    storePathRootDir: dir,
    fileReservedTime: 1,
    deleteWhen: "04",
    flushDiskType: "SYNC_FLUSH" as const,
  };
  const store = openStore(new DenoFileSystem(), clock, config);
  await store.start();
  let halted = false;
  try {
    const acked: string[] = [];
    const put = async () => {
      const text = `m${acked.length}-${"x".repeat(200)}`;
      const result = await store.putMessage(makeMessage({ bodyText: text }));
      assert.equal(result.appendMessageResult?.logicsOffset, acked.length);
      acked.push(text);
    };
    for (let i = 0; i < 5; i++) await put();
    await store.flushLogics(true); // the queue's first units reach its file...
    // ...the next ones wait in memory for a later round (fewer than its least pages).
    while (store.commitLog.segments.length < 3) await put();
    clock.set(at(3, 4)); // every commit-log file but the newest expired, at deleteWhen's hour
    assert.ok((await store.runCleanOnce()).deletedSegments >= 1);
    await store.halt(); // a crash: what the consume queue held in memory is gone
    halted = true;
    const again = openStore(new DenoFileSystem(), clock, config);
    await again.start();
    try {
      const min = again.getMinOffsetInQueue("TopicTest", 0);
      assert.equal(again.getMaxOffsetInQueue("TopicTest", 0), acked.length);
      for (let offset = min; offset < acked.length; offset++) {
        const got = await again.getMessage("G", "TopicTest", 0, offset, 1);
        const served = got?.messages[0] === undefined ? got?.status : body(got.messages[0]);
        assert.equal(served, acked[offset], `offset ${offset}`);
      }
    } finally {
      await again.shutdown();
    }
  } finally {
    if (!halted) await store.halt();
    await Deno.remove(dir, { recursive: true });
  }
});

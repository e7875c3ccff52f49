import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { ALL, atEveryStep, newIndex, record, T0 } from "./_test_index.ts";
import { CrashingFileSystem, SimulatedCrash } from "./_test_crash_fs.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import fc from "fast-check";
import { IndexFileError, indexKeyHash } from "./index_file.ts";
import { javaStringHash } from "./message_properties.ts";
import { IndexService } from "./index_service.ts";
import { formatFileTime, indexKeys, pushIndexKeyHashes } from "./index_keys.ts";
import { joinPath } from "./store_paths.ts";

async function put(index: IndexService, request: DispatchRequest): Promise<void> {
  await index.dispatch(request);
}

Deno.test("indexKeyHash is abs(String.hashCode) with MIN_VALUE as 0", () => {
  assert.equal(indexKeyHash("TagA"), 2598919);
  assert.equal(indexKeyHash("Aa"), indexKeyHash("BB"));
  assert.equal(indexKeyHash("polygenelubricants"), 0, "hashCode is Integer.MIN_VALUE");
  assert.equal(indexKeyHash("a"), 97);
});

Deno.test("formatFileTime writes yyyyMMddHHmmssSSS in local time", () => {
  assert.equal(formatFileTime(T0), "20240102030405006");
});

forEachAdapter(
  "IndexService finds records by UNIQ_KEY and each KEYS value",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const index = newIndex(fs, dir, clock);
    await index.load();
    await put(index, record(0, { keys: "order-1 order-2", uniqKey: "U0" }));
    await put(index, record(100, { keys: "order-2" }));
    await put(index, record(200, { keys: "order-3", sysFlag: 0xc })); // ROLLBACK: not indexed
    await put(index, record(300, { keys: "order-3", sysFlag: 0x4 })); // PREPARED: indexed
    const query = (key: string) => index.queryOffsets("TopicTest", key, 32, ...ALL);
    assert.deepEqual((await query("order-1")).phyOffsets, [0]);
    assert.deepEqual((await query("order-2")).phyOffsets, [100, 0], "newest first");
    assert.deepEqual((await query("U0")).phyOffsets, [0]);
    assert.deepEqual((await query("order-3")).phyOffsets, [300]);
    assert.deepEqual((await index.queryOffsets("Other", "order-1", 32, ...ALL)).phyOffsets, []);
    const result = await query("missing");
    assert.deepEqual(result.phyOffsets, []);
    assert.equal(result.indexLastUpdatePhyoffset, 300);
    assert.equal(result.indexLastUpdateTimestamp, T0 + 300);
    assert.deepEqual(index.fileNames, ["20240102030405006"]);
    await index.close();

    const again = newIndex(fs, dir, clock);
    await again.load();
    assert.deepEqual((await again.queryOffsets("TopicTest", "order-2", 32, ...ALL)).phyOffsets, [
      100,
      0,
    ]);
    await put(again, record(100, { keys: "order-2" })); // re-dispatch after recovery: skipped
    await put(again, record(400, { keys: "order-2" }));
    assert.deepEqual((await again.queryOffsets("TopicTest", "order-2", 32, ...ALL)).phyOffsets, [
      400,
      100,
      0,
    ]);
    await again.close();
  },
);

forEachAdapter("IndexFile writes RocketMQ's exact layout", async ({ fs, dir, clock }) => {
  clock.set(T0);
  const index = newIndex(fs, dir, clock, { maxHashSlotNum: 4, maxIndexNum: 8 });
  await index.load();
  await put(index, record(1000, { keys: "k", storeTimestamp: T0 }));
  await put(index, record(2000, { keys: "k", storeTimestamp: T0 + 5_999 }));
  await index.flush();
  const handle = await fs.open(joinPath(dir, "index", "20240102030405006"));
  const bytes = new Uint8Array(40 + 4 * 4 + 8 * 20);
  assert.equal(await handle.size(), bytes.length, "created full size");
  await handle.readAt(bytes, 0);
  handle.close();
  const view = new DataView(bytes.buffer);
  assert.equal(view.getBigInt64(0), BigInt(T0), "beginTimestamp");
  assert.equal(view.getBigInt64(8), BigInt(T0 + 5_999), "endTimestamp");
  assert.equal(view.getBigInt64(16), 1000n, "beginPhyOffset");
  assert.equal(view.getBigInt64(24), 2000n, "endPhyOffset");
  assert.equal(view.getInt32(32), 1, "hashSlotCount");
  assert.equal(view.getInt32(36), 3, "indexCount starts at 1");
  const hash = indexKeyHash("TopicTest#k");
  assert.equal(view.getInt32(40 + (hash % 4) * 4), 2, "slot points at the newest entry");
  const entry = (i: number) => 40 + 16 + i * 20;
  assert.deepEqual(bytes.subarray(entry(0), entry(1)), new Uint8Array(20), "entry 0 unused");
  assert.equal(view.getInt32(entry(1)), hash);
  assert.equal(view.getBigInt64(entry(1) + 4), 1000n);
  assert.equal(view.getInt32(entry(1) + 12), 0, "time diff of the first entry");
  assert.equal(view.getInt32(entry(1) + 16), 0, "end of chain");
  assert.equal(view.getInt32(entry(2) + 12), 5, "seconds since beginTimestamp, truncated");
  assert.equal(view.getInt32(entry(2) + 16), 1, "link to the previous entry");
  await index.close();
});

forEachAdapter(
  "IndexService returns hash collisions and skips other hashes in a slot",
  async ({ fs, dir, clock }) => {
    const index = newIndex(fs, dir, clock, { maxHashSlotNum: 1 });
    await index.load();
    await put(index, record(0, { keys: "Aa" }));
    await put(index, record(100, { keys: "BB" }));
    await put(index, record(200, { keys: "other" }));
    await put(index, record(300, { keys: "Aa" }));
    assert.deepEqual((await index.queryOffsets("TopicTest", "Aa", 32, ...ALL)).phyOffsets, [
      300,
      100,
      0,
    ]);
    assert.deepEqual((await index.queryOffsets("TopicTest", "other", 32, ...ALL)).phyOffsets, [
      200,
    ]);
    await index.close();
  },
);

forEachAdapter("IndexService honours the time range and maxNum", async ({ fs, dir, clock }) => {
  const index = newIndex(fs, dir, clock, { maxIndexNum: 200 });
  await index.load();
  for (let i = 0; i < 100; i++) {
    await put(index, record(i * 100, { keys: "k", storeTimestamp: T0 + i * 1000 }));
  }
  const query = (maxNum: number, beginMs: number, endMs: number) =>
    index.queryOffsets("TopicTest", "k", maxNum, beginMs, endMs);
  assert.deepEqual((await query(32, T0 + 10_000, T0 + 12_000)).phyOffsets, [1200, 1100, 1000]);
  assert.deepEqual((await query(2, T0, T0 + 99_000)).phyOffsets, [9900, 9800]);
  assert.equal((await query(1000, ...ALL)).phyOffsets.length, 64, "capped at maxMsgsNumBatch");
  assert.deepEqual((await query(32, T0 + 200_000, T0 + 300_000)).phyOffsets, []);
  await index.close();
});

forEachAdapter(
  "IndexService rolls to a new file when a record's keys do not fit",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const index = newIndex(fs, dir, clock, { maxIndexNum: 4 });
    await index.load();
    for (let i = 0; i < 10; i++) {
      // two keys per record, 3 entries per file: a record's keys never straddle two files
      await put(
        index,
        record(i * 100, { keys: "k", uniqKey: `U${i}`, storeTimestamp: T0 + i * 1000 }),
      );
    }
    assert.equal(index.fileNames.length, 10, "one two-key record per 3-entry file");
    assert.deepEqual(index.fileNames, [...index.fileNames].sort());
    assert.equal(new Set(index.fileNames).size, 10, "names are unique");
    const found = await index.queryOffsets("TopicTest", "k", 32, ...ALL);
    assert.deepEqual(found.phyOffsets, [900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    assert.deepEqual((await index.queryOffsets("TopicTest", "U4", 32, ...ALL)).phyOffsets, [400]);
    const ranged = await index.queryOffsets("TopicTest", "k", 32, T0 + 3000, T0 + 5000);
    assert.deepEqual(ranged.phyOffsets, [500, 400, 300]);
    await index.close();
    const again = newIndex(fs, dir, clock, { maxIndexNum: 4 });
    await again.load();
    assert.deepEqual(
      (await again.queryOffsets("TopicTest", "k", 32, ...ALL)).phyOffsets,
      found.phyOffsets,
    );
    await again.close();
  },
);

forEachAdapter(
  "IndexService deletes files below the commit log's min offset",
  async ({ fs, dir, clock }) => {
    const index = newIndex(fs, dir, clock, { maxIndexNum: 4 });
    await index.load();
    for (let i = 0; i < 9; i++) await put(index, record(i * 100, { keys: "k" }));
    assert.deepEqual(index.fileNames.length, 3);
    assert.equal(await index.deleteExpiredFiles(250), 1, "file ending at 200 goes");
    assert.equal(await index.deleteExpiredFiles(1_000_000), 1, "never the newest");
    assert.equal((await fs.list(joinPath(dir, "index"))).length, 1);
    assert.deepEqual((await index.queryOffsets("TopicTest", "k", 32, ...ALL)).phyOffsets, [
      800,
      700,
      600,
    ]);
    await index.close();
  },
);

forEachAdapter(
  "IndexService repairs a slot that points past the header count",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const index = newIndex(fs, dir, clock, { maxHashSlotNum: 2, maxIndexNum: 16 });
    await index.load();
    await put(index, record(0, { keys: "k" }));
    await put(index, record(100, { keys: "k" }));
    await index.close();
    // A crash after the slot write but before the header: entry 3 exists, the slot points at it,
    // the header still counts 3 (entries 1 and 2).
    const path = joinPath(dir, "index", "20240102030405006");
    const slot = indexKeyHash("TopicTest#k") % 2;
    const handle = await fs.open(path);
    const entry = new DataView(new ArrayBuffer(20));
    entry.setInt32(0, indexKeyHash("TopicTest#k"));
    entry.setBigInt64(4, 200n);
    entry.setInt32(16, 2);
    await handle.writeAt(new Uint8Array(entry.buffer), 40 + 2 * 4 + 3 * 20);
    const pointer = new DataView(new ArrayBuffer(4));
    pointer.setInt32(0, 3);
    await handle.writeAt(new Uint8Array(pointer.buffer), 40 + slot * 4);
    await handle.sync();
    handle.close();
    const again = newIndex(fs, dir, clock, { maxHashSlotNum: 2, maxIndexNum: 16 });
    await again.load();
    assert.deepEqual((await again.queryOffsets("TopicTest", "k", 32, ...ALL)).phyOffsets, [100, 0]);
    await put(again, record(300, { keys: "k" }));
    assert.deepEqual((await again.queryOffsets("TopicTest", "k", 32, ...ALL)).phyOffsets, [
      300,
      100,
      0,
    ]);
    await again.close();
  },
);

forEachAdapter(
  "IndexService keeps a consistent file when a flush stops at any step",
  async (ctx) => {
    const { fs, clock } = ctx;
    clock.set(T0);
    await atEveryStep(ctx, "the flush", async (crashing, runDir, arm) => {
      const index = newIndex(crashing, runDir, clock);
      await index.load();
      for (let i = 0; i < 5; i++) await put(index, record(i * 100, { keys: "k" }));
      await index.flush();
      assert.equal(index.flushedTimestamp, T0 + 400);
      for (let i = 5; i < 8; i++) await put(index, record(i * 100, { keys: "k" }));
      arm();
      await index.flush();
    }, async (runDir, label, finished) => {
      const again = newIndex(fs, runDir, clock);
      await again.load();
      const found = (await again.queryOffsets("TopicTest", "k", 32, ...ALL)).phyOffsets;
      const before = [400, 300, 200, 100, 0];
      const after = [700, 600, 500, ...before];
      assert(
        JSON.stringify(found) === JSON.stringify(before) ||
          JSON.stringify(found) === JSON.stringify(after),
        `${label}: found ${found}`,
      );
      if (finished) assert.deepEqual(found, after);
      await again.close();
    });
  },
);

forEachAdapter(
  "IndexService flush yields to the event loop between batches of slot-page writes",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    // 976 pages of slots; 300 keys dirty ~270 separate pages, so ~270 page writes.
    const index = newIndex(fs, dir, clock, { maxHashSlotNum: 1_000_000, maxIndexNum: 4096 });
    await index.load();
    for (let i = 0; i < 300; i++) await put(index, record(i * 100, { uniqKey: `K${i * 7919}` }));
    let timerRan = false;
    const timer = setTimeout(() => (timerRan = true), 0);
    let timerRanBeforeFlushEnded = false;
    await index.flush().then(() => (timerRanBeforeFlushEnded = timerRan));
    clearTimeout(timer);
    assert.ok(timerRanBeforeFlushEnded, "a timer due during the flush waited for all its writes");
    assert.deepEqual(
      (await index.queryOffsets("TopicTest", "K7919", 32, ...ALL)).phyOffsets,
      [100],
      "the flushed index still answers",
    );
    await index.close();
  },
);

forEachAdapter(
  "IndexService counts what it holds unflushed and reports where re-dispatch must start",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const index = newIndex(fs, dir, clock);
    await index.load();
    assert.equal(index.recoveryOffset(), null, "no file, no constraint");
    for (let i = 0; i < 3; i++) await put(index, record(i * 100, { keys: "k" }));
    assert.equal(index.unflushedEntries, 3);
    assert.equal(index.unflushedSpanBytes, 200);
    assert.equal(index.awaitsFirstSync, true, "entries, none synced yet");
    // A crash now: the file exists with no entry on disk; re-dispatch must start at 0.
    const early = newIndex(fs, dir, clock);
    await early.load();
    assert.deepEqual(early.recoveryOffset(), { offset: 0, indexed: false });
    await early.close(false);
    await index.flush();
    assert.equal(index.awaitsFirstSync, false);
    assert.equal(index.unflushedEntries, 0);
    assert.equal(index.unflushedSpanBytes, 0);
    await put(index, record(300, { keys: "k" }));
    await index.close();
    const again = newIndex(fs, dir, clock);
    await again.load();
    assert.deepEqual(again.recoveryOffset(), { offset: 300, indexed: true }, "newest on disk");
    await again.close();
  },
);

forEachAdapter(
  "IndexService skips a re-dispatched record it already indexed, even the newest one",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const index = newIndex(fs, dir, clock);
    await index.load();
    await put(index, record(0, { keys: "k" })); // offset 0 in a fresh file is indexed
    await put(index, record(100, { keys: "k" }));
    await put(index, record(100, { keys: "k" })); // re-dispatch of the newest record
    await put(index, record(0, { keys: "k" }));
    assert.deepEqual((await index.queryOffsets("TopicTest", "k", 32, ...ALL)).phyOffsets, [100, 0]);
    await index.close();
  },
);

Deno.test("pushIndexKeyHashes hashes exactly the keys indexKeys lists", () => {
  const keyText = fc.array(
    fc.oneof(fc.constant(" "), fc.constant("  "), fc.string({ unit: "grapheme", maxLength: 6 })),
    { maxLength: 6 },
  ).map((parts) => parts.join(""));
  fc.assert(
    fc.property(
      fc.string({ maxLength: 12 }),
      keyText,
      fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
      (topic, keys, uniqKey) => {
        const expected = indexKeys({ topic, keys, uniqKey }).map(indexKeyHash);
        const out: number[] = [];
        const end = pushIndexKeyHashes(out, { keys, uniqKey }, javaStringHash(`${topic}#`, 0));
        assert.deepEqual(out, expected);
        assert.equal(end, expected.length);
        // Reused from slot 0: the front is overwritten, slots past the end stay as they were.
        const stale = [7, 7, 7, 7, 7, 7, 7, 7];
        const reused = pushIndexKeyHashes(
          stale,
          { keys, uniqKey },
          javaStringHash(`${topic}#`, 0),
          0,
        );
        assert.equal(reused, expected.length);
        assert.deepEqual(stale.slice(0, reused), expected);
        assert.ok(stale.slice(reused).every((slot) => slot === 7), "slots past the end untouched");
      },
    ),
    { seed: 20261124, numRuns: 500 },
  );
});

forEachAdapter(
  "IndexService loses no key when a crash stops it at any step of a roll to a new file",
  async ({ fs, dir, clock, memory }) => {
    clock.set(T0);
    let finished = false;
    for (let step = 0; !finished; step++) {
      assert(step < 60, "the puts end within 60 operations");
      const runDir = joinPath(dir, `run${step}`);
      const crashing = new CrashingFileSystem(fs);
      const index = newIndex(crashing, runDir, clock, { maxIndexNum: 4 }); // 3 entries a file
      await index.load();
      crashing.arm(step);
      try {
        for (let i = 0; i < 4; i++) await put(index, record(i * 100, { keys: "k" }));
        finished = true;
      } catch (error) {
        assert(error instanceof SimulatedCrash, `step ${step}: ${error}`);
      }
      memory!.crash();
      // Recovery: re-dispatch the log (records 0..300) from where the index says.
      const again = newIndex(fs, runDir, clock, { maxIndexNum: 4 });
      await again.load();
      const from = again.recoveryOffset();
      const start = from === null ? 0 : from.indexed ? from.offset + 100 : from.offset;
      for (let offset = start; offset <= 300; offset += 100) {
        await put(again, record(offset, { keys: "k" }));
      }
      const found = (await again.queryOffsets("TopicTest", "k", 32, ...ALL)).phyOffsets;
      assert.deepEqual(found, [300, 200, 100, 0], `step ${step}: from ${JSON.stringify(from)}`);
      await again.close();
    }
  },
  { only: ["memory"] },
);

forEachAdapter(
  "IndexService keeps the entries and slots added while a flush runs, flush after flush",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    // 4 slot pages, and one file for every entry: its unflushed entries grow past the first
    // buffer, and each flush runs while more arrive.
    const layout = { maxHashSlotNum: 4096, maxIndexNum: 10_000 };
    const index = newIndex(fs, dir, clock, layout);
    await index.load();
    const stored = new Map<string, number>();
    let offset = 0;
    const add = async (count: number) => {
      for (let i = 0; i < count; i++, offset += 100) {
        await put(index, record(offset, { keys: `key-${offset}` }));
        stored.set(`key-${offset}`, offset);
      }
    };
    const findsEvery = async (of: IndexService, where: string) => {
      for (const [key, at] of stored) {
        const found = (await of.queryOffsets("TopicTest", key, 4, ...ALL)).phyOffsets;
        assert.deepEqual(found, [at], `${key} ${where}`);
      }
    };
    for (let round = 0; round < 5; round++) {
      await add(300 + round * 200);
      const flushing = index.flush();
      await add(150); // after the flush took its snapshot, before it ends
      await flushing;
      // (the first of them may come before the flush takes its snapshot)
      assert.ok(index.unflushedEntries >= 149, `round ${round}: what came during the flush`);
      await findsEvery(index, `in memory after flush ${round}`);
    }
    await add(50);
    await index.close();
    const again = newIndex(fs, dir, clock, layout);
    await again.load();
    await findsEvery(again, "from disk");
    await again.close();
  },
);

forEachAdapter(
  "IndexService finds the first key of a new index file by a time range around its store time",
  async ({ fs, dir, clock }) => {
    const index = newIndex(fs, dir, clock); // 31 entries a file
    await index.load();
    for (let i = 0; i < 31; i++) await index.dispatch(record(i * 100, { keys: `k${i}` }));
    const storedAt = T0 + 60_000; // a minute after the previous file's last entry
    await index.dispatch(record(3100, { keys: "boundary", storeTimestamp: storedAt }));
    assert.equal(index.fileNames.length, 2, "the first entry of the second file");
    const found = await index.queryOffsets(
      "TopicTest",
      "boundary",
      32,
      storedAt - 1000,
      storedAt + 1000,
    );
    assert.deepEqual(found.phyOffsets, [3100]);
    await index.close();
  },
);

Deno.test("IndexService names a file rolled in the repeated daylight-saving hour after its predecessor", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_index_dst_" });
  try {
    const script = new URL("./_test_index_dst_scenario.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, dir],
      env: { TZ: "America/New_York" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(result.namesBefore[0], "20241103013000000", "01:30 EDT");
    assert.ok(result.namesBefore[1] > result.namesBefore[0], JSON.stringify(result.namesBefore));
    assert.deepEqual(result.namesAfter, result.namesBefore, "loaded in the same order");
    assert.deepEqual(result.before, [300]);
    assert.deepEqual(result.after, [300], "found after the restart too");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

forEachAdapter(
  "IndexService opens files written with another maxIndexNum or maxHashSlotNum and keeps indexing",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const written = newIndex(fs, dir, clock, { maxHashSlotNum: 8, maxIndexNum: 32 });
    await written.load();
    for (let i = 0; i < 11; i++) await put(written, record(i * 100, { keys: `k${i} all` }));
    await written.close();
    const offsets = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => (to - 1 - i) * 100);
    // maxIndexNum raised or lowered; maxHashSlotNum changed. 13 slots also fit the size (with 31
    // entries a file), and so do 3 (with 33): there the entries shift by one, and the entry read
    // as the newest is the newest record's other key, with the same offset.
    const layouts = [{ maxIndexNum: 64 }, { maxIndexNum: 16 }, { maxHashSlotNum: 16 }, {
      maxHashSlotNum: 13,
    }, { maxHashSlotNum: 3 }];
    for (const [run, layout] of layouts.entries()) {
      const label = JSON.stringify(layout);
      const runDir = joinPath(dir, `run${run}`);
      await fs.mkdir(joinPath(runDir, "index"));
      for (const name of written.fileNames) {
        const bytes = new Uint8Array((await fs.stat(joinPath(dir, "index", name)))!.size);
        const source = await fs.open(joinPath(dir, "index", name));
        await source.readAt(bytes, 0);
        source.close();
        const copy = await fs.open(joinPath(runDir, "index", name), { create: true });
        await copy.writeAt(bytes, 0);
        copy.close();
      }
      const index = newIndex(fs, runDir, clock, { maxHashSlotNum: 8, maxIndexNum: 32, ...layout });
      await index.load();
      const all = await index.queryOffsets("TopicTest", "all", 64, ...ALL);
      assert.deepEqual(all.phyOffsets, offsets(0, 11), `${label}: keys written before`);
      assert.deepEqual((await index.queryOffsets("TopicTest", "k3", 64, ...ALL)).phyOffsets, [300]);
      for (let i = 11; i < 40; i++) await put(index, record(i * 100, { keys: `k${i} all` }));
      assert.deepEqual(
        (await index.queryOffsets("TopicTest", "all", 64, ...ALL)).phyOffsets,
        offsets(0, 40),
        `${label}: keys written after`,
      );
      await index.close();
      const again = newIndex(fs, runDir, clock, { maxHashSlotNum: 8, maxIndexNum: 32, ...layout });
      await again.load();
      assert.deepEqual(
        (await again.queryOffsets("TopicTest", "all", 64, ...ALL)).phyOffsets,
        offsets(0, 40),
        `${label}: after a restart`,
      );
      assert.deepEqual((await again.queryOffsets("TopicTest", "k37", 64, ...ALL)).phyOffsets, [
        3700,
      ]);
      await again.close();
    }
    const changedBoth = newIndex(fs, dir, clock, { maxHashSlotNum: 16, maxIndexNum: 64 });
    await assert.rejects(changedBoth.load(), IndexFileError, "a size no layout change explains");
  },
);

forEachAdapter(
  "IndexService does not open a file of another slot count with a layout its entries only seem to fit",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const written = newIndex(fs, dir, clock, { maxHashSlotNum: 8, maxIndexNum: 32 });
    await written.load();
    // Two keys a record; 8 - 3 is a multiple of 5, so 3 slots also fit the size, with the entries
    // shifted by one. For these keys the newest shifted entry (the record's other key, same
    // offset) has a slot that points at the newest entry: the layout used to be taken.
    for (let i = 0; i < 4; i++) await put(written, record(i * 100, { keys: `a16_${i} b16_${i}` }));
    await written.close();
    const index = newIndex(fs, dir, clock, { maxHashSlotNum: 3, maxIndexNum: 32 });
    await index.load();
    for (let i = 0; i < 4; i++) {
      const found = await index.queryOffsets("TopicTest", `a16_${i}`, 64, ...ALL);
      assert.deepEqual(found.phyOffsets, [i * 100], `a16_${i}`);
    }
    await put(index, record(400, { keys: "a16_4 b16_4" }));
    await index.close();
    const again = newIndex(fs, dir, clock, { maxHashSlotNum: 3, maxIndexNum: 32 });
    await again.load();
    for (let i = 0; i < 5; i++) {
      const found = await again.queryOffsets("TopicTest", `b16_${i}`, 64, ...ALL);
      assert.deepEqual(found.phyOffsets, [i * 100], `b16_${i} after more entries and a restart`);
    }
    await again.close();
  },
);

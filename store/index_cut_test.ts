// The index cut at recovery (IndexService.truncateDirty, IndexFile.truncateFrom): edge layouts,
// empty newest files, crashes mid-cut, a model check against an index that never saw the dropped
// records, and the store's recovery. Index basics are in index_service_test.ts.

import assert from "node:assert/strict";
import fc from "fast-check";
import { ManualClock } from "../common/clock.ts";
import { type AdapterContext, forEachAdapter } from "./_test_adapters.ts";
import { ALL, atEveryStep, newIndex, record, T0 } from "./_test_index.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import { IndexService } from "./index_service.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import { joinPath } from "./store_paths.ts";

const HEADER_BYTES = 40;

async function offsetsOf(
  index: IndexService,
  key: string,
  begin: number = ALL[0],
  end: number = ALL[1],
) {
  return (await index.queryOffsets("TopicTest", key, 64, begin, end)).phyOffsets;
}

/** Header fields and the count of non-zero slots of one index file, as on disk. */
async function readFileState(fs: FileSystem, path: string, maxHashSlotNum: number) {
  const handle = await fs.open(path);
  try {
    const bytes = new Uint8Array(HEADER_BYTES + maxHashSlotNum * 4);
    await handle.readAt(bytes, 0);
    const view = new DataView(bytes.buffer);
    let usedSlots = 0;
    for (let slot = 0; slot < maxHashSlotNum; slot++) {
      if (view.getInt32(HEADER_BYTES + slot * 4) !== 0) usedSlots++;
    }
    return {
      endPhyOffset: Number(view.getBigInt64(24)),
      hashSlotCount: view.getInt32(32),
      indexCount: view.getInt32(36),
      usedSlots,
    };
  } finally {
    handle.close();
  }
}

// Empty newest files and the slot count after a crash.

forEachAdapter(
  "IndexService.truncateDirty drops a full file's entries behind an empty newest file that inherited end 0",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    // 3 entries a file: the record at 0 fills the first file; the record at 100 rolls to a
    // second file that inherits endPhyOffset 0 and never syncs its entry (power loss).
    const index = newIndex(fs, dir, clock, { maxIndexNum: 4 });
    await index.load();
    await index.dispatch(record(0, { keys: "a b c" }));
    await index.dispatch(record(100, { keys: "d" }));
    assert.equal(index.fileNames.length, 2);
    await index.close(false);

    // The commit log came back empty: every entry points past its end.
    const recovered = newIndex(fs, dir, clock, { maxIndexNum: 4 });
    await recovered.load();
    await recovered.truncateDirty(0);
    await recovered.dispatch(record(0, { keys: "fresh" }));
    assert.deepEqual(await offsetsOf(recovered, "fresh"), [0]);
    assert.deepEqual(
      await offsetsOf(recovered, "a"),
      [],
      "the lost record's key still names offset 0, which now holds another record",
    );
    await recovered.close();
  },
);

/**
 * Builds a full first file (records 0, 100, 200) and a second file holding nothing whose header
 * a crash left all zero: its size was extended (metadata) but the header write never reached
 * the disk, a state `IndexFile.open` reads as an empty file.
 */
async function fullFileThenZeroedEmptyFile(fs: FileSystem, dir: string, clock: ManualClock) {
  clock.set(T0);
  const index = newIndex(fs, dir, clock, { maxIndexNum: 4 });
  await index.load();
  for (let i = 0; i < 4; i++) await index.dispatch(record(i * 100, { keys: `k${i}` }));
  const [, second] = index.fileNames;
  assert.notEqual(second, undefined);
  await index.close(false);
  const handle = await fs.open(joinPath(joinPath(dir, "index"), second));
  await handle.writeAt(new Uint8Array(HEADER_BYTES), 0);
  await handle.sync();
  handle.close();
}

forEachAdapter(
  "IndexService.truncateDirty looks past an empty newest file whose header a crash zeroed",
  async ({ fs, dir, clock }) => {
    await fullFileThenZeroedEmptyFile(fs, dir, clock);
    // The log lost records 100 and on; new records take their offsets.
    const recovered = newIndex(fs, dir, clock, { maxIndexNum: 4 });
    await recovered.load();
    await recovered.truncateDirty(100);
    await recovered.dispatch(record(100, { keys: "n1" }));
    await recovered.dispatch(record(200, { keys: "n2" }));
    assert.deepEqual(await offsetsOf(recovered, "n1"), [100]);
    assert.deepEqual(await offsetsOf(recovered, "k0"), [0]);
    assert.deepEqual(await offsetsOf(recovered, "k1"), [], "k1's record was lost");
    assert.deepEqual(await offsetsOf(recovered, "k2"), [], "k2's record was lost");
    await recovered.close();
  },
);

forEachAdapter(
  "IndexService adds no duplicate when recovery re-dispatches below an empty newest file with a zeroed header",
  async ({ fs, dir, clock }) => {
    await fullFileThenZeroedEmptyFile(fs, dir, clock);
    // Nothing was lost from the log; the consume queues were behind, so re-dispatch starts at 0.
    const recovered = newIndex(fs, dir, clock, { maxIndexNum: 4 });
    await recovered.load();
    await recovered.truncateDirty(400);
    for (let i = 0; i < 4; i++) await recovered.dispatch(record(i * 100, { keys: `k${i}` }));
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await offsetsOf(recovered, `k${i}`), [i * 100], `k${i}`);
    }
    await recovered.close();
  },
);

/**
 * Indexes `records`, stops `truncateDirty(logEnd)` at every step (then drops unsynced writes),
 * runs the cut again, closes without a flush, and calls `check` on the newest file.
 */
async function cutAtEveryStep(
  ctx: AdapterContext,
  layout: { maxHashSlotNum: number; maxIndexNum: number },
  records: DispatchRequest[],
  logEnd: number,
  check: (runDir: string, file: string, label: string) => Promise<void>,
): Promise<void> {
  const { fs, clock } = ctx;
  clock.set(T0);
  await atEveryStep(ctx, "the cut", async (crashing, runDir, arm) => {
    const index = newIndex(fs, runDir, clock, layout);
    await index.load();
    for (const r of records) await index.dispatch(r);
    await index.close();
    const cutting = newIndex(crashing, runDir, clock, layout);
    await cutting.load();
    arm();
    await cutting.truncateDirty(logEnd);
  }, async (runDir, label) => {
    const rerun = newIndex(fs, runDir, clock, layout);
    await rerun.load();
    await rerun.truncateDirty(logEnd);
    await rerun.close(false); // the cut itself must have written what it changed
    await check(runDir, joinPath(joinPath(runDir, "index"), rerun.fileNames.at(-1)!), label);
  });
}

forEachAdapter(
  "IndexFile.truncateFrom keeps hashSlotCount equal to the slots in use after a crash between its slot and header writes",
  async (ctx) => {
    // 40 distinct keys on 8 slots: every slot in use; records 0..2 are kept.
    const records = Array.from({ length: 40 }, (_, i) => record(i * 100, { keys: `k${i}` }));
    await cutAtEveryStep(
      ctx,
      { maxHashSlotNum: 8, maxIndexNum: 64 },
      records,
      300,
      async (_runDir, file, label) => {
        const state = await readFileState(ctx.fs, file, 8);
        assert.equal(state.indexCount, 4, label);
        assert.equal(state.hashSlotCount, state.usedSlots, `${label}: hashSlotCount`);
      },
    );
  },
  { only: ["memory"] },
);

// Layouts, crashes at every step, time ranges, the model check and the store.

forEachAdapter(
  "IndexService.truncateDirty with one entry a file deletes exactly the files past the end",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const layout = { maxHashSlotNum: 1, maxIndexNum: 2 };
    const index = newIndex(fs, dir, clock, layout);
    await index.load();
    for (let i = 0; i < 6; i++) await index.dispatch(record(i * 100, { keys: `k${i}` }));
    await index.close();
    assert.equal(index.fileNames.length, 6);
    const recovered = newIndex(fs, dir, clock, layout);
    await recovered.load();
    // The log ends at 400: the record at 300 is whole, the one at 400 is lost.
    assert.deepEqual(await recovered.truncateDirty(400), { entries: 2, files: 2 });
    assert.deepEqual(recovered.recoveryOffset(), { offset: 300, indexed: true });
    await recovered.dispatch(record(300, { keys: "again" })); // already indexed: skipped
    await recovered.dispatch(record(400, { keys: "n4" }));
    assert.deepEqual(await offsetsOf(recovered, "again"), []);
    assert.deepEqual(await offsetsOf(recovered, "n4"), [400]);
    assert.deepEqual(await offsetsOf(recovered, "k3"), [300]);
    assert.deepEqual(await offsetsOf(recovered, "k4"), []);
    assert.equal(recovered.fileNames.length, 5);
    await recovered.close();
  },
);

forEachAdapter(
  "IndexService.truncateDirty cuts a full file once its empty successor past the end is gone",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const layout = { maxHashSlotNum: 2, maxIndexNum: 8 }; // 7 entries a file
    const index = newIndex(fs, dir, clock, layout);
    await index.load();
    // Records of 3 keys: 0 and 100 fill 6 entries; 200 does not fit, rolls a new file whose
    // entries are never synced (so it is empty on disk, inheriting end 100).
    for (let i = 0; i < 2; i++) {
      await index.dispatch(record(i * 100, { keys: `a${i} b${i} c${i}` }));
    }
    await index.dispatch(record(200, { keys: "a2 b2 c2" }));
    assert.equal(index.fileNames.length, 2);
    await index.close(false);
    const recovered = newIndex(fs, dir, clock, layout);
    await recovered.load();
    assert.deepEqual(await recovered.truncateDirty(100), { entries: 3, files: 1 });
    assert.deepEqual(recovered.recoveryOffset(), { offset: 0, indexed: true });
    for (const key of ["a0", "b0", "c0"]) assert.deepEqual(await offsetsOf(recovered, key), [0]);
    for (const key of ["a1", "b1", "c1"]) assert.deepEqual(await offsetsOf(recovered, key), []);
    // The first file has room again: the next records go there, and the chains hold.
    await recovered.dispatch(record(100, { keys: "x y z" }));
    await recovered.dispatch(record(200, { keys: "x" }));
    assert.equal(recovered.fileNames.length, 1, "both fit in the first file (7 entries)");
    assert.deepEqual(await offsetsOf(recovered, "x"), [200, 100]);
    await recovered.close();
    const again = newIndex(fs, dir, clock, layout);
    await again.load();
    assert.deepEqual(await again.truncateDirty(300), { entries: 0, files: 0 });
    assert.deepEqual(await offsetsOf(again, "x"), [200, 100]);
    assert.deepEqual(await offsetsOf(again, "a0"), [0]);
    assert.deepEqual(await offsetsOf(again, "b1"), []);
    await again.close();
  },
);

forEachAdapter(
  "IndexFile.truncateFrom gives back slots across several slot pages and survives a crash at any step",
  async (ctx) => {
    const layout = { maxHashSlotNum: 3000, maxIndexNum: 400 }; // 3 slot pages
    const records = Array.from(
      { length: 150 },
      (_, i) => record(i * 100, { keys: `p${i} q${i % 7}` }),
    );
    await cutAtEveryStep(ctx, layout, records, 6000, async (runDir, file, label) => {
      const state = await readFileState(ctx.fs, file, layout.maxHashSlotNum);
      assert.equal(state.indexCount, 121, `${label}: records 0..59, two keys each`);
      assert.equal(state.endPhyOffset, 5900, label);
      const again = newIndex(ctx.fs, runDir, ctx.clock, layout);
      await again.load();
      for (let i = 60; i < 150; i++) await again.dispatch(record(i * 100, { keys: `n${i}` }));
      for (const i of [0, 59, 60, 100, 149]) {
        const p = await offsetsOf(again, `p${i}`);
        assert.deepEqual(p, i < 60 ? [i * 100] : [], `${label}: p${i}`);
        const n = await offsetsOf(again, `n${i}`);
        assert.deepEqual(n, i >= 60 ? [i * 100] : [], `${label}: n${i}`);
      }
      const q3 = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 7 === 3).reverse();
      assert.deepEqual(await offsetsOf(again, "q3"), q3.map((i) => i * 100), `${label}: q3`);
      await again.close();
    });
  },
  { only: ["memory"] },
);

forEachAdapter(
  "IndexService.truncateDirty keeps time-range queries exact for kept entries",
  async ({ fs, dir, clock }) => {
    const base = new Date(2024, 0, 2, 3, 4, 5, 0).getTime();
    clock.set(base);
    const at = (i: number) => base + i * 1500 + (i % 3) * 7;
    const layout = { maxIndexNum: 128 }; // one file: every time is read against base
    const index = newIndex(fs, dir, clock, layout);
    await index.load();
    for (let i = 0; i < 40; i++) {
      await index.dispatch(record(i * 100, { keys: `k${i} all`, storeTimestamp: at(i) }));
    }
    await index.close();
    const recovered = newIndex(fs, dir, clock, layout);
    await recovered.load();
    await recovered.truncateDirty(2500); // keeps records 0..24
    const last = await recovered.queryOffsets("TopicTest", "none", 1, ...ALL);
    assert.equal(last.indexLastUpdatePhyoffset, 2400);
    assert.ok(last.indexLastUpdateTimestamp >= at(24), "the end is not before the kept entry");
    assert.ok(last.indexLastUpdateTimestamp < at(25), "the end is before the first dropped entry");
    // Every window finds the kept entries whose whole second lies in it, newest first.
    for (let from = 0; from < 40; from += 3) {
      const beginMs = at(from) - 400;
      const endMs = beginMs + 5_000;
      const want: number[] = [];
      for (let i = 24; i >= 0; i--) {
        const second = base + Math.trunc((at(i) - base) / 1000) * 1000;
        if (second >= beginMs && second <= endMs) want.push(i * 100);
      }
      const found = await offsetsOf(recovered, "all", beginMs, endMs);
      assert.deepEqual(found, want, `window from ${from}`);
    }
    await recovered.close();
  },
);

const scenario = fc.record({
  maxHashSlotNum: fc.integer({ min: 1, max: 6 }),
  maxIndexNum: fc.integer({ min: 2, max: 9 }),
  keyCounts: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
  gaps: fc.array(fc.integer({ min: 0, max: 2600 }), { minLength: 80, maxLength: 80 }),
  keyPicks: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 240, maxLength: 240 }),
  cutAt: fc.nat(),
  newCount: fc.integer({ min: 0, max: 20 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** The records of a scenario: `old` were dispatched before the crash, `fresh` after it. */
function scenarioRecords(s: Scenario) {
  let time = T0;
  let pick = 0;
  const make = (i: number, prefix: string, keyCount: number): DispatchRequest => {
    time += s.gaps[i % s.gaps.length];
    const keys: string[] = [];
    for (let k = 0; k < keyCount; k++) keys.push(`${prefix}${s.keyPicks[pick++ % 240]}`);
    return record(i * 100, { keys: keys.join(" "), storeTimestamp: time });
  };
  const old = s.keyCounts.map((count, i) => make(i, "k", count));
  const cut = s.cutAt % (old.length + 1);
  const fresh: DispatchRequest[] = [];
  time = cut === 0 ? T0 : old[cut - 1].storeTimestamp;
  for (let i = 0; i < s.newCount; i++) {
    fresh.push(make(cut + i, i % 2 === 0 ? "k" : "n", 1 + i % 3));
  }
  return { old, cut, fresh };
}

async function buildIndex(fs: FileSystem, dir: string, layout: object, records: DispatchRequest[]) {
  const clock = new ManualClock(T0);
  const index = newIndex(fs, dir, clock, layout);
  await index.load();
  for (const r of records) await index.dispatch(r);
  await index.close();
}

Deno.test("IndexService.truncateDirty answers as an index that never saw the dropped records", async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const fs = new MemoryFileSystem();
      const layout = { maxHashSlotNum: s.maxHashSlotNum, maxIndexNum: s.maxIndexNum };
      const { old, cut, fresh } = scenarioRecords(s);
      const clock = new ManualClock(T0);
      await buildIndex(fs, "/cut", layout, old);
      const cutIndex = newIndex(fs, "/cut", clock, layout);
      await cutIndex.load();
      await cutIndex.truncateDirty(cut * 100);
      const filesAfterCut = cutIndex.fileNames.length;
      for (const r of fresh) await cutIndex.dispatch(r);
      await cutIndex.close();
      await buildIndex(fs, "/model", layout, [...old.slice(0, cut), ...fresh]);

      const a = newIndex(fs, "/cut", clock, layout);
      const b = newIndex(fs, "/model", clock, layout);
      await a.load();
      await b.load();
      // (The model may hold one more, empty file: a keyless record creates the first file.)
      const from = (index: IndexService) => index.recoveryOffset() ?? { offset: 0, indexed: false };
      assert.deepEqual(from(a), from(b));
      const keys = [...Array(10).keys()].flatMap((k) => [`k${k}`, `n${k}`]);
      for (const key of keys) {
        assert.deepEqual(await offsetsOf(a, key), await offsetsOf(b, key), key);
      }
      if (a.fileNames.length === filesAfterCut) {
        // No file rolled after the cut, so every file's begin time is the model's too.
        const last = Math.max(T0, ...[...old.slice(0, cut), ...fresh].map((r) => r.storeTimestamp));
        for (let beginMs = T0 - 500; beginMs <= last; beginMs += 1700) {
          for (const key of ["k1", "k4", "n0"]) {
            const endMs = beginMs + 3100;
            assert.deepEqual(
              await offsetsOf(a, key, beginMs, endMs),
              await offsetsOf(b, key, beginMs, endMs),
              `${key} in [${beginMs - T0}, ${endMs - T0}]`,
            );
          }
        }
      }
      for (const name of a.fileNames) {
        const state = await readFileState(fs, joinPath("/cut/index", name), s.maxHashSlotNum);
        const model = await readFileState(fs, joinPath("/model/index", name), s.maxHashSlotNum)
          .catch(() => null);
        assert.equal(state.hashSlotCount, state.usedSlots, `${name} hashSlotCount`);
        if (model !== null) assert.equal(state.indexCount, model.indexCount, `${name} count`);
      }
      await a.close();
      await b.close();
    }),
    { seed: 20261125, numRuns: 300 },
  );
});

forEachAdapter(
  "IndexService deletes every file past a log the crash emptied",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    const index = newIndex(fs, dir, clock);
    await index.load();
    for (let i = 0; i < 40; i++) await index.dispatch(record(i * 100, { keys: `k${i}` }));
    await index.close();
    const recovered = newIndex(fs, dir, clock);
    await recovered.load();
    assert.deepEqual(await recovered.truncateDirty(0), { entries: 40, files: 2 });
    assert.deepEqual(recovered.fileNames, []);
    await recovered.dispatch(record(0, { keys: "fresh" }));
    const found = await recovered.queryOffsets("TopicTest", "fresh", 32, ...ALL);
    assert.deepEqual(found.phyOffsets, [0]);
    assert.deepEqual((await recovered.queryOffsets("TopicTest", "k0", 32, ...ALL)).phyOffsets, []);
    await recovered.close();
  },
);

forEachAdapter(
  "IndexService cuts entries past a recovered log's end, across files, and keeps indexing",
  async ({ fs, dir, clock }) => {
    clock.set(T0);
    // 31 entries a file and 8 slots: three files, every slot a long chain.
    const index = newIndex(fs, dir, clock);
    await index.load();
    const at = (i: number) => record(i * 100, { keys: `k${i}`, storeTimestamp: T0 + i * 1000 });
    for (let i = 0; i < 70; i++) await index.dispatch(at(i));
    await index.close();
    assert.equal(index.fileNames.length, 3);

    // A crash took the log from record 40 on; the index had synced up to record 69.
    const recovered = newIndex(fs, dir, clock);
    await recovered.load();
    assert.deepEqual(await recovered.truncateDirty(4000), { entries: 30, files: 1 });
    const query = (key: string, begin = 0, end = Number.MAX_SAFE_INTEGER) =>
      recovered.queryOffsets("TopicTest", key, 32, begin, end);
    const last = await query("none");
    assert.equal(last.indexLastUpdatePhyoffset, 3900);
    assert.ok(
      last.indexLastUpdateTimestamp >= T0 + 39_000 && last.indexLastUpdateTimestamp < T0 + 40_000,
      `end time ${last.indexLastUpdateTimestamp - T0}`,
    );
    for (let i = 0; i < 70; i++) {
      assert.deepEqual((await query(`k${i}`)).phyOffsets, i < 40 ? [i * 100] : [], `k${i}`);
    }
    assert.deepEqual((await query("k39", T0 + 39_000, T0 + 39_000)).phyOffsets, [3900]);
    // The records stored at the freed offsets are indexed, not taken as already indexed.
    for (let i = 40; i < 50; i++) await recovered.dispatch(record(i * 100, { keys: `n${i}` }));
    assert.deepEqual((await query("n45")).phyOffsets, [4500]);
    assert.deepEqual((await query("k45")).phyOffsets, []);
    await recovered.close();

    // What was cut stays cut on disk, and a second pass finds nothing to do.
    const again = newIndex(fs, dir, clock);
    await again.load();
    assert.deepEqual(await again.truncateDirty(5000), { entries: 0, files: 0 });
    const offsets = async (key: string) =>
      (await again.queryOffsets("TopicTest", key, 32, ...ALL)).phyOffsets;
    assert.deepEqual(await offsets("k12"), [1200]);
    assert.deepEqual(await offsets("k39"), [3900]);
    assert.deepEqual(await offsets("k60"), []);
    assert.deepEqual(await offsets("n49"), [4900]);
    assert.equal(again.fileNames.length, 2);
    await again.close();
  },
);

import assert from "node:assert/strict";
import fc from "fast-check";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import { forEachAdapter } from "./_test_adapters.ts";
import { ConsumeQueue, consumeQueueFileBytes, ConsumeQueueLoadError } from "./consume_queue.ts";
import { BLANK_UNIT_SIZE, type ConsumeQueueUnits } from "./consume_queue_units.ts";
import type { FileSystem } from "./file_system.ts";
import { CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX, CONSUME_QUEUE_CACHE_BYTES_MAX } from "./limits.ts";
import { joinPath } from "./store_paths.ts";

/** 5 units per file: rolls quickly. */
const FILE_BYTES = 100;
const RECORD_BYTES = 100;

function unit(queueOffset: number, tagsCode = queueOffset * 7 - 3) {
  return {
    commitLogOffset: queueOffset * RECORD_BYTES,
    msgSize: RECORD_BYTES,
    tagsCode,
    consumeQueueOffset: queueOffset,
  };
}

function newQueue(fs: FileSystem, dir: string, fileBytes = FILE_BYTES): ConsumeQueue {
  return new ConsumeQueue({
    fs,
    rootDir: joinPath(dir, "consumequeue"),
    topic: "TopicTest",
    queueId: 3,
    fileBytes,
    onWarning: (message) => assert.fail(`unexpected warning: ${message}`),
  });
}

async function reopen(fs: FileSystem, dir: string, fileBytes = FILE_BYTES): Promise<ConsumeQueue> {
  const queue = newQueue(fs, dir, fileBytes);
  await queue.load();
  await queue.recover();
  return queue;
}

async function readAll(queue: ConsumeQueue): Promise<number[]> {
  const offsets: number[] = [];
  for (let offset = queue.minOffset; offset < queue.maxOffset;) {
    const units: ConsumeQueueUnits | null = await queue.readUnits(offset, 32);
    assert(units !== null, `units at ${offset}`);
    for (let i = 0; i < units.count; i++) {
      assert.equal(units.size(i), RECORD_BYTES);
      assert.equal(units.tagsCode(i), (offset + i) * 7 - 3);
      offsets.push(units.physicalOffset(i) / RECORD_BYTES);
    }
    offset += units.count;
  }
  return offsets;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

Deno.test("consumeQueueFileBytes rounds up to whole 20-byte units", () => {
  assert.equal(consumeQueueFileBytes(6_000_000), 6_000_000);
  assert.equal(consumeQueueFileBytes(101), 120);
  assert.throws(() => consumeQueueFileBytes(0), RangeError);
});

forEachAdapter("ConsumeQueue appends, reads and rolls across files", async ({ fs, dir }) => {
  const queue = newQueue(fs, dir);
  for (let i = 0; i < 12; i++) queue.put(unit(i));
  assert.equal(queue.minOffset, 0);
  assert.equal(queue.maxOffset, 12);
  assert.equal(queue.maxPhysicalOffset, 12 * RECORD_BYTES);
  const tail = queue.readUnitsCached(10, 32);
  assert(tail !== null, "tail is served from memory");
  assert.equal(tail.count, 2);
  assert.equal(tail.physicalOffset(1), 11 * RECORD_BYTES);
  const cut = queue.readUnitsCached(3, 32);
  assert.equal(cut?.count, 2, "a run stops at the file end");
  assert.equal(queue.readUnitsCached(12, 1), null);
  assert.deepEqual(await readAll(queue), range(0, 12));
  assert.equal(await queue.flush(0), true);
  assert.deepEqual(queue.fileNames, [
    "00000000000000000000",
    "00000000000000000100",
    "00000000000000000200",
  ]);
  const info = await fs.stat(joinPath(queue.dir, "00000000000000000200"));
  assert.equal(info?.size, FILE_BYTES, "files are created full size");

  const again = await reopen(fs, dir);
  assert.equal(again.maxOffset, 12);
  assert.equal(again.maxPhysicalOffset, 12 * RECORD_BYTES);
  assert.deepEqual(await readAll(again), range(0, 12));
  again.put(unit(12));
  assert.deepEqual(await readAll(again), range(0, 13));
  await again.flush(0);
});

Deno.test("ConsumeQueue files survive a power loss that drops unsynced folder entries", async () => {
  const fs = new MemoryFileSystem();
  const queue = newQueue(fs, "/q");
  for (let i = 0; i < 7; i++) queue.put(unit(i));
  await queue.flush(0); // creates the first two files
  for (let i = 7; i < 12; i++) queue.put(unit(i));
  await queue.flush(0); // and the third, at a roll
  fs.crash({ entries: true });
  const again = await reopen(fs, "/q");
  assert.equal(again.fileNames.length, 3);
  assert.deepEqual(await readAll(again), range(0, 12), "every flushed unit is there");
});

forEachAdapter("ConsumeQueue skips a unit dispatched again", async ({ fs, dir }) => {
  const queue = newQueue(fs, dir);
  for (let i = 0; i < 4; i++) queue.put(unit(i));
  queue.put(unit(2));
  queue.put(unit(0));
  assert.equal(queue.maxOffset, 4);
  await queue.flush(0);
});

forEachAdapter(
  "ConsumeQueue pads a first file that starts mid-file with blank units",
  async ({ fs, dir }) => {
    const queue = newQueue(fs, dir);
    queue.put(unit(7));
    queue.put(unit(8));
    assert.equal(queue.minOffset, 7);
    assert.equal(queue.maxOffset, 9);
    assert.equal(await queue.readUnits(6, 1), null, "below min is unreadable");
    await queue.flush(0);
    assert.deepEqual(queue.fileNames, ["00000000000000000100"]);
    const handle = await fs.open(joinPath(queue.dir, "00000000000000000100"));
    const bytes = new Uint8Array(FILE_BYTES);
    await handle.readAt(bytes, 0);
    handle.close();
    const view = new DataView(bytes.buffer);
    for (const p of [0, 20]) {
      assert.equal(view.getBigInt64(p), 0n, "blank offset");
      assert.equal(view.getInt32(p + 8), BLANK_UNIT_SIZE, "blank size");
      assert.equal(view.getBigInt64(p + 12), 0n, "blank tag");
    }
    assert.equal(view.getBigInt64(40), 700n);
    const again = await reopen(fs, dir);
    assert.equal(again.minOffset, 7, "recovery skips the blank head");
    assert.equal(again.maxOffset, 9);
    assert.deepEqual(await readAll(again), [7, 8]);
  },
);

forEachAdapter("ConsumeQueue flush honours flushConsumeQueueLeastPages", async ({ fs, dir }) => {
  const fileBytes = 20_000;
  const queue = newQueue(fs, dir, fileBytes);
  for (let i = 0; i < 10; i++) queue.put(unit(i));
  assert.equal(await queue.flush(2), false, "200 bytes dirty is less than 2 pages");
  assert.equal((await reopen(fs, dir, fileBytes)).maxOffset, 0, "nothing reached the file");
  for (let i = 10; i < 500; i++) queue.put(unit(i));
  assert.equal(await queue.flush(2), true, "10 000 bytes dirty spans 2 pages");
  assert.equal((await reopen(fs, dir, fileBytes)).maxOffset, 500);
});

forEachAdapter(
  "ConsumeQueue recovery cuts a torn tail and zeroes stale units",
  async ({ fs, dir }) => {
    const queue = newQueue(fs, dir);
    for (let i = 0; i < 8; i++) queue.put(unit(i));
    await queue.flush(0);
    // Tear the second file: unit 6 becomes a zero size, unit 7 stays as a stale unit behind it.
    const path = joinPath(queue.dir, "00000000000000000100");
    const handle = await fs.open(path);
    await handle.writeAt(new Uint8Array(20), 20);
    await handle.sync();
    handle.close();
    const again = await reopen(fs, dir);
    assert.equal(again.maxOffset, 6);
    assert.equal(again.maxPhysicalOffset, 6 * RECORD_BYTES);
    assert.deepEqual(await readAll(again), range(0, 6));
    const check = await fs.open(path);
    const stale = new Uint8Array(20);
    await check.readAt(stale, 40);
    check.close();
    assert.deepEqual(stale, new Uint8Array(20), "units after the end are zeroed");
    again.put(unit(6));
    await again.flush(0);
    assert.deepEqual(await readAll(await reopen(fs, dir)), range(0, 7));
  },
);

forEachAdapter(
  "ConsumeQueue loses only unflushed units in a crash",
  async ({ fs, dir, memory }) => {
    const queue = newQueue(fs, dir);
    for (let i = 0; i < 7; i++) queue.put(unit(i));
    await queue.flush(0);
    for (let i = 7; i < 9; i++) queue.put(unit(i));
    if (memory !== undefined) {
      await queue.flush(0);
      const path = joinPath(queue.dir, "00000000000000000100");
      // Undo the last flush of the second file, keeping half a unit of it (a torn write).
      memory.crash({ tear: { path, byte: 50 } });
    }
    const again = await reopen(fs, dir);
    assert(again.maxOffset >= 7 && again.maxOffset <= 9, `max ${again.maxOffset}`);
    assert.deepEqual(await readAll(again), range(0, again.maxOffset));
  },
);

forEachAdapter(
  "ConsumeQueue.truncateDirty cuts units at or beyond the commit-log end",
  async ({ fs, dir }) => {
    const queue = newQueue(fs, dir);
    for (let i = 0; i < 12; i++) queue.put(unit(i));
    await queue.truncateDirty(650);
    assert.equal(queue.maxOffset, 7);
    assert.equal(queue.maxPhysicalOffset, 700);
    assert.deepEqual(queue.fileNames, ["00000000000000000000", "00000000000000000100"]);
    await queue.truncateDirty(500);
    assert.equal(queue.maxOffset, 5, "a file whose first unit is dirty goes");
    assert.equal(queue.maxPhysicalOffset, 500);
    assert.deepEqual(queue.fileNames, ["00000000000000000000"]);
    queue.put(unit(5));
    await queue.flush(0);
    const again = await reopen(fs, dir);
    assert.deepEqual(await readAll(again), range(0, 6));
    await again.truncateDirty(0);
    assert.equal(again.maxOffset, 0);
    assert.equal(again.maxPhysicalOffset, -1);
  },
);

forEachAdapter(
  "ConsumeQueue deletes expired files and corrects the min offset",
  async ({ fs, dir }) => {
    const queue = newQueue(fs, dir);
    for (let i = 0; i < 12; i++) queue.put(unit(i));
    await queue.flush(0);
    assert.equal(await queue.deleteExpiredFiles(300), 0, "file 0 still holds offsets ≥ 300");
    assert.equal(queue.minOffset, 3);
    assert.equal(await queue.deleteExpiredFiles(1_100), 2, "never the last file");
    assert.deepEqual(queue.fileNames, ["00000000000000000200"]);
    assert.equal(queue.minOffset, 11);
    assert.equal(queue.maxOffset, 12);
    assert.deepEqual(await readAll(queue), [11]);
    const again = await reopen(fs, dir);
    assert.equal(again.minOffset, 10);
    await again.correctMinOffset(1_100);
    assert.equal(again.minOffset, 11);
    await again.correctMinOffset(5_000);
    assert.equal(again.minOffset, 12, "nothing left in the commit log");
  },
);

forEachAdapter("ConsumeQueue.offsetByTime finds the lower boundary", async ({ fs, dir }) => {
  const queue = newQueue(fs, dir);
  // Store times: offsets 0-3 at 1000, 4-7 at 2000, 8-11 at 3000.
  const times = range(0, 12).map((i) => 1000 * (1 + Math.floor(i / 4)));
  for (let i = 0; i < 12; i++) queue.put(unit(i));
  await queue.flush(0);
  const lookups: number[] = [];
  const search = (timestampMs: number, commitLogMinOffset = 0) =>
    queue.offsetByTime({
      timestampMs,
      commitLogMinOffset,
      storeTimestampOf: (physicalOffset, size) => {
        assert.equal(size, RECORD_BYTES);
        lookups.push(physicalOffset);
        return times[physicalOffset / RECORD_BYTES];
      },
    });
  assert.equal(await search(0), 0);
  assert.equal(await search(1000), 0);
  assert.equal(await search(1500), 4);
  assert.equal(await search(2000), 4, "first of equal times");
  assert.equal(await search(3000), 8);
  assert.equal(await search(3001), 12, "after everything: max offset");
  assert.equal(await search(0, 650), 7, "records below the commit log's min count as older");
  assert(lookups.length <= 7 * 5, `binary search, got ${lookups.length} lookups`);
  const empty = newQueue(fs, joinPath(dir, "empty"));
  assert.equal(
    await empty.offsetByTime({ timestampMs: 1, commitLogMinOffset: 0, storeTimestampOf: () => 1 }),
    0,
  );
});

forEachAdapter("ConsumeQueue keeps reading through a sliding tail cache", async ({ fs, dir }) => {
  const fileBytes = 6_000_000;
  const queue = newQueue(fs, dir, fileBytes);
  const total = 100_000;
  for (let i = 0; i < total; i++) {
    queue.put(unit(i));
    if (i % 20_000 === 19_999) await queue.flush(0);
  }
  assert(queue.readUnitsCached(total - 32, 32) !== null, "the tail is cached");
  assert.equal(queue.readUnitsCached(0, 32), null, "the head slid out of the cache");
  const head = await queue.readUnits(0, 32);
  assert.equal(head?.count, 32);
  assert.equal(head?.tagsCode(31), 31 * 7 - 3);
  const tail = await queue.readUnits(total - 1, 32);
  assert.equal(tail?.physicalOffset(0), (total - 1) * RECORD_BYTES);
  await queue.flush(0);
});

/** @returns the oldest offset in [from, to) still served from memory (to when none) */
function firstCached(queue: ConsumeQueue, from: number, to: number): number {
  while (from < to) {
    const middle = Math.floor((from + to) / 2);
    if (queue.readUnitsCached(middle, 1) === null) from = middle + 1;
    else to = middle;
  }
  return from;
}

/** Checks that the cached run at `offset` holds min(32, what is left) units, each the right one. */
function checkCachedRun(queue: ConsumeQueue, offset: number): void {
  const units = queue.readUnitsCached(offset, 32);
  assert(units !== null, `cached units at ${offset}`);
  assert.equal(units.count, Math.min(32, queue.maxOffset - offset), `count at ${offset}`);
  for (let i = 0; i < units.count; i++) {
    if (units.physicalOffset(i) !== (offset + i) * RECORD_BYTES) {
      assert.fail(`unit ${offset + i} read at ${offset}: ${units.physicalOffset(i)}`);
    }
    assert.equal(units.tagsCode(i), (offset + i) * 7 - 3);
  }
}

forEachAdapter(
  "ConsumeQueue tail cache keeps unflushed units, whole runs and old views while it slides",
  async ({ fs, dir }) => {
    const queue = newQueue(fs, dir, 20 * 400_000);
    const lagging = 100_000; // more than the cache's cap, none flushed
    for (let i = 0; i < lagging; i++) queue.put(unit(i));
    // Every unflushed unit stays in memory, and a run of 32 at any offset is whole, block
    // boundaries included.
    for (let offset = 0; offset < lagging; offset++) checkCachedRun(queue, offset);
    const held = queue.readUnitsCached(lagging - 32, 32)!;
    await queue.flush(0);
    const total = 300_000;
    for (let i = lagging; i < total; i++) {
      queue.put(unit(i));
      if (i % 20_000 === 19_999) await queue.flush(0);
    }
    for (let offset = total - 70_000; offset < total; offset += 997) {
      if (queue.readUnitsCached(offset, 1) !== null) checkCachedRun(queue, offset);
    }
    // Flushed, the cache slid: it keeps at least half its cap and at most the cap plus a block.
    const kept = total - firstCached(queue, 0, total);
    const unitsMax = CONSUME_QUEUE_CACHE_BYTES_MAX / 20;
    assert(kept >= unitsMax / 2, `kept ${kept} units, at least ${unitsMax / 2}`);
    assert(kept <= unitsMax + CONSUME_QUEUE_CACHE_BLOCK_BYTES_MAX / 20, `kept ${kept} units`);
    // A run handed out before the slide still reads what it read then.
    for (let i = 0; i < 32; i++) {
      assert.equal(held.physicalOffset(i), (lagging - 32 + i) * RECORD_BYTES);
    }
    await queue.flush(0);
    const again = await reopen(fs, dir, 20 * 400_000);
    for (let offset = 0; offset < total; offset += 4_999) {
      const units = await again.readUnits(offset, 32);
      assert.equal(units?.physicalOffset(0), offset * RECORD_BYTES, `from disk at ${offset}`);
      assert.equal(units?.tagsCode(31), (offset + 31) * 7 - 3);
    }
  },
);

forEachAdapter(
  "ConsumeQueue recovers a short file and rejects a size mismatch",
  async ({ fs, dir }) => {
    const queue = newQueue(fs, dir);
    await fs.mkdir(queue.dir);
    const path = joinPath(queue.dir, "00000000000000000000");
    const handle = await fs.open(path, { create: true });
    const units = new DataView(new ArrayBuffer(40));
    units.setBigInt64(0, 0n);
    units.setInt32(8, RECORD_BYTES);
    units.setBigInt64(12, -3n);
    units.setBigInt64(20, 100n);
    units.setInt32(28, RECORD_BYTES);
    units.setBigInt64(32, 4n);
    await handle.writeAt(new Uint8Array(units.buffer), 0);
    await handle.sync();
    handle.close();
    const again = await reopen(fs, dir);
    assert.equal(again.maxOffset, 2);
    assert.deepEqual(await readAll(again), [0, 1]);
    assert.equal((await fs.stat(path))?.size, FILE_BYTES, "extended to full size");
    const other = newQueue(fs, dir, 60);
    await assert.rejects(other.load(), ConsumeQueueLoadError);
  },
);

/** One step of the model test: append units, flush, cut the tail, or reopen after a flush. */
type QueueStep =
  | { readonly kind: "put"; readonly units: number }
  | { readonly kind: "flush" }
  | { readonly kind: "truncate"; readonly keep: number }
  | { readonly kind: "reopen" };

const queueStep: fc.Arbitrary<QueueStep> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.integer({ min: 1, max: 40_000 }).map((units) => ({ kind: "put", units })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "flush" }) },
  {
    weight: 1,
    arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((keep) => ({
      kind: "truncate",
      keep,
    })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "reopen" }) },
) as fc.Arbitrary<QueueStep>;

/** Checks runs read at the ends and at `samples` offsets against the model (unit i is i's). */
async function checkAgainstModel(queue: ConsumeQueue, count: number, samples: number[]) {
  assert.equal(queue.maxOffset, count, "max offset");
  if (count === 0) return;
  const offsets = [
    0,
    count - 1,
    Math.max(0, count - 32),
    ...samples.map((f) => Math.floor(f * count)),
  ];
  for (const offset of offsets) {
    const cached = queue.readUnitsCached(offset, 32);
    const units = cached ?? await queue.readUnits(offset, 32);
    assert(units !== null, `units at ${offset} of ${count}`);
    assert(units.count >= 1 && units.count <= Math.min(32, count - offset), `count at ${offset}`);
    for (let i = 0; i < units.count; i++) {
      assert.equal(units.physicalOffset(i), (offset + i) * RECORD_BYTES, `unit ${offset + i}`);
      assert.equal(units.tagsCode(i), (offset + i) * 7 - 3, `tag of unit ${offset + i}`);
    }
  }
}

Deno.test("ConsumeQueue reads back what a model holds through puts, flushes, cuts and reopens", async () => {
  // 70,000 units per file: more than the tail cache's cap, so it slides within a file.
  const fileBytes = 20 * 70_000;
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(queueStep, { minLength: 1, maxLength: 10 }),
      fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 8, maxLength: 8 }),
      async (steps, samples) => {
        const fs = new MemoryFileSystem();
        const dir = `/model-${run++}`;
        let queue = newQueue(fs, dir, fileBytes);
        await queue.load();
        await queue.recover();
        let count = 0;
        for (const step of steps) {
          if (step.kind === "put") {
            for (let i = 0; i < step.units; i++) queue.put(unit(count + i));
            count += step.units;
          } else if (step.kind === "flush") {
            assert.equal(await queue.flush(0), true, "a full flush leaves nothing behind");
          } else if (step.kind === "truncate") {
            count = Math.floor(step.keep * count);
            await queue.truncateDirty(count * RECORD_BYTES);
          } else {
            await queue.flush(0);
            queue = await reopen(fs, dir, fileBytes);
          }
          await checkAgainstModel(queue, count, samples);
        }
      },
    ),
    { seed: 20261125, numRuns: 40 },
  );
});

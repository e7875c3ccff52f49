import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { type AdapterContext, forEachAdapter } from "./_test_adapters.ts";
import {
  CleanService,
  type CleanServiceOptions,
  type CommitLogSegmentInfo,
  type CommitLogSegmentSource,
  parseDeleteWhen,
  type RetentionFollower,
  StoreDiskFullError,
} from "./clean_service.ts";
import { ConsumeQueueStore } from "./consume_queue_store.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import { IndexService } from "./index_service.ts";
import { joinPath } from "./store_paths.ts";

const SEGMENT_BYTES = 1_000;
const HOUR_MS = 3_600_000;
/** Local-time instant on 2024-01-02 at `hour`:30. */
const at = (hour: number, day = 2) => new Date(2024, 0, day, hour, 30).getTime();

/** Real files standing in for commit-log segments (the commit log implements the same interface). */
class FileSegments implements CommitLogSegmentSource {
  readonly list: CommitLogSegmentInfo[] = [];
  constructor(readonly fs: FileSystem, readonly dir: string) {}

  async add(count: number, lastModifiedMs: number): Promise<void> {
    await this.fs.mkdir(this.dir);
    for (let i = 0; i < count; i++) {
      const startOffset = this.list.length * SEGMENT_BYTES;
      const path = joinPath(this.dir, String(startOffset).padStart(20, "0"));
      const handle = await this.fs.open(path, { create: true });
      await handle.truncate(SEGMENT_BYTES);
      handle.close();
      this.list.push({ path, startOffset, endOffset: startOffset + SEGMENT_BYTES, lastModifiedMs });
    }
  }
  segments(): readonly CommitLogSegmentInfo[] {
    return this.list;
  }
  async deleteSegments(paths: readonly string[]): Promise<number> {
    for (const path of paths) {
      assert.equal(path, this.list[0].path, "deletes a prefix, oldest first");
      assert(this.list.length > 1, "never the newest");
      await this.fs.remove(path);
      this.list.shift();
    }
    return paths.length;
  }
  minOffset(): number {
    return this.list[0]?.startOffset ?? 0;
  }
}

interface Setup {
  segments: FileSegments;
  clean: CleanService;
  /** sets the simulated disk so that the segments use `percent` of it */
  setUsed(percent: number): void;
}

function setup(
  { fs, dir, clock }: AdapterContext,
  options: Partial<CleanServiceOptions> = {},
): Setup {
  const segments = new FileSegments(fs, joinPath(dir, "commitlog"));
  let capacity = Number.MAX_SAFE_INTEGER;
  const clean = new CleanService({
    fs,
    clock,
    commitLog: segments,
    diskPaths: [segments.dir],
    fileReservedTime: 48,
    diskUsage: async () => {
      let used = 0;
      for (const name of await fs.list(segments.dir)) {
        used += (await fs.stat(joinPath(segments.dir, name)))?.size ?? 0;
      }
      return { totalBytes: capacity, freeBytes: capacity - used };
    },
    ...options,
  });
  const setUsed = (percent: number) => {
    capacity = Math.round((segments.list.length * SEGMENT_BYTES * 100) / percent);
  };
  return { segments, clean, setUsed };
}

Deno.test("parseDeleteWhen reads one hour or a ; list", () => {
  assert.deepEqual([...parseDeleteWhen("04")], [4]);
  assert.deepEqual([...parseDeleteWhen("04;05; 23")], [4, 5, 23]);
  assert.throws(() => parseDeleteWhen("24"), RangeError);
  assert.throws(() => parseDeleteWhen("4am"), RangeError);
});

forEachAdapter(
  "CleanService deletes expired files only at the deleteWhen hour",
  async (context) => {
    const clock: ManualClock = context.clock;
    clock.set(at(0, 1));
    const { segments, clean } = setup(context, { deleteWhen: "04;05" });
    await segments.add(3, at(0, 1));
    clock.set(at(0, 3)); // 48 h later
    await segments.add(2, at(0, 3));
    clock.set(at(3, 3)); // 51 h after the first three: expired
    assert.equal((await clean.run()).deletedSegments, 0, "03:30 is not a deleteWhen hour");
    clock.set(at(5, 3));
    const result = await clean.run();
    assert.equal(result.deletedSegments, 3, "the expired files go, the fresh ones stay");
    assert.equal(result.diskFull, false);
    assert.equal(segments.list.length, 2);
    assert.equal((await context.fs.list(segments.dir)).length, 2);
    clock.set(at(5, 9));
    assert.equal((await clean.run()).deletedSegments, 1, "never the newest file");
    assert.equal(segments.list.length, 1);
  },
);

forEachAdapter(
  "CleanService deletes expired files early when the disk passes diskMaxUsedSpaceRatio",
  async (context) => {
    context.clock.set(at(10));
    const { segments, clean, setUsed } = setup(context);
    await segments.add(2, at(10));
    context.clock.set(at(10, 5)); // both expired, but 10:30 is not 04
    await segments.add(2, at(10, 5)); // fresh
    setUsed(70);
    assert.equal((await clean.run()).deletedSegments, 0, "70% is below 75%");
    setUsed(80);
    const result = await clean.run();
    assert.equal(result.deletedSegments, 2, "only the expired ones");
    assert(result.usedPercent < 80, `re-measured after deleting: ${result.usedPercent}`);
    assert.equal(segments.list.length, 2);
  },
);

forEachAdapter(
  "CleanService deletes unexpired files past diskSpaceCleanForciblyRatio",
  async (context) => {
    context.clock.set(at(10));
    const { segments, clean, setUsed } = setup(context);
    await segments.add(14, at(10));
    setUsed(86);
    assert.equal((await clean.run()).deletedSegments, 10, "deleteFileBatchMax per pass");
    setUsed(86);
    assert.equal((await clean.run()).deletedSegments, 3, "never the newest file");
    assert.equal(segments.list.length, 1);
  },
);

forEachAdapter(
  "CleanService keeps unexpired files when cleanFileForciblyEnable is off",
  async (context) => {
    context.clock.set(at(10));
    const { segments, clean, setUsed } = setup(context, { cleanFileForciblyEnable: false });
    await segments.add(3, at(10));
    setUsed(88);
    assert.equal((await clean.run()).deletedSegments, 0);
  },
);

forEachAdapter(
  "CleanService cleans at once past the warning or forcibly level, whatever diskMaxUsedSpaceRatio",
  async (context) => {
    // RocketMQ 5.x isSpaceToDelete: past either level the pass runs and deletes unexpired files,
    // so a store that refuses writes frees space instead of waiting up to fileReservedTime.
    const cases = [
      { settings: { diskSpaceWarningLevelRatio: 80 }, percent: 82 }, // warning below forcibly 85
      { settings: { diskMaxUsedSpaceRatio: 95 }, percent: 92 }, // past warning 90, below 95
      { settings: { diskMaxUsedSpaceRatio: 95 }, percent: 87 }, // past forcibly 85 only
    ];
    for (const [i, { settings, percent }] of cases.entries()) {
      context.clock.set(at(10));
      const dir = joinPath(context.dir, `case${i}`);
      const { segments, clean, setUsed } = setup({ ...context, dir }, settings);
      await segments.add(3, at(10)); // fresh: nothing is expired, 10:30 is not deleteWhen
      setUsed(percent);
      const result = await clean.run();
      assert.equal(result.deletedSegments, 2, `${JSON.stringify(settings)} at ${percent} %`);
      assert.equal(result.diskFull, false, "writable again after the pass");
    }
    context.clock.set(at(10));
    const dir = joinPath(context.dir, "below");
    const { segments, clean, setUsed } = setup({ ...context, dir }, { diskMaxUsedSpaceRatio: 95 });
    await segments.add(3, at(10));
    setUsed(84);
    assert.equal((await clean.run()).deletedSegments, 0, "below every level: nothing fresh goes");
  },
);

forEachAdapter("CleanService refuses writes past diskSpaceWarningLevelRatio", async (context) => {
  context.clock.set(at(10));
  const { segments, clean, setUsed } = setup(context, { cleanFileForciblyEnable: false });
  await segments.add(3, at(10));
  clean.checkWritable();
  setUsed(95);
  const result = await clean.run();
  assert.equal(result.diskFull, true);
  assert.equal(clean.diskFull, true);
  assert.throws(() => clean.checkWritable(), (error: unknown) => {
    assert(error instanceof StoreDiskFullError);
    assert.equal(error.responseCode, ResponseCode.SERVICE_NOT_AVAILABLE);
    assert.match(error.message, /disk use 95\.0% exceeds diskSpaceWarningLevelRatio 90%/);
    return true;
  });
  setUsed(50);
  assert.equal((await clean.run()).diskFull, false);
  clean.checkWritable();
});

forEachAdapter(
  "CleanService applies retention settings changed at runtime, disk levels clamped as RocketMQ",
  async (context) => {
    context.clock.set(at(10));
    const { segments, clean, setUsed } = setup(context, {
      diskSpaceWarningLevelRatio: 100, // clamped to 90: at 100 the disk would fill first
      diskSpaceCleanForciblyRatio: 10, // clamped to 30
    });
    await segments.add(3, at(10));
    context.clock.set(at(4, 4)); // 42 h later, at the deleteWhen hour: not expired at 72 h
    setUsed(20);
    assert.equal((await clean.run()).deletedSegments, 0, "20 % is below the clamped 30 %");
    setUsed(25);
    assert.equal((await clean.run()).deletedSegments, 0);
    clean.updateSettings({ fileReservedTime: 24, diskSpaceWarningLevelRatio: 100 });
    assert.equal((await clean.run()).deletedSegments, 2, "expired under the new 24 h");
    setUsed(95);
    assert.equal((await clean.run()).diskFull, true, "full past the clamped 90 %");
    assert.throws(() => clean.updateSettings({ deleteWhen: "25" }), RangeError);
    setUsed(20);
    await segments.add(1, at(4, 4));
    context.clock.set(at(4, 5)); // the bad update changed nothing: 24 h, 04 o'clock
    assert.equal((await clean.run()).deletedSegments, 1);
  },
);

forEachAdapter("CleanService reads the memory volume's capacity", async (context) => {
  context.clock.set(at(10));
  const segments = new FileSegments(context.fs, joinPath(context.dir, "commitlog"));
  await segments.add(4, at(10));
  context.memory?.setCapacity(4 * SEGMENT_BYTES + 100); // ~97.6% used
  const clean = new CleanService({
    fs: context.fs,
    clock: context.clock,
    commitLog: segments,
    diskPaths: [segments.dir],
    // The Deno volume's use is unknown (and levels are clamped to 30 % and more): report 97.6 %.
    ...(context.memory === undefined
      ? { diskUsage: () => Promise.resolve({ totalBytes: 1000, freeBytes: 24 }) }
      : {}),
  });
  const result = await clean.run();
  assert.equal(result.deletedSegments, 3, "forced: everything but the newest");
  if (context.memory !== undefined) {
    assert.equal(
      result.usedPercent,
      (100 * SEGMENT_BYTES) / (4 * SEGMENT_BYTES + 100),
      "re-measured",
    );
    assert.equal(result.diskFull, false, "deleting freed the volume");
  }
});

forEachAdapter(
  "CleanService requestManualDelete deletes expired files at any hour",
  async (context) => {
    context.clock.set(at(10));
    const { segments, clean } = setup(context);
    await segments.add(3, at(10));
    context.clock.set(at(11, 5));
    assert.equal((await clean.run()).deletedSegments, 0);
    clean.requestManualDelete();
    assert.equal((await clean.run()).deletedSegments, 2);
  },
);

forEachAdapter("CleanService falls back to the files' mtimes", async (context) => {
  const start = Date.now(); // real time: the Deno adapter stamps real mtimes
  context.clock.set(start);
  const segments = new FileSegments(context.fs, joinPath(context.dir, "commitlog"));
  await segments.add(3, 0);
  const withoutTimes = {
    segments: () =>
      segments.list.map(({ path, startOffset, endOffset }) => ({ path, startOffset, endOffset })),
    deleteSegments: (paths: readonly string[]) => segments.deleteSegments(paths),
    minOffset: () => segments.minOffset(),
  };
  const later = start + 49 * HOUR_MS;
  const clean = new CleanService({
    fs: context.fs,
    clock: context.clock,
    commitLog: withoutTimes,
    diskPaths: [],
    fileReservedTime: 48,
    deleteWhen: [start + 47 * HOUR_MS, later].map((ms) => new Date(ms).getHours()).join(";"),
  });
  context.clock.set(start + 47 * HOUR_MS);
  assert.equal((await clean.run()).deletedSegments, 0, "47 h old: kept");
  context.clock.set(later);
  assert.equal((await clean.run()).deletedSegments, 2);
});

function record(topic: string, commitLogOffset: number, queueOffset: number): DispatchRequest {
  return {
    topic,
    queueId: 0,
    commitLogOffset,
    msgSize: 100,
    tagsCode: 0,
    storeTimestamp: at(10) + commitLogOffset,
    consumeQueueOffset: queueOffset,
    keys: "k",
    sysFlag: 0,
    preparedTransactionOffset: 0,
  };
}

forEachAdapter(
  "CleanService removes consume-queue and index files below the new min offset",
  async (context) => {
    const { fs, dir, clock } = context;
    clock.set(at(10));
    const cqDir = joinPath(dir, "consumequeue");
    const queues = new ConsumeQueueStore({ fs, rootDir: cqDir, fileBytes: 100 });
    const index = new IndexService({
      fs,
      dir: joinPath(dir, "index"),
      clock,
      maxHashSlotNum: 4,
      maxIndexNum: 6,
    });
    await index.load();
    const { segments, clean, setUsed } = setup(context, { followers: [queues, index] });
    await segments.add(4, at(10));
    for (let i = 0; i < 40; i++) {
      queues.dispatch(record("T", i * 100, i)); // 10 records per commit-log segment, 5 units per CQ file
      await index.dispatch(record("T", i * 100, i));
    }
    await queues.flush(0);
    await index.flush();
    const cqFiles = () => fs.list(joinPath(cqDir, "T", "0"));
    assert.equal((await cqFiles()).length, 8);
    assert.equal(index.fileNames.length, 8);
    setUsed(86);
    const result = await clean.run();
    assert.equal(result.deletedSegments, 3);
    assert.equal(segments.minOffset(), 3_000);
    assert.equal((await cqFiles()).length, 2, "CQ files ending below 3000 go");
    assert.equal(queues.findConsumeQueue("T", 0)?.minOffset, 30);
    assert.equal(index.fileNames.length, 2, "index files ending below 3000 go");
    assert.equal(result.deletedFollowerFiles, 6 + 6);
    const found = await index.queryOffsets("T", "k", 64, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(found.phyOffsets, [
      3900,
      3800,
      3700,
      3600,
      3500,
      3400,
      3300,
      3200,
      3100,
      3000,
    ]);
    await queues.close();
    await index.close();
  },
);

forEachAdapter(
  "CleanService retries a failed follower at the next pass, and runs the others meanwhile",
  async (context) => {
    context.clock.set(at(10));
    const asked: string[] = [];
    const flaky: RetentionFollower = {
      deleteExpiredFiles(minOffset) {
        asked.push(`flaky ${minOffset}`);
        if (asked.length === 1) return Promise.reject(new Error("transient EIO"));
        return Promise.resolve(1);
      },
    };
    const steady: RetentionFollower = {
      deleteExpiredFiles(minOffset) {
        asked.push(`steady ${minOffset}`);
        return Promise.resolve(0);
      },
    };
    const { segments, clean, setUsed } = setup(context, { followers: [flaky, steady] });
    await segments.add(4, at(10));
    setUsed(86);
    await assert.rejects(clean.run(), /transient EIO/);
    assert.equal(segments.minOffset(), 3_000, "the commit log was cleaned all the same");
    assert.deepEqual(asked, ["flaky 3000", "steady 3000"], "one failure skips no other");
    const second = await clean.run();
    assert.deepEqual(asked.slice(2), ["flaky 3000", "steady 3000"], "asked again");
    assert.equal(second.deletedFollowerFiles, 1);
  },
);

forEachAdapter(
  "CleanService removes a consume-queue file that was not flushed yet at a later pass",
  async (context) => {
    const { fs, dir, clock } = context;
    clock.set(at(10));
    const cqDir = joinPath(dir, "consumequeue");
    const queues = new ConsumeQueueStore({ fs, rootDir: cqDir, fileBytes: 100 });
    const { segments, clean, setUsed } = setup(context, { followers: [queues] });
    await segments.add(4, at(10));
    for (let i = 0; i < 40; i++) queues.dispatch(record("T", i * 100, i));
    const cqFiles = () => fs.list(joinPath(cqDir, "T", "0"));
    setUsed(86);
    const first = await clean.run();
    assert.equal(first.deletedSegments, 3);
    assert.equal(first.deletedFollowerFiles, 0, "unflushed consume-queue files are kept");
    await queues.flush(0);
    const second = await clean.run();
    assert.equal(second.deletedSegments, 0, "the commit log did not move");
    assert.equal(second.deletedFollowerFiles, 6, "the kept files go now");
    assert.equal((await cqFiles()).length, 2);
    assert.equal((await clean.run()).deletedFollowerFiles, 0);
    await queues.close();
  },
);

Deno.test("CleanService.start runs passes every cleanResourceInterval until stop", async () => {
  const passes: Array<() => void> = [];
  let measured = 0;
  const twice = new Promise<void>((resolve) => passes.push(resolve));
  const clean = new CleanService({
    fs: new MemoryFileSystem(),
    clock: new ManualClock(at(10)),
    commitLog: { segments: () => [], deleteSegments: () => Promise.resolve(0), minOffset: () => 0 },
    diskPaths: ["/"],
    cleanResourceInterval: 1,
    diskUsage: () => {
      if (++measured === 2) passes[0]();
      return Promise.resolve({ totalBytes: 100, freeBytes: 50 });
    },
  });
  await clean.start(0); // measures once at start, then passes
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("No second pass within 5 s")), 5_000);
  });
  try {
    await Promise.race([twice, deadline]);
  } finally {
    clearTimeout(timer);
  }
  await clean.stop();
  const after = measured;
  assert.ok(after >= 2);
  await clean.start(60_000);
  assert.equal(measured, after + 1, "measured at start, before any pass");
  await clean.stop(); // the sanitizer fails the test if a timer was left behind
  assert.equal(measured, after + 1, "no pass after stop");
});

Deno.test("CleanService on a volume that reports no capacity (ramfs, some FUSE): writes go on, expired files go at any hour, the rest stays", async () => {
  const fs = new MemoryFileSystem();
  fs.setCapacity(0); // statfs reports no blocks; RocketMQ's used ratio is then -1
  const clock = new ManualClock(at(10)); // not deleteWhen's hour
  const segments = new FileSegments(fs, "/store/commitlog");
  await segments.add(2, at(10) - 49 * HOUR_MS); // past fileReservedTime
  await segments.add(3, at(10));
  const clean = new CleanService({
    fs,
    clock,
    commitLog: segments,
    diskPaths: [segments.dir],
    fileReservedTime: 48,
  });
  const result = await clean.run();
  assert.deepEqual(result, {
    deletedSegments: 2,
    deletedFollowerFiles: 0,
    usedPercent: -1,
    diskFull: false,
  });
  clean.checkWritable(); // not refused
  assert.equal(segments.list.length, 3, "no unexpired file deleted");
});

/**
 * Retention through the facade (store.md §9) on every adapter: expired commit-log files go at
 * the deleteWhen hour, early past diskMaxUsedSpaceRatio, unexpired past
 * diskSpaceCleanForciblyRatio; puts are refused past diskSpaceWarningLevelRatio and accepted
 * again when space returns; consume-queue and index files below the new min offset go, and
 * readers of the removed range get OFFSET_TOO_SMALL.
 */

import assert from "node:assert/strict";
import { type AdapterContext, forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import type { DiskUsage } from "./file_system.ts";
import type { MessageStore } from "./message_store.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";
import { putMessageResponse } from "./put_message_status.ts";
import { decodeRecord } from "./message_record.ts";

const SEGMENT_BYTES = 4096;
/** Local time 2024-01-02 (or `day`) at `hour`:30. */
const at = (hour: number, day = 2) => new Date(2024, 0, day, hour, 30).getTime();
const CONFIG: Partial<MessageStoreConfigInput> = {
  mappedFileSizeCommitLog: SEGMENT_BYTES,
  mappedFileSizeConsumeQueue: 20 * 10,
  maxIndexNum: 20,
  fileReservedTime: 1,
};

/** A simulated volume: the files' logical sizes against a capacity the test sets. */
class Volume {
  #capacity = 2 ** 40; // 1 TiB until setUsed
  constructor(readonly ctx: AdapterContext) {}

  /** the store's diskUsage option: memory uses its own (setCapacity), Deno sums its files */
  get diskUsage(): ((path: string) => Promise<DiskUsage>) | undefined {
    if (this.ctx.memory !== undefined) return undefined;
    return async () => {
      const used = await this.#usedBytes(this.ctx.dir);
      return { totalBytes: this.#capacity, freeBytes: Math.max(0, this.#capacity - used) };
    };
  }

  /** Sets the capacity so that the files now use `percent` of it. */
  async setUsed(percent: number): Promise<void> {
    const used = await this.#usedBytes(this.ctx.dir);
    this.#capacity = Math.ceil((used * 100) / percent);
    this.ctx.memory?.setCapacity(this.#capacity);
  }

  async #usedBytes(path: string): Promise<number> {
    const info = await this.ctx.fs.stat(path);
    if (info === null) return 0;
    if (!info.isDirectory) return info.size;
    let total = 0;
    for (const name of await this.ctx.fs.list(path)) {
      total += await this.#usedBytes(`${path}/${name}`);
    }
    return total;
  }
}

/** Puts `count` 200-byte messages alternating over queues 0 and 1. @returns their offsets */
async function fill(store: MessageStore, count: number): Promise<number[]> {
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const result = await store.putMessage(
      makeMessage({ queueId: i % 2, body: new Uint8Array(200).fill(i & 0xff) }),
    );
    assert.equal(result.status, "PUT_OK");
    offsets.push(result.appendMessageResult!.wroteOffset);
  }
  await store.flush();
  await store.waitDispatched();
  return offsets;
}

/** @returns the commit log's segments; the folder may also hold the next one, made ahead */
const segmentFiles = (store: MessageStore) => Promise.resolve(store.commitLog.segments.length);
const filesOnDisk = async (ctx: AdapterContext) =>
  (await ctx.fs.list(`${ctx.dir}/store/commitlog`)).length;

forEachAdapter(
  "MessageStore deletes expired commit-log files only at the deleteWhen hour",
  async (ctx) => {
    ctx.clock.set(at(10));
    const store = await openTestStore({ ...ctx, config: { ...CONFIG, deleteWhen: "04" } });
    await fill(store, 80);
    const segments = await segmentFiles(store);
    assert.ok(segments >= 6, `${segments} segments`);
    const cqFiles = async () => (await ctx.fs.list(`${ctx.dir}/store/consumequeue/TopicTest/0`));
    const cqBefore = (await cqFiles()).length;
    const indexBefore = store.indexService!.fileNames.length;
    ctx.clock.set(at(12)); // expired (fileReservedTime 1 h), but 12:30 is not 04
    assert.equal((await store.runCleanOnce()).deletedSegments, 0);
    assert.equal(store.getCommitLogMinOffset(), 0);
    ctx.clock.set(at(4, 3));
    const result = await store.runCleanOnce();
    assert.equal(result.deletedSegments, segments - 1, "every expired file but the newest");
    assert.equal(await segmentFiles(store), 1);
    assert.ok(await filesOnDisk(ctx) <= 2, "the files are gone (the next one may be made ahead)");
    const min = store.getCommitLogMinOffset();
    assert.equal(min, (segments - 1) * SEGMENT_BYTES);
    assert.ok((await cqFiles()).length < cqBefore, "consume-queue files below the min went");
    assert.ok(store.indexService!.fileNames.length < indexBefore, "index files below the min went");
    assert.ok(result.deletedFollowerFiles > 0);
    const queueMin = store.getMinOffsetInQueue("TopicTest", 0);
    assert.ok(queueMin > 0);
    const removed = (await store.getMessage("G", "TopicTest", 0, 0, 8))!;
    assert.deepEqual([removed.status, removed.nextBeginOffset], ["OFFSET_TOO_SMALL", queueMin]);
    const kept = (await store.getMessage("G", "TopicTest", 0, queueMin, 8))!;
    assert.equal(kept.status, "FOUND");
    assert.ok(decodeRecord(kept.messages[0]).physicalOffset >= min);
    assert.equal(await store.lookMessageByOffset(0), null, "a removed offset reads as nothing");
    await store.shutdown();
    const again = await openTestStore({ ...ctx, config: CONFIG });
    assert.equal(again.getCommitLogMinOffset(), min, "the min offset survives a restart");
    assert.equal(again.getMinOffsetInQueue("TopicTest", 0), queueMin);
    await again.shutdown();
  },
);

forEachAdapter(
  "MessageStore deletes early past diskMaxUsedSpaceRatio and unexpired past diskSpaceCleanForciblyRatio",
  async (ctx) => {
    ctx.clock.set(at(10));
    const volume = new Volume(ctx);
    const store = await openTestStore({ ...ctx, config: CONFIG, diskUsage: volume.diskUsage });
    await fill(store, 40);
    const old = await segmentFiles(store);
    ctx.clock.set(at(12)); // the first files expire; the next ones are fresh
    await fill(store, 40);
    const all = await segmentFiles(store);
    await volume.setUsed(70);
    assert.equal((await store.runCleanOnce()).deletedSegments, 0, "70 % < diskMaxUsedSpaceRatio");
    await volume.setUsed(80);
    const early = await store.runCleanOnce();
    // The file being written at 10:30 was last modified at 12:30, when the log rolled past it.
    assert.equal(early.deletedSegments, old - 1, "only the expired files");
    assert.ok(early.usedPercent < 80, `re-measured: ${early.usedPercent}`);
    await volume.setUsed(86);
    const forced = await store.runCleanOnce();
    assert.equal(forced.deletedSegments, Math.min(10, all - old), "unexpired files go too");
    assert.ok(await segmentFiles(store) >= 1, "never the newest");
    const min = store.getCommitLogMinOffset();
    assert.ok(min > 0);
    const got = (await store.getMessage("G", "TopicTest", 1, 0, 8))!;
    assert.deepEqual(
      [got.status, got.nextBeginOffset],
      ["OFFSET_TOO_SMALL", store.getMinOffsetInQueue("TopicTest", 1)],
    );
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore started on a full disk refuses puts from the start, not after the first pass",
  async (ctx) => {
    ctx.clock.set(at(10));
    const volume = new Volume(ctx);
    const first = await openTestStore({ ...ctx, config: CONFIG, diskUsage: volume.diskUsage });
    await fill(first, 4);
    await first.shutdown();
    await volume.setUsed(97); // say the disk filled while the broker was down
    const store = await openTestStore({ ...ctx, config: CONFIG, diskUsage: volume.diskUsage });
    const refused = await store.putMessage(makeMessage({ bodyText: "refused" }));
    assert.equal(refused.status, "SERVICE_NOT_AVAILABLE", "the first pass is 60 s away");
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore refuses puts past diskSpaceWarningLevelRatio until space returns",
  async (ctx) => {
    ctx.clock.set(at(10));
    const volume = new Volume(ctx);
    const store = await openTestStore({
      ...ctx,
      config: { ...CONFIG, cleanFileForciblyEnable: false },
      diskUsage: volume.diskUsage,
    });
    await fill(store, 10);
    const end = store.getCommitLogMaxOffset();
    await volume.setUsed(95);
    const full = await store.runCleanOnce();
    assert.equal(full.diskFull, true);
    assert.equal(full.deletedSegments, 0, "nothing is expired and forcing is off");
    const refused = await store.putMessage(makeMessage({ bodyText: "refused" }));
    assert.equal(refused.status, "SERVICE_NOT_AVAILABLE");
    assert.equal(putMessageResponse(refused.status).code, 14);
    assert.ok(refused.status === "SERVICE_NOT_AVAILABLE");
    assert.match(refused.remark ?? "", /disk use 95\.\d% exceeds diskSpaceWarningLevelRatio 90%/);
    const batch = await store.putMessages([makeMessage(), makeMessage()]);
    assert.equal(batch.status, "SERVICE_NOT_AVAILABLE");
    assert.equal(store.getCommitLogMaxOffset(), end, "nothing was appended");
    assert.equal(store.stats().putMessageFailedTimes, 2);
    const read = (await store.getMessage("G", "TopicTest", 0, 0, 8))!;
    assert.equal(read.status, "FOUND", "reads go on while the disk is full");
    await volume.setUsed(50);
    assert.equal((await store.runCleanOnce()).diskFull, false);
    const accepted = await store.putMessage(makeMessage({ bodyText: "accepted" }));
    assert.equal(accepted.status, "PUT_OK");
    assert.equal(accepted.appendMessageResult?.logicsOffset, 5, "queue offsets continue");
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore DELETE_EXPIRED_COMMITLOG deletes expired files at any hour",
  async (ctx) => {
    ctx.clock.set(at(10));
    const store = await openTestStore({ ...ctx, config: CONFIG });
    await fill(store, 30);
    const segments = await segmentFiles(store);
    ctx.clock.set(at(12));
    assert.equal((await store.runCleanOnce()).deletedSegments, 0, "12:30 is not 04");
    assert.equal((await store.deleteExpiredFiles()).deletedSegments, segments - 1);
    await store.shutdown();
  },
);

forEachAdapter("CommitLog answers null to a read that races retention", async (ctx) => {
  ctx.clock.set(at(10));
  const before = await openTestStore({ ...ctx, config: CONFIG });
  const offsets = await fill(before, 60);
  await before.shutdown();
  const store = await openTestStore({ ...ctx, config: CONFIG });
  const first = store.commitLog.segments[0];
  assert.equal(first.inMemory(0), false, "segments loaded at start are read from the file");
  const reading = store.commitLog.readRecord(offsets[0]);
  const deleted = await store.commitLog.deleteSegments([first.path]);
  assert.equal(deleted, 1);
  assert.equal(await reading, null, "the record was removed under the read");
  assert.equal(await store.commitLog.readRecord(offsets[0]), null);
  await store.shutdown();
});

forEachAdapter("MessageStore retention counts only the files it deleted", async (ctx) => {
  ctx.clock.set(at(10));
  const store = await openTestStore({
    ...ctx,
    config: { ...CONFIG, flushIntervalCommitLog: 60_000 }, // the timer syncs nothing during the test
  });
  for (let i = 0; i < 60; i++) {
    const result = await store.putMessage(makeMessage({ body: new Uint8Array(200) }));
    assert.equal(result.status, "PUT_OK");
  }
  const before = await segmentFiles(store);
  assert(before >= 3, `${before} segments`);
  ctx.clock.set(at(4, 3)); // all expired, at the deleteWhen hour
  const refused = await store.runCleanOnce();
  assert.equal(await segmentFiles(store), before, "unsynced segments are kept");
  assert.equal(refused.deletedSegments, 0, "and not reported deleted");
  await store.flush();
  const result = await store.runCleanOnce();
  assert.equal(result.deletedSegments, before - 1);
  assert.equal(await segmentFiles(store), 1);
  await store.shutdown();
});

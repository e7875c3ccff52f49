import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, SeededRandom } from "./_test_messages.ts";
import { openTestLog } from "./_test_commit_log.ts";
import { decodeRecord } from "./message_record.ts";
import type { FileHandle, FileSystem, OpenOptions } from "./file_system.ts";
import { COMMIT_LOG_READ_BLOCK_BYTES } from "./limits.ts";

const MIB = 1024 * 1024;

/** The adapter under test, counting the reads its handles make. */
function countingReads(fs: FileSystem): { fs: FileSystem; reads: () => number } {
  let reads = 0;
  const counted: FileSystem = {
    open: async (path: string, options?: OpenOptions): Promise<FileHandle> => {
      const handle = await fs.open(path, options);
      return {
        path: handle.path,
        readAt: (buffer, position) => {
          reads++;
          return handle.readAt(buffer, position);
        },
        writeAt: (data, position) => handle.writeAt(data, position),
        append: (data) => handle.append(data),
        sync: () => handle.sync(),
        truncate: (size) => handle.truncate(size),
        size: () => handle.size(),
        close: () => handle.close(),
      };
    },
    stat: (path) => fs.stat(path),
    list: (dir) => fs.list(dir),
    mkdir: (dir) => fs.mkdir(dir),
    remove: (path) => fs.remove(path),
    rename: (from, to) => fs.rename(from, to),
    syncDir: (dir) => fs.syncDir(dir),
    diskUsage: (path) => fs.diskUsage(path),
    tryLock: (path) => fs.tryLock(path),
  };
  return { fs: counted, reads: () => reads };
}

forEachAdapter(
  "CommitLog reads records behind its memory window from the file in blocks",
  async (ctx) => {
    const counting = countingReads(ctx.fs);
    const opened = await openTestLog({
      ...ctx,
      fs: counting.fs,
      segmentBytes: 8 * MIB,
      tailWindowBytes: MIB,
    });
    const offsets: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const outcome = opened.log.append(makeMessage({ body: new Uint8Array(1000).fill(i & 0xff) }));
      assert.equal(outcome.status, "PUT_OK");
      if (outcome.status === "PUT_OK") offsets.push(outcome.result.wroteOffset);
      if (i % 500 === 499) await opened.flusher.flush();
    }
    await opened.flusher.flush();
    const before = counting.reads();
    let fromMemory = 0;
    for (let i = 0; i < offsets.length; i++) {
      const size = (i + 1 < offsets.length ? offsets[i + 1] : opened.log.getMaxOffset()) -
        offsets[i];
      let bytes = opened.log.readFromMemory(offsets[i], size);
      if (bytes !== undefined) fromMemory++;
      bytes ??= (await opened.log.read(offsets[i], size))!;
      const record = decodeRecord(bytes);
      assert.equal(record.physicalOffset, offsets[i], `record ${i}`);
      assert.deepEqual(record.body, new Uint8Array(1000).fill(i & 0xff), `body of record ${i}`);
    }
    const fileBytes = offsets[offsets.length - 1] - MIB;
    const reads = counting.reads() - before;
    assert.ok(fromMemory > offsets.length * 0.9, `${fromMemory} of ${offsets.length} without I/O`);
    assert.ok(
      reads <= Math.ceil(fileBytes / COMMIT_LOG_READ_BLOCK_BYTES) + 2,
      `${reads} file reads for ${fileBytes} bytes`,
    );
    await opened.close();
  },
);

forEachAdapter(
  "CommitLog forgets read blocks of a segment retention deleted",
  async (ctx) => {
    const segmentBytes = 64 * 1024;
    const opened = await openTestLog({ ...ctx, segmentBytes, tailWindowBytes: 1 });
    const offsets: number[] = [];
    for (let i = 0; i < 200; i++) {
      const outcome = opened.log.append(makeMessage({ body: new Uint8Array(900).fill(i) }));
      if (outcome.status === "PUT_OK") offsets.push(outcome.result.wroteOffset);
    }
    await opened.flusher.flush();
    const victim = offsets[1];
    const first = await opened.log.readRecord(victim);
    assert.ok(first !== null && decodeRecord(first).physicalOffset === victim);
    assert.ok(opened.log.readFromMemory(victim, 8) !== undefined, "the block is cached");
    const deleted = await opened.log.deleteSegmentsBefore(segmentBytes, 1);
    assert.equal(deleted, 1);
    assert.equal(opened.log.readFromMemory(victim, 8), undefined);
    assert.equal(await opened.log.read(victim, 8), null);
    const kept = offsets.find((offset) => offset >= segmentBytes)!;
    assert.equal(decodeRecord((await opened.log.readRecord(kept))!).physicalOffset, kept);
    await opened.close();
  },
);

forEachAdapter(
  "CommitLog reuses chunks above its tail window and never reads a reused chunk as old data",
  async (ctx) => {
    const seed = 11;
    const random = new SeededRandom(seed);
    const segmentBytes = 3 * MIB; // 1 MiB chunks: records cross chunk ends
    const opened = await openTestLog({ ...ctx, segmentBytes, tailWindowBytes: MIB });
    const pool = opened.log.chunkPool;
    const written: Array<{ offset: number; size: number; fill: number }> = [];
    for (let i = 0; i < 1500; i++) {
      const body = new Uint8Array(random.int(1, 12_000)).fill(i & 0xff);
      const outcome = opened.log.append(makeMessage({ body }));
      assert.equal(outcome.status, "PUT_OK", `seed ${seed}, record ${i}`);
      if (outcome.status !== "PUT_OK") return;
      written.push({
        offset: outcome.result.wroteOffset,
        size: outcome.result.wroteBytes,
        fill: i,
      });
      // The writer runs at random points, so reads meet every mix of memory, blocks and file.
      if (random.int(0, 10) === 0) await opened.flusher.drainWrites();
      for (let r = 0; r < 2; r++) {
        const pick = written[random.int(0, written.length)];
        const bytes = opened.log.readFromMemory(pick.offset, pick.size) ??
          (await opened.log.read(pick.offset, pick.size))!;
        const record = decodeRecord(bytes);
        assert.equal(record.physicalOffset, pick.offset, `seed ${seed}, read after ${i}`);
        assert.ok(record.body.every((b) => b === (pick.fill & 0xff)), `seed ${seed}, body`);
      }
    }
    assert.ok(
      pool.allocated <= pool.windowChunks + 8 + 2,
      `${pool.allocated} chunks made for a window of ${pool.windowChunks}`,
    );
    await opened.close();
  },
);

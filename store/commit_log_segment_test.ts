import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { CommitLogChunkPool } from "./commit_log_chunk_pool.ts";
import { CommitLogSegment } from "./commit_log_segment.ts";

const CHUNK = 4096;

function pattern(length: number, seed: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 31 + seed) & 0xff);
}

forEachAdapter(
  "CommitLogSegment reads a record whose first chunk was reused and whose end is unwritten",
  async ({ fs, dir }) => {
    const pool = new CommitLogChunkPool({
      chunkBytes: CHUNK,
      maxChunks: 8,
      windowChunks: 1,
      spareChunks: 0,
    });
    const segment = new CommitLogSegment(dir, 0, 4 * CHUNK, CHUNK);
    segment.startMemoryAt(0);
    const first = pattern(3000, 1);
    const second = pattern(2000, 2); // 3000..5000: across the end of chunk 0
    segment.addChunks(pool, 0, 5000);
    segment.copyIn(first, 0);
    segment.copyIn(second, 3000);
    segment.wrotePosition = 5000;
    assert.equal(await segment.writeNext(fs, CHUNK), CHUNK, "a write stops at the chunk end");
    assert.equal(segment.writtenPosition, CHUNK);
    assert.ok(segment.releaseOldestChunk(pool), "chunk 0 is written, so it can be reused");
    assert.equal(segment.memoryStart, CHUNK);
    // The reused chunk now holds other bytes; no read may see them.
    const reused = pool.take()!;
    reused.bytes.fill(0xee);
    assert.equal(segment.readFromMemory(3000, 2000), undefined);
    assert.deepEqual(await segment.read(fs, 3000, 2000), second, "file part + memory part");
    assert.deepEqual(await segment.read(fs, 0, 3000), first, "from the file");
    assert.deepEqual(segment.readFromMemory(CHUNK, 5000 - CHUNK), second.subarray(CHUNK - 3000));
    assert.equal(segment.releaseOldestChunk(pool), false, "chunk 1 waits for the writer");
    pool.give(reused);
    await segment.writeNext(fs, CHUNK);
    assert.equal(segment.writtenPosition, 5000);
    assert.equal(segment.releaseOldestChunk(pool), false, "chunk 1 still takes appends");
    assert.deepEqual(await segment.read(fs, 3000, 2000), second, "all written now");
    await segment.close();
  },
);

forEachAdapter(
  "CommitLogSegment.readFile answers false once retention deleted the file",
  async ({ fs, dir }) => {
    const pool = new CommitLogChunkPool({
      chunkBytes: CHUNK,
      maxChunks: 4,
      windowChunks: 1,
      spareChunks: 0,
    });
    const segment = new CommitLogSegment(dir, 0, CHUNK, CHUNK);
    segment.startMemoryAt(0);
    segment.addChunks(pool, 0, 100);
    segment.copyIn(pattern(100, 3), 0);
    segment.wrotePosition = 100;
    await segment.writeNext(fs, CHUNK);
    const out = new Uint8Array(100);
    assert.ok(await segment.readFile(fs, out, 0));
    assert.deepEqual(out, pattern(100, 3));
    segment.releaseAllChunks(pool);
    await segment.destroy(fs);
    assert.equal(await segment.readFile(fs, out, 0), false);
    assert.equal(await segment.read(fs, 0, 100), null);
  },
);

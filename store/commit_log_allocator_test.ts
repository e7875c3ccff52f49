import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { CrashingFileSystem } from "./_test_crash_fs.ts";
import { CommitLogAllocator } from "./commit_log_allocator.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";

const MIB = 1024 * 1024;

forEachAdapter(
  "CommitLogAllocator creates, zero-fills and hands over a segment file",
  async (ctx) => {
    const counting = new CrashingFileSystem(ctx.fs);
    const dir = `${ctx.dir}/commitlog`;
    await ctx.fs.mkdir(dir);
    const allocator = new CommitLogAllocator({
      fs: counting,
      dir,
      segmentBytes: 3 * MIB,
      warm: true,
      syncEveryPages: 256, // every 1 MiB
      onError: (error) => {
        throw error;
      },
    });
    allocator.prepare(3 * MIB);
    allocator.prepare(3 * MIB); // once only
    await allocator.ready(3 * MIB);
    // create + truncate + folder sync, then 3 × (1 MiB zero write + sync)
    assert.equal(counting.operations, 3 + 6);
    const handle = await allocator.take(3 * MIB)!;
    assert.equal(await handle.size(), 3 * MIB);
    const probe = new Uint8Array(16).fill(9);
    await handle.readAt(probe, 2 * MIB);
    assert.ok(probe.every((b) => b === 0));
    handle.close();
    assert.equal(allocator.take(3 * MIB), undefined, "handed over once");
    assert.equal(allocator.take(6 * MIB), undefined, "never prepared");
    await allocator.close();
    assert.deepEqual(await ctx.fs.list(dir), ["00000000000003145728"], "a taken file stays");
  },
);

Deno.test("CommitLogAllocator stops the warm-up when the file is taken, and drops unused files", async () => {
  const memory = new MemoryFileSystem();
  await memory.mkdir("/c");
  const allocator = new CommitLogAllocator({
    fs: memory,
    dir: "/c",
    segmentBytes: 8 * MIB,
    warm: true,
    syncEveryPages: 256,
    onError: (error) => {
      throw error;
    },
  });
  const release = memory.holdSyncs();
  allocator.prepare(0);
  const taken = allocator.take(0)!; // the fill is stalled at its first sync
  release();
  const handle = await taken;
  assert.ok(memory.syncCount <= 1, `the warm-up stopped early: ${memory.syncCount} syncs`);
  handle.close();
  allocator.prepare(8 * MIB);
  await allocator.close();
  assert.deepEqual(await memory.list("/c"), ["00000000000000000000"], "the unused file is gone");
});

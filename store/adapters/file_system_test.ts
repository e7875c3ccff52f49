import assert from "node:assert/strict";
import { FileNotFoundError } from "../file_system.ts";
import { forEachAdapter } from "../_test_adapters.ts";
import { MemoryFileSystem } from "./memory_file_system.ts";
import { ManualClock } from "../../common/clock.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

forEachAdapter("FileSystem writes, reads back and appends at positions", async ({ fs, dir }) => {
  const file = await fs.open(`${dir}/a`, { create: true });
  try {
    await file.writeAt(bytes(1, 2, 3), 0);
    await file.writeAt(bytes(9), 5);
    assert.equal(await file.size(), 6);
    const back = new Uint8Array(8);
    assert.equal(await file.readAt(back, 0), 6);
    assert.deepEqual(back.subarray(0, 6), bytes(1, 2, 3, 0, 0, 9));
    assert.equal(await file.append(bytes(7, 7)), 6);
    assert.equal(await file.size(), 8);
    assert.equal(await file.readAt(back, 7), 1);
    assert.equal(back[0], 7);
    await file.sync();
  } finally {
    file.close();
  }
});

forEachAdapter("FileSystem truncates down and extends with zeros", async ({ fs, dir }) => {
  const file = await fs.open(`${dir}/t`, { create: true });
  try {
    await file.writeAt(bytes(1, 2, 3, 4), 0);
    await file.truncate(2);
    await file.truncate(4);
    const back = new Uint8Array(4);
    assert.equal(await file.readAt(back, 0), 4);
    assert.deepEqual(back, bytes(1, 2, 0, 0));
  } finally {
    file.close();
  }
});

forEachAdapter(
  "FileSystem runs concurrent positional operations correctly",
  async ({ fs, dir }) => {
    const file = await fs.open(`${dir}/c`, { create: true });
    try {
      await Promise.all(
        Array.from({ length: 32 }, (_, i) => file.writeAt(new Uint8Array(16).fill(i), i * 16)),
      );
      const reads = await Promise.all(Array.from({ length: 32 }, async (_, i) => {
        const chunk = new Uint8Array(16);
        await file.readAt(chunk, i * 16);
        return chunk;
      }));
      reads.forEach((chunk, i) => assert.ok(chunk.every((b) => b === i), `chunk ${i}`));
    } finally {
      file.close();
    }
  },
);

forEachAdapter("FileSystem lists, renames, stats and removes", async ({ fs, dir }) => {
  await fs.mkdir(`${dir}/sub/deep`);
  const file = await fs.open(`${dir}/sub/x.tmp`, { create: true });
  await file.writeAt(bytes(5), 0);
  file.close();
  await fs.rename(`${dir}/sub/x.tmp`, `${dir}/sub/x`);
  assert.deepEqual(await fs.list(`${dir}/sub`), ["deep", "x"]);
  assert.deepEqual(await fs.list(`${dir}/missing`), []);
  const info = await fs.stat(`${dir}/sub/x`);
  assert.equal(info?.size, 1);
  assert.equal(info?.isDirectory, false);
  assert.equal((await fs.stat(`${dir}/sub`))?.isDirectory, true);
  assert.equal(await fs.stat(`${dir}/sub/x.tmp`), null);
  await fs.syncDir(`${dir}/sub`);
  await fs.remove(`${dir}/sub`);
  await fs.remove(`${dir}/sub`);
  assert.equal(await fs.stat(`${dir}/sub`), null);
  await assert.rejects(fs.open(`${dir}/sub/x`), FileNotFoundError);
  const usage = await fs.diskUsage(dir);
  assert.ok(usage.totalBytes > 0 && usage.freeBytes <= usage.totalBytes, JSON.stringify(usage));
});

Deno.test("MemoryFileSystem crash drops writes made after the last sync", async () => {
  const fs = new MemoryFileSystem();
  const file = await fs.open("/f", { create: true });
  await file.writeAt(bytes(1, 1, 1, 1), 0);
  await file.sync();
  await file.writeAt(bytes(2, 2), 2);
  await file.writeAt(bytes(3, 3), 4);
  fs.crash();
  assert.deepEqual(fs.readFileBytes("/f"), bytes(1, 1, 1, 1));
  await file.writeAt(bytes(4), 1);
  fs.crash();
  assert.deepEqual(fs.readFileBytes("/f"), bytes(1, 1, 1, 1));
  file.close();
});

Deno.test("MemoryFileSystem crash keeps a torn prefix of the unsynced bytes", async () => {
  const fs = new MemoryFileSystem();
  const file = await fs.open("/f", { create: true });
  await file.writeAt(bytes(1, 1), 0);
  await file.sync();
  await file.writeAt(bytes(2, 2, 2, 2), 2);
  fs.crash({ tear: { path: "/f", byte: 4 } });
  assert.deepEqual(fs.readFileBytes("/f"), bytes(1, 1, 2, 2));
  await file.truncate(1);
  fs.crash();
  assert.deepEqual(fs.readFileBytes("/f"), bytes(1, 1, 2, 2), "truncate is undone when unsynced");
  await file.truncate(1);
  await file.sync();
  fs.crash();
  assert.deepEqual(fs.readFileBytes("/f"), bytes(1));
  file.close();
});

Deno.test("MemoryFileSystem holds syncs until released and stamps mtimes with its clock", async () => {
  const clock = new ManualClock(1_000);
  const fs = new MemoryFileSystem({ clock, capacityBytes: 100 });
  const file = await fs.open("/f", { create: true });
  clock.advance(5);
  await file.writeAt(bytes(1, 2, 3), 0);
  assert.equal((await fs.stat("/f"))?.mtimeMs, 1_005);
  assert.deepEqual(await fs.diskUsage("/"), { totalBytes: 100, freeBytes: 97 });
  const release = fs.holdSyncs();
  let synced = false;
  const pending = file.sync().then(() => synced = true);
  await Promise.resolve();
  assert.equal(synced, false);
  release();
  await pending;
  assert.equal(synced, true);
  file.close();
});

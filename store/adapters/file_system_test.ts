import assert from "node:assert/strict";
import { statfs } from "node:fs/promises";
import { diskUsedPercent, FileNotFoundError } from "../file_system.ts";
import { forEachAdapter } from "../_test_adapters.ts";
import { MemoryFileSystem } from "./memory_file_system.ts";
import { DenoFileSystem } from "./deno_file_system.ts";
import { ManualClock } from "../../common/clock.ts";
import { SeededRandom } from "../_test_messages.ts";

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

forEachAdapter(
  "FileSystem reads and writes that continue or jump match a byte-array model",
  async ({ fs, dir }) => {
    const seed = 29;
    const random = new SeededRandom(seed);
    const file = await fs.open(`${dir}/m`, { create: true });
    let model = new Uint8Array(0);
    let end = 0; // where the last read or write stopped: the next op often continues there
    let asked = 0; // where the last read would have stopped without the end of the file
    const sizeOf = () =>
      random.int(0, 8) === 0 ? random.int(256 * 1024, 300 * 1024) : random.int(1, 5000);
    try {
      for (let op = 0; op < 300; op++) {
        const kind = random.int(0, 10);
        const pick = random.int(0, 3);
        const position = pick === 0 ? end : pick === 1 ? asked : random.int(0, model.length + 100);
        if (kind < 4) {
          const data = new Uint8Array(sizeOf()).fill(op & 0xff);
          await file.writeAt(data, position);
          if (position + data.length > model.length) {
            const grown = new Uint8Array(position + data.length);
            grown.set(model);
            model = grown;
          }
          model.set(data, position);
          end = position + data.length;
        } else if (kind < 8) {
          const out = new Uint8Array(sizeOf());
          const n = await file.readAt(out, position);
          const expected = model.subarray(Math.min(position, model.length), position + out.length);
          assert.equal(n, expected.length, `seed ${seed}, op ${op}: read length at ${position}`);
          assert.deepEqual(
            out.subarray(0, n),
            expected,
            `seed ${seed}, op ${op}: read at ${position}`,
          );
          end = position + n;
          asked = position + out.length;
        } else if (kind === 8) {
          const data = new Uint8Array(random.int(1, 3000)).fill(0xa0 + (op & 0xf));
          assert.equal(await file.append(data), model.length, `seed ${seed}, op ${op}: append`);
          const grown = new Uint8Array(model.length + data.length);
          grown.set(model);
          grown.set(data, model.length);
          model = grown;
          end = model.length;
        } else {
          const size = random.int(0, model.length + 1);
          await file.truncate(size);
          const cut = new Uint8Array(size);
          cut.set(model.subarray(0, size));
          model = cut;
        }
      }
      assert.equal(await file.size(), model.length, `seed ${seed}: size`);
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

Deno.test("DenoFileSystem measures disk use as RocketMQ and df do", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq-disk-" });
  try {
    const fs = new DenoFileSystem();
    const usage = await fs.diskUsage(dir);
    const info = await statfs(dir);
    // UtilAll.getDiskPartitionSpaceUsedPercent: (total - free) / ((total - free) + usable), so
    // blocks reserved for root are neither used nor free.
    const used = info.blocks - info.bfree;
    const expected = (used / (used + info.bavail)) * 100;
    const percent = diskUsedPercent(usage)!;
    assert.ok(
      Math.abs(percent - expected) < 0.5,
      `statfs ${JSON.stringify(info)}: ${percent} % measured, df shows ${expected} %`,
    );
    assert.equal(usage.totalBytes, info.blocks * info.bsize);
    assert.equal(usage.freeBytes, info.bavail * info.bsize);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("diskUsedPercent leaves reserved blocks out and reports no capacity", () => {
  assert.equal(diskUsedPercent({ totalBytes: 100, freeBytes: 40, usedBytes: 10 }), 20);
  assert.equal(diskUsedPercent({ totalBytes: 100, freeBytes: 40 }), 60);
  assert.equal(diskUsedPercent({ totalBytes: 0, freeBytes: 0 }), undefined);
  assert.equal(diskUsedPercent({ totalBytes: 100, freeBytes: 0, usedBytes: 0 }), undefined);
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

Deno.test("MemoryFileSystem crash with entries drops files whose folder was not synced", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir("/d");
  for (const name of ["/d/synced", "/d/unsynced", "/d/renamed.tmp"]) {
    const file = await fs.open(name, { create: true });
    await file.writeAt(bytes(1), 0);
    await file.sync();
    file.close();
    if (name === "/d/synced") await fs.syncDir("/d");
  }
  await fs.rename("/d/renamed.tmp", "/d/renamed");
  fs.crash({ entries: true });
  assert.deepEqual(await fs.list("/d"), ["renamed", "synced"], "renames count as durable");
  const late = await fs.open("/d/late", { create: true });
  late.close();
  fs.crash();
  fs.crash({ entries: true });
  assert.deepEqual(await fs.list("/d"), ["late", "renamed", "synced"], "a crash settles entries");
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

/** The old two-image model of a file, kept here as the reference for the undo log. */
class ReferenceFile {
  live = new Uint8Array(0);
  durable = new Uint8Array(0);
  dirtyStart = Number.POSITIVE_INFINITY;
  dirtyEnd = 0;
  write(data: Uint8Array, position: number): void {
    const end = position + data.length;
    if (end > this.live.length) this.#resize(end);
    this.live.set(data, position);
    this.#dirty(position, end);
  }
  truncate(size: number): void {
    const old = this.live.length;
    this.#resize(size);
    this.#dirty(Math.min(size, old), Math.max(size, old));
  }
  sync(): void {
    this.durable = this.live.slice();
    this.dirtyStart = Number.POSITIVE_INFINITY;
    this.dirtyEnd = 0;
  }
  crash(tear: number): void {
    const keepEnd = Math.min(tear, this.dirtyEnd, this.live.length);
    const survivors = keepEnd > this.dirtyStart
      ? this.live.slice(this.dirtyStart, keepEnd)
      : undefined;
    const size = Math.max(this.durable.length, survivors ? keepEnd : 0);
    const next = new Uint8Array(size);
    next.set(this.durable.subarray(0, Math.min(size, this.durable.length)));
    if (survivors) next.set(survivors, this.dirtyStart);
    this.live = next;
    this.sync();
  }
  #resize(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.live.subarray(0, Math.min(size, this.live.length)));
    this.live = next;
  }
  #dirty(start: number, end: number): void {
    this.dirtyStart = Math.min(this.dirtyStart, start);
    this.dirtyEnd = Math.max(this.dirtyEnd, end);
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

Deno.test("MemoryFileSystem crash matches the two-image reference model", async () => {
  for (let seed = 1; seed <= 40; seed++) {
    const random = new SeededRandom(seed);
    const fs = new MemoryFileSystem();
    const file = await fs.open("/f", { create: true });
    const model = new ReferenceFile();
    const span = random.int(1, 4) * 64 * 1024 + random.int(0, 5000); // across 64 KiB blocks
    for (let step = 0; step < 60; step++) {
      const op = random.int(0, 10);
      if (op < 5) {
        const data = random.bytes(random.int(1, 20_000));
        const position = random.int(0, span);
        await file.writeAt(data, position);
        model.write(data, position);
      } else if (op < 7) {
        const size = random.int(0, span);
        await file.truncate(size);
        model.truncate(size);
      } else if (op < 9) {
        await file.sync();
        model.sync();
      } else {
        const tear = random.int(0, span + 20_000);
        fs.crash({ tear: { path: "/f", byte: tear } });
        model.crash(tear);
      }
      const actual = fs.readFileBytes("/f")!;
      const where = `seed ${seed}, step ${step}, op ${op}`;
      assert.equal(actual.length, model.live.length, `${where}: size`);
      assert.equal(firstDifference(actual, model.live), -1, `${where}: first differing byte`);
    }
    file.close();
  }
});

forEachAdapter(
  "FileSystem tryLock refuses a second holder until the first releases",
  async ({ fs, dir }) => {
    const path = `${dir}/lock`;
    const lock = await fs.tryLock(path);
    assert.ok(lock !== null, "a free lock is taken");
    assert.ok(await fs.stat(path), "the lock file is created");
    assert.equal(await fs.tryLock(path), null, "a second holder is refused");
    await lock.release();
    await lock.release(); // twice is harmless
    const again = await fs.tryLock(path);
    assert.ok(again !== null, "free again after release");
    await again.release();
  },
);

Deno.test("DenoFileSystem tryLock is refused while another process holds the lock", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_lock_" });
  const path = `${dir}/lock`;
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const f = await Deno.open(${
        JSON.stringify(path)
      }, { read: true, write: true, create: true });
       await f.lock(true); console.log("locked"); for await (const _ of Deno.stdin.readable) {}`,
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  try {
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    assert.equal(value?.trim(), "locked");
    const fs = new DenoFileSystem();
    assert.equal(await fs.tryLock(path), null, "held by the other process");
    await holder.stdin.close(); // the holder ends, and its lock with it
    assert.equal((await holder.status).code, 0);
    await reader.cancel();
    const lock = await fs.tryLock(path);
    assert.ok(lock !== null);
    await lock.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

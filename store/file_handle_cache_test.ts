import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { FileHandleCache } from "./file_handle_cache.ts";

forEachAdapter(
  "FileHandleCache reads through kept handles, bounded and forgettable",
  async (ctx) => {
    const write = async (name: string, value: number) => {
      const handle = await ctx.fs.open(`${ctx.dir}/${name}`, { create: true });
      await handle.writeAt(new Uint8Array(8).fill(value), 0);
      handle.close();
    };
    const cache = new FileHandleCache(ctx.fs, 2);
    const readByte = async (name: string) => {
      const byte = new Uint8Array(1);
      const n = await cache.read(`${ctx.dir}/${name}`, byte, 3);
      return n === null ? null : byte[0];
    };
    assert.equal(await readByte("a"), null, "absent");
    await write("a", 1);
    assert.equal(await readByte("a"), 1, "an absent file is looked up again");
    await write("b", 2);
    await write("c", 3);
    // Concurrent reads of more files than the capacity all succeed.
    assert.deepEqual(await Promise.all(["a", "b", "c", "a"].map(readByte)), [1, 2, 3, 1]);
    await cache.forget(`${ctx.dir}/c`);
    await ctx.fs.remove(`${ctx.dir}/c`);
    await write("c", 4);
    assert.equal(await readByte("c"), 4, "a forgotten path is opened afresh");
    await cache.close(); // the sanitizer fails the test if a handle stays open
  },
);

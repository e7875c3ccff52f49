import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { CrashingFileSystem, SimulatedCrash } from "./_test_crash_fs.ts";
import { ConfigFile, ConfigFileCorruptError } from "./config_file.ts";
import { CONFIG_FILE_BYTES_MAX } from "./limits.ts";
import type { FileSystem } from "./file_system.ts";
import { joinPath } from "./store_paths.ts";

async function writeRaw(fs: FileSystem, path: string, text: string): Promise<void> {
  const handle = await fs.open(path, { create: true });
  await handle.truncate(0);
  await handle.writeAt(new TextEncoder().encode(text), 0);
  await handle.sync();
  handle.close();
}

async function readRaw(fs: FileSystem, path: string): Promise<string> {
  const handle = await fs.open(path);
  const bytes = new Uint8Array(await handle.size());
  await handle.readAt(bytes, 0);
  handle.close();
  return new TextDecoder().decode(bytes);
}

forEachAdapter(
  "ConfigFile writes fastjson and keeps the previous version as .bak",
  async ({ fs, dir }) => {
    const file = new ConfigFile({ fs, path: joinPath(dir, "config", "consumerOffset.json") });
    assert.equal(await file.read(), null, "nothing yet");
    await file.write({ offsetTable: { "T@G": { 0: 1 } } }, { unquotedIntegerKeys: true });
    await file.write({ offsetTable: { "T@G": { 0: 2, 1: 5 } } }, { unquotedIntegerKeys: true });
    assert.equal(
      await readRaw(fs, file.path),
      '{\n\t"offsetTable":{\n\t\t"T@G":{0:2,1:5\n\t\t}\n\t}\n}',
    );
    assert.equal(
      await readRaw(fs, file.bakPath),
      '{\n\t"offsetTable":{\n\t\t"T@G":{0:1\n\t\t}\n\t}\n}',
    );
    assert.equal(await fs.stat(file.tmpPath), null, "no .tmp left behind");
    assert.deepEqual(await file.readWithSource(), {
      value: { offsetTable: { "T@G": { 0: 2, 1: 5 } } },
      source: "file",
    });
  },
);

forEachAdapter(
  "ConfigFile falls back to .bak when the file is empty, torn or rejected",
  async ({ fs, dir }) => {
    const file = new ConfigFile({ fs, path: joinPath(dir, "topics.json") });
    await file.write({ dataVersion: { counter: 1 } });
    await file.write({ dataVersion: { counter: 2 } });
    await writeRaw(fs, file.tmpPath, '{"dataVersion":{"cou'); // a torn .tmp is never read
    assert.deepEqual(await file.read(), { dataVersion: { counter: 2 } });
    await writeRaw(fs, file.path, "");
    assert.deepEqual(await file.readWithSource(), {
      value: { dataVersion: { counter: 1 } },
      source: "bak",
    });
    await writeRaw(fs, file.path, '{"dataVersion":{"cou');
    assert.deepEqual(await file.read(), { dataVersion: { counter: 1 } });
    await writeRaw(fs, file.path, '{"dataVersion":{"counter":"x"}}');
    const decode = (value: unknown) => {
      const counter = (value as { dataVersion: { counter: unknown } }).dataVersion.counter;
      if (typeof counter !== "number") throw new TypeError("counter is not a number");
      return counter;
    };
    assert.equal(await file.read(decode), 1, "a decoder rejection falls back too");
  },
);

forEachAdapter("ConfigFile reports a damaged file without a usable .bak", async ({ fs, dir }) => {
  const file = new ConfigFile({ fs, path: joinPath(dir, "subscriptionGroup.json") });
  await writeRaw(fs, file.path, "{not json");
  await assert.rejects(file.read(), (error: unknown) => {
    assert(error instanceof ConfigFileCorruptError);
    assert.match(
      error.message,
      /^Cannot load .*subscriptionGroup\.json: Cannot parse fastjson text: .*\.bak is missing$/,
    );
    return true;
  });
  await writeRaw(fs, file.bakPath, "[");
  await assert.rejects(file.read(), /\.bak is unreadable/);
  await writeRaw(fs, file.path, "");
  await assert.rejects(file.read(), ConfigFileCorruptError, "empty file and a broken .bak");
});

forEachAdapter(
  "ConfigFile keeps the file and never loses both versions when a write stops at any step",
  async ({ fs, dir, memory }) => {
    const oldValue = { offsetTable: { 1: 17 } };
    const newValue = { offsetTable: { 1: 18, 2: 3 } };
    let finished = false;
    for (let step = 0; !finished; step++) {
      assert(step < 20, "a write ends within 20 operations");
      const path = joinPath(dir, `run${step}`, "delayOffset.json");
      await new ConfigFile({ fs, path }).write(oldValue, { unquotedIntegerKeys: true });
      const crashing = new CrashingFileSystem(fs);
      const file = new ConfigFile({ fs: crashing, path });
      crashing.arm(step);
      try {
        await file.write(newValue, { unquotedIntegerKeys: true });
        finished = true;
      } catch (error) {
        assert(error instanceof SimulatedCrash, `step ${step}: ${error}`);
      }
      memory?.crash({ tear: { path: file.tmpPath, byte: 7 } });
      // The file itself is always there (readers without the .bak fallback rely on it).
      assert.notEqual(await fs.stat(path), null, `step ${step}: ${path} is missing`);
      const loaded = await new ConfigFile({ fs, path }).read();
      const text = JSON.stringify(loaded);
      assert(
        text === JSON.stringify(oldValue) || text === JSON.stringify(newValue),
        `step ${step}: loaded ${text}`,
      );
      if (finished) assert.equal(text, JSON.stringify(newValue));
    }
  },
);

forEachAdapter(
  "ConfigFile never replaces a good .bak with a damaged file, at any step of a write",
  async ({ fs, dir }) => {
    const good = { offsetTable: { "T@G": { 0: 7 } } };
    const next = { offsetTable: { "T@G": { 0: 8 } } };
    let finished = false;
    for (let step = 0; !finished; step++) {
      assert(step < 20, "a write ends within 20 operations");
      const path = joinPath(dir, `run${step}`, "consumerOffset.json");
      const setup = new ConfigFile({ fs, path });
      await setup.write(good, { unquotedIntegerKeys: true });
      await setup.write(good, { unquotedIntegerKeys: true }); // .bak holds `good` too
      await writeRaw(fs, path, '{"offsetTable":{"T@G":{0:'); // the file is torn
      // A fresh instance (it never loaded the file) writes, and stops at `step`.
      const crashing = new CrashingFileSystem(fs);
      crashing.arm(step);
      try {
        await new ConfigFile({ fs: crashing, path }).write(next, { unquotedIntegerKeys: true });
        finished = true;
      } catch (error) {
        assert(error instanceof SimulatedCrash, `step ${step}: ${error}`);
      }
      const loaded = JSON.stringify(await new ConfigFile({ fs, path }).read());
      assert(
        loaded === JSON.stringify(good) || loaded === JSON.stringify(next),
        `step ${step}: loaded ${loaded}`,
      );
      if (finished) {
        assert.equal(loaded, JSON.stringify(next));
        assert.deepEqual(await new ConfigFile({ fs, path: `${path}.bak` }).read(), good);
      }
    }
  },
);

forEachAdapter(
  "ConfigFile keeps .bak when the file it loaded from .bak decodes but was rejected",
  async ({ fs, dir }) => {
    const path = joinPath(dir, "topics.json");
    const setup = new ConfigFile({ fs, path });
    await setup.write({ dataVersion: { counter: 1 } });
    await setup.write({ dataVersion: { counter: 1 } });
    await writeRaw(fs, path, '{"dataVersion":{"counter":"x"}}'); // parses, but is not valid
    const decode = (value: unknown) => {
      const counter = (value as { dataVersion: { counter: unknown } }).dataVersion.counter;
      if (typeof counter !== "number") throw new TypeError("counter is not a number");
      return counter;
    };
    const file = new ConfigFile({ fs, path });
    assert.deepEqual(await file.readWithSource(decode), { value: 1, source: "bak" });
    await file.write({ dataVersion: { counter: 2 } });
    assert.equal(await new ConfigFile({ fs, path: file.bakPath }).read(decode), 1);
    assert.equal(await file.read(decode), 2);
    await file.write({ dataVersion: { counter: 3 } });
    assert.equal(await new ConfigFile({ fs, path: file.bakPath }).read(decode), 2, "good again");
  },
);

forEachAdapter("ConfigFile falls back to .bak when the file is oversized", async ({ fs, dir }) => {
  const file = new ConfigFile({ fs, path: joinPath(dir, "topics.json") });
  await file.write({ dataVersion: { counter: 1 } });
  await file.write({ dataVersion: { counter: 2 } });
  const handle = await fs.open(file.path);
  await handle.truncate(CONFIG_FILE_BYTES_MAX + 1); // sparse on both adapters
  handle.close();
  assert.deepEqual(await file.readWithSource(), {
    value: { dataVersion: { counter: 1 } },
    source: "bak",
  });
  await file.write({ dataVersion: { counter: 3 } });
  assert.deepEqual(await file.read(), { dataVersion: { counter: 3 } });
  assert.deepEqual(await new ConfigFile({ fs, path: file.bakPath }).read(), {
    dataVersion: { counter: 1 },
  }, "the oversized file was not kept");
});

forEachAdapter(
  "ConfigFile keeps the previous version of a file that is not fastjson",
  async ({ fs, dir }) => {
    const path = joinPath(dir, "conf", "namesrv.properties");
    await new ConfigFile({ fs, path }).writeText("listenPort=9876\n");
    await new ConfigFile({ fs, path }).writeText("listenPort=9877\n");
    assert.equal(await readRaw(fs, `${path}.bak`), "listenPort=9876\n");
    await writeRaw(fs, path, "");
    await new ConfigFile({ fs, path }).writeText("listenPort=9878\n");
    assert.equal(await readRaw(fs, `${path}.bak`), "listenPort=9876\n", "a blank file is not");
  },
);

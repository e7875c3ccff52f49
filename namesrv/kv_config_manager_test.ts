import assert from "node:assert/strict";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import { KvConfigLimitError, KvConfigLoadError, KvConfigManager } from "./kv_config_manager.ts";
import { KV_NAMESPACE_BYTES_MAX, KV_TEXT_CHARS_MAX } from "./limits.ts";

Deno.test("KvConfigManager persists to kvConfig.json and reloads after restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "namesrv_kv_" });
  try {
    const fs = new DenoFileSystem();
    const path = `${dir}/namesrv/kvConfig.json`;
    const first = new KvConfigManager({ fs, path });
    await first.load();
    await first.putKVConfig("ORDER_TOPIC_CONFIG", "T1", "broker-a:4;broker-b:4");
    await first.putKVConfig("ns", "k1", "v1");
    await first.putKVConfig("ns", "k2", "v2");
    assert.equal(await first.deleteKVConfig("ns", "k2"), true);
    assert.equal(await first.deleteKVConfig("ns", "missing"), false);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      configTable: { ORDER_TOPIC_CONFIG: { T1: "broker-a:4;broker-b:4" }, ns: { k1: "v1" } },
    });
    const second = new KvConfigManager({ fs, path });
    await second.load();
    assert.equal(second.getKVConfig("ORDER_TOPIC_CONFIG", "T1"), "broker-a:4;broker-b:4");
    assert.deepEqual([...second.getKVListByNamespace("ns")!], [["k1", "v1"]]);
    assert.deepEqual(second.namespaces(), ["ORDER_TOPIC_CONFIG", "ns"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvConfigManager drops a namespace with its last key, but keeps ORDER_TOPIC_CONFIG", async () => {
  const kv = new KvConfigManager({ fs: new MemoryFileSystem(), path: "/kv/kvConfig.json" });
  await kv.putKVConfig("ns", "k", "v");
  await kv.deleteKVConfig("ns", "k");
  assert.equal(kv.getKVListByNamespace("ns"), undefined);
  // Its empty table in registration answers tells brokers the last ordered topic is not any more.
  await kv.putKVConfig("ORDER_TOPIC_CONFIG", "T", "broker-a:4");
  await kv.deleteKVConfig("ORDER_TOPIC_CONFIG", "T");
  assert.deepEqual(kv.getKVListByNamespace("ORDER_TOPIC_CONFIG"), new Map());
});

Deno.test("KvConfigManager keeps concurrent puts in order on disk", async () => {
  const fs = new MemoryFileSystem();
  const kv = new KvConfigManager({ fs, path: "/kv/kvConfig.json" });
  await Promise.all(Array.from({ length: 20 }, (_, i) => kv.putKVConfig("ns", `k${i}`, `v${i}`)));
  const reloaded = new KvConfigManager({ fs, path: "/kv/kvConfig.json" });
  await reloaded.load();
  assert.equal(reloaded.getKVListByNamespace("ns")!.size, 20);
});

Deno.test("KvConfigManager refuses to start over a corrupt kvConfig.json", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir("/kv");
  const handle = await fs.open("/kv/kvConfig.json", { create: true });
  await handle.writeAt(new TextEncoder().encode("{broken"), 0);
  await handle.sync();
  handle.close();
  const kv = new KvConfigManager({ fs, path: "/kv/kvConfig.json" });
  await assert.rejects(kv.load(), (e: unknown) => {
    assert.ok(e instanceof KvConfigLoadError);
    assert.match(e.message, /^Cannot load KV config from \/kv\/kvConfig\.json: .+/);
    assert.match(e.message, /\/kv\/kvConfig\.json\.bak is missing$/);
    return true;
  });
});

Deno.test("KvConfigManager keeps the previous kvConfig.json as .bak and reads it when the file is corrupt", async () => {
  const fs = new MemoryFileSystem();
  const kv = new KvConfigManager({ fs, path: "/kv/kvConfig.json" });
  await kv.putKVConfig("ns", "a", "1");
  await kv.putKVConfig("ns", "b", "2");
  const bak = await fs.open("/kv/kvConfig.json.bak");
  const bytes = new Uint8Array(await bak.size());
  await bak.readAt(bytes, 0);
  bak.close();
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), {
    configTable: { ns: { a: "1" } },
  });
  const main = await fs.open("/kv/kvConfig.json");
  await main.truncate(0);
  await main.writeAt(new TextEncoder().encode("{torn"), 0);
  await main.sync();
  main.close();
  const reloaded = new KvConfigManager({ fs, path: "/kv/kvConfig.json" });
  await reloaded.load();
  assert.equal(reloaded.getKVConfig("ns", "a"), "1");
  assert.equal(reloaded.getKVConfig("ns", "b"), undefined, "the .bak is one version older");
});

Deno.test("KvConfigManager rejects a value over the size limit", async () => {
  const kv = new KvConfigManager({ fs: new MemoryFileSystem(), path: "/kv/kvConfig.json" });
  await assert.rejects(
    kv.putKVConfig("ns", "k", "x".repeat(KV_TEXT_CHARS_MAX + 1)),
    KvConfigLimitError,
  );
  assert.equal(kv.getKVConfig("ns", "k"), undefined);
});

Deno.test("KvConfigManager bounds a namespace's JSON bytes so REGISTER_BROKER answers fit a frame", async () => {
  const fs = new MemoryFileSystem();
  const kv = new KvConfigManager({ fs, path: "/kv/kvConfig.json" });
  const big = "v".repeat(KV_TEXT_CHARS_MAX); // each put is within the single-value limit
  const fits = Math.floor(KV_NAMESPACE_BYTES_MAX / (KV_TEXT_CHARS_MAX + 10));
  for (let i = 0; i < fits; i++) await kv.putKVConfig("ORDER_TOPIC_CONFIG", `T${i}`, big);
  const over = kv.putKVConfig("ORDER_TOPIC_CONFIG", "TOver", big);
  await assert.rejects(
    over,
    (e: Error) =>
      e instanceof KvConfigLimitError &&
      e.message.startsWith(
        "Cannot put KV ORDER_TOPIC_CONFIG/TOver: namespace ORDER_TOPIC_CONFIG would hold ",
      ) && e.message.endsWith(`bytes, over ${KV_NAMESPACE_BYTES_MAX}`),
  );
  assert.equal(kv.getKVConfig("ORDER_TOPIC_CONFIG", "TOver"), undefined, "nothing changed");
  const list = kv.getKVListByNamespace("ORDER_TOPIC_CONFIG")!;
  const json = JSON.stringify({ table: Object.fromEntries(list) });
  assert.ok(new TextEncoder().encode(json).length <= KV_NAMESPACE_BYTES_MAX + 64);
  // Other namespaces, smaller values and room freed by a delete are still fine.
  await kv.putKVConfig("other", "k", big);
  await kv.putKVConfig("ORDER_TOPIC_CONFIG", "T0", "broker-a:4");
  await kv.putKVConfig("ORDER_TOPIC_CONFIG", "TOver", big);
  await kv.deleteKVConfig("ORDER_TOPIC_CONFIG", "T1");
  await kv.putKVConfig("ORDER_TOPIC_CONFIG", "T1", big);
  // A reload counts what the file holds.
  const reloaded = new KvConfigManager({ fs, path: "/kv/kvConfig.json" });
  await reloaded.load();
  await assert.rejects(reloaded.putKVConfig("ORDER_TOPIC_CONFIG", "TNew", big), KvConfigLimitError);
});

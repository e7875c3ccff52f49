/**
 * Store benchmark: every figure beside a baseline measured in the same run on the same adapter.
 *
 * Run: `npx deno run -A bench/store_bench.ts [--mib=1024] [--adapter=deno|memory|both]`
 *
 * - ASYNC_FLUSH append of 1 KiB messages vs raw sequential 1 MiB writes of the same bytes
 *   (target ≥ 50 %).
 * - SYNC_FLUSH with 64 concurrent appenders vs min(64 ÷ median single sync, ASYNC rate)
 *   (target ≥ 50 %); p99 latency vs 3 × median sync + one 64 KiB batch write.
 * - Reading back at the tail through the consume queue in batches of 32 (target ≥ 500,000/s).
 * - Recovery after a crash with `--mib` of commit log (target < 10 s) and a clean restart (< 1 s).
 *
 * @module
 */

import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import type { FileSystem } from "../store/file_system.ts";
import { hostAddress } from "../store/message_id.ts";
import type { MessageExtBrokerInner } from "../store/message_record.ts";
import { MessageStore } from "../store/message_store.ts";
import type { MessageStoreConfigInput } from "../store/message_store_config.ts";

const args = new Map(Deno.args.map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const TOTAL_MIB = Number(args.get("mib") ?? "1024");
const ADAPTERS = (args.get("adapter") ?? "both") === "both"
  ? ["deno", "memory"]
  : [args.get("adapter")!];
const MIB = 1024 * 1024;

const message: MessageExtBrokerInner = {
  topic: "BenchTopic",
  queueId: 0,
  flag: 0,
  body: new Uint8Array(1024).map((_, i) => i & 0xff),
  properties: "TAGS\u0001TagA\u0002KEYS\u0001order-1\u0002WAIT\u0001true\u0002",
  sysFlag: 0,
  bornTimestamp: Date.now(),
  bornHost: hostAddress("10.0.0.2", 50000),
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** A macrotask yield (no timer clamping), so I/O completions run between append bursts. */
function makeYield(): { tick: () => Promise<void>; close: () => void } {
  const channel = new MessageChannel();
  let resume: () => void = () => {};
  channel.port1.onmessage = () => resume();
  return {
    tick: () =>
      new Promise<void>((resolve) => {
        resume = resolve;
        channel.port2.postMessage(0);
      }),
    close: () => {
      channel.port1.close();
      channel.port2.close();
    },
  };
}

async function rawWriteRate(fs: FileSystem, dir: string, bytes: number): Promise<number> {
  const file = await fs.open(`${dir}/raw`, { create: true });
  const chunk = new Uint8Array(MIB).fill(7);
  const start = performance.now();
  for (let position = 0; position < bytes; position += MIB) await file.writeAt(chunk, position);
  await file.sync();
  const seconds = (performance.now() - start) / 1000;
  file.close();
  await fs.remove(`${dir}/raw`);
  return bytes / seconds;
}

async function syncLatencies(
  fs: FileSystem,
  dir: string,
): Promise<{ syncMs: number; batchMs: number }> {
  const file = await fs.open(`${dir}/sync`, { create: true });
  const small = new Uint8Array(1024).fill(1);
  const batch = new Uint8Array(64 * 1024).fill(2);
  const syncs: number[] = [];
  const batches: number[] = [];
  for (let i = 0; i < 400; i++) {
    const start = performance.now();
    await file.writeAt(small, i * 1024);
    await file.sync();
    syncs.push(performance.now() - start);
  }
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    await file.writeAt(batch, MIB + i * batch.length);
    batches.push(performance.now() - start);
  }
  file.close();
  await fs.remove(`${dir}/sync`);
  syncs.sort((a, b) => a - b);
  batches.sort((a, b) => a - b);
  return { syncMs: percentile(syncs, 0.5), batchMs: percentile(batches, 0.5) };
}

function openStore(
  fs: FileSystem,
  dir: string,
  config: Partial<MessageStoreConfigInput>,
): MessageStore {
  return new MessageStore({
    fs,
    storeHost: hostAddress("127.0.0.1", 10911),
    physicalMemoryBytes: 24 * 1024 * MIB,
    onError: (error) => {
      throw error;
    },
    config: { storePathRootDir: `${dir}/store`, ...config },
  });
}

async function asyncAppend(
  store: MessageStore,
  count: number,
): Promise<{ msgs: number; bytes: number }> {
  const yielder = makeYield();
  const startBytes = store.getCommitLogMaxOffset();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const result = await store.putMessage(message);
    if (result.status !== "PUT_OK") throw new Error(`ASYNC append ${i} failed: ${result.status}`);
    if ((i & 1023) === 1023) await yielder.tick();
  }
  await store.flush();
  const seconds = (performance.now() - start) / 1000;
  yielder.close();
  return { msgs: count / seconds, bytes: (store.getCommitLogMaxOffset() - startBytes) / seconds };
}

async function syncAppend(
  store: MessageStore,
  appenders: number,
  perAppender: number,
): Promise<{ msgs: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: appenders }, async () => {
    for (let i = 0; i < perAppender; i++) {
      const t0 = performance.now();
      const result = await store.putMessage(message);
      latencies.push(performance.now() - t0);
      if (result.status !== "PUT_OK") throw new Error(`SYNC append failed: ${result.status}`);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    msgs: (appenders * perAppender) / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

async function tailRead(store: MessageStore, count: number): Promise<number> {
  const max = store.getMaxOffsetInQueue("BenchTopic", 0);
  let offset = Math.max(0, max - count);
  let read = 0;
  const start = performance.now();
  while (offset < max) {
    const result = (await store.getMessage("G", "BenchTopic", 0, offset, 32))!;
    if (result.status !== "FOUND") throw new Error(`Tail read at ${offset}: ${result.status}`);
    read += result.messages.length;
    offset = result.nextBeginOffset;
  }
  return read / ((performance.now() - start) / 1000);
}

async function timedStart(fs: FileSystem, dir: string, config: Partial<MessageStoreConfigInput>) {
  const store = openStore(fs, dir, config);
  const start = performance.now();
  await store.start();
  return { store, seconds: (performance.now() - start) / 1000 };
}

async function run(kind: string): Promise<void> {
  const fs: FileSystem = kind === "deno" ? new DenoFileSystem() : new MemoryFileSystem();
  const dir = kind === "deno" ? await Deno.makeTempDir({ prefix: "edgemq-bench-" }) : "/bench";
  await fs.mkdir(dir);
  const totalMib = kind === "deno" ? TOTAL_MIB : Math.min(TOTAL_MIB, 256);
  const recordBytes = 1024 + 91 + "BenchTopic".length + (message.properties as string).length;
  const count = Math.floor((totalMib * MIB) / recordBytes);
  console.log(`\n== ${kind} adapter (${dir}), ${fmt(totalMib)} MiB of 1 KiB messages ==`);
  try {
    const raw = await rawWriteRate(fs, dir, totalMib * MIB);
    const { syncMs, batchMs } = await syncLatencies(fs, dir);
    console.log(`baseline raw 1 MiB writes + sync: ${fmt(raw / MIB)} MiB/s`);
    console.log(
      `baseline 1 KiB write + sync: median ${fmt(syncMs * 1000)} µs; 64 KiB write ${
        fmt(batchMs * 1000)
      } µs`,
    );

    // SYNC_FLUSH first, on an idle disk (the ASYNC phase leaves 1 GiB of writeback behind).
    const syncStore = openStore(fs, `${dir}/sync`, { flushDiskType: "SYNC_FLUSH" });
    await syncStore.start();
    const perAppender = kind === "deno" ? 500 : 2000;
    const sync = await syncAppend(syncStore, 64, perAppender);
    await syncStore.shutdown();
    await fs.remove(`${dir}/sync`);

    const asyncConfig = { flushDiskType: "ASYNC_FLUSH" as const };
    const store = openStore(fs, dir, asyncConfig);
    await store.start();
    const asyncRate = await asyncAppend(store, count);
    const asyncRatio = asyncRate.bytes / raw;
    console.log(
      `ASYNC_FLUSH append: ${fmt(asyncRate.msgs)} msg/s, ${fmt(asyncRate.bytes / MIB)} MiB/s = ` +
        `${fmt(asyncRatio * 100, 1)} % of raw (target ≥ 50 %) ${
          asyncRatio >= 0.5 ? "OK" : "BELOW"
        }`,
    );
    const tail = await tailRead(store, Math.min(count, 200_000));
    console.log(
      `tail read via consume queue, batches of 32: ${fmt(tail)} msg/s (target ≥ 500,000) ${
        tail >= 500_000 ? "OK" : "BELOW"
      }`,
    );
    await store.halt();

    const crashed = await timedStart(fs, dir, asyncConfig);
    const scanned = crashed.store.stats().recovery!;
    console.log(
      `recovery after crash (${fmt(crashed.store.getCommitLogMaxOffset() / MIB)} MiB log, scanned ${
        fmt(scanned.bytesScanned / MIB)
      } MiB, ` +
        `re-dispatched ${fmt(crashed.store.stats().reputBytes / MIB)} MiB): ${
          fmt(crashed.seconds, 2)
        } s (target < 10 s) ${crashed.seconds < 10 ? "OK" : "BELOW"}`,
    );
    await crashed.store.shutdown();
    const clean = await timedStart(fs, dir, asyncConfig);
    console.log(
      `clean restart: ${fmt(clean.seconds, 3)} s (target < 1 s) ${
        clean.seconds < 1 ? "OK" : "BELOW"
      }`,
    );
    await clean.store.shutdown();

    const ceiling = Math.min(64 / (syncMs / 1000), asyncRate.msgs);
    const syncRatio = sync.msgs / ceiling;
    const p99Target = 3 * syncMs + batchMs;
    console.log(
      `SYNC_FLUSH 64 appenders: ${fmt(sync.msgs)} msg/s = ${
        fmt(syncRatio * 100, 1)
      } % of min(64/sync ${fmt(64 / (syncMs / 1000))}, ASYNC ${fmt(asyncRate.msgs)}) ` +
        `(target ≥ 50 %) ${syncRatio >= 0.5 ? "OK" : "BELOW"}`,
    );
    console.log(
      `SYNC_FLUSH latency p50 ${fmt(sync.p50 * 1000)} µs, p99 ${fmt(sync.p99 * 1000)} µs ` +
        `(target p99 ≤ ${fmt(p99Target * 1000)} µs) ${sync.p99 <= p99Target ? "OK" : "ABOVE"}`,
    );
  } finally {
    if (kind === "deno") await Deno.remove(dir, { recursive: true });
  }
}

for (const kind of ADAPTERS) await run(kind);

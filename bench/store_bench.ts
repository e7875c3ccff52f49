/**
 * Store benchmark: every figure beside a baseline measured in the same run on the same adapter.
 *
 * Run: `npx deno run -A bench/store_bench.ts [--mib=1024] [--adapter=deno|memory|both]
 *   [--per-appender=500] [--warmup=50] [--warm=both|on|off]`
 *
 * - ASYNC_FLUSH append of 1 KiB messages vs raw sequential 1 MiB writes of the same bytes
 *   (target ≥ 50 %).
 * - SYNC_FLUSH with 64 concurrent appenders, each awaiting its own append before the next, vs
 *   min(64 ÷ median single sync, ASYNC rate) (target ≥ 50 %); p99 latency vs 3 × median sync +
 *   one 64 KiB batch write. Measured in steady state: each appender's first `--warmup` appends
 *   (JIT, memory) are not counted. Run with `warmMapedFileEnable` off and on (zero-filled
 *   segment files; the first 1 GiB file is filled at start, outside the figures).
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
const PER_APPENDER = args.has("per-appender") ? Number(args.get("per-appender")) : undefined;
const WARMUP = Number(args.get("warmup") ?? "50");
const WARM_MODES = { both: [false, true], on: [true], off: [false] }[args.get("warm") ?? "both"]!;
const APPENDERS = 64;
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

const verdict = (ok: boolean, bad = "BELOW") => ok ? "OK" : bad;

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

interface SyncBaseline {
  /** median 1 KiB write + sync, ms */
  readonly syncMs: number;
  /** p99 of the same, ms */
  readonly syncP99Ms: number;
  /** median 64 KiB write, ms */
  readonly batchMs: number;
}

async function syncLatencies(fs: FileSystem, dir: string): Promise<SyncBaseline> {
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
  return {
    syncMs: percentile(syncs, 0.5),
    syncP99Ms: percentile(syncs, 0.99),
    batchMs: percentile(batches, 0.5),
  };
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

interface SyncRun {
  readonly msgs: number;
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly syncs: number;
}

/** 64 appenders, each awaiting its own append; the first `warmup` of each are not counted. */
async function syncAppend(store: MessageStore, perAppender: number): Promise<SyncRun> {
  const latencies: number[] = [];
  let measuring = 0;
  let start = 0;
  let syncsBefore = 0;
  const began = () => {
    if (++measuring === APPENDERS) {
      start = performance.now();
      syncsBefore = store.stats().flush.syncCount;
    }
  };
  await Promise.all(Array.from({ length: APPENDERS }, async () => {
    for (let i = 0; i < WARMUP + perAppender; i++) {
      if (i === WARMUP) began();
      const t0 = performance.now();
      const result = await store.putMessage(message);
      if (i >= WARMUP) latencies.push(performance.now() - t0);
      if (result.status !== "PUT_OK") throw new Error(`SYNC append failed: ${result.status}`);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    msgs: latencies.length / seconds,
    count: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    syncs: store.stats().flush.syncCount - syncsBefore,
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

/** The SYNC_FLUSH phase on an idle disk (before the ASYNC phase leaves writeback behind). */
async function syncPhase(
  fs: FileSystem,
  dir: string,
  kind: string,
  warm: boolean,
): Promise<SyncRun> {
  const config = { flushDiskType: "SYNC_FLUSH" as const, warmMapedFileEnable: warm };
  const store = openStore(fs, `${dir}/sync`, config);
  await store.start();
  const run = await syncAppend(store, PER_APPENDER ?? (kind === "deno" ? 500 : 2000));
  await store.shutdown();
  await fs.remove(`${dir}/sync`);
  return run;
}

/** ASYNC append, tail read, crash recovery and clean restart. @returns the ASYNC msg rate */
async function asyncPhase(fs: FileSystem, dir: string, count: number, raw: number) {
  const asyncConfig = { flushDiskType: "ASYNC_FLUSH" as const };
  const store = openStore(fs, dir, asyncConfig);
  await store.start();
  const rate = await asyncAppend(store, count);
  const ratio = rate.bytes / raw;
  console.log(
    `ASYNC_FLUSH append: ${fmt(rate.msgs)} msg/s, ${fmt(rate.bytes / MIB)} MiB/s = ` +
      `${fmt(ratio * 100, 1)} % of raw (target ≥ 50 %) ${verdict(ratio >= 0.5)}`,
  );
  const tail = await tailRead(store, Math.min(count, 200_000));
  console.log(
    `tail read via consume queue, batches of 32: ${fmt(tail)} msg/s (target ≥ 500,000) ` +
      verdict(tail >= 500_000),
  );
  await store.halt();
  const crashed = await timedStart(fs, dir, asyncConfig);
  const scanned = crashed.store.stats().recovery!;
  console.log(
    `recovery after crash (${fmt(crashed.store.getCommitLogMaxOffset() / MIB)} MiB log, scanned ${
      fmt(scanned.bytesScanned / MIB)
    } MiB, re-dispatched ${fmt(crashed.store.stats().reputBytes / MIB)} MiB): ${
      fmt(crashed.seconds, 2)
    } s (target < 10 s) ${verdict(crashed.seconds < 10)}`,
  );
  await crashed.store.shutdown();
  const clean = await timedStart(fs, dir, asyncConfig);
  console.log(
    `clean restart: ${fmt(clean.seconds, 3)} s (target < 1 s) ${verdict(clean.seconds < 1)}`,
  );
  await clean.store.shutdown();
  return rate.msgs;
}

function reportSync(
  kind: string,
  warm: boolean,
  sync: SyncRun,
  base: SyncBaseline,
  asyncMsgs: number,
) {
  const ceiling = Math.min(APPENDERS / (base.syncMs / 1000), asyncMsgs);
  const ratio = sync.msgs / ceiling;
  const p99Target = 3 * base.syncMs + base.batchMs;
  const label = `SYNC_FLUSH 64 appenders, warmMapedFileEnable=${warm}`;
  console.log(
    `${label}: ${fmt(sync.msgs)} msg/s (${fmt(sync.count / Math.max(1, sync.syncs), 1)}` +
      ` appends per sync) = ${fmt(ratio * 100, 1)} % of min(64/sync ${
        fmt(APPENDERS / (base.syncMs / 1000))
      }, ASYNC ${fmt(asyncMsgs)}) (target ≥ 50 %) ${verdict(ratio >= 0.5)}`,
  );
  const note = kind === "memory"
    ? " (memory: no real sync, the latency target is not meaningful)"
    : "";
  console.log(
    `${label}: latency p50 ${fmt(sync.p50 * 1000)} µs, p99 ${fmt(sync.p99 * 1000)} µs ` +
      `(target p99 ≤ ${fmt(p99Target * 1000)} µs) ${
        verdict(sync.p99 <= p99Target, "ABOVE")
      }${note}`,
  );
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
    const base = await syncLatencies(fs, dir);
    console.log(`baseline raw 1 MiB writes + sync: ${fmt(raw / MIB)} MiB/s`);
    console.log(
      `baseline 1 KiB write + sync: median ${fmt(base.syncMs * 1000)} µs, p99 ${
        fmt(base.syncP99Ms * 1000)
      } µs; 64 KiB write ${fmt(base.batchMs * 1000)} µs`,
    );
    if (kind === "memory") {
      console.log(
        "memory: the raw baseline is a memory copy and syncs cost nothing; appends are bound by " +
          "per-message CPU (encode, CRC, consume queue, index), so the ASYNC ratio compares CPU " +
          "work with memcpy, not disk efficiency",
      );
    }
    const syncRuns: Array<[boolean, SyncRun]> = [];
    // The memory adapter would hold a zero-filled 1 GiB file in RAM for nothing.
    for (const warm of kind === "memory" ? [false] : WARM_MODES) {
      syncRuns.push([warm, await syncPhase(fs, dir, kind, warm)]);
    }
    const asyncMsgs = await asyncPhase(fs, dir, count, raw);
    console.log(
      `SYNC_FLUSH figures are steady state: each appender's first ${WARMUP} appends are not counted`,
    );
    for (const [warm, sync] of syncRuns) reportSync(kind, warm, sync, base, asyncMsgs);
  } finally {
    if (kind === "deno") await Deno.remove(dir, { recursive: true });
  }
}

for (const kind of ADAPTERS) await run(kind);

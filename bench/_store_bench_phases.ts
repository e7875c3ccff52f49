/**
 * The store benchmark's measured phases on a real MessageStore: ASYNC_FLUSH appends, SYNC_FLUSH
 * with concurrent appenders, reads at the tail, crash recovery and a clean restart. Each phase
 * opens its own store and ends with everything synced and its files removed, so its page-cache
 * writeback does not land on the next phase.
 *
 * @module
 */

import type { FileSystem } from "../store/file_system.ts";
import { hostAddress } from "../store/message_id.ts";
import type { MessageExtBrokerInner } from "../store/message_record.ts";
import { MessageStore } from "../store/message_store.ts";
import type { MessageStoreConfigInput } from "../store/message_store_config.ts";
import { cpuMark, cpuSince, type CpuSpent, MIB, percentile } from "./_store_bench_baselines.ts";

/** The 1 KiB message every phase stores. */
export const BENCH_MESSAGE: MessageExtBrokerInner = {
  topic: "BenchTopic",
  queueId: 0,
  flag: 0,
  body: new Uint8Array(1024).map((_, i) => i & 0xff),
  properties: "TAGS\u0001TagA\u0002KEYS\u0001order-1\u0002WAIT\u0001true\u0002",
  sysFlag: 0,
  bornTimestamp: Date.now(),
  bornHost: hostAddress("10.0.0.2", 50000),
};

/** Bytes of one stored BENCH_MESSAGE record (V1, IPv4 hosts). */
export const BENCH_RECORD_BYTES = 1024 + 91 + "BenchTopic".length +
  (BENCH_MESSAGE.properties as string).length;

/** Concurrent appenders of the SYNC_FLUSH phase. */
export const APPENDERS = 64;

/** @returns a store in `dir` with the bench's settings and `config` on top (not started) */
export function openStore(
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

/** What the ASYNC_FLUSH append phase measured. */
export interface AsyncRun {
  readonly msgsPerSec: number;
  readonly bytesPerSec: number;
  readonly cpu: CpuSpent;
  readonly count: number;
}

/**
 * Appends `count` messages one after the other, yielding every 1,024, then flushes (written and
 * synced): the same end state as the raw baseline's.
 * @returns rates and CPU
 */
export async function asyncAppend(store: MessageStore, count: number): Promise<AsyncRun> {
  const yielder = makeYield();
  const startBytes = store.getCommitLogMaxOffset();
  const cpu = cpuMark();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const result = await store.putMessage(BENCH_MESSAGE);
    if (result.status !== "PUT_OK") throw new Error(`ASYNC append ${i} failed: ${result.status}`);
    if ((i & 1023) === 1023) await yielder.tick();
  }
  await store.flush();
  const seconds = (performance.now() - start) / 1000;
  const spent = cpuSince(cpu);
  yielder.close();
  const bytes = store.getCommitLogMaxOffset() - startBytes;
  return { msgsPerSec: count / seconds, bytesPerSec: bytes / seconds, cpu: spent, count };
}

/** What the SYNC_FLUSH phase measured (steady state). */
export interface SyncRun {
  readonly msgsPerSec: number;
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly syncs: number;
  /** time the rounds spent waiting for their syncs (disk and I/O-thread hand-off), s */
  readonly syncWaitSeconds: number;
  readonly seconds: number;
  readonly cpu: CpuSpent;
}

/**
 * APPENDERS appenders, each awaiting its own append before the next; each one's first `warmup`
 * appends (JIT, memory) are not counted.
 * @returns throughput, latency percentiles, syncs and CPU of the counted part
 */
export async function syncAppend(
  store: MessageStore,
  perAppender: number,
  warmup: number,
): Promise<SyncRun> {
  // Preallocated: a growing array of boxed numbers would add the harness's garbage to the GC
  // pauses the tail measures.
  const latencies = new Float64Array(APPENDERS * perAppender);
  let recorded = 0;
  let measuring = 0;
  let start = 0;
  let before = store.stats().flush;
  let cpu = cpuMark();
  const began = () => {
    if (++measuring === APPENDERS) {
      start = performance.now();
      before = store.stats().flush;
      cpu = cpuMark();
    }
  };
  await Promise.all(Array.from({ length: APPENDERS }, async () => {
    // One clock read per append: the instant one append resolves is when the next starts.
    let sent = performance.now();
    for (let i = 0; i < warmup + perAppender; i++) {
      if (i === warmup) began();
      const result = await store.putMessage(BENCH_MESSAGE);
      const now = performance.now();
      if (i >= warmup) latencies[recorded++] = now - sent;
      sent = now;
      if (result.status !== "PUT_OK") throw new Error(`SYNC append failed: ${result.status}`);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const spent = cpuSince(cpu);
  const after = store.stats().flush;
  latencies.sort();
  return {
    msgsPerSec: latencies.length / seconds,
    count: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    syncs: after.syncCount - before.syncCount,
    syncWaitSeconds: (after.syncWaitMsTotal - before.syncWaitMsTotal) / 1000,
    seconds,
    cpu: spent,
  };
}

/**
 * Reads the last `count` messages of the bench queue through the consume queue, 32 a pull.
 * @returns messages per second
 */
export async function tailRead(store: MessageStore, count: number): Promise<number> {
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

/** @returns a started store and how long `start()` took (load and recovery) */
export async function timedStart(
  fs: FileSystem,
  dir: string,
  config: Partial<MessageStoreConfigInput>,
): Promise<{ store: MessageStore; seconds: number }> {
  const store = openStore(fs, dir, config);
  const start = performance.now();
  await store.start();
  return { store, seconds: (performance.now() - start) / 1000 };
}

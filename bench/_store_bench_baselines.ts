/**
 * The store benchmark's baselines, measured through the same FileSystem adapter as the store:
 * raw sequential 1 MiB writes of a file (one reused, pre-filled buffer; the rate the store's
 * ASYNC_FLUSH append is compared with) and single write + sync latencies (what SYNC_FLUSH is
 * compared with). Also the CPU-time and statistics helpers the phases share.
 *
 * @module
 */

import process from "node:process";
import type { FileSystem } from "../store/file_system.ts";

/** Bytes in a mebibyte. */
export const MIB = 1024 * 1024;

/** Process CPU time (all threads) as a point to measure from. */
export interface CpuMark {
  readonly userUs: number;
  readonly systemUs: number;
}

/** @returns the process CPU time so far */
export function cpuMark(): CpuMark {
  const usage = process.cpuUsage();
  return { userUs: usage.user, systemUs: usage.system };
}

/** CPU time spent since a mark, in µs. */
export interface CpuSpent {
  readonly userUs: number;
  readonly systemUs: number;
  readonly totalUs: number;
}

/** @returns CPU time spent since `mark` */
export function cpuSince(mark: CpuMark): CpuSpent {
  const now = cpuMark();
  const userUs = now.userUs - mark.userUs;
  const systemUs = now.systemUs - mark.systemUs;
  return { userUs, systemUs, totalUs: userUs + systemUs };
}

/** @returns the value at quantile `p` of an ascending array */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** @returns the median of the values (any order) */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One raw write run. */
export interface RawRun {
  /** bytes per second, writes and the final sync */
  readonly bytesPerSec: number;
  /** process CPU per MiB written, µs */
  readonly cpuUsPerMib: number;
}

/**
 * Writes `bytes` sequentially in 1 MiB writes of one reused buffer, then syncs; the file is
 * created before and removed after the timed part, and the removal is synced so the next phase
 * starts on a settled folder.
 * @returns the rate and CPU cost
 */
export async function rawWriteRun(fs: FileSystem, dir: string, bytes: number): Promise<RawRun> {
  const path = `${dir}/raw`;
  const file = await fs.open(path, { create: true });
  const chunk = new Uint8Array(MIB).fill(7);
  const cpu = cpuMark();
  const start = performance.now();
  for (let position = 0; position < bytes; position += MIB) await file.writeAt(chunk, position);
  await file.sync();
  const seconds = (performance.now() - start) / 1000;
  const spent = cpuSince(cpu);
  file.close();
  await fs.remove(path);
  await fs.syncDir(dir);
  return { bytesPerSec: bytes / seconds, cpuUsPerMib: spent.totalUs / (bytes / MIB) };
}

/** Single write + sync latencies of one run. */
export interface SyncBaseline {
  /** median 1 KiB write + sync, ms */
  readonly syncMs: number;
  /** p99 of the same, ms */
  readonly syncP99Ms: number;
  /** median write of one batch (`batchBytes`) without sync, ms */
  readonly batchMs: number;
  /** every 1 KiB write + sync, ms, ascending */
  readonly syncs: readonly number[];
}

/**
 * 400 appends of 1 KiB to a new file, each synced, then 200 writes of `batchBytes` (the bytes
 * 64 appenders add per sync round).
 * @returns the latencies
 */
export async function syncLatencies(
  fs: FileSystem,
  dir: string,
  batchBytes: number,
): Promise<SyncBaseline> {
  const path = `${dir}/sync`;
  const file = await fs.open(path, { create: true });
  const small = new Uint8Array(1024).fill(1);
  const batch = new Uint8Array(batchBytes).fill(2);
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
  await file.sync();
  file.close();
  await fs.remove(path);
  await fs.syncDir(dir);
  syncs.sort((a, b) => a - b);
  batches.sort((a, b) => a - b);
  return {
    syncMs: percentile(syncs, 0.5),
    syncP99Ms: percentile(syncs, 0.99),
    batchMs: percentile(batches, 0.5),
    syncs,
  };
}

/** @returns both runs' samples as one baseline (batch time: the larger median) */
export function mergeSyncBaselines(a: SyncBaseline, b: SyncBaseline): SyncBaseline {
  const syncs = [...a.syncs, ...b.syncs].sort((x, y) => x - y);
  return {
    syncMs: percentile(syncs, 0.5),
    syncP99Ms: percentile(syncs, 0.99),
    batchMs: Math.max(a.batchMs, b.batchMs),
    syncs,
  };
}

/**
 * The disk's floor under a SYNC_FLUSH round, without a store: `rounds` × (one `batchBytes`
 * write + sync) back to back, in a file laid out as a commit-log segment is: sized up front
 * (sparse), or with `zeroFilled` its range written with zeros and synced first, as
 * `warmMapedFileEnable` does.
 * @returns every round's latency, ms, ascending (the first `warmup` not counted)
 */
export async function syncRoundFloor(
  fs: FileSystem,
  dir: string,
  batchBytes: number,
  rounds: number,
  zeroFilled: boolean,
): Promise<number[]> {
  const path = `${dir}/floor`;
  const warmup = Math.min(100, rounds >> 2);
  const bytes = (warmup + rounds) * batchBytes;
  const file = await fs.open(path, { create: true });
  await file.truncate(bytes + MIB);
  if (zeroFilled) {
    const zeros = new Uint8Array(MIB);
    for (let position = 0; position < bytes; position += MIB) await file.writeAt(zeros, position);
    await file.sync();
  }
  const batch = new Uint8Array(batchBytes).fill(3);
  const latencies: number[] = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const start = performance.now();
    await file.writeAt(batch, i * batchBytes);
    await file.sync();
    if (i >= warmup) latencies.push(performance.now() - start);
  }
  file.close();
  await fs.remove(path);
  await fs.syncDir(dir);
  return latencies.sort((a, b) => a - b);
}

/**
 * What `store/crash_fuzz_test.ts` and its child share: the topics and queues written, the
 * message bodies, and the store configuration, with files so small that every kind of roll
 * (commit-log segment, consume-queue file, index file) happens many times a run.
 *
 * @module
 */

import type { MessageStoreConfigInput } from "../message_store_config.ts";

/** Topics the child writes to. */
export const FUZZ_TOPICS = ["FuzzA", "FuzzB", "FuzzC"];
/** Queues per topic. */
export const FUZZ_QUEUES = 3;

/** @returns the body of the message keyed `key`, `pad` bytes longer than its prefix */
export function fuzzBody(key: string, pad: number): string {
  return `body:${key}:` + "x".repeat(pad);
}

/** Every hour of the day, as `deleteWhen` takes it: retention may run at any time. */
export const EVERY_HOUR = Array.from({ length: 24 }, (_, hour) => String(hour)).join(";");

/** How a seed's store flushes: `+warm` zero-fills each commit-log file ahead (warmMapedFileEnable). */
export type FuzzMode = "ASYNC_FLUSH" | "SYNC_FLUSH" | "SYNC_FLUSH+warm";

/** @returns the mode of a seed: ASYNC_FLUSH, SYNC_FLUSH, ASYNC_FLUSH, SYNC_FLUSH+warm, and again */
export function fuzzMode(seed: number): FuzzMode {
  return seed % 2 === 1 ? "ASYNC_FLUSH" : seed % 4 === 2 ? "SYNC_FLUSH" : "SYNC_FLUSH+warm";
}

/** @returns the store configuration of the fuzz, under `root` */
export function fuzzConfig(
  root: string,
  mode: FuzzMode,
  extra: Partial<MessageStoreConfigInput> = {},
): MessageStoreConfigInput {
  return {
    storePathRootDir: root,
    mappedFileSizeCommitLog: 64 * 1024,
    mappedFileSizeConsumeQueue: 20 * 32,
    flushDiskType: mode === "ASYNC_FLUSH" ? "ASYNC_FLUSH" : "SYNC_FLUSH",
    warmMapedFileEnable: mode === "SYNC_FLUSH+warm",
    flushIntervalCommitLog: 10,
    flushIntervalConsumeQueue: 5,
    flushConsumeQueueThoroughInterval: 50,
    flushCommitLogThoroughInterval: 50,
    maxHashSlotNum: 16,
    maxIndexNum: 32,
    ...extra,
  };
}

/**
 * Test helpers for the index tests: a dispatch request for a record at an offset, and an index
 * service with a small layout (8 slots, 31 entries a file) so files roll and chains are long, and
 * a loop that stops an operation at every step.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ManualClock } from "../common/clock.ts";
import type { AdapterContext } from "./_test_adapters.ts";
import { CrashingFileSystem, SimulatedCrash } from "./_test_crash_fs.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import type { FileSystem } from "./file_system.ts";
import { IndexService } from "./index_service.ts";
import { joinPath } from "./store_paths.ts";

/** Local time whose index file name is 20240102030405006. */
export const T0 = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();

/** A time range that covers everything. */
export const ALL = [0, Number.MAX_SAFE_INTEGER] as const;

/** @returns the dispatch request of a 100-byte record at `commitLogOffset`, stored at T0 + offset ms */
export function record(
  commitLogOffset: number,
  fields: Partial<DispatchRequest> = {},
): DispatchRequest {
  return {
    topic: "TopicTest",
    queueId: 0,
    commitLogOffset,
    msgSize: 100,
    tagsCode: 0,
    storeTimestamp: T0 + commitLogOffset,
    consumeQueueOffset: commitLogOffset / 100,
    keys: "",
    sysFlag: 0,
    preparedTransactionOffset: 0,
    ...fields,
  };
}

/** @returns an index service in `<dir>/index` with 8 slots and 32 entries a file, or `layout` */
export function newIndex(
  fs: FileSystem,
  dir: string,
  clock: ManualClock,
  layout = {},
): IndexService {
  return new IndexService({
    fs,
    dir: joinPath(dir, "index"),
    clock,
    maxHashSlotNum: 8,
    maxIndexNum: 32,
    ...layout,
  });
}

/**
 * Stops an operation at every step: `run` gets a file system that refuses every mutating
 * operation once `arm()` was called and `step` more were made (0, 1, 2, … until a run
 * finishes); then unsynced writes are dropped (memory adapter) and `check` opens what is left.
 */
export async function atEveryStep(
  { fs, dir, memory }: AdapterContext,
  what: string,
  run: (crashing: CrashingFileSystem, runDir: string, arm: () => void) => Promise<void>,
  check: (runDir: string, label: string, finished: boolean) => Promise<void>,
): Promise<void> {
  let finished = false;
  for (let step = 0; !finished; step++) {
    assert(step < 50, `${what} ends within 50 operations`);
    const runDir = joinPath(dir, `run${step}`);
    const crashing = new CrashingFileSystem(fs);
    try {
      await run(crashing, runDir, () => crashing.arm(step));
      finished = true;
    } catch (error) {
      assert(error instanceof SimulatedCrash, `step ${step}: ${error}`);
    }
    memory?.crash();
    await check(runDir, `step ${step}`, finished);
  }
}

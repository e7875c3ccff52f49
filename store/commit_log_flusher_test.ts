import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import type { AppendMessageResult } from "./append_message_result.ts";
import type { FlushWaitResult } from "./commit_log_flusher.ts";
import { nextTurn } from "../common/next_turn.ts";
import { GatedFileSystem } from "./_test_gated_fs.ts";
import { openTestLog, type OpenTestLogOptions, type TestLog } from "./_test_commit_log.ts";
import { makeMessage } from "./_test_messages.ts";
import { COMMIT_LOG_ASYNC_SYNC_BYTES, OS_PAGE_BYTES } from "./limits.ts";

/** Longest a test waits for an event before it fails. */
const DEADLINE_MS = 5_000;

/** @returns `promise`, or a rejection naming `what` after DEADLINE_MS */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A SYNC_FLUSH append being waited for, with what the gate had seen when it settled. */
interface Pending {
  readonly result: AppendMessageResult;
  outcome?: FlushWaitResult;
  /** syncs returned when the outcome arrived */
  syncsReturnedAtOutcome?: number;
  readonly done: Promise<void>;
}

function appendAndWait(test: TestLog, fs: GatedFileSystem, text: string): Pending {
  const outcome = test.log.append(makeMessage({ bodyText: text }));
  assert.equal(outcome.status, "PUT_OK");
  const result = (outcome as { result: AppendMessageResult }).result;
  const pending: { -readonly [K in keyof Pending]: Pending[K] } = {
    result,
    done: Promise.resolve(),
  };
  pending.done = test.flusher.waitFlushed(result.wroteOffset + result.wroteBytes, result).then(
    (settled) => {
      pending.outcome = settled;
      pending.syncsReturnedAtOutcome = fs.returned;
    },
  );
  return pending;
}

/** A SYNC_FLUSH log (unless `options` say otherwise) on a gated memory file system. */
async function openGated(
  options: Partial<OpenTestLogOptions> = {},
): Promise<{ fs: GatedFileSystem; test: TestLog }> {
  const fs = new GatedFileSystem(new MemoryFileSystem());
  await fs.mkdir("/t");
  const test = await openTestLog({
    fs,
    dir: "/t",
    clock: new ManualClock(1_000),
    flushDiskType: "SYNC_FLUSH",
    ...options,
  });
  return { fs, test };
}

Deno.test("CommitLogFlusher resolves a round's appenders only after the sync covering them", async () => {
  const { fs, test } = await openGated();
  fs.close();
  const pendings = Array.from({ length: 16 }, (_, i) => appendAndWait(test, fs, `m${i}`));
  await within(fs.syncsStarted(1), "the round's sync");
  await nextTurn();
  assert.ok(pendings.every((p) => p.outcome === undefined), "nobody resolved during the sync");
  fs.release();
  await within(Promise.all(pendings.map((p) => p.done)), "the appenders");
  for (const p of pendings) {
    assert.equal(p.outcome?.status, "PUT_OK");
    assert.equal(p.outcome?.appendMessageResult, p.result);
    assert.ok(p.syncsReturnedAtOutcome! >= 1, "resolved after a sync returned");
  }
  assert.equal(fs.started, 1, "one sync served all 16 appenders");
  const last = pendings.at(-1)!.result;
  assert.ok(test.flusher.flushedOffset >= last.wroteOffset + last.wroteBytes);
  const stats = test.flusher.stats();
  assert.equal(stats.syncCount, 1);
  assert.ok(stats.syncWaitMsTotal > 0, `sync wait recorded: ${stats.syncWaitMsTotal}`);
  await test.close();
});

Deno.test("CommitLogFlusher syncs again for an append that lands during a sync", async () => {
  const { fs, test } = await openGated();
  fs.close();
  const first = appendAndWait(test, fs, "first");
  await within(fs.syncsStarted(1), "the first sync");
  const second = appendAndWait(test, fs, "second"); // no other append will ever come
  let secondSettledWhenFirstDid: boolean | undefined;
  const firstDone = first.done.then(() => {
    secondSettledWhenFirstDid = second.outcome !== undefined;
  });
  fs.release();
  await within(firstDone, "the first append");
  assert.equal(first.outcome?.status, "PUT_OK");
  assert.equal(secondSettledWhenFirstDid, false, "the first sync did not cover the second append");
  await within(second.done, "the second append (a lost wake-up never resolves it)");
  assert.equal(second.outcome?.status, "PUT_OK");
  assert.ok(second.syncsReturnedAtOutcome! >= 2, "resolved after a second sync returned");
  assert.equal(fs.started, 2);
  assert.ok(test.flusher.flushedOffset >= second.result.wroteOffset + second.result.wroteBytes);
  assert.equal(test.flusher.waiterCount, 0);
  await test.close();
});

Deno.test("CommitLogFlusher shares one sync among appends made in one burst after a round", async () => {
  const { fs, test } = await openGated();
  const warm = appendAndWait(test, fs, "warm");
  await within(warm.done, "the first round");
  const before = fs.started;
  // The appenders the round resolved append again in the same turn, as the bench's do.
  const burst = Array.from({ length: 64 }, (_, i) => appendAndWait(test, fs, `b${i}`));
  await within(Promise.all(burst.map((p) => p.done)), "the burst");
  assert.ok(burst.every((p) => p.outcome?.status === "PUT_OK"));
  assert.equal(fs.started - before, 1, "64 appends of one turn, one sync");
  await test.close();
});

/** An ASYNC_FLUSH log whose interval timer does not fire during a test (an hour). */
function openAsync(
  flushCommitLogTimed: boolean,
): Promise<{ fs: GatedFileSystem; test: TestLog }> {
  return openGated({
    flushDiskType: "ASYNC_FLUSH",
    segmentBytes: 4 * COMMIT_LOG_ASYNC_SYNC_BYTES,
    flushIntervalCommitLog: 3_600_000,
    flushCommitLogTimed,
  });
}

/** Appends 60,000-byte messages while the log's end stays below `end`; @returns the new end */
function appendBelow(test: TestLog, end: number): number {
  const message = makeMessage({ body: new Uint8Array(60_000).fill(3) });
  for (;;) {
    const before = test.log.getMaxOffset();
    if (before + 61_000 > end) return before;
    assert.equal(test.log.append(message).status, "PUT_OK");
  }
}

/** Lets a requested sync round start (the flusher starts one on a later turn). */
async function settle(test: TestLog): Promise<void> {
  await test.flusher.drainWrites();
  await nextTurn();
  await nextTurn();
}

Deno.test("CommitLogFlusher under ASYNC_FLUSH syncs once 8 MiB are written, before its timer", async () => {
  const { fs, test } = await openAsync(true);
  const nearly = appendBelow(test, COMMIT_LOG_ASYNC_SYNC_BYTES);
  await settle(test);
  assert.equal(fs.started, 0, `${nearly} bytes written: no sync before the timer`);
  appendBelow(test, COMMIT_LOG_ASYNC_SYNC_BYTES + 128 * 1024);
  await within(fs.syncsStarted(1), "a sync once 8 MiB were written");
  await within(fs.syncsReturned(1), "that sync");
  await settle(test);
  assert.ok(test.flusher.flushedOffset >= COMMIT_LOG_ASYNC_SYNC_BYTES);
  await test.close();
});

Deno.test("CommitLogFlusher under ASYNC_FLUSH counts bytes a running sync covers as syncing", async () => {
  const { fs, test } = await openAsync(true);
  fs.close();
  const first = appendBelow(test, COMMIT_LOG_ASYNC_SYNC_BYTES + 128 * 1024);
  await within(fs.syncsStarted(1), "the first round");
  // Written while the round is held: less than 8 MiB past what it syncs.
  appendBelow(test, first + COMMIT_LOG_ASYNC_SYNC_BYTES);
  await test.flusher.drainWrites();
  fs.release();
  await within(fs.syncsReturned(1), "the first round's sync");
  await settle(test);
  assert.equal(fs.started, 1, "bytes under 8 MiB past the round's end request no second round");
  appendBelow(test, first + COMMIT_LOG_ASYNC_SYNC_BYTES + 128 * 1024);
  await within(fs.syncsStarted(2), "a second round once 8 MiB follow the first's end");
  await test.close();
});

Deno.test("CommitLogFlusher with flushCommitLogTimed=false syncs once 4 pages are written", async () => {
  const { fs, test } = await openAsync(false);
  const small = test.log.append(makeMessage({ body: new Uint8Array(1_000) }));
  assert.equal(small.status, "PUT_OK");
  await settle(test);
  assert.equal(fs.started, 0, "one small message: fewer than flushCommitLogLeastPages pages");
  assert.equal(
    test.log.append(makeMessage({ body: new Uint8Array(4 * OS_PAGE_BYTES) })).status,
    "PUT_OK",
  );
  await within(fs.syncsStarted(1), "a sync once 4 pages were written");
  await test.close();
});

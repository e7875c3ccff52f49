/**
 * Crash fuzz of the whole store on the Deno file system. Per seed, a few cycles: a child process
 * (`testdata/crash_fuzz_child.ts`) appends singles and batches with KEYS to several topics and
 * queues while a consumer reads them and, in some cycles, retention deletes files; it is killed
 * with SIGKILL after a seeded number of acknowledgements. Sometimes a second child is killed
 * while it recovers. Then the store is opened in this process and checked:
 * - every consume-queue unit points at a record of its topic, queue and offset, no two units at
 *   the same record, and every record of the commit log is in a consume queue;
 * - every acknowledged message is at its offset with its key and body, and found by key;
 * - every message the killed child served is still there, and no queue ends before an offset
 *   the child had reported.
 * After the cycles, a retention pass with the clock moved ahead, and a restart, are checked the
 * same way. Files are tiny, so commit-log, consume-queue and index files roll many times a run.
 *
 * Seeds and cycles: env CRASH_FUZZ_SEEDS (`first-last`, default 1-4; odd seeds ASYNC_FLUSH, even
 * SYNC_FLUSH, every fourth with zero-filled files) and CRASH_FUZZ_CYCLES (default 3).
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import { MessageStore } from "./message_store.ts";
import { hostAddress } from "./message_id.ts";
import { decodeRecord } from "./message_record.ts";
import { scanCommitLog } from "./commit_log_recovery.ts";
import { SeededRandom } from "./_test_messages.ts";
import { DELETE_FILE_BATCH_MAX } from "./limits.ts";
import { runChildUntil } from "./_test_child.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";
import {
  EVERY_HOUR,
  FUZZ_QUEUES,
  FUZZ_TOPICS,
  fuzzConfig,
  type FuzzMode,
  fuzzMode,
} from "./testdata/crash_fuzz_config.ts";

const CHILD = new URL("./testdata/crash_fuzz_child.ts", import.meta.url);
const CHILD_DEADLINE_MS = 60_000;
/** Most acknowledgements a writing child gets before it is killed. */
const ACKS_MAX = 1500;
/** Every this many acknowledged keys is looked up by key (every 4th in the last cycle). */
const QUERY_EVERY = 40;

interface Acked {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  readonly cycle: number;
}

/** What the killed children reported. */
interface Seen {
  /** acknowledged messages by key */
  readonly acked: Map<string, Acked>;
  /** highest max offset a child's consumer was told, by `topic/queueId` */
  readonly maxOffsets: Map<string, number>;
  /** key of each message a child's consumer was served, by `topic/queueId@offset` */
  readonly served: Map<string, string>;
}

/** Runs a writing child until it acknowledged `wanted` messages, then kills it. */
async function writeUntilKilled(
  args: string[],
  wanted: number,
  seen: Seen,
  cycle: number,
): Promise<string> {
  let ready = false;
  let count = 0;
  const run = await runChildUntil(CHILD, args, (line) => {
    const [kind, topic, queueId, offset, key] = line.split(" ");
    const id = `${topic}/${queueId}`;
    if (kind === "ready") ready = true;
    else if (kind === "max") {
      seen.maxOffsets.set(id, Math.max(seen.maxOffsets.get(id) ?? 0, Number(offset)));
    } else if (kind === "served") seen.served.set(`${id}@${offset}`, key);
    else if (kind === "ok") {
      seen.acked.set(key, { topic, queueId: Number(queueId), offset: Number(offset), cycle });
      return ++count >= wanted;
    }
    return false;
  }, CHILD_DEADLINE_MS);
  assert.ok(ready && !run.exitedEarly, `the child died: ${run.stderr}`);
  return run.stderr;
}

/** Runs a recovering child and kills it once `dispatched` records were re-dispatched. */
async function recoverUntilKilled(
  root: string,
  mode: FuzzMode,
  dispatched: number,
): Promise<string> {
  let count = 0;
  const run = await runChildUntil(CHILD, [root, mode, "0", "recover"], (line) => {
    if (line.startsWith("d ")) count++;
    return line === "ready" || count >= dispatched || (line === "recovering" && dispatched === 0);
  }, CHILD_DEADLINE_MS);
  assert.ok(!run.exitedEarly, `the recovering child died: ${run.stderr}`);
  return run.stderr;
}

/** @returns a store on `root` whose errors are collected into `errors` */
function openStore(
  root: string,
  mode: FuzzMode,
  errors: string[],
  clock?: ManualClock,
  extra: Partial<MessageStoreConfigInput> = {},
): MessageStore {
  return new MessageStore({
    fs: new DenoFileSystem(),
    clock,
    ackAfterWrite: true,
    storeHost: hostAddress("127.0.0.1", 10911),
    onError: (error) => errors.push(error.message),
    config: fuzzConfig(root, mode, extra),
  });
}

/**
 * Checks the consume queues against the commit log: units readable and not blank up to the max
 * offset, each at a record of its topic, queue and offset (of its size), no record named twice,
 * and every record of the log named.
 */
async function checkQueues(store: MessageStore, tag: string): Promise<void> {
  const named = new Map<number, string>();
  const logMin = store.getCommitLogMinOffset();
  for (const topic of FUZZ_TOPICS) {
    for (let queueId = 0; queueId < FUZZ_QUEUES; queueId++) {
      const queue = store.consumeQueueStore.findConsumeQueue(topic, queueId);
      if (queue === undefined) continue;
      const max = store.getMaxOffsetInQueue(topic, queueId);
      assert.equal(max, queue.maxOffset, `${tag}: ${topic}/${queueId} committed max`);
      let offset = store.getMinOffsetInQueue(topic, queueId);
      while (offset < max) {
        const units = await queue.readUnits(offset, 64);
        assert.ok(
          units !== null && units.count > 0,
          `${tag}: ${topic}/${queueId}@${offset} unread`,
        );
        for (let i = 0; i < units.count; i++, offset++) {
          const where = `${topic}/${queueId}@${offset}`;
          assert.ok(!units.isBlank(i), `${tag}: ${where} blank`);
          const physical = units.physicalOffset(i);
          assert.ok(
            !named.has(physical),
            `${tag}: ${where} and ${named.get(physical)} share a record`,
          );
          named.set(physical, where);
          if (physical < logMin) continue; // its file was removed by retention
          const bytes = await store.selectOneMessageByOffset(physical);
          assert.ok(bytes !== null, `${tag}: ${where} points at no record (${physical})`);
          const record = decodeRecord(bytes);
          assert.deepEqual(
            [record.topic, record.queueId, record.queueOffset, record.totalSize],
            [topic, queueId, offset, units.size(i)],
            `${tag}: ${where} points at another record (${physical})`,
          );
        }
      }
    }
  }
  await scanCommitLog({
    fs: new DenoFileSystem(),
    commitLog: store.commitLog,
    fromOffset: logMin,
    toOffset: store.getCommitLogMaxOffset(),
    checkCrc: true,
    onRecord: (request) =>
      assert.ok(
        named.has(request.commitLogOffset),
        `${tag}: record at ${request.commitLogOffset} (${request.topic}/${request.queueId}@${request.consumeQueueOffset}) is in no consume queue`,
      ),
  });
}

/** Checks every acknowledged message is at its offset, and a sample of them is found by key. */
async function checkAcked(store: MessageStore, seen: Seen, tag: string, lastCycle: number) {
  for (const [key, { topic, queueId, offset, cycle }] of seen.acked) {
    if (offset < store.getMinOffsetInQueue(topic, queueId)) continue;
    const where = `${topic}/${queueId}@${offset} (${key})`;
    const got = await store.getMessage("G", topic, queueId, offset, 1);
    const max = store.getMaxOffsetInQueue(topic, queueId);
    assert.equal(got?.status, "FOUND", `${tag}: acknowledged ${where} lost (max ${max})`);
    const record = decodeRecord(got!.messages[0]);
    assert.equal(record.properties.get("KEYS"), key, `${tag}: ${where} holds another message`);
    assert.ok(
      new TextDecoder().decode(record.body).startsWith(`body:${key}:`),
      `${tag}: ${where} body`,
    );
    const every = cycle === lastCycle ? 4 : QUERY_EVERY;
    if (Number(key.split("-").pop()) % every !== 0) continue;
    for (const begin of [0, record.storeTimestamp - 1000]) {
      const found = await store.queryMessage(topic, key, 32, begin, Number.MAX_SAFE_INTEGER);
      const keys = found.messages.map((bytes) => decodeRecord(bytes).properties.get("KEYS"));
      assert.ok(keys.includes(key), `${tag}: key query from ${begin} missed ${where}: ${keys}`);
    }
  }
}

/** Checks what the killed children's consumer saw is still there. */
async function checkServed(store: MessageStore, seen: Seen, tag: string): Promise<void> {
  for (const [id, reported] of seen.maxOffsets) {
    const [topic, queueId] = id.split("/");
    const max = store.getMaxOffsetInQueue(topic, Number(queueId));
    assert.ok(max >= reported, `${tag}: ${id} ends at ${max}; a child was told ${reported}`);
  }
  for (const [where, key] of seen.served) {
    const [id, offsetText] = where.split("@");
    const [topic, queueId] = [id.split("/")[0], Number(id.split("/")[1])];
    const offset = Number(offsetText);
    if (offset < store.getMinOffsetInQueue(topic, queueId)) continue;
    const got = await store.getMessage("G", topic, queueId, offset, 1);
    assert.equal(got?.status, "FOUND", `${tag}: served ${where} (${key}) lost`);
    const now = decodeRecord(got!.messages[0]).properties.get("KEYS");
    assert.equal(now, key, `${tag}: served ${where} was ${key}, now ${now}`);
  }
}

/** Opens the store, runs `check` on it, and stops it cleanly or not. */
async function withStore(
  store: MessageStore,
  errors: string[],
  tag: string,
  check: (store: MessageStore) => Promise<void>,
  clean: boolean,
): Promise<void> {
  await store.start();
  try {
    await check(store);
    assert.deepEqual(errors, [], `${tag}: store errors`);
  } finally {
    if (clean) await store.shutdown();
    else await store.halt();
  }
}

const [firstSeed, lastSeed] = (Deno.env.get("CRASH_FUZZ_SEEDS") ?? "1-4").split("-").map(Number);
const CYCLES = Number(Deno.env.get("CRASH_FUZZ_CYCLES") ?? "3");

for (let seed = firstSeed; seed <= (lastSeed ?? firstSeed); seed++) {
  const mode = fuzzMode(seed);
  Deno.test(`the store keeps every acknowledged message through SIGKILLs (crash fuzz seed ${seed}, ${mode})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "edgemq-crash-fuzz-" });
    const root = `${dir}/store`;
    const random = new SeededRandom(seed);
    const seen: Seen = { acked: new Map(), maxOffsets: new Map(), served: new Map() };
    const childErrors: string[] = [];
    const errors: string[] = [];
    const collect = (step: string, stderr: string) =>
      stderr.split("\n").filter((line) => line.startsWith("ONERROR"))
        .forEach((line) => childErrors.push(`${step}: ${line}`));
    let step = "";
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const wanted = random.int(1, ACKS_MAX);
        const role = random.int(0, 3) === 0 ? "write-retain" : "write";
        step = `seed ${seed} cycle ${cycle} ${role}, killed after ${wanted} acks`;
        const args = [root, mode, String(seed * 100 + cycle), role];
        collect(step, await writeUntilKilled(args, wanted, seen, cycle));
        if (random.int(0, 3) === 0) {
          const dispatched = random.int(0, 400);
          step = `seed ${seed} cycle ${cycle} recovery, killed after ${dispatched} dispatches`;
          collect(step, await recoverUntilKilled(root, mode, dispatched));
        }
        step = `seed ${seed} cycle ${cycle} check`;
        await withStore(openStore(root, mode, errors), errors, step, async (store) => {
          await checkQueues(store, step);
          await checkAcked(store, seen, step, cycle);
          await checkServed(store, seen, step);
        }, random.int(0, 2) === 0);
      }
      step = `seed ${seed} retention`;
      const clock = new ManualClock(Date.now() + 5 * 3600_000);
      const retaining = openStore(root, mode, errors, clock, {
        fileReservedTime: 1,
        deleteWhen: EVERY_HOUR,
      });
      await withStore(retaining, errors, step, async (store) => {
        const [before, files] = [store.getCommitLogMinOffset(), store.commitLog.segments.length];
        const { deletedSegments } = await store.runCleanOnce();
        // Every file but the newest has expired; one pass deletes at most DELETE_FILE_BATCH_MAX.
        const expected = Math.min(files - 1, DELETE_FILE_BATCH_MAX);
        assert.equal(deletedSegments, expected, `${step}: files deleted`);
        if (files > 1) assert.ok(store.getCommitLogMinOffset() > before, `${step}: min offset`);
        await checkQueues(store, step);
        await checkAcked(store, seen, step, -1);
      }, false);
      step = `seed ${seed} restart after retention`;
      await withStore(openStore(root, mode, errors), errors, step, async (store) => {
        await checkQueues(store, step);
        await checkAcked(store, seen, step, -1);
      }, true);
      assert.deepEqual(childErrors, [], `seed ${seed}: errors in the children`);
    } catch (error) {
      console.error(`crash fuzz failed at ${step}; the store is left in ${dir}`);
      throw error;
    }
    await Deno.remove(dir, { recursive: true });
  });
}

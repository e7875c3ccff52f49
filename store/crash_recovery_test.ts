/**
 * A real crash: a child process appends under SYNC_FLUSH on the Deno file system and prints
 * each append it was told is durable; the parent kills it with SIGKILL after a seeded number of
 * acknowledgements, recovers the store in-process and checks every acknowledged append.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import { MessageStore } from "./message_store.ts";
import { hostAddress } from "./message_id.ts";
import { decodeRecord } from "./message_record.ts";
import { SeededRandom } from "./_test_messages.ts";
import { crashChildBody } from "./testdata/crash_child_body.ts";
import { runChildUntil } from "./_test_child.ts";

const CHILD = new URL("./testdata/crash_child.ts", import.meta.url);
const ACK_DEADLINE_MS = 20_000;

/** Reads `ack` lines until `wanted` arrived, then kills the child; counts the acks it printed. */
async function runChildUntilAcked(
  root: string,
  wanted: number,
  warm: boolean,
): Promise<Map<number, number>> {
  const acked = new Map<number, number>();
  const run = await runChildUntil(CHILD, [root, "8", ...(warm ? ["warm"] : [])], (line) => {
    const [kind, offset, index] = line.split(" ");
    if (kind === "ack") acked.set(Number(offset), Number(index));
    return acked.size >= wanted;
  }, ACK_DEADLINE_MS);
  assert.ok(
    !run.exitedEarly,
    `the child exited after ${acked.size} of ${wanted} acknowledgements: ${run.stderr}`,
  );
  return acked;
}

for (const seed of [1, 2, 3, 4]) {
  // Seed 4 runs with zero-filled segment files made ahead (warmMapedFileEnable).
  const warm = seed === 4;
  Deno.test(`MessageStore recovers every acknowledged append after SIGKILL (seed ${seed}${warm ? ", warm files" : ""})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "edgemq-crash-" });
    try {
      const wanted = new SeededRandom(seed).int(20, 400);
      const acked = await runChildUntilAcked(`${dir}/store`, wanted, warm);
      const store = new MessageStore({
        fs: new DenoFileSystem(),
        clock: new ManualClock(),
        storeHost: hostAddress("127.0.0.1", 10911),
        onError: (error) => {
          throw error;
        },
        config: {
          storePathRootDir: `${dir}/store`,
          mappedFileSizeCommitLog: 64 * 1024,
          mappedFileSizeConsumeQueue: 20 * 1000,
          flushDiskType: "SYNC_FLUSH",
          maxHashSlotNum: 1000,
          maxIndexNum: 4000,
        },
      });
      await store.start();
      try {
        assert.ok(store.stats().recovery?.scanFromOffset !== undefined);
        const max = store.getMaxOffsetInQueue("CrashTopic", 0);
        for (const [offset, index] of acked) {
          assert.ok(offset < max, `seed ${seed}: acknowledged offset ${offset} lost (max ${max})`);
          const got = (await store.getMessage("G", "CrashTopic", 0, offset, 1))!;
          assert.equal(got.status, "FOUND", `seed ${seed}: offset ${offset}`);
          const record = decodeRecord(got.messages[0]);
          assert.equal(
            new TextDecoder().decode(record.body),
            crashChildBody(index),
            `seed ${seed}: offset ${offset}`,
          );
        }
      } finally {
        await store.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

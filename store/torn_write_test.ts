/**
 * Torn writes: write messages, sync at some point, write more, stop without a clean shutdown,
 * then tear the commit log at a random byte past the sync point (the rest of that segment
 * zeroed or filled with garbage, later segments kept, garbled or lost). Recovery must keep every
 * record before the sync point and serve nothing past the tear. Seeds are printed on failure.
 */

import assert from "node:assert/strict";
import { type AdapterContext, forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore, SeededRandom } from "./_test_messages.ts";
import { decodeRecord } from "./message_record.ts";

const SEGMENT_BYTES = 4096;
const text = new TextDecoder();

interface Written {
  readonly body: string;
  readonly start: number;
  readonly end: number;
}

/** A cut inside the unused tail of a segment tears nothing; move it into the blank header. */
function tearableCut(written: readonly Written[], cut: number, random: SeededRandom): number {
  const segment = Math.floor(cut / SEGMENT_BYTES);
  const inSegment = written.filter((w) => Math.floor(w.start / SEGMENT_BYTES) === segment);
  const lastEnd = Math.max(...inSegment.map((w) => w.end));
  return cut >= lastEnd + 8 ? lastEnd + random.int(0, 8) : cut;
}

async function tearAt(ctx: AdapterContext, random: SeededRandom, cut: number): Promise<string> {
  const dir = `${ctx.dir}/store/commitlog`;
  const names = await ctx.fs.list(dir);
  const segmentIndex = Math.floor(cut / SEGMENT_BYTES);
  const position = cut % SEGMENT_BYTES;
  if (names[segmentIndex] === undefined) {
    return `cut at ${cut} in a segment that never reached the disk`;
  }
  const file = await ctx.fs.open(`${dir}/${names[segmentIndex]}`);
  await file.truncate(position);
  await file.truncate(SEGMENT_BYTES);
  // The torn write leaves zeros (a fresh segment's old content) up to the next 512-byte sector;
  // past it, sectors of some other write may hold anything.
  const garbage = random.int(0, 3);
  const sector = Math.ceil((position + 1) / 512) * 512;
  if (garbage === 1 && sector < SEGMENT_BYTES) {
    await file.writeAt(random.bytes(random.int(1, SEGMENT_BYTES - sector + 1)), sector);
  }
  await file.sync();
  file.close();
  const later = names.slice(segmentIndex + 1);
  const fate = random.int(0, 3);
  for (const name of later) {
    if (fate === 1) await ctx.fs.remove(`${dir}/${name}`);
    if (fate === 2) {
      const handle = await ctx.fs.open(`${dir}/${name}`);
      await handle.writeAt(random.bytes(SEGMENT_BYTES), 0);
      handle.close();
    }
  }
  return `cut at ${cut}, garbage ${garbage}, later segments ${later.length} fate ${fate}`;
}

async function runSeed(ctx: AdapterContext, seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  const root = `${ctx.dir}/store`;
  await ctx.fs.remove(root);
  const config = { mappedFileSizeCommitLog: SEGMENT_BYTES };
  const store = await openTestStore({ ...ctx, config });
  const written: Written[] = [];
  const count = random.int(20, 80);
  const syncAfter = random.int(0, count);
  let syncPoint = 0;
  for (let i = 0; i < count; i++) {
    const body = `s${seed}-m${i}-` + "z".repeat(random.int(0, 600));
    const result = await store.putMessage(makeMessage({ bodyText: body }));
    assert.equal(result.status, "PUT_OK");
    const { wroteOffset, wroteBytes } = result.appendMessageResult!;
    written.push({ body, start: wroteOffset, end: wroteOffset + wroteBytes });
    ctx.clock.advance(random.int(0, 700));
    if (i === syncAfter) {
      await store.flush();
      syncPoint = store.getCommitLogMaxOffset();
    }
  }
  const end = store.getCommitLogMaxOffset();
  await store.halt();
  const cut = tearableCut(written, syncPoint + random.int(0, end - syncPoint), random);
  const how = cut < end ? await tearAt(ctx, random, cut) : "no cut";

  const recovered = await openTestStore({ ...ctx, config });
  try {
    const max = recovered.getMaxOffsetInQueue("TopicTest", 0);
    const durable = written.filter((w) => w.end <= syncPoint).length;
    const intact = written.filter((w) => w.end <= cut).length;
    assert.ok(max >= durable, `${how}: ${max} records recovered, ${durable} were synced`);
    assert.ok(max <= intact, `${how}: ${max} records recovered, only ${intact} before the tear`);
    for (let offset = 0; offset < max;) {
      const got = (await recovered.getMessage("G", "TopicTest", 0, offset, 32))!;
      assert.equal(got.status, "FOUND", `${how}: offset ${offset}`);
      for (const record of got.messages) {
        const decoded = decodeRecord(record);
        assert.equal(
          text.decode(decoded.body),
          written[decoded.queueOffset].body,
          `${how}: ${decoded.queueOffset}`,
        );
      }
      offset = got.nextBeginOffset;
    }
    assert.ok(recovered.getCommitLogMaxOffset() <= cut, `${how}: log ends past the tear`);
    const next = await recovered.putMessage(makeMessage({ bodyText: "after" }));
    assert.equal(next.appendMessageResult?.logicsOffset, max, how);
  } finally {
    await recovered.shutdown();
  }
}

forEachAdapter("Recovery keeps every synced record and nothing past a torn write", async (ctx) => {
  const seeds = ctx.kind === "memory" ? 60 : 15;
  for (let seed = 1; seed <= seeds; seed++) {
    try {
      await runSeed(ctx, seed);
    } catch (error) {
      throw new Error(`Torn-write simulation failed with seed ${seed}`, { cause: error });
    }
  }
});

forEachAdapter(
  "MemoryFileSystem crash tears the last unsynced write; recovery keeps the synced prefix",
  async (ctx) => {
    const memory = ctx.memory!;
    for (let seed = 100; seed < 130; seed++) {
      const random = new SeededRandom(seed);
      await memory.remove(`${ctx.dir}/store`);
      const store = await openTestStore({
        ...ctx,
        config: { mappedFileSizeCommitLog: SEGMENT_BYTES },
      });
      const bodies: string[] = [];
      for (let i = 0; i < 30; i++) {
        bodies.push(`t${seed}-${i}-${"q".repeat(random.int(0, 300))}`);
        await store.putMessage(makeMessage({ bodyText: bodies[i] }));
        if (i === 10) await store.flush();
      }
      const synced = 11;
      await store.halt();
      const names = await memory.list(`${ctx.dir}/store/commitlog`);
      const victim = names[random.int(0, names.length)];
      memory.crash({
        tear: { path: `${ctx.dir}/store/commitlog/${victim}`, byte: random.int(0, SEGMENT_BYTES) },
        entries: true,
      });
      const recovered = await openTestStore({
        ...ctx,
        config: { mappedFileSizeCommitLog: SEGMENT_BYTES },
      });
      const max = recovered.getMaxOffsetInQueue("TopicTest", 0);
      assert.ok(max >= synced, `seed ${seed}: ${max} < ${synced}`);
      const got = (await recovered.getMessage("G", "TopicTest", 0, 0, 32))!;
      got.messages.forEach((record, i) =>
        assert.equal(text.decode(decodeRecord(record).body), bodies[i], `seed ${seed}`)
      );
      assert.equal(got.messages.length, max, `seed ${seed}`);
      await recovered.shutdown();
    }
  },
  { only: ["memory"] },
);

forEachAdapter(
  "A power loss after the consume queues were synced keeps their files and every queue whole",
  async (ctx) => {
    const config = {
      mappedFileSizeCommitLog: SEGMENT_BYTES,
      mappedFileSizeConsumeQueue: 20 * 10, // a new consume-queue file every 10 messages
      flushDiskType: "SYNC_FLUSH" as const,
    };
    const store = await openTestStore({ ...ctx, config });
    for (let i = 0; i < 120; i++) {
      ctx.clock.advance(1_000); // recovery starts near the checkpoint, not at the first file
      const result = await store.putMessage(makeMessage({ queueId: i % 2, bodyText: `m${i}` }));
      assert.equal(result.status, "PUT_OK");
      if (i % 40 === 39) await store.flushLogics(true);
    }
    await store.halt();
    ctx.memory!.crash({ entries: true });
    const recovered = await openTestStore({ ...ctx, config });
    try {
      const reread = recovered.stats().reputBytes;
      const logBytes = recovered.commitLog.getMaxOffset();
      assert(
        reread < logBytes / 2,
        `re-dispatched ${reread} of ${logBytes} bytes: files were lost`,
      );
      for (const queueId of [0, 1]) {
        assert.equal(recovered.getMinOffsetInQueue("TopicTest", queueId), 0);
        assert.equal(recovered.getMaxOffsetInQueue("TopicTest", queueId), 60);
        const got = (await recovered.getMessage("G", "TopicTest", queueId, 0, 32))!;
        assert.equal(text.decode(decodeRecord(got.messages[5]).body), `m${10 + queueId}`);
      }
    } finally {
      await recovered.shutdown();
    }
  },
  { only: ["memory"] },
);

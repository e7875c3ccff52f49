import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, SeededRandom } from "./_test_messages.ts";
import { openTestLog } from "./_test_commit_log.ts";
import { BLANK_MAGIC_CODE, decodeRecord, MessageSysFlag } from "./message_record.ts";
import { hostAddress } from "./message_id.ts";
import { createOffsetMessageId } from "./message_id.ts";

const text = new TextDecoder();

forEachAdapter(
  "CommitLog reads back appended records from memory and after reopen",
  async (ctx) => {
    const random = new SeededRandom(1);
    const first = await openTestLog({ ...ctx });
    const bodies: string[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < 60; i++) {
      const body = `m${i}-` + "x".repeat(random.int(0, 900));
      const outcome = first.log.append(makeMessage({ bodyText: body, queueId: i % 3 }));
      assert.equal(outcome.status, "PUT_OK");
      if (outcome.status !== "PUT_OK") return;
      assert.equal(outcome.result.logicsOffset, Math.floor(i / 3), `queue offset of ${i}`);
      bodies.push(body);
      offsets.push(outcome.result.wroteOffset);
    }
    for (let i = 0; i < bodies.length; i++) {
      const record = decodeRecord((await first.log.readRecord(offsets[i]))!);
      assert.equal(text.decode(record.body), bodies[i]);
      assert.equal(record.physicalOffset, offsets[i]);
    }
    const end = first.log.getMaxOffset();
    await first.close();
    const second = await openTestLog({ ...ctx, abnormal: false });
    assert.equal(second.log.getMaxOffset(), end);
    for (let i = 0; i < bodies.length; i++) {
      const record = decodeRecord((await second.log.readRecord(offsets[i]))!);
      assert.equal(text.decode(record.body), bodies[i]);
    }
    await second.close();
  },
);

forEachAdapter("CommitLog rolls segments with a blank record and 20-digit names", async (ctx) => {
  const segmentBytes = 4096;
  const opened = await openTestLog({ ...ctx, segmentBytes });
  const offsets: number[] = [];
  for (let i = 0; i < 40; i++) {
    // Let the flusher write full segments so their buffers return to the pool.
    if (i % 10 === 9) await opened.flusher.flush();
    const outcome = opened.log.append(makeMessage({ body: new Uint8Array(300).fill(i) }));
    assert.equal(outcome.status, "PUT_OK");
    if (outcome.status === "PUT_OK") offsets.push(outcome.result.wroteOffset);
  }
  await opened.flusher.flush();
  const names = await ctx.fs.list(`${ctx.dir}/commitlog`);
  assert.ok(names.length >= 3, `segments: ${names}`);
  names.forEach((name, i) => assert.equal(name, String(i * segmentBytes).padStart(20, "0")));
  for (const offset of offsets) {
    assert.equal(Math.floor(offset / segmentBytes), Math.floor((offset + 300) / segmentBytes));
  }
  // The first segment ends with a blank: int32 maxBlank, int32 BLANK magic.
  const firstEnd = offsets.filter((o) => o < segmentBytes).at(-1)!;
  const blankAt = firstEnd + (await opened.log.readRecord(firstEnd))!.length;
  const header = (await opened.log.read(blankAt, 8))!;
  const view = new DataView(header.buffer);
  assert.equal(view.getInt32(0), segmentBytes - blankAt);
  assert.equal(view.getInt32(4), BLANK_MAGIC_CODE);
  assert.equal(await opened.log.readRecord(blankAt), null, "a blank is not a message");
  const stat = await ctx.fs.stat(`${ctx.dir}/commitlog/${names[0]}`);
  assert.equal(stat?.size, segmentBytes, "segments are created full size");
  await opened.close();
});

forEachAdapter("CommitLog answers null for a read past a segment's blank", async (ctx) => {
  const opened = await openTestLog({ ...ctx, segmentBytes: 4096 });
  const offsets: number[] = [];
  for (let i = 0; i < 14; i++) {
    const outcome = opened.log.append(makeMessage({ body: new Uint8Array(300).fill(i) }));
    if (outcome.status === "PUT_OK") offsets.push(outcome.result.wroteOffset);
  }
  const last = offsets.filter((o) => o < 4096).at(-1)!;
  const blankAt = last + (await opened.log.readRecord(last))!.length;
  assert.ok(offsets.some((o) => o >= 4096), "the log rolled");
  // Before the writer reached it and after: nothing lives past the blank's 8 bytes (a client's
  // message id can point anywhere).
  assert.equal(await opened.log.read(blankAt + 8, 16), null);
  await opened.flusher.flush();
  assert.equal(await opened.log.readRecord(blankAt + 8), null);
  await opened.close();
});

forEachAdapter("CommitLog.readRecord answers null at any offset inside a record", async (ctx) => {
  const opened = await openTestLog({ ...ctx, segmentBytes: 4096 });
  // A body that looks like a record's first 8 bytes: a size and a magic code.
  const bait = new Uint8Array(300);
  new DataView(bait.buffer).setInt32(0, 120);
  new DataView(bait.buffer).setInt32(4, -626843477);
  const outcome = opened.log.append(makeMessage({ body: bait }));
  assert.equal(outcome.status, "PUT_OK");
  const { wroteOffset, wroteBytes } = outcome.status === "PUT_OK" ? outcome.result : assert.fail();
  assert.notEqual(await opened.log.readRecord(wroteOffset), null);
  for (let inside = 1; inside < wroteBytes; inside++) {
    const at = wroteOffset + inside;
    assert.equal(await opened.log.readRecord(at), null, `no record starts at ${at}`);
  }
  await opened.close();
});

forEachAdapter("CommitLog stores a batch as consecutive records in one segment", async (ctx) => {
  const opened = await openTestLog({ ...ctx, segmentBytes: 4096 });
  opened.log.append(makeMessage({ queueId: 1, body: new Uint8Array(3500) }));
  const batch = Array.from({ length: 5 }, (_, i) => makeMessage({ queueId: 1, bodyText: `b${i}` }));
  const outcome = opened.log.appendBatch(batch);
  assert.equal(outcome.status, "PUT_OK");
  if (outcome.status !== "PUT_OK") return;
  const { result } = outcome;
  assert.equal(result.msgNum, 5);
  assert.equal(result.logicsOffset, 1);
  assert.equal(result.wroteOffset, 4096, "the batch did not fit and went to the next segment");
  const ids = result.msgId.split(",");
  assert.equal(ids.length, 5);
  let offset = result.wroteOffset;
  for (let i = 0; i < 5; i++) {
    const record = decodeRecord((await opened.log.readRecord(offset))!);
    assert.equal(record.queueOffset, 1 + i);
    assert.equal(text.decode(record.body), `b${i}`);
    assert.equal(ids[i], createOffsetMessageId(new Uint8Array([192, 168, 1, 10]), 10911, offset));
    offset += record.totalSize;
  }
  assert.equal(offset - result.wroteOffset, result.wroteBytes);
  assert.equal(
    opened.log.appendBatch([makeMessage(), makeMessage({ queueId: 2 })]).status,
    "MESSAGE_ILLEGAL",
  );
  assert.equal(opened.requests.length, 6);
  await opened.close();
});

forEachAdapter("CommitLog gives prepared and rollback records queue offset 0", async (ctx) => {
  const opened = await openTestLog({ ...ctx });
  const put = (sysFlag: number) => {
    const outcome = opened.log.append(makeMessage({ sysFlag }));
    assert.equal(outcome.status, "PUT_OK");
    return outcome.status === "PUT_OK" ? outcome.result.logicsOffset : -1;
  };
  assert.equal(put(0), 0);
  assert.equal(put(MessageSysFlag.TRANSACTION_PREPARED_TYPE), 0);
  assert.equal(put(MessageSysFlag.TRANSACTION_ROLLBACK_TYPE), 0);
  assert.equal(put(MessageSysFlag.TRANSACTION_COMMIT_TYPE), 1);
  assert.equal(put(0), 2);
  assert.deepEqual(opened.requests.map((r) => r.sysFlag & 0xC), [0, 4, 12, 8, 0]);
  await opened.close();
});

forEachAdapter("CommitLog stores IPv6 born and store hosts", async (ctx) => {
  const storeHost = hostAddress("2001:db8::1", 10911);
  const opened = await openTestLog({ ...ctx, storeHost });
  const outcome = opened.log.append(makeMessage({ bornHost: "fe80::2" }));
  assert.equal(outcome.status, "PUT_OK");
  if (outcome.status !== "PUT_OK") return;
  assert.equal(outcome.result.msgId.length, 56);
  await opened.close();
  const reopened = await openTestLog({ ...ctx, storeHost, abnormal: true });
  const record = decodeRecord((await reopened.log.readRecord(0))!);
  assert.equal(record.sysFlag & 0x30, 0x30);
  assert.deepEqual(record.storeHost.address, storeHost.address);
  assert.equal(reopened.log.getMaxOffset(), record.totalSize);
  await reopened.close();
});

forEachAdapter("CommitLog refuses a record that cannot fit a segment", async (ctx) => {
  const opened = await openTestLog({ ...ctx, segmentBytes: 4096 });
  assert.equal(
    opened.log.append(makeMessage({ body: new Uint8Array(4000) })).status,
    "MESSAGE_ILLEGAL",
  );
  assert.equal(opened.log.append(makeMessage({ body: new Uint8Array(3900) })).status, "PUT_OK");
  await opened.close();
});

forEachAdapter("CommitLog recovery truncates at a bit-rotted record", async (ctx) => {
  const opened = await openTestLog({ ...ctx, segmentBytes: 8192 });
  const offsets: number[] = [];
  for (let i = 0; i < 30; i++) {
    const outcome = opened.log.append(makeMessage({ bodyText: `body-${i}-${"y".repeat(100)}` }));
    if (outcome.status === "PUT_OK") offsets.push(outcome.result.wroteOffset);
  }
  await opened.close();
  const victim = 17;
  const victimOffset = offsets[victim];
  const segmentStart = Math.floor(victimOffset / 8192) * 8192;
  const file = await ctx.fs.open(`${ctx.dir}/commitlog/${String(segmentStart).padStart(20, "0")}`);
  const position = victimOffset - segmentStart + 90; // inside the body
  const byte = new Uint8Array(1);
  await file.readAt(byte, position);
  byte[0] ^= 0x01;
  await file.writeAt(byte, position);
  await file.sync();
  file.close();
  const recovered = await openTestLog({ ...ctx, segmentBytes: 8192, abnormal: true });
  assert.equal(recovered.log.getMaxOffset(), victimOffset);
  assert.match(recovered.recovery.reason ?? "", /BODYCRC/);
  assert.equal(await recovered.log.readRecord(victimOffset), null);
  assert.equal(
    decodeRecord((await recovered.log.readRecord(offsets[victim - 1]))!).physicalOffset,
    offsets[victim - 1],
  );
  // New appends continue at the cut and survive another restart.
  const outcome = recovered.log.append(makeMessage({ bodyText: "after" }));
  assert.equal(outcome.status === "PUT_OK" && outcome.result.wroteOffset, victimOffset);
  await recovered.close();
  const again = await openTestLog({ ...ctx, segmentBytes: 8192, abnormal: true });
  assert.equal(
    text.decode(decodeRecord((await again.log.readRecord(victimOffset))!).body),
    "after",
  );
  await again.close();
});

forEachAdapter(
  "CommitLog encodes records across memory chunks and reads them back from memory and file",
  async (ctx) => {
    const random = new SeededRandom(7);
    const segmentBytes = 3 * 1024 * 1024; // three 1 MiB chunks per segment
    const opened = await openTestLog({ ...ctx, segmentBytes });
    const written: Array<{ offset: number; body: Uint8Array }> = [];
    let crossings = 0;
    for (let i = 0; i < 160; i++) {
      // Mostly small records, some larger than a chunk.
      const size = i % 40 === 39 ? 1_300_000 : random.int(1, 90_000);
      const body = new Uint8Array(size).fill(i & 0xff);
      const outcome = opened.log.append(makeMessage({ body }));
      assert.equal(outcome.status, "PUT_OK", `seed 7, record ${i}`);
      if (outcome.status !== "PUT_OK") return;
      const { wroteOffset, wroteBytes } = outcome.result;
      const chunk = 1024 * 1024;
      if (Math.floor(wroteOffset / chunk) !== Math.floor((wroteOffset + wroteBytes - 1) / chunk)) {
        crossings++;
      }
      written.push({ offset: wroteOffset, body });
      if (i % 16 === 15) await opened.flusher.flush();
    }
    assert.ok(crossings >= 4, `records crossing a chunk end: ${crossings}`);
    const check = async (log: typeof opened.log, where: string) => {
      for (const { offset, body } of written) {
        const record = decodeRecord((await log.readRecord(offset))!);
        assert.equal(record.physicalOffset, offset, `${where}: offset ${offset}`);
        assert.deepEqual(record.body, body, `${where}: body at ${offset}`);
      }
    };
    await check(opened.log, "memory");
    const end = opened.log.getMaxOffset();
    await opened.close();
    const reopened = await openTestLog({ ...ctx, segmentBytes, abnormal: true });
    assert.equal(reopened.recovery.records, written.length, "every record passes the CRC check");
    assert.equal(reopened.log.getMaxOffset(), end);
    await check(reopened.log, "file");
    await reopened.close();
  },
);

forEachAdapter(
  "CommitLog answers OS_PAGECACHE_BUSY when the writer lags beyond its memory, then recovers",
  async (ctx) => {
    const opened = await openTestLog({ ...ctx, segmentBytes: 4 * 1024 * 1024 });
    const pool = opened.log.chunkPool;
    const body = new Uint8Array(256 * 1024);
    let accepted = 0;
    // No await: the flusher never gets a turn to write, so memory fills up.
    for (let i = 0; i < 1_000; i++) {
      const outcome = opened.log.append(makeMessage({ body }));
      if (outcome.status === "OS_PAGECACHE_BUSY") break;
      assert.equal(outcome.status, "PUT_OK");
      accepted++;
    }
    assert.ok(accepted * body.length <= pool.maxChunks * pool.chunkBytes, `${accepted} accepted`);
    assert.ok(accepted * body.length >= (pool.maxChunks - 2) * pool.chunkBytes * 0.9);
    const end = opened.log.getMaxOffset();
    await opened.flusher.drainWrites();
    assert.equal(opened.log.append(makeMessage({ body })).status, "PUT_OK", "memory was reused");
    assert.ok(pool.allocated <= pool.maxChunks);
    assert.ok(opened.log.getMaxOffset() > end);
    await opened.close();
  },
);

forEachAdapter(
  "CommitLog gives back the memory a lagging writer made it grow to once the writer catches up",
  async (ctx) => {
    const mib = 1024 * 1024;
    const opened = await openTestLog({ ...ctx, segmentBytes: 64 * mib, tailWindowBytes: 2 * mib });
    const pool = opened.log.chunkPool;
    const body = new Uint8Array(200 * 1024);
    // No await: the writer never runs, so every chunk waits for it.
    for (let i = 0; i < 100; i++) {
      assert.equal(opened.log.append(makeMessage({ body })).status, "PUT_OK", `append ${i}`);
    }
    const grown = pool.allocated;
    assert.ok(grown > pool.windowChunks + 8, `grew to ${grown} chunks`);
    for (let i = 0; i < 60; i++) {
      assert.equal(opened.log.append(makeMessage({ body })).status, "PUT_OK", `append ${i}`);
      await opened.flusher.drainWrites();
    }
    assert.ok(
      pool.allocated <= pool.windowChunks + 8 + 1,
      `${pool.allocated} chunks alive after catching up (window ${pool.windowChunks})`,
    );
    await opened.close();
  },
);

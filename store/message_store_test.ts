import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import { decodeRecord } from "./message_record.ts";
import { computeTagsCode } from "./message_properties.ts";
import { putMessageResponse } from "./put_message_status.ts";
import { StoreLockedError } from "./store_lock.ts";

const text = new TextDecoder();
const bodyOf = (record: Uint8Array) => text.decode(decodeRecord(record).body);

forEachAdapter(
  "MessageStore puts messages and reads them back through the consume queue",
  async (ctx) => {
    const arrived: string[] = [];
    const store = await openTestStore({
      ...ctx,
      onMessageArrived: (topic, queueId, maxOffset, tagsCode) =>
        arrived.push(`${topic}/${queueId}/${maxOffset}/${tagsCode}`),
    });
    for (let i = 0; i < 10; i++) {
      const result = await store.putMessage(makeMessage({ queueId: i % 2, bodyText: `m${i}` }));
      assert.equal(result.status, "PUT_OK");
      assert.equal(result.appendMessageResult?.logicsOffset, Math.floor(i / 2));
      assert.equal(result.appendMessageResult?.msgId.length, 32);
    }
    assert.equal(arrived[0], `TopicTest/0/1/${computeTagsCode("TagA")}`);
    assert.equal(arrived.length, 10);
    assert.equal(store.getMaxOffsetInQueue("TopicTest", 1), 5);
    assert.equal(store.getMinOffsetInQueue("TopicTest", 1), 0);
    const got = (await store.getMessage("G", "TopicTest", 1, 1, 32))!;
    assert.equal(got.status, "FOUND");
    assert.deepEqual(got.messages.map(bodyOf), ["m3", "m5", "m7", "m9"]);
    assert.deepEqual(got.messageQueueOffsets, [1, 2, 3, 4]);
    assert.equal(got.nextBeginOffset, 5);
    assert.equal(got.maxOffset, 5);
    assert.equal(got.suggestPullingFromSlave, false);
    assert.equal(got.bufferTotalSize, got.messages.reduce((n, m) => n + m.length, 0));
    const first = decodeRecord(got.messages[0]);
    const looked = await store.lookMessageByOffset(first.physicalOffset);
    assert.equal(looked?.queueOffset, 1);
    assert.equal(store.stats().putMessageTimesTotal, 10);
    await store.shutdown();
    // Everything is there after a clean restart.
    const again = await openTestStore({ ...ctx });
    const reread = (await again.getMessage("G", "TopicTest", 0, 0, 32))!;
    assert.deepEqual(reread.messages.map(bodyOf), ["m0", "m2", "m4", "m6", "m8"]);
    const next = await again.putMessage(makeMessage({ queueId: 0 }));
    assert.equal(next.appendMessageResult?.logicsOffset, 5, "queue offsets continue after restart");
    await again.shutdown();
  },
);

forEachAdapter("MessageStore refuses illegal messages and puts after shutdown", async (ctx) => {
  const store = await openTestStore({ ...ctx, config: { maxMessageSize: 1000 } });
  const big = await store.putMessage(makeMessage({ body: new Uint8Array(1001) }));
  assert.equal(big.status, "MESSAGE_ILLEGAL");
  assert.equal(putMessageResponse(big.status).code, 13);
  const props = await store.putMessage(makeMessage({ properties: { A: "x".repeat(40_000) } }));
  assert.equal(props.status, "PROPERTIES_SIZE_EXCEEDED");
  const topic = await store.putMessage(makeMessage({ topic: "t".repeat(128) }));
  assert.equal(topic.status, "MESSAGE_ILLEGAL");
  await store.shutdown();
  const late = await store.putMessage(makeMessage());
  assert.equal(late.status, "SERVICE_NOT_AVAILABLE");
  assert.equal(putMessageResponse(late.status).code, 14);
  assert.equal(await store.getMessage("G", "TopicTest", 0, 0, 1), null);
});

forEachAdapter("MessageStore stores a batch with consecutive queue offsets", async (ctx) => {
  const store = await openTestStore({ ...ctx });
  await store.putMessage(makeMessage({ queueId: 3 }));
  const batch = [0, 1, 2].map((i) => makeMessage({ queueId: 3, bodyText: `b${i}` }));
  const result = await store.putMessages(batch);
  assert.equal(result.status, "PUT_OK");
  assert.equal(result.appendMessageResult?.logicsOffset, 1);
  assert.equal(result.appendMessageResult?.msgNum, 3);
  assert.equal(result.appendMessageResult?.msgId.split(",").length, 3);
  const got = (await store.getMessage("G", "TopicTest", 3, 1, 32))!;
  assert.deepEqual(got.messages.map(bodyOf), ["b0", "b1", "b2"]);
  await store.shutdown();
});

forEachAdapter("MessageStore answers time queries from store timestamps", async (ctx) => {
  const store = await openTestStore({ ...ctx });
  const start = ctx.clock.now();
  for (let i = 0; i < 5; i++) {
    await store.putMessage(makeMessage());
    ctx.clock.advance(1000);
  }
  assert.equal(await store.getEarliestMessageTime("TopicTest", 0), start);
  assert.equal(await store.getEarliestMessageTime(), start);
  assert.equal(await store.getMessageStoreTimeStamp("TopicTest", 0, 3), start + 3000);
  assert.equal(await store.getOffsetInQueueByTime("TopicTest", 0, start + 2500), 3);
  assert.equal(await store.getOffsetInQueueByTime("TopicTest", 0, start - 1), 0);
  assert.equal(await store.getOffsetInQueueByTime("TopicTest", 0, start + 2500, "upper"), 2);
  assert.equal(await store.getOffsetInQueueByTime("TopicTest", 0, start + 3000, "upper"), 3);
  assert.equal(await store.getOffsetInQueueByTime("Nope", 0, start), 0);
  assert.equal(store.now(), ctx.clock.now());
  await store.shutdown();
});

forEachAdapter("MessageStore SYNC_FLUSH acknowledges only durable messages", async (ctx) => {
  const store = await openTestStore({ ...ctx, config: { flushDiskType: "SYNC_FLUSH" } });
  const results = await Promise.all(
    Array.from({ length: 64 }, (_, i) => store.putMessage(makeMessage({ bodyText: `s${i}` }))),
  );
  assert.ok(results.every((r) => r.status === "PUT_OK"));
  const stats = store.stats();
  assert.ok(stats.flushedOffset >= stats.commitLogMaxOffset, "acked bytes are flushed");
  assert.ok(stats.flush.syncCount < 64, `group commit shared syncs: ${stats.flush.syncCount}`);
  if (ctx.memory) {
    await store.halt();
    ctx.memory.crash();
    const recovered = await openTestStore({ ...ctx, config: { flushDiskType: "SYNC_FLUSH" } });
    assert.equal(recovered.getMaxOffsetInQueue("TopicTest", 0), 64);
    const got = (await recovered.getMessage("G", "TopicTest", 0, 32, 32))!;
    assert.equal(got.messages.length, 32, "every acknowledged message survived the power loss");
    assert.equal(bodyOf(got.messages[31]), "s63");
    await recovered.shutdown();
  } else {
    await store.shutdown();
  }
});

forEachAdapter(
  "MessageStore SYNC_FLUSH times out on a stalled disk and keeps the message",
  async (ctx) => {
    const memory = ctx.memory!;
    const store = await openTestStore({
      ...ctx,
      config: { flushDiskType: "SYNC_FLUSH", syncFlushTimeout: 50 },
    });
    const release = memory.holdSyncs();
    const pending = store.putMessage(makeMessage({ bodyText: "slow" }));
    const noWait = await store.putMessage(makeMessage({ properties: { WAIT: "false" } }));
    assert.equal(noWait.status, "PUT_OK", "WAIT=false does not wait for the sync");
    ctx.clock.advance(51);
    const result = await pending;
    assert.equal(result.status, "FLUSH_DISK_TIMEOUT");
    assert.equal(putMessageResponse(result.status).code, 10);
    assert.ok(result.appendMessageResult, "the message is stored");
    release();
    const got = (await store.getMessage("G", "TopicTest", 0, 0, 8))!;
    assert.equal(bodyOf(got.messages[0]), "slow");
    await store.shutdown();
  },
  { only: ["memory"] },
);

forEachAdapter(
  "MessageStore ASYNC_FLUSH loses only unsynced messages on power loss",
  async (ctx) => {
    const memory = ctx.memory!;
    const store = await openTestStore({ ...ctx });
    for (let i = 0; i < 20; i++) await store.putMessage(makeMessage({ bodyText: `a${i}` }));
    await store.flush();
    for (let i = 20; i < 30; i++) await store.putMessage(makeMessage({ bodyText: `a${i}` }));
    await store.halt();
    memory.crash();
    const recovered = await openTestStore({ ...ctx });
    const got = (await recovered.getMessage("G", "TopicTest", 0, 0, 64))!;
    assert.deepEqual(got.messages.map(bodyOf), Array.from({ length: 20 }, (_, i) => `a${i}`));
    assert.equal(recovered.getMaxOffsetInQueue("TopicTest", 0), 20);
    const next = await recovered.putMessage(makeMessage());
    assert.equal(next.appendMessageResult?.logicsOffset, 20);
    await recovered.shutdown();
  },
  { only: ["memory"] },
);

forEachAdapter("MessageStore clean restart scans at most the last 3 segments", async (ctx) => {
  const config = { mappedFileSizeCommitLog: 4096 };
  const store = await openTestStore({ ...ctx, config });
  for (let i = 0; i < 200; i++) {
    const result = await store.putMessage(makeMessage({ body: new Uint8Array(200).fill(i) }));
    assert.equal(result.status, "PUT_OK");
    ctx.clock.advance(100);
  }
  const end = store.getCommitLogMaxOffset();
  assert.ok(end > 10 * 4096, "the log spans more than 10 segments");
  await store.shutdown();
  const clean = await openTestStore({ ...ctx, config });
  const cleanStats = clean.stats();
  assert.equal(cleanStats.recovery?.segmentsScanned, 3);
  assert.ok(cleanStats.recovery!.bytesScanned <= 3 * 4096);
  assert.equal(cleanStats.reputBytes, 0, "nothing re-dispatched after a clean stop");
  assert.equal(clean.getCommitLogMaxOffset(), end);
  assert.equal(clean.getMaxOffsetInQueue("TopicTest", 0), 200);
  await clean.halt();
  // An abnormal restart with a fresh checkpoint scans only recent segments too.
  const abnormal = await openTestStore({ ...ctx, config });
  assert.ok(
    abnormal.stats().recovery!.segmentsScanned < 10,
    JSON.stringify(abnormal.stats().recovery),
  );
  assert.equal(abnormal.getCommitLogMaxOffset(), end);
  await abnormal.shutdown();
});

forEachAdapter("MessageStore rebuilds lost consume queue units after a crash", async (ctx) => {
  const config = { flushDiskType: "SYNC_FLUSH" as const, flushIntervalConsumeQueue: 60_000 };
  const store = await openTestStore({ ...ctx, config });
  for (let i = 0; i < 30; i++) {
    await store.putMessage(makeMessage({ queueId: i % 3, bodyText: `r${i}` }));
  }
  await store.halt();
  ctx.memory?.crash();
  const recovered = await openTestStore({ ...ctx, config });
  assert.ok(recovered.stats().reputBytes > 0, "records were re-dispatched");
  for (let q = 0; q < 3; q++) {
    const got = (await recovered.getMessage("G", "TopicTest", q, 0, 32))!;
    assert.deepEqual(
      got.messages.map(bodyOf),
      Array.from({ length: 10 }, (_, i) => `r${i * 3 + q}`),
    );
  }
  await recovered.shutdown();
});

forEachAdapter(
  "MessageStore finds messages by key and unique key through the index",
  async (ctx) => {
    const store = await openTestStore({ ...ctx });
    const begin = ctx.clock.now();
    for (let i = 0; i < 20; i++) {
      await store.putMessage(makeMessage({
        bodyText: `k${i}`,
        properties: { KEYS: `order-${i % 5} all`, UNIQ_KEY: `U${i}`, TAGS: "T" },
      }));
    }
    const end = ctx.clock.now() + 1;
    await store.waitDispatched();
    const byKey = await store.queryMessage("TopicTest", "order-3", 32, begin, end);
    assert.deepEqual(byKey.messages.map(bodyOf).sort(), ["k13", "k18", "k3", "k8"]);
    const byUniq = await store.queryMessage("TopicTest", "U7", 32, begin, end);
    assert.deepEqual(byUniq.messages.map(bodyOf), ["k7"]);
    const capped = await store.queryMessage("TopicTest", "all", 5, begin, end);
    assert.equal(capped.messages.length, 5);
    await store.shutdown();
    const again = await openTestStore({ ...ctx });
    const after = await again.queryMessage("TopicTest", "U19", 32, begin, end);
    assert.deepEqual(after.messages.map(bodyOf), ["k19"]);
    await again.shutdown();
  },
);

forEachAdapter(
  "MessageStore makes segment files ahead, zero-filled with warmMapedFileEnable",
  async (ctx) => {
    const config = {
      mappedFileSizeCommitLog: 8192,
      warmMapedFileEnable: true,
      flushLeastPagesWhenWarmMapedFile: 1,
      flushDiskType: "SYNC_FLUSH" as const,
    };
    const dir = `${ctx.dir}/store/commitlog`;
    const store = await openTestStore({ ...ctx, config });
    assert.deepEqual(await ctx.fs.list(dir), ["00000000000000000000"], "the first file is ready");
    assert.equal((await ctx.fs.stat(`${dir}/00000000000000000000`))?.size, 8192);
    const bodies: string[] = [];
    for (let i = 0; i < 40; i++) {
      bodies.push(`w${i}-${"z".repeat(300)}`);
      const result = await store.putMessage(makeMessage({ bodyText: bodies[i] }));
      assert.equal(result.status, "PUT_OK");
    }
    const segments = store.commitLog.segments.length;
    assert.ok(segments >= 2, `${segments} segments`);
    await store.shutdown();
    const names = await ctx.fs.list(dir);
    assert.equal(names.length, segments, `no file made ahead is left: ${names}`);
    if (ctx.memory !== undefined) ctx.memory.crash(); // SYNC_FLUSH: everything acknowledged stays
    const again = await openTestStore({ ...ctx, config });
    const first = (await again.getMessage("G", "TopicTest", 0, 0, 32))!;
    const rest = (await again.getMessage("G", "TopicTest", 0, first.nextBeginOffset, 32))!;
    assert.deepEqual([...first.messages, ...rest.messages].map(bodyOf), bodies);
    await again.shutdown();
  },
);

forEachAdapter(
  "MessageStore rebuilds the index entries it had not synced when it crashed",
  async (ctx) => {
    const config = {
      flushDiskType: "SYNC_FLUSH" as const,
      flushIntervalConsumeQueue: 60_000,
      flushConsumeQueueLeastPages: 0,
      mappedFileSizeCommitLog: 4096, // ~7 records a segment: recovery's own scan starts late
    };
    const store = await openTestStore({ ...ctx, config });
    const begin = ctx.clock.now();
    const putKeyed = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await store.putMessage(makeMessage({
          queueId: i % 2,
          bodyText: `x${i}`.padEnd(400, "."),
          properties: { KEYS: `key-${i}`, TAGS: "T" },
        }));
        ctx.clock.advance(1000); // beyond the checkpoint's 3 s margin
      }
      await store.waitDispatched();
    };
    await putKeyed(0, 20);
    await store.flushLogics(true);
    await putKeyed(20, 30);
    // A periodic round: the consume queues reach the disk, the index (a small span) does not.
    await store.flushLogics(false);
    assert.ok(store.indexService!.unflushedEntries > 0, "the periodic round left the index");
    await store.halt();
    ctx.memory?.crash();
    const recovered = await openTestStore({ ...ctx, config });
    const end = ctx.clock.now() + 1;
    for (const i of [0, 19, 20, 29]) {
      const found = await recovered.queryMessage("TopicTest", `key-${i}`, 32, begin, end);
      assert.deepEqual(found.messages.map(bodyOf), [`x${i}`.padEnd(400, ".")], `key-${i}`);
    }
    const queue = (await recovered.getMessage("G", "TopicTest", 0, 0, 32))!;
    assert.equal(queue.messages.length, 15, "the consume queue holds each record once");
    await recovered.shutdown();
  },
);

forEachAdapter(
  "MessageStore recovery cuts an index that rolled files past a torn log and finds every key once",
  async (ctx) => {
    const config = { maxHashSlotNum: 16, maxIndexNum: 8 }; // 7 entries a file: many files
    const store = await openTestStore({ ...ctx, config });
    const begin = ctx.clock.now();
    const body = (i: number) => `m${i}`.padEnd(200, ".");
    const put = async (s: typeof store, i: number) => {
      const properties = { KEYS: `key-${i} shared`, TAGS: "T" };
      const done = (await s.putMessage(makeMessage({ bodyText: body(i), properties })))
        .appendMessageResult!;
      return done.wroteOffset + done.wroteBytes;
    };
    const ends: number[] = [];
    for (let i = 0; i < 30; i++) ends.push(await put(store, i));
    await store.waitDispatched();
    await store.flush();
    await store.flushLogics(true);
    await store.halt();
    const segment = `${ctx.dir}/store/commitlog/00000000000000000000`;
    const file = await ctx.fs.open(segment);
    await file.truncate(ends[11]); // records 12.. never reached the disk
    await file.truncate(64 * 1024);
    await file.sync();
    file.close();

    const indexDir = `${ctx.dir}/store/index`;
    assert.equal((await ctx.fs.list(indexDir)).length, 10, "3 records of 2 keys a file");
    const recovered = await openTestStore({ ...ctx, config });
    assert.equal((await ctx.fs.list(indexDir)).length, 4, "records 0..11 kept");
    for (let i = 30; i < 40; i++) await put(recovered, i);
    await recovered.waitDispatched();
    const check = async (s: typeof recovered, label: string) => {
      const end = ctx.clock.now() + 1;
      const find = async (key: string) =>
        (await s.queryMessage("TopicTest", key, 64, begin, end)).messages.map(bodyOf);
      for (let i = 0; i < 40; i++) {
        const want = i < 12 || i >= 30 ? [body(i)] : [];
        assert.deepEqual(await find(`key-${i}`), want, `${label} key-${i}`);
      }
      const shared = await find("shared");
      // each once, oldest first (RocketMQ sorts the offsets the index finds newest first)
      const want = [...Array(40).keys()].filter((i) => i < 12 || i >= 30).map(body);
      assert.deepEqual(shared, want, `${label} shared`);
    };
    await check(recovered, "after recovery");
    await recovered.shutdown();
    const clean = await openTestStore({ ...ctx, config });
    await check(clean, "after a clean restart");
    await clean.shutdown();
  },
);

forEachAdapter(
  "MessageStore reads the store time of a newest record under 96 bytes",
  async (ctx) => {
    const store = await openTestStore({ ...ctx });
    const start = ctx.clock.now();
    const put = await store.putMessage(makeMessage({ topic: "T", bodyText: "x", properties: {} }));
    assert.equal(put.appendMessageResult!.wroteBytes, 93, "91 + body + topic, no properties");
    await store.waitDispatched();
    assert.equal(await store.getEarliestMessageTime("T", 0), start);
    assert.equal(await store.getMessageStoreTimeStamp("T", 0, 0), start);
    assert.equal(await store.getOffsetInQueueByTime("T", 0, start), 0);
    await store.shutdown();
  },
);

forEachAdapter(
  "MessageStore refuses a second store on its folder until the first stops",
  async (ctx) => {
    const first = await openTestStore(ctx);
    assert.equal((await first.putMessage(makeMessage({ bodyText: "first" }))).status, "PUT_OK");
    const refused = await openTestStore(ctx).then(() => undefined, (error) => error);
    assert.ok(refused instanceof StoreLockedError, String(refused));
    assert.equal(refused.lockPath, `${ctx.dir}/store/lock`);
    assert.ok(await ctx.fs.stat(`${ctx.dir}/store/abort`), "the refused store left abort alone");
    assert.equal((await first.putMessage(makeMessage({ bodyText: "more" }))).status, "PUT_OK");
    await first.shutdown();
    const second = await openTestStore(ctx);
    const got = (await second.getMessage("G", "TopicTest", 0, 0, 32))!;
    assert.deepEqual(got.messages.map(bodyOf), ["first", "more"]);
    await second.halt(); // a crashed store's lock goes with it
    const third = await openTestStore(ctx);
    await third.shutdown();
  },
);

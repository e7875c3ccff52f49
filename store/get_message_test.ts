import assert from "node:assert/strict";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";
import { getMessage, type GetMessageContext } from "./get_message.ts";
import { decodeRecord } from "./message_record.ts";
import { computeTagsCode } from "./message_properties.ts";
import { resolveMessageStoreConfig } from "./message_store_config.ts";

const text = new TextDecoder();
const bodies = (messages: readonly Uint8Array[]) =>
  messages.map((m) => text.decode(decodeRecord(m).body));

forEachAdapter("getMessage follows the offset status table of store.md §8", async (ctx) => {
  const store = await openTestStore({ ...ctx });
  for (let i = 0; i < 5; i++) await store.putMessage(makeMessage({ bodyText: `m${i}` }));
  const get = async (topic: string, offset: number) =>
    (await store.getMessage("G", topic, 0, offset, 32))!;

  const unknown = await get("Nope", 7);
  assert.deepEqual([unknown.status, unknown.nextBeginOffset], ["NO_MATCHED_LOGIC_QUEUE", 0]);

  store.consumeQueueStore.findOrCreate("Empty", 0);
  const empty = await get("Empty", 3);
  assert.deepEqual([empty.status, empty.nextBeginOffset, empty.maxOffset], [
    "NO_MESSAGE_IN_QUEUE",
    0,
    0,
  ]);

  const one = await get("TopicTest", 5);
  assert.deepEqual([one.status, one.nextBeginOffset], ["OFFSET_OVERFLOW_ONE", 5]);

  const badly = await get("TopicTest", 9);
  assert.deepEqual([badly.status, badly.nextBeginOffset], ["OFFSET_OVERFLOW_BADLY", 5]);

  const found = await get("TopicTest", 2);
  assert.deepEqual([found.status, found.nextBeginOffset, found.minOffset, found.maxOffset], [
    "FOUND",
    5,
    0,
    5,
  ]);
  assert.deepEqual(bodies(found.messages), ["m2", "m3", "m4"]);
  await store.shutdown();
});

forEachAdapter("getMessage counts filtered units in nextBeginOffset", async (ctx) => {
  const store = await openTestStore({ ...ctx });
  for (const tag of ["A", "A", "B", "A", "A"]) {
    await store.putMessage(makeMessage({ bodyText: tag, properties: { TAGS: tag } }));
  }
  const onlyB = (tagsCode: number) => tagsCode === computeTagsCode("B");
  const found = (await store.getMessage("G", "TopicTest", 0, 0, 32, onlyB))!;
  assert.equal(found.status, "FOUND");
  assert.deepEqual(bodies(found.messages), ["B"]);
  assert.deepEqual(found.messageQueueOffsets, [2]);
  assert.equal(found.nextBeginOffset, 5, "every scanned unit counts, filtered ones too");
  const none = (await store.getMessage("G", "TopicTest", 0, 3, 32, onlyB))!;
  assert.deepEqual([none.status, none.nextBeginOffset], ["NO_MATCHED_MESSAGE", 5]);
  const byRecord = (await store.getMessage("G", "TopicTest", 0, 0, 32, {
    isMatchedByConsumeQueue: () => true,
    isMatchedByCommitLog: (record) => text.decode(decodeRecord(record).body) === "A",
  }))!;
  assert.equal(byRecord.messages.length, 4);
  await store.shutdown();
});

forEachAdapter("getMessage on a slave moves nextBeginOffset past what it scanned", async (ctx) => {
  const master = await openTestStore({ ...ctx });
  for (const tag of ["A", "A", "B"]) {
    await master.putMessage(makeMessage({ bodyText: tag, properties: { TAGS: tag } }));
  }
  await master.shutdown();
  const slave = await openTestStore({ ...ctx, config: { brokerRole: "SLAVE" } });
  try {
    const found = (await slave.getMessage("G", "TopicTest", 0, 0, 32))!;
    assert.deepEqual([found.status, found.nextBeginOffset], ["FOUND", 3]);
    const onlyC = (tagsCode: number) => tagsCode === computeTagsCode("C");
    const none = (await slave.getMessage("G", "TopicTest", 0, 0, 32, onlyC))!;
    assert.deepEqual([none.status, none.nextBeginOffset], ["NO_MATCHED_MESSAGE", 3]);
    const beyond = (await slave.getMessage("G", "TopicTest", 0, 7, 32))!;
    assert.deepEqual(
      [beyond.status, beyond.nextBeginOffset],
      ["OFFSET_OVERFLOW_BADLY", 7],
      "a corrected offset still falls back to the request (offsetCheckInSlave=false)",
    );
  } finally {
    await slave.shutdown();
  }
});

forEachAdapter("getMessage applies the in-memory and on-disk transfer limits", async (ctx) => {
  const inMemory = await openTestStore({ ...ctx });
  for (let i = 0; i < 40; i++) await inMemory.putMessage(makeMessage({ bodyText: `m${i}` }));
  const memoryRead = (await inMemory.getMessage("G", "TopicTest", 0, 0, 64))!;
  assert.equal(memoryRead.messages.length, 32, "maxTransferCountOnMessageInMemory");
  assert.equal(memoryRead.nextBeginOffset, 32);
  assert.equal(memoryRead.suggestPullingFromSlave, false);
  const few = (await inMemory.getMessage("G", "TopicTest", 0, 0, 3))!;
  assert.equal(few.messages.length, 3, "maxMsgNums");
  await inMemory.shutdown();
  // With (almost) no RAM every record counts as on disk: 8 records, suggest the slave.
  const onDisk = await openTestStore({ ...ctx, physicalMemoryBytes: 100 });
  const diskRead = (await onDisk.getMessage("G", "TopicTest", 0, 0, 64))!;
  assert.equal(diskRead.messages.length, 8, "maxTransferCountOnMessageInDisk");
  assert.equal(diskRead.suggestPullingFromSlave, true);
  await onDisk.shutdown();
  // The byte limit stops before a record that would pass it, but never before the first.
  const bytes = await openTestStore({ ...ctx, config: { maxTransferBytesOnMessageInMemory: 10 } });
  const byteRead = (await bytes.getMessage("G", "TopicTest", 0, 0, 64))!;
  assert.equal(byteRead.messages.length, 1);
  assert.equal(byteRead.nextBeginOffset, 1);
  await bytes.shutdown();
});

forEachAdapter(
  "getMessage reports OFFSET_TOO_SMALL and MESSAGE_WAS_REMOVING after retention",
  async (ctx) => {
    const config = { mappedFileSizeCommitLog: 4096 };
    const store = await openTestStore({ ...ctx, config });
    let lastOfQueue0 = 0;
    for (let i = 0; i < 40; i++) {
      const result = await store.putMessage(
        makeMessage({ queueId: i < 20 ? 0 : 1, body: new Uint8Array(300).fill(i) }),
      );
      if (i < 20) lastOfQueue0 = result.appendMessageResult!.wroteOffset;
    }
    await store.flush();
    const firstKept = Math.floor(lastOfQueue0 / 4096) + 1;
    const deleted = await store.commitLog.deleteSegmentsBefore(firstKept * 4096, 10);
    assert.equal(deleted, firstKept);
    const removing = (await store.getMessage("G", "TopicTest", 0, 0, 4))!;
    assert.deepEqual([removing.status, removing.nextBeginOffset], ["MESSAGE_WAS_REMOVING", 20]);
    const skipped = (await store.getMessage("G", "TopicTest", 1, 0, 4))!;
    assert.equal(skipped.status, "FOUND");
    assert.ok(skipped.messageQueueOffsets[0] > 0, "units in the deleted segments were skipped");
    await store.consumeQueueStore.correctMinOffset(store.getCommitLogMinOffset());
    const min = store.getMinOffsetInQueue("TopicTest", 0);
    assert.ok(min > 0);
    const small = (await store.getMessage("G", "TopicTest", 0, 0, 4))!;
    assert.deepEqual([small.status, small.nextBeginOffset], ["OFFSET_TOO_SMALL", min]);
    await store.shutdown();
  },
);

Deno.test("getMessage answers OFFSET_FOUND_NULL with the next file's start, and keeps offsets on a slave", async () => {
  // The real consume queue only returns no units for a file that vanished under it; this
  // stand-in returns none to check the table row.
  const context = (brokerRole: "SLAVE" | "ASYNC_MASTER"): GetMessageContext => ({
    queue: {
      minOffset: 0,
      maxOffset: 500,
      readUnitsCached: () => null,
      readUnits: () => Promise.resolve(null),
      nextFileOffset: (offset) => offset - (offset % 300) + 300,
    },
    commitLog: {
      segmentBytes: 4096,
      getMaxOffset: () => 0,
      readFromMemory: () => undefined,
      read: () => Promise.resolve(null),
    },
    config: { ...resolveMessageStoreConfig({ storePathRootDir: "/x" }), brokerRole },
    memoryBytes: 1 << 30,
  });
  const master = await getMessage(context("ASYNC_MASTER"), { offset: 10, maxMsgNums: 32 });
  assert.deepEqual([master.status, master.nextBeginOffset], ["OFFSET_FOUND_NULL", 300]);
  const slave = await getMessage(context("SLAVE"), { offset: 10, maxMsgNums: 32 });
  assert.deepEqual([slave.status, slave.nextBeginOffset], ["OFFSET_FOUND_NULL", 10]);
  const tooBig = await getMessage(context("SLAVE"), { offset: 900, maxMsgNums: 32 });
  assert.deepEqual([tooBig.status, tooBig.nextBeginOffset], ["OFFSET_OVERFLOW_BADLY", 900]);
});

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import { forEachAdapter } from "../store/_test_adapters.ts";
import { BrokerError } from "./broker_error.ts";
import {
  ConsumerOffsetManager,
  decodeConsumerOffsets,
  encodeConsumerOffsets,
} from "./consumer_offset_manager.ts";
import { readTestText, writeTestText } from "../store/_test_adapters.ts";

/** The example of store.md §10, byte for byte. */
const STORE_MD_EXAMPLE =
  '{\n\t"offsetTable":{\n\t\t"TopicTest@G1":{0:250,1:249,2:251,3:250\n\t\t}\n\t}\n}';

const commit = (
  m: ConsumerOffsetManager,
  group: string,
  topic: string,
  queueId: number,
  offset: number,
) => m.commitOffset({ clientHost: "10.0.0.2:50000", group, topic, queueId, offset });

forEachAdapter(
  "ConsumerOffsetManager reads store.md's consumerOffset.json and writes it back byte-exact",
  async (ctx) => {
    const path = `${ctx.dir}/config/consumerOffset.json`;
    await writeTestText(ctx.fs, path, STORE_MD_EXAMPLE);
    const manager = new ConsumerOffsetManager({ fs: ctx.fs, path });
    await manager.load();
    assert.deepEqual([0, 1, 2, 3, 4].map((q) => manager.queryOffset("G1", "TopicTest", q)), [
      250,
      249,
      251,
      250,
      -1,
    ]);
    commit(manager, "G1", "TopicTest", 1, 249);
    assert.equal(await manager.persist(), true);
    assert.equal(await readTestText(ctx.fs, path), STORE_MD_EXAMPLE);
    assert.equal(await manager.persist(), false, "nothing changed since the last write");
  },
);

forEachAdapter("ConsumerOffsetManager offsets survive a reload through the file", async (ctx) => {
  const path = `${ctx.dir}/config/consumerOffset.json`;
  const manager = new ConsumerOffsetManager({ fs: ctx.fs, path });
  await manager.load();
  commit(manager, "G1", "TopicTest", 3, 250);
  commit(manager, "G1", "TopicTest", 0, 17);
  commit(manager, "G2", "%RETRY%G2", 0, 5);
  await manager.persist();
  const reloaded = new ConsumerOffsetManager({ fs: ctx.fs, path });
  await reloaded.load();
  assert.deepEqual(reloaded.queryOffsets("G1", "TopicTest"), new Map([[0, 17], [3, 250]]));
  assert.equal(reloaded.queryOffset("G2", "%RETRY%G2", 0), 5);
  assert.match(await readTestText(ctx.fs, path), /"TopicTest@G1":\{0:17,3:250\n\t\t\}/);
});

forEachAdapter(
  "ConsumerOffsetManager with no file has no offsets and falls back to .bak",
  async (ctx) => {
    const path = `${ctx.dir}/config/consumerOffset.json`;
    const manager = new ConsumerOffsetManager({ fs: ctx.fs, path });
    await manager.load();
    assert.equal(manager.offsetTable.size, 0);
    commit(manager, "G1", "T", 0, 1);
    await manager.persist();
    commit(manager, "G1", "T", 0, 2);
    await manager.persist();
    await writeTestText(ctx.fs, path, "");
    const reloaded = new ConsumerOffsetManager({ fs: ctx.fs, path });
    await reloaded.load();
    assert.equal(reloaded.queryOffset("G1", "T", 0), 1, "an empty file means the .bak is used");
  },
);

Deno.test("ConsumerOffsetManager stores commits as RocketMQ does, negative and backwards included", () => {
  const manager = new ConsumerOffsetManager({
    fs: new MemoryFileSystem({ clock: new ManualClock() }),
    path: "/c.json",
  });
  commit(manager, "G1", "T", 0, 100);
  commit(manager, "G1", "T", 0, 40);
  assert.equal(manager.queryOffset("G1", "T", 0), 40, "a reset may move an offset back");
  commit(manager, "G1", "T", 1, -1);
  assert.equal(manager.queryOffset("G1", "T", 1), -1);
  assert.throws(
    () => commit(manager, "G1", "T", -1, 5),
    (error: unknown) => error instanceof BrokerError && error.code === ResponseCode.SYSTEM_ERROR,
  );
  assert.throws(() => commit(manager, "G1", "T", 0, 1.5), BrokerError);
});

Deno.test("ConsumerOffsetManager refuses topic and group names no client could send", () => {
  const manager = new ConsumerOffsetManager({
    fs: new MemoryFileSystem({ clock: new ManualClock() }),
    path: "/c.json",
  });
  const refused = (group: string, topic: string, pattern: RegExp) =>
    assert.throws(
      () => commit(manager, group, topic, 0, 1),
      (error: unknown) =>
        error instanceof BrokerError && error.code === ResponseCode.SYSTEM_ERROR &&
        pattern.test(error.message),
    );
  refused("G1", "T".repeat(1024 * 1024), /topic "T{40}"… \(1048576 characters\) must be 1\.\.262/);
  refused("G".repeat(256), "T", /consumerGroup "G{40}"… \(256 characters\) must be 1\.\.255/);
  refused("G1", "", /topic "" \(0 characters\)/);
  refused("G@1", "T", /consumerGroup "G@1"/);
  refused("G1", "T\n", /topic "T\\n"/);
  assert.deepEqual([...manager.offsetTable.keys()], [], "nothing was stored");
  const retryTopic = "%RETRY%" + "G".repeat(255);
  commit(manager, "G".repeat(255), retryTopic, 0, 7);
  assert.equal(manager.queryOffset("G".repeat(255), retryTopic, 0), 7, "the longest real names");
});

Deno.test("ConsumerOffsetManager answers which topics and groups, removes and clones offsets", () => {
  const manager = new ConsumerOffsetManager({
    fs: new MemoryFileSystem({ clock: new ManualClock() }),
    path: "/c.json",
  });
  commit(manager, "G1", "T1", 0, 1);
  commit(manager, "G1", "T2", 0, 2);
  commit(manager, "G2", "T1", 0, 3);
  assert.deepEqual([...manager.whichTopicByConsumer("G1")].sort(), ["T1", "T2"]);
  assert.deepEqual([...manager.whichGroupByTopic("T1")].sort(), ["G1", "G2"]);
  assert.equal(manager.cloneOffset("G1", "G3", "T2"), true);
  assert.equal(manager.queryOffset("G3", "T2", 0), 2);
  assert.equal(manager.cloneOffset("G9", "G3", "T2"), false);
  assert.equal(manager.removeOffset("G1"), 2);
  assert.deepEqual([...manager.whichTopicByConsumer("G1")], []);
  assert.equal(manager.removeTopicGroupOffset("T1", "G2"), true);
  assert.deepEqual([...manager.offsetTable.keys()], ["T2@G3"]);
});

Deno.test("encodeConsumerOffsets and decodeConsumerOffsets agree with the fastjson and standard forms", () => {
  const table = decodeConsumerOffsets(
    '{"offsetTable":{"T@G":{"0":5,"1":6}},"dataVersion":{"counter":1}}',
    "test",
  );
  assert.deepEqual(table, new Map([["T@G", new Map([[0, 5], [1, 6]])]]));
  assert.equal(encodeConsumerOffsets(table, false), '{"offsetTable":{"T@G":{0:5,1:6}}}');
  assert.deepEqual(decodeConsumerOffsets(encodeConsumerOffsets(table, true), "test"), table);
  assert.throws(
    () => decodeConsumerOffsets('{"offsetTable":{"T@G":{0:"x"}}}', "test"),
    /not an integer/,
  );
});

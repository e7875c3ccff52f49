import assert from "node:assert/strict";
import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { DenoFileSystem } from "../../store/adapters/deno_file_system.ts";
import { MQClientError } from "../client_error.ts";
import {
  decodeOffsetTable,
  defaultLocalOffsetStoreDir,
  encodeOffsetTable,
  LocalFileOffsetStore,
} from "./local_file_offset_store.ts";

const MQ0 = { topic: "TopicB", brokerName: "broker-a", queueId: 0 };
const MQ1 = { topic: "TopicB", brokerName: "broker-a", queueId: 1 };
const MQ2 = { topic: "Other", brokerName: "broker-b", queueId: 3 };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_offsets_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function store(dir: string, logger: RemotingLogger = silentRemotingLogger) {
  return new LocalFileOffsetStore({
    fs: new DenoFileSystem(),
    localOffsetStoreDir: `${dir}/.rocketmq_offsets`,
    clientId: "127.0.0.1@4242#77",
    groupName: "CG_B",
    logger,
  });
}

Deno.test("LocalFileOffsetStore writes offsets.json under <dir>/<clientId>/<group> and reads it back", async () => {
  await withDir(async (dir) => {
    const a = store(dir);
    assert.equal(a.storePath, `${dir}/.rocketmq_offsets/127.0.0.1@4242#77/CG_B/offsets.json`);
    a.updateOffset(MQ0, 12, false);
    a.updateOffset(MQ1, 7, false);
    a.updateOffset(MQ1, 5, true);
    assert.equal(a.memoryOffset(MQ1), 7, "increase-only keeps the larger value");
    await a.persistAll([MQ0, MQ1]);
    const text = await Deno.readTextFile(a.storePath);
    assert.equal(
      text,
      '{\n\t"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicB"}:12,' +
        '{"brokerName":"broker-a","queueId":1,"topic":"TopicB"}:7\n\t}\n}',
    );
    const b = store(dir);
    assert.equal(await b.readOffset(MQ0, "READ_FROM_MEMORY"), -1);
    await b.load();
    assert.equal(await b.readOffset(MQ0, "READ_FROM_MEMORY"), 12);
    assert.equal(await b.readOffset(MQ1, "MEMORY_FIRST_THEN_STORE"), 7);
    assert.equal(await b.readOffset(MQ2, "READ_FROM_STORE"), -1);
  });
});

Deno.test("LocalFileOffsetStore merges into the file and keeps the previous version as .bak", async () => {
  await withDir(async (dir) => {
    const a = store(dir);
    a.updateOffset(MQ0, 1, false);
    await a.persist(MQ0);
    const b = store(dir);
    b.updateOffset(MQ2, 9, false);
    await b.persistAll([MQ2]);
    const table = decodeOffsetTable(await Deno.readTextFile(a.storePath));
    assert.deepEqual([...table.values()].map(([mq, o]) => [mq.topic, mq.queueId, o]), [
      ["Other", 3, 9],
      ["TopicB", 0, 1],
    ]);
    const bak = decodeOffsetTable(await Deno.readTextFile(`${a.storePath}.bak`));
    assert.equal(bak.size, 1, "the .bak holds the version before the last write");
    const c = store(dir);
    assert.equal(await c.readOffset(MQ0, "READ_FROM_STORE"), 1);
    assert.equal(c.memoryOffset(MQ0), 1, "a store read fills memory");
    await c.persistAll([]);
    await c.persist(MQ1);
    assert.equal(decodeOffsetTable(await Deno.readTextFile(a.storePath)).size, 2, "no-ops");
  });
});

Deno.test("LocalFileOffsetStore falls back to .bak and reports a file it cannot read", async () => {
  await withDir(async (dir) => {
    const a = store(dir);
    a.updateOffset(MQ0, 3, false);
    await a.persistAll([MQ0]);
    a.updateOffset(MQ0, 4, false);
    await a.persistAll([MQ0]);
    await Deno.writeTextFile(a.storePath, "{not json");
    const b = store(dir);
    await b.load();
    assert.equal(b.memoryOffset(MQ0), 3, "read from .bak");
    await Deno.writeTextFile(`${a.storePath}.bak`, "{also not json");
    const warnings: string[] = [];
    const logger = { ...silentRemotingLogger, warn: (m: string) => warnings.push(m) };
    const c = store(dir, logger);
    await assert.rejects(c.load(), (error: unknown) => {
      assert.ok(error instanceof MQClientError);
      assert.match(error.message, /^readLocalOffset Exception, maybe fastjson version too low/);
      return true;
    });
    assert.equal(await c.readOffset(MQ0, "READ_FROM_STORE"), -1);
    assert.ok(warnings.some((w) => w.includes("Cannot read")), warnings.join("\n"));
  });
});

// Found by helper-141: the next persist copied the damaged file over the good .bak.
Deno.test("LocalFileOffsetStore keeps the good .bak it recovered from when it next persists", async () => {
  await withDir(async (dir) => {
    const a = store(dir);
    a.updateOffset(MQ0, 3, false);
    await a.persistAll([MQ0]);
    a.updateOffset(MQ0, 4, false);
    await a.persistAll([MQ0]); // offsets.json holds 4, .bak 3
    await Deno.writeTextFile(a.storePath, '{\n\t"offsetTable":{{"brokerName":"bro'); // torn
    const b = store(dir);
    await b.load();
    assert.equal(b.memoryOffset(MQ0), 3, "read from .bak");
    b.updateOffset(MQ0, 5, false);
    await b.persistAll([MQ0]);
    const bak = decodeOffsetTable(await Deno.readTextFile(`${b.storePath}.bak`));
    assert.deepEqual([...bak.values()].map(([, offset]) => offset), [3]);
  });
});

Deno.test("LocalFileOffsetStore freezes an offset until it is removed", () => {
  const a = store("/nonexistent");
  a.updateAndFreezeOffset(MQ0, 50);
  a.updateOffset(MQ0, 60, false);
  assert.equal(a.memoryOffset(MQ0), 50);
  a.removeOffset(MQ0);
  a.updateOffset(MQ0, 60, false);
  assert.equal(a.memoryOffset(MQ0), 60);
  assert.deepEqual([...a.cloneOffsetTable("Other").values()], []);
  assert.deepEqual([...a.cloneOffsetTable().values()], [60]);
});

Deno.test("offset tables read RocketMQ's bare-object keys, quoted keys and pretty keys", () => {
  const bare = '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}';
  const quoted =
    '{"offsetTable":{"{\\"brokerName\\":\\"b\\",\\"queueId\\":1,\\"topic\\":\\"T\\"}":6}}';
  const pretty =
    '{\n\t"offsetTable":{{\n\t\t"brokerName":"b",\n\t\t"queueId":2,\n\t\t"topic":"T"\n\t}:7\n\t}\n}';
  assert.deepEqual([...decodeOffsetTable(bare).values()], [[{
    brokerName: "b",
    queueId: 0,
    topic: "T",
  }, 5]]);
  assert.deepEqual([...decodeOffsetTable(quoted).values()][0][1], 6);
  assert.deepEqual([...decodeOffsetTable(pretty).values()][0], [{
    brokerName: "b",
    queueId: 2,
    topic: "T",
  }, 7]);
  assert.throws(() => decodeOffsetTable('{"offsetTable":{"x":1}}'));
  assert.equal(encodeOffsetTable([]), '{\n\t"offsetTable":{}\n}');
  assert.equal(defaultLocalOffsetStoreDir(undefined, "/home/u/"), "/home/u/.rocketmq_offsets");
  assert.equal(defaultLocalOffsetStoreDir("/data/offsets", "/home/u"), "/data/offsets");
});

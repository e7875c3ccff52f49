/**
 * End to end: `namesrv/main.ts` and `broker/main.ts` as separate processes, driven over real
 * sockets by hand-built RocketMQ 4.x requests in both header serializations.
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest, type SerializeType } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "./broker_test_client.ts";
import { spawnBroker, type SpawnedServer, spawnNamesrv } from "./broker_test_env.ts";

const MESSAGES_PER_SERIALIZATION = 10_000;
const SENDS_IN_FLIGHT = 128;
const QUEUES = 4;
const utf8Decoder = new TextDecoder();
/** The broker config keys this test sets beyond {@linkcode spawnBroker}'s defaults. */
const BROKER_KEYS = { brokerName: "broker-e2e", mappedFileSizeCommitLog: 32 * 1024 * 1024 };

/** Sends `count` messages to a topic, `SENDS_IN_FLIGHT` at a time; returns the bodies per queue. */
async function produce(
  client: TestBrokerClient,
  topic: string,
  count: number,
  prefix: string,
): Promise<Set<string>> {
  const bodies = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const body = `${prefix}-${i}`;
      const response = await client.send(topic, body, {
        tags: i % 2 === 0 ? "even" : "odd",
        queueId: i % QUEUES,
      });
      assert.equal(response.code, ResponseCode.SUCCESS, `send ${body}: ${response.remark}`);
      bodies.add(body);
    }
  };
  await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, worker));
  return bodies;
}

/** Pulls every queue of a topic to its end, committing through the pull; returns the bodies. */
async function consume(client: TestBrokerClient, group: string, topic: string): Promise<string[]> {
  const bodies: string[] = [];
  await Promise.all(Array.from({ length: QUEUES }, async (_, queueId) => {
    const start = await client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
    });
    assert.equal(start.code, ResponseCode.SUCCESS, start.remark);
    let offset = Number(start.extFields!.offset);
    let expected = offset;
    while (true) {
      const response = await client.pull({
        group,
        topic,
        queueId,
        queueOffset: offset,
        sysFlag: 0x1,
        commitOffset: offset,
      });
      if (response.code === ResponseCode.PULL_NOT_FOUND) break;
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      for (const record of decodeRecords(response.body)) {
        assert.equal(record.queueOffset, expected++, "records arrive in queue order");
        bodies.push(utf8Decoder.decode(record.body));
      }
      offset = Number(response.extFields!.nextBeginOffset);
    }
    const update = await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
      commitOffset: String(offset),
    });
    assert.equal(update.code, ResponseCode.SUCCESS);
  }));
  return bodies;
}

/** The running processes and the clients a test opened. */
interface E2eWorld {
  readonly dir: string;
  readonly namesrv: SpawnedServer;
  broker: SpawnedServer;
  readonly clients: TestBrokerClient[];
  client(serializeType: SerializeType, address?: string): TestBrokerClient;
}

async function produceAndConsume(world: E2eWorld, serializeType: SerializeType): Promise<void> {
  const c = world.client(serializeType);
  const topic = `TopicE2E_${serializeType}`;
  const sent = await produce(c, topic, MESSAGES_PER_SERIALIZATION, serializeType);
  const heartbeat = await c.heartbeat(`127.0.0.1@e2e-${serializeType}`, `G_${serializeType}`, {
    [topic]: "*",
  });
  assert.equal(heartbeat.code, ResponseCode.SUCCESS);
  const received = await consume(c, `G_${serializeType}`, topic);
  assert.equal(received.length, sent.size, "every message once");
  assert.deepEqual(new Set(received), sent);
  const route = await world.client("JSON", world.namesrv.address)
    .call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
  assert.equal(route.code, ResponseCode.SUCCESS, "the name server routes the auto-created topic");
  assert.match(
    utf8Decoder.decode(route.body),
    new RegExp(world.broker.address.replace(/\./g, "\\.")),
  );
}

async function longPollWakesOnArrival(world: E2eWorld): Promise<void> {
  const c = world.client("ROCKETMQ");
  const max = await c.call(RequestCode.GET_MAX_OFFSET, { topic: "TopicE2E_JSON", queueId: "0" });
  const started = performance.now();
  const pending = c.pull({
    group: "G_LONG",
    topic: "TopicE2E_JSON",
    queueId: 0,
    queueOffset: Number(max.extFields!.offset),
    subscription: "*",
    suspendTimeoutMillis: 15_000,
  });
  // The pull must be parked, not answered: nothing is there yet (bounded absence check).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const early = await Promise.race([
    pending.then(() => "answered"),
    new Promise<string>((resolve) => timer = setTimeout(() => resolve("parked"), 200)),
  ]);
  clearTimeout(timer);
  assert.equal(early, "parked");
  const sent = await world.client("JSON").send("TopicE2E_JSON", "wake-up", { queueId: 0 });
  assert.equal(sent.code, ResponseCode.SUCCESS);
  const response = await pending;
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
  assert.equal(utf8Decoder.decode(decodeRecords(response.body)[0].body), "wake-up");
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 5_000, `answered after ${elapsed} ms, long before the 15 s hold`);
}

async function badInputKeepsServing(world: E2eWorld): Promise<void> {
  const c = world.client("JSON");
  const unknown = await c.invoke(createRequest(9999));
  assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(unknown.remark, " request type 9999 not supported");
  const malformed = await c.invoke(
    createRequest(RequestCode.PULL_MESSAGE, { extFields: { topic: "T" } }),
  );
  assert.equal(malformed.code, ResponseCode.SYSTEM_ERROR);
  assert.match(malformed.remark!, /^Cannot decode PULL_MESSAGE header: \w+ is missing$/);
  assert.equal((await c.send("bad/topic", "x")).code, ResponseCode.SYSTEM_ERROR);
  assert.equal(
    (await c.send("TopicE2E_JSON", "x", { queueId: 99 })).code,
    ResponseCode.SYSTEM_ERROR,
  );
  const oversize = await c.send("TopicE2E_JSON", new Uint8Array(4 * 1024 * 1024 + 1));
  assert.equal(oversize.code, ResponseCode.MESSAGE_ILLEGAL);

  const port = Number(world.broker.address.split(":")[1]);
  const raw = await Deno.connect({ hostname: "127.0.0.1", port });
  await raw.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  const read = await raw.read(new Uint8Array(16)).catch((error) => {
    if (error instanceof Deno.errors.ConnectionReset) return null;
    throw error;
  });
  assert.equal(read, null, "a bad frame closes only its connection");
  raw.close();
  const after = await world.client("ROCKETMQ").send("TopicE2E_JSON", "after garbage", {
    queueId: 1,
  });
  assert.equal(after.code, ResponseCode.SUCCESS);
}

async function survivesRestart(world: E2eWorld): Promise<void> {
  for (const c of world.clients.splice(0)) await c.close();
  assert.equal(await world.broker.process.stop(), 0, "SIGTERM exits 0");
  world.broker = await spawnBroker({
    dir: world.dir,
    namesrvAddr: world.namesrv.address,
    ...BROKER_KEYS,
  });
  const c = world.client("ROCKETMQ");
  const perQueue = String(MESSAGES_PER_SERIALIZATION / QUEUES);
  for (let queueId = 0; queueId < QUEUES; queueId++) {
    const queue = { topic: "TopicE2E_ROCKETMQ", queueId: String(queueId) };
    const committed = await c.call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: "G_ROCKETMQ",
      ...queue,
    });
    assert.equal(committed.code, ResponseCode.SUCCESS);
    assert.equal(committed.extFields!.offset, perQueue);
    assert.equal((await c.call(RequestCode.GET_MAX_OFFSET, queue)).extFields!.offset, perQueue);
  }
  const pull = (queueId: number) =>
    c.pull({
      group: "G_R2",
      topic: "TopicE2E_ROCKETMQ",
      queueId,
      queueOffset: 0,
      subscription: "odd",
      sysFlag: 0x4,
    });
  const odd = await pull(1);
  assert.equal(odd.code, ResponseCode.SUCCESS);
  assert.ok(
    decodeRecords(odd.body).every((r) => r.properties.get("TAGS") === "odd"),
    "tag filter after restart",
  );
  assert.equal(
    (await pull(2)).code,
    ResponseCode.PULL_RETRY_IMMEDIATELY,
    "queue 2 holds only even messages",
  );
}

Deno.test("e2e: name server and broker processes serve 10,000 messages per serialization", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_e2e_" });
  const transport = new DenoTcpTransport();
  const namesrv = await spawnNamesrv(dir);
  const world: E2eWorld = {
    dir,
    namesrv,
    broker: await spawnBroker({
      dir,
      namesrvAddr: namesrv.address,
      ...BROKER_KEYS,
    }),
    clients: [],
    client(serializeType, address = world.broker.address) {
      const c = new TestBrokerClient(transport, address, serializeType);
      world.clients.push(c);
      return c;
    },
  };
  try {
    await t.step("produce and consume in JSON", () => produceAndConsume(world, "JSON"));
    await t.step("produce and consume in ROCKETMQ", () => produceAndConsume(world, "ROCKETMQ"));
    await t.step(
      "a long poll wakes on arrival, well before its hold time",
      () => longPollWakesOnArrival(world),
    );
    await t.step(
      "bad input gets error responses and the broker keeps serving",
      () => badInputKeepsServing(world),
    );
    await t.step(
      "committed offsets and messages survive a broker restart",
      () => survivesRestart(world),
    );
  } finally {
    for (const c of world.clients) await c.close();
    await world.broker.process.stop();
    await namesrv.process.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

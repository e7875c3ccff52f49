import assert from "node:assert/strict";
import { AdminClient } from "../client/admin_client.ts";
import { startTestProducer, testClientOptions } from "../client/_client_testing.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { cliOn, ok } from "./_tools_testing.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";

Deno.test("mqadmin sendMessage stores a message that queryMsgByKey and queryMsgByUniqueKey find", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  try {
    const sent = ok(
      await cli(["sendMessage", "-t", "TopicMsg", "-p", "find me", "-k", "order-42", "-c", "TagA"]),
    )
      .out.split("\n");
    assert.equal(
      sent[0],
      `${"#Broker Name".padEnd(32)}  #QID  ${"#Send Result".padEnd(20)}    #MsgId`,
    );
    const [brokerName, queueId, status, msgId] = sent[1].split(/ +/);
    assert.deepEqual([brokerName, status], ["broker-test", "SEND_OK"]);
    assert.match(queueId, /^[0-3]$/);
    assert.match(msgId, /^[0-9A-F]{32}$/);
    await env.broker.registration!.registerNow();
    await env.broker.store.waitDispatched();

    assert.equal(
      ok(await cli("queryMsgByKey -t TopicMsg -k order-42")).out,
      `${"#Message ID".padEnd(50)} #QID ${"#Offset".padStart(40)}\n` +
        `${msgId.padEnd(50)} ${queueId.padStart(4)} ${"0".padStart(40)}\n`,
    );
    assert.equal(ok(await cli("queryMsgByKey -t TopicMsg -k nope")).out.split("\n").length, 2);
    const longMax = "queryMsgByKey -t TopicMsg -k order-42 -b 0 -e 9223372036854775807";
    assert.match(ok(await cli(longMax)).out, new RegExp(`^${msgId} `, "m"), "Long.MAX_VALUE end");

    const saved = new Map<string, string>();
    const saveMessageBody = (id: string, body: Uint8Array) => {
      saved.set(id, new TextDecoder().decode(body));
      return Promise.resolve(`/saved/${id}`);
    };
    const byUniq =
      ok(await cli(`queryMsgByUniqueKey -t TopicMsg -i ${msgId}`, { saveMessageBody })).out;
    assert.match(byUniq, /^Topic: {15}TopicMsg$/m);
    assert.match(byUniq, /^Tags: {16}\[TagA\]$/m);
    assert.match(byUniq, /^Keys: {16}\[order-42\]$/m);
    assert.match(byUniq, new RegExp(`^Properties: {10}\\{.*UNIQ_KEY=${msgId}.*\\}$`, "m"));
    assert.match(byUniq, new RegExp(`^Message Body Path: {3}/saved/${msgId}$`, "m"));
    assert.ok(byUniq.endsWith("\n\nWARN: No Consumer\n"), byUniq);
    assert.equal(saved.get(msgId), "find me");

    const missing = await cli(`queryMsgByUniqueKey -t TopicMsg -i ${"0".repeat(32)}`);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, `Cannot find message ${"0".repeat(32)} in topic TopicMsg\n`);
    const noQueue = await cli("sendMessage -t TopicMsg -p x -i 1");
    assert.equal(noQueue.code, 1);
    assert.match(noQueue.err, /^Cannot run sendMessage: option -i \(qid\) needs -b \(broker\)/);
  } finally {
    await env.close();
  }
});

Deno.test("mqadmin queryMsgById, consumerProgress and producerConnection read a group's state", async () => {
  const env = await startTestBroker();
  const ns = env.namesrvAddr!;
  const cli = cliOn(ns);
  const admin = new AdminClient({ ...testClientOptions(ns), logger: silentRemotingLogger });
  const producer = await startTestProducer(ns);
  try {
    const sent = await producer.send({ topic: "TopicGroup", body: "second", keys: "order-43" });
    const queueId = sent.messageQueue.queueId;
    await env.broker.registration!.registerNow();
    await env.broker.store.waitDispatched();
    const commit = { consumerGroup: "CG_TOOLS", topic: "TopicGroup", queueId, commitOffset: 1 };
    await admin.api.updateConsumerOffset(env.address, commit, 3000);

    const byId = ok(await cli(`queryMsgById -i ${sent.offsetMsgId} -f UTF-8`)).out;
    assert.match(byId, new RegExp(`^OffsetID: {12}${sent.offsetMsgId}$`, "m"));
    assert.match(byId, /^Message Body: {8}second$/m);
    assert.match(byId, /^Keys: {16}\[order-43\]$/m);
    assert.match(
      byId,
      /\n\nMessageTrack \[consumerGroup=CG_TOOLS, trackType=\w+, exceptionDesc=.*\]\n$/,
    );
    // A producer's own UNIQ_KEY names the body file: never a path out of the bodies folder.
    const raw = new TestBrokerClient(new DenoTcpTransport(), env.address);
    const crafted = await raw.send("TopicCrafted", "payload", {
      properties: { UNIQ_KEY: "../../escaped.txt" },
    });
    await raw.close();
    const saved: string[] = [];
    const saveMessageBody = (id: string) => {
      saved.push(id);
      return Promise.resolve(`/saved/${id}`);
    };
    ok(await cli(`queryMsgById -i ${crafted.extFields?.msgId}`, { saveMessageBody }));
    assert.deepEqual(saved, ["______escaped_txt"]);
    const badCharset = await cli(`queryMsgById -i ${sent.offsetMsgId} -f NOPE-9`);
    assert.match(
      badCharset.err,
      /^Cannot run queryMsgById: unsupported charset "NOPE-9" for option -f/,
    );

    const progress = ok(await cli("consumerProgress -g CG_TOOLS -t TopicGroup")).out.split("\n");
    const head = [
      "#Topic".padEnd(64),
      "#Broker Name".padEnd(32),
      "#QID",
      "#Broker Offset".padEnd(20),
    ];
    assert.equal(
      progress[0],
      `${head.join("  ")}  ${"#Consumer Offset".padEnd(20)}  ${"#Diff".padEnd(20)}  #LastTime`,
    );
    const row = progress.find((l) => l.split(/ +/)[2] === String(queueId));
    assert.deepEqual(row?.split(/ +/).slice(0, 6), [
      "TopicGroup",
      "broker-test",
      String(queueId),
      "1",
      "1",
      "0",
    ]);
    assert.match(progress.at(-3)!, /^Consume TPS: \d+\.\d{2}$/);
    assert.equal(progress.at(-2), "Diff Total: 0");
    assert.ok(ok(await cli("consumerProgress")).out.startsWith("#Group"));

    await producer.clientInstance!.sendHeartbeatToAllBrokerWithLock();
    const producers = ok(await cli("producerConnection -g PG_TEST -t TopicGroup")).out;
    assert.match(producers, /^0001 {2}127\.0\.0\.1@\S+ +127\.0\.0\.1:\d+ +\S+ +V\d/);
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await env.close();
  }
});

/** Java 8 `HashMap<String, ?>` iteration order (capacity 16, load 0.75), written out again. */
function hashMapOrder(keys: string[]): string[] {
  const hash = (text: string) => {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
    return h;
  };
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (key: string) => (hash(key) ^ (hash(key) >>> 16)) & (capacity - 1);
  return keys.map((key, i) => ({ key, i, b: bucket(key) }))
    .sort((x, y) => x.b - y.b || x.i - y.i).map((e) => e.key);
}

// Found by helper-143: the producer's order was printed, so one message printed differently by
// the client that sent it; RocketMQ's MessageDecoder reads properties into a HashMap.
Deno.test("mqadmin queryMsgById prints Properties in RocketMQ's HashMap order", async () => {
  const env = await startTestBroker();
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const cli = cliOn(env.namesrvAddr!);
  try {
    const sent = await client.send("TopicProps", "x", { queueId: 0, tags: "TagA", keys: "k1" });
    await env.broker.registration!.registerNow();
    await env.broker.store.waitDispatched();
    const out = ok(await cli(`queryMsgById -i ${sent.extFields!.msgId}`)).out;
    const line = out.split("\n").find((l) => l.startsWith("Properties:"))!;
    const keys = line.replace(/^Properties:\s+\{/, "").replace(/\}$/, "").split(", ")
      .map((pair) => pair.slice(0, pair.indexOf("=")));
    assert.ok(keys.includes("TAGS") && keys.includes("KEYS"), line);
    assert.deepEqual(keys, hashMapOrder(keys), line);
  } finally {
    await client.close();
    await env.close();
  }
});

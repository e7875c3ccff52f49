/**
 * Compatibility replay: admin requests a broker relays to a rocketmq-client-go v2 or
 * rocketmq-client-cpp consumer, read back by `AdminClient`. The consumer is a raw TCP socket that
 * sends the HEART_BEAT and answers the relayed request with the bytes the client's source builds.
 *
 * GET_CONSUMER_RUNNING_INFO (307; `mqadmin consumerStatus`, `consumerProgress`):
 * - Go `internal/model.go` `ConsumerRunningInfo.Encode`: `subVersion` is `time.Now().UnixNano()`
 *   (past 2^53), `codeSet` holds decimal strings, queue keys are bare objects.
 * - C++ `src/protocol/ConsumerRunningInfo.cpp` `encode`: queue keys are jsoncpp's styled text (new
 *   lines, `" : "`), `ProcessQueueInfo` offsets and timestamps and `subVersion` are JSON strings.
 *
 * CONSUME_MESSAGE_DIRECTLY (309; `mqadmin queryMsgById -g -d`): Go `ConsumeMessageDirectlyResult`
 * is written by `encoding/json`, its `consumeResult` an int (`internal/model.go` `ConsumeResult`,
 * the ordinals of Java's `CMResult`). The C++ client does not answer 309.
 *
 * Java's mqadmin reads all of these: fastjson turns numeric strings into numbers, keeps any long
 * and reads an enum from its ordinal.
 */
import assert from "node:assert/strict";
import { AdminClient } from "../../client/admin_client.ts";
import { testClientOptions } from "../../client/_client_testing.ts";
import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { TestBrokerClient, updateTopicRequest } from "../broker_test_client.ts";
import { startTestBroker, type TestBroker } from "../broker_test_env.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();
const READ_DEADLINE_MS = 10_000;

interface Frame {
  header: {
    code: number;
    opaque: number;
    flag: number;
    extFields?: Record<string, string>;
  };
  body: Uint8Array;
}

/** A client socket speaking the remoting frames by hand. */
class RawClient {
  #buffer = new Uint8Array(0);
  readonly #conn: Deno.TcpConn;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async connect(address: string): Promise<RawClient> {
    const [hostname, port] = address.split(":");
    return new RawClient(await Deno.connect({ hostname, port: Number(port) }));
  }

  /** Writes one frame with a JSON header given as text, as the client serializes it. */
  async write(
    headerJson: string,
    body: Uint8Array = new Uint8Array(0),
  ): Promise<void> {
    const header = utf8.encode(headerJson);
    const frame = new Uint8Array(8 + header.length + body.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, 4 + header.length + body.length);
    view.setUint32(4, header.length); // serialize type 0: JSON
    frame.set(header, 8);
    frame.set(body, 8 + header.length);
    let written = 0;
    while (written < frame.length) {
      written += await this.#conn.write(frame.subarray(written));
    }
  }

  /** Reads frames until one matches, under a deadline. */
  async readUntil(match: (frame: Frame) => boolean): Promise<Frame> {
    const signal = AbortSignal.timeout(READ_DEADLINE_MS);
    while (true) {
      const frame = this.#takeFrame();
      if (frame !== undefined) {
        if (match(frame)) return frame;
        continue;
      }
      signal.throwIfAborted();
      const chunk = new Uint8Array(64 * 1024);
      const n = await this.#conn.read(chunk);
      if (n === null) throw new Error("Connection closed by the broker");
      const grown = new Uint8Array(this.#buffer.length + n);
      grown.set(this.#buffer);
      grown.set(chunk.subarray(0, n), this.#buffer.length);
      this.#buffer = grown;
    }
  }

  #takeFrame(): Frame | undefined {
    if (this.#buffer.length < 4) return undefined;
    const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset);
    const length = view.getUint32(0);
    if (this.#buffer.length < 4 + length) return undefined;
    const headerLength = view.getUint32(4) & 0xffffff;
    const header = JSON.parse(
      text.decode(this.#buffer.subarray(8, 8 + headerLength)),
    );
    const body = this.#buffer.slice(8 + headerLength, 4 + length);
    this.#buffer = this.#buffer.slice(4 + length);
    return { header, body };
  }

  close(): void {
    this.#conn.close();
  }
}

interface ClientFlavour {
  /** HEART_BEAT request header JSON for `opaque` */
  heartbeatHeader(opaque: number): string;
  /** the GET_CONSUMER_RUNNING_INFO response header JSON for `opaque` */
  responseHeader(opaque: number): string;
}

const GO: ClientFlavour = {
  // internal/remote/codec.go: jsoniter writes the struct fields in declaration order.
  heartbeatHeader: (opaque) =>
    `{"code":34,"language":"GO","version":317,"opaque":${opaque},"flag":0,"remark":"","extFields":{}}`,
  responseHeader: (opaque) =>
    `{"code":0,"language":"GO","version":317,"opaque":${opaque},"flag":1,"remark":"","extFields":{}}`,
};

const CPP: ClientFlavour = {
  // src/protocol/RemotingCommand.cpp: jsoncpp FastWriter, keys sorted, a final new line.
  heartbeatHeader: (opaque) =>
    `{"code":34,"extFields":{"AccessKey":"","OnsChannel":"","Signature":""},"flag":0,` +
    `"language":"CPP","opaque":${opaque},"remark":"","version":355}\n`,
  responseHeader: (opaque) =>
    `{"code":0,"extFields":{"AccessKey":"","OnsChannel":"","Signature":""},"flag":1,` +
    `"language":"CPP","opaque":${opaque},"remark":"","version":355}\n`,
};

/** A Go heartbeat (internal/model.go heartbeatData): UnixNano subVersion, codeSet strings. */
function goHeartbeat(clientId: string, group: string): string {
  return `{"clientID":"${clientId}","producerDataSet":[],"consumerDataSet":[{"groupName":"${group}",` +
    `"consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",` +
    `"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","subscriptionDataSet":[` +
    `{"classFilterMode":false,"topic":"TopicRi","subString":"a || b","tagsSet":["a","b"],` +
    `"codeSet":["97","98"],"subVersion":1732550000123456789,"expressionType":"TAG"},` +
    `{"classFilterMode":false,"topic":"%RETRY%${group}","subString":"*","tagsSet":[],` +
    `"codeSet":[],"subVersion":1732550000123456790,"expressionType":"TAG"}],"unitMode":false}]}`;
}

/** Go `ConsumerRunningInfo.Encode`, byte for byte (note the `, "jstack":"" }` tail). */
function goRunningInfo(): string {
  return `{"properties":{"PROP_CONSUMEORDERLY":"false","PROP_CONSUMER_START_TIMESTAMP":"1732550000000"},` +
    `"statusTable":{"TopicRi":{"pullRT":1.5,"pullTPS":2,"consumeRT":0,"consumeOKTPS":0,` +
    `"consumeFailedTPS":0,"consumeFailedMsgs":0}},"subscriptionSet":[{"classFilterMode":false,` +
    `"topic":"TopicRi","subString":"a || b","tagsSet":["a","b"],"codeSet":["97","98"],` +
    `"subVersion":1732550000123456789,"expressionType":"TAG"}],"mqTable":{{"topic":"TopicRi",` +
    `"brokerName":"broker-test","queueId":0}:{"commitOffset":3,"cachedMsgMinOffset":0,` +
    `"cachedMsgMaxOffset":0,"cachedMsgCount":0,"cachedMsgSizeInMiB":0,"transactionMsgMinOffset":0,` +
    `"transactionMsgMaxOffset":0,"transactionMsgCount":0,"locked":false,"tryUnlockTimes":0,` +
    `"lastLockTimestamp":0,"dropped":false,"lastPullTimestamp":1732550000001,` +
    `"lastConsumeTimestamp":1732550000002}}, "jstack":"" }`;
}

/** A C++ heartbeat (src/protocol/HeartbeatData.h): enums as numbers, subVersion as a string. */
function cppHeartbeat(clientId: string, group: string): string {
  // Enums are C++ enum values: CONSUME_FROM_FIRST_OFFSET 4, CONSUME_PASSIVELY 1, CLUSTERING 1.
  return `{"clientID":"${clientId}","consumerDataSet":[{"consumeFromWhere":4,"consumeType":1,` +
    `"groupName":"${group}","messageModel":1,"subscriptionDataSet":[{"codeSet":[97,98],` +
    `"subString":"a || b","subVersion":"1732550000000","tagsSet":["a","b"],"topic":"TopicRi"},` +
    `{"subString":"*","subVersion":"1732550000000","topic":"%RETRY%${group}"}]}]}\n`;
}

/** C++ `ConsumerRunningInfo::encode`: styled queue keys, offsets and subVersion as strings. */
function cppRunningInfo(): string {
  const key = `{\n   "brokerName" : "broker-test",\n   "queueId" : 0,\n   "topic" : "TopicRi"\n}`;
  const pq = `{\n   "cachedMsgCount" : 0,\n   "cachedMsgMaxOffset" : "0",\n` +
    `   "cachedMsgMinOffset" : "0",\n   "commitOffset" : "3",\n   "droped" : false,\n` +
    `   "lastConsumeTimestamp" : "1732550000002",\n   "lastLockTimestamp" : "0",\n` +
    `   "lastPullTimestamp" : "1732550000001",\n   "locked" : false,\n` +
    `   "transactionMsgCount" : 0,\n   "transactionMsgMaxOffset" : "0",\n` +
    `   "transactionMsgMinOffset" : "0",\n   "tryUnlockTimes" : 0\n}`;
  return `{"mqTable":{${key}:${pq}},"jstack":"","properties":{"PROP_CONSUMEORDERLY":"false",` +
    `"PROP_CONSUMER_START_TIMESTAMP":"1732550000000"},"statusTable":{"TopicRi":{"consumeFailedMsgs":0,` +
    `"consumeFailedTPS":0.0,"consumeOKTPS":0.0,"consumeRT":0.0,"pullRT":1.5,"pullTPS":2.0}},` +
    `"subscriptionSet":[{"codeSet":[97,98],"subString":"a || b","subVersion":"1732550000000",` +
    `"tagsSet":["a","b"],"topic":"TopicRi"}]}\n`;
}

const GROUP = "CG_RI";
const CLIENT_ID = "127.0.0.1@4242";

/**
 * Runs `body` with a broker, an AdminClient and a raw consumer socket whose heartbeat the broker
 * took and whose group's retry topic is in the route.
 */
async function withRawConsumer(
  flavour: ClientFlavour,
  heartbeat: (clientId: string, group: string) => string,
  body: (env: TestBroker, admin: AdminClient, client: RawClient) => Promise<void>,
): Promise<void> {
  const env = await startTestBroker();
  const admin = new AdminClient({
    ...testClientOptions(env.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const client = await RawClient.connect(env.address);
  try {
    await client.write(flavour.heartbeatHeader(1), utf8.encode(heartbeat(CLIENT_ID, GROUP)));
    const hb = await client.readUntil((f) => (f.header.flag & 1) === 1 && f.header.opaque === 1);
    assert.equal(hb.header.code, 0, "heartbeat refused");
    await env.broker.registration!.registerNow();
    await body(env, admin, client);
  } finally {
    client.close();
    await admin.shutdown();
    await env.close();
  }
}

async function replay(
  flavour: ClientFlavour,
  heartbeat: (clientId: string, group: string) => string,
  runningInfo: string,
): Promise<Awaited<ReturnType<AdminClient["getConsumerRunningInfo"]>>> {
  let result: Awaited<ReturnType<AdminClient["getConsumerRunningInfo"]>> | undefined;
  await withRawConsumer(flavour, heartbeat, async (_env, admin, client) => {
    const info = admin.getConsumerRunningInfo(GROUP, CLIENT_ID);
    const asked = await client.readUntil((f) =>
      f.header.code === RequestCode.GET_CONSUMER_RUNNING_INFO
    );
    assert.equal(asked.header.extFields?.clientId, CLIENT_ID);
    await client.write(flavour.responseHeader(asked.header.opaque), utf8.encode(runningInfo));
    result = await info;
  });
  return result!;
}

Deno.test("AdminClient reads the running info of a rocketmq-client-go consumer through the broker", async () => {
  const info = await replay(GO, goHeartbeat, goRunningInfo());
  const [sub] = info.subscriptionSet;
  assert.deepEqual(sub.codeSet, [97, 98]);
  assert.equal(sub.subVersion, 1732550000123456789);
  const [[mq, pq]] = info.mqTable;
  assert.deepEqual(mq, {
    topic: "TopicRi",
    brokerName: "broker-test",
    queueId: 0,
  });
  assert.equal(pq.commitOffset, 3);
  assert.equal(pq.lastConsumeTimestamp, 1732550000002);
});

Deno.test("AdminClient reads the running info of a rocketmq-client-cpp consumer through the broker", async () => {
  const info = await replay(CPP, cppHeartbeat, cppRunningInfo());
  const [sub] = info.subscriptionSet;
  assert.equal(sub.subVersion, 1732550000000);
  assert.deepEqual(sub.tagsSet, ["a", "b"]);
  const [[mq, pq]] = info.mqTable;
  assert.deepEqual(mq, {
    topic: "TopicRi",
    brokerName: "broker-test",
    queueId: 0,
  });
  assert.equal(pq.commitOffset, 3);
  assert.equal(pq.lastPullTimestamp, 1732550000001);
  assert.equal(info.statusTable[0][1].pullRT, 1.5);
});

Deno.test("AdminClient reads a rocketmq-client-go consumer's CONSUME_MESSAGE_DIRECTLY result", async () => {
  await withRawConsumer(GO, goHeartbeat, async (env, admin, client) => {
    const producer = new TestBrokerClient(new DenoTcpTransport(), env.address);
    try {
      assert.equal((await producer.invoke(updateTopicRequest("TopicRi"))).code, 0);
      const sent = await producer.send("TopicRi", "direct", { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      await env.broker.store.waitDispatched();
      const result = admin.consumeMessageDirectly(GROUP, CLIENT_ID, sent.extFields!.msgId);
      const asked = await client.readUntil((f) =>
        f.header.code === RequestCode.CONSUME_MESSAGE_DIRECTLY
      );
      assert.equal(asked.header.extFields?.clientId, CLIENT_ID);
      // Go builds the queue of the message from the brokerName the broker adds (4.9.8
      // AdminBrokerProcessor.consumeMessageDirectly).
      assert.equal(asked.header.extFields?.brokerName, "broker-test");
      assert.ok(asked.body.length > 0, "the stored message is relayed in the body");
      // internal/model.go: json.Marshal(ConsumeMessageDirectlyResult), ConsumeSuccess = 0.
      const answer = `{"order":false,"autoCommit":true,"consumeResult":0,"remark":"",` +
        `"spentTimeMills":3}`;
      await client.write(GO.responseHeader(asked.header.opaque), utf8.encode(answer));
      const decoded = await result;
      assert.equal(decoded.consumeResult, "CR_SUCCESS");
      assert.equal(decoded.spentTimeMills, 3);
    } finally {
      await producer.close();
    }
  });
});

/**
 * Store keys changed on a running broker with UPDATE_BROKER_CONFIG reach its message store, as
 * RocketMQ's Configuration.update writes into the live MessageStoreConfig: a raised
 * maxMessageSize, a pull limit and messageIndexEnable; and the store folder overrides read at
 * start. A broker on 127.0.0.1 driven over TCP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";

/** Runs `fn` against a broker started with `properties`, and a client. */
async function withBroker(
  properties: Record<string, string>,
  fn: (env: TestBroker, client: TestBrokerClient) => Promise<void>,
): Promise<void> {
  const env = await startTestBroker({ withNamesrv: false, properties });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await fn(env, client);
  } finally {
    await client.close();
    await env.close();
  }
}

/** Sends UPDATE_BROKER_CONFIG with `key=value` lines; fails the test unless it succeeds. */
async function updateBrokerConfig(client: TestBrokerClient, body: string): Promise<void> {
  const response = await client.invoke(createRequest(RequestCode.UPDATE_BROKER_CONFIG, {
    body: new TextEncoder().encode(body),
    language: "JAVA",
    version: 409,
  }));
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
}

Deno.test("UPDATE_BROKER_CONFIG of maxMessageSize lets the store take larger bodies", async () => {
  await withBroker({ maxMessageSize: "1024" }, async (env, client) => {
    const body = new Uint8Array(4096).fill(0x61);
    const refused = await client.send("TopicLarge", body, { queueId: 0 });
    assert.equal(refused.code, ResponseCode.MESSAGE_ILLEGAL, "over the startup limit");
    await updateBrokerConfig(client, "maxMessageSize=65536\n");
    const sent = await client.send("TopicLarge", body, { queueId: 0 });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    await env.broker.store.waitDispatched();
    const pulled = await client.pull({
      group: "GroupLarge",
      topic: "TopicLarge",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
      sysFlag: 0x4, // the subscription comes with the pull: no heartbeat needed
      suspendTimeoutMillis: 0,
    });
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
    assert.deepEqual(decodeRecords(pulled.body).map((record) => record.body), [body]);
  });
});

Deno.test("UPDATE_BROKER_CONFIG of maxTransferCountOnMessageInMemory changes later pulls", async () => {
  await withBroker({ maxTransferCountOnMessageInMemory: "4" }, async (env, client) => {
    for (let i = 0; i < 10; i++) {
      const sent = await client.send("TopicBatch", `m${i}`, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await env.broker.store.waitDispatched();
    const pull = async () => {
      const pulled = await client.pull({
        group: "GroupBatch",
        topic: "TopicBatch",
        queueId: 0,
        queueOffset: 0,
        maxMsgNums: 32,
        subscription: "*",
        sysFlag: 0x4,
        suspendTimeoutMillis: 0,
      });
      assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
      return decodeRecords(pulled.body).length;
    };
    assert.equal(await pull(), 4, "the startup limit");
    await updateBrokerConfig(client, "maxTransferCountOnMessageInMemory=64\n");
    assert.equal(await pull(), 10, "10 of 10 for a pull of 32");
  });
});

Deno.test("UPDATE_BROKER_CONFIG of messageIndexEnable indexes keys sent afterwards", async () => {
  await withBroker({ messageIndexEnable: "false" }, async (env, client) => {
    const query = async (key: string) => {
      await env.broker.store.waitDispatched();
      const response = await client.call(RequestCode.QUERY_MESSAGE, {
        topic: "TopicKeys",
        key,
        maxNum: "32",
        beginTimestamp: "0",
        endTimestamp: String(Date.now() + 60_000),
      });
      return response.code === ResponseCode.SUCCESS ? decodeRecords(response.body).length : 0;
    };
    const send = async (keys: string) => {
      const sent = await client.send("TopicKeys", keys, { queueId: 0, keys });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    };
    await send("order-before");
    assert.equal(await query("order-before"), 0, "not indexed while off");
    await updateBrokerConfig(client, "messageIndexEnable=true\n");
    await send("order-after");
    assert.equal(await query("order-after"), 1, "QUERY_MESSAGE finds a key sent after the update");
  });
});

Deno.test("storePathConsumeQueue and storePathIndex put the consume queues and index there", async () => {
  const other = await Deno.makeTempDir({ prefix: "edgemq-other-volume-" });
  const entries = async (path: string) => {
    try {
      return (await Array.fromAsync(Deno.readDir(path))).map((entry) => entry.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  };
  try {
    const properties = { storePathConsumeQueue: `${other}/cq`, storePathIndex: `${other}/idx/` };
    await withBroker(properties, async (env, client) => {
      const sent = await client.send("TopicPaths", "x", { queueId: 0, keys: "order-1" });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      await env.broker.store.waitDispatched();
      await env.broker.store.flush();
      assert.deepEqual(await entries(`${other}/cq/TopicPaths`), ["0"]);
      assert.equal((await entries(`${other}/idx`)).length, 1, "one index file");
      assert.deepEqual(await entries(`${env.dir}/consumequeue`), [], "none under the root");
      assert.deepEqual(await entries(`${env.dir}/index`), []);
      const found = await client.call(RequestCode.QUERY_MESSAGE, {
        topic: "TopicPaths",
        key: "order-1",
        maxNum: "32",
        beginTimestamp: "0",
        endTimestamp: String(Date.now() + 60_000),
      });
      assert.equal(found.code, ResponseCode.SUCCESS, found.remark);
      assert.equal(decodeRecords(found.body).length, 1);
    });
  } finally {
    await Deno.remove(other, { recursive: true });
  }
});

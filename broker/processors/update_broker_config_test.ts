/**
 * UPDATE_BROKER_CONFIG against a running broker over TCP, and a restart from the file it wrote
 * (helper-135's review): what RocketMQ never lets change, keys that must reach the store, and
 * values the next start must still take.
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { spawnMain, startTestBroker, type TestBroker } from "../../tests/broker_test_env.ts";

async function withBroker(
  properties: Record<string, string>,
  run: (env: TestBroker, client: TestBrokerClient) => Promise<void>,
): Promise<void> {
  const env = await startTestBroker({ withNamesrv: false, properties });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await run(env, client);
  } finally {
    await client.close();
    await env.close();
  }
}

function update(client: TestBrokerClient, properties: string) {
  return client.invoke(createRequest(RequestCode.UPDATE_BROKER_CONFIG, {
    body: new TextEncoder().encode(properties),
    language: "JAVA",
    version: 409,
  }));
}

Deno.test("UPDATE_BROKER_CONFIG serverChannelMaxIdleTimeSeconds=0 (idle closing off, as Netty) leaves a file the next start takes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_idle_zero_" });
  try {
    const env = await startTestBroker({ withNamesrv: false, dir });
    const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
    const updated = await update(client, "serverChannelMaxIdleTimeSeconds=0\n");
    await client.close();
    await env.close(true);
    assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
    const file = `${dir}/config/broker.properties`;
    assert.match(await Deno.readTextFile(file), /^serverChannelMaxIdleTimeSeconds=0$/m);
    const again = await spawnMain(
      "broker/main.ts",
      ["-c", file],
      /EdgeMQ broker listening on 127\.0\.0\.1:(\d+)/,
    );
    assert.equal(await again.stop(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UPDATE_BROKER_CONFIG refuses rocketmqHome, brokerConfigPath and configBlackList whatever configBlackList says", async () => {
  // The operator protects storePathRootDir without naming configBlackList itself.
  await withBroker({ configBlackList: "storePathRootDir" }, async (env, client) => {
    for (const line of ["rocketmqHome=/tmp/elsewhere", "configBlackList=", "storePathRootDir=/x"]) {
      const response = await update(client, `${line}\n`);
      assert.equal(response.code, ResponseCode.NO_PERMISSION, `${line}: ${response.remark}`);
    }
    assert.equal(env.broker.configuration.config.configBlackList, "storePathRootDir");
    assert.equal(env.broker.configuration.dataVersion.counter, 0, "nothing changed");
  });
});

Deno.test("UPDATE_BROKER_CONFIG brokerRole reaches the store: a SLAVE made master takes sends", async () => {
  await withBroker({ brokerRole: "SLAVE", brokerId: "1" }, async (_env, client) => {
    const before = await client.send("TopicRole", "m0", { queueId: 0 });
    assert.notEqual(before.code, ResponseCode.SUCCESS, "a SLAVE refuses sends");
    const promoted = await update(client, "brokerRole=ASYNC_MASTER\n");
    assert.equal(promoted.code, ResponseCode.SUCCESS, promoted.remark);
    const after = await client.send("TopicRole", "m1", { queueId: 0 });
    assert.equal(after.code, ResponseCode.SUCCESS, after.remark);
  });
});

Deno.test("UPDATE_BROKER_CONFIG refuses a duration no timer can wait, naming the key", async () => {
  await withBroker({}, async (env, client) => {
    const response = await update(client, "shortPollingTimeMills=2147483648\n");
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(response.remark ?? "", /shortPollingTimeMills/);
    assert.match(response.remark ?? "", /2147483647/);
    assert.equal(env.broker.configuration.config.shortPollingTimeMills, 1000);
  });
});

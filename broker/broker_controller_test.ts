import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";

Deno.test("BrokerController persists consumer offsets at shutdown, once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_controller_" });
  try {
    const env = await startTestBroker({ withNamesrv: false, dir });
    const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
    await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "G",
      topic: "T",
      queueId: "0",
      commitOffset: "5",
    });
    await client.close();
    await Promise.all([env.broker.shutdown(), env.broker.shutdown()]);
    const text = await Deno.readTextFile(`${dir}/config/consumerOffset.json`);
    assert.match(text, /"T@G":\{0:5/);
    await assert.rejects(env.broker.start(), /already started/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BrokerController drops and closes client channels silent past channelExpiredTimeout", async () => {
  const clock = new ManualClock(Date.now());
  const env = await startTestBroker({ withNamesrv: false, clock });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    assert.equal(
      (await client.heartbeat("127.0.0.1@idle", "G_IDLE", { T: "*" })).code,
      ResponseCode.SUCCESS,
    );
    const closed = new Promise<void>((resolve) => {
      const off = env.broker.remotingServer.on("close", () => {
        off();
        resolve();
      });
    });
    clock.advance(60_000);
    env.broker.scanNotActiveChannels();
    assert.equal(
      env.broker.consumerManager.getConsumerIdList("G_IDLE").length,
      1,
      "60 s of silence is fine",
    );
    clock.advance(61_000);
    env.broker.scanNotActiveChannels();
    assert.equal(env.broker.consumerManager.getConsumerGroupInfo("G_IDLE"), undefined);
    assert.equal(
      env.broker.producerManager.getProducerConnections("CLIENT_INNER_PRODUCER"),
      undefined,
    );
    await closed;
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("BrokerController refuses a listenPort without room for the VIP port", async () => {
  await assert.rejects(
    startTestBroker({ withNamesrv: false, properties: { listenPort: "2" } }),
    /Cannot start broker: listenPort 2 leaves no VIP port \(listenPort - 2\)/,
  );
});

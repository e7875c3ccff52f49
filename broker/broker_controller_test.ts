import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker, testBrokerProperties } from "../tests/broker_test_env.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { ForwardingFileSystem } from "../store/_test_forwarding_fs.ts";
import type { FileLock } from "../store/file_system.ts";
import { decodeOffsetMessageId } from "../store/message_id.ts";
import { loadBrokerConfig } from "./broker_config.ts";
import { BrokerController } from "./broker_controller.ts";

Deno.test("BrokerController persists consumer offsets at shutdown, once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_controller_" });
  try {
    const env = await startTestBroker({ withNamesrv: false, dir });
    const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
    assert.equal((await client.send("T", "m", { queueId: 0 })).code, ResponseCode.SUCCESS);
    const commit = await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "G",
      topic: "T",
      queueId: "0",
      commitOffset: "5",
    });
    assert.equal(commit.code, ResponseCode.SUCCESS, commit.remark);
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

Deno.test("BrokerController resolves a host-name brokerIP1 for STOREHOST and registers the name", async () => {
  // RocketMQ: storeHost = new InetSocketAddress(brokerIP1, listenPort), brokerAddr = brokerIP1:port
  const dir = await Deno.makeTempDir({ prefix: "edgemq_controller_" });
  const properties = { ...testBrokerProperties(dir), brokerIP1: "broker-a.example" };
  const { config } = loadBrokerConfig({ properties, env: { HOME: dir, hostname: "test-host" } });
  const options = {
    config,
    transport: new DenoTcpTransport(),
    fs: new DenoFileSystem(),
    logger: silentRemotingLogger,
  };
  try {
    await assert.rejects(
      new BrokerController(options).start(),
      /brokerIP1 "broker-a\.example" is neither an IP address nor a host name that resolves/,
    );
    const resolveHost = (name: string) =>
      name === "broker-a.example" ? Promise.resolve("127.0.0.2") : Promise.reject(new Error(name));
    const broker = new BrokerController({ ...options, resolveHost });
    await broker.start();
    const client = new TestBrokerClient(new DenoTcpTransport(), `127.0.0.1:${broker.port}`);
    try {
      assert.equal(broker.brokerAddr, `broker-a.example:${broker.port}`);
      const sent = await client.send("TopicNamed", "x");
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      const id = decodeOffsetMessageId(sent.extFields!.msgId);
      assert.deepEqual([...id.host.address], [127, 0, 0, 2]);
      assert.equal(id.host.port, broker.port);
    } finally {
      await client.close();
      await broker.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BrokerController serves requests only once its store is up, and keeps them waiting till then", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_controller_" });
  const reached = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  /** Holds the store's start at its lock, as a long crash recovery would. */
  class HeldStoreFs extends ForwardingFileSystem {
    override async tryLock(path: string): Promise<FileLock | null> {
      reached.resolve();
      await gate.promise;
      return super.tryLock(path);
    }
  }
  const { config } = loadBrokerConfig({
    properties: testBrokerProperties(dir),
    env: { HOME: dir, hostname: "test-host" },
  });
  const broker = new BrokerController({
    config,
    transport: new DenoTcpTransport(),
    fs: new HeldStoreFs(new DenoFileSystem()),
    logger: silentRemotingLogger,
  });
  const starting = broker.start();
  try {
    await reached.promise;
    assert.ok(broker.port > 0, "the port is bound before the store starts");
    const early = new TestBrokerClient(new DenoTcpTransport(), `127.0.0.1:${broker.port}`);
    const sent = early.send("TopicEarly", "early", { queueId: 0 });
    // An observation window, not a synchronisation: the old order answered at once with
    // REQUEST_CODE_NOT_SUPPORTED, which a Java producer does not retry.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const first = await Promise.race([
      sent.then((response) => `answered ${response.code} ${response.remark}`),
      new Promise<string>((resolve) => timer = setTimeout(() => resolve("waiting"), 300)),
    ]);
    clearTimeout(timer);
    assert.equal(first, "waiting", "no answer while the store is starting");
    gate.resolve();
    await starting;
    const response = await sent;
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    await early.close();
  } finally {
    gate.resolve();
    await starting.catch(() => undefined);
    await broker.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BrokerController applies autoCreateSubscriptionGroup and autoCreateTopicEnable updates at once", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    assert.equal((await client.send("TopicBefore", "m0")).code, ResponseCode.SUCCESS);
    const updated = await client.invoke(createRequest(RequestCode.UPDATE_BROKER_CONFIG, {
      body: new TextEncoder().encode(
        "autoCreateSubscriptionGroup=false\nautoCreateTopicEnable=false",
      ),
    }));
    assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
    const pulled = await client.pull({
      group: "GroupNeverCreated",
      topic: "TopicBefore",
      queueId: 0,
      queueOffset: 0,
      sysFlag: 0,
      suspendTimeoutMillis: 0,
    });
    assert.equal(pulled.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, pulled.remark);
    const groups = env.broker.subscriptionGroupManager;
    assert.equal(groups.containsSubscriptionGroup("GroupNeverCreated"), false);
    const sent = await client.send("TopicAfter", "m1");
    assert.equal(sent.code, ResponseCode.TOPIC_NOT_EXIST, sent.remark);
    assert.equal(env.broker.topicConfigManager.selectTopicConfig("TopicAfter"), undefined);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("BrokerController shut down during its start stops all it started; a start after is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_controller_" });
  const newBroker = () =>
    new BrokerController({
      config: loadBrokerConfig({
        properties: testBrokerProperties(dir),
        env: { HOME: dir, hostname: "test-host" },
      }).config,
      transport: new DenoTcpTransport(),
      fs: new DenoFileSystem(),
      logger: silentRemotingLogger,
    });
  try {
    const broker = newBroker();
    const starting = broker.start();
    await broker.shutdown();
    await starting;
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: broker.port }).then((c) => c.close()),
      Deno.errors.ConnectionRefused,
    );
    // The store lock is free again: another broker on the folder starts.
    const next = newBroker();
    await next.start();
    await next.shutdown();
    await assert.rejects(next.start(), /already started/);
    const never = newBroker();
    await never.shutdown();
    await assert.rejects(never.start(), /Cannot start BrokerController: it was shut down/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

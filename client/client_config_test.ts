import assert from "node:assert/strict";
import { brokerVIPChannel, buildMQClientId, resolveClientConfig } from "./client_config.ts";
import { ClientConfigError } from "./client_error.ts";
import { chooseLocalAddress, staticClientEnv } from "./client_env.ts";
import { resolveProducerConfig } from "./producer_config.ts";
import { resolvePushConsumerConfig } from "./push_consumer_options.ts";

const env = staticClientEnv({
  pid: 4242,
  nanoTime: 99n,
  addresses: [
    { address: "127.0.0.1", family: "IPv4" },
    { address: "10.1.2.3", family: "IPv4" },
    { address: "fe80::1", family: "IPv6" },
  ],
});

Deno.test("resolveClientConfig applies RocketMQ defaults and turns DEFAULT into pid#nanoTime", () => {
  const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876;127.0.0.2:9876" }, { env });
  assert.deepEqual(config.namesrvAddrs, ["127.0.0.1:9876", "127.0.0.2:9876"]);
  assert.equal(config.instanceName, "4242#99");
  assert.equal(config.clientIP, "10.1.2.3");
  assert.equal(config.clientId, "10.1.2.3@4242#99");
  assert.equal(config.pollNameServerInterval, 30_000);
  assert.equal(config.heartbeatBrokerInterval, 30_000);
  assert.equal(config.persistConsumerOffsetInterval, 5_000);
  assert.equal(config.mqClientApiTimeout, 3000);
  assert.equal(config.sendMsgTimeout, 3000);
  assert.equal(config.serializeType, "JSON");
  assert.equal(config.vipChannelEnabled, false);
});

Deno.test("resolveClientConfig keeps a named instance and appends the unit name to the client id", () => {
  const config = resolveClientConfig(
    { namesrvAddr: "ns:9876", instanceName: "orders", unitName: "unitA", clientIP: "192.168.0.9" },
    { env },
  );
  assert.equal(config.clientId, "192.168.0.9@orders@unitA");
  assert.equal(buildMQClientId("1.2.3.4", "x", " "), "1.2.3.4@x");
});

Deno.test("resolveClientConfig reads NAMESRV_ADDR, rocketmq.client.name and ROCKETMQ_SERIALIZE_TYPE", () => {
  const fromEnv = staticClientEnv({
    pid: 1,
    env: { NAMESRV_ADDR: "10.0.0.1:9876", ROCKETMQ_SERIALIZE_TYPE: "rocketmq" },
    properties: {
      "rocketmq.client.name": "fromProperty",
      "com.rocketmq.sendMessageWithVIPChannel": "true",
    },
  });
  const config = resolveClientConfig({ clientIP: "10.0.0.9" }, { env: fromEnv });
  assert.deepEqual(config.namesrvAddrs, ["10.0.0.1:9876"]);
  assert.equal(config.instanceName, "fromProperty");
  assert.equal(config.serializeType, "ROCKETMQ");
  assert.equal(config.vipChannelEnabled, true);
  const explicit = resolveClientConfig({ serializeType: "JSON", vipChannelEnabled: false }, {
    env: fromEnv,
  });
  assert.equal(explicit.serializeType, "JSON");
  assert.equal(explicit.vipChannelEnabled, false);
});

Deno.test("resolveClientConfig names the bad option and what it expects", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { namesrvAddr: "127.0.0.1:9876", heartbeatBrokerInterval: -1 },
      /Invalid option heartbeatBrokerInterval: -1 \(expected an integer between 10 and 86400000\)/,
    ],
    [
      { namesrvAddr: "127.0.0.1:9876", serializeType: "XML" },
      /Invalid option serializeType: "XML" \(expected one of JSON, ROCKETMQ\)/,
    ],
    [
      { namesrvAddr: "not-an-address" },
      /Invalid option namesrvAddr: "not-an-address" \(expected a ;-separated list/,
    ],
    [
      { namesrvAddr: "127.0.0.1:9876", pollNameServerIntervall: 5 },
      /Invalid option pollNameServerIntervall: 5 \(expected no such option\)/,
    ],
    [{}, /Invalid option namesrvAddr: undefined .*NAMESRV_ADDR/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => resolveClientConfig(input as never, { env }), (error: unknown) => {
      assert.ok(error instanceof ClientConfigError);
      assert.match(error.message, message);
      return true;
    });
  }
  const badEnv = staticClientEnv({ pid: 1, env: { ROCKETMQ_SERIALIZE_TYPE: "xml" } });
  assert.throws(
    () => resolveClientConfig({ namesrvAddr: "h:1" }, { env: badEnv }),
    /Invalid option serializeType \(from rocketmq.serialize.type \/ ROCKETMQ_SERIALIZE_TYPE\): "xml"/,
  );
});

Deno.test("resolveProducerConfig validates producer options with RocketMQ defaults", () => {
  const config = resolveProducerConfig({ producerGroup: "PG", namesrvAddr: "h:1", env });
  assert.equal(config.createTopicKey, "TBW102");
  assert.equal(config.defaultTopicQueueNums, 4);
  assert.equal(config.compressMsgBodyOverHowmuch, 4096);
  assert.equal(config.compressLevel, 5);
  assert.equal(config.maxMessageSize, 4 * 1024 * 1024);
  assert.equal(config.sendLatencyFaultEnable, false);
  assert.deepEqual([...config.retryResponseCodes].sort((a, b) => a - b), [
    1,
    2,
    14,
    16,
    17,
    204,
    205,
  ]);
  assert.throws(
    () => resolveProducerConfig({ producerGroup: "PG", namesrvAddr: "h:1", env, maxInFlight: 0 }),
    /Invalid option maxInFlight: 0 \(expected an integer between 1 and 65535\)/,
  );
  assert.throws(
    () =>
      resolveProducerConfig({ producerGroup: "PG", namesrvAddr: "h:1", env, latencyMax: [1, 2] }),
    /Invalid option notAvailableDuration: .*expected as many entries as latencyMax \(2\)/,
  );
  // zlib refuses levels above 9 only when a large body is compressed: refused here instead.
  const level = (compressLevel: number, compressType: "ZLIB" | "ZSTD") =>
    resolveProducerConfig({
      producerGroup: "PG",
      namesrvAddr: "h:1",
      env,
      compressLevel,
      compressType,
    });
  assert.throws(
    () => level(15, "ZLIB"),
    /Invalid option compressLevel: 15 \(expected -1\.\.9 with compressType ZLIB/,
  );
  assert.equal(level(9, "ZLIB").compressLevel, 9);
  assert.equal(level(15, "ZSTD").compressLevel, 15);
  assert.throws(
    () => resolveProducerConfig({ namesrvAddr: "h:1", env } as never),
    /producerGroup: undefined/,
  );
});

Deno.test("chooseLocalAddress prefers public IPv4, then private IPv4, then IPv6, then loopback", () => {
  assert.equal(
    chooseLocalAddress([
      { address: "192.168.1.2", family: "IPv4" },
      { address: "8.8.4.4", family: "IPv4" },
    ]),
    "8.8.4.4",
  );
  assert.equal(
    chooseLocalAddress([
      { address: "10.0.0.1", family: "IPv4" },
      { address: "192.168.1.2", family: "IPv4" },
    ]),
    "192.168.1.2",
  );
  assert.equal(chooseLocalAddress([{ address: "fe80::2", family: "IPv6" }]), "[fe80::2]");
  assert.equal(chooseLocalAddress([{ address: "::1", family: "IPv6" }]), "127.0.0.1");
});

Deno.test("brokerVIPChannel uses port - 2 only when enabled", () => {
  assert.equal(brokerVIPChannel(true, "10.0.0.1:10911"), "10.0.0.1:10909");
  assert.equal(brokerVIPChannel(false, "10.0.0.1:10911"), "10.0.0.1:10911");
});

Deno.test("PushConsumer takes -1 or RocketMQ's range for the per-topic pull thresholds", () => {
  // DefaultMQPushConsumerImpl.checkConfig: -1, or [1, 6553500] and [1, 102400]; 0 is refused
  const base = { consumerGroup: "CG_T", namesrvAddr: "127.0.0.1:9876" };
  const now = () => "20240101000000";
  for (
    const [option, max] of [["pullThresholdForTopic", 6_553_500], [
      "pullThresholdSizeForTopic",
      102_400,
    ]] as const
  ) {
    assert.equal(resolvePushConsumerConfig(base, now)[option], -1);
    assert.equal(resolvePushConsumerConfig({ ...base, [option]: max }, now)[option], max);
    for (const bad of [0, -2, max + 1]) {
      assert.throws(
        () => resolvePushConsumerConfig({ ...base, [option]: bad }, now),
        (error: unknown) =>
          error instanceof ClientConfigError && error.message.includes(option) &&
          error.message.includes(`expected -1 or an integer in [1, ${max}]`),
        `${option} ${bad}`,
      );
    }
  }
});

Deno.test("PushConsumer refuses a maxReconsumeTimes beyond Java's int, which no send-back header can carry", () => {
  // Found by a push consumer with maxReconsumeTimes 2^31: the broker answered every
  // CONSUMER_SEND_MSG_BACK and every %RETRY% re-send "maxReconsumeTimes is not an int", so the
  // message was only retried locally, never reached the retry topic or the DLQ, and held its
  // queue's offset. RocketMQ's DefaultMQPushConsumer.setMaxReconsumeTimes takes an int.
  const base = { consumerGroup: "CG_T", namesrvAddr: "127.0.0.1:9876" };
  const now = () => "20240101000000";
  assert.equal(resolvePushConsumerConfig(base, now).maxReconsumeTimes, -1);
  for (const good of [-1, 0, 16, 2 ** 31 - 1]) {
    assert.equal(
      resolvePushConsumerConfig({ ...base, maxReconsumeTimes: good }, now).maxReconsumeTimes,
      good,
    );
  }
  for (const bad of [2 ** 31, Number.MAX_SAFE_INTEGER, -2]) {
    assert.throws(
      () => resolvePushConsumerConfig({ ...base, maxReconsumeTimes: bad }, now),
      (error: unknown) =>
        error instanceof ClientConfigError && error.message.includes("maxReconsumeTimes"),
      `maxReconsumeTimes ${bad}`,
    );
  }
});

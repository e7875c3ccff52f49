import assert from "node:assert/strict";
import { ConfigError, configToProperties } from "../common/config_loader.ts";
import { parseProperties } from "../common/properties.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import {
  configBlackListOf,
  loadNamesrvConfig,
  NAMESRV_CONFIG_KEYS,
  NAMESRV_NO_EFFECT_KEYS,
} from "./namesrv_config.ts";
import { ConfigBlackListError, NamesrvConfiguration } from "./namesrv_configuration.ts";

const ENV = { home: "/home/mq" };

/** A running configuration over real files, from a load result. */
function configurationOf(loaded: ReturnType<typeof loadNamesrvConfig>): NamesrvConfiguration {
  return new NamesrvConfiguration({
    fs: new DenoFileSystem(),
    env: ENV,
    config: loaded.config,
    extra: loaded.unknown,
    now: () => 42,
  });
}

Deno.test("loadNamesrvConfig has RocketMQ's defaults", () => {
  const { config, warnings } = loadNamesrvConfig(new Map(), ENV);
  assert.deepEqual(warnings, []);
  assert.equal(config.listenPort, 9876);
  assert.equal(config.bindAddress, "0.0.0.0");
  assert.equal(config.kvConfigPath, "/home/mq/namesrv/kvConfig.json");
  assert.equal(config.configStorePath, "/home/mq/namesrv/namesrv.properties");
  assert.equal(config.productEnvName, "center");
  assert.equal(config.orderMessageEnable, false);
  assert.equal(config.returnOrderTopicConfigToBroker, true);
  assert.equal(config.configBlackList, "configBlackList;configStorePath;kvConfigPath");
  assert.equal(config.serverChannelMaxIdleTimeSeconds, 120);
  assert.equal(config.serverAsyncSemaphoreValue, 64);
  assert.equal(config.serverOnewaySemaphoreValue, 256);
  assert.equal(config.scanNotActiveBrokerInterval, 10_000);
  assert.equal(config.brokerChannelExpiredTime, 120_000);
  assert.equal(config.httpAdminPort, 9880);
  assert.equal(config.rocketmqHome, undefined);
  assert.equal(
    loadNamesrvConfig(new Map(), { home: "/h", rocketmqHome: "/opt/rmq" }).config.rocketmqHome,
    "/opt/rmq",
  );
});

Deno.test("loadNamesrvConfig accepts every key of config.md §2 and reports no-effect keys", () => {
  const given = [
    "rocketmqHome=/opt/rocketmq",
    "kvConfigPath=/data/kv.json",
    "configStorePath=/data/namesrv.properties",
    "productEnvName=test",
    "clusterTest=true",
    "orderMessageEnable=true",
    "scanNotActiveBrokerInterval=5000",
    "clientRequestThreadPoolNums=4",
    "defaultThreadPoolNums=8",
    "needWaitForService=true",
    "waitSecondsForService=10",
    "returnOrderTopicConfigToBroker=false",
    "configBlackList=configBlackList;listenPort",
    "listenPort=19876",
    "bindAddress=127.0.0.1",
    "serverWorkerThreads=16",
    "serverCallbackExecutorThreads=2",
    "serverSelectorThreads=6",
    "serverOnewaySemaphoreValue=100",
    "serverAsyncSemaphoreValue=32",
    "serverChannelMaxIdleTimeSeconds=60",
    "serverSocketSndBufSize=65536",
    "serverSocketRcvBufSize=65536",
    "serverSocketBacklog=2048",
    "writeBufferHighWaterMark=1048576",
    "writeBufferLowWaterMark=524288",
    "serverPooledByteBufAllocatorEnable=false",
    "useEpollNativeSelector=true",
    "serverNettyWorkerGroupEnable=false",
    "enableShutdownGracefully=true",
    "shutdownWaitTimeSeconds=10",
  ].join("\n");
  const properties = parseProperties(given);
  const { config, warnings, appliedKeys } = loadNamesrvConfig(properties, ENV);
  assert.deepEqual(appliedKeys, [...properties.keys()]);
  const text = "\n" + configToProperties(config);
  for (const [key, value] of properties) {
    assert.ok(text.includes(`\n${key}=${value}\n`), `${key}=${value} reported`);
  }
  const noEffect = warnings.map((w) =>
    w.match(/^Config key (\w+) is accepted but has no effect/)?.[1]
  );
  assert.ok(noEffect.every((k) => k !== undefined), warnings.join("\n"));
  assert.ok(noEffect.includes("serverSelectorThreads"));
  assert.ok(noEffect.includes("useEpollNativeSelector"));
  assert.ok(noEffect.includes("serverPooledByteBufAllocatorEnable"));
  assert.ok(!noEffect.includes("listenPort"));
  for (const key of NAMESRV_NO_EFFECT_KEYS) assert.ok(NAMESRV_CONFIG_KEYS.includes(key), key);
});

Deno.test("loadNamesrvConfig rejects bad values naming key, value and expectation", () => {
  const cases: [Record<string, string>, string][] = [
    [
      { listenPort: "abc" },
      'Invalid value for listenPort: "abc" (expected an integer between 0 and 65535)',
    ],
    [
      { listenPort: "70000" },
      'Invalid value for listenPort: "70000" (expected an integer between 0 and 65535)',
    ],
    [
      { orderMessageEnable: "yes" },
      'Invalid value for orderMessageEnable: "yes" (expected true or false)',
    ],
    [
      { scanNotActiveBrokerInterval: "0" },
      'Invalid value for scanNotActiveBrokerInterval: "0" (expected an integer between 1 and 2147483647)',
    ],
    // Found by helper-137: a longer timer fires at once, so the scan ran every millisecond.
    [
      { scanNotActiveBrokerInterval: "2147483648" },
      'Invalid value for scanNotActiveBrokerInterval: "2147483648" (expected an integer between 1 and 2147483647)',
    ],
    [
      { httpAdminPort: "-1" },
      'Invalid value for httpAdminPort: "-1" (expected an integer between 0 and 65535 (0 turns the HTTP admin off))',
    ],
    [
      { listenPort: "9000", httpAdminPort: "9000" },
      'Invalid value for httpAdminPort: "9000" (expected a port other than listenPort)',
    ],
  ];
  for (const [properties, message] of cases) {
    assert.throws(() => loadNamesrvConfig(properties, ENV), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, message);
      return true;
    });
  }
});

Deno.test("loadNamesrvConfig warns about unknown keys by name", () => {
  const { warnings, unknown } = loadNamesrvConfig({ listenport: "1", brokerClusterName: "x" }, ENV);
  assert.deepEqual(warnings, [
    "Unknown config key listenport ignored (did you mean listenPort?)",
    "Unknown config key brokerClusterName ignored",
  ]);
  assert.equal(unknown.get("brokerClusterName"), "x");
});

Deno.test("configBlackListOf always holds RocketMQ's fixed keys", () => {
  const { config } = loadNamesrvConfig({ configBlackList: "listenPort; bindAddress" }, ENV);
  assert.deepEqual([...configBlackListOf(config)].sort(), [
    "bindAddress",
    "configBlackList",
    "configStorePath",
    "kvConfigPath",
    "listenPort",
    "rocketmqHome",
  ]);
});

Deno.test("NamesrvConfiguration updates, persists to configStorePath and refuses blacklisted keys", async () => {
  const dir = await Deno.makeTempDir({ prefix: "namesrv_config_" });
  try {
    const loaded = loadNamesrvConfig({
      configStorePath: `${dir}/conf/namesrv.properties`,
      custom: "1",
    }, ENV);
    const configuration = configurationOf(loaded);
    const seen: boolean[] = [];
    configuration.onChange((c) => seen.push(c.orderMessageEnable));
    const result = await configuration.update(
      new Map([["orderMessageEnable", "true"], ["nope", "1"]]),
    );
    assert.deepEqual(result.appliedKeys, ["orderMessageEnable"]);
    assert.deepEqual(result.warnings, ["Unknown config key nope ignored"]);
    assert.deepEqual(seen, [true]);
    assert.equal(configuration.dataVersion.counter, 1);
    const persisted = parseProperties(await Deno.readTextFile(`${dir}/conf/namesrv.properties`));
    assert.equal(persisted.get("orderMessageEnable"), "true");
    assert.equal(persisted.get("custom"), "1", "startup file keys are kept, as RocketMQ does");
    assert.equal(persisted.has("nope"), false);
    await configuration.update({ orderMessageEnable: "false" });
    const previous = parseProperties(await Deno.readTextFile(`${dir}/conf/namesrv.properties.bak`));
    assert.equal(
      previous.get("orderMessageEnable"),
      "true",
      "the previous version is kept as .bak",
    );
    await assert.rejects(configuration.update({ kvConfigPath: "/x" }), ConfigBlackListError);
    await assert.rejects(configuration.update({ listenPort: "x" }), ConfigError);
    assert.equal(configuration.config.listenPort, 9876, "a refused update changes nothing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NamesrvConfiguration changes nothing when the update cannot be persisted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "namesrv_config_" });
  try {
    await Deno.writeTextFile(`${dir}/file`, ""); // a file where the folder should be
    const loaded = loadNamesrvConfig({ configStorePath: `${dir}/file/namesrv.properties` }, ENV);
    const configuration = configurationOf(loaded);
    const seen: boolean[] = [];
    configuration.onChange((c) => seen.push(c.orderMessageEnable));
    await assert.rejects(configuration.update({ orderMessageEnable: "true" }));
    assert.equal(configuration.config.orderMessageEnable, false, "the old value stays in effect");
    assert.equal(configuration.dataVersion.counter, 0);
    assert.deepEqual(seen, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NamesrvConfiguration applies concurrent updates in turn, none lost", async () => {
  const dir = await Deno.makeTempDir({ prefix: "namesrv_config_" });
  try {
    const loaded = loadNamesrvConfig({ configStorePath: `${dir}/namesrv.properties` }, ENV);
    const configuration = configurationOf(loaded);
    // Started together, so both would read the configuration before either is persisted.
    await Promise.all([
      configuration.update({ orderMessageEnable: "true" }),
      configuration.update({ scanNotActiveBrokerInterval: "7777" }),
      configuration.update({ listenPort: "x" }).then(() => assert.fail("refused"), () => {}),
    ]);
    assert.equal(configuration.config.orderMessageEnable, true, "the first update stays");
    assert.equal(configuration.config.scanNotActiveBrokerInterval, 7777);
    assert.equal(configuration.dataVersion.counter, 2);
    const persisted = parseProperties(await Deno.readTextFile(`${dir}/namesrv.properties`));
    assert.equal(persisted.get("orderMessageEnable"), "true");
    assert.equal(persisted.get("scanNotActiveBrokerInterval"), "7777");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

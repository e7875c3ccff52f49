import assert from "node:assert/strict";
import { ConfigError } from "../common/config_loader.ts";
import { parseProperties } from "../common/properties.ts";
import {
  BROKER_CONFIG_OBJECT_KEYS,
  brokerConfigToProperties,
  loadBrokerConfig,
  namesrvAddressList,
} from "./broker_config.ts";
import { BROKER_NO_EFFECT_KEYS } from "./broker_config_schema.ts";
import { MessageStoreConfigSchema } from "../store/message_store_config.ts";
import { messageStoreConfigOf } from "./broker_controller_wiring.ts";

const ENV = { HOME: "/home/mq", NAMESRV_ADDR: "10.0.0.1:9876", hostname: "host-1" };

const load = (
  text: string,
  overrides?: { namesrvAddr?: string },
  env: Parameters<typeof loadBrokerConfig>[0]["env"] = ENV,
) => loadBrokerConfig({ properties: parseProperties(text), env, overrides });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("loadBrokerConfig applies RocketMQ's defaults and the environment", () => {
  const { config, warnings } = load("");
  assert.deepEqual(warnings, []);
  assert.equal(config.brokerName, "host-1");
  assert.equal(config.brokerClusterName, "DefaultCluster");
  assert.equal(config.namesrvAddr, "10.0.0.1:9876");
  assert.equal(config.storePathRootDir, "/home/mq/store");
  assert.equal(config.storePathCommitLog, undefined, "derived from the root by the store");
  assert.equal(config.listenPort, 10911);
  assert.equal(config.haListenPort, 10912);
  assert.equal(config.httpAdminPort, 10880);
  assert.equal(config.brokerPermission, 6);
  assert.equal(config.defaultTopicQueueNums, 8);
  assert.equal(config.autoCreateTopicEnable, true);
  assert.equal(config.flushConsumerOffsetInterval, 5000);
  assert.equal(config.channelExpiredTimeout, 120_000);
  assert.equal(config.mappedFileSizeCommitLog, 1_073_741_824);
  assert.equal(config.mappedFileSizeConsumeQueue, 6_000_000);
  assert.equal(config.maxMessageSize, 4_194_304);
  assert.equal(config.brokerRole, "ASYNC_MASTER");
  assert.equal(config.flushDiskType, "ASYNC_FLUSH");
  assert.equal(config.deleteWhen, "04");
  assert.equal(config.fileReservedTime, 72);
  assert.equal(
    config.messageDelayLevel,
    "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h",
  );
  const unknownHost = loadBrokerConfig({ properties: [], env: { HOME: "/h" } }).config;
  assert.equal(unknownHost.brokerName, "DEFAULT_BROKER");
  assert.equal(unknownHost.namesrvAddr, undefined);
});

Deno.test("loadBrokerConfig reads the shipped broker.conf", () => {
  const { config, warnings } = load(
    "brokerClusterName = DefaultCluster\nbrokerName = broker-a\nbrokerId = 0\ndeleteWhen = 04\n" +
      "fileReservedTime = 48\nbrokerRole = ASYNC_MASTER\nflushDiskType = ASYNC_FLUSH\n",
  );
  assert.deepEqual(warnings, []);
  assert.equal(config.brokerName, "broker-a");
  assert.equal(config.fileReservedTime, 48);
});

Deno.test("loadBrokerConfig hands flushCommitLogTimed to the store", () => {
  assert.equal(messageStoreConfigOf(load("").config).flushCommitLogTimed, true);
  const { config, warnings } = load("flushCommitLogTimed = false\n");
  assert.deepEqual(warnings, []);
  assert.equal(messageStoreConfigOf(config).flushCommitLogTimed, false);
});

Deno.test("loadBrokerConfig lets -n win over the file and the environment", () => {
  const { config } = load("namesrvAddr=10.0.0.5:9876\n", {
    namesrvAddr: "10.0.0.7:9876;10.0.0.8:9876",
  });
  assert.equal(config.namesrvAddr, "10.0.0.7:9876;10.0.0.8:9876");
  assert.deepEqual(namesrvAddressList(config), ["10.0.0.7:9876", "10.0.0.8:9876"]);
});

Deno.test("loadBrokerConfig forces brokerId 0 on masters and rejects a SLAVE without brokerId", () => {
  const master = load("brokerId=3\nbrokerRole=SYNC_MASTER\n");
  assert.equal(master.config.brokerId, 0);
  assert.match(
    master.warnings.join("\n"),
    /brokerId 3 ignored: a SYNC_MASTER always has brokerId 0/,
  );
  assert.match(master.warnings.join("\n"), /SYNC_MASTER: .* answered SLAVE_NOT_AVAILABLE/);
  assert.equal(load("brokerId=1\nbrokerRole=SLAVE\n").config.brokerId, 1);
  const error = configError(() => load("brokerRole=SLAVE\n"));
  assert.deepEqual(error.issues, [{
    key: "brokerId",
    value: "0",
    expected: "an integer > 0 for a SLAVE",
  }]);
});

Deno.test("loadBrokerConfig sets haListenPort to listenPort + 1 unless it is set", () => {
  assert.equal(load("listenPort=20911\n").config.haListenPort, 20912);
  assert.equal(load("listenPort=20911\nhaListenPort=30000\n").config.haListenPort, 30000);
  assert.equal(
    load("listenPort=0\n").config.haListenPort,
    0,
    "an ephemeral main port gets an ephemeral HA port",
  );
  assert.equal(configError(() => load("listenPort=65535\n")).issues[0].key, "listenPort");
  assert.equal(configError(() => load("haListenPort=10911\n")).issues[0].key, "haListenPort");
  assert.equal(configError(() => load("httpAdminPort=10912\n")).issues[0].key, "httpAdminPort");
  const vip = configError(() => load("listenPort=20882\nhttpAdminPort=20880\n"));
  assert.equal(vip.issues[0].key, "httpAdminPort", "the VIP port is listenPort - 2");
  assert.match(vip.issues[0].expected, /the VIP port \(listenPort - 2\)/);
  assert.equal(load("httpAdminPort=0\n").config.httpAdminPort, 0);
});

Deno.test("loadBrokerConfig validates enums and size bounds by key", () => {
  const role = configError(() => load("brokerRole=MASTER\n"));
  assert.deepEqual(role.issues, [{
    key: "brokerRole",
    value: "MASTER",
    expected: "one of ASYNC_MASTER, SYNC_MASTER, SLAVE",
  }]);
  assert.equal(
    configError(() => load("flushDiskType=sync_flush\n")).issues[0].key,
    "flushDiskType",
  );
  const size = configError(() => load(`maxMessageSize=${16 * 1024 * 1024}\n`));
  assert.equal(size.issues[0].key, "maxMessageSize");
  assert.match(size.message, /Invalid value for maxMessageSize: "16777216"/);
  const vsSegment = configError(() =>
    load("mappedFileSizeCommitLog=1048576\nmaxMessageSize=2097152\n")
  );
  assert.match(vsSegment.issues[0].expected, /below mappedFileSizeCommitLog 1048576/);
  // An index file must hold 2 entries and stay within 2 GiB, or no key is ever indexed.
  assert.equal(configError(() => load("maxIndexNum=1\n")).issues[0].key, "maxIndexNum");
  const huge = configError(() => load("maxHashSlotNum=50000000\nmaxIndexNum=100000000\n"));
  assert.equal(huge.issues[0].key, "maxIndexNum");
  assert.match(huge.issues[0].expected, /an index file of at most 2147483647 bytes/);
  assert.equal(
    configError(() => load("listenPort=10911 \n")).issues[0].key,
    "listenPort",
    "numbers are not trimmed",
  );
  assert.equal(configError(() => load("deleteWhen=4am\n")).issues[0].key, "deleteWhen");
  const hour = configError(() => load("deleteWhen=04;25\n"));
  assert.equal(hour.issues[0].key, "deleteWhen", "checked before any port is bound");
  assert.match(hour.message, /"25" is not an hour 0-23/);
  // Java's split(";") drops trailing empty items: RocketMQ reads "04;05;" as hours 4 and 5.
  assert.equal(load("deleteWhen=04;05;\n").config.deleteWhen, "04;05;");
  assert.equal(configError(() => load("deleteWhen=;04\n")).issues[0].key, "deleteWhen");
  assert.equal(
    configError(() => load("messageDelayLevel=1s 5x\n")).issues[0].key,
    "messageDelayLevel",
  );
  const tooLong = configError(() => load("messageDelayLevel=1s 100000d\n"));
  assert.equal(tooLong.issues[0].key, "messageDelayLevel", "what the scheduler refuses");
  assert.match(tooLong.message, /level 2 "100000d": .* exceeds delayLevelMsMax/);
  assert.equal(
    configError(() => load("enableDLegerCommitLog=true\n")).issues[0].key,
    "enableDLegerCommitLog",
  );
  assert.equal(configError(() => load("namesrvAddr=localhost\n")).issues[0].key, "namesrvAddr");
  assert.equal(load("registerBrokerTimeoutMills=24000\n").config.registerBrokerTimeoutMills, 24000);
  assert.equal(
    configError(() => load("registerBrokerTimeoutMills=60001\n")).issues[0].key,
    "registerBrokerTimeoutMills",
    "past REGISTER_BROKER_TIMEOUT_MS_MAX",
  );
});

Deno.test("loadBrokerConfig warns about unknown, renamed and no-effect keys", () => {
  const { config, warnings, unknown } = load(
    "mapedFileSizeCommitLog=8388608\nserverSelectorThreads=6\nbrokerNAME=x\nmadeUpKey=1\n",
  );
  assert.equal(config.mappedFileSizeCommitLog, 8388608);
  assert.deepEqual(warnings, [
    "Config key mapedFileSizeCommitLog is the old spelling of mappedFileSizeCommitLog; applied as mappedFileSizeCommitLog",
    "Config key serverSelectorThreads is accepted but has no effect on this runtime",
    "Unknown config key brokerNAME ignored (did you mean brokerName?)",
    "Unknown config key madeUpKey ignored",
  ]);
  assert.deepEqual([...unknown.keys()], ["brokerNAME", "madeUpKey"]);
  // Keys the store honours are never reported as having no effect; ignored ones are.
  const store = load("warmMapedFileEnable=true\nflushLeastPagesWhenWarmMapedFile=16\n");
  assert.deepEqual(store.warnings, []);
  assert.equal(store.config.warmMapedFileEnable, true);
  assert.deepEqual(load("compressedRegister=true\nforceRegister=false\n").warnings, [
    "Config key forceRegister is accepted but has no effect on this runtime",
  ]);
  assert.deepEqual(load("aclEnable=true\n").warnings, [
    "Config key aclEnable is accepted but has no effect on this runtime",
  ]);
  const storeKeys = new Set(Object.keys(MessageStoreConfigSchema.shape));
  for (const key of BROKER_NO_EFFECT_KEYS) assert.ok(!storeKeys.has(key), `the store reads ${key}`);
});

Deno.test("loadBrokerConfig warns about disk levels the store keeps in RocketMQ's ranges", () => {
  assert.deepEqual(
    load("diskSpaceWarningLevelRatio=95\ndiskSpaceCleanForciblyRatio=10\n").warnings,
    [
      "Config key diskSpaceWarningLevelRatio 95 is used as 90 (RocketMQ keeps it in 35..90)",
      "Config key diskSpaceCleanForciblyRatio 10 is used as 30 (RocketMQ keeps it in 30..85)",
    ],
  );
  assert.deepEqual(
    load("diskSpaceWarningLevelRatio=90\ndiskSpaceCleanForciblyRatio=30\n").warnings,
    [],
  );
});

Deno.test("loadBrokerConfig rounds mappedFileSizeConsumeQueue up to whole units", () => {
  const { config, warnings } = load("mappedFileSizeConsumeQueue=1000001\n");
  assert.equal(config.mappedFileSizeConsumeQueue, 1000020);
  assert.match(warnings[0], /rounded up to 1000020/);
});

Deno.test("broker config key lists cover every schema key once, no-effect keys included", () => {
  const all = Object.values(BROKER_CONFIG_OBJECT_KEYS).flat();
  const { config } = load("");
  assert.equal(new Set(all).size, all.length, "no key in two objects");
  for (const key of BROKER_NO_EFFECT_KEYS) assert.ok(all.includes(key), `${key} is a schema key`);
  for (const key of Object.keys(config)) {
    assert.ok(all.includes(key), `${key} belongs to an object`);
  }
});

Deno.test("brokerConfigToProperties prints sorted key=value lines, all or important only", () => {
  const { config } = load("brokerName=broker-a\n");
  const all = brokerConfigToProperties(config).trimEnd().split("\n");
  assert.deepEqual(all, [...all].sort());
  assert.ok(all.includes("brokerName=broker-a"));
  assert.ok(all.includes("serverSelectorThreads=3"));
  assert.ok(!all.some((line) => line.startsWith("storePathCommitLog=")), "unset keys are skipped");
  const important = brokerConfigToProperties(config, { importantOnly: true }).trimEnd().split("\n");
  assert.ok(important.includes("brokerName=broker-a"));
  assert.ok(important.includes("brokerRole=ASYNC_MASTER"));
  assert.ok(!important.some((line) => line.startsWith("serverSelectorThreads=")));
});

Deno.test("every broker config key is read by the runtime or reported as having no effect", async () => {
  const sources: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory && entry.name !== "node_modules" && entry.name !== "testdata") {
        await walk(path);
      } else if (
        entry.isFile && path.endsWith(".ts") && !path.endsWith("_test.ts") &&
        !path.endsWith("/broker_config_schema.ts")
      ) {
        sources.push(await Deno.readTextFile(path));
      }
    }
  };
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  for (const dir of ["broker", "store", "namesrv", "common", "protocol"]) {
    await walk(`${root}/${dir}`);
  }
  const text = sources.join("\n");
  const unread = Object.values(BROKER_CONFIG_OBJECT_KEYS).flat().filter((key) =>
    !BROKER_NO_EFFECT_KEYS.has(key) && !new RegExp(`\\b${key}\\b`).test(text)
  );
  assert.deepEqual(unread, [], "keys neither read nor in BROKER_NO_EFFECT_KEYS");
});

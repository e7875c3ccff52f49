import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import { createAdminApp } from "./admin_app.ts";
import { HTTP_BODY_BYTES_MAX } from "./limits.ts";
import { loadNamesrvConfig } from "./namesrv_config.ts";
import { NamesrvController } from "./namesrv_controller.ts";
import type { TopicConfig } from "./route_types.ts";

const ENV = { home: "/home/mq" };

async function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const { config } = loadNamesrvConfig({}, ENV);
  const controller = new NamesrvController({
    config,
    env: ENV,
    fs: new MemoryFileSystem(),
    transport: new DenoTcpTransport(),
    clock,
    logger: silentRemotingLogger,
  });
  await controller.kvConfigManager.load();
  const app = createAdminApp(controller.context);
  const call = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await app.request(path, init);
    assert.match(
      res.headers.get("content-type") ?? "",
      /^application\/json/,
      `${method} ${path} answers JSON`,
    );
    return { status: res.status, json: await res.json() };
  };
  return { clock, controller, call };
}

function topics(...names: string[]): Map<string, TopicConfig> {
  return new Map(names.map((n) => [n, {
    topicName: n,
    readQueueNums: 4,
    writeQueueNums: 4,
    perm: 6,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: 0,
    order: false,
  }]));
}

function register(
  controller: NamesrvController,
  cluster: string,
  name: string,
  addr: string,
  id = 0,
) {
  controller.routeInfoManager.registerBroker({
    clusterName: cluster,
    brokerName: name,
    brokerAddr: addr,
    brokerId: id,
    haServerAddr: addr.replace(":10911", ":10912"),
    topicConfigWrapper: {
      topicConfigTable: topics("T1", "TBW102"),
      dataVersion: { counter: 1, timestamp: 1 },
    },
  });
}

Deno.test("admin GET /health reports status and counts", async () => {
  const { controller, call } = await setup();
  register(controller, "c1", "broker-a", "10.0.0.1:10911");
  const { status, json } = await call("GET", "/health");
  assert.equal(status, 200);
  assert.deepEqual(json, { status: "UP", uptimeMs: 0, brokers: 1, topics: 2 });
});

Deno.test("admin GET /config shows the effective configuration", async () => {
  const { call } = await setup();
  const { status, json } = await call("GET", "/config");
  assert.equal(status, 200);
  assert.equal(json.listenPort, 9876);
  assert.equal(json.kvConfigPath, "/home/mq/namesrv/kvConfig.json");
  assert.equal("rocketmqHome" in json, false, "null values are omitted");
});

Deno.test("admin PATCH /config updates the state the wire commands read", async () => {
  const { controller, call } = await setup();
  const { status, json } = await call("PATCH", "/config", {
    orderMessageEnable: true,
    waitSecondsForService: 3,
  });
  assert.equal(status, 200);
  assert.deepEqual(json.applied, ["orderMessageEnable", "waitSecondsForService"]);
  assert.equal(json.config.orderMessageEnable, true);
  assert.equal(controller.configuration.config.orderMessageEnable, true);
  assert.match(controller.configuration.toProperties(), /\norderMessageEnable=true\n/);
});

Deno.test("admin PATCH /config rejects bad input with 400 naming the field", async () => {
  const { controller, call } = await setup();
  const cases: [unknown, RegExp][] = [
    ["{not json", /^Request body is not valid JSON/],
    [[1, 2], /^Invalid request body: body: /],
    [{}, /at least one key is required/],
    [{ listenPort: { nested: 1 } }, /^Invalid request body: field listenPort: /],
    [
      { listenPort: "abc" },
      /^Invalid value for listenPort: "abc" \(expected an integer between 0 and 65535\)$/,
    ],
    [{ nope: 1 }, /^Unknown config key nope$/],
  ];
  for (const [body, pattern] of cases) {
    const { status, json } = await call("PATCH", "/config", body);
    assert.equal(status, 400, JSON.stringify(body));
    assert.match(json.error, pattern);
  }
  assert.equal(controller.configuration.dataVersion.counter, 0, "nothing was applied");
});

Deno.test("admin PATCH /config refuses blacklisted keys with 403", async () => {
  const { call } = await setup();
  const { status, json } = await call("PATCH", "/config", { kvConfigPath: "/tmp/x" });
  assert.equal(status, 403);
  assert.deepEqual(json.keys, ["kvConfigPath"]);
});

Deno.test("admin GET /cluster shows clusters, groups and live brokers", async () => {
  const { controller, call } = await setup();
  register(controller, "c1", "broker-a", "10.0.0.1:10911");
  register(controller, "c1", "broker-a", "10.0.0.2:10911", 1);
  register(controller, "c2", "broker-b", "10.0.0.3:10911");
  const { status, json } = await call("GET", "/cluster");
  assert.equal(status, 200);
  assert.deepEqual(json.clusterAddrTable, { c1: ["broker-a"], c2: ["broker-b"] });
  assert.deepEqual(json.brokerAddrTable["broker-a"].brokerAddrs, {
    0: "10.0.0.1:10911",
    1: "10.0.0.2:10911",
  });
  assert.deepEqual(json.brokerLiveTable.map((l: { brokerAddr: string }) => l.brokerAddr), [
    "10.0.0.1:10911",
    "10.0.0.2:10911",
    "10.0.0.3:10911",
  ]);
  assert.equal(json.brokerLiveTable[0].haServerAddr, "10.0.0.1:10912");
});

Deno.test("admin GET /topics lists all topics or one cluster's", async () => {
  const { controller, call } = await setup();
  register(controller, "c1", "broker-a", "10.0.0.1:10911");
  assert.deepEqual((await call("GET", "/topics")).json, { topicList: ["T1", "TBW102"] });
  assert.deepEqual((await call("GET", "/topics?cluster=c1")).json, { topicList: ["T1", "TBW102"] });
  assert.deepEqual((await call("GET", "/topics?cluster=zz")).json, { topicList: [] });
});

Deno.test("admin GET /topics/:topic/route returns the wire route or 404/400", async () => {
  const { controller, call } = await setup();
  register(controller, "c1", "broker-a", "10.0.0.1:10911");
  const ok = await call("GET", "/topics/T1/route");
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.brokerDatas[0].brokerAddrs, { 0: "10.0.0.1:10911" });
  assert.equal(ok.json.queueDatas[0].writeQueueNums, 4);
  const missing = await call("GET", "/topics/NOPE/route");
  assert.equal(missing.status, 404);
  assert.match(missing.json.error, /^No topic route info in name server for the topic: NOPE/);
  const bad = await call("GET", "/topics/bad%20name/route");
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /^Invalid topic "bad name"/);
});

Deno.test("admin KV endpoints put, get, list and delete the wire's KV store", async () => {
  const { controller, call } = await setup();
  assert.deepEqual((await call("PUT", "/kv/ORDER_TOPIC_CONFIG/T1", { value: "broker-a:4" })).json, {
    namespace: "ORDER_TOPIC_CONFIG",
    key: "T1",
    value: "broker-a:4",
  });
  assert.equal(controller.kvConfigManager.getKVConfig("ORDER_TOPIC_CONFIG", "T1"), "broker-a:4");
  assert.equal((await call("GET", "/kv/ORDER_TOPIC_CONFIG/T1")).json.value, "broker-a:4");
  assert.deepEqual((await call("GET", "/kv/ORDER_TOPIC_CONFIG")).json.table, { T1: "broker-a:4" });
  const deleted = await call("DELETE", "/kv/ORDER_TOPIC_CONFIG/T1");
  assert.equal(deleted.status, 200);
  const gone = await call("GET", "/kv/ORDER_TOPIC_CONFIG/T1");
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error, "No config item, Namespace: ORDER_TOPIC_CONFIG Key: T1");
  assert.equal((await call("DELETE", "/kv/ORDER_TOPIC_CONFIG/T1")).status, 404);
  // The emptied ORDER_TOPIC_CONFIG stays, as RocketMQ keeps its namespaces: an empty table.
  assert.deepEqual((await call("GET", "/kv/ORDER_TOPIC_CONFIG")).json.table, {});
  assert.equal((await call("GET", "/kv/other")).status, 404);
});

Deno.test("admin PUT /kv rejects bad bodies with 400 naming the field", async () => {
  const { call } = await setup();
  const wrongType = await call("PUT", "/kv/ns/k", { value: 1 });
  assert.equal(wrongType.status, 400);
  assert.match(wrongType.json.error, /^Invalid request body: field value: /);
  const extra = await call("PUT", "/kv/ns/k", { value: "v", other: 1 });
  assert.equal(extra.status, 400);
  assert.match(extra.json.error, /other/);
  const missing = await call("PUT", "/kv/ns/k", {});
  assert.equal(missing.status, 400);
  assert.match(missing.json.error, /field value/);
});

Deno.test("admin refuses bodies over the limit with 413 and unknown routes with 404", async () => {
  const { call } = await setup();
  const big = await call(
    "PUT",
    "/kv/ns/k",
    JSON.stringify({ value: "x".repeat(HTTP_BODY_BYTES_MAX) }),
  );
  assert.equal(big.status, 413);
  const unknown = await call("GET", "/nothing");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error, "No route GET /nothing");
  assert.equal((await call("POST", "/health")).status, 404);
});

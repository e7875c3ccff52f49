import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import type { RemotingChannel } from "../protocol/remoting_channel.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { parseFastjson } from "../store/fastjson.ts";
import {
  bodyText,
  startTestNamesrv,
  systemTopics,
  testClient,
  type TestNamesrv,
  topicConfig,
  waitFor,
} from "./_namesrv_testing.ts";
import {
  createRegisterBrokerRequest,
  type RegisterBrokerRequestOptions,
} from "./register_broker_request.ts";
import { REGISTERED_TOPIC_NAME_CHARS_MAX, TOPICS_PER_REGISTRATION_MAX } from "./limits.ts";
import { loadNamesrvConfig } from "./namesrv_config.ts";
import { bodyCrc32 } from "./register_broker_body.ts";
import { NamesrvController } from "./namesrv_controller.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";

function brokerRequest(over: Partial<RegisterBrokerRequestOptions> = {}) {
  const clusterName = over.clusterName ?? "DefaultCluster";
  const brokerName = over.brokerName ?? "broker-a";
  return createRegisterBrokerRequest({
    clusterName,
    brokerName,
    brokerAddr: "192.168.1.10:10911",
    brokerId: 0,
    haServerAddr: "192.168.1.10:10912",
    topics: [topicConfig("TopicTest"), ...systemTopics(clusterName, brokerName)],
    dataVersion: { counter: 3, timestamp: 1732436400000 },
    ...over,
  });
}

async function withNamesrv(
  fn: (ns: TestNamesrv) => Promise<void>,
  clock?: ManualClock,
): Promise<void> {
  const ns = await startTestNamesrv({
    clock,
    properties: { serverChannelMaxIdleTimeSeconds: "0" },
  });
  try {
    await fn(ns);
  } finally {
    await ns.close();
  }
}

Deno.test("NamesrvController accepts a RocketMQ broker's REGISTER_BROKER and serves a route clients parse", async () => {
  await withNamesrv(async (ns) => {
    const registered = await ns.client.invoke(ns.addr, brokerRequest(), 5000);
    assert.equal(registered.code, ResponseCode.SUCCESS, registered.remark);
    const response = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
      version: 409,
    });
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.opaque >= 0, true);
    const route = JSON.parse(bodyText(response));
    assert.deepEqual(route, {
      brokerDatas: [{
        brokerAddrs: { "0": "192.168.1.10:10911" },
        brokerName: "broker-a",
        cluster: "DefaultCluster",
        enableActingMaster: false,
      }],
      filterServerTable: {},
      queueDatas: [{
        brokerName: "broker-a",
        perm: 6,
        readQueueNums: 4,
        topicSysFlag: 0,
        writeQueueNums: 4,
      }],
    });
  });
});

Deno.test("NamesrvController answers old clients with fastjson's unquoted broker ids", async () => {
  await withNamesrv(async (ns) => {
    await ns.client.invoke(ns.addr, brokerRequest(), 5000);
    const legacy = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
      version: 317,
    });
    assert.match(bodyText(legacy), /"brokerAddrs":\{0:"192\.168\.1\.10:10911"\}/);
    const route = parseFastjson(bodyText(legacy)) as {
      brokerDatas: { brokerAddrs: Record<string, string> }[];
    };
    assert.equal(route.brokerDatas[0].brokerAddrs["0"], "192.168.1.10:10911");
    const asked = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest", acceptStandardJsonOnly: "true" },
      version: 317,
    });
    assert.match(bodyText(asked), /"brokerAddrs":\{"0":/);
  });
});

Deno.test("NamesrvController answers in the ROCKETMQ serialization it was asked in", async () => {
  await withNamesrv(async (ns) => {
    const client = testClient("ROCKETMQ");
    try {
      const registered = await client.invoke(
        ns.addr,
        brokerRequest({ serializeType: "ROCKETMQ", compressed: true }),
        5000,
      );
      assert.equal(registered.code, ResponseCode.SUCCESS, registered.remark);
      assert.equal(registered.serializeType, "ROCKETMQ");
      const response = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        extFields: { topic: "TopicTest" },
        serializeType: "ROCKETMQ",
        client,
      });
      assert.equal(response.serializeType, "ROCKETMQ");
      assert.equal(JSON.parse(bodyText(response)).queueDatas[0].writeQueueNums, 4);
    } finally {
      await client.shutdown();
    }
  });
});

Deno.test("NamesrvController answers an unknown topic with TOPIC_NOT_EXIST and RocketMQ's remark", async () => {
  await withNamesrv(async (ns) => {
    const response = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "Nope" },
    });
    assert.equal(response.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(
      response.remark,
      "No topic route info in name server for the topic: Nope\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.",
    );
  });
});

Deno.test("NamesrvController answers bad requests with an error response and keeps serving", async () => {
  await withNamesrv(async (ns) => {
    const noHeader = await ns.call(RequestCode.REGISTER_BROKER, {
      extFields: { brokerAddr: "1.1.1.1:1" },
    });
    assert.equal(noHeader.code, ResponseCode.SYSTEM_ERROR);
    assert.match(noHeader.remark!, /REGISTER_BROKER header: brokerName is missing/);
    const request = brokerRequest();
    request.extFields!.bodyCrc32 = "12345";
    const badCrc = await ns.client.invoke(ns.addr, request, 5000);
    assert.equal(badCrc.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(badCrc.remark, "crc32 not match");
    const badBody = brokerRequest();
    badBody.body = new TextEncoder().encode("{oops");
    delete badBody.extFields!.bodyCrc32;
    const decoded = await ns.client.invoke(ns.addr, badBody, 5000);
    assert.equal(decoded.code, ResponseCode.SYSTEM_ERROR);
    assert.match(
      decoded.remark!,
      /Cannot decode RegisterBrokerBody: RegisterBrokerBody is not valid JSON/,
    );
    const noTopic = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC);
    assert.equal(noTopic.code, ResponseCode.SYSTEM_ERROR);
    assert.match(noTopic.remark!, /topic is missing/);
    const unknown = await ns.call(9999);
    assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    const ok = await ns.call(RequestCode.GET_BROKER_CLUSTER_INFO);
    assert.equal(ok.code, ResponseCode.SUCCESS);
  });
});

Deno.test("NamesrvController expires a silent broker on the scan, with an injected clock", async () => {
  const clock = new ManualClock(1_700_000_000_000);
  await withNamesrv(async (ns) => {
    const broker = testClient();
    try {
      const registered = await broker.invoke(ns.addr, brokerRequest(), 5000);
      assert.equal(registered.code, ResponseCode.SUCCESS);
      clock.advance(60_000);
      assert.deepEqual(ns.controller.scanNotActiveBroker(), []);
      clock.advance(60_001);
      const closed = waitFor<RemotingChannel>(
        (done) => broker.on("close", done),
        5000,
        "broker channel close",
      );
      const expired = ns.controller.scanNotActiveBroker();
      assert.deepEqual(expired.map((l) => l.brokerAddr), ["192.168.1.10:10911"]);
      await closed;
      const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        extFields: { topic: "TopicTest" },
      });
      assert.equal(route.code, ResponseCode.TOPIC_NOT_EXIST);
    } finally {
      await broker.shutdown();
    }
  }, clock);
});

Deno.test("NamesrvController expires brokers after a brokerChannelExpiredTime changed at runtime", async () => {
  const clock = new ManualClock(1_700_000_000_000);
  await withNamesrv(async (ns) => {
    const broker = testClient();
    try {
      const registered = await broker.invoke(ns.addr, brokerRequest(), 5000);
      assert.equal(registered.code, ResponseCode.SUCCESS);
      const updated = await ns.call(RequestCode.UPDATE_NAMESRV_CONFIG, {
        body: new TextEncoder().encode("brokerChannelExpiredTime=30000\n"),
      });
      assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
      clock.advance(30_001); // registered under 120 s: the new value applies at once
      const expired = ns.controller.scanNotActiveBroker();
      assert.deepEqual(expired.map((l) => l.brokerAddr), ["192.168.1.10:10911"]);
    } finally {
      await broker.shutdown();
    }
  }, clock);
});

Deno.test("NamesrvController scans for silent brokers every scanNotActiveBrokerInterval", async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const ns = await startTestNamesrv({
    clock,
    periodicScan: true,
    properties: { scanNotActiveBrokerInterval: "5", serverChannelMaxIdleTimeSeconds: "0" },
  });
  const broker = testClient();
  try {
    await broker.invoke(ns.addr, brokerRequest(), 5000);
    const closed = waitFor<RemotingChannel>(
      (done) => broker.on("close", done),
      5000,
      "expiry by the timer",
    );
    clock.advance(120_001);
    await closed;
    const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
    });
    assert.equal(route.code, ResponseCode.TOPIC_NOT_EXIST);
  } finally {
    await broker.shutdown();
    await ns.close();
  }
});

Deno.test("NamesrvController turns the HTTP admin off with httpAdminPort=0", async () => {
  const ns = await startTestNamesrv({ properties: { httpAdminPort: "0" } });
  try {
    assert.equal(ns.controller.httpPort, undefined);
    assert.ok(ns.controller.port > 0);
  } finally {
    await ns.close();
  }
});

Deno.test("NamesrvController refuses a start after its shutdown, and stops a start it interrupted", async () => {
  const ns = await startTestNamesrv();
  await ns.close();
  await assert.rejects(ns.controller.start(), /already started/);
  const { config } = loadNamesrvConfig({ listenPort: "0", bindAddress: "127.0.0.1" }, {
    home: "/home/mq",
  });
  const create = () =>
    new NamesrvController({
      config,
      env: { home: "/home/mq" },
      fs: new MemoryFileSystem(),
      transport: new DenoTcpTransport(),
      logger: silentRemotingLogger,
      periodicScan: false,
    });
  const never = create();
  await never.shutdown();
  await assert.rejects(never.start(), /Cannot start NamesrvController: it was shut down/);
  const interrupted = create();
  const starting = interrupted.start();
  await interrupted.shutdown();
  await starting;
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: interrupted.port }).then((c) => c.close()),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("NamesrvController removes a broker at once when its connection closes", async () => {
  await withNamesrv(async (ns) => {
    const broker = testClient();
    await broker.invoke(ns.addr, brokerRequest(), 5000);
    const before = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
    });
    assert.equal(before.code, ResponseCode.SUCCESS);
    const serverSawClose = waitFor<RemotingChannel>(
      (done) => ns.controller.remotingServer.on("close", done),
      5000,
      "server-side close",
    );
    await broker.shutdown();
    await serverSawClose;
    const after = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
    });
    assert.equal(after.code, ResponseCode.TOPIC_NOT_EXIST);
  });
});

Deno.test("NamesrvController routes master and slave groups across two clusters", async () => {
  await withNamesrv(async (ns) => {
    const clients = [];
    try {
      for (
        const [cluster, name, net] of [["c1", "broker-a", "10.1.1"], ["c2", "broker-b", "10.2.2"]]
      ) {
        for (const id of [0, 1]) {
          const client = testClient();
          clients.push(client);
          const response = await client.invoke(
            ns.addr,
            brokerRequest({
              clusterName: cluster,
              brokerName: name,
              brokerAddr: `${net}.${id + 1}:10911`,
              haServerAddr: `${net}.${id + 1}:10912`,
              brokerId: id,
              topics: [
                topicConfig("Shared"),
                topicConfig(`Only-${cluster}`),
                ...systemTopics(cluster, name),
              ],
            }),
            5000,
          );
          assert.equal(response.code, ResponseCode.SUCCESS);
          if (id === 1) {
            assert.deepEqual(response.extFields, {
              haServerAddr: `${net}.1:10912`,
              masterAddr: `${net}.1:10911`,
            });
          }
        }
      }
      const route = JSON.parse(
        bodyText(
          await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: "Shared" } }),
        ),
      );
      const groups = route.brokerDatas.map((
        b: { cluster: string; brokerName: string; brokerAddrs: unknown },
      ) => [b.cluster, b.brokerName, b.brokerAddrs]).sort();
      assert.deepEqual(groups, [
        ["c1", "broker-a", { "0": "10.1.1.1:10911", "1": "10.1.1.2:10911" }],
        ["c2", "broker-b", { "0": "10.2.2.1:10911", "1": "10.2.2.2:10911" }],
      ]);
      assert.equal(route.queueDatas.length, 2);
      const cluster = parseFastjson(
        bodyText(await ns.call(RequestCode.GET_BROKER_CLUSTER_INFO)),
      ) as {
        clusterAddrTable: Record<string, string[]>;
        brokerAddrTable: Record<string, { brokerAddrs: Record<string, string> }>;
      };
      assert.deepEqual(cluster.clusterAddrTable, { c1: ["broker-a"], c2: ["broker-b"] });
      assert.equal(cluster.brokerAddrTable["broker-b"].brokerAddrs["1"], "10.2.2.2:10911");
      const byCluster = JSON.parse(
        bodyText(
          await ns.call(RequestCode.GET_TOPICS_BY_CLUSTER, { extFields: { cluster: "c2" } }),
        ),
      );
      assert.deepEqual(
        byCluster.topicList.filter((t: string) =>
          !/^[A-Z_0-9]+$/.test(t) && t !== "c2" && t !== "broker-b"
        ),
        [
          "Only-c2",
          "Shared",
        ],
      );
      const system = JSON.parse(bodyText(await ns.call(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS)));
      assert.deepEqual(system.topicList, ["broker-a", "broker-b", "c1", "c2"]);
      const all = JSON.parse(
        bodyText(await ns.call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)),
      );
      assert.ok(all.topicList.includes("Only-c1") && all.topicList.includes("Only-c2"));
    } finally {
      for (const client of clients) await client.shutdown();
    }
  });
});

Deno.test("NamesrvController answers QUERY_DATA_VERSION and UNREGISTER_BROKER", async () => {
  await withNamesrv(async (ns) => {
    await ns.client.invoke(ns.addr, brokerRequest(), 5000);
    const ids = {
      clusterName: "DefaultCluster",
      brokerAddr: "192.168.1.10:10911",
      brokerName: "broker-a",
      brokerId: "0",
    };
    const same = await ns.call(RequestCode.QUERY_DATA_VERSION, {
      extFields: ids,
      body: new TextEncoder().encode('{"counter":3,"timestamp":1732436400000}'),
    });
    assert.equal(same.extFields?.changed, "false");
    assert.deepEqual(JSON.parse(bodyText(same)), { counter: 3, timestamp: 1732436400000 });
    const newer = await ns.call(RequestCode.QUERY_DATA_VERSION, {
      extFields: ids,
      body: new TextEncoder().encode('{"counter":4,"timestamp":1732436400000}'),
    });
    assert.equal(newer.extFields?.changed, "true");
    assert.equal(
      (await ns.call(RequestCode.UNREGISTER_BROKER, { extFields: ids })).code,
      ResponseCode.SUCCESS,
    );
    const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
    });
    assert.equal(route.code, ResponseCode.TOPIC_NOT_EXIST);
  });
});

Deno.test("NamesrvController wipes write permission and deletes topics over the wire", async () => {
  await withNamesrv(async (ns) => {
    await ns.client.invoke(ns.addr, brokerRequest(), 5000);
    const wiped = await ns.call(RequestCode.WIPE_WRITE_PERM_OF_BROKER, {
      extFields: { brokerName: "broker-a" },
    });
    assert.equal(wiped.extFields?.wipeTopicCount, "6");
    const route = JSON.parse(
      bodyText(
        await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: "TopicTest" } }),
      ),
    );
    assert.equal(route.queueDatas[0].perm, 4);
    const added = await ns.call(RequestCode.ADD_WRITE_PERM_OF_BROKER, {
      extFields: { brokerName: "broker-a" },
    });
    assert.equal(added.extFields?.addTopicCount, "6");
    await ns.call(RequestCode.DELETE_TOPIC_IN_NAMESRV, { extFields: { topic: "TopicTest" } });
    const gone = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
    });
    assert.equal(gone.code, ResponseCode.TOPIC_NOT_EXIST);
  });
});

Deno.test("NamesrvController refuses a REGISTER_BROKER over TOPICS_PER_REGISTRATION_MAX and keeps serving", async () => {
  await withNamesrv(async (ns) => {
    assert.equal(
      (await ns.client.invoke(ns.addr, brokerRequest(), 5000)).code,
      ResponseCode.SUCCESS,
    );
    const topics = Array.from(
      { length: TOPICS_PER_REGISTRATION_MAX + 1 },
      (_, i) => topicConfig(`T${i}`),
    );
    const forged = brokerRequest({ brokerName: "broker-x", topics, compressed: true });
    const refused = await ns.client.invoke(ns.addr, forged, 30_000);
    assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
    assert.match(refused.remark ?? "", /100001 topics, expected 0\.\.100000/);
    const list = await ns.call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    assert.equal(list.code, ResponseCode.SUCCESS);
    assert.equal(bodyText(list).includes('"T1"'), false, "none of its topics were taken");
    const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicTest" },
    });
    assert.equal(route.code, ResponseCode.SUCCESS, "the registered broker is still served");
  });
});

Deno.test("NamesrvController refuses a REGISTER_TOPIC_IN_NAMESRV topic name longer than a broker may register", async () => {
  await withNamesrv(async (ns) => {
    await ns.client.invoke(ns.addr, brokerRequest(), 5000);
    const body = new TextEncoder().encode(JSON.stringify({
      queueDatas: [{ brokerName: "broker-a", perm: 6, readQueueNums: 4, writeQueueNums: 4 }],
    }));
    const longName = "T".repeat(REGISTERED_TOPIC_NAME_CHARS_MAX + 1);
    for (const topic of [longName, ""]) {
      const refused = await ns.call(RequestCode.REGISTER_TOPIC_IN_NAMESRV, {
        extFields: { topic },
        body,
      });
      assert.equal(refused.code, ResponseCode.SYSTEM_ERROR, `topic of ${topic.length} chars`);
      assert.match(refused.remark ?? "", /expected 1\.\.262/);
    }
    const list = await ns.call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    const topics: string[] = JSON.parse(bodyText(list)).topicList;
    assert.equal(topics.some((t) => t === "" || t === longName), false, "neither was taken");
    const ok = await ns.call(RequestCode.REGISTER_TOPIC_IN_NAMESRV, {
      extFields: { topic: "StaticTopic" },
      body,
    });
    assert.equal(ok.code, ResponseCode.SUCCESS);
    const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "StaticTopic" },
    });
    assert.equal(route.code, ResponseCode.SUCCESS);
  });
});

Deno.test("NamesrvController routes topics named like Object.prototype members (__proto__, constructor)", async () => {
  await withNamesrv(async (ns) => {
    // Valid RocketMQ topic names ([%|a-zA-Z0-9_-]+), registered by a broker in JSON or compressed.
    const names = ["__proto__", "constructor", "toString"];
    const topics = [...names.map((n) => topicConfig(n)), ...systemTopics("DefaultCluster", "b")];
    for (const compressed of [false, true]) {
      const brokerName = compressed ? "broker-z" : "broker-j";
      const registered = await ns.client.invoke(
        ns.addr,
        brokerRequest({ brokerName, topics, compressed }),
        5000,
      );
      assert.equal(registered.code, ResponseCode.SUCCESS);
    }
    for (const topic of names) {
      const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic } });
      assert.equal(route.code, ResponseCode.SUCCESS, `route of ${topic}`);
      const brokers = JSON.parse(bodyText(route)).queueDatas.map((q: { brokerName: string }) =>
        q.brokerName
      );
      assert.deepEqual(brokers.sort(), ["broker-j", "broker-z"], `queue data of ${topic}`);
    }
  });
});

Deno.test("NamesrvController refuses a REGISTER_BROKER body nested deeper than JSON_BODY_DEPTH_MAX before parsing it", async () => {
  await withNamesrv(async (ns) => {
    // `[[[…]]]` two million deep (4 MiB): JSON.parse of such nesting holds the one event loop about
    // 14 times longer than flat text of the same size (~1.3 s per 16 MiB frame).
    const depth = 2 * 1024 * 1024;
    const request = brokerRequest();
    const body = new TextEncoder().encode(
      `{"topicConfigSerializeWrapper":${"[".repeat(depth)}${"]".repeat(depth)}}`,
    );
    const deep = {
      ...request,
      extFields: { ...request.extFields, bodyCrc32: String(bodyCrc32(body)) },
      body,
    };
    const answer = await ns.client.invoke(ns.addr, deep, 10_000);
    assert.equal(answer.code, ResponseCode.SYSTEM_ERROR);
    assert.match(answer.remark ?? "", /nests deeper than JSON_BODY_DEPTH_MAX 64 at character 94\b/);
    // A real RocketMQ body nests a few levels and is still registered.
    const registered = await ns.client.invoke(ns.addr, brokerRequest(), 5000);
    assert.equal(registered.code, ResponseCode.SUCCESS, registered.remark);
  });
});

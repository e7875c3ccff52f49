import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import {
  type BrokerRegistration,
  RouteInfoManager,
  RouteRegistryFullError,
} from "./route_info_manager.ts";
import {
  getAllTopicList,
  getHasUnitSubTopicList,
  getHasUnitSubUnUnitTopicList,
  getSystemTopicList,
  getTopicsByCluster,
  getUnitTopics,
} from "./route_queries.ts";
import type { DataVersion, TopicConfig } from "./route_types.ts";

const EXPIRY_MS = 120_000;

function topic(name: string, queues = 4, perm = 6, topicSysFlag = 0): TopicConfig {
  return {
    topicName: name,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag,
    order: false,
  };
}

function registration(
  over: Partial<BrokerRegistration> & { topics?: TopicConfig[]; dataVersion?: DataVersion },
): BrokerRegistration {
  const { topics: given = [], dataVersion = { counter: 1, timestamp: 1000 }, ...rest } = over;
  // real brokers always register their system topics too; TBW102 stands for them
  const topics = given.length === 0 ? [] : [...given, topic("TBW102", 8, 7)];
  return {
    clusterName: "DefaultCluster",
    brokerAddr: "10.0.0.1:10911",
    brokerName: "broker-a",
    brokerId: 0,
    haServerAddr: "10.0.0.1:10912",
    topicConfigWrapper: {
      topicConfigTable: new Map(topics.map((t) => [t.topicName, t])),
      dataVersion,
    },
    filterServerList: [],
    ...rest,
  };
}

function setup() {
  const clock = new ManualClock(1_000_000);
  const manager = new RouteInfoManager({ clock, brokerChannelExpiredTimeMs: () => EXPIRY_MS });
  return { clock, manager };
}

Deno.test("RouteInfoManager routes a master's topics with brokerAddrs keyed by broker id", () => {
  const { manager } = setup();
  const result = manager.registerBroker(registration({ topics: [topic("T1"), topic("T2", 8)] }));
  assert.deepEqual(result, {});
  const route = manager.pickupTopicRouteData("T2")!;
  assert.deepEqual(route.queueDatas, [
    { brokerName: "broker-a", readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 },
  ]);
  assert.equal(route.brokerDatas.length, 1);
  assert.equal(route.brokerDatas[0].cluster, "DefaultCluster");
  assert.deepEqual([...route.brokerDatas[0].brokerAddrs], [[0, "10.0.0.1:10911"]]);
  assert.equal(manager.pickupTopicRouteData("missing"), undefined);
});

Deno.test("RouteInfoManager groups master and slave by brokerName and tells the slave its master", () => {
  const { manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1")] }));
  const slave = manager.registerBroker(registration({
    brokerAddr: "10.0.0.2:10911",
    haServerAddr: "10.0.0.2:10912",
    brokerId: 1,
    topics: [topic("T1", 16), topic("SLAVE_ONLY")],
  }));
  assert.deepEqual(slave, { haServerAddr: "10.0.0.1:10912", masterAddr: "10.0.0.1:10911" });
  const route = manager.pickupTopicRouteData("T1")!;
  assert.deepEqual([...route.brokerDatas[0].brokerAddrs].sort(), [[0, "10.0.0.1:10911"], [
    1,
    "10.0.0.2:10911",
  ]]);
  assert.equal(route.queueDatas[0].writeQueueNums, 4, "queue data comes only from the master");
  assert.equal(manager.pickupTopicRouteData("SLAVE_ONLY"), undefined, "slaves add no topics");
});

Deno.test("RouteInfoManager gives a slave no master address while the master is absent", () => {
  const { manager } = setup();
  const slave = manager.registerBroker(registration({ brokerAddr: "10.0.0.2:10911", brokerId: 1 }));
  assert.deepEqual(slave, {});
});

Deno.test("RouteInfoManager routes a 5.x slave's topics while its group has no master (prime slave)", () => {
  const slave5 = (over: Partial<BrokerRegistration>) =>
    registration({
      brokerAddr: "10.0.0.2:10911",
      brokerId: 1,
      enableActingMaster: false, // a 5.x broker always sends the header
      topics: [topic("T1"), topic("SLAVE_ONLY")],
      ...over,
    });
  const { manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1", 8)], enableActingMaster: false }));
  manager.registerBroker(slave5({}));
  assert.equal(manager.pickupTopicRouteData("SLAVE_ONLY"), undefined, "the master's group");
  manager.unregisterBroker({
    clusterName: "DefaultCluster",
    brokerAddr: "10.0.0.2:10911",
    brokerName: "broker-a",
    brokerId: 1,
  });
  manager.unregisterBroker({
    clusterName: "DefaultCluster",
    brokerAddr: "10.0.0.1:10911",
    brokerName: "broker-a",
    brokerId: 0,
  });
  // The master is gone; the slave registers alone (say this name server restarted).
  manager.registerBroker(slave5({}));
  const route = manager.pickupTopicRouteData("T1")!;
  assert.deepEqual(route.queueDatas.map((q) => [q.brokerName, q.perm]), [["broker-a", 6]]);
  assert.deepEqual([...route.brokerDatas[0].brokerAddrs], [[1, "10.0.0.2:10911"]]);
  // Under acting master its queues are read-only; a 4.x slave (no header) adds nothing.
  const acting = setup().manager;
  acting.registerBroker(slave5({ enableActingMaster: true }));
  assert.equal(acting.pickupTopicRouteData("T1")!.queueDatas[0].perm, 4);
  const old = setup().manager;
  old.registerBroker(slave5({ enableActingMaster: undefined }));
  assert.equal(old.pickupTopicRouteData("T1"), undefined);
});

Deno.test("RouteInfoManager does not re-apply an unchanged data version", () => {
  const { manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1", 4)] }));
  const version = manager.version;
  manager.registerBroker(registration({ topics: [topic("T1", 8)] }));
  assert.equal(manager.pickupTopicRouteData("T1")!.queueDatas[0].writeQueueNums, 4);
  assert.equal(manager.version, version, "an unchanged re-registration changes nothing");
  manager.registerBroker(
    registration({ topics: [topic("T1", 8)], dataVersion: { counter: 2, timestamp: 2000 } }),
  );
  assert.equal(manager.pickupTopicRouteData("T1")!.queueDatas[0].writeQueueNums, 8);
  assert.ok(manager.version > version);
});

Deno.test("RouteInfoManager adds a topic missing from the table even with an unchanged version", () => {
  const { manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1")] }));
  manager.deleteTopic("T1");
  manager.registerBroker(registration({ topics: [topic("T1")] }));
  assert.ok(manager.pickupTopicRouteData("T1"));
});

Deno.test("RouteInfoManager expires a broker silent for longer than 120 s", () => {
  const { clock, manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1")] }));
  clock.advance(EXPIRY_MS);
  assert.deepEqual(manager.scanNotActiveBroker(), [], "exactly 120 s is not yet expired");
  clock.advance(1);
  const expired = manager.scanNotActiveBroker();
  assert.deepEqual(expired.map((l) => l.brokerAddr), ["10.0.0.1:10911"]);
  assert.equal(manager.pickupTopicRouteData("T1"), undefined);
  assert.equal(manager.tables.clusterAddrTable.size, 0);
  assert.equal(manager.tables.brokerAddrTable.size, 0);
});

Deno.test("RouteInfoManager keeps a broker alive by re-registration and QUERY_DATA_VERSION", () => {
  const { clock, manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1")] }));
  clock.advance(100_000);
  manager.registerBroker(registration({ topics: [topic("T1")] }));
  clock.advance(100_000);
  manager.updateBrokerInfoUpdateTimestamp("DefaultCluster", "10.0.0.1:10911");
  clock.advance(100_000);
  assert.deepEqual(manager.scanNotActiveBroker(), []);
  assert.ok(manager.pickupTopicRouteData("T1"));
});

Deno.test("RouteInfoManager honours a broker's own heartbeat timeout", () => {
  const { clock, manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1")], heartbeatTimeoutMillis: 10_000 }));
  clock.advance(10_001);
  assert.equal(manager.scanNotActiveBroker().length, 1);
});

Deno.test("RouteInfoManager removes the broker whose channel closed, keeping the rest of its group", () => {
  const { manager } = setup();
  const masterChannel = { id: 1 };
  const slaveChannel = { id: 2 };
  manager.registerBroker(registration({ topics: [topic("T1")], channel: masterChannel }));
  manager.registerBroker(
    registration({ brokerAddr: "10.0.0.2:10911", brokerId: 1, channel: slaveChannel }),
  );
  assert.equal(manager.onChannelDestroy({ id: 3 }), undefined);
  assert.equal(manager.onChannelDestroy(masterChannel)?.brokerAddr, "10.0.0.1:10911");
  const route = manager.pickupTopicRouteData("T1")!;
  assert.deepEqual([...route.brokerDatas[0].brokerAddrs], [[1, "10.0.0.2:10911"]]);
  manager.onChannelDestroy(slaveChannel);
  assert.equal(manager.pickupTopicRouteData("T1"), undefined);
});

Deno.test("RouteInfoManager unregisters a group member and drops an emptied group's topics", () => {
  const { manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1"), topic("SHARED")] }));
  manager.registerBroker(registration({
    brokerName: "broker-b",
    brokerAddr: "10.0.0.3:10911",
    topics: [topic("SHARED")],
  }));
  manager.unregisterBroker({
    clusterName: "DefaultCluster",
    brokerAddr: "10.0.0.1:10911",
    brokerName: "broker-a",
    brokerId: 0,
  });
  assert.equal(manager.pickupTopicRouteData("T1"), undefined);
  const shared = manager.pickupTopicRouteData("SHARED")!;
  assert.deepEqual(shared.queueDatas.map((q) => q.brokerName), ["broker-b"]);
  assert.deepEqual([...manager.tables.clusterAddrTable.get("DefaultCluster")!], ["broker-b"]);
});

Deno.test("RouteInfoManager moves an address from slave id to master id on switch", () => {
  const { manager } = setup();
  manager.registerBroker(registration({ brokerAddr: "10.0.0.2:10911", brokerId: 1 }));
  manager.registerBroker(
    registration({ brokerAddr: "10.0.0.2:10911", brokerId: 0, topics: [topic("T1")] }),
  );
  const route = manager.pickupTopicRouteData("T1")!;
  assert.deepEqual([...route.brokerDatas[0].brokerAddrs], [[0, "10.0.0.2:10911"]]);
});

Deno.test("RouteInfoManager serves two clusters with master and slave groups", () => {
  const { manager } = setup();
  const groups = [
    { cluster: "c1", name: "a", ip: "10.0.1" },
    { cluster: "c1", name: "b", ip: "10.0.2" },
    { cluster: "c2", name: "c", ip: "10.0.3" },
  ];
  for (const g of groups) {
    manager.registerBroker(registration({
      clusterName: g.cluster,
      brokerName: g.name,
      brokerAddr: `${g.ip}.1:10911`,
      topics: [topic("ALL"), topic(`only-${g.cluster}`)],
    }));
    manager.registerBroker(
      registration({
        clusterName: g.cluster,
        brokerName: g.name,
        brokerAddr: `${g.ip}.2:10911`,
        brokerId: 1,
      }),
    );
  }
  const all = manager.pickupTopicRouteData("ALL")!;
  assert.deepEqual(
    all.brokerDatas.map((b) => `${b.cluster}/${b.brokerName}/${[...b.brokerAddrs.keys()]}`).sort(),
    [
      "c1/a/0,1",
      "c1/b/0,1",
      "c2/c/0,1",
    ],
  );
  assert.deepEqual(getTopicsByCluster(manager.tables, "c2").topicList, [
    "ALL",
    "TBW102",
    "only-c2",
  ]);
  assert.deepEqual(getTopicsByCluster(manager.tables, "nope").topicList, []);
  assert.deepEqual(getAllTopicList(manager.tables).topicList, [
    "ALL",
    "TBW102",
    "only-c1",
    "only-c2",
  ]);
  const system = getSystemTopicList(manager.tables);
  assert.deepEqual(system.topicList, ["a", "b", "c", "c1", "c2"]);
  assert.match(system.brokerAddr!, /^10\.0\.\d\.\d:10911$/);
  manager.deleteTopic("ALL", "c1");
  assert.deepEqual(manager.pickupTopicRouteData("ALL")!.brokerDatas.map((b) => b.brokerName), [
    "c",
  ]);
  manager.deleteTopic("ALL");
  assert.equal(manager.pickupTopicRouteData("ALL"), undefined);
});

Deno.test("RouteInfoManager wipes and restores write permission of a broker group", () => {
  const { manager } = setup();
  manager.registerBroker(registration({ topics: [topic("T1"), topic("T2", 4, 7)] }));
  assert.equal(manager.wipeWritePermOfBroker("broker-a"), 3);
  assert.deepEqual(manager.pickupTopicRouteData("T1")!.queueDatas.map((q) => q.perm), [4]);
  assert.deepEqual(manager.pickupTopicRouteData("T2")!.queueDatas.map((q) => q.perm), [5]);
  assert.equal(manager.wipeWritePermOfBroker("unknown"), 0);
  assert.equal(manager.addWritePermOfBroker("broker-a"), 3);
  assert.deepEqual(manager.pickupTopicRouteData("T2")!.queueDatas.map((q) => q.perm), [6]);
});

Deno.test("RouteInfoManager answers QUERY_DATA_VERSION questions", () => {
  const { manager } = setup();
  const v1 = { counter: 1, timestamp: 1000 };
  assert.equal(manager.isBrokerTopicConfigChanged("DefaultCluster", "10.0.0.1:10911", v1), true);
  manager.registerBroker(registration({ dataVersion: v1 }));
  assert.equal(
    manager.isBrokerTopicConfigChanged("DefaultCluster", "10.0.0.1:10911", { ...v1 }),
    false,
  );
  assert.equal(
    manager.isBrokerTopicConfigChanged("DefaultCluster", "10.0.0.1:10911", {
      ...v1,
      stateVersion: 0,
    }),
    false,
  );
  assert.equal(
    manager.isBrokerTopicConfigChanged("DefaultCluster", "10.0.0.1:10911", { ...v1, counter: 2 }),
    true,
  );
  assert.deepEqual(manager.queryBrokerTopicConfig("DefaultCluster", "10.0.0.1:10911"), v1);
  assert.equal(manager.queryBrokerTopicConfig("Other", "10.0.0.1:10911"), undefined);
});

Deno.test("RouteInfoManager refuses a 5.x single-topic registration before the first full one", () => {
  const { manager } = setup();
  const single = (name: string, counter: number) => {
    const reg = registration({ dataVersion: { counter, timestamp: 1 } });
    reg.topicConfigWrapper.topicConfigTable.set(name, topic(name));
    return reg;
  };
  assert.equal(manager.registerBroker(single("T1", 1)), null);
  assert.equal(manager.pickupTopicRouteData("T1"), undefined);
  manager.registerBroker(registration({ topics: [topic("T1"), topic("T2")] }));
  assert.deepEqual(manager.registerBroker(single("T3", 2)), {});
  assert.ok(manager.pickupTopicRouteData("T3"));
});

Deno.test("RouteInfoManager lists unit topics by sys flag", () => {
  const { manager } = setup();
  manager.registerBroker(registration({
    topics: [
      topic("PLAIN"),
      topic("UNIT", 4, 6, 1),
      topic("UNIT_SUB", 4, 6, 2),
      topic("BOTH", 4, 6, 3),
    ],
  }));
  assert.deepEqual(getUnitTopics(manager.tables).topicList, ["BOTH", "UNIT"]);
  assert.deepEqual(getHasUnitSubTopicList(manager.tables).topicList, ["BOTH", "UNIT_SUB"]);
  assert.deepEqual(getHasUnitSubUnUnitTopicList(manager.tables).topicList, ["UNIT_SUB"]);
});

Deno.test("RouteInfoManager reports filter servers per broker address in routes", () => {
  const { manager } = setup();
  manager.registerBroker(
    registration({ topics: [topic("T1")], filterServerList: ["10.0.0.9:3000"] }),
  );
  assert.deepEqual([...manager.pickupTopicRouteData("T1")!.filterServerTable], [["10.0.0.1:10911", [
    "10.0.0.9:3000",
  ]]]);
  manager.registerBroker(registration({ topics: [topic("T1")], filterServerList: [] }));
  assert.equal(manager.pickupTopicRouteData("T1")!.filterServerTable.size, 0);
});

Deno.test("RouteInfoManager drops topics missing from a registration when deleteTopicWithBrokerRegistration", () => {
  const clock = new ManualClock();
  const manager = new RouteInfoManager({
    clock,
    brokerChannelExpiredTimeMs: () => EXPIRY_MS,
    deleteTopicWithBrokerRegistration: () => true,
  });
  manager.registerBroker(registration({ topics: [topic("T1"), topic("T2")] }));
  manager.registerBroker(
    registration({ topics: [topic("T1"), topic("T3")], dataVersion: { counter: 2, timestamp: 2 } }),
  );
  assert.deepEqual(getAllTopicList(manager.tables).topicList, ["T1", "T3", "TBW102"]);
});

Deno.test("RouteInfoManager refuses a registration past its broker or topic limit and changes nothing", () => {
  const clock = new ManualClock(1_000_000);
  const manager = new RouteInfoManager({
    clock,
    brokerChannelExpiredTimeMs: () => EXPIRY_MS,
    topicsMax: 4,
    brokersMax: 2,
  });
  manager.registerBroker(registration({ topics: [topic("A"), topic("B")] })); // + TBW102
  const full = (e: unknown, pattern: RegExp) =>
    e instanceof RouteRegistryFullError && pattern.test(e.message);
  assert.throws(
    () =>
      manager.registerBroker(
        registration({ brokerName: "broker-b", topics: [topic("C"), topic("D")] }),
      ),
    (e) => full(e, /its 2 new topics would take the name server past 4 topics \(TOPICS_MAX\)/),
  );
  assert.deepEqual(getAllTopicList(manager.tables).topicList, ["A", "B", "TBW102"]);
  assert.equal(manager.tables.brokerAddrTable.has("broker-b"), false, "nothing was registered");
  manager.registerBroker(
    registration({ brokerName: "broker-b", topics: [topic("A"), topic("C")] }),
  );
  manager.registerBroker(
    registration({ brokerName: "broker-b", brokerId: 1, brokerAddr: "10.0.0.2:10911" }),
  );
  assert.throws(
    () => manager.registerBroker(registration({ brokerName: "broker-c" })),
    (e) => full(e, /Cannot register broker broker-c: the name server holds 2 brokers/),
  );
  manager.registerBroker(registration({ topics: [topic("A"), topic("B")] })); // known ones go on
});

Deno.test("RouteInfoManager keeps a live broker whose new topics do not fit, with its routes", () => {
  const clock = new ManualClock(1_000_000);
  const manager = new RouteInfoManager({
    clock,
    brokerChannelExpiredTimeMs: () => EXPIRY_MS,
    topicsMax: 3,
  });
  manager.registerBroker(registration({ topics: [topic("A")] })); // + TBW102
  manager.registerBroker(
    registration({ brokerName: "broker-b", brokerAddr: "10.0.0.2:10911", topics: [topic("B")] }),
  );
  for (let i = 0; i < 5; i++) { // 150 s of refused registrations, past the 120 s expiry
    clock.advance(30_000);
    manager.updateBrokerInfoUpdateTimestamp("DefaultCluster", "10.0.0.2:10911");
    assert.throws(
      () => manager.registerBroker(registration({ topics: [topic("A"), topic("A2")] })),
      RouteRegistryFullError,
    );
  }
  manager.scanNotActiveBroker();
  assert.ok(manager.pickupTopicRouteData("A") !== undefined, "broker-a's route is kept");
  assert.equal(manager.pickupTopicRouteData("A2"), undefined, "the topic that did not fit is not");
});

Deno.test("RouteInfoManager refuses a REGISTER_TOPIC_IN_NAMESRV topic past its topic limit", () => {
  const clock = new ManualClock(1_000_000);
  const manager = new RouteInfoManager({
    clock,
    brokerChannelExpiredTimeMs: () => EXPIRY_MS,
    topicsMax: 3,
  });
  manager.registerBroker(registration({ topics: [topic("A"), topic("B")] })); // + TBW102
  const queueData = { brokerName: "broker-a", readQueueNums: 2, writeQueueNums: 2, perm: 6 };
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => manager.registerTopic(`New${i}`, [{ ...queueData, topicSysFlag: 0 }]),
      (e) =>
        e instanceof RouteRegistryFullError &&
        /Cannot register topic New0?\d?: the name server holds 3 topics \(TOPICS_MAX\)/.test(
          e.message,
        ),
    );
  }
  assert.deepEqual(getAllTopicList(manager.tables).topicList, ["A", "B", "TBW102"]);
  manager.registerTopic("A", [{ ...queueData, topicSysFlag: 0 }]); // a known topic still changes
  assert.equal(manager.pickupTopicRouteData("A")?.queueDatas[0].readQueueNums, 2);
});

import assert from "node:assert/strict";
import { encodeClusterInfo, encodeTopicRouteData } from "../namesrv/route_json.ts";
import type { TopicRouteData } from "../namesrv/route_types.ts";
import { readFastjson } from "../common/fastjson_reader.ts";
import { ROUTE_QUEUE_NUMS_MAX } from "./limits.ts";
import {
  TopicPublishInfo,
  topicRouteData2TopicPublishInfo,
  topicRouteData2TopicSubscribeInfo,
} from "./topic_publish_info.ts";
import {
  BodyDecodeError,
  decodeClusterInfo,
  decodeTopicRouteData,
  topicRouteDataChanged,
} from "./topic_route.ts";

const utf8 = new TextEncoder();

function route(): TopicRouteData {
  return {
    queueDatas: [
      { brokerName: "broker-b", perm: 6, readQueueNums: 2, writeQueueNums: 2, topicSysFlag: 0 },
      { brokerName: "broker-a", perm: 6, readQueueNums: 4, writeQueueNums: 3, topicSysFlag: 0 },
      { brokerName: "broker-c", perm: 4, readQueueNums: 1, writeQueueNums: 1, topicSysFlag: 0 },
      { brokerName: "broker-d", perm: 6, readQueueNums: 1, writeQueueNums: 1, topicSysFlag: 0 },
    ],
    brokerDatas: [
      {
        cluster: "C",
        brokerName: "broker-a",
        brokerAddrs: new Map([[0, "10.0.0.1:10911"], [1, "10.0.0.2:10911"]]),
        enableActingMaster: false,
      },
      {
        cluster: "C",
        brokerName: "broker-b",
        brokerAddrs: new Map([[0, "10.0.0.3:10911"]]),
        enableActingMaster: false,
      },
      {
        cluster: "C",
        brokerName: "broker-c",
        brokerAddrs: new Map([[0, "10.0.0.4:10911"]]),
        enableActingMaster: false,
      },
      {
        cluster: "C",
        brokerName: "broker-d",
        brokerAddrs: new Map([[1, "10.0.0.5:10911"]]),
        enableActingMaster: false,
      },
    ],
    filterServerTable: new Map(),
  };
}

Deno.test("decodeTopicRouteData reads the name server's legacy and standard forms alike", () => {
  const legacy = decodeTopicRouteData(utf8.encode(encodeTopicRouteData(route(), "legacy")));
  const standard = decodeTopicRouteData(utf8.encode(encodeTopicRouteData(route(), "standard")));
  assert.deepEqual(legacy, standard);
  assert.equal(legacy.brokerDatas[0].brokerAddrs.get(1), "10.0.0.2:10911");
  assert.equal(topicRouteDataChanged(legacy, standard), false);
  assert.equal(topicRouteDataChanged(legacy, undefined), true);
  const moved = decodeTopicRouteData(utf8.encode(encodeTopicRouteData(route(), "legacy")));
  moved.brokerDatas[1].brokerAddrs.set(0, "10.0.0.9:10911");
  assert.equal(topicRouteDataChanged(moved, legacy), true);
  assert.throws(() => decodeTopicRouteData(utf8.encode("{nope")), BodyDecodeError);
  assert.throws(
    () => decodeTopicRouteData(undefined),
    /Cannot decode TopicRouteData: body is empty/,
  );
  assert.throws(
    () => decodeTopicRouteData(utf8.encode('{"queueDatas":[{"brokerName":1}]}')),
    /Cannot decode TopicRouteData: queueDatas.0.brokerName/,
  );
});

Deno.test("decodeClusterInfo reads fastjson's unquoted broker ids", () => {
  const info = decodeClusterInfo(utf8.encode(encodeClusterInfo({
    brokerAddrTable: new Map([["broker-a", route().brokerDatas[0]]]),
    clusterAddrTable: new Map([["C", new Set(["broker-a"])]]),
  })));
  assert.equal(info.brokerAddrTable.get("broker-a")?.brokerAddrs.get(0), "10.0.0.1:10911");
  assert.deepEqual([...info.clusterAddrTable.get("C")!], ["broker-a"]);
});

Deno.test("readFastjson reads bare-object and integer map keys as JSON text keys", () => {
  const value = readFastjson(
    '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":250},' +
      '"{\\"brokerName\\":\\"b\\",\\"queueId\\":1,\\"topic\\":\\"T\\"}":{"brokerOffset":9}},' +
      '"ids":{0:"a",-1:"b"},"__proto__":{"x":1},"n":-1.5e2,"t":[true,false,null]}',
  ) as Record<string, Record<string, unknown>>;
  const keys = Object.keys(value.offsetTable).map((k) => JSON.parse(k).queueId);
  assert.deepEqual(keys, [0, 1]);
  assert.deepEqual(value.ids, { "0": "a", "-1": "b" });
  assert.deepEqual(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, { x: 1 });
  assert.equal(value.n as unknown, -150);
  assert.throws(() => readFastjson("{"), /Cannot read JSON at 1/);
  assert.throws(() => readFastjson("[".repeat(100) + "]".repeat(100)), /nesting deeper than 64/);
});

Deno.test("topicRouteData2TopicPublishInfo lists writable master queues by broker name", () => {
  const info = topicRouteData2TopicPublishInfo("T", route());
  assert.deepEqual(
    info.messageQueueList.map((q) => `${q.brokerName}:${q.queueId}`),
    ["broker-a:0", "broker-a:1", "broker-a:2", "broker-b:0", "broker-b:1"],
  );
  assert.equal(info.orderTopic, false);
  assert.equal(info.getWriteQueueNumsByBroker("broker-b"), 2);
  const ordered = topicRouteData2TopicPublishInfo("T", {
    ...route(),
    orderTopicConf: "broker-b:2;broker-a:1",
  });
  assert.equal(ordered.orderTopic, true);
  assert.deepEqual(ordered.messageQueueList.map((q) => `${q.brokerName}:${q.queueId}`), [
    "broker-b:0",
    "broker-b:1",
    "broker-a:0",
  ]);
});

Deno.test("topicRouteData2TopicSubscribeInfo lists readable queues sorted for allocation", () => {
  const queues = topicRouteData2TopicSubscribeInfo("T", route());
  assert.deepEqual(
    queues.map((q) => `${q.brokerName}:${q.queueId}`),
    [
      "broker-a:0",
      "broker-a:1",
      "broker-a:2",
      "broker-a:3",
      "broker-b:0",
      "broker-b:1",
      "broker-c:0",
      "broker-d:0",
    ],
  );
});

Deno.test("TopicPublishInfo round-robins and honours filters", () => {
  const queues = [0, 1, 2].map((queueId) => ({
    topic: "T",
    brokerName: queueId === 2 ? "b" : "a",
    queueId,
  }));
  const info = new TopicPublishInfo(queues, { startIndex: 0 });
  assert.deepEqual([1, 2, 3, 4].map(() => info.selectOneMessageQueue()!.queueId), [1, 2, 0, 1]);
  for (let i = 0; i < 5; i++) {
    assert.equal(info.selectOneMessageQueue((mq) => mq.brokerName === "b")!.queueId, 2);
  }
  assert.equal(info.selectOneMessageQueue(() => false), undefined);
  assert.equal(new TopicPublishInfo().selectOneMessageQueue(), undefined);
});

// Found by helper-139: a huge count made the client build that many queue objects and die.
Deno.test("decodeTopicRouteData refuses a queue count over ROUTE_QUEUE_NUMS_MAX, in queue data or orderTopicConf", () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  const queueData = (nums: number) =>
    `{"brokerName":"b","perm":6,"readQueueNums":${nums},"writeQueueNums":${nums}}`;
  const body = (nums: number, conf?: string) =>
    encode(
      `{"brokerDatas":[],${conf === undefined ? "" : `"orderTopicConf":"${conf}",`}` +
        `"queueDatas":[${queueData(nums)}]}`,
    );
  const atBound = decodeTopicRouteData(body(ROUTE_QUEUE_NUMS_MAX)).queueDatas[0];
  assert.equal(atBound.readQueueNums, ROUTE_QUEUE_NUMS_MAX);
  assert.throws(() => decodeTopicRouteData(body(ROUTE_QUEUE_NUMS_MAX + 1)), BodyDecodeError);
  const conf = `b:${ROUTE_QUEUE_NUMS_MAX};c:4`;
  assert.equal(decodeTopicRouteData(body(4, conf)).orderTopicConf, conf);
  assert.throws(() => decodeTopicRouteData(body(4, "b:4;c:2000000000")), BodyDecodeError);
});

import assert from "node:assert/strict";
import { parseFastjson } from "../store/fastjson.ts";
import {
  encodeClusterInfo,
  encodeDataVersion,
  encodeKvTable,
  encodeTopicList,
  encodeTopicRouteData,
} from "./route_json.ts";
import type { TopicRouteData } from "./route_types.ts";

function route(): TopicRouteData {
  return {
    queueDatas: [{
      brokerName: "broker-a",
      perm: 6,
      readQueueNums: 4,
      writeQueueNums: 4,
      topicSysFlag: 0,
    }],
    brokerDatas: [{
      cluster: "DefaultCluster",
      brokerName: "broker-a",
      brokerAddrs: new Map([[1, "192.168.1.11:10911"], [0, "192.168.1.10:10911"]]),
      enableActingMaster: false,
    }],
    filterServerTable: new Map(),
  };
}

Deno.test("encodeTopicRouteData writes RocketMQ's standard form byte for byte (bodies.md §1)", () => {
  const expected =
    '{"brokerDatas":[{"brokerAddrs":{"0":"192.168.1.10:10911","1":"192.168.1.11:10911"},' +
    '"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},' +
    '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';
  const text = encodeTopicRouteData(route(), "standard");
  assert.equal(text, expected);
  const parsed = JSON.parse(text);
  assert.equal(parsed.brokerDatas[0].brokerAddrs["0"], "192.168.1.10:10911");
});

Deno.test("encodeTopicRouteData writes fastjson's legacy form with unquoted broker ids", () => {
  const text = encodeTopicRouteData(route(), "legacy");
  assert.match(text, /"brokerAddrs":\{0:"192\.168\.1\.10:10911",1:"192\.168\.1\.11:10911"\}/);
  assert.throws(
    () => JSON.parse(text),
    SyntaxError,
    "legacy form is not standard JSON, as in RocketMQ",
  );
  const parsed = parseFastjson(text) as { brokerDatas: { brokerAddrs: Record<string, string> }[] };
  assert.equal(parsed.brokerDatas[0].brokerAddrs["1"], "192.168.1.11:10911");
});

Deno.test("encodeTopicRouteData adds orderTopicConf, zoneName and filter servers in place", () => {
  const r = route();
  r.orderTopicConf = "broker-a:4";
  r.brokerDatas[0].zoneName = "z1";
  r.filterServerTable = new Map([["192.168.1.10:10911", ["10.1.1.1:3000"]]]);
  const parsed = JSON.parse(encodeTopicRouteData(r, "standard"));
  assert.deepEqual(Object.keys(parsed), [
    "brokerDatas",
    "filterServerTable",
    "orderTopicConf",
    "queueDatas",
  ]);
  assert.equal(parsed.orderTopicConf, "broker-a:4");
  assert.equal(parsed.brokerDatas[0].zoneName, "z1");
  assert.deepEqual(parsed.filterServerTable, { "192.168.1.10:10911": ["10.1.1.1:3000"] });
});

Deno.test("encodeTopicRouteData escapes non-ASCII only in the standard form", () => {
  const r = route();
  r.brokerDatas[0].brokerName = "brökér";
  assert.match(encodeTopicRouteData(r, "standard"), /"br\\u00f6k\\u00e9r"/);
  assert.match(encodeTopicRouteData(r, "legacy"), /"brökér"/);
});

Deno.test("encodeClusterInfo writes the legacy ClusterInfo of bodies.md §3", () => {
  const text = encodeClusterInfo({
    brokerAddrTable: new Map([["broker-a", {
      cluster: "DefaultCluster",
      brokerName: "broker-a",
      brokerAddrs: new Map([[0, "192.168.1.10:10911"]]),
      enableActingMaster: false,
    }]]),
    clusterAddrTable: new Map([["DefaultCluster", new Set(["broker-a"])]]),
  });
  assert.equal(
    text,
    '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"192.168.1.10:10911"},"brokerName":"broker-a",' +
      '"cluster":"DefaultCluster","enableActingMaster":false}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}',
  );
});

Deno.test("small bodies match bodies.md §4", () => {
  assert.equal(encodeTopicList({ topicList: ["a", "b"] }), '{"topicList":["a","b"]}');
  assert.equal(
    encodeTopicList({ topicList: [], brokerAddr: "1.2.3.4:10911" }),
    '{"brokerAddr":"1.2.3.4:10911","topicList":[]}',
  );
  assert.equal(encodeKvTable(new Map([["k", "v"]])), '{"table":{"k":"v"}}');
  assert.equal(
    encodeDataVersion({ counter: 3, timestamp: 1732436400000 }),
    '{"counter":3,"timestamp":1732436400000}',
  );
  assert.equal(
    encodeDataVersion({ counter: 3, timestamp: 5, stateVersion: 0 }),
    '{"counter":3,"stateVersion":0,"timestamp":5}',
  );
});

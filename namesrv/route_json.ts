/**
 * JSON bodies of the name server exactly as RocketMQ's fastjson writes them
 * (`shared/spec/bodies.md` §0, §1, §3, §4): bean properties in alphabetical order, nulls
 * omitted, and broker-id maps either in fastjson's default form with **unquoted** numeric keys
 * (`{0:"10.0.0.1:10911"}`, "legacy") or in the standard form RocketMQ uses for routes asked by
 * 4.9.4+ clients (`BrowserCompatible`: quoted, sorted keys, non-ASCII escaped, "standard").
 *
 * @module
 */
import type {
  BrokerData,
  ClusterInfo,
  DataVersion,
  QueueData,
  TopicList,
  TopicRouteData,
} from "./route_types.ts";

/** `standard`: valid JSON (BrowserCompatible); `legacy`: fastjson default, unquoted numeric keys. */
export type JsonStyle = "standard" | "legacy";

const NON_ASCII = /[\u007f-\uffff]/g;

/** A JSON string literal; in standard style non-ASCII characters are `\uXXXX` escaped. */
function str(value: string, style: JsonStyle): string {
  const json = JSON.stringify(value);
  if (style === "legacy") return json;
  return json.replace(NON_ASCII, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/** `{0:"a",1:"b"}` (legacy) or `{"0":"a","1":"b"}` (standard), ids ascending. */
function brokerAddrsJson(addrs: ReadonlyMap<number, string>, style: JsonStyle): string {
  const ids = [...addrs.keys()].sort((a, b) => a - b);
  const parts = ids.map((id) => {
    const key = style === "legacy" ? String(id) : `"${id}"`;
    return `${key}:${str(addrs.get(id)!, style)}`;
  });
  return `{${parts.join(",")}}`;
}

/**
 * GetBrokerMemberGroupResponseBody (901) as RocketMQ's fastjson writes it: the group's members
 * by broker id, ids as unquoted keys.
 *
 * @param cluster the cluster asked about
 * @param brokerName the group asked about
 * @param addrs its members (empty when unknown)
 * @returns the body's JSON
 * @example
 * ```ts
 * import { encodeBrokerMemberGroup } from "./route_json.ts";
 * const json = encodeBrokerMemberGroup("c", "b", new Map([[0, "10.0.0.1:10911"]]));
 * if (!json.includes('"brokerAddrs":{0:"10.0.0.1:10911"}')) throw new Error(json);
 * ```
 */
export function encodeBrokerMemberGroup(
  cluster: string,
  brokerName: string,
  addrs: ReadonlyMap<number, string>,
): string {
  return `{"brokerMemberGroup":{"brokerAddrs":${brokerAddrsJson(addrs, "legacy")},"brokerName":${
    str(brokerName, "legacy")
  },"cluster":${str(cluster, "legacy")}}}`;
}

/**
 * @param data a broker group
 * @param style key style of `brokerAddrs`
 * @returns BrokerData JSON
 */
export function brokerDataJson(data: BrokerData, style: JsonStyle): string {
  let out = `{"brokerAddrs":${brokerAddrsJson(data.brokerAddrs, style)},"brokerName":${
    str(data.brokerName, style)
  },"cluster":${str(data.cluster, style)},"enableActingMaster":${data.enableActingMaster}`;
  if (data.zoneName !== undefined) out += `,"zoneName":${str(data.zoneName, style)}`;
  return out + "}";
}

/** QueueData JSON. */
function queueDataJson(q: QueueData, style: JsonStyle): string {
  return `{"brokerName":${
    str(q.brokerName, style)
  },"perm":${q.perm},"readQueueNums":${q.readQueueNums},` +
    `"topicSysFlag":${q.topicSysFlag},"writeQueueNums":${q.writeQueueNums}}`;
}

/** String-keyed map JSON; sorted in standard style (`MapSortField`). */
function stringMapJson<V>(
  map: ReadonlyMap<string, V>,
  value: (v: V) => string,
  style: JsonStyle,
): string {
  const keys = [...map.keys()];
  if (style === "standard") keys.sort();
  return `{${keys.map((k) => `${str(k, style)}:${value(map.get(k)!)}`).join(",")}}`;
}

const stringArray = (list: Iterable<string>, style: JsonStyle): string =>
  `[${[...list].map((s) => str(s, style)).join(",")}]`;

/**
 * Writes a TopicRouteData body (GET_ROUTEINFO_BY_TOPIC).
 *
 * @param route the route
 * @param style `standard` for request version >= 401 (V4_9_4) or `acceptStandardJsonOnly`
 * @returns the JSON text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeTopicRouteData } from "./route_json.ts";
 * const route = {
 *   queueDatas: [{ brokerName: "b", perm: 6, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 }],
 *   brokerDatas: [{ cluster: "c", brokerName: "b", brokerAddrs: new Map([[0, "10.0.0.1:10911"]]), enableActingMaster: false }],
 *   filterServerTable: new Map(),
 * };
 * assert.match(encodeTopicRouteData(route, "legacy"), /"brokerAddrs":\{0:"10.0.0.1:10911"\}/);
 * assert.match(encodeTopicRouteData(route, "standard"), /"brokerAddrs":\{"0":"10.0.0.1:10911"\}/);
 * ```
 */
export function encodeTopicRouteData(route: TopicRouteData, style: JsonStyle): string {
  const brokers = route.brokerDatas.map((b) => brokerDataJson(b, style)).join(",");
  const filters = stringMapJson(route.filterServerTable, (l) => stringArray(l, style), style);
  let out = `{"brokerDatas":[${brokers}],"filterServerTable":${filters},`;
  if (route.orderTopicConf !== undefined) {
    out += `"orderTopicConf":${str(route.orderTopicConf, style)},`;
  }
  const queues = route.queueDatas.map((q) => queueDataJson(q, style)).join(",");
  return out + `"queueDatas":[${queues}]}`;
}

/**
 * Writes a ClusterInfo body (GET_BROKER_CLUSTER_INFO); RocketMQ always uses the legacy style.
 *
 * @param info broker groups and clusters
 * @param style key style (default legacy, as RocketMQ)
 * @returns the JSON text
 */
export function encodeClusterInfo(info: ClusterInfo, style: JsonStyle = "legacy"): string {
  const brokers = stringMapJson(info.brokerAddrTable, (b) => brokerDataJson(b, style), style);
  const clusters = stringMapJson(info.clusterAddrTable, (s) => stringArray(s, style), style);
  return `{"brokerAddrTable":${brokers},"clusterAddrTable":${clusters}}`;
}

/**
 * @param list topic names and an optional broker address
 * @returns TopicList JSON: `{"brokerAddr":…,"topicList":[…]}`
 */
export function encodeTopicList(list: TopicList): string {
  const addr = list.brokerAddr === undefined
    ? ""
    : `"brokerAddr":${JSON.stringify(list.brokerAddr)},`;
  return `{${addr}"topicList":${stringArray(list.topicList, "legacy")}}`;
}

/**
 * @param table key → value
 * @returns KVTable JSON: `{"table":{"k":"v"}}`
 */
export function encodeKvTable(table: ReadonlyMap<string, string>): string {
  return `{"table":${stringMapJson(table, (v) => JSON.stringify(v), "legacy")}}`;
}

/**
 * @param version a data version
 * @returns DataVersion JSON, properties alphabetical (`counter`, `stateVersion`, `timestamp`)
 */
export function encodeDataVersion(version: DataVersion): string {
  const state = version.stateVersion === undefined ? "" : `"stateVersion":${version.stateVersion},`;
  return `{"counter":${version.counter},${state}"timestamp":${version.timestamp}}`;
}

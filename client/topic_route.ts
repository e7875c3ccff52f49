/**
 * Topic routes as clients receive them (GET_ROUTEINFO_BY_TOPIC, `shared/spec/bodies.md` §1): the
 * TopicRouteData body in either form the name server writes (standard JSON with quoted broker ids,
 * or fastjson's legacy form with unquoted ids), its comparison, and ClusterInfo. The model types
 * are the name server's (`namesrv/route_types.ts`).
 *
 * @module
 */

import { z } from "zod";
import type { BrokerData, ClusterInfo, QueueData, TopicRouteData } from "../namesrv/route_types.ts";
import { FastjsonReadError, readFastjson } from "../common/fastjson_reader.ts";
import { compareStrings } from "./message_queue.ts";
import { ROUTE_QUEUE_NUMS_MAX } from "./limits.ts";

export type { BrokerData, ClusterInfo, QueueData, TopicRouteData };

/**
 * A body that is not the expected JSON shape.
 *
 * @example
 * ```ts
 * import { BodyDecodeError, decodeTopicRouteData } from "./topic_route.ts";
 * try {
 *   decodeTopicRouteData(new TextEncoder().encode("not json"));
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof BodyDecodeError)) throw error;
 * }
 * ```
 */
export class BodyDecodeError extends Error {
  /**
   * Creates the error.
   *
   * @param message what is wrong
   * @param options the underlying error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BodyDecodeError";
  }
}

const int = z.number().int();
const queueNums = int.min(0).max(ROUTE_QUEUE_NUMS_MAX);

const queueDataSchema = z.object({
  brokerName: z.string(),
  readQueueNums: queueNums,
  writeQueueNums: queueNums,
  perm: int,
  topicSysFlag: int.optional(),
});

const brokerDataSchema = z.object({
  cluster: z.string().nullish(),
  brokerName: z.string(),
  brokerAddrs: z.record(z.string(), z.string()).nullish(),
  enableActingMaster: z.boolean().optional(),
  zoneName: z.string().nullish(),
});

/** `broker-a:4;broker-b:4`: a count over ROUTE_QUEUE_NUMS_MAX is refused, others are the reader's */
const orderTopicConf = z.string().refine(
  (conf) =>
    conf.split(";").every((item) =>
      !(Number.parseInt(item.split(":")[1], 10) > ROUTE_QUEUE_NUMS_MAX)
    ),
  { message: `a queue count over ${ROUTE_QUEUE_NUMS_MAX}` },
);

const routeSchema = z.object({
  orderTopicConf: orderTopicConf.nullish(),
  queueDatas: z.array(queueDataSchema).nullish(),
  brokerDatas: z.array(brokerDataSchema).nullish(),
  filterServerTable: z.record(z.string(), z.array(z.string())).nullish(),
});

const clusterInfoSchema = z.object({
  brokerAddrTable: z.record(z.string(), brokerDataSchema).nullish(),
  clusterAddrTable: z.record(z.string(), z.array(z.string())).nullish(),
});

/**
 * Parses a fastjson body and checks it against a zod schema.
 *
 * @param what the body's name, for errors (e.g. "TopicRouteData")
 * @param schema its shape
 * @param body the response body
 * @returns the typed value
 * @throws {BodyDecodeError} `Cannot decode <what>: …` when absent, not JSON or of the wrong shape
 * @example
 * ```ts
 * import { z } from "zod";
 * import { decodeJsonBody } from "./topic_route.ts";
 * const schema = z.object({ consumerIdList: z.array(z.string()) });
 * const body = new TextEncoder().encode('{"consumerIdList":["10.0.0.5@1"]}');
 * const { consumerIdList } = decodeJsonBody("GetConsumerListByGroupResponseBody", schema, body);
 * if (consumerIdList[0] !== "10.0.0.5@1") throw new Error();
 * ```
 */
export function decodeJsonBody<S extends z.ZodType>(
  what: string,
  schema: S,
  body: Uint8Array | undefined,
): z.output<S> {
  if (body === undefined || body.length === 0) {
    throw new BodyDecodeError(`Cannot decode ${what}: body is empty`);
  }
  let value: unknown;
  try {
    value = readFastjson(body);
  } catch (error) {
    if (!(error instanceof FastjsonReadError)) throw error;
    throw new BodyDecodeError(`Cannot decode ${what}: ${error.message}`, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BodyDecodeError(`Cannot decode ${what}: ${issue.path.join(".")} ${issue.message}`);
  }
  return parsed.data;
}

function toBrokerData(raw: z.output<typeof brokerDataSchema>): BrokerData {
  const brokerAddrs = new Map<number, string>();
  for (const [id, addr] of Object.entries(raw.brokerAddrs ?? {})) {
    const n = Number(id);
    if (!Number.isInteger(n)) {
      throw new BodyDecodeError(
        `Cannot decode BrokerData ${raw.brokerName}: broker id ${id} is not an integer`,
      );
    }
    brokerAddrs.set(n, addr);
  }
  const data: BrokerData = {
    cluster: raw.cluster ?? "",
    brokerName: raw.brokerName,
    brokerAddrs,
    enableActingMaster: raw.enableActingMaster ?? false,
  };
  if (raw.zoneName != null) data.zoneName = raw.zoneName;
  return data;
}

/**
 * Decodes a TopicRouteData body in either of the name server's forms.
 *
 * @param body the GET_ROUTEINFO_BY_TOPIC body
 * @returns the route
 * @throws {BodyDecodeError} when the body is not a TopicRouteData
 * @example
 * ```ts
 * import { decodeTopicRouteData } from "./topic_route.ts";
 * const legacy = new TextEncoder().encode(
 *   '{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"b","cluster":"c"}],' +
 *     '"filterServerTable":{},"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":4,' +
 *     '"topicSysFlag":0,"writeQueueNums":4}]}',
 * );
 * const route = decodeTopicRouteData(legacy);
 * if (route.brokerDatas[0].brokerAddrs.get(0) !== "10.0.0.1:10911") throw new Error();
 * ```
 */
export function decodeTopicRouteData(body: Uint8Array | undefined): TopicRouteData {
  const raw = decodeJsonBody("TopicRouteData", routeSchema, body);
  const route: TopicRouteData = {
    queueDatas: (raw.queueDatas ?? []).map((q): QueueData => ({
      brokerName: q.brokerName,
      readQueueNums: q.readQueueNums,
      writeQueueNums: q.writeQueueNums,
      perm: q.perm,
      topicSysFlag: q.topicSysFlag ?? 0,
    })),
    brokerDatas: (raw.brokerDatas ?? []).map(toBrokerData),
    filterServerTable: new Map(Object.entries(raw.filterServerTable ?? {})),
  };
  if (raw.orderTopicConf != null) route.orderTopicConf = raw.orderTopicConf;
  return route;
}

/**
 * Decodes a ClusterInfo body (GET_BROKER_CLUSTER_INFO, legacy or standard form).
 *
 * @param body the response body
 * @returns broker groups by name and broker names by cluster
 * @throws {BodyDecodeError} when the body is not a ClusterInfo
 * @example
 * ```ts
 * import { decodeClusterInfo } from "./topic_route.ts";
 * const body = new TextEncoder().encode(
 *   '{"brokerAddrTable":{"b":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"b",' +
 *     '"cluster":"C"}},"clusterAddrTable":{"C":["b"]}}',
 * );
 * const info = decodeClusterInfo(body);
 * if (!info.clusterAddrTable.get("C")?.has("b")) throw new Error();
 * ```
 */
export function decodeClusterInfo(body: Uint8Array | undefined): ClusterInfo {
  const raw = decodeJsonBody("ClusterInfo", clusterInfoSchema, body);
  const brokerAddrTable = new Map<string, BrokerData>();
  for (const [name, data] of Object.entries(raw.brokerAddrTable ?? {})) {
    brokerAddrTable.set(name, toBrokerData(data));
  }
  const clusterAddrTable = new Map<string, Set<string>>();
  for (const [cluster, names] of Object.entries(raw.clusterAddrTable ?? {})) {
    clusterAddrTable.set(cluster, new Set(names));
  }
  return { brokerAddrTable, clusterAddrTable };
}

/**
 * A canonical text of a route: queue and broker data sorted by broker name, addresses by id. Two
 * routes are equal iff their canonical texts are (RocketMQ `topicRouteDataChanged` compares after
 * sorting the same way).
 *
 * @param route a route
 * @returns its canonical JSON text
 * @example
 * ```ts
 * import { canonicalRoute, type TopicRouteData } from "./topic_route.ts";
 * const queueData = { brokerName: "b", readQueueNums: 2, writeQueueNums: 2 };
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * const route: TopicRouteData = {
 *   queueDatas: [{ ...queueData, perm: 6, topicSysFlag: 0 }], filterServerTable: new Map(),
 *   brokerDatas: [{ cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false }],
 * };
 * const reordered = { ...route, brokerDatas: [...route.brokerDatas].reverse() };
 * if (canonicalRoute(route) !== canonicalRoute(reordered)) throw new Error("order is ignored");
 * ```
 */
export function canonicalRoute(route: TopicRouteData): string {
  const queues = [...route.queueDatas].sort((a, b) => compareStrings(a.brokerName, b.brokerName));
  const brokers = [...route.brokerDatas]
    .sort((a, b) => compareStrings(a.brokerName, b.brokerName))
    .map((b) => ({
      ...b,
      brokerAddrs: [...b.brokerAddrs].sort((x, y) => x[0] - y[0]),
    }));
  return JSON.stringify({ o: route.orderTopicConf ?? null, queues, brokers });
}

/**
 * Whether a fetched route differs from the cached one.
 *
 * @param next the route just fetched
 * @param previous the cached route, if any
 * @returns whether they differ (RocketMQ `TopicRouteData.topicRouteDataChanged`)
 * @example
 * ```ts
 * import {
 *   cloneTopicRouteData,
 *   type TopicRouteData,
 *   topicRouteDataChanged,
 * } from "./topic_route.ts";
 * const queueData = { brokerName: "b", readQueueNums: 2, writeQueueNums: 2 };
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * const route: TopicRouteData = {
 *   queueDatas: [{ ...queueData, perm: 6, topicSysFlag: 0 }], filterServerTable: new Map(),
 *   brokerDatas: [{ cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false }],
 * };
 * if (topicRouteDataChanged(cloneTopicRouteData(route), route)) throw new Error("a copy is equal");
 * if (!topicRouteDataChanged(route, undefined)) throw new Error("a first route is new");
 * ```
 */
export function topicRouteDataChanged(next: TopicRouteData, previous?: TopicRouteData): boolean {
  return previous === undefined || canonicalRoute(next) !== canonicalRoute(previous);
}

/**
 * A deep copy, so a cached route cannot be changed through a caller's reference.
 *
 * @param route a route
 * @returns its copy
 * @example
 * ```ts
 * import { cloneTopicRouteData, type TopicRouteData } from "./topic_route.ts";
 * const queueData = { brokerName: "b", readQueueNums: 2, writeQueueNums: 2 };
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * const route: TopicRouteData = {
 *   queueDatas: [{ ...queueData, perm: 6, topicSysFlag: 0 }], filterServerTable: new Map(),
 *   brokerDatas: [{ cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false }],
 * };
 * const copy = cloneTopicRouteData(route);
 * copy.brokerDatas[0].brokerAddrs.set(1, "10.0.0.2:10911");
 * if (route.brokerDatas[0].brokerAddrs.size !== 1) throw new Error("the original is untouched");
 * ```
 */
export function cloneTopicRouteData(route: TopicRouteData): TopicRouteData {
  const copy: TopicRouteData = {
    queueDatas: route.queueDatas.map((q) => ({ ...q })),
    brokerDatas: route.brokerDatas.map((b) => ({ ...b, brokerAddrs: new Map(b.brokerAddrs) })),
    filterServerTable: new Map([...route.filterServerTable].map(([k, v]) => [k, [...v]])),
  };
  if (route.orderTopicConf !== undefined) copy.orderTopicConf = route.orderTopicConf;
  return copy;
}

/**
 * The route model of the name server, with RocketMQ's names (`shared/spec/bodies.md` §1–§3):
 * what brokers register (TopicConfig, DataVersion) and what clients read (QueueData, BrokerData,
 * TopicRouteData, ClusterInfo).
 *
 * @module
 */

/** Broker id of a master; slaves have ids > 0. */
export const MASTER_ID = 0;

/** Permission bits of a queue (`PermName`): 2 write, 4 read, 1 inherit (topic templates). */
export const PERM_INHERIT = 1;
/** Write permission bit. */
export const PERM_WRITE = 2;
/** Read permission bit. */
export const PERM_READ = 4;

/** `TopicSysFlag` bit: unit topic. */
export const FLAG_UNIT = 0x1;
/** `TopicSysFlag` bit: has a unit subscription. */
export const FLAG_UNIT_SUB = 0x2;

/** Version of a broker's topic config; equal iff all fields are equal (missing stateVersion = 0). */
export interface DataVersion {
  /** bumped on every change */
  counter: number;
  /** time of the last change, ms */
  timestamp: number;
  /** 5.x: controller state version */
  stateVersion?: number;
}

/** A topic as a broker holds it (the part the name server reads). */
export interface TopicConfig {
  /** topic name */
  topicName: string;
  /** queues consumers read */
  readQueueNums: number;
  /** queues producers write */
  writeQueueNums: number;
  /** permission bits ({@linkcode PERM_READ} | {@linkcode PERM_WRITE}) */
  perm: number;
  /** `SINGLE_TAG` or `MULTI_TAG` */
  topicFilterType: string;
  /** {@linkcode FLAG_UNIT} / {@linkcode FLAG_UNIT_SUB} bits */
  topicSysFlag: number;
  /** ordered topic */
  order: boolean;
}

/** The topic-config wrapper a broker registers: all its topics and their version. */
export interface TopicConfigWrapper {
  /** topic → config */
  topicConfigTable: Map<string, TopicConfig>;
  /** version of the whole table */
  dataVersion: DataVersion;
}

/**
 * One broker group's queues of a topic.
 *
 * @example
 * ```ts
 * import { PERM_WRITE, type QueueData } from "./route_types.ts";
 * const queues: QueueData = {
 *   brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0,
 * };
 * if ((queues.perm & PERM_WRITE) === 0) throw new Error("perm 6 is read and write");
 * ```
 */
export interface QueueData {
  /** the broker group */
  brokerName: string;
  /** queues consumers read */
  readQueueNums: number;
  /** queues producers write */
  writeQueueNums: number;
  /** permission bits */
  perm: number;
  /** topic sys flag */
  topicSysFlag: number;
}

/**
 * One broker group: its cluster and the address of each member by broker id (0 = master).
 *
 * @example
 * ```ts
 * import type { BrokerData } from "./route_types.ts";
 * const group: BrokerData = {
 *   cluster: "DefaultCluster", brokerName: "broker-a", enableActingMaster: false,
 *   brokerAddrs: new Map([[0, "10.0.0.1:10911"], [1, "10.0.0.2:10911"]]),
 * };
 * if (group.brokerAddrs.get(0) !== "10.0.0.1:10911") throw new Error("id 0 is the master");
 * ```
 */
export interface BrokerData {
  /** cluster name */
  cluster: string;
  /** broker group name */
  brokerName: string;
  /** broker id → `ip:port` */
  brokerAddrs: Map<number, string>;
  /** 5.x: slave acting as master when the master is gone */
  enableActingMaster: boolean;
  /** 5.x: zone of the group (`__ZONE_NAME`), if given */
  zoneName?: string;
}

/**
 * What GET_ROUTEINFO_BY_TOPIC returns.
 *
 * @example
 * ```ts
 * import type { TopicRouteData } from "./route_types.ts";
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * const route: TopicRouteData = {
 *   queueDatas: [
 *     { brokerName: "b", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
 *   ],
 *   brokerDatas: [{ cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false }],
 *   filterServerTable: new Map(),
 * };
 * const writeQueues = route.queueDatas.reduce((n, q) => n + q.writeQueueNums, 0);
 * if (writeQueues !== 4) throw new Error();
 * ```
 */
export interface TopicRouteData {
  /** `broker-a:4;broker-b:4` when ordered-topic config applies */
  orderTopicConf?: string;
  /** queues per broker group */
  queueDatas: QueueData[];
  /** the broker groups named in `queueDatas` */
  brokerDatas: BrokerData[];
  /** broker address → filter server addresses */
  filterServerTable: Map<string, string[]>;
}

/**
 * What GET_BROKER_CLUSTER_INFO returns.
 *
 * @example
 * ```ts
 * import type { ClusterInfo } from "./route_types.ts";
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * const b = { cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false };
 * const info: ClusterInfo = {
 *   brokerAddrTable: new Map([["b", b]]),
 *   clusterAddrTable: new Map([["C", new Set(["b"])]]),
 * };
 * const names = [...info.clusterAddrTable.get("C") ?? []];
 * const masters = names.map((name) => info.brokerAddrTable.get(name)?.brokerAddrs.get(0));
 * if (masters[0] !== "10.0.0.1:10911") throw new Error();
 * ```
 */
export interface ClusterInfo {
  /** broker name → group */
  brokerAddrTable: Map<string, BrokerData>;
  /** cluster name → broker names */
  clusterAddrTable: Map<string, Set<string>>;
}

/** What GET_*TOPIC_LIST* returns. */
export interface TopicList {
  /** topic names */
  topicList: string[];
  /** a broker address (system topic list only) */
  brokerAddr?: string;
}

/** REGISTER_BROKER reply fields for slaves: where their master is. */
export interface RegisterBrokerResult {
  /** the master's HA address */
  haServerAddr?: string;
  /** the master's address */
  masterAddr?: string;
}

/**
 * @param a a data version
 * @param b another data version
 * @returns true when counter, timestamp and state version are equal
 */
export function dataVersionEquals(a: DataVersion, b: DataVersion): boolean {
  return a.counter === b.counter && a.timestamp === b.timestamp &&
    (a.stateVersion ?? 0) === (b.stateVersion ?? 0);
}

/**
 * @param a queue data
 * @param b other queue data
 * @returns true when every field is equal
 */
export function queueDataEquals(a: QueueData, b: QueueData): boolean {
  return a.brokerName === b.brokerName && a.readQueueNums === b.readQueueNums &&
    a.writeQueueNums === b.writeQueueNums && a.perm === b.perm && a.topicSysFlag === b.topicSysFlag;
}

/**
 * @param data a broker group
 * @returns a copy whose address map can be changed independently
 */
export function cloneBrokerData(data: BrokerData): BrokerData {
  return { ...data, brokerAddrs: new Map(data.brokerAddrs) };
}

/** One REGISTER_BROKER call, decoded. */
export interface BrokerRegistration {
  /** cluster name */
  clusterName: string;
  /** the broker's main address, `ip:port` */
  brokerAddr: string;
  /** broker group name */
  brokerName: string;
  /** 0 = master, > 0 = slave */
  brokerId: number;
  /** the broker's HA address, `ip:port` */
  haServerAddr: string;
  /** 5.x `__ZONE_NAME` */
  zoneName?: string;
  /** 5.x per-broker expiry, ms; default the name server's `brokerChannelExpiredTime` */
  heartbeatTimeoutMillis?: number;
  /** 5.x; absent for 4.x brokers */
  enableActingMaster?: boolean;
  /** the broker's topics and their version */
  topicConfigWrapper: TopicConfigWrapper;
  /** filter servers; `undefined` leaves the recorded list alone */
  filterServerList?: string[];
  /** the connection it came over (identity only); closed connections remove the broker */
  channel?: unknown;
}

/** Identifies a broker to unregister. */
export interface BrokerIdentity {
  /** cluster name */
  clusterName: string;
  /** main address */
  brokerAddr: string;
  /** group name */
  brokerName: string;
  /** broker id */
  brokerId: number;
}

/** Liveness record of one registered broker address. */
export interface BrokerLiveInfo {
  /** cluster name */
  readonly clusterName: string;
  /** main address */
  readonly brokerAddr: string;
  /** last REGISTER_BROKER / QUERY_DATA_VERSION / BROKER_HEARTBEAT, ms */
  lastUpdateTimestamp: number;
  /**
   * silence after which the broker is dropped, ms, when its 5.x registration set one; absent:
   * the name server's `brokerChannelExpiredTime`, read at each scan
   */
  readonly heartbeatTimeoutMillis?: number;
  /** version of its last registered topic config */
  readonly dataVersion: DataVersion;
  /** its connection (identity) */
  readonly channel: unknown;
  /** its HA address */
  readonly haServerAddr: string;
}

/** Read-only views of the registry's tables. */
export interface RouteTablesView {
  /** topic → broker name → queue data */
  readonly topicQueueTable: ReadonlyMap<string, ReadonlyMap<string, QueueData>>;
  /** broker name → group */
  readonly brokerAddrTable: ReadonlyMap<string, BrokerData>;
  /** cluster → broker names */
  readonly clusterAddrTable: ReadonlyMap<string, ReadonlySet<string>>;
  /** (cluster, address) → liveness */
  readonly brokerLiveTable: ReadonlyMap<string, BrokerLiveInfo>;
}

/**
 * JSON views of name server state for the HTTP admin: plain objects with RocketMQ's field names,
 * broker-id maps keyed by id strings.
 *
 * @module
 */
import type { RouteInfoManager } from "./route_info_manager.ts";
import { getAllClusterInfo } from "./route_queries.ts";
import type { BrokerData } from "./route_types.ts";

/** A BrokerData as a plain object. */
export interface BrokerDataView {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
  enableActingMaster: boolean;
  zoneName?: string;
}

/** @returns the broker group with its ids as string keys, ascending */
export function brokerDataView(data: BrokerData): BrokerDataView {
  const brokerAddrs: Record<string, string> = {};
  for (const id of [...data.brokerAddrs.keys()].sort((a, b) => a - b)) {
    brokerAddrs[id] = data.brokerAddrs.get(id)!;
  }
  const view: BrokerDataView = {
    cluster: data.cluster,
    brokerName: data.brokerName,
    brokerAddrs,
    enableActingMaster: data.enableActingMaster,
  };
  if (data.zoneName !== undefined) view.zoneName = data.zoneName;
  return view;
}

/** One live broker address. */
export interface BrokerLiveView {
  clusterName: string;
  brokerAddr: string;
  haServerAddr: string;
  lastUpdateTimestamp: number;
  heartbeatTimeoutMillis: number;
  dataVersion: { counter: number; timestamp: number; stateVersion?: number };
}

/** GET /cluster body. */
export interface ClusterView {
  clusterAddrTable: Record<string, string[]>;
  brokerAddrTable: Record<string, BrokerDataView>;
  brokerLiveTable: BrokerLiveView[];
}

/**
 * @param manager the registry
 * @param brokerChannelExpiredTime the timeout of brokers that did not register their own, ms
 * @returns clusters, broker groups and live brokers, sorted by name
 */
export function clusterView(
  manager: RouteInfoManager,
  brokerChannelExpiredTime: number,
): ClusterView {
  const info = getAllClusterInfo(manager.tables);
  const clusterAddrTable: Record<string, string[]> = {};
  for (const name of [...info.clusterAddrTable.keys()].sort()) {
    clusterAddrTable[name] = [...info.clusterAddrTable.get(name)!].sort();
  }
  const brokerAddrTable: Record<string, BrokerDataView> = {};
  for (const name of [...info.brokerAddrTable.keys()].sort()) {
    brokerAddrTable[name] = brokerDataView(info.brokerAddrTable.get(name)!);
  }
  const brokerLiveTable = [...manager.tables.brokerLiveTable.values()].map((live) => ({
    clusterName: live.clusterName,
    brokerAddr: live.brokerAddr,
    haServerAddr: live.haServerAddr,
    lastUpdateTimestamp: live.lastUpdateTimestamp,
    heartbeatTimeoutMillis: live.heartbeatTimeoutMillis ?? brokerChannelExpiredTime,
    dataVersion: { ...live.dataVersion },
  })).sort((a, b) => (a.brokerAddr < b.brokerAddr ? -1 : a.brokerAddr > b.brokerAddr ? 1 : 0));
  return { clusterAddrTable, brokerAddrTable, brokerLiveTable };
}

/**
 * @param config a config object
 * @returns the non-null values, keys sorted
 */
export function configView(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(config).sort()) {
    if (config[key] !== undefined && config[key] !== null) out[key] = config[key];
  }
  return out;
}

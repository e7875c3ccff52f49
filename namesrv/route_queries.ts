/**
 * Topic-list queries over the route registry (GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
 * GET_TOPICS_BY_CLUSTER, GET_SYSTEM_TOPIC_LIST_FROM_NS, GET_UNIT_TOPIC_LIST,
 * GET_HAS_UNIT_SUB_TOPIC_LIST, GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST), as RocketMQ answers them.
 *
 * @module
 */
import {
  type BrokerData,
  cloneBrokerData,
  type ClusterInfo,
  FLAG_UNIT,
  FLAG_UNIT_SUB,
  type QueueData,
  type RouteTablesView,
  type TopicList,
} from "./route_types.ts";

const sorted = (names: Iterable<string>): string[] => [...names].sort();

/**
 * @param tables the registry
 * @returns copies of the broker groups and clusters (GET_BROKER_CLUSTER_INFO)
 */
export function getAllClusterInfo(tables: RouteTablesView): ClusterInfo {
  const brokerAddrTable = new Map<string, BrokerData>();
  for (const [name, data] of tables.brokerAddrTable) {
    brokerAddrTable.set(name, cloneBrokerData(data));
  }
  const clusterAddrTable = new Map<string, Set<string>>();
  for (const [name, set] of tables.clusterAddrTable) clusterAddrTable.set(name, new Set(set));
  return { brokerAddrTable, clusterAddrTable };
}

/**
 * @param tables the registry
 * @returns every topic with at least one broker group
 */
export function getAllTopicList(tables: RouteTablesView): TopicList {
  return { topicList: sorted(tables.topicQueueTable.keys()) };
}

/**
 * @param tables the registry
 * @param cluster cluster name
 * @returns the topics held by any broker group of the cluster (empty for an unknown cluster)
 */
export function getTopicsByCluster(tables: RouteTablesView, cluster: string): TopicList {
  const names = tables.clusterAddrTable.get(cluster);
  const topics = new Set<string>();
  if (names !== undefined) {
    for (const [topic, queueDataMap] of tables.topicQueueTable) {
      for (const name of names) {
        if (queueDataMap.has(name)) {
          topics.add(topic);
          break;
        }
      }
    }
  }
  return { topicList: sorted(topics) };
}

/**
 * RocketMQ's "system topics" of a name server: every cluster name and every broker name (brokers
 * own topics named after both), plus one broker address to ask for more.
 *
 * @param tables the registry
 * @returns the names and a broker address
 */
export function getSystemTopicList(tables: RouteTablesView): TopicList {
  const topics = new Set<string>();
  for (const [cluster, names] of tables.clusterAddrTable) {
    topics.add(cluster);
    for (const name of names) topics.add(name);
  }
  const list: TopicList = { topicList: sorted(topics) };
  for (const brokerData of tables.brokerAddrTable.values()) {
    const first = brokerData.brokerAddrs.values().next();
    if (!first.done) {
      list.brokerAddr = first.value;
      break;
    }
  }
  return list;
}

/** Topics whose first queue data's sys flag passes the test. */
function topicsByFlag(tables: RouteTablesView, test: (sysFlag: number) => boolean): TopicList {
  const topics: string[] = [];
  for (const [topic, queueDataMap] of tables.topicQueueTable) {
    const first: IteratorResult<QueueData> = queueDataMap.values().next();
    if (!first.done && test(first.value.topicSysFlag)) topics.push(topic);
  }
  return { topicList: sorted(topics) };
}

/**
 * @param tables the registry
 * @returns topics with the unit flag
 */
export function getUnitTopics(tables: RouteTablesView): TopicList {
  return topicsByFlag(tables, (f) => (f & FLAG_UNIT) === FLAG_UNIT);
}

/**
 * @param tables the registry
 * @returns topics with the unit-subscription flag
 */
export function getHasUnitSubTopicList(tables: RouteTablesView): TopicList {
  return topicsByFlag(tables, (f) => (f & FLAG_UNIT_SUB) === FLAG_UNIT_SUB);
}

/**
 * @param tables the registry
 * @returns topics with the unit-subscription flag but not the unit flag
 */
export function getHasUnitSubUnUnitTopicList(tables: RouteTablesView): TopicList {
  return topicsByFlag(
    tables,
    (f) => (f & FLAG_UNIT) !== FLAG_UNIT && (f & FLAG_UNIT_SUB) === FLAG_UNIT_SUB,
  );
}

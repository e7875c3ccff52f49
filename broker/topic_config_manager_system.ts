/**
 * The topics every broker creates at start (RocketMQ `TopicConfigManager` constructor, 4.9.8, plus
 * the two transaction topics 5.x creates there too; features.md §11). They live in memory and are
 * registered with the name servers; topics.json entries of the same name win on load.
 *
 * @module
 */
import { createTopicConfig, PermName, type TopicConfig } from "./topic_config.ts";
import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  REPLY_TOPIC_POSTFIX,
  RMQ_SYS_BENCHMARK_TOPIC,
  RMQ_SYS_OFFSET_MOVED_EVENT,
  RMQ_SYS_SCHEDULE_TOPIC,
  RMQ_SYS_SELF_TEST_TOPIC,
  RMQ_SYS_TRANS_HALF_TOPIC,
  RMQ_SYS_TRANS_OP_HALF_TOPIC,
} from "./topic_validator.ts";

/** Queues of `SCHEDULE_TOPIC_XXXX`: one per delay level (features.md §4). */
export const SCHEDULE_TOPIC_QUEUE_NUM = 18;

/** The BrokerConfig keys that decide the system topics (config.md §3). */
export interface SystemTopicSettings {
  /** cluster name; a topic of that name is created (16 queues) */
  readonly brokerClusterName: string;
  /** broker name; a topic of that name is created (1 queue) */
  readonly brokerName: string;
  /** create `TBW102` with INHERIT, allowing auto-creation of topics on send */
  readonly autoCreateTopicEnable: boolean;
  /** queues of `TBW102` */
  readonly defaultTopicQueueNums: number;
  /** the cluster-name topic is readable and writable (else INHERIT only) */
  readonly clusterTopicEnable: boolean;
  /** the broker-name topic is readable and writable (else INHERIT only) */
  readonly brokerTopicEnable: boolean;
  /** create the trace topic */
  readonly traceTopicEnable: boolean;
  /** name of the trace topic */
  readonly msgTraceTopicName: string;
}

const RW = PermName.PERM_READ | PermName.PERM_WRITE;

/**
 * Lists the start-up topics in RocketMQ's order.
 *
 * @param settings the broker's settings
 * @returns the topic configs (names may repeat if, say, the broker is named like a system topic;
 *   the later one wins, as in RocketMQ's table)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSystemTopics } from "./topic_config_manager_system.ts";
 * const topics = buildSystemTopics({ brokerClusterName: "DefaultCluster", brokerName: "broker-a",
 *   autoCreateTopicEnable: true, defaultTopicQueueNums: 8, clusterTopicEnable: true,
 *   brokerTopicEnable: true, traceTopicEnable: false, msgTraceTopicName: "RMQ_SYS_TRACE_TOPIC" });
 * assert.equal(topics.find((t) => t.topicName === "TBW102")?.perm, 7);
 * ```
 */
export function buildSystemTopics(settings: SystemTopicSettings): TopicConfig[] {
  const one = { readQueueNums: 1, writeQueueNums: 1 };
  const topics: TopicConfig[] = [createTopicConfig(RMQ_SYS_SELF_TEST_TOPIC, one)];
  if (settings.autoCreateTopicEnable) {
    topics.push(createTopicConfig(AUTO_CREATE_TOPIC_KEY_TOPIC, {
      readQueueNums: settings.defaultTopicQueueNums,
      writeQueueNums: settings.defaultTopicQueueNums,
      perm: PermName.PERM_INHERIT | RW,
    }));
  }
  topics.push(
    createTopicConfig(RMQ_SYS_BENCHMARK_TOPIC, { readQueueNums: 1024, writeQueueNums: 1024 }),
  );
  topics.push(createTopicConfig(settings.brokerClusterName, {
    perm: PermName.PERM_INHERIT | (settings.clusterTopicEnable ? RW : 0),
  }));
  topics.push(createTopicConfig(settings.brokerName, {
    ...one,
    perm: PermName.PERM_INHERIT | (settings.brokerTopicEnable ? RW : 0),
  }));
  topics.push(createTopicConfig(RMQ_SYS_OFFSET_MOVED_EVENT, one));
  topics.push(createTopicConfig(RMQ_SYS_SCHEDULE_TOPIC, {
    readQueueNums: SCHEDULE_TOPIC_QUEUE_NUM,
    writeQueueNums: SCHEDULE_TOPIC_QUEUE_NUM,
  }));
  if (settings.traceTopicEnable) topics.push(createTopicConfig(settings.msgTraceTopicName, one));
  topics.push(createTopicConfig(`${settings.brokerClusterName}_${REPLY_TOPIC_POSTFIX}`, one));
  topics.push(createTopicConfig(RMQ_SYS_TRANS_HALF_TOPIC, one));
  topics.push(createTopicConfig(RMQ_SYS_TRANS_OP_HALF_TOPIC, one));
  return topics;
}

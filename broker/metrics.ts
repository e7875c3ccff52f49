/**
 * The broker's Prometheus metrics (`GET /metrics`, text exposition format 0.0.4): messages and
 * bytes in and out per topic, messages out per group, consumer lag per group and topic, store size,
 * flush latency and put counters. Every value is read at scrape time from the same counters the
 * wire commands report.
 *
 * @module
 */
import type { BrokerAdminContext } from "./processors/admin_context.ts";
import { TOPIC_GROUP_SEPARATOR } from "./consumer_offset_manager.ts";

/** The `Content-Type` of the exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A metric family's kind. */
export type MetricType = "counter" | "gauge";

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @param value the raw value
 * @returns the escaped value
 */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

/**
 * Builds exposition text family by family: `# HELP`, `# TYPE`, then samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PrometheusTextWriter } from "./metrics.ts";
 * const writer = new PrometheusTextWriter();
 * writer.family("edgemq_topics", "gauge", "Topics on this broker", [[{}, 3]]);
 * assert.equal(writer.text(), "# HELP edgemq_topics Topics on this broker\n# TYPE edgemq_topics gauge\nedgemq_topics 3\n");
 * ```
 */
export class PrometheusTextWriter {
  #out = "";

  /**
   * Writes one metric family.
   *
   * @param name metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`)
   * @param type counter or gauge
   * @param help one line of help text
   * @param samples label sets and values
   */
  family(
    name: string,
    type: MetricType,
    help: string,
    samples: Iterable<readonly [Labels, number]>,
  ): void {
    this.#out += `# HELP ${name} ${
      help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")
    }\n# TYPE ${name} ${type}\n`;
    for (const [labels, value] of samples) {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
      this.#out += `${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${
        formatValue(value)
      }\n`;
    }
  }

  /** @returns the text written so far */
  text(): string {
    return this.#out;
  }
}

/** Lag per `topic@group` with offsets: sum over read queues of max(0, max offset − committed). */
function consumerLag(context: BrokerAdminContext): [Labels, number][] {
  const out: [Labels, number][] = [];
  const keys = [...context.consumerOffsetManager.offsetTable.keys()].sort();
  for (const key of keys) {
    const at = key.lastIndexOf(TOPIC_GROUP_SEPARATOR);
    if (at <= 0) continue;
    const topic = key.slice(0, at);
    const group = key.slice(at + 1);
    const config = context.topicConfigManager.selectTopicConfig(topic);
    if (config === undefined) continue;
    let lag = 0;
    for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
      const max = context.messageStore.getMaxOffsetInQueue(topic, queueId);
      const committed = Math.max(
        0,
        context.consumerOffsetManager.queryOffset(group, topic, queueId),
      );
      lag += Math.max(0, max - committed);
    }
    out.push([{ group, topic }, lag]);
  }
  return out;
}

function writeTraffic(writer: PrometheusTextWriter, context: BrokerAdminContext): void {
  const traffic = context.brokerStats.topicTraffic();
  const byTopic = (pick: (t: (typeof traffic)[number]) => number): [Labels, number][] =>
    traffic.map((t) => [{ topic: t.topic }, pick(t)]);
  writer.family(
    "edgemq_messages_in_total",
    "counter",
    "Messages stored per topic",
    byTopic((t) => t.put.msgs),
  );
  writer.family(
    "edgemq_bytes_in_total",
    "counter",
    "Message bytes stored per topic",
    byTopic((t) => t.put.bytes),
  );
  writer.family(
    "edgemq_messages_out_total",
    "counter",
    "Messages sent to consumers per topic",
    byTopic((t) => t.get.msgs),
  );
  writer.family(
    "edgemq_bytes_out_total",
    "counter",
    "Message bytes sent to consumers per topic",
    byTopic((t) => t.get.bytes),
  );
  const groups = context.brokerStats.groupTraffic();
  writer.family(
    "edgemq_group_messages_out_total",
    "counter",
    "Messages sent to a consumer group per topic",
    groups.map((g) => [{ group: g.group, topic: g.topic }, g.get.msgs]),
  );
  writer.family(
    "edgemq_group_bytes_out_total",
    "counter",
    "Message bytes sent to a consumer group per topic",
    groups.map((g) => [{ group: g.group, topic: g.topic }, g.get.bytes]),
  );
}

/** One unlabelled store figure: name, type, help, value. */
type StoreFigure = readonly [string, MetricType, string, number];

async function writeStore(
  writer: PrometheusTextWriter,
  context: BrokerAdminContext,
): Promise<void> {
  const s = context.messageStore.stats();
  const disk = await context.fs.diskUsage(context.messageStore.paths.rootDir);
  const figures: StoreFigure[] = [
    [
      "commitlog_bytes",
      "gauge",
      "Bytes of messages held in the commit log",
      s.commitLogMaxOffset - s.commitLogMinOffset,
    ],
    [
      "commitlog_max_offset",
      "gauge",
      "Commit-log offset the next message gets",
      s.commitLogMaxOffset,
    ],
    [
      "unflushed_bytes",
      "gauge",
      "Commit-log bytes written but not yet flushed",
      Math.max(0, s.commitLogMaxOffset - s.flushedOffset),
    ],
    [
      "dispatch_behind_bytes",
      "gauge",
      "Commit-log bytes not yet in consume queues",
      s.dispatchBehindBytes,
    ],
    ["put_messages_total", "counter", "Messages put into the store", s.putMessageTimesTotal],
    ["put_bytes_total", "counter", "Bytes put into the store", s.putMessageSizeTotal],
    ["put_failures_total", "counter", "Failed puts", s.putMessageFailedTimes],
    ["flushes_total", "counter", "Commit-log sync rounds", s.flush.syncCount],
    [
      "flush_latency_last_seconds",
      "gauge",
      "Duration of the last commit-log sync round",
      s.flush.lastFlushLatencyMs / 1000,
    ],
    [
      "flush_latency_max_seconds",
      "gauge",
      "Longest commit-log sync round since start",
      s.flush.maxFlushLatencyMs / 1000,
    ],
    ["disk_total_bytes", "gauge", "Capacity of the volume holding the store", disk.totalBytes],
    ["disk_free_bytes", "gauge", "Free bytes of the volume holding the store", disk.freeBytes],
  ];
  for (const [name, type, help, value] of figures) {
    writer.family(`edgemq_store_${name}`, type, help, [[{}, value]]);
  }
}

/**
 * Renders every broker metric.
 *
 * @param context the broker
 * @returns the exposition text
 */
export async function renderBrokerMetrics(context: BrokerAdminContext): Promise<string> {
  const writer = new PrometheusTextWriter();
  const brokerName = context.configuration.config.brokerName;
  writer.family("edgemq_broker_info", "gauge", "Broker identity (value 1)", [[
    {
      brokerName,
      cluster: context.configuration.config.brokerClusterName,
      brokerAddr: context.brokerAddr,
    },
    1,
  ]]);
  writer.family("edgemq_broker_uptime_seconds", "gauge", "Seconds since the broker started", [[
    {},
    Math.max(0, context.clock.now() - context.bootTimestamp) / 1000,
  ]]);
  writer.family("edgemq_topics", "gauge", "Topics on this broker", [[
    {},
    context.topicConfigManager.topicConfigTable.size,
  ]]);
  writer.family("edgemq_consumer_groups_online", "gauge", "Consumer groups with live connections", [
    [
      {},
      context.consumerManager.groupNames().length,
    ],
  ]);
  writeTraffic(writer, context);
  writer.family(
    "edgemq_consumer_lag_messages",
    "gauge",
    "Messages not yet consumed per group and topic",
    consumerLag(context),
  );
  await writeStore(writer, context);
  return writer.text();
}

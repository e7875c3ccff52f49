/**
 * Topic commands of `mqadmin` (`shared/spec/config.md` §6): updateTopic, deleteTopic, topicList,
 * topicRoute and topicStatus, printing what RocketMQ 4.9.8's commands print.
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import { decodeTopicStatsTable, type TopicOffset } from "../../client/admin_bodies.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../../client/message_const.ts";
import { compareMessageQueue } from "../../client/message_queue.ts";
import type { TopicRouteData } from "../../client/topic_route.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import {
  frontStringAtLeast,
  javaFormat,
  perm2String,
  timeMillisToHumanString2,
} from "../_format.ts";
import { fastjsonPretty } from "../_pretty_json.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import {
  brokerNameOfAddr,
  brokerNamesOfCluster,
  NAMESPACE_ORDER_TOPIC_CONFIG,
} from "./_command_util.ts";

/** RocketMQ `MixAll.DLQ_GROUP_TOPIC_PREFIX`. */
const DLQ_GROUP_TOPIC_PREFIX = "%DLQ%";

async function updateTopic(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const target = flags.oneOf("b", "c");
  const unit = flags.bool("u", false);
  const hasUnitSub = flags.bool("s", false);
  const topic = {
    topicName: flags.require("t"),
    readQueueNums: flags.int("r", 8),
    writeQueueNums: flags.int("w", 8),
    perm: flags.int("p", 6),
    topicFilterType: "SINGLE_TAG" as const,
    topicSysFlag: (unit ? 1 : 0) | (hasUnitSub ? 2 : 0),
    order: flags.bool("o", false),
  };
  const admin = ctx.admin();
  if (target.short === "b") {
    await admin.createTopic(target.value, topic);
    if (topic.order) {
      const orderConf = `${await brokerNameOfAddr(admin, target.value)}:${topic.writeQueueNums}`;
      // This broker's entry replaces its old one; other brokers' entries stay (RocketMQ's
      // createOrUpdateOrderConf with isCluster=false). A read failure stops here: writing
      // without the old value would drop the other brokers' ordered queues.
      const old = await admin.getKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic.topicName);
      await admin.putKVConfig(
        NAMESPACE_ORDER_TOPIC_CONFIG,
        topic.topicName,
        mergeOrderConf(old, orderConf),
      );
      out.write(javaFormat("set broker orderConf. isOrder=%s, orderConf=[%s]%n", true, orderConf));
    }
    out.write(javaFormat("create topic to %s success.%n", target.value));
  } else {
    for (const addr of await admin.createTopicInCluster(target.value, topic)) {
      out.write(javaFormat("create topic to %s success.%n", addr));
    }
    if (topic.order) {
      const names = await brokerNamesOfCluster(admin, target.value);
      const orderConf = names.map((name) => `${name}:${topic.writeQueueNums}`).join(";");
      await admin.putKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic.topicName, orderConf);
      out.write(javaFormat("set cluster orderConf. isOrder=%s, orderConf=[%s]%n", true, orderConf));
    }
  }
  out.write(
    `TopicConfig [topicName=${topic.topicName}, readQueueNums=${topic.readQueueNums}, ` +
      `writeQueueNums=${topic.writeQueueNums}, perm=${perm2String(topic.perm)}, ` +
      `topicFilterType=${topic.topicFilterType}, topicSysFlag=${topic.topicSysFlag}, ` +
      `order=${topic.order}]\n`,
  );
}

async function deleteTopic(ctx: CommandContext): Promise<void> {
  const topic = ctx.flags.require("t");
  const cluster = ctx.flags.require("c");
  await ctx.admin().deleteTopic(topic, cluster);
  ctx.out.write(javaFormat("delete topic [%s] from cluster [%s] success.%n", topic, cluster));
  ctx.out.write(javaFormat("delete topic [%s] from NameServer success.%n", topic));
}

/** The cluster whose brokers host a topic (RocketMQ `findTopicBelongToWhichCluster`). */
async function clusterOfTopic(admin: AdminClient, topic: string): Promise<string> {
  const [first] = (await admin.topicRoute(topic)).brokerDatas;
  if (first === undefined) return "";
  for (const [cluster, names] of (await admin.clusterInfo()).clusterAddrTable) {
    if (names.has(first.brokerName)) return cluster;
  }
  return "";
}

async function topicList(ctx: CommandContext): Promise<void> {
  const admin = ctx.admin();
  const { topicList: topics } = await admin.topicList();
  if (!ctx.flags.has("c")) {
    for (const topic of topics) ctx.out.write(`${topic}\n`);
    return;
  }
  ctx.out.write(javaFormat("%-20s  %-48s  %-48s%n", "#Cluster Name", "#Topic", "#Consumer Group"));
  const failed: string[] = [];
  for (const topic of topics) {
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) || topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)) {
      continue;
    }
    // Per topic, as RocketMQ: a broker that fails or hangs blanks this row, not the listing.
    let cluster = "";
    let groups: string[] = [];
    try {
      cluster = await clusterOfTopic(admin, topic);
      groups = await admin.queryTopicConsumeByWho(topic);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failed.push(`${topic} (${error.message.split("\n")[0]})`);
    }
    for (const group of groups.length === 0 ? [""] : groups) {
      ctx.out.write(javaFormat(
        "%-20s  %-64s  %-64s%n",
        frontStringAtLeast(cluster, 20),
        frontStringAtLeast(topic, 64),
        frontStringAtLeast(group, 64),
      ));
    }
  }
  if (failed.length > 0) {
    throw new MQAdminError(`Cannot read the cluster or consumers of ${failed.join(", ")}`);
  }
}

/** The route as fastjson writes TopicRouteData: properties alphabetical, nulls omitted. */
function routeForPrint(route: TopicRouteData): unknown {
  return {
    brokerDatas: route.brokerDatas.map((b) => ({
      brokerAddrs: new Map([...b.brokerAddrs].sort(([x], [y]) => x - y)),
      brokerName: b.brokerName,
      cluster: b.cluster,
      enableActingMaster: b.enableActingMaster,
      zoneName: b.zoneName,
    })),
    filterServerTable: route.filterServerTable,
    orderTopicConf: route.orderTopicConf,
    queueDatas: route.queueDatas.map((q) => ({
      brokerName: q.brokerName,
      perm: q.perm,
      readQueueNums: q.readQueueNums,
      topicSysFlag: q.topicSysFlag,
      writeQueueNums: q.writeQueueNums,
    })),
  };
}

const ROUTE_LIST_FORMAT = "%-45s %-32s %-50s %-10s %-11s %-5s%n";

function printRouteList(ctx: CommandContext, route: TopicRouteData): void {
  const queues = new Map(route.queueDatas.map((q) => [q.brokerName, q]));
  const brokers = [...route.brokerDatas].sort((a, b) => a.brokerName < b.brokerName ? -1 : 1);
  const header = ["#ClusterName", "#BrokerName", "#BrokerAddrs", "#ReadQueue", "#WriteQueue"];
  ctx.out.write(javaFormat(ROUTE_LIST_FORMAT, ...header, "#Perm"));
  let reads = 0;
  let writes = 0;
  for (const b of brokers) {
    const q = queues.get(b.brokerName);
    reads += q?.readQueueNums ?? 0;
    writes += q?.writeQueueNums ?? 0;
    const addrs = `{${[...b.brokerAddrs].map(([id, addr]) => `${id}=${addr}`).join(", ")}}`;
    ctx.out.write(javaFormat(
      ROUTE_LIST_FORMAT,
      b.cluster,
      b.brokerName,
      addrs,
      q?.readQueueNums ?? 0,
      q?.writeQueueNums ?? 0,
      q?.perm ?? 0,
    ));
  }
  ctx.out.write(`${"-".repeat(158)}\n`);
  ctx.out.write(javaFormat(ROUTE_LIST_FORMAT, "Total:", queues.size, "", reads, writes, ""));
}

async function topicRoute(ctx: CommandContext): Promise<void> {
  const route = await ctx.admin().topicRoute(ctx.flags.require("t"));
  if (ctx.flags.has("l")) printRouteList(ctx, route);
  else ctx.out.write(`${fastjsonPretty(routeForPrint(route))}\n`);
}

/** GET_TOPIC_STATS_INFO to one broker. */
async function topicStatsAt(admin: AdminClient, addr: string, topic: string) {
  const request = admin.api.request(RequestCode.GET_TOPIC_STATS_INFO, { topic });
  const response = await admin.api.invokeBroker(addr, request, admin.config.mqClientApiTimeout);
  return decodeTopicStatsTable(response.body);
}

async function topicStatus(ctx: CommandContext): Promise<void> {
  const admin = ctx.admin();
  const topic = ctx.flags.require("t");
  const cluster = ctx.flags.get("c");
  let stats: TopicOffset[];
  if (cluster === undefined) {
    stats = await admin.topicStats(topic);
  } else {
    stats = [];
    for (const b of (await admin.topicRoute(cluster)).brokerDatas) {
      const addr = b.brokerAddrs.get(0) ?? b.brokerAddrs.values().next().value;
      if (addr !== undefined) stats.push(...await topicStatsAt(admin, addr, topic));
    }
    stats.sort((a, b) => compareMessageQueue(a.mq, b.mq));
  }
  const format = "%-32s  %-4s  %-20s  %-20s    %s%n";
  ctx.out.write(
    javaFormat(format, "#Broker Name", "#QID", "#Min Offset", "#Max Offset", "#Last Updated"),
  );
  for (const s of stats) {
    const updated = s.lastUpdateTimestamp > 0
      ? timeMillisToHumanString2(s.lastUpdateTimestamp)
      : "";
    ctx.out.write(javaFormat(
      "%-32s  %-4d  %-20d  %-20d    %s%n",
      frontStringAtLeast(s.mq.brokerName, 32),
      s.mq.queueId,
      s.minOffset,
      s.maxOffset,
      updated,
    ));
  }
}

/** updateTopic, deleteTopic, topicList, topicRoute, topicStatus. */
export const TOPIC_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "updateTopic",
    description: "Update or create topic",
    options: [
      option("b", "brokerAddr", "create topic to which broker"),
      option("c", "clusterName", "create topic to which cluster"),
      option("t", "topic", "topic name", "required"),
      option("r", "readQueueNums", "set read queue nums"),
      option("w", "writeQueueNums", "set write queue nums"),
      option("p", "perm", "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]"),
      option("o", "order", "set topic's order(true|false)"),
      option("u", "unit", "is unit topic (true|false)"),
      option("s", "hasUnitSub", "has unit sub (true|false)"),
    ],
    run: updateTopic,
  },
  {
    name: "deleteTopic",
    description: "Delete topic from broker and NameServer",
    options: [
      option("t", "topic", "topic name", "required"),
      option("c", "clusterName", "delete topic from which cluster", "required"),
    ],
    run: deleteTopic,
  },
  {
    name: "topicList",
    description: "Fetch all topic list from name server",
    options: [option("c", "clusterModel", "clusterModel", "switch")],
    run: topicList,
  },
  {
    name: "topicRoute",
    description: "Examine topic route info",
    options: [
      option("t", "topic", "topic name", "required"),
      option("l", "list", "Use list format to print data", "switch"),
    ],
    run: topicRoute,
  },
  {
    name: "topicStatus",
    description: "Examine topic Status info",
    options: [
      option("t", "topic", "topic name", "required"),
      option("c", "cluster", "cluster name, used to find the route"),
    ],
    run: topicStatus,
  },
];

/** @returns `orderConf` (`brokerName:queues;...`) with `entry`'s broker set to `entry` */
function mergeOrderConf(orderConf: string | undefined, entry: string): string {
  const byBroker = new Map<string, string>();
  for (const item of (orderConf ?? "").split(";")) {
    if (item.trim() !== "") byBroker.set(item.split(":")[0], item);
  }
  byBroker.set(entry.split(":")[0], entry);
  return [...byBroker.values()].join(";");
}

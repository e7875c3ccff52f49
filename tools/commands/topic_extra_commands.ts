/**
 * More topic commands of `mqadmin`: updateTopicPerm, topicClusterList and allocateMQ, with the
 * options and output of RocketMQ 4.9.8's `UpdateTopicPermSubCommand`, `TopicClusterSubCommand` and
 * `AllocateMQSubCommand`.
 *
 * @module
 */

import type { AdminClient, TopicConfigInput } from "../../client/admin_client.ts";
import { messageQueueJson } from "../../client/message_queue.ts";
import { AllocateMessageQueueAveragely } from "../../client/rebalance/allocate_message_queue_averagely.ts";
import type { QueueData, TopicRouteData } from "../../client/topic_route.ts";
import { topicRouteData2TopicSubscribeInfo } from "../../client/topic_publish_info.ts";
import { FlagError } from "../_flags.ts";
import { javaFormat, perm2String } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import { brokerNameOfAddr } from "./_command_util.ts";

/** RocketMQ `MixAll.MASTER_ID`. */
const MASTER_ID = 0;

/** The permissions updateTopicPerm's `-p` documents: 2 write, 4 read, 6 read and write. */
const TOPIC_PERMS: ReadonlyMap<number, string> = new Map([[2, "W"], [4, "R"], [6, "RW"]]);

function permOf(ctx: CommandContext): number {
  const perm = ctx.flags.int("p", 6);
  if (!TOPIC_PERMS.has(perm)) {
    throw new FlagError(
      `invalid value "${ctx.flags.get("p")}" for option ${ctx.flags.describe("p")}: ` +
        "expected 2 (W), 4 (R) or 6 (RW)",
    );
  }
  return perm;
}

/** The topic as its queue data describes it, with the new perm (RocketMQ builds it so). */
function topicWithPerm(topic: string, queueData: QueueData, perm: number): TopicConfigInput {
  return {
    topicName: topic,
    readQueueNums: queueData.readQueueNums,
    writeQueueNums: queueData.writeQueueNums,
    perm,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: queueData.topicSysFlag,
    order: false,
  };
}

function topicConfigString(t: TopicConfigInput): string {
  return `TopicConfig [topicName=${t.topicName}, readQueueNums=${t.readQueueNums}, ` +
    `writeQueueNums=${t.writeQueueNums}, perm=${perm2String(t.perm ?? 6)}, ` +
    `topicFilterType=${t.topicFilterType}, topicSysFlag=${t.topicSysFlag}, order=${t.order}]`;
}

/** `-b`: the broker must be the master of a broker group in the topic's route. */
async function updatePermOnBroker(
  ctx: CommandContext,
  route: TopicRouteData,
  update: { topic: string; addr: string; perm: number },
): Promise<void> {
  const { topic, addr, perm } = update;
  const broker = route.brokerDatas.find((b) => b.brokerAddrs.get(MASTER_ID) === addr);
  const queueData = route.queueDatas.find((q) => q.brokerName === broker?.brokerName);
  if (broker === undefined || queueData === undefined) {
    throw new MQAdminError(
      `Cannot update the perm of topic ${topic} on ${addr}: no master at that address hosts the topic`,
    );
  }
  if (queueData.perm === perm) {
    ctx.out.write("new perm equals to the old one!\n");
    return;
  }
  const config = topicWithPerm(topic, queueData, perm);
  await ctx.admin().createTopic(addr, config);
  ctx.out.write(
    javaFormat("update topic perm from %s to %s in %s success.%n", queueData.perm, perm, addr),
  );
  ctx.out.write(javaFormat("%s.%n", topicConfigString(config)));
}

/** `-c`: every master of the cluster; a broker keeps its own queue counts when it has the topic. */
async function updatePermInCluster(
  ctx: CommandContext,
  route: TopicRouteData,
  update: { topic: string; cluster: string; perm: number },
): Promise<void> {
  const admin = ctx.admin();
  const [first] = route.queueDatas;
  for (const addr of await admin.masterAddrsOfCluster(update.cluster)) {
    const name = await brokerNameOfAddr(admin, addr);
    const queueData = route.queueDatas.find((q) => q.brokerName === name) ?? first;
    await admin.createTopic(addr, topicWithPerm(update.topic, queueData, update.perm));
    ctx.out.write(javaFormat(
      "update topic perm from %s to %s in %s success.%n",
      queueData.perm,
      update.perm,
      addr,
    ));
  }
}

async function updateTopicPerm(ctx: CommandContext): Promise<void> {
  const topic = ctx.flags.require("t");
  const perm = permOf(ctx);
  const target = ctx.flags.oneOf("b", "c");
  const route = await ctx.admin().topicRoute(topic);
  if (route.queueDatas.length === 0) {
    throw new MQAdminError(`Cannot update the perm of topic ${topic}: its route has no queues`);
  }
  if (target.short === "b") {
    await updatePermOnBroker(ctx, route, { topic, addr: target.value, perm });
  } else await updatePermInCluster(ctx, route, { topic, cluster: target.value, perm });
}

/** The clusters whose brokers host the topic, sorted (RocketMQ `getTopicClusterList`). */
async function clustersOfTopic(admin: AdminClient, topic: string): Promise<string[]> {
  const names = new Set((await admin.topicRoute(topic)).brokerDatas.map((b) => b.brokerName));
  const clusters: string[] = [];
  for (const [cluster, brokers] of (await admin.clusterInfo()).clusterAddrTable) {
    if ([...brokers].some((b) => names.has(b))) clusters.push(cluster);
  }
  return clusters.sort();
}

async function topicClusterList(ctx: CommandContext): Promise<void> {
  for (const cluster of await clustersOfTopic(ctx.admin(), ctx.flags.require("t"))) {
    ctx.out.write(javaFormat("%s%n", cluster));
  }
}

async function allocateMQ(ctx: CommandContext): Promise<void> {
  const topic = ctx.flags.require("t");
  const ips = ctx.flags.require("i").split(",").map((ip) => ip.trim()).filter((ip) => ip !== "");
  if (ips.length === 0) {
    throw new FlagError(`option ${ctx.flags.describe("i")} names no client: expected ip1,ip2,...`);
  }
  const queues = topicRouteData2TopicSubscribeInfo(topic, await ctx.admin().topicRoute(topic));
  if (queues.length === 0) {
    throw new MQAdminError(
      `Cannot allocate the queues of topic ${topic}: it has no readable queue`,
    );
  }
  const strategy = new AllocateMessageQueueAveragely();
  const entries = ips.map((ip) => {
    const mine = strategy.allocate("aa", ip, queues, ips);
    return `${JSON.stringify(ip)}:[${mine.map(messageQueueJson).join(",")}]`;
  });
  // RocketMQ's RebalanceResult as fastjson writes it: {"result":{ip:[queue,...],...}}.
  ctx.out.write(`{"result":{${[...new Set(entries)].join(",")}}}\n`);
}

/** updateTopicPerm, topicClusterList, allocateMQ. */
export const TOPIC_EXTRA_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "updateTopicPerm",
    description: "Update topic perm",
    options: [
      option("b", "brokerAddr", "create topic to which broker"),
      option("c", "clusterName", "create topic to which cluster"),
      option("t", "topic", "topic name", "required"),
      option("p", "perm", "set topic's permission(2|4|6), intro[2:W; 4:R; 6:RW]", "required"),
    ],
    run: updateTopicPerm,
  },
  {
    name: "topicClusterList",
    description: "get cluster info for topic",
    options: [option("t", "topic", "topic name", "required")],
    run: topicClusterList,
  },
  {
    name: "allocateMQ",
    description: "Allocate MQ",
    options: [
      option("t", "topic", "topic name", "required"),
      option("i", "ipList", "ipList", "required"),
    ],
    run: allocateMQ,
  },
];

/**
 * Broker maintenance and inspection commands of `mqadmin`, with RocketMQ 4.9.8's options and
 * output: cleanExpiredCQ, deleteExpiredCommitLog, cleanUnusedTopic (each on one broker, a
 * cluster's brokers, or every cluster's), producer (the producers connected to a broker) and
 * getConsumerConfig (a subscription group's config on every broker).
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import { javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import { brokerAddrsOfCluster, forEachBroker } from "./_command_util.ts";

/**
 * The brokers of `-b`, of the cluster of `-c`, or of every cluster (RocketMQ
 * `retrieveAllAddrByCluster`: masters and slaves).
 */
async function targetBrokers(ctx: CommandContext): Promise<string[]> {
  const admin = ctx.admin();
  const addr = ctx.flags.get("b");
  if (addr !== undefined) return [addr];
  const cluster = ctx.flags.get("c");
  if (cluster !== undefined && cluster !== "") {
    return await brokerAddrsOfCluster(admin, cluster, true);
  }
  const out: string[] = [];
  const clusters = [...(await admin.clusterInfo()).clusterAddrTable.keys()].sort();
  for (const name of clusters) out.push(...await brokerAddrsOfCluster(admin, name, true));
  return out;
}

/**
 * A command asking brokers for one cleanup: prints `success` when every broker took it, as
 * RocketMQ prints its result (`false` there when no broker was asked; here: exit 1 saying so).
 */
function cleanupCommand(
  name: string,
  description: string,
  action: string,
  call: (admin: AdminClient, addr: string) => Promise<void>,
  clusterHelp = "clustername",
): MQAdminCommand {
  return {
    name,
    description,
    options: [
      option("b", "brokerAddr", "Broker address"),
      option("c", "cluster", clusterHelp),
    ],
    async run(ctx) {
      const addrs = await targetBrokers(ctx);
      if (addrs.length === 0) {
        ctx.out.write("false\n");
        throw new MQAdminError(`Cannot ${action}: the name servers list no broker`);
      }
      await forEachBroker(ctx.out, addrs, action, (addr) => call(ctx.admin(), addr));
      ctx.out.write("success\n");
    },
  };
}

async function producer(ctx: CommandContext): Promise<void> {
  const brokerAddr = ctx.flags.require("b");
  const table = await ctx.admin().getAllProducerInfo(brokerAddr);
  for (const group of [...table.keys()].sort()) {
    const list = table.get(group) ?? [];
    if (list.length === 0) {
      ctx.out.write(javaFormat("producer group (%s) instances are empty%n", group));
      continue;
    }
    for (const p of list) {
      // RocketMQ `ProducerInfo.toString`
      const instance = javaFormat(
        "clientId=%s,remoteIP=%s, language=%s, version=%d, lastUpdateTimestamp=%d",
        p.clientId,
        p.remoteIP,
        p.language,
        p.version,
        p.lastUpdateTimestamp,
      );
      ctx.out.write(javaFormat("producer group (%s) instance : %s%n", group, instance));
    }
  }
}

/** RocketMQ 4.9.8 `SubscriptionGroupConfig`'s fields, in declaration order (printed by reflection). */
const GROUP_CONFIG_FIELDS = [
  "groupName",
  "consumeEnable",
  "consumeFromMinEnable",
  "consumeBroadcastEnable",
  "retryQueueNums",
  "retryMaxTimes",
  "brokerId",
  "whichBrokerWhenConsumeSlowly",
  "notifyConsumerIdsChangedEnable",
] as const;

async function getConsumerConfig(ctx: CommandContext): Promise<void> {
  const admin = ctx.admin();
  const groupName = ctx.flags.require("g");
  const info = await admin.clusterInfo();
  const clusterOf = (brokerName: string) =>
    [...info.clusterAddrTable].find(([, names]) => names.has(brokerName))?.[0];
  for (const brokerName of [...info.brokerAddrTable.keys()].sort()) {
    const addrs = info.brokerAddrTable.get(brokerName)!.brokerAddrs;
    // RocketMQ `selectBrokerAddr`: the master, else any slave.
    const addr = addrs.get(0) ?? [...addrs.values()][0];
    if (addr === undefined) continue;
    const config = await admin.examineSubscriptionGroupConfig(addr, groupName);
    if (config === undefined) continue;
    ctx.out.write(javaFormat(
      "=============================%s:%s=============================%n",
      clusterOf(brokerName),
      brokerName,
    ));
    for (const field of GROUP_CONFIG_FIELDS) {
      ctx.out.write(javaFormat("%s%-40s=  %s%n", "", field, config[field]));
    }
  }
}

/** cleanExpiredCQ, deleteExpiredCommitLog, cleanUnusedTopic, producer, getConsumerConfig. */
export const MAINTENANCE_COMMANDS: readonly MQAdminCommand[] = [
  cleanupCommand(
    "cleanExpiredCQ",
    "Clean expired ConsumeQueue on broker.",
    "clean expired ConsumeQueue",
    (admin, addr) => admin.cleanExpiredConsumeQueue(addr),
  ),
  cleanupCommand(
    "deleteExpiredCommitLog",
    "Delete expired CommitLog files",
    "delete expired CommitLog",
    (admin, addr) => admin.deleteExpiredCommitLog(addr),
  ),
  cleanupCommand(
    "cleanUnusedTopic",
    "Clean unused topic on broker.",
    "clean unused topic",
    (admin, addr) => admin.cleanUnusedTopic(addr),
    "cluster name",
  ),
  {
    name: "producer",
    description: "Query producer's instances, connection, status, etc.",
    options: [option("b", "broker", "broker address", "required")],
    run: producer,
  },
  {
    name: "getConsumerConfig",
    description: "Get consumer config by subscription group name!",
    options: [option("g", "groupName", "subscription group name", "required")],
    run: getConsumerConfig,
  },
];

/**
 * `mqadmin statsAll` (RocketMQ 4.9.8 `StatsAllSubCommand`): for every topic the name servers
 * know (but retry and dead-letter topics), and each group consuming it, the accumulation, the
 * put and get TPS of the last minute and the messages put and got over the last 24 hours, summed
 * over the masters of the topic's route from their VIEW_BROKER_STATS_DATA items TOPIC_PUT_NUMS
 * (key: the topic) and GROUP_GET_NUMS (key: `topic@group`).
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import type { BrokerStatsData } from "../../client/_admin_maintenance.ts";
import { MQBrokerError } from "../../client/client_error.ts";
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from "../../client/message_const.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { frontStringAtLeast, javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";

/** RocketMQ `MixAll.MASTER_ID`. */
const MASTER_ID = 0;

/**
 * RocketMQ `StatsAllSubCommand.compute24HourSum`: the day's sum, or when that is 0 (less than an
 * hour of snapshots) the hour's, or the minute's.
 *
 * @param data a stats item
 * @returns the messages counted over (up to) the last 24 hours
 */
export function compute24HourSum(data: BrokerStatsData): number {
  if (data.statsDay.sum !== 0) return data.statsDay.sum;
  if (data.statsHour.sum !== 0) return data.statsHour.sum;
  return data.statsMinute.sum;
}

/** Sums one stats item over brokers: last-minute TPS and 24-hour count. */
interface Traffic {
  tps: number;
  today: number;
}

/** Reads failures apart from "no such item", which means no traffic and counts 0 as in RocketMQ. */
function isMissingItem(error: unknown): boolean {
  return error instanceof MQBrokerError && error.responseCode === ResponseCode.SYSTEM_ERROR &&
    /^The stats <.*> <.*> not exist$/.test(error.errorMessage);
}

async function sumOverMasters(
  admin: AdminClient,
  masters: readonly string[],
  statsName: string,
  statsKey: string,
  failed: string[],
): Promise<Traffic> {
  const traffic: Traffic = { tps: 0, today: 0 };
  for (const addr of masters) {
    try {
      const data = await admin.viewBrokerStatsData(addr, statsName, statsKey);
      traffic.tps += data.statsMinute.tps;
      traffic.today += compute24HourSum(data);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      if (isMissingItem(error)) continue;
      failed.push(`${statsName} ${statsKey} of ${addr} (${error.message.split("\n")[0]})`);
    }
  }
  return traffic;
}

/** RocketMQ `ConsumeStats.computeTotalDiff`, never below 0; 0 when the group has no progress. */
async function accumulation(
  admin: AdminClient,
  group: string,
  topic: string,
  failed: string[],
): Promise<number> {
  try {
    const stats = await admin.consumeStats(group, topic);
    const diff = stats.offsetTable.reduce((n, o) => n + o.brokerOffset - o.consumerOffset, 0);
    return Math.max(0, diff);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    failed.push(`the progress of ${group} on ${topic} (${error.message.split("\n")[0]})`);
    return 0;
  }
}

/** RocketMQ `StatsAllSubCommand.printTopicDetail`: the rows of one topic. */
async function printTopicDetail(
  ctx: CommandContext,
  topic: string,
  activeOnly: boolean,
  failed: string[],
): Promise<void> {
  const admin = ctx.admin();
  const route = await admin.topicRoute(topic);
  const groups = await admin.queryTopicConsumeByWho(topic);
  const masters = route.brokerDatas.map((b) => b.brokerAddrs.get(MASTER_ID))
    .filter((addr) => addr !== undefined);
  const input = await sumOverMasters(admin, masters, "TOPIC_PUT_NUMS", topic, failed);
  const name = frontStringAtLeast(topic, 64);
  if (groups.length === 0) {
    if (activeOnly && input.today <= 0) return;
    ctx.out.write(javaFormat(
      "%-64s  %-64s %12d %11.2f %11s %14d %14s%n",
      name,
      "",
      0,
      input.tps,
      "",
      input.today,
      "NO_CONSUMER",
    ));
    return;
  }
  for (const group of groups) {
    const key = `${topic}@${group}`;
    const output = await sumOverMasters(admin, masters, "GROUP_GET_NUMS", key, failed);
    const accumulate = await accumulation(admin, group, topic, failed);
    if (activeOnly && input.today <= 0 && output.today <= 0) continue;
    ctx.out.write(javaFormat(
      "%-64s  %-64s %12d %11.2f %11.2f %14d %14d%n",
      name,
      frontStringAtLeast(group, 64),
      accumulate,
      input.tps,
      output.tps,
      input.today,
      output.today,
    ));
  }
}

async function statsAll(ctx: CommandContext): Promise<void> {
  const { topicList: topics } = await ctx.admin().topicList();
  ctx.out.write(javaFormat(
    "%-64s  %-64s %12s %11s %11s %14s %14s%n",
    "#Topic",
    "#Consumer Group",
    "#Accumulation",
    "#InTPS",
    "#OutTPS",
    "#InMsg24Hour",
    "#OutMsg24Hour",
  ));
  const activeOnly = ctx.flags.has("a");
  const selected = ctx.flags.get("t") ?? "";
  // RocketMQ skips a topic (or a figure) that fails and prints the rest; so does this, then it
  // names what failed and exits 1, so a missing row is never mistaken for an idle topic.
  const failed: string[] = [];
  for (const topic of topics) {
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) || topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)) {
      continue;
    }
    if (selected !== "" && topic !== selected) continue;
    try {
      await printTopicDetail(ctx, topic, activeOnly, failed);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failed.push(`${topic} (${error.message.split("\n")[0]})`);
    }
  }
  if (failed.length > 0) throw new MQAdminError(`Cannot read the stats of ${failed.join(", ")}`);
}

/** statsAll. */
export const STATS_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "statsAll",
    description: "Topic and Consumer tps stats",
    options: [
      option("a", "activeTopic", "print active topic only", "switch"),
      option("t", "topic", "print select topic only"),
    ],
    run: statsAll,
  },
];

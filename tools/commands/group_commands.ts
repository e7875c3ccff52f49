/**
 * Consumer and producer group commands of `mqadmin` (`shared/spec/config.md` §6):
 * consumerProgress (with `-s true`, the IP of the client holding each queue), consumerConnection
 * (from the broker of `-b`, or one of the group's), producerConnection, updateSubGroup and
 * deleteSubGroup, printing what RocketMQ 4.9.8's commands print.
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import {
  type ConsumerConnection,
  type ConsumeStats,
  encodeSubscriptionGroupConfig,
  type SubscriptionGroupConfig,
} from "../../client/admin_bodies.ts";
import { MQBrokerError, MQClientError } from "../../client/client_error.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../../client/message_const.ts";
import { messageQueueToString } from "../../client/message_queue.ts";
import { RemotingError, RemotingInvokeError } from "../../protocol/remoting_error.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { formatDateTime, frontStringAtLeast, javaFormat, versionDesc } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, option } from "../command.ts";
import { brokerAddrsOfCluster, forEachBroker } from "./_command_util.ts";

/** RocketMQ `MixAll.DLQ_GROUP_TOPIC_PREFIX`. */
const DLQ_GROUP_TOPIC_PREFIX = "%DLQ%";

/** Errors that mean "this group has no such data" rather than a broken tool. */
function isRemoteFailure(error: unknown): error is Error {
  return error instanceof MQClientError || error instanceof MQBrokerError ||
    error instanceof RemotingError || error instanceof RemotingInvokeError;
}

/**
 * RocketMQ `getMessageQueueAllocationResult` (`consumerProgress -s true`): which client holds each
 * queue, by its IP (the client id before `@`), from every connected client's running info. A
 * group with no client online holds none; a client that cannot be asked is reported and its
 * queues stay unassigned (RocketMQ ignores both).
 */
async function queueOwners(ctx: CommandContext, group: string): Promise<Map<string, string>> {
  const admin = ctx.admin();
  const owners = new Map<string, string>();
  let cc: ConsumerConnection;
  try {
    cc = await admin.consumerConnection(group);
  } catch (error) {
    if (!isRemoteFailure(error)) throw error;
    // No client online, or never one (so no retry topic, no route): nothing is held.
    const code = "responseCode" in error ? error.responseCode : undefined;
    const offline = code === ResponseCode.CONSUMER_NOT_ONLINE ||
      code === ResponseCode.TOPIC_NOT_EXIST;
    if (!offline) {
      ctx.out.write(`Cannot read the connections of ${group}: ${error.message.split("\n")[0]}\n`);
    }
    return owners;
  }
  for (const { clientId } of cc.connectionSet) {
    try {
      const info = await admin.getConsumerRunningInfo(group, clientId);
      for (const [mq] of info.mqTable) owners.set(messageQueueToString(mq), clientId.split("@")[0]);
    } catch (error) {
      if (!isRemoteFailure(error)) throw error;
      ctx.out.write(
        `Cannot get the running info of ${clientId}: ${error.message.split("\n")[0]}\n`,
      );
    }
  }
  return owners;
}

/**
 * One group's progress per queue; with `owners` (`-s true`), RocketMQ's `#Client IP` column:
 * the IP of the client holding the queue, `N/A` when none does.
 */
function printGroupProgress(
  ctx: CommandContext,
  stats: ConsumeStats,
  owners: ReadonlyMap<string, string> | undefined,
): void {
  const header = ["#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset"];
  ctx.out.write(
    owners === undefined
      ? javaFormat("%-64s  %-32s  %-4s  %-20s  %-20s  %-20s  %s%n", ...header, "#Diff", "#LastTime")
      : javaFormat(
        "%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s  %s%n",
        ...header,
        "#Client IP",
        "#Diff",
        "#LastTime",
      ),
  );
  let diffTotal = 0;
  for (const o of stats.offsetTable) {
    const diff = o.brokerOffset - o.consumerOffset;
    diffTotal += diff;
    const row = [
      frontStringAtLeast(o.mq.topic, 64),
      frontStringAtLeast(o.mq.brokerName, 32),
      o.mq.queueId,
      o.brokerOffset,
      o.consumerOffset,
    ];
    const lastTime = o.lastTimestamp === 0 ? "N/A" : formatDateTime(o.lastTimestamp);
    ctx.out.write(
      owners === undefined
        ? javaFormat("%-64s  %-32s  %-4d  %-20d  %-20d  %-20d  %s%n", ...row, diff, lastTime)
        : javaFormat(
          "%-64s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d  %s%n",
          ...row,
          owners.get(messageQueueToString(o.mq)) ?? "N/A",
          diff,
          lastTime,
        ),
    );
  }
  ctx.out.write("\n");
  ctx.out.write(javaFormat("Consume TPS: %.2f%n", stats.consumeTps));
  ctx.out.write(javaFormat("Diff Total: %d%n", diffTotal));
}

/** One row of the all-groups view (RocketMQ `GroupConsumeInfo`). */
async function groupRow(admin: AdminClient, group: string): Promise<string> {
  let stats: ConsumeStats | undefined;
  let cc: ConsumerConnection | undefined;
  try {
    stats = await admin.consumeStats(group);
  } catch (error) {
    if (!isRemoteFailure(error)) throw error;
  }
  try {
    cc = await admin.consumerConnection(group);
  } catch (error) {
    if (!isRemoteFailure(error)) throw error;
  }
  const count = cc?.connectionSet.length ?? 0;
  const minVersion = Math.min(...(cc?.connectionSet ?? []).map((c) => c.version));
  const pull = cc?.consumeType === "CONSUME_ACTIVELY";
  const diffTotal = (stats?.offsetTable ?? []).reduce(
    (sum, o) => sum + o.brokerOffset - o.consumerOffset,
    0,
  );
  return javaFormat(
    "%-64s  %-6d  %-24s %-5s  %-14s  %-7d  %d%n",
    frontStringAtLeast(group, 64),
    count,
    count > 0 ? versionDesc(minVersion) : "OFFLINE",
    count > 0 ? (pull ? "PULL" : "PUSH") : "",
    count > 0 && !pull ? cc?.messageModel ?? "" : "",
    Math.trunc(stats?.consumeTps ?? 0),
    diffTotal,
  );
}

async function consumerProgress(ctx: CommandContext): Promise<void> {
  const admin = ctx.admin();
  const group = ctx.flags.get("g");
  if (group !== undefined) {
    // As RocketMQ: -s takes a value, and only `true` (any case) shows the column.
    const showClientIP = ctx.flags.get("s")?.toLowerCase() === "true";
    const stats = await admin.consumeStats(group, ctx.flags.get("t"));
    const owners = showClientIP ? await queueOwners(ctx, group) : undefined;
    printGroupProgress(ctx, stats, owners);
    return;
  }
  const header = ["#Group", "#Count", "#Version", "#Type", "#Model", "#TPS", "#Diff Total"];
  ctx.out.write(javaFormat("%-64s  %-6s  %-24s %-5s  %-14s  %-7s  %s%n", ...header));
  for (const topic of (await admin.topicList()).topicList) {
    if (!topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) continue;
    ctx.out.write(await groupRow(admin, topic.slice(RETRY_GROUP_TOPIC_PREFIX.length)));
  }
}

async function consumerConnection(ctx: CommandContext): Promise<void> {
  const group = ctx.flags.require("g");
  const cc = await ctx.admin().consumerConnection(group, ctx.flags.get("b"));
  const out = ctx.out;
  out.write(
    javaFormat("%-36s %-22s %-10s %s%n", "#ClientId", "#ClientAddr", "#Language", "#Version"),
  );
  for (const c of cc.connectionSet) {
    out.write(javaFormat(
      "%-36s %-22s %-10s %s%n",
      c.clientId,
      c.clientAddr,
      c.language,
      versionDesc(c.version),
    ));
  }
  out.write("\nBelow is subscription:\n");
  out.write(javaFormat("%-20s %s%n", "#Topic", "#SubExpression"));
  for (const [topic, sd] of Object.entries(cc.subscriptionTable)) {
    out.write(javaFormat("%-20s %s%n", topic, sd.subString));
  }
  out.write("\n");
  out.write(javaFormat("ConsumeType: %s%n", cc.consumeType));
  out.write(javaFormat("MessageModel: %s%n", cc.messageModel));
  out.write(javaFormat("ConsumeFromWhere: %s%n", cc.consumeFromWhere));
}

async function producerConnection(ctx: CommandContext): Promise<void> {
  const group = ctx.flags.require("g");
  const connections = await ctx.admin().producerConnection(group, ctx.flags.require("t"));
  connections.forEach((c, i) => {
    ctx.out.write(javaFormat(
      "%04d  %-32s %-22s %-8s %s%n",
      i + 1,
      c.clientId,
      c.clientAddr,
      c.language,
      versionDesc(c.version),
    ));
  });
}

/** The SubscriptionGroupConfig body with `consumeMessageOrderly` (5.x), keys alphabetical. */
function subscriptionGroupBody(config: SubscriptionGroupConfig, orderly: boolean): Uint8Array {
  const fields = JSON.parse(new TextDecoder().decode(encodeSubscriptionGroupConfig(config)));
  fields.consumeMessageOrderly = orderly;
  const sorted = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a < b ? -1 : 1));
  return new TextEncoder().encode(JSON.stringify(sorted));
}

async function updateSubGroup(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const target = flags.oneOf("b", "c");
  const config: Required<SubscriptionGroupConfig> = {
    groupName: flags.require("g"),
    consumeEnable: flags.bool("s", true),
    consumeFromMinEnable: flags.bool("m", false),
    consumeBroadcastEnable: flags.bool("d", false),
    retryQueueNums: flags.int("q", 1),
    retryMaxTimes: flags.int("r", 16),
    brokerId: flags.long("i", 0),
    whichBrokerWhenConsumeSlowly: flags.long("w", 1),
    notifyConsumerIdsChangedEnable: flags.bool("a", true),
  };
  const admin = ctx.admin();
  const body = subscriptionGroupBody(config, flags.bool("o", false));
  const addrs = target.short === "b"
    ? [target.value]
    : await brokerAddrsOfCluster(admin, target.value);
  const create = async (addr: string) => {
    const request = admin.api.request(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body);
    await admin.api.invokeBroker(addr, request, admin.config.mqClientApiTimeout);
    out.write(javaFormat("create subscription group to %s success.%n", addr));
  };
  if (target.short === "b") await create(target.value);
  else await forEachBroker(out, addrs, "create the subscription group", create);
  out.write(
    `SubscriptionGroupConfig [groupName=${config.groupName}, consumeEnable=${config.consumeEnable}, ` +
      `consumeFromMinEnable=${config.consumeFromMinEnable}, ` +
      `consumeBroadcastEnable=${config.consumeBroadcastEnable}, ` +
      `retryQueueNums=${config.retryQueueNums}, retryMaxTimes=${config.retryMaxTimes}, ` +
      `brokerId=${config.brokerId}, ` +
      `whichBrokerWhenConsumeSlowly=${config.whichBrokerWhenConsumeSlowly}, ` +
      `notifyConsumerIdsChangedEnable=${config.notifyConsumerIdsChangedEnable}]\n`,
  );
}

async function deleteSubGroup(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const target = flags.oneOf("b", "c");
  const group = flags.require("g");
  const removeOffset = flags.bool("r", false);
  const admin = ctx.admin();
  if (target.short === "b") {
    await admin.deleteSubscriptionGroup(target.value, group, removeOffset);
    out.write(javaFormat(
      "delete subscription group [%s] from broker [%s] success.%n",
      group,
      target.value,
    ));
    return;
  }
  for (const addr of await brokerAddrsOfCluster(admin, target.value)) {
    await admin.deleteSubscriptionGroup(addr, group, removeOffset);
    out.write(javaFormat(
      "delete subscription group [%s] from broker [%s] in cluster [%s] success.%n",
      group,
      addr,
      target.value,
    ));
  }
  for (const prefix of [RETRY_GROUP_TOPIC_PREFIX, DLQ_GROUP_TOPIC_PREFIX]) {
    try {
      await admin.deleteTopic(prefix + group, target.value);
    } catch (error) {
      if (!isRemoteFailure(error)) throw error;
      out.write(`Cannot delete topic ${prefix}${group}: ${error.message.split("\n")[0]}\n`);
    }
  }
}

/** consumerProgress, consumerConnection, producerConnection, updateSubGroup, deleteSubGroup. */
export const GROUP_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "consumerProgress",
    description: "Query consumer's progress, speed",
    options: [
      option("g", "groupName", "consumer group name"),
      option("t", "topicName", "topic name"),
      option("s", "showClientIP", "Show Client IP per Queue"),
    ],
    run: consumerProgress,
  },
  {
    name: "consumerConnection",
    description: "Query consumer's socket connection, client version and subscription",
    options: [
      option("g", "consumerGroup", "consumer group name", "required"),
      option("b", "brokerAddr", "broker address"),
    ],
    run: consumerConnection,
  },
  {
    name: "producerConnection",
    description: "Query producer's socket connection and client version",
    options: [
      option("g", "producerGroup", "producer group name", "required"),
      option("t", "topic", "topic name", "required"),
    ],
    run: producerConnection,
  },
  {
    name: "updateSubGroup",
    description: "Update or create subscription group",
    options: [
      option("b", "brokerAddr", "create subscription group to which broker"),
      option("c", "clusterName", "create subscription group to which cluster"),
      option("g", "groupName", "consumer group name", "required"),
      option("s", "consumeEnable", "consume enable"),
      option("m", "consumeFromMinEnable", "from min offset"),
      option("d", "consumeBroadcastEnable", "broadcast"),
      option("o", "consumeMessageOrderly", "consume message orderly"),
      option("q", "retryQueueNums", "retry queue nums"),
      option("r", "retryMaxTimes", "retry max times"),
      option("i", "brokerId", "consumer from which broker id"),
      option("w", "whichBrokerWhenConsumeSlowly", "which broker id when consume slowly"),
      option("a", "notifyConsumerIdsChanged", "notify consumerId changed"),
    ],
    run: updateSubGroup,
  },
  {
    name: "deleteSubGroup",
    description: "Delete subscription group from broker",
    options: [
      option("b", "brokerAddr", "delete subscription group from which broker"),
      option("c", "clusterName", "delete subscription group from which cluster"),
      option("g", "groupName", "subscription group name", "required"),
      option("r", "removeOffset", "remove offset"),
    ],
    run: deleteSubGroup,
  },
];

/**
 * `mqadmin consumerStatus` (RocketMQ 4.9.8 `ConsumerStatusSubCommand`): asks a group's consumers
 * about themselves through a broker (GET_CONSUMER_RUNNING_INFO, relayed to each client). With
 * `-i` it prints that client's running info as `ConsumerRunningInfo.formatString` does; without,
 * it asks every connection of the group, saves each answer to `<now>/<clientId>`, prints one row
 * per client and whether the group's subscriptions agree (`analyzeSubscription`) and which
 * queues look stuck (`analyzeProcessQueue`).
 *
 * @module
 */

import {
  type ConsumerRunningInfo,
  type ProcessQueueInfo,
  PROP_CONSUME_ORDERLY,
  PROP_CONSUME_TYPE,
  PROP_CONSUMER_START_TIMESTAMP,
} from "../../client/consumer_running_info.ts";
import {
  compareStrings,
  type MessageQueue,
  messageQueueToString,
} from "../../client/message_queue.ts";
import { javaFormat, versionDesc } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, option } from "../command.ts";

/** RocketMQ `analyzeSubscription`: subscriptions are compared once the first client ran 2 min. */
const START_FOR_A_WHILE_MS = 2 * 60_000;
/** RocketMQ `analyzeProcessQueue`: a queue with cached messages unconsumed this long is stuck. */
const CONSUME_STUCK_MS = 60_000;

function two(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * RocketMQ `UtilAll.timeMillisToHumanString`: local time as `yyyyMMddHHmmssSSS`.
 *
 * @param ms epoch milliseconds
 * @returns e.g. `20240501134509042`
 */
export function timeMillisToHumanString(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getFullYear(), 4)}${two(d.getMonth() + 1)}${two(d.getDate())}${
    two(d.getHours())
  }${two(d.getMinutes())}${two(d.getSeconds())}${two(d.getMilliseconds(), 3)}`;
}

/**
 * RocketMQ `ProcessQueueInfo.toString`.
 *
 * @param p a queue's info
 * @returns `ProcessQueueInfo [commitOffset=…, …]`
 */
export function processQueueInfoString(p: ProcessQueueInfo): string {
  return `ProcessQueueInfo [commitOffset=${p.commitOffset}, cachedMsgMinOffset=${p.cachedMsgMinOffset}, ` +
    `cachedMsgMaxOffset=${p.cachedMsgMaxOffset}, cachedMsgCount=${p.cachedMsgCount}, ` +
    `cachedMsgSizeInMiB=${p.cachedMsgSizeInMiB}, transactionMsgMinOffset=${p.transactionMsgMinOffset}, ` +
    `transactionMsgMaxOffset=${p.transactionMsgMaxOffset}, transactionMsgCount=${p.transactionMsgCount}, ` +
    `locked=${p.locked}, tryUnlockTimes=${p.tryUnlockTimes}, ` +
    `lastLockTimestamp=${timeMillisToHumanString(p.lastLockTimestamp)}, droped=${p.droped}, ` +
    `lastPullTimestamp=${timeMillisToHumanString(p.lastPullTimestamp)}, ` +
    `lastConsumeTimestamp=${timeMillisToHumanString(p.lastConsumeTimestamp)}]`;
}

function mqRows(
  table: readonly [MessageQueue, ProcessQueueInfo][],
  format: string,
  last: (p: ProcessQueueInfo) => unknown,
): string {
  return table.map(([mq, p]) => javaFormat(format, mq.topic, mq.brokerName, mq.queueId, last(p)))
    .join("");
}

/**
 * RocketMQ `ConsumerRunningInfo.formatString`: properties, subscriptions, offsets, queue
 * details, rates and, when asked, the jstack.
 *
 * @param info a client's running info
 * @returns the text
 */
export function formatConsumerRunningInfo(info: ConsumerRunningInfo): string {
  let text = "#Consumer Properties#\n";
  for (const [key, value] of Object.entries(info.properties)) {
    text += javaFormat("%-40s: %s%n", key, value);
  }
  text += "\n\n#Consumer Subscription#\n";
  info.subscriptionSet.forEach((s, i) => {
    text += javaFormat(
      "%03d Topic: %-40s ClassFilter: %-8s SubExpression: %s%n",
      i + 1,
      s.topic,
      s.classFilterMode,
      s.subString,
    );
  });
  const header = (last: string) =>
    javaFormat("%-64s  %-32s  %-4s  %-20s%n", "#Topic", "#Broker Name", "#QID", last);
  text += "\n\n#Consumer Offset#\n" + header("#Consumer Offset");
  text += mqRows(info.mqTable, "%-32s  %-32s  %-4d  %-20d%n", (p) => p.commitOffset);
  text += "\n\n#Consumer MQ Detail#\n" + header("#ProcessQueueInfo");
  text += mqRows(info.mqTable, "%-64s  %-32s  %-4d  %s%n", processQueueInfoString);
  text += "\n\n#Consumer RT&TPS#\n";
  text += javaFormat(
    "%-64s  %14s %14s %14s %14s %18s %25s%n",
    "#Topic",
    "#Pull RT",
    "#Pull TPS",
    "#Consume RT",
    "#ConsumeOK TPS",
    "#ConsumeFailed TPS",
    "#ConsumeFailedMsgsInHour",
  );
  for (const [topic, s] of info.statusTable) {
    text += javaFormat(
      "%-32s  %14.2f %14.2f %14.2f %14.2f %18.2f %25d%n",
      topic,
      s.pullRT,
      s.pullTPS,
      s.consumeRT,
      s.consumeOKTPS,
      s.consumeFailedTPS,
      s.consumeFailedMsgs,
    );
  }
  if (info.jstack !== undefined) text += "\n\n#Consumer jstack#\n" + info.jstack;
  return text;
}

function isPush(info: ConsumerRunningInfo): boolean {
  return info.properties[PROP_CONSUME_TYPE] === "CONSUME_PASSIVELY";
}

/**
 * RocketMQ `analyzeSubscription`: once the first client (by id) is a push consumer that started
 * over 2 minutes ago, every client must have the same subscriptions (by topic and expression,
 * as RocketMQ's sorted sets compare them) and they must not be empty.
 *
 * @param table running info by client id, sorted by client id
 * @param nowMs the time now
 * @returns whether the subscriptions agree
 */
export function analyzeSubscription(
  table: readonly [string, ConsumerRunningInfo][],
  nowMs: number,
): boolean {
  const first = table[0][1];
  const started = Number(first.properties[PROP_CONSUMER_START_TIMESTAMP]);
  if (!isPush(first) || !(nowMs - started > START_FOR_A_WHILE_MS)) return true;
  const key = (info: ConsumerRunningInfo) =>
    info.subscriptionSet.map((s) => `${s.topic}@${s.subString}`).join("\n");
  if (table.some(([, info]) => key(info) !== key(first))) return false;
  return table[table.length - 1][1].subscriptionSet.length > 0;
}

/**
 * RocketMQ `analyzeProcessQueue`: a push client's orderly queues it cannot lock (or cannot
 * unlock), and concurrent queues with messages cached but nothing consumed for over a minute.
 *
 * @param clientId the client
 * @param info its running info
 * @param nowMs the time now
 * @returns one line per suspicious queue
 */
export function analyzeProcessQueue(
  clientId: string,
  info: ConsumerRunningInfo,
  nowMs: number,
): string {
  if (!isPush(info)) return "";
  const orderly = info.properties[PROP_CONSUME_ORDERLY]?.toLowerCase() === "true";
  let text = "";
  for (const [mq, pq] of info.mqTable) {
    const name = messageQueueToString(mq);
    if (orderly && !pq.locked) {
      text += javaFormat(
        "%s %s can't lock for a while, %dms%n",
        clientId,
        name,
        nowMs - pq.lastLockTimestamp,
      );
    } else if (orderly && pq.droped && pq.tryUnlockTimes > 0) {
      text += javaFormat(
        "%s %s unlock %d times, still failed%n",
        clientId,
        name,
        pq.tryUnlockTimes,
      );
    } else if (!orderly) {
      const diff = nowMs - pq.lastConsumeTimestamp;
      if (diff > CONSUME_STUCK_MS && pq.cachedMsgCount > 0) {
        text += javaFormat(
          "%s %s can't consume for a while, maybe blocked, %dms%n",
          clientId,
          name,
          diff,
        );
      }
    }
  }
  return text;
}

async function consumerStatus(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const admin = ctx.admin();
  const group = flags.require("g");
  const jstack = flags.has("s");
  const clientId = flags.get("i");
  const connections = await admin.consumerConnection(group, flags.get("b"));
  if (clientId !== undefined) {
    out.write(
      formatConsumerRunningInfo(await admin.getConsumerRunningInfo(group, clientId, jstack)),
    );
    return;
  }
  const now = ctx.clock.now();
  out.write(
    javaFormat(
      "%-10s %-40s %-20s %s%n",
      "#Index",
      "#ClientId",
      "#Version",
      "#ConsumerRunningInfoFile",
    ),
  );
  const table: [string, ConsumerRunningInfo][] = [];
  for (const conn of connections.connectionSet) {
    let info: ConsumerRunningInfo;
    try {
      info = await admin.getConsumerRunningInfo(group, conn.clientId, jstack);
    } catch (error) {
      // RocketMQ prints the failure and goes on with the other clients.
      out.write(`Cannot get the running info of ${conn.clientId}: ${(error as Error).message}\n`);
      continue;
    }
    table.push([conn.clientId, info]);
    const path = `${now}/${reportFileName(conn.clientId)}`;
    const saved = ctx.saveTextFile === undefined
      ? "-"
      : await ctx.saveTextFile(path, formatConsumerRunningInfo(info));
    out.write(
      javaFormat(
        "%-10d %-40s %-20s %s%n",
        table.length,
        conn.clientId,
        versionDesc(conn.version),
        saved,
      ),
    );
  }
  if (table.length === 0) return;
  table.sort(([a], [b]) => compareStrings(a, b));
  if (!analyzeSubscription(table, now)) {
    out.write("\n\nWARN: Different subscription in the same group of consumer!!!");
    return;
  }
  out.write("\n\nSame subscription in the same group of consumer");
  out.write("\n\nRebalance OK\n");
  for (const [id, info] of table) out.write(analyzeProcessQueue(id, info, now));
}

/** consumerStatus. */
export const CONSUMER_STATUS_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "consumerStatus",
    description: "Query consumer's internal data structure",
    options: [
      option("g", "consumerGroup", "consumer group name", "required"),
      option("i", "clientId", "The consumer's client id"),
      option("b", "brokerAddr", "broker address"),
      option("s", "jstack", "Run jstack command in the consumer progress", "switch"),
    ],
    run: consumerStatus,
  },
];

/**
 * The report file of a client, named by its id as RocketMQ names it, but with every character a
 * file name should not hold replaced by `_`: the id comes from the client's own heartbeat, and
 * RocketMQ's `now + "/" + clientId` lets an id such as `x/../../y` write anywhere.
 * @param clientId the id the client announced
 * @returns a single path segment, never `.` or `..`
 */
export function reportFileName(clientId: string): string {
  const name = clientId.replace(/[^A-Za-z0-9@.#:_-]/g, "_");
  return name === "" || /^\.+$/.test(name) ? `_${name}` : name;
}

/**
 * Message commands of `mqadmin` (`shared/spec/config.md` §6): queryMsgById (offset id through
 * VIEW_MESSAGE_BY_ID, else the id as a unique key), queryMsgByKey, queryMsgByUniqueKey,
 * queryMsgTraceById (the trace topic queried by key, see `client/trace_data.ts`) and sendMessage,
 * printing what RocketMQ's commands print. With `-g` and `-d`, queryMsgById and
 * queryMsgByUniqueKey hand the message to that client of that group (CONSUME_MESSAGE_DIRECTLY)
 * and print its answer; queryMsgById `-s true` sends the stored message again.
 *
 * @module
 */

import { AssertionError } from "node:assert/strict";
import type { ConsumeMessageDirectlyResult } from "../../client/consumer_running_info.ts";
import { Message, type MessageExt } from "../../client/message.ts";
import { type MessageQueue, messageQueueToString } from "../../client/message_queue.ts";
import type { SendResult } from "../../client/send_result.ts";
import {
  decodeTraceData,
  RMQ_SYS_TRACE_TOPIC,
  TraceDataError,
  type TraceRecord,
} from "../../client/trace_data.ts";
import { FlagError } from "../_flags.ts";
import { formatDateTime, javaFormat, javaHashMapKeyOrder } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import {
  QUERY_BY_KEY_MAX_DEFAULT,
  QUERY_BY_UNIQUE_KEY_MAX,
  QUERY_TRACE_MAX_NUM,
} from "../limits.ts";
import { printMessage } from "./_message_print.ts";

/** The producer group queryMsgById `-s` re-sends with, as RocketMQ's. */
const RESEND_PRODUCER_GROUP = "ReSendMsgById";

function bodyDecoder(ctx: CommandContext): TextDecoder | undefined {
  const label = ctx.flags.get("f");
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new FlagError(`unsupported charset ${JSON.stringify(label)} for option -f (bodyFormat)`);
  }
}

async function byUniqueKey(ctx: CommandContext, topic: string, id: string): Promise<MessageExt[]> {
  const found = await ctx.admin().queryMessageByUniqKey(topic, id);
  return found.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
}

/** RocketMQ `viewMessage(topic, msgId)`: the offset id first, then the id as a unique key. */
async function findById(ctx: CommandContext, id: string): Promise<MessageExt> {
  let viewError: Error;
  try {
    return await ctx.admin().viewMessage(id);
  } catch (error) {
    if (!(error instanceof Error) || error instanceof AssertionError) throw error;
    viewError = error;
  }
  const topic = ctx.flags.get("t");
  const reason = viewError.message.split("\n")[0];
  if (topic === undefined) {
    throw new MQAdminError(
      `Cannot find message ${id} by offset id (${reason}); pass -t (topic) to query it as a unique key`,
      { cause: viewError },
    );
  }
  const [first] = await byUniqueKey(ctx, topic, id);
  if (first === undefined) {
    throw new MQAdminError(`Cannot find message ${id} in topic ${topic} (offset id: ${reason})`, {
      cause: viewError,
    });
  }
  return first;
}

/**
 * `-g` and `-d` together: the group and client a message is handed to. RocketMQ ignores one
 * without the other and runs the plain query; here that is refused, as it is surely a mistake.
 */
function directConsumerOf(ctx: CommandContext): { group: string; clientId: string } | undefined {
  const group = ctx.flags.get("g");
  const clientId = ctx.flags.get("d");
  if (group === undefined && clientId === undefined) return undefined;
  if (group === undefined || clientId === undefined) {
    const [given, missing] = group === undefined ? ["d", "g"] : ["g", "d"];
    throw new FlagError(
      `option ${ctx.flags.describe(given)} needs ${
        ctx.flags.describe(missing)
      }: a message is consumed directly by one client of one group`,
    );
  }
  return { group, clientId };
}

/** RocketMQ `ConsumeMessageDirectlyResult.toString`. */
function directResultString(r: ConsumeMessageDirectlyResult): string {
  return `ConsumeMessageDirectlyResult [order=${r.order}, autoCommit=${r.autoCommit}, ` +
    `consumeResult=${r.consumeResult ?? "null"}, remark=${r.remark ?? "null"}, ` +
    `spentTimeMills=${r.spentTimeMills}]`;
}

/** RocketMQ `SendResult.toString`. */
function sendResultString(r: SendResult): string {
  return `SendResult [sendStatus=${r.sendStatus}, msgId=${r.msgId}, offsetMsgId=${r.offsetMsgId}, ` +
    `messageQueue=${messageQueueToString(r.messageQueue)}, queueOffset=${r.queueOffset}]`;
}

/**
 * Runs `each` on every id; as RocketMQ, a failing id is reported and the others still run. The
 * command then fails naming the ids that failed (`what` words the failure for a list of ids).
 */
async function forEachId(
  ctx: CommandContext,
  ids: readonly string[],
  what: (ids: string) => string,
  each: (id: string) => Promise<void>,
): Promise<void> {
  const failed: string[] = [];
  for (const id of ids) {
    try {
      await each(id);
    } catch (error) {
      if (!(error instanceof Error) || error instanceof AssertionError) throw error;
      ctx.out.write(`Cannot ${what(id)}: ${error.message.split("\n")[0]}\n`);
      failed.push(id);
    }
  }
  if (failed.length > 0) throw new MQAdminError(`Cannot ${what(failed.join(", "))}`);
}

/** RocketMQ `QueryMsgByIdSubCommand.sendMsg`: the stored message sent again by a producer. */
async function resendById(ctx: CommandContext, ids: readonly string[]): Promise<void> {
  const unitName = ctx.flags.get("u");
  const producer = await ctx.producer(RESEND_PRODUCER_GROUP, { unitName });
  await forEachId(ctx, ids, (list) => `resend message ${list}`, async (id) => {
    const stored = await findById(ctx, id);
    // As RocketMQ sends the MessageExt itself: every property goes along, UNIQ_KEY included,
    // so the copy keeps the original's message id.
    const copy = new Message({ topic: stored.topic, body: stored.body, flag: stored.flag });
    for (const [name, value] of stored.properties) copy.putProperty(name, value);
    ctx.out.write(`prepare resend msg. originalMsgId=${id}\n`);
    ctx.out.write(`${sendResultString(await producer.send(copy))}\n`);
  });
}

async function queryMsgById(ctx: CommandContext): Promise<void> {
  const decoder = bodyDecoder(ctx);
  const ids = ctx.flags.require("i").split(",").map((s) => s.trim()).filter((s) => s !== "");
  const direct = directConsumerOf(ctx);
  if (direct !== undefined) {
    // RocketMQ `pushMsg`; -t lets the id be a unique key too.
    const topic = ctx.flags.get("t");
    const what = (list: string) =>
      `consume message ${list} directly by client ${direct.clientId} of ${direct.group}`;
    await forEachId(ctx, ids, what, async (id) => {
      const admin = ctx.admin();
      const result = await admin.consumeMessageDirectly(direct.group, direct.clientId, id, topic);
      ctx.out.write(`${directResultString(result)}\n`);
    });
    return;
  }
  // RocketMQ prints nothing for `-s false`; here that is the plain query.
  if (ctx.flags.bool("s", false)) {
    await resendById(ctx, ids);
    return;
  }
  for (const id of ids) {
    const msg = await findById(ctx, id);
    await printMessage(ctx, msg, {
      offsetIdLine: true,
      bodyFileName: msg.msgId,
      bodyDecoder: decoder,
    });
  }
}

async function queryMsgByKey(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const found = await ctx.admin().queryMessageByKey(flags.require("t"), flags.require("k"), {
    maxNum: flags.int("m", QUERY_BY_KEY_MAX_DEFAULT),
    beginTimestamp: flags.clampedLong("b", 0),
    endTimestamp: flags.clampedLong("e", Number.MAX_SAFE_INTEGER), // Long.MAX_VALUE, as Java
  });
  out.write(javaFormat("%-50s %4s %40s%n", "#Message ID", "#QID", "#Offset"));
  for (const msg of found) {
    out.write(javaFormat("%-50s %4d %40d%n", msg.msgId, msg.queueId, msg.queueOffset));
  }
}

async function queryMsgByUniqueKey(ctx: CommandContext): Promise<void> {
  const id = ctx.flags.require("i");
  const topic = ctx.flags.require("t");
  const direct = directConsumerOf(ctx);
  if (direct !== undefined) {
    const admin = ctx.admin();
    const result = await admin.consumeMessageDirectly(direct.group, direct.clientId, id, topic);
    ctx.out.write(`${directResultString(result)}\n`);
    return;
  }
  const found = await byUniqueKey(ctx, topic, id);
  if (found.length === 0) throw new MQAdminError(`Cannot find message ${id} in topic ${topic}`);
  const shown = ctx.flags.has("a") ? found.slice(0, QUERY_BY_UNIQUE_KEY_MAX) : found.slice(0, 1);
  for (const [i, msg] of shown.entries()) {
    const bodyFileName = i === 0 ? msg.msgId : `${msg.msgId}_${i}`;
    await printMessage(ctx, msg, { offsetIdLine: false, bodyFileName });
  }
}

/** One printed trace row: a record of the traced message, and the trace message's born IP. */
interface TraceRow {
  record: TraceRecord;
  clientHost: string;
}

/** RocketMQ `TraceView.decodeFromTraceTransData`: the records of `msgId` in one trace message. */
function traceRowsOf(msgId: string, traceTopic: string, message: MessageExt): TraceRow[] {
  let records: TraceRecord[];
  try {
    records = decodeTraceData(new TextDecoder().decode(message.body));
  } catch (error) {
    if (!(error instanceof TraceDataError)) throw error;
    throw new MQAdminError(
      `Cannot decode trace message ${message.msgId} of topic ${traceTopic}: ${error.message}`,
      { cause: error },
    );
  }
  // The trace producer's IP (MessageExt.getBornHostString): the host part of `ip:port`.
  const clientHost = message.bornHost.slice(0, message.bornHost.lastIndexOf(":"));
  return records.filter((r) => r.msgId === msgId).map((record) => ({ record, clientHost }));
}

const TRACE_FORMAT = "%-10s %-20s %-20s %-20s %-10s %-10s%n";

function traceLine(ctx: CommandContext, type: string, row: TraceRow): string {
  const { record } = row;
  // A SubAfter of a CLOUD client has no time: RocketMQ's TraceContext then holds its decode time.
  const at = record.timeStamp ?? ctx.clock.now();
  const status = record.success ? "success" : "failed";
  const cost = `${record.costTime}ms`;
  return javaFormat(
    TRACE_FORMAT,
    type,
    record.groupName,
    row.clientHost,
    formatDateTime(at),
    cost,
    status,
  );
}

/** RocketMQ `QueryMsgTraceByIdSubCommand.printMessageTrace`: each Pub, then SubAfter by group. */
function printTrace(ctx: CommandContext, rows: readonly TraceRow[]): void {
  const byGroup = new Map<string, TraceRow[]>();
  for (const row of rows) {
    if (row.record.traceType === "Pub") {
      const head = ["#Type", "#ProducerGroup", "#ClientHost", "#SendTime", "#CostTimes", "#Status"];
      ctx.out.write(javaFormat(TRACE_FORMAT, ...head));
      ctx.out.write(traceLine(ctx, "Pub", row));
      ctx.out.write("\n");
    } else if (row.record.traceType === "SubAfter") {
      const group = byGroup.get(row.record.groupName) ?? [];
      group.push(row);
      byGroup.set(row.record.groupName, group);
    }
  }
  // RocketMQ keeps the groups in a HashMap: they print in its iteration order.
  for (const group of javaHashMapKeyOrder([...byGroup.keys()])) {
    const head = [
      "#Type",
      "#ConsumerGroup",
      "#ClientHost",
      "#ConsumerTime",
      "#CostTimes",
      "#Status",
    ];
    ctx.out.write(javaFormat(TRACE_FORMAT, ...head));
    for (const row of byGroup.get(group)!) ctx.out.write(traceLine(ctx, "Sub", row));
    ctx.out.write("\n");
  }
}

async function queryMsgTraceById(ctx: CommandContext): Promise<void> {
  const msgId = ctx.flags.require("i");
  const traceTopic = ctx.flags.get("t") ?? RMQ_SYS_TRACE_TOPIC;
  // As RocketMQ: trace messages carry the traced message's id as a key; stored up to now.
  const found = await ctx.admin().queryMessageByKey(traceTopic, msgId, {
    maxNum: QUERY_TRACE_MAX_NUM,
    beginTimestamp: 0,
    endTimestamp: ctx.clock.now(),
  });
  if (found.length === 0) {
    throw new MQAdminError(
      `Cannot find a trace of message ${msgId}: no message of topic ${traceTopic} has it as a key`,
    );
  }
  const rows = found.flatMap((m) => traceRowsOf(msgId, traceTopic, m));
  if (!rows.some((r) => r.record.traceType === "Pub" || r.record.traceType === "SubAfter")) {
    throw new MQAdminError(
      `Cannot find a trace of message ${msgId}: ${found.length} message(s) of topic ${traceTopic} ` +
        "have it as a key but hold no Pub or SubAfter record of it",
    );
  }
  printTrace(ctx, rows);
}

async function sendMessage(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  if (flags.bool("m", false)) {
    throw new MQAdminError(
      `Cannot run sendMessage with ${flags.describe("m")} true: EdgeMQ's producer writes no ` +
        `message trace (no ${RMQ_SYS_TRACE_TOPIC} record); leave -m out or pass -m false`,
    );
  }
  const topic = flags.require("t");
  const brokerName = flags.get("b");
  let messageQueue: MessageQueue | undefined;
  if (flags.has("i")) {
    if (brokerName === undefined) {
      throw new FlagError("option -i (qid) needs -b (broker): the broker name must be set");
    }
    messageQueue = { topic, brokerName, queueId: flags.int("i", 0) };
  }
  const producer = await ctx.producer(String(ctx.clock.now()));
  const result = await producer.send(
    { topic, body: flags.require("p"), tags: flags.get("c"), keys: flags.get("k") },
    { messageQueue },
  );
  const format = "%-32s  %-4s  %-20s    %s%n";
  out.write(javaFormat(format, "#Broker Name", "#QID", "#Send Result", "#MsgId"));
  out.write(javaFormat(
    format,
    result.messageQueue.brokerName,
    result.messageQueue.queueId,
    result.sendStatus,
    result.msgId,
  ));
}

/** queryMsgById, queryMsgByKey, queryMsgByUniqueKey, queryMsgTraceById, sendMessage. */
export const MESSAGE_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "queryMsgById",
    description: "Query Message by Id",
    options: [
      option("i", "msgId", "Message Id", "required"),
      option("t", "topic", "topic name (needed when the id is a unique key)"),
      option("f", "bodyFormat", "print message body by the specified format"),
      option("g", "consumerGroup", "consumer group name"),
      option("d", "clientId", "The consumer's client id"),
      option("s", "sendMessage", "resend message"),
      option("u", "unitName", "unit name"),
    ],
    run: queryMsgById,
  },
  {
    name: "queryMsgByKey",
    description: "Query Message by Key",
    options: [
      option("t", "topic", "Topic name", "required"),
      option("k", "msgKey", "Message Key", "required"),
      option("b", "beginTimestamp", "Begin timestamp(ms). default:0, eg:1676730526212"),
      option("e", "endTimestamp", "End timestamp(ms). default:Long.MAX_VALUE, eg:1676730526212"),
      option("m", "maxNum", "The maximum number of messages returned by the query, default:64"),
    ],
    run: queryMsgByKey,
  },
  {
    name: "queryMsgByUniqueKey",
    description: "Query Message by Unique key",
    options: [
      option("i", "msgId", "Message Id", "required"),
      option("g", "consumerGroup", "consumer group name"),
      option("d", "clientId", "The consumer's client id"),
      option("t", "topic", "The topic of msg", "required"),
      option("a", "showAll", "Print all message, the limit is 32", "switch"),
    ],
    run: queryMsgByUniqueKey,
  },
  {
    name: "queryMsgTraceById",
    description: "query a message trace",
    options: [
      option("i", "msgId", "Message Id", "required"),
      option("t", "traceTopic", "The name value of message trace topic"),
    ],
    run: queryMsgTraceById,
  },
  {
    name: "sendMessage",
    description: "Send a message",
    options: [
      option("t", "topic", "Topic name", "required"),
      option("p", "body", "UTF-8 string format of the message body", "required"),
      option("k", "key", "Message keys"),
      option("c", "tags", "Message tags"),
      option("b", "broker", "Send message to target broker"),
      option("i", "qid", "Send message to target queue"),
      option("m", "msgTraceEnable", "Message Trace Enable, Default: false"),
    ],
    run: sendMessage,
  },
];

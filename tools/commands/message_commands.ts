/**
 * Message commands of `mqadmin` (`shared/spec/config.md` §6): queryMsgById (offset id through
 * VIEW_MESSAGE_BY_ID, else the id as a unique key), queryMsgByKey, queryMsgByUniqueKey and
 * sendMessage, printing what RocketMQ's commands print.
 *
 * @module
 */

import { AssertionError } from "node:assert/strict";
import type { MessageExt } from "../../client/message.ts";
import type { MessageQueue } from "../../client/message_queue.ts";
import { FlagError } from "../_flags.ts";
import { javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import { QUERY_BY_KEY_MAX_DEFAULT, QUERY_BY_UNIQUE_KEY_MAX } from "../limits.ts";
import { printMessage } from "./_message_print.ts";

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

async function queryMsgById(ctx: CommandContext): Promise<void> {
  const decoder = bodyDecoder(ctx);
  const ids = ctx.flags.require("i").split(",").map((s) => s.trim()).filter((s) => s !== "");
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
  const found = await byUniqueKey(ctx, topic, id);
  if (found.length === 0) throw new MQAdminError(`Cannot find message ${id} in topic ${topic}`);
  const shown = ctx.flags.has("a") ? found.slice(0, QUERY_BY_UNIQUE_KEY_MAX) : found.slice(0, 1);
  for (const [i, msg] of shown.entries()) {
    const bodyFileName = i === 0 ? msg.msgId : `${msg.msgId}_${i}`;
    await printMessage(ctx, msg, { offsetIdLine: false, bodyFileName });
  }
}

async function sendMessage(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
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

/** queryMsgById, queryMsgByKey, queryMsgByUniqueKey, sendMessage. */
export const MESSAGE_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "queryMsgById",
    description: "Query Message by Id",
    options: [
      option("i", "msgId", "Message Id", "required"),
      option("t", "topic", "topic name (needed when the id is a unique key)"),
      option("f", "bodyFormat", "print message body by the specified format"),
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
      option("t", "topic", "The topic of msg", "required"),
      option("a", "showAll", "Print all message, the limit is 32", "switch"),
    ],
    run: queryMsgByUniqueKey,
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
    ],
    run: sendMessage,
  },
];

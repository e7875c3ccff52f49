/**
 * Message commands of `mqadmin` that read queues by offset as group `TOOLS_CONSUMER`:
 * queryMsgByOffset, printMsg and printMsgByQueue, with the options and output of RocketMQ 4.9.8's
 * `QueryMsgByOffsetSubCommand`, `PrintMessageSubCommand` and `PrintMessageByQueueCommand`.
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import { type MessageQueue, messageQueueToString } from "../../client/message_queue.ts";
import { FlagError } from "../_flags.ts";
import { javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import {
  printMessage,
  printMessages,
  pullQueue,
  type QueuePull,
  queueStatusLines,
  timestampOf,
} from "./_message_print.ts";

/** Messages one pull of printMsg / printMsgByQueue asks for, as RocketMQ's commands. */
const PRINT_PULL_BATCH = 32;

/** `-c`: the body's charset, UTF-8 by default; an unknown one is refused before any pull. */
function charsetOf(ctx: CommandContext): TextDecoder {
  const label = ctx.flags.get("c") ?? "UTF-8";
  try {
    return new TextDecoder(label);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new FlagError(
      `unsupported charset ${JSON.stringify(label)} for option ${ctx.flags.describe("c")}`,
    );
  }
}

/** The queue's offsets to print: min and max, or where `-b` / `-e` times fall. */
async function rangeOf(ctx: CommandContext, admin: AdminClient, mq: MessageQueue) {
  const begin = timestampOf(ctx, "b");
  const end = timestampOf(ctx, "e");
  let minOffset = await admin.minOffset(mq);
  let maxOffset = await admin.maxOffset(mq);
  if (begin !== undefined) minOffset = await admin.searchOffset(mq, begin);
  if (end !== undefined) maxOffset = await admin.searchOffset(mq, end);
  return { minOffset, maxOffset };
}

async function queryMsgByOffset(ctx: CommandContext): Promise<void> {
  const { flags } = ctx;
  const mq = {
    topic: flags.require("t"),
    brokerName: flags.require("b"),
    queueId: flags.int("i", 0),
  };
  const offset = flags.long("o", 0);
  const pulled = await ctx.admin().pullMessage(mq, "*", offset, 1);
  const [msg] = pulled.msgFoundList;
  if (msg === undefined) {
    throw new MQAdminError(
      `Cannot find a message at offset ${offset} of ${messageQueueToString(mq)}: ` +
        `${pulled.pullStatus} (queue offsets ${pulled.minOffset} to ${pulled.maxOffset})`,
    );
  }
  await printMessage(ctx, msg, { offsetIdLine: true, bodyFileName: msg.msgId });
}

/** printMsg's and printMsgByQueue's pulls: `[minOffset, maxOffset)`, `-s`, 32 at a time. */
function printRange(
  ctx: CommandContext,
  range: { minOffset: number; maxOffset: number },
): QueuePull {
  return {
    minOffset: range.minOffset,
    endOffset: range.maxOffset,
    subExpression: ctx.flags.get("s") ?? "*",
    batch: () => PRINT_PULL_BATCH,
  };
}

function failIfAny(failed: readonly string[]): void {
  if (failed.length > 0) {
    throw new MQAdminError(`Cannot print every message of ${failed.join(", ")}`);
  }
}

async function printMsg(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const charset = charsetOf(ctx);
  const body = flags.bool("d", true) ? charset : undefined;
  const admin = ctx.admin();
  const failed: string[] = [];
  for (const mq of await admin.fetchSubscribeMessageQueues(flags.require("t"))) {
    const range = await rangeOf(ctx, admin, mq);
    out.write(javaFormat(
      "minOffset=%s, maxOffset=%s, %s%n",
      range.minOffset,
      range.maxOffset,
      messageQueueToString(mq),
    ));
    const error = await pullQueue(ctx, mq, printRange(ctx, range), {
      found: (msgs) => printMessages(ctx, msgs, body),
      ...queueStatusLines(ctx),
    });
    if (error !== undefined) failed.push(messageQueueToString(mq));
    out.write(`${"-".repeat(56)}\n`);
  }
  failIfAny(failed);
}

async function printMsgByQueue(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const charset = charsetOf(ctx);
  const printMsgs = flags.bool("p", false);
  const body = flags.bool("d", false) ? charset : undefined;
  const byTag = flags.bool("f", false);
  const mq = {
    topic: flags.require("t"),
    brokerName: flags.require("a"),
    queueId: flags.int("i", 0),
  };
  const admin = ctx.admin();
  const tagCounts = new Map<string, number>();
  const error = await pullQueue(ctx, mq, printRange(ctx, await rangeOf(ctx, admin, mq)), {
    found(msgs) {
      if (byTag) {
        for (const { tags } of msgs) {
          if (tags !== undefined && tags.trim() !== "") {
            tagCounts.set(tags, (tagCounts.get(tags) ?? 0) + 1);
          }
        }
      }
      if (printMsgs) printMessages(ctx, msgs, body);
    },
  });
  // Most frequent first; a stable sort keeps ties in first-seen order.
  const counted = [...tagCounts].sort(([, a], [, b]) => b - a);
  for (const [tag, count] of counted) out.write(javaFormat("Tag: %-30s Count: %s%n", tag, count));
  failIfAny(error === undefined ? [] : [messageQueueToString(mq)]);
}

const BEGIN_HELP = "Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]";
const END_HELP = "End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]";

/** queryMsgByOffset, printMsg, printMsgByQueue. */
export const MESSAGE_PRINT_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "queryMsgByOffset",
    description: "Query Message by offset",
    options: [
      option("t", "topic", "topic name", "required"),
      option("b", "brokerName", "Broker Name", "required"),
      option("i", "queueId", "Queue Id", "required"),
      option("o", "offset", "Queue Offset", "required"),
    ],
    run: queryMsgByOffset,
  },
  {
    name: "printMsg",
    description: "Print Message Detail",
    options: [
      option("t", "topic", "topic name", "required"),
      option("c", "charsetName", "CharsetName(eg: UTF-8,GBK)"),
      option("s", "subExpression", "Subscribe Expression(eg: TagA || TagB)"),
      option("b", "beginTimestamp", BEGIN_HELP),
      option("e", "endTimestamp", END_HELP),
      option("d", "printBody", "print body"),
    ],
    run: printMsg,
  },
  {
    name: "printMsgByQueue",
    description: "Print Message Detail",
    options: [
      option("t", "topic", "topic name", "required"),
      option("a", "brokerName", "broker name", "required"),
      option("i", "queueId", "queue id", "required"),
      option("c", "charsetName", "CharsetName(eg: UTF-8,GBK)"),
      option("s", "subExpression", "Subscribe Expression(eg: TagA || TagB)"),
      option("b", "beginTimestamp", BEGIN_HELP),
      option("e", "endTimestamp", END_HELP),
      option("p", "printMsg", "print msg. eg: true | false(default)"),
      option("d", "printBody", "print body. eg: true | false(default)"),
      option("f", "calculate", "calculate by tag. eg: true | false(default)"),
    ],
    run: printMsgByQueue,
  },
];

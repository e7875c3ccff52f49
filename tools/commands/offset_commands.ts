/**
 * Offset commands: `resetOffsetByTime`, `skipAccumulatedMessage` and `cloneGroupOffset`, with
 * RocketMQ's options and output.
 *
 * @module
 */

import type { ResetOffsetResult } from "../../client/_admin_reset_offset.ts";
import type { MessageQueue } from "../../client/message_queue.ts";
import { frontStringAtLeast, javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";

/**
 * RocketMQ's `-s` of resetOffsetByTime: `now`, ms since the epoch, or local
 * `yyyy-MM-dd#HH:mm:ss:SSS`.
 *
 * @param text the option's value
 * @param now the current time
 * @returns ms since the epoch
 * @throws {MQAdminError} naming the option and the accepted forms
 */
export function parseResetTimestamp(text: string, now: number): number {
  const value = text.trim();
  if (value === "now") return now;
  if (/^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(value);
  const date = m === null
    ? undefined
    : new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]);
  if (date === undefined || date.getMonth() !== +m![2] - 1 || date.getDate() !== +m![3]) {
    throw new MQAdminError(
      `Cannot read option -s (timestamp) ${JSON.stringify(text)}: expected now, ms since the ` +
        "epoch, or yyyy-MM-dd#HH:mm:ss:SSS",
    );
  }
  return date.getTime();
}

/**
 * The offsets table resetOffsetByTime and skipAccumulatedMessage print: queue and offset told to
 * online consumers, or the rollback table of an offline group.
 */
function printResetResult(out: CommandContext["out"], result: ResetOffsetResult): void {
  const name = (mq: MessageQueue) => frontStringAtLeast(mq.brokerName, 32);
  if (result.online) {
    out.write(javaFormat("%-40s  %-40s  %-40s%n", "#brokerName", "#queueId", "#offset"));
    for (const [mq, offset] of result.offsets) {
      out.write(javaFormat("%-40s  %-40d  %-40d%n", name(mq), mq.queueId, offset));
    }
    return;
  }
  const head = ["#brokerName", "#queueId", "#brokerOffset", "#consumerOffset"];
  out.write(javaFormat(
    "%-20s  %-20s  %-20s  %-20s  %-20s  %-20s%n",
    ...head,
    "#timestampOffset",
    "#rollbackOffset",
  ));
  for (const r of result.rollbacks) {
    out.write(javaFormat(
      "%-20s  %-20d  %-20d  %-20d  %-20d  %-20d%n",
      name(r.mq),
      r.mq.queueId,
      r.brokerOffset,
      r.consumerOffset,
      r.timestampOffset,
      r.rollbackOffset,
    ));
  }
}

async function resetOffsetByTime(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const group = flags.require("g");
  const topic = flags.require("t");
  const timeText = flags.require("s");
  const timestamp = parseResetTimestamp(timeText, ctx.clock.now());
  const force = flags.bool("f", true);
  const cplus = flags.has("c");
  const result = await ctx.admin().resetOffsetByTime({ group, topic, timestamp, force, cplus });
  out.write(javaFormat(
    "rollback consumer offset by specified %s[%s], topic[%s], force[%s], timestamp(string)[%s], timestamp(long)[%s]%n",
    result.online ? "group" : "consumerGroup",
    group,
    topic,
    force,
    timeText.trim(),
    timestamp,
  ));
  printResetResult(out, result);
}

/** RocketMQ's skipAccumulatedMessage: a reset to timestamp -1, the newest offset of each queue. */
async function skipAccumulatedMessage(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const group = flags.require("g");
  const topic = flags.require("t");
  const force = flags.bool("f", true);
  printResetResult(
    out,
    await ctx.admin().resetOffsetByTime({ group, topic, timestamp: -1, force }),
  );
}

async function cloneGroupOffset(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const srcGroup = flags.require("s");
  const destGroup = flags.require("d");
  const topic = flags.require("t");
  // -o (offline) is accepted and, as in RocketMQ's command, not used.
  await ctx.admin().cloneGroupOffset(srcGroup, destGroup, topic);
  out.write(javaFormat(
    "clone group offset success. srcGroup[%s], destGroup=[%s], topic[%s]%n",
    srcGroup,
    destGroup,
    topic,
  ));
}

/** resetOffsetByTime, skipAccumulatedMessage, cloneGroupOffset. */
export const OFFSET_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "resetOffsetByTime",
    description: "Reset consumer offset by timestamp(without client restart).",
    options: [
      option("g", "group", "set the consumer group", "required"),
      option("t", "topic", "set the topic", "required"),
      option(
        "s",
        "timestamp",
        "set the timestamp[now|currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]",
        "required",
      ),
      option("f", "force", "set the force rollback by timestamp switch[true|false]"),
      option("c", "cplus", "reset c++ client offset", "switch"),
    ],
    run: resetOffsetByTime,
  },
  {
    name: "skipAccumulatedMessage",
    description: "Skip all messages that are accumulated (not consumed) currently",
    options: [
      option("g", "group", "set the consumer group", "required"),
      option("t", "topic", "set the topic", "required"),
      option("f", "force", "set the force rollback by timestamp switch[true|false]"),
    ],
    run: skipAccumulatedMessage,
  },
  {
    name: "cloneGroupOffset",
    description: "clone offset from other group.",
    options: [
      option("s", "srcGroup", "set source consumer group", "required"),
      option("d", "destGroup", "set destination consumer group", "required"),
      option("t", "topic", "set the topic", "required"),
      option("o", "offline", "the group or the topic is offline"),
    ],
    run: cloneGroupOffset,
  },
];

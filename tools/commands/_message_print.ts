/**
 * How `mqadmin queryMsgById` / `queryMsgByUniqueKey` print a message (RocketMQ `printMsg` /
 * `showMessage`) and which consumer groups have consumed it (RocketMQ `messageTrackDetail`,
 * `MessageTrack`, `TrackType`); how printMsg, printMsgByQueue and consumeMessage print pulled
 * messages (RocketMQ `printMessage`), the pull loop the three share, and how they read time
 * options (`timestampFormat`). Internal to `tools/commands/`.
 *
 * @module
 */

import { AssertionError } from "node:assert/strict";
import type { AdminClient } from "../../client/admin_client.ts";
import type { ConsumerConnection } from "../../client/admin_bodies.ts";
import { MQBrokerError } from "../../client/client_error.ts";
import type { MessageExt } from "../../client/message.ts";
import { type MessageQueue, messageQueueToString } from "../../client/message_queue.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { FlagError } from "../_flags.ts";
import {
  javaFormat,
  javaHashMapKeyOrder,
  javaMapString,
  timeMillisToHumanString2,
} from "../_format.ts";
import type { CommandContext } from "../command.ts";

/** RocketMQ `TrackType`. */
type TrackType =
  | "CONSUMED"
  | "CONSUMED_BUT_FILTERED"
  | "PULL"
  | "NOT_CONSUME_YET"
  | "NOT_ONLINE"
  | "CONSUME_BROADCASTING"
  | "UNKNOWN";

/** RocketMQ `MessageTrack`. */
interface MessageTrack {
  consumerGroup: string;
  trackType: TrackType;
  exceptionDesc: string | undefined;
}

/** `CODE:<code> DESC:<remark>` for broker errors, else the first line of the message. */
function describe(error: Error): string {
  if (error instanceof MQBrokerError) {
    return `CODE:${error.responseCode} DESC:${error.errorMessage}`;
  }
  return `${error.name}: ${error.message.split("\n")[0]}`;
}

/** Programmer errors are not a group's state: they crash. */
function asFailure(error: unknown): Error {
  if (!(error instanceof Error) || error instanceof AssertionError) throw error;
  return error;
}

/** RocketMQ `consumed`: the group's offset on the message's queue of its broker passed it. */
async function consumed(admin: AdminClient, msg: MessageExt, group: string): Promise<boolean> {
  const stats = await admin.consumeStats(group);
  const info = await admin.clusterInfo();
  return stats.offsetTable.some((o) =>
    o.mq.topic === msg.topic && o.mq.queueId === msg.queueId &&
    info.brokerAddrTable.get(o.mq.brokerName)?.brokerAddrs.get(0) === msg.storeHost &&
    o.consumerOffset > msg.queueOffset
  );
}

function filteredOut(cc: ConsumerConnection, msg: MessageExt): boolean {
  const sd = cc.subscriptionTable[msg.topic];
  if (sd === undefined) return false;
  const tags = sd.tagsSet ?? [];
  return !(tags.length === 0 || tags.includes("*") || tags.includes(msg.tags ?? ""));
}

async function trackOf(admin: AdminClient, msg: MessageExt, group: string): Promise<MessageTrack> {
  const track: MessageTrack = {
    consumerGroup: group,
    trackType: "UNKNOWN",
    exceptionDesc: undefined,
  };
  let cc: ConsumerConnection;
  try {
    cc = await admin.consumerConnection(group);
  } catch (error) {
    const failure = asFailure(error);
    if (
      failure instanceof MQBrokerError && failure.responseCode === ResponseCode.CONSUMER_NOT_ONLINE
    ) {
      track.trackType = "NOT_ONLINE";
    }
    track.exceptionDesc = describe(failure);
    return track;
  }
  if (cc.consumeType === "CONSUME_ACTIVELY") {
    track.trackType = "PULL";
  } else if (cc.consumeType === "CONSUME_PASSIVELY") {
    try {
      const done = await consumed(admin, msg, group);
      track.trackType = !done
        ? "NOT_CONSUME_YET"
        : filteredOut(cc, msg)
        ? "CONSUMED_BUT_FILTERED"
        : "CONSUMED";
    } catch (error) {
      const failure = asFailure(error);
      const code = failure instanceof MQBrokerError ? failure.responseCode : -1;
      if (code === ResponseCode.BROADCAST_CONSUMPTION) track.trackType = "CONSUME_BROADCASTING";
      if (code === ResponseCode.CONSUMER_NOT_ONLINE) track.trackType = "NOT_ONLINE";
      track.exceptionDesc = describe(failure);
    }
  }
  return track;
}

/**
 * Prints which groups consume the message's topic and whether each consumed it.
 *
 * @param ctx output and admin client
 * @param msg the message
 */
export async function printMessageTracks(ctx: CommandContext, msg: MessageExt): Promise<void> {
  const admin = ctx.admin();
  const groups = await admin.queryTopicConsumeByWho(msg.topic);
  if (groups.length === 0) {
    ctx.out.write("\n\nWARN: No Consumer\n");
    return;
  }
  ctx.out.write("\n\n");
  for (const group of groups) {
    const t = await trackOf(admin, msg, group);
    ctx.out.write(
      `MessageTrack [consumerGroup=${t.consumerGroup}, trackType=${t.trackType}, ` +
        `exceptionDesc=${t.exceptionDesc ?? "null"}]\n`,
    );
  }
}

/** Options of {@linkcode printMessage}. */
export interface PrintMessageOptions {
  /** print the `OffsetID:` line first (queryMsgById) */
  offsetIdLine: boolean;
  /** the body file's name (RocketMQ: the message id) */
  bodyFileName: string;
  /** also print the body decoded with this label (`-f`) */
  bodyDecoder?: TextDecoder;
}

/**
 * Prints a message as RocketMQ's `printMsg` does, then its consumer tracks.
 *
 * @param ctx output, admin client and body saver
 * @param msg the message
 * @param options which lines to print
 */
export async function printMessage(
  ctx: CommandContext,
  msg: MessageExt,
  options: PrintMessageOptions,
): Promise<void> {
  const s = (label: string, value: string) => ctx.out.write(javaFormat("%-20s %s%n", label, value));
  const d = (label: string, value: number) => ctx.out.write(javaFormat("%-20s %d%n", label, value));
  if (options.offsetIdLine) s("OffsetID:", msg.offsetMsgId);
  s("Topic:", msg.topic);
  s("Tags:", `[${msg.tags ?? "null"}]`);
  s("Keys:", `[${msg.keys ?? "null"}]`);
  d("Queue ID:", msg.queueId);
  d("Queue Offset:", msg.queueOffset);
  d("CommitLog Offset:", msg.commitLogOffset);
  d("Reconsume Times:", msg.reconsumeTimes);
  s("Born Timestamp:", timeMillisToHumanString2(msg.bornTimestamp));
  s("Store Timestamp:", timeMillisToHumanString2(msg.storeTimestamp));
  s("Born Host:", msg.bornHost);
  s("Store Host:", msg.storeHost);
  d("System Flag:", msg.sysFlag);
  s("Properties:", javaMapString(inHashMapOrder(msg.properties)));
  if (ctx.saveMessageBody !== undefined) {
    // The name comes from the stored UNIQ_KEY, which any producer sets: only a plain name, so a
    // crafted one (`../../.bashrc`) cannot write outside the bodies folder.
    const name = options.bodyFileName.replace(/[^0-9A-Za-z_-]/g, "_").slice(0, 200) || "_";
    s("Message Body Path:", await ctx.saveMessageBody(name, msg.body));
  }
  if (options.bodyDecoder !== undefined) s("Message Body:", options.bodyDecoder.decode(msg.body));
  await printMessageTracks(ctx, msg);
}

/** Java `Arrays.toString(byte[])`: signed bytes. */
function javaBytesString(bytes: Uint8Array): string {
  return `[${Array.from(bytes, (b) => (b << 24) >> 24).join(", ")}]`;
}

/**
 * RocketMQ `MessageExt.toString` (with `Message.toString` inside); hosts print as Java's
 * `InetSocketAddress` does, `/ip:port`.
 */
function messageExtString(msg: MessageExt): string {
  return `MessageExt [brokerName=${msg.brokerName ?? "null"}, queueId=${msg.queueId}, ` +
    `storeSize=${msg.storeSize}, queueOffset=${msg.queueOffset}, sysFlag=${msg.sysFlag}, ` +
    `bornTimestamp=${msg.bornTimestamp}, bornHost=/${msg.bornHost}, ` +
    `storeTimestamp=${msg.storeTimestamp}, storeHost=/${msg.storeHost}, ` +
    `msgId=${msg.offsetMsgId}, commitLogOffset=${msg.commitLogOffset}, bodyCRC=${msg.bodyCRC}, ` +
    `reconsumeTimes=${msg.reconsumeTimes}, ` +
    `preparedTransactionOffset=${msg.preparedTransactionOffset}, toString()=Message{topic='${msg.topic}', ` +
    `flag=${msg.flag}, properties=${javaMapString(inHashMapOrder(msg.properties))}, ` +
    `body=${javaBytesString(msg.body)}, transactionId='${msg.transactionId ?? "null"}'}]`;
}

/**
 * RocketMQ `PrintMessageByQueueCommand.printMessage`: `MSGID: <id> <MessageExt> BODY: <body>` per
 * message.
 *
 * @param ctx the output
 * @param msgs the pulled messages
 * @param body the body's charset, or undefined for `NOT PRINT BODY`
 */
export function printMessages(
  ctx: CommandContext,
  msgs: readonly MessageExt[],
  body: TextDecoder | undefined,
): void {
  for (const msg of msgs) {
    const text = body === undefined ? "NOT PRINT BODY" : body.decode(msg.body);
    ctx.out.write(javaFormat("MSGID: %s %s BODY: %s%n", msg.msgId, messageExtString(msg), text));
  }
}

/** How one queue's pulled messages are shown. */
export interface QueuePrinter {
  /** the pull's messages (FOUND) */
  found(msgs: readonly MessageExt[]): void;
  /** a pull whose messages the expression all filtered out; printMsg and consumeMessage say so */
  noMatch?(mq: MessageQueue, offset: number): void;
  /** the queue's end (NO_NEW_MSG, OFFSET_ILLEGAL); printMsg and consumeMessage say so */
  finished?(mq: MessageQueue, status: string, offset: number): void;
}

/**
 * RocketMQ's `no matched msg` and `print msg finished` lines of printMsg and consumeMessage.
 *
 * @param ctx the output
 * @returns the printer's noMatch and finished
 */
export function queueStatusLines(ctx: CommandContext): Omit<QueuePrinter, "found"> {
  return {
    noMatch: (mq, offset) =>
      ctx.out.write(javaFormat(
        "%s no matched msg. status=%s, offset=%s%n",
        messageQueueToString(mq),
        "NO_MATCHED_MSG",
        offset,
      )),
    finished: (mq, status, offset) =>
      ctx.out.write(javaFormat(
        "%s print msg finished. status=%s, offset=%s%n",
        messageQueueToString(mq),
        status,
        offset,
      )),
  };
}

/** Which offsets of one queue to pull, and how. */
export interface QueuePull {
  /** the first offset */
  minOffset: number;
  /** the offset past the last one pulled */
  endOffset: number;
  /** the subscription expression, `*` for all */
  subExpression: string;
  /** messages one pull asks for, given how many are left before `endOffset` */
  batch(left: number): number;
  /** the consumer group; absent: RocketMQ's `TOOLS_CONSUMER` */
  group?: string;
}

/**
 * Pulls `[minOffset, endOffset)` of one queue, committing nothing, until the broker reports the
 * queue's end or stops moving forward. A failed pull ends this queue, reported as
 * `Cannot pull …`, and is returned so the command can exit 1 after the others.
 *
 * @param ctx the admin client and the output
 * @param mq the queue
 * @param pull the offsets, expression, batch and group
 * @param printer what to show
 * @returns the failed pull's error, or undefined
 */
export async function pullQueue(
  ctx: CommandContext,
  mq: MessageQueue,
  pull: QueuePull,
  printer: QueuePrinter,
): Promise<Error | undefined> {
  let offset = pull.minOffset;
  while (offset < pull.endOffset) {
    const wanted = pull.batch(pull.endOffset - offset);
    let pulled;
    try {
      pulled = await ctx.admin().pullMessage(mq, pull.subExpression, offset, wanted, pull.group);
    } catch (error) {
      if (!(error instanceof Error) || error instanceof AssertionError) throw error;
      const reason = error.message.split("\n")[0];
      ctx.out.write(`Cannot pull ${messageQueueToString(mq)} at offset ${offset}: ${reason}\n`);
      return error;
    }
    const next = pulled.nextBeginOffset;
    const status = pulled.pullStatus;
    if (status === "FOUND") printer.found(pulled.msgFoundList);
    if (status === "NO_MATCHED_MSG") printer.noMatch?.(mq, next);
    if (status === "NO_NEW_MSG" || status === "OFFSET_ILLEGAL") {
      printer.finished?.(mq, status, next);
      return undefined;
    }
    // A broker that does not move forward would loop forever: stop at this queue.
    if (next <= offset) return undefined;
    offset = next;
  }
  return undefined;
}

/**
 * RocketMQ `timestampFormat`: ms since the epoch, or local `yyyy-MM-dd#HH:mm:ss:SSS`.
 *
 * @param ctx the options
 * @param short the option: `b` / `e` (printMsg), `s` / `e` (consumeMessage)
 * @returns the time, or undefined when the option is absent
 * @throws {FlagError} naming the option and the accepted forms
 */
export function timestampOf(ctx: CommandContext, short: string): number | undefined {
  const text = ctx.flags.get(short);
  if (text === undefined) return undefined;
  if (/^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(text);
  const date = m === null
    ? undefined
    : new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]);
  if (date === undefined || date.getMonth() !== +m![2] - 1 || date.getDate() !== +m![3]) {
    throw new FlagError(
      `invalid value ${JSON.stringify(text)} for option ${ctx.flags.describe(short)}: ` +
        "expected ms since the epoch or yyyy-MM-dd#HH:mm:ss:SSS",
    );
  }
  return date.getTime();
}

/**
 * A message's properties in the order RocketMQ prints them: its `MessageDecoder` reads them into
 * a `HashMap` (found by helper-143: EdgeMQ printed the producer's order, so one message printed
 * differently by client).
 */
function inHashMapOrder(properties: ReadonlyMap<string, string>): [string, string][] {
  return javaHashMapKeyOrder([...properties.keys()]).map((key) => [key, properties.get(key)!]);
}

/**
 * Producer-based probes of `mqadmin`, with RocketMQ 4.9.8's options and output: checkMsgSendRT
 * (the send time of each message to a topic and the average), clusterRT (the average send time to
 * each broker's own topic, every `-i` seconds until interrupted) and sendMsgStatus (the result of
 * each send to one broker's own topic).
 *
 * @module
 */

import { AssertionError } from "node:assert/strict";
import type { MessageQueue } from "../../client/message_queue.ts";
import { messageQueueToString } from "../../client/message_queue.ts";
import type { SendResult } from "../../client/send_result.ts";
import type { ParsedFlags } from "../_flags.ts";
import { FlagError } from "../_flags.ts";
import { javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import { CLUSTER_LIST_INTERVAL_SECONDS_MAX, SEND_RT_MESSAGE_BYTES_MAX } from "../limits.ts";
import { pause } from "./cluster_commands.ts";

/** Reads a count option: at least 1 (RocketMQ averages over `amount - 1` sends). */
function readAmount(flags: ParsedFlags, short: string, fallback: number): number {
  const amount = flags.long(short, fallback);
  if (amount < 1) {
    throw new FlagError(
      `invalid value ${amount} for option ${flags.describe(short)}: expected 1 or more`,
    );
  }
  return amount;
}

/** Reads a body size option: 0 to {@linkcode SEND_RT_MESSAGE_BYTES_MAX} bytes. */
function readSize(flags: ParsedFlags, short: string, fallback: number): number {
  const size = flags.long(short, fallback);
  if (size < 0 || size > SEND_RT_MESSAGE_BYTES_MAX) {
    throw new FlagError(
      `invalid value ${size} for option ${flags.describe(short)}: expected 0 to ` +
        `${SEND_RT_MESSAGE_BYTES_MAX} bytes`,
    );
  }
  return size;
}

/** A failed send counts as a failure, as RocketMQ's probes catch every exception. */
async function trySend(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (!(error instanceof Error) || error instanceof AssertionError) throw error;
    return false;
  }
}

async function checkMsgSendRT(ctx: CommandContext): Promise<void> {
  const { flags, out, clock } = ctx;
  const topic = flags.require("t");
  const amount = readAmount(flags, "a", 100);
  const body = "a".repeat(readSize(flags, "s", 128));
  const producer = await ctx.producer(String(clock.now()));
  const format = "%-32s  %-4s  %-20s    %s%n";
  out.write(javaFormat(format, "#Broker Name", "#QID", "#Send Result", "#RT"));
  // The queue the selector picked last (RocketMQ keeps it across sends, even failed ones).
  let picked: MessageQueue = { topic, brokerName: "", queueId: 0 };
  let elapsedMs = 0;
  for (let i = 0; i < amount; i++) {
    const start = clock.now();
    const ok = await trySend(() =>
      producer.send({ topic, body }, {
        arg: i,
        selector: (mqs, _message, arg) => (picked = mqs[(arg as number) % mqs.length]),
      })
    );
    const end = clock.now();
    if (i !== 0) elapsedMs += end - start; // the first send warms up (route, connection)
    out.write(javaFormat(format, picked.brokerName, picked.queueId, ok, end - start));
  }
  out.write(javaFormat("Avg RT: %s%n", javaFormat("%.2f", elapsedMs / (amount - 1))));
}

/** RocketMQ `getCurTime`: now in GMT+8, `yyyy-MM-dd HH:mm:ss`. */
function chinaTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");
}

async function clusterRT(ctx: CommandContext): Promise<void> {
  const { flags, out, clock } = ctx;
  const amount = readAmount(flags, "a", 100);
  const body = "a".repeat(readSize(flags, "s", 128));
  const interval = flags.long("i", 10);
  if (interval < 1 || interval > CLUSTER_LIST_INTERVAL_SECONDS_MAX) {
    throw new FlagError(
      `invalid value ${interval} for option ${flags.describe("i")}: expected 1 to ` +
        `${CLUSTER_LIST_INTERVAL_SECONDS_MAX} seconds`,
    );
  }
  const asTlog = flags.has("p") && flags.bool("p", false);
  const machineRoom = flags.get("m") ?? "noname";
  const only = flags.get("c");
  const clusterAddr = (await ctx.admin().clusterInfo()).clusterAddrTable;
  const producer = await ctx.producer(String(clock.now()));
  const clusterNames = only !== undefined ? [only] : [...clusterAddr.keys()].sort();
  if (!asTlog) {
    out.write(javaFormat(
      "%-24s  %-24s  %-4s  %-8s  %-8s%n",
      "#Cluster Name",
      "#Broker Name",
      "#RT",
      "#successCount",
      "#failCount",
    ));
  }
  for (;;) {
    for (const clusterName of clusterNames) {
      const brokerNames = clusterAddr.get(clusterName);
      if (brokerNames === undefined) {
        out.write(javaFormat("cluster [%s] not exist%n", clusterName));
        throw new MQAdminError(`Cannot find cluster ${clusterName} in the name servers`);
      }
      for (const brokerName of [...brokerNames].sort()) {
        let elapsedMs = 0;
        let successCount = 0;
        for (let i = 0; i < amount; i++) {
          const start = clock.now();
          if (await trySend(() => producer.send({ topic: brokerName, body }))) successCount++;
          if (i !== 0) elapsedMs += clock.now() - start;
        }
        const rt = elapsedMs / (amount - 1);
        out.write(
          asTlog
            ? javaFormat(
              "%s|%s|%s|%s|%s%n",
              chinaTime(clock.now()),
              machineRoom,
              clusterName,
              brokerName,
              Math.round(rt), // BigDecimal HALF_UP: rt is never negative
            )
            : javaFormat(
              "%-24s  %-24s  %-8s  %-16s  %-16s%n",
              clusterName,
              brokerName,
              javaFormat("%.2f", rt),
              successCount,
              amount - successCount,
            ),
        );
      }
    }
    if (ctx.signal.aborted) return;
    await pause(interval * 1000, ctx.signal);
    if (ctx.signal.aborted) return;
  }
}

/** RocketMQ `SendResult.toString`. */
function sendResultString(r: SendResult): string {
  return `SendResult [sendStatus=${r.sendStatus}, msgId=${r.msgId}, offsetMsgId=${r.offsetMsgId}, ` +
    `messageQueue=${messageQueueToString(r.messageQueue)}, queueOffset=${r.queueOffset}]`;
}

async function sendMsgStatus(ctx: CommandContext): Promise<void> {
  const { flags, out, clock } = ctx;
  const brokerName = flags.require("b");
  const size = readSize(flags, "s", 128);
  const count = flags.int("c", 50);
  // RocketMQ's body: "hello jodie" (11 bytes) for every 11 bytes of the size begun.
  const body = (size: number) => "hello jodie".repeat(Math.ceil(size / 11));
  const producer = await ctx.producer("PID_SMSC");
  await producer.send({ topic: brokerName, body: body(16) }); // warms up route and connection
  for (let i = 0; i < count; i++) {
    const begin = clock.now();
    const result = await producer.send({ topic: brokerName, body: body(size) });
    out.write(
      javaFormat("rt=%sms, SendResult=%s%n", clock.now() - begin, sendResultString(result)),
    );
  }
}

/** checkMsgSendRT, clusterRT, sendMsgStatus. */
export const SEND_RT_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "checkMsgSendRT",
    description: "check message send response time",
    options: [
      option("t", "topic", "topic name", "required"),
      option("a", "amount", "message amount | default 100"),
      option("s", "size", "message size | default 128 Byte"),
    ],
    run: checkMsgSendRT,
  },
  {
    name: "clusterRT",
    description: "List All clusters Message Send RT",
    options: [
      option("a", "amount", "message amount | default 100"),
      option("s", "size", "message size | default 128 Byte"),
      option("c", "cluster", "cluster name | default display all cluster"),
      option("p", "print log", "print as tlog | default false"),
      option("m", "machine room", "machine room name | default noname"),
      option("i", "interval", "print interval | default 10 seconds"),
    ],
    run: clusterRT,
  },
  {
    name: "sendMsgStatus",
    description: "send msg to broker.",
    options: [
      option("b", "brokerName", "Broker Name", "required"),
      option("s", "messageSize", "Message Size, Default: 128"),
      option("c", "count", "send message count, Default: 50"),
    ],
    run: sendMsgStatus,
  },
];

/**
 * Commands of `mqadmin` that read one queue as it is stored: consumeMessage (RocketMQ 4.9.8's
 * `ConsumeMessageCommand`: pulls a topic, one queue, or one queue from an offset, printing each
 * message, and commits nothing) and queryCq (`QueryConsumeQueueCommand`: a consume queue's raw
 * units, QUERY_CONSUME_QUEUE), with their options and output.
 *
 * @module
 */

import { MQClientError } from "../../client/client_error.ts";
import { PULL_BATCH_SIZE_MAX } from "../../client/consumer/limits.ts";
import { type MessageQueue, messageQueueToString as mqText } from "../../client/message_queue.ts";
import { checkConsumerGroup } from "../../client/push_consumer_options.ts";
import { MASTER_ID } from "../../client/message_const.ts";
import type { ConsumeQueueData } from "../../client/_admin_client_queues.ts";
import { FlagError, type ParsedFlags } from "../_flags.ts";
import { javaFormat } from "../_format.ts";
import { fastjsonPretty } from "../_pretty_json.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import { printMessages, pullQueue, queueStatusLines, timestampOf } from "./_message_print.ts";

/** consumeMessage's `-c` default, as RocketMQ's command. */
const CONSUME_MESSAGE_COUNT_DEFAULT = 128;
/** queryCq's `-c` default, as RocketMQ's command. */
const QUERY_CQ_COUNT_DEFAULT = 10;
/** The line queryCq prints between its parts. */
const SEPARATOR = `${"=".repeat(38)}\n`;

const utf8 = new TextDecoder();

/** What consumeMessage was asked for, checked as RocketMQ's command checks it. */
interface ConsumeRequest {
  topic: string;
  /** `-g`; absent: RocketMQ's `TOOLS_CONSUMER` */
  group: string | undefined;
  count: number;
  /** `-b` with `-i`: one queue; with `-o` too, from that offset */
  queue?: { mq: MessageQueue; offset: number };
  /** store times, ms; 0 when absent (RocketMQ uses a time only when it is positive) */
  begin: number;
  end: number;
}

function readConsumeRequest(ctx: CommandContext): ConsumeRequest {
  const { flags } = ctx;
  const topic = flags.require("t");
  const group = flags.get("g");
  if (group !== undefined) {
    try {
      checkConsumerGroup(group);
    } catch (error) {
      if (!(error instanceof MQClientError)) throw error;
      const reason = error.message.split("\n")[0];
      throw new FlagError(
        `invalid value ${JSON.stringify(group)} for option ${flags.describe("g")}: ${reason}`,
      );
    }
  }
  const count = flags.long("c", CONSUME_MESSAGE_COUNT_DEFAULT);
  if (count < 1) {
    throw new FlagError(
      `invalid value ${count} for option ${flags.describe("c")}: expected 1 or more`,
    );
  }
  const brokerName = flags.get("b");
  if (flags.has("i") && brokerName === undefined) {
    throw new FlagError(`option ${flags.describe("i")} needs ${flags.describe("b")}`);
  }
  if (flags.has("o") && !flags.has("i")) {
    throw new FlagError(`option ${flags.describe("o")} needs ${flags.describe("i")}`);
  }
  const queue = brokerName !== undefined && flags.has("i")
    ? { mq: { topic, brokerName, queueId: flags.int("i", 0) }, offset: flags.long("o", 0) }
    : undefined;
  const now = ctx.clock.now();
  const begin = timestampOf(ctx, "s") ?? 0;
  const end = timestampOf(ctx, "e") ?? 0;
  if (begin > now) throwAfterNow(flags, "s", begin);
  if (end > now) throwAfterNow(flags, "e", end);
  if (flags.has("e") && begin > end) {
    throw new FlagError(
      `option ${flags.describe("s")} (${begin}) must not be after ${flags.describe("e")} (${end})`,
    );
  }
  return { topic, group, count, queue, begin, end };
}

function throwAfterNow(flags: ParsedFlags, short: string, value: number): never {
  throw new FlagError(
    `invalid value ${value} for option ${flags.describe(short)}: expected a time before now`,
  );
}

/** The queue's offsets: min and max, or where positive `-s` / `-e` times fall. */
async function rangeOf(ctx: CommandContext, request: ConsumeRequest, mq: MessageQueue) {
  const admin = ctx.admin();
  let minOffset = await admin.minOffset(mq);
  let maxOffset = await admin.maxOffset(mq);
  if (request.begin > 0) minOffset = await admin.searchOffset(mq, request.begin);
  if (request.end > 0) maxOffset = await admin.searchOffset(mq, request.end);
  return { minOffset, maxOffset };
}

/**
 * RocketMQ `pullMessageByQueue`: pulls `[minOffset, maxOffset]` (the max inclusive, so a queue
 * read to its end reports NO_NEW_MSG) with `*`, committing nothing. A failed pull ends this
 * queue, reported as `Cannot pull …`, and is returned.
 */
function consumeQueue(
  ctx: CommandContext,
  request: ConsumeRequest,
  mq: MessageQueue,
  range: { minOffset: number; maxOffset: number },
): Promise<Error | undefined> {
  const pull = {
    minOffset: range.minOffset,
    endOffset: range.maxOffset + 1,
    subExpression: "*",
    batch: (left: number) => Math.min(left, PULL_BATCH_SIZE_MAX),
    group: request.group,
  };
  return pullQueue(ctx, mq, pull, {
    found(msgs) {
      ctx.out.write("Consume ok\n");
      printMessages(ctx, msgs, utf8);
    },
    ...queueStatusLines(ctx),
  });
}

/**
 * RocketMQ `executeDefault`: every readable queue of the topic (`-b` without `-i` is ignored, as
 * in RocketMQ), oldest messages first, until `-c` is spent. Queues go in broker-name and queue-id
 * order (RocketMQ walks a HashSet). As RocketMQ, a queue read whole counts one more than its
 * messages (the range includes its max offset); unlike RocketMQ, a count spent exactly stops
 * there instead of printing `The older -1 message …` for the next queue.
 */
async function consumeTopic(ctx: CommandContext, request: ConsumeRequest): Promise<string[]> {
  const failed: string[] = [];
  let countLeft = request.count;
  for (const mq of await ctx.admin().fetchSubscribeMessageQueues(request.topic)) {
    if (countLeft <= 0) break;
    const range = await rangeOf(ctx, request, mq);
    if (range.maxOffset - range.minOffset > countLeft) {
      ctx.out.write(javaFormat(
        "The older %d message of the %d queue will be provided\n",
        countLeft,
        mq.queueId,
      ));
      range.maxOffset = range.minOffset + countLeft - 1;
      countLeft = 0;
    } else {
      countLeft -= range.maxOffset - range.minOffset + 1;
    }
    if (await consumeQueue(ctx, request, mq, range) !== undefined) failed.push(mqText(mq));
  }
  return failed;
}

/** RocketMQ `executeByCondition`: one queue, from `-o` (or its min offset). */
async function consumeOneQueue(
  ctx: CommandContext,
  request: ConsumeRequest,
  queue: { mq: MessageQueue; offset: number },
): Promise<string[]> {
  const { mq, offset } = queue;
  const range = await rangeOf(ctx, request, mq);
  if (offset > range.maxOffset) {
    ctx.out.write(javaFormat("%s no matched msg, offset=%s\n", mqText(mq), offset));
    return [];
  }
  range.minOffset = Math.max(range.minOffset, offset);
  if (range.maxOffset - range.minOffset > request.count) {
    // RocketMQ's wording, typo included.
    ctx.out.write(javaFormat("The oldler %d message will be provided\n", request.count));
    range.maxOffset = range.minOffset + request.count - 1;
  }
  return await consumeQueue(ctx, request, mq, range) === undefined ? [] : [mqText(mq)];
}

async function consumeMessage(ctx: CommandContext): Promise<void> {
  const request = readConsumeRequest(ctx);
  const failed = request.queue === undefined
    ? await consumeTopic(ctx, request)
    : await consumeOneQueue(ctx, request, request.queue);
  if (failed.length > 0) {
    throw new MQAdminError(`Cannot consume every message of ${failed.join(", ")}`);
  }
}

/** RocketMQ's queryCq without `-b`: the master of the first broker in the topic's route. */
async function firstBrokerOf(ctx: CommandContext, topic: string): Promise<string> {
  const route = await ctx.admin().topicRoute(topic);
  const first = route.brokerDatas[0];
  if (first === undefined) throw new MQAdminError(`Cannot find a broker of topic ${topic}`);
  const addr = first.brokerAddrs.get(MASTER_ID);
  if (addr === undefined) {
    throw new MQAdminError(
      `Cannot find the master of broker ${first.brokerName} in the route of topic ${topic}`,
    );
  }
  return addr;
}

/** RocketMQ `ConsumeQueueData.toString`. */
function consumeQueueDataString(unit: ConsumeQueueData): string {
  return `ConsumeQueueData{physicOffset=${unit.physicOffset}, physicSize=${unit.physicSize}, ` +
    `tagsCode=${unit.tagsCode}, extendDataJson='${unit.extendDataJson ?? "null"}', ` +
    `bitMap='${unit.bitMap ?? "null"}', eval=${unit.eval}, msg='${unit.msg ?? "null"}'}`;
}

async function queryCq(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const topic = flags.require("t");
  const queueId = flags.int("q", 0);
  const index = flags.long("i", 0);
  const count = flags.int("c", QUERY_CQ_COUNT_DEFAULT);
  if (count < 1) {
    throw new FlagError(
      `invalid value ${count} for option ${flags.describe("c")}: expected 1 or more`,
    );
  }
  const consumerGroup = flags.get("g");
  const broker = flags.get("b") || await firstBrokerOf(ctx, topic);
  const body = await ctx.admin().queryConsumeQueue(broker, {
    topic,
    queueId,
    index,
    count,
    consumerGroup,
  });
  if (body.subscriptionData !== undefined) {
    out.write(`Subscription data: \n${fastjsonPretty(body.subscriptionData)}\n${SEPARATOR}`);
  }
  if (body.filterData !== undefined) out.write(`Filter data: \n${body.filterData}\n${SEPARATOR}`);
  out.write(`Queue data: \nmax: ${body.maxQueueIndex}, min: ${body.minQueueIndex}\n${SEPARATOR}`);
  let i = index;
  for (const unit of body.queueData ?? []) {
    out.write(`idx: ${i++}\n${consumeQueueDataString(unit)}\n${SEPARATOR}`);
  }
}

const BEGIN_HELP = "Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]";
const END_HELP = "End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]";

/** consumeMessage, queryCq. */
export const QUEUE_READ_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "queryCq",
    description: "Query cq command.",
    options: [
      option("t", "topic", "topic name", "required"),
      option("q", "queue", "queue num, ie. 1", "required"),
      option("i", "index", "start queue index.", "required"),
      option("c", "count", "how many."),
      option("b", "broker", "broker addr."),
      option("g", "consumer", "consumer group."),
    ],
    run: queryCq,
  },
  {
    name: "consumeMessage",
    description: "Consume message",
    options: [
      option("t", "topic", "Topic name", "required"),
      option("b", "brokerName", "Broker name"),
      option("i", "queueId", "Queue Id"),
      option("o", "offset", "Queue offset"),
      option("g", "consumerGroup", "Consumer group name"),
      option("s", "beginTimestamp", BEGIN_HELP),
      option("e", "endTimestamp", END_HELP),
      option("c", "MessageNumber", "Number of message to be consumed"),
    ],
    run: consumeMessage,
  },
];

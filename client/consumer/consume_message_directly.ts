/**
 * CONSUME_MESSAGE_DIRECTLY on the client (RocketMQ `ConsumeMessageConcurrentlyService` and
 * `ConsumeMessageOrderlyService.consumeMessageDirectly`): an admin (`mqadmin queryMsgById -g -d`,
 * the dashboard's "resend") has one stored message handed to the group's listener outside the
 * pull loop. The listener sees it as one batch on its queue; the outcome is reported, not acted
 * on: no offset moves, nothing is sent back.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { CMResult, ConsumeMessageDirectlyResult } from "../consumer_running_info.ts";
import type { MessageExt } from "../message.ts";
import type { MessageQueue } from "../message_queue.ts";
import type {
  ConsumeConcurrentlyContext,
  ConsumeOrderlyContext,
  MessageListenerConcurrently,
  MessageListenerOrderly,
} from "./message_listener.ts";
import { resetRetryTopic } from "./retry_topic.ts";

/** Largest int32: the default `ackIndex`. */
const ACK_ALL = 2_147_483_647;

/** RocketMQ's mapping of a listener status to a CMResult (unknown statuses have none). */
const CM_RESULT: Readonly<Record<string, CMResult>> = {
  CONSUME_SUCCESS: "CR_SUCCESS",
  RECONSUME_LATER: "CR_LATER",
  SUCCESS: "CR_SUCCESS",
  COMMIT: "CR_COMMIT",
  ROLLBACK: "CR_ROLLBACK",
  SUSPEND_CURRENT_QUEUE_A_MOMENT: "CR_LATER",
};

/**
 * What {@linkcode consumeMessageDirectly} runs with.
 *
 * @example
 * ```ts
 * import type { DirectConsumeOptions } from "./consume_message_directly.ts";
 * import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
 * const options: DirectConsumeOptions = {
 *   consumerGroup: "CG", clock: { now: () => Date.now() }, logger: silentRemotingLogger,
 *   listener: { orderly: false, fn: () => "CONSUME_SUCCESS" },
 * };
 * ```
 */
export interface DirectConsumeOptions {
  /** the group (retry-topic messages get their original topic back) */
  consumerGroup: string;
  /** the group's listener */
  listener:
    | { readonly orderly: false; readonly fn: MessageListenerConcurrently }
    | { readonly orderly: true; readonly fn: MessageListenerOrderly };
  /** times the call */
  clock: Clock;
  /** where the call and its outcome are logged */
  logger: RemotingLogger;
}

/**
 * Hands one message to the listener and reports how it came out.
 *
 * @param options group, listener, clock and logger
 * @param msg the message, decoded from the request body
 * @param brokerName the broker it is stored on (the context's queue)
 * @returns `order`, `autoCommit`, `consumeResult` (CR_THROW_EXCEPTION with `remark` when the
 *   listener threw, CR_RETURN_NULL when it returned nothing) and `spentTimeMills`
 * @example
 * ```ts
 * import { consumeMessageDirectly } from "./consume_message_directly.ts";
 * import { MessageExt } from "../message.ts";
 * import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
 * const msg = new MessageExt({
 *   topic: "T", body: "x", queueId: 0, storeSize: 0, queueOffset: 0, sysFlag: 0, bornTimestamp: 0,
 *   bornHost: "127.0.0.1:1", storeTimestamp: 0, storeHost: "127.0.0.1:2", offsetMsgId: "",
 *   commitLogOffset: 0, bodyCRC: 0, reconsumeTimes: 0, preparedTransactionOffset: 0,
 * });
 * const result = await consumeMessageDirectly({
 *   consumerGroup: "CG", clock: { now: () => 0 }, logger: silentRemotingLogger,
 *   listener: { orderly: false, fn: () => "CONSUME_SUCCESS" },
 * }, msg, "broker-a");
 * if (result.consumeResult !== "CR_SUCCESS") throw new Error();
 * ```
 */
export async function consumeMessageDirectly(
  options: DirectConsumeOptions,
  msg: MessageExt,
  brokerName: string,
): Promise<ConsumeMessageDirectlyResult> {
  const { listener, clock, logger } = options;
  const mq: MessageQueue = { topic: msg.topic, brokerName, queueId: msg.queueId };
  const msgs = [msg];
  resetRetryTopic(msgs, options.consumerGroup);
  const orderlyContext: ConsumeOrderlyContext = {
    messageQueue: mq,
    autoCommit: true,
    suspendCurrentQueueTimeMillis: -1,
  };
  const result: ConsumeMessageDirectlyResult = {
    order: listener.orderly,
    autoCommit: true,
    spentTimeMills: 0,
  };
  logger.info(`consumeMessageDirectly receive new message: ${msg.msgId} of ${msg.topic}`);
  const beginMs = clock.now();
  try {
    let status: string | null | undefined;
    if (listener.orderly) {
      status = await listener.fn(msgs, orderlyContext);
    } else {
      const context: ConsumeConcurrentlyContext = {
        messageQueue: mq,
        delayLevelWhenNextConsume: 0,
        ackIndex: ACK_ALL,
      };
      status = await listener.fn(msgs, context);
    }
    if (status === null || status === undefined) result.consumeResult = "CR_RETURN_NULL";
    else if (Object.hasOwn(CM_RESULT, status)) result.consumeResult = CM_RESULT[status];
  } catch (error) {
    result.consumeResult = "CR_THROW_EXCEPTION";
    result.remark = String(error);
    logger.warn(
      `consumeMessageDirectly exception: ${result.remark} Group: ${options.consumerGroup} Msg: ${msg.msgId}`,
    );
  }
  if (listener.orderly) result.autoCommit = orderlyContext.autoCommit;
  result.spentTimeMills = clock.now() - beginMs;
  logger.info(
    `consumeMessageDirectly Result: ${
      result.consumeResult ?? "null"
    } in ${result.spentTimeMills} ms`,
  );
  return result;
}

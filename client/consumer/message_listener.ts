/**
 * What a push consumer calls with messages (RocketMQ `MessageListenerConcurrently`,
 * `MessageListenerOrderly` and their contexts and statuses).
 *
 * @module
 */

import type { MessageExt } from "../message.ts";
import type { MessageQueue } from "../message_queue.ts";

/**
 * Outcome of a concurrent listener call (RocketMQ `ConsumeConcurrentlyStatus`).
 *
 * @example
 * ```ts
 * import type { ConsumeConcurrentlyStatus } from "./message_listener.ts";
 * import type { MessageExt } from "../message.ts";
 * function statusOf(msgs: MessageExt[]): ConsumeConcurrentlyStatus {
 *   return msgs.every((m) => m.body.length > 0) ? "CONSUME_SUCCESS" : "RECONSUME_LATER";
 * }
 * ```
 */
export type ConsumeConcurrentlyStatus =
  typeof ConsumeConcurrentlyStatus[keyof typeof ConsumeConcurrentlyStatus];

/**
 * Outcome of a concurrent listener call (RocketMQ `ConsumeConcurrentlyStatus`): the constants,
 * for `async` listeners. TypeScript widens a bare `return "CONSUME_SUCCESS"` of an async function
 * whose expected return type is `T | Promise<T>` to `string` (microsoft/TypeScript#30185);
 * `return ConsumeConcurrentlyStatus.CONSUME_SUCCESS` keeps its literal type, as in RocketMQ's Java.
 *
 * @example
 * ```ts
 * import { ConsumeConcurrentlyStatus, type MessageListenerConcurrently } from "./message_listener.ts";
 * const listener: MessageListenerConcurrently = async (msgs) => {
 *   await Promise.all(msgs.map((m) => Promise.resolve(m.bodyText)));
 *   return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
 * };
 * ```
 */
export const ConsumeConcurrentlyStatus = {
  /** the messages are consumed */
  CONSUME_SUCCESS: "CONSUME_SUCCESS",
  /** retry the messages later (through the group's retry topic) */
  RECONSUME_LATER: "RECONSUME_LATER",
} as const;

/**
 * What a concurrent listener may read and adjust (RocketMQ `ConsumeConcurrentlyContext`).
 *
 * @example
 * ```ts
 * import type { MessageListenerConcurrently } from "./message_listener.ts";
 * const listener: MessageListenerConcurrently = (msgs, context) => {
 *   const firstBad = msgs.findIndex((m) => m.bodyText === "");
 *   if (firstBad === -1) return "CONSUME_SUCCESS";
 *   context.ackIndex = firstBad - 1; // the messages before it succeeded; the rest are retried
 *   context.delayLevelWhenNextConsume = 5; // retry after delay level 5 (1 minute)
 *   return "CONSUME_SUCCESS";
 * };
 * ```
 */
export interface ConsumeConcurrentlyContext {
  /** the queue the messages came from */
  readonly messageQueue: MessageQueue;
  /**
   * delay level of the retry after RECONSUME_LATER: 0 lets the broker choose `3 + reconsumeTimes`,
   * −1 sends the message to the DLQ at once
   */
  delayLevelWhenNextConsume: number;
  /** with CONSUME_SUCCESS, messages after this index count as failed (default: none) */
  ackIndex: number;
}

/**
 * A concurrent listener: messages of one queue, any number of calls at once.
 *
 * @example
 * ```ts
 * import type { MessageListenerConcurrently } from "./message_listener.ts";
 * import type { PushConsumer } from "../push_consumer.ts";
 * const listener: MessageListenerConcurrently = async (msgs, context) => {
 *   for (const msg of msgs) console.log(context.messageQueue.queueId, msg.bodyText);
 *   return await Promise.resolve("CONSUME_SUCCESS");
 * };
 * const use = (consumer: PushConsumer) => consumer.registerMessageListener(listener);
 * ```
 */
export type MessageListenerConcurrently = (
  msgs: MessageExt[],
  context: ConsumeConcurrentlyContext,
) => ConsumeConcurrentlyStatus | Promise<ConsumeConcurrentlyStatus>;

/**
 * Outcome of an orderly listener call (RocketMQ `ConsumeOrderlyStatus`): SUCCESS, or
 * SUSPEND_CURRENT_QUEUE_A_MOMENT to retry the same messages after a pause; COMMIT and ROLLBACK
 * only matter with `autoCommit` off.
 *
 * @example
 * ```ts
 * import type { MessageListenerOrderly } from "./message_listener.ts";
 * const handled = new Set<string>();
 * const listener: MessageListenerOrderly = (msgs) => {
 *   if (msgs.some((m) => m.bodyText === "not yet")) return "SUSPEND_CURRENT_QUEUE_A_MOMENT";
 *   for (const m of msgs) handled.add(m.msgId);
 *   return "SUCCESS";
 * };
 * ```
 */
export type ConsumeOrderlyStatus = typeof ConsumeOrderlyStatus[keyof typeof ConsumeOrderlyStatus];

/**
 * Outcome of an orderly listener call (RocketMQ `ConsumeOrderlyStatus`): the constants, for
 * `async` listeners (see {@linkcode ConsumeConcurrentlyStatus} for why).
 *
 * @example
 * ```ts
 * import { ConsumeOrderlyStatus, type MessageListenerOrderly } from "./message_listener.ts";
 * const listener: MessageListenerOrderly = async (msgs) => {
 *   if (msgs.length === 0) return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
 *   return await Promise.resolve(ConsumeOrderlyStatus.SUCCESS);
 * };
 * ```
 */
export const ConsumeOrderlyStatus = {
  /** the messages are consumed; the queue moves on */
  SUCCESS: "SUCCESS",
  /** retry the same messages after `suspendCurrentQueueTimeMillis` */
  SUSPEND_CURRENT_QUEUE_A_MOMENT: "SUSPEND_CURRENT_QUEUE_A_MOMENT",
  /** commit the offset (with `autoCommit` off) */
  COMMIT: "COMMIT",
  /** consume the messages again from the last commit (with `autoCommit` off) */
  ROLLBACK: "ROLLBACK",
} as const;

/**
 * What an orderly listener may read and adjust (RocketMQ `ConsumeOrderlyContext`).
 *
 * @example
 * ```ts
 * import type { MessageListenerOrderly } from "./message_listener.ts";
 * const listener: MessageListenerOrderly = (msgs, context) => {
 *   if (msgs[0].reconsumeTimes < 3) {
 *     context.suspendCurrentQueueTimeMillis = 2000; // retry the same messages in 2 s
 *     return "SUSPEND_CURRENT_QUEUE_A_MOMENT";
 *   }
 *   return "SUCCESS";
 * };
 * ```
 */
export interface ConsumeOrderlyContext {
  /** the queue the messages came from */
  readonly messageQueue: MessageQueue;
  /** commit the offset after each SUCCESS (default true) */
  autoCommit: boolean;
  /** pause after SUSPEND_CURRENT_QUEUE_A_MOMENT, ms; −1 = the consumer's setting */
  suspendCurrentQueueTimeMillis: number;
}

/**
 * An orderly listener: one call at a time per queue, in queue order.
 *
 * @example
 * ```ts
 * import type { MessageListenerOrderly } from "./message_listener.ts";
 * import type { PushConsumer } from "../push_consumer.ts";
 * const listener: MessageListenerOrderly = (msgs, context) => {
 *   for (const msg of msgs) console.log(context.messageQueue.queueId, msg.bodyText);
 *   return "SUCCESS"; // the queue's next messages come only after this call
 * };
 * const use = (consumer: PushConsumer) => consumer.registerOrderlyListener(listener);
 * ```
 */
export type MessageListenerOrderly = (
  msgs: MessageExt[],
  context: ConsumeOrderlyContext,
) => ConsumeOrderlyStatus | Promise<ConsumeOrderlyStatus>;

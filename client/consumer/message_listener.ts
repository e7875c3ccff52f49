/**
 * What a push consumer calls with messages (RocketMQ `MessageListenerConcurrently`,
 * `MessageListenerOrderly` and their contexts and statuses).
 *
 * @module
 */

import type { MessageExt } from "../message.ts";
import type { MessageQueue } from "../message_queue.ts";

/** Outcome of a concurrent listener call (RocketMQ `ConsumeConcurrentlyStatus`). */
export type ConsumeConcurrentlyStatus = "CONSUME_SUCCESS" | "RECONSUME_LATER";

/** What a concurrent listener may read and adjust (RocketMQ `ConsumeConcurrentlyContext`). */
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

/** A concurrent listener: messages of one queue, any number of calls at once. */
export type MessageListenerConcurrently = (
  msgs: MessageExt[],
  context: ConsumeConcurrentlyContext,
) => ConsumeConcurrentlyStatus | Promise<ConsumeConcurrentlyStatus>;

/**
 * Outcome of an orderly listener call (RocketMQ `ConsumeOrderlyStatus`): SUCCESS, or
 * SUSPEND_CURRENT_QUEUE_A_MOMENT to retry the same messages after a pause; COMMIT and ROLLBACK
 * only matter with `autoCommit` off.
 */
export type ConsumeOrderlyStatus =
  | "SUCCESS"
  | "SUSPEND_CURRENT_QUEUE_A_MOMENT"
  | "COMMIT"
  | "ROLLBACK";

/** What an orderly listener may read and adjust (RocketMQ `ConsumeOrderlyContext`). */
export interface ConsumeOrderlyContext {
  /** the queue the messages came from */
  readonly messageQueue: MessageQueue;
  /** commit the offset after each SUCCESS (default true) */
  autoCommit: boolean;
  /** pause after SUSPEND_CURRENT_QUEUE_A_MOMENT, ms; −1 = the consumer's setting */
  suspendCurrentQueueTimeMillis: number;
}

/** An orderly listener: one call at a time per queue, in queue order. */
export type MessageListenerOrderly = (
  msgs: MessageExt[],
  context: ConsumeOrderlyContext,
) => ConsumeOrderlyStatus | Promise<ConsumeOrderlyStatus>;

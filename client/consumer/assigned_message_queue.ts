/**
 * The queues a pull consumer works on and where it stands on each (RocketMQ
 * `AssignedMessageQueue`): the cache, whether the application paused it, the next offset to pull,
 * the offset after the last message handed to the application (what a commit stores) and a
 * pending seek.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import { type MessageQueue, messageQueueKey } from "../message_queue.ts";
import { ProcessQueue } from "./process_queue.ts";

/**
 * One assigned queue's state.
 *
 * @example
 * ```ts
 * import { AssignedMessageQueue, type MessageQueueState } from "./assigned_message_queue.ts";
 * const assigned = new AssignedMessageQueue();
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * assigned.assign([mq]);
 * const state: MessageQueueState | undefined = assigned.state(mq);
 * if (state === undefined || state.pullOffset !== -1) throw new Error("not pulled yet");
 * ```
 */
export interface MessageQueueState {
  /** the queue */
  readonly messageQueue: MessageQueue;
  /** its cache */
  readonly processQueue: ProcessQueue;
  /** pulling stopped by the application */
  paused: boolean;
  /** next offset to pull, −1 = not yet known */
  pullOffset: number;
  /** offset after the last polled message, −1 = none yet */
  consumeOffset: number;
  /** offset to pull from next (a seek), −1 = none */
  seekOffset: number;
  /** seeks so far: a batch polled before one no longer stands for the queue's position */
  seeks: number;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts
 * import { AssignedMessageQueue } from "./assigned_message_queue.ts";
 * const assigned = new AssignedMessageQueue();
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * assigned.updateAssignedMessageQueue("T", [mq]);
 * assigned.updateConsumeOffset(mq, 12);
 * if (assigned.getConsumerOffset(mq) !== 12) throw new Error();
 * ```
 */
export class AssignedMessageQueue {
  readonly #states = new Map<string, MessageQueueState>();
  readonly #clock: Clock | undefined;

  /** @param clock time source of new caches */
  constructor(clock?: Clock) {
    this.#clock = clock;
  }

  /** @returns the assigned queues */
  messageQueues(): MessageQueue[] {
    return [...this.#states.values()].map((s) => s.messageQueue);
  }

  /**
   * @param mq a queue
   * @returns its state, if assigned
   */
  state(mq: MessageQueue): MessageQueueState | undefined {
    return this.#states.get(messageQueueKey(mq));
  }

  /**
   * Replaces the assignment of one topic (subscribe mode); dropped queues' caches are marked
   * dropped.
   *
   * @param topic the topic
   * @param assigned its queues now assigned
   * @param processQueueOf the rebalance's cache of a queue, when it has one
   * @returns the queues removed
   */
  updateAssignedMessageQueue(
    topic: string,
    assigned: readonly MessageQueue[],
    processQueueOf: (mq: MessageQueue) => ProcessQueue | undefined = () => undefined,
  ): MessageQueue[] {
    const wanted = new Set(assigned.map(messageQueueKey));
    const removed: MessageQueue[] = [];
    for (const [key, state] of this.#states) {
      if (state.messageQueue.topic !== topic || wanted.has(key)) continue;
      state.processQueue.dropped = true;
      this.#states.delete(key);
      removed.push(state.messageQueue);
    }
    for (const mq of assigned) this.#add(mq, processQueueOf(mq));
    return removed;
  }

  /**
   * Replaces the whole assignment (assign mode).
   *
   * @param assigned the queues
   * @returns the queues removed
   */
  assign(assigned: readonly MessageQueue[]): MessageQueue[] {
    const wanted = new Set(assigned.map(messageQueueKey));
    const removed: MessageQueue[] = [];
    for (const [key, state] of this.#states) {
      if (wanted.has(key)) continue;
      state.processQueue.dropped = true;
      this.#states.delete(key);
      removed.push(state.messageQueue);
    }
    for (const mq of assigned) this.#add(mq, undefined);
    return removed;
  }

  /** Drops every queue (shutdown). */
  clear(): void {
    for (const state of this.#states.values()) state.processQueue.dropped = true;
    this.#states.clear();
  }

  #add(mq: MessageQueue, pq: ProcessQueue | undefined): void {
    const key = messageQueueKey(mq);
    // A state whose cache was dropped behind its back (a rebalance run that an unsubscribe raced
    // truncates the queue without telling) is replaced, or the queue would never be pulled again.
    const held = this.#states.get(key);
    if (
      held !== undefined && !held.processQueue.dropped &&
      (pq === undefined || held.processQueue === pq)
    ) return;
    this.#states.set(key, {
      messageQueue: { topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId },
      processQueue: pq ?? new ProcessQueue(this.#clock),
      paused: false,
      pullOffset: -1,
      consumeOffset: -1,
      seekOffset: -1,
      seeks: 0,
    });
  }

  /**
   * @param mq a queue
   * @returns the offset after its last polled message, −1 when none or not assigned
   */
  getConsumerOffset(mq: MessageQueue): number {
    return this.state(mq)?.consumeOffset ?? -1;
  }

  /**
   * @param mq a queue
   * @param offset the offset after the messages just polled
   */
  updateConsumeOffset(mq: MessageQueue, offset: number): void {
    const state = this.state(mq);
    if (state !== undefined && offset >= 0) state.consumeOffset = offset;
  }

  /**
   * @param mqs queues to pause or resume
   * @param paused the new setting
   */
  setPaused(mqs: readonly MessageQueue[], paused: boolean): void {
    for (const mq of mqs) {
      const state = this.state(mq);
      if (state !== undefined) state.paused = paused;
    }
  }
}

/**
 * The pull tasks of the pull consumer (RocketMQ `DefaultLitePullConsumerImpl.PullTaskImpl`): one
 * loop per assigned queue that long-polls (PULL_MESSAGE with SUSPEND | SUBSCRIPTION, hold
 * `brokerSuspendMaxTimeMillis` 20 s) and buffers what it finds for `poll`. A task waits 50 ms
 * instead of pulling while the buffer holds more than `pullThresholdForAll` messages or its queue
 * more than `pullThresholdForQueue` messages / `pullThresholdSizeForQueue` MiB / a span of
 * `consumeMaxSpan`; 1 s while the queue is paused; `pullTimeDelayMillsWhenException` after errors.
 * A flow-controlled task also wakes as soon as there is room again, so the next pull goes out
 * while the application works on the batch it got rather than up to 50 ms later; the bounds are
 * the same. A task waiting for its queue wakes when `poll` takes from that queue; a task waiting
 * for the buffer wakes whenever the buffer is found at or under `pullThresholdForAll` (a poll, or
 * a cancel that dropped a queue's batches), so a shrink that skips the exact crossing still
 * wakes it.
 * A seek or reassignment cancels the task (a result still in flight is discarded) and drops its
 * queue's batches from the buffer.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import { PullSysFlag } from "../../protocol/headers/pull_message_header.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { MQBrokerError } from "../client_error.ts";
import type { SubscriptionData } from "../heartbeat_data.ts";
import { type MessageQueue, messageQueueKey, messageQueueToString } from "../message_queue.ts";
import type { AssignedMessageQueue, MessageQueueState } from "./assigned_message_queue.ts";
import type { ConsumeRequestBuffer } from "./consume_request_buffer.ts";
import type { ConsumerTimers } from "./consumer_timers.ts";
import {
  PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL,
  PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL,
  PULL_TIME_DELAY_MILLS_WHEN_PAUSE,
} from "./limits.ts";
import type { PullAPIWrapper } from "./pull_api_wrapper.ts";

const MIB = 1024 * 1024;

/**
 * The pull consumer settings the tasks follow.
 *
 * @example
 * ```ts
 * import type { LitePullSettings } from "./lite_pull_tasks.ts";
 * import { PullConsumer } from "../pull_consumer.ts";
 * const consumer = new PullConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * const settings: LitePullSettings = consumer.config; // the resolved options carry every setting
 * if (settings.pullBatchSize !== 10) throw new Error("RocketMQ's lite pull default");
 * ```
 */
export interface LitePullSettings {
  /** messages per pull */
  readonly pullBatchSize: number;
  /** messages buffered for `poll` at most */
  readonly pullThresholdForAll: number;
  /** messages cached per queue at most */
  readonly pullThresholdForQueue: number;
  /** MiB cached per queue at most */
  readonly pullThresholdSizeForQueue: number;
  /** cached offset span per queue at most */
  readonly consumeMaxSpan: number;
  /** long-poll hold asked of the broker, ms */
  readonly brokerSuspendMaxTimeMillis: number;
  /** client deadline of a long poll, ms */
  readonly consumerTimeoutMillisWhenSuspend: number;
  /** delay after a failed pull, ms */
  readonly pullTimeDelayMillsWhenException: number;
}

/**
 * Construction options of {@linkcode LitePullTasks}.
 *
 * @example
 * ```ts
 * import { LitePullTasks, type LitePullTasksOptions } from "./lite_pull_tasks.ts";
 * import type { MessageQueue } from "../message_queue.ts";
 * function startTasks(options: LitePullTasksOptions, queues: readonly MessageQueue[]) {
 *   const tasks = new LitePullTasks(options);
 *   for (const mq of queues) tasks.start(mq); // each queue pulls into options.buffer
 *   return tasks;
 * }
 * ```
 */
export interface LitePullTasksOptions {
  /** settings */
  settings: LitePullSettings;
  /** the assignment and per-queue state */
  assigned: AssignedMessageQueue;
  /** where pulled batches go */
  buffer: ConsumeRequestBuffer;
  /** the pull call */
  wrapper: PullAPIWrapper;
  /** the subscription to pull a topic with */
  subscriptionOf: (topic: string) => SubscriptionData | undefined;
  /** start offset of a queue without one */
  computePullFromWhere: (mq: MessageQueue) => Promise<number>;
  /** delayed runs; stop at shutdown */
  timers: ConsumerTimers;
  /** time source */
  clock: Clock;
  /** where problems are logged */
  logger: RemotingLogger;
}

/** A task waiting for room: its queue and run id. */
interface ParkedTask {
  readonly mq: MessageQueue;
  readonly id: number;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const tasks = new LitePullTasks({ settings, assigned, buffer, wrapper, ... });
 * tasks.start(mq);
 * ```
 */
export class LitePullTasks {
  readonly #o: LitePullTasksOptions;
  readonly #current = new Map<string, number>();
  /** flow-controlled tasks waiting for `poll` to make room (or their 50 ms retry); ≤ 1 per queue */
  readonly #parked = new Map<string, ParkedTask>();
  /** the keys of parked tasks that wait for the buffer (not their own queue) to have room */
  readonly #waitingForBuffer = new Set<string>();
  #nextId = 1;
  #stopped = false;

  /** @param options settings, assignment, buffer, wrapper, timers */
  constructor(options: LitePullTasksOptions) {
    this.#o = options;
  }

  /** queues with a running task */
  get size(): number {
    return this.#current.size;
  }

  /**
   * Starts (or restarts) the task of a queue; a previous task of it is cancelled.
   *
   * @param mq the queue
   * @param delayMs first run after this long
   */
  start(mq: MessageQueue, delayMs = 0): void {
    if (this.#stopped) return;
    const id = this.#nextId++;
    const key = messageQueueKey(mq);
    this.#current.set(key, id);
    this.#unpark(key);
    this.#schedule(mq, id, delayMs);
  }

  /**
   * Stops the task of a queue and drops the queue's batches from the buffer; tasks that wait for
   * buffer room wake if that made room.
   *
   * @param mq the queue whose task stops
   */
  cancel(mq: MessageQueue): void {
    const key = messageQueueKey(mq);
    this.#current.delete(key);
    this.#unpark(key);
    this.#o.buffer.removeQueue(mq);
    this.#wakeBufferWaiters();
  }

  /** Cancels every task; later starts do nothing. */
  stop(): void {
    this.#stopped = true;
    this.#current.clear();
    this.#parked.clear();
    this.#waitingForBuffer.clear();
  }

  /** tasks waiting because their queue or the buffer was over a threshold */
  get parkedCount(): number {
    return this.#parked.size;
  }

  /**
   * Told by `poll` after it took a batch of `mq` from the buffer and removed it from the queue's
   * cache: wakes that queue's task if it waits for room, and every task waiting for the buffer
   * when the buffer is at or under `pullThresholdForAll`. A woken task checks the thresholds
   * again.
   *
   * @param mq the queue polled
   */
  afterPoll(mq: MessageQueue): void {
    if (this.#parked.size === 0) return;
    this.#wake(messageQueueKey(mq));
    this.#wakeBufferWaiters();
  }

  #wakeBufferWaiters(): void {
    if (this.#waitingForBuffer.size === 0 || this.#bufferFull()) return;
    for (const key of [...this.#waitingForBuffer]) this.#wake(key);
  }

  #wake(key: string): void {
    const task = this.#parked.get(key);
    if (task === undefined) return;
    this.#unpark(key);
    this.#o.timers.runNow(() => this.#run(task.mq, task.id));
  }

  #unpark(key: string): void {
    this.#parked.delete(key);
    this.#waitingForBuffer.delete(key);
  }

  #park(mq: MessageQueue, id: number, forBuffer: boolean): void {
    const key = messageQueueKey(mq);
    const task: ParkedTask = { mq, id };
    this.#parked.set(key, task);
    if (forBuffer) this.#waitingForBuffer.add(key);
    this.#o.timers.schedule(PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL, () => {
      if (this.#parked.get(key) !== task) return; // woken (or cancelled) before the retry
      this.#unpark(key);
      return this.#run(mq, id);
    });
  }

  #live(mq: MessageQueue, id: number): boolean {
    return !this.#stopped && this.#current.get(messageQueueKey(mq)) === id;
  }

  #schedule(mq: MessageQueue, id: number, delayMs: number): void {
    this.#o.timers.schedule(delayMs, () => this.#run(mq, id));
  }

  async #run(mq: MessageQueue, id: number): Promise<void> {
    if (!this.#live(mq, id)) return;
    const state = this.#o.assigned.state(mq);
    if (state === undefined || state.processQueue.dropped) return;
    if (state.paused) return this.#schedule(mq, id, PULL_TIME_DELAY_MILLS_WHEN_PAUSE);
    state.processQueue.lastPullTimestamp = this.#o.clock.now();
    if (this.#bufferFull()) return this.#park(mq, id, true);
    if (this.#queueFull(state)) return this.#park(mq, id, false);
    let delay = 0;
    try {
      const offset = await this.#nextPullOffset(state);
      if (!this.#live(mq, id) || state.processQueue.dropped) return;
      await this.#pullOnce(state, offset, id);
    } catch (error) {
      if (!this.#live(mq, id)) return;
      delay = error instanceof MQBrokerError && error.responseCode === ResponseCode.FLOW_CONTROL
        ? PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL
        : this.#o.settings.pullTimeDelayMillsWhenException;
      this.#o.logger.error(
        `An error occurred in pull message process of ${messageQueueToString(mq)}: ${
          (error as Error).message
        }`,
      );
    }
    if (this.#live(mq, id)) this.#schedule(mq, id, delay);
  }

  /** @returns whether the buffer holds more than `pullThresholdForAll` messages' worth */
  #bufferFull(): boolean {
    const s = this.#o.settings;
    return this.#o.buffer.size * s.pullBatchSize > s.pullThresholdForAll;
  }

  /** @returns whether the queue's cache is over a per-queue threshold */
  #queueFull(state: MessageQueueState): boolean {
    const s = this.#o.settings;
    const pq = state.processQueue;
    return pq.msgCount > s.pullThresholdForQueue ||
      pq.msgSize / MIB > s.pullThresholdSizeForQueue ||
      pq.maxSpan() > s.consumeMaxSpan;
  }

  async #nextPullOffset(state: MessageQueueState): Promise<number> {
    if (state.seekOffset !== -1) {
      const offset = state.seekOffset;
      state.consumeOffset = offset;
      state.seekOffset = -1;
      return offset;
    }
    if (state.pullOffset !== -1) return state.pullOffset;
    return await this.#o.computePullFromWhere(state.messageQueue);
  }

  async #pullOnce(state: MessageQueueState, offset: number, id: number): Promise<void> {
    const mq = state.messageQueue;
    const subscription = this.#o.subscriptionOf(mq.topic);
    if (subscription === undefined) {
      throw new Error(`No subscription of topic ${mq.topic} to pull ${messageQueueToString(mq)}`);
    }
    const s = this.#o.settings;
    const pulled = await this.#o.wrapper.pull({
      mq,
      subExpression: subscription.subString,
      expressionType: subscription.expressionType,
      subVersion: subscription.subVersion,
      offset,
      maxNums: s.pullBatchSize,
      sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      brokerSuspendMaxTimeMillis: s.brokerSuspendMaxTimeMillis,
      timeoutMillis: s.consumerTimeoutMillisWhenSuspend,
    }, subscription);
    if (!this.#live(mq, id) || state.processQueue.dropped) return;
    if (
      pulled.pullStatus === "FOUND" && pulled.msgFoundList.length > 0 && state.seekOffset === -1
    ) {
      state.processQueue.putMessage(pulled.msgFoundList);
      this.#o.buffer.put({
        messages: pulled.msgFoundList,
        messageQueue: mq,
        processQueue: state.processQueue,
      });
    } else if (pulled.pullStatus === "OFFSET_ILLEGAL") {
      this.#o.logger.warn(
        `The pull request offset illegal, ${
          messageQueueToString(mq)
        } offset ${offset}, next ${pulled.nextBeginOffset}`,
      );
    }
    if (state.seekOffset === -1) state.pullOffset = pulled.nextBeginOffset;
  }
}

/**
 * The pull tasks of the pull consumer (RocketMQ `DefaultLitePullConsumerImpl.PullTaskImpl`): one
 * loop per assigned queue that long-polls (PULL_MESSAGE with SUSPEND | SUBSCRIPTION, hold
 * `brokerSuspendMaxTimeMillis` 20 s) and buffers what it finds for `poll`. A task waits 50 ms
 * instead of pulling while the buffer holds more than `pullThresholdForAll` messages or its queue
 * more than `pullThresholdForQueue` messages / `pullThresholdSizeForQueue` MiB / a span of
 * `consumeMaxSpan`; 1 s while the queue is paused; `pullTimeDelayMillsWhenException` after errors.
 * A seek or reassignment cancels the task (a result still in flight is discarded).
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

/** The pull consumer settings the tasks follow. */
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

/** Construction options of {@linkcode LitePullTasks}. */
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
    this.#current.set(messageQueueKey(mq), id);
    this.#schedule(mq, id, delayMs);
  }

  /** @param mq the queue whose task stops */
  cancel(mq: MessageQueue): void {
    this.#current.delete(messageQueueKey(mq));
  }

  /** Cancels every task; later starts do nothing. */
  stop(): void {
    this.#stopped = true;
    this.#current.clear();
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
    if (this.#flowControlled(state)) {
      return this.#schedule(mq, id, PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL);
    }
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

  #flowControlled(state: MessageQueueState): boolean {
    const s = this.#o.settings;
    const pq = state.processQueue;
    return this.#o.buffer.size * s.pullBatchSize > s.pullThresholdForAll ||
      pq.msgCount > s.pullThresholdForQueue ||
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

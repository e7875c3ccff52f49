/**
 * Orderly consumption of a push consumer (RocketMQ `ConsumeMessageOrderlyService`,
 * `shared/spec/features.md` §7): each queue is consumed by one loop at a time, batch after batch in
 * queue order, while different queues run concurrently (within `consumeThreadMax` listener calls).
 * In CLUSTERING a queue is only consumed while this client holds its broker lock (renewed every
 * 20 s, stale after 30 s); without it the loop stops and retries the lock later.
 *
 * SUSPEND_CURRENT_QUEUE_A_MOMENT puts the batch back and pauses the queue
 * (`suspendCurrentQueueTimeMillis`, 1 s); once a message has been retried `maxReconsumeTimes`
 * times it is sent to the retry topic (so the broker moves it to the DLQ) and the queue goes on.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { MessageModel } from "../heartbeat_data.ts";
import type { MessageExt } from "../message.ts";
import { MessageConst } from "../message_const.ts";
import { type MessageQueue, messageQueueKey, messageQueueToString } from "../message_queue.ts";
import type { RebalanceImpl } from "../rebalance/rebalance_impl.ts";
import type { ConsumeLimiter } from "./consume_limiter.ts";
import type { ConsumerStats } from "./consumer_stats.ts";
import type { ConsumerTimers } from "./consumer_timers.ts";
import {
  MAX_TIME_CONSUME_CONTINUOUSLY_MS,
  REBALANCE_LOCK_FIRST_DELAY_MS,
  REBALANCE_LOCK_INTERVAL_MS,
  SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX,
  SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN,
} from "./limits.ts";
import type {
  ConsumeOrderlyContext,
  ConsumeOrderlyStatus,
  MessageListenerOrderly,
} from "./message_listener.ts";
import type { OffsetStore } from "./offset_store.ts";
import type { ProcessQueue } from "./process_queue.ts";
import { resetRetryTopic, setReconsumeTimes } from "./retry_topic.ts";

/**
 * Construction options of {@linkcode ConsumeMessageOrderlyService}.
 *
 * @example
 * ```ts
 * import * as orderly from "./consume_message_orderly_service.ts";
 * function serviceOf(options: orderly.ConsumeOrderlyOptions) {
 *   const service = new orderly.ConsumeMessageOrderlyService({ ...options, maxReconsumeTimes: 3 });
 *   service.start(); // starts re-locking the queues every 20 s (clustering)
 *   return service;
 * }
 * ```
 */
export interface ConsumeOrderlyOptions {
  /** the group */
  consumerGroup: string;
  /** clustering (broker locks) or broadcasting */
  messageModel: MessageModel;
  /** messages per listener call */
  consumeMessageBatchMaxSize: number;
  /** local retries before a message goes to the retry topic */
  maxReconsumeTimes: number;
  /** default pause after SUSPEND_CURRENT_QUEUE_A_MOMENT, ms */
  suspendCurrentQueueTimeMillis: number;
  /** the application's listener */
  listener: MessageListenerOrderly;
  /** offsets to move after consumption */
  offsetStore: OffsetStore;
  /** queue locks and caches */
  rebalance: RebalanceImpl;
  /** the bound on concurrent listener calls */
  limiter: ConsumeLimiter;
  /** delayed work; stops at shutdown */
  timers: ConsumerTimers;
  /** sends a message to the retry topic as a new message; throws on failure */
  sendMessageBackAsNormalMessage: (msg: MessageExt) => Promise<void>;
  /** time source */
  clock: Clock;
  /** where failures are logged */
  logger: RemotingLogger;
  /** listener time, consumed and failed messages per topic (RocketMQ `ConsumerStatsManager`) */
  stats?: ConsumerStats;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const service = new ConsumeMessageOrderlyService({ consumerGroup: "G", ... });
 * service.start();
 * if (pq.putMessage(msgs)) service.submitConsumeRequest(pq, mq);
 * ```
 */
export class ConsumeMessageOrderlyService {
  readonly #o: ConsumeOrderlyOptions;
  /**
   * one promise chain per queue (by its key, not its cache): RocketMQ's `MessageQueueLock`. A
   * queue dropped and taken again while a listener call runs gets a new cache; its first batch
   * must still wait for that call.
   */
  readonly #chains = new Map<string, Promise<void>>();
  /** the chains not settled yet (what {@linkcode idle} waits for) */
  readonly #pending = new Set<Promise<void>>();
  #stopped = false;

  /** @param options group, model, limits, listener, offsets, rebalance, limiter, timers */
  constructor(options: ConsumeOrderlyOptions) {
    this.#o = options;
  }

  /** Starts renewing queue locks (CLUSTERING): first after 1 s, then every 20 s. */
  start(): void {
    if (this.#o.messageModel !== "CLUSTERING") return;
    this.#o.timers.every(REBALANCE_LOCK_FIRST_DELAY_MS, REBALANCE_LOCK_INTERVAL_MS, async () => {
      if (!this.#stopped) await this.#o.rebalance.lockAll();
    });
  }

  /** Takes no new batch; listener calls already running go on (see {@linkcode idle}). */
  stopConsuming(): void {
    this.#stopped = true;
  }

  /** @returns resolves once no listener call runs and no result is being applied */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /**
   * Stops consumption and (CLUSTERING) releases every queue lock. Call {@linkcode idle} (and
   * persist offsets) first, as RocketMQ does, or another member may take a queue whose batch
   * is still being consumed here.
   */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#o.messageModel === "CLUSTERING") await this.#o.rebalance.unlockAll(false);
  }

  /**
   * Starts (or queues) the consume loop of a queue.
   *
   * @param pq the queue's cache
   * @param mq the queue
   */
  submitConsumeRequest(pq: ProcessQueue, mq: MessageQueue): void {
    const key = messageQueueKey(mq);
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#run(pq, mq)).catch((error) => {
      this.#o.logger.error(
        `Orderly consume of ${messageQueueToString(mq)} failed: ${(error as Error).message}`,
      );
    });
    this.#chains.set(key, next);
    this.#pending.add(next);
    next.finally(() => {
      this.#pending.delete(next);
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  async #run(pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    if (pq.dropped || this.#stopped) return;
    const clustering = this.#o.messageModel === "CLUSTERING";
    if (clustering && (!pq.locked || pq.isLockExpired())) {
      this.#tryLockLaterAndReconsume(mq, pq, 100);
      return;
    }
    const begin = this.#o.clock.now();
    for (let again = true; again;) {
      if (pq.dropped || this.#stopped) return;
      if (clustering && (!pq.locked || pq.isLockExpired())) {
        this.#tryLockLaterAndReconsume(mq, pq, 10);
        return;
      }
      if (this.#o.clock.now() - begin > MAX_TIME_CONSUME_CONTINUOUSLY_MS) {
        this.#submitLater(pq, mq, 10);
        return;
      }
      const msgs = pq.takeMessages(this.#o.consumeMessageBatchMaxSize);
      if (msgs.length === 0) return;
      resetRetryTopic(msgs, this.#o.consumerGroup);
      const context: ConsumeOrderlyContext = {
        messageQueue: mq,
        autoCommit: true,
        suspendCurrentQueueTimeMillis: -1,
      };
      const status = await this.#call(msgs, context, pq);
      if (status === undefined) return;
      again = await this.#processConsumeResult(msgs, status, context, pq);
    }
  }

  async #call(
    msgs: MessageExt[],
    context: ConsumeOrderlyContext,
    pq: ProcessQueue,
  ): Promise<ConsumeOrderlyStatus | undefined> {
    await this.#o.limiter.acquire();
    pq.beginConsume();
    try {
      if (pq.dropped) {
        this.#o.logger.warn(
          `the message queue not be able to consume, because it's dropped. ${
            messageQueueToString(context.messageQueue)
          }`,
        );
        return undefined;
      }
      const beginMs = this.#o.clock.now();
      for (const msg of msgs) {
        msg.properties.set(MessageConst.PROPERTY_CONSUME_START_TIMESTAMP, String(beginMs));
      }
      let status: ConsumeOrderlyStatus;
      try {
        status = await this.#o.listener([...msgs], context); // a copy, as Java's unmodifiable list
      } finally {
        this.#o.stats?.incConsumeRT(context.messageQueue.topic, this.#o.clock.now() - beginMs);
      }
      if (status === "SUCCESS" || status === "SUSPEND_CURRENT_QUEUE_A_MOMENT") return status;
      if (status === "COMMIT" || status === "ROLLBACK") return status;
      this.#o.logger.warn(`consumeMessage returned ${String(status)}; suspending the queue`);
    } catch (error) {
      this.#o.logger.warn(
        `consumeMessage exception: ${
          (error as Error).message
        } Group: ${this.#o.consumerGroup} MQ: ${messageQueueToString(context.messageQueue)}`,
      );
    } finally {
      pq.endConsume();
      this.#o.limiter.release();
    }
    return "SUSPEND_CURRENT_QUEUE_A_MOMENT";
  }

  /** @returns whether the loop goes on with the next batch */
  async #processConsumeResult(
    msgs: MessageExt[],
    status: ConsumeOrderlyStatus,
    context: ConsumeOrderlyContext,
    pq: ProcessQueue,
  ): Promise<boolean> {
    const mq = context.messageQueue;
    let commitOffset = -1;
    let again = true;
    if (status === "SUSPEND_CURRENT_QUEUE_A_MOMENT") {
      this.#o.stats?.incConsumeFailedTPS(mq.topic, msgs.length);
    } else if (status === "SUCCESS" || context.autoCommit) {
      this.#o.stats?.incConsumeOKTPS(mq.topic, msgs.length);
    }
    if (status === "SUSPEND_CURRENT_QUEUE_A_MOMENT") {
      if (await this.#checkReconsumeTimes(msgs)) {
        pq.makeMessageToConsumeAgain(msgs);
        this.#submitLater(pq, mq, context.suspendCurrentQueueTimeMillis);
        again = false;
      } else if (context.autoCommit) {
        commitOffset = pq.commit();
      }
    } else if (status === "ROLLBACK" && !context.autoCommit) {
      pq.rollback();
      this.#submitLater(pq, mq, context.suspendCurrentQueueTimeMillis);
      again = false;
    } else if (context.autoCommit || status === "COMMIT") {
      commitOffset = pq.commit();
    }
    if (commitOffset >= 0 && !pq.dropped) {
      this.#o.offsetStore.updateOffset(mq, commitOffset, false);
    }
    return again;
  }

  /** @returns true when the batch must be retried (some message is under its limit) */
  async #checkReconsumeTimes(msgs: readonly MessageExt[]): Promise<boolean> {
    let suspend = false;
    for (const msg of msgs) {
      if (msg.reconsumeTimes >= this.#o.maxReconsumeTimes) {
        msg.properties.set(MessageConst.PROPERTY_RECONSUME_TIME, String(msg.reconsumeTimes));
        if (await this.#sendBack(msg)) continue;
      }
      suspend = true;
      setReconsumeTimes(msg, msg.reconsumeTimes + 1);
    }
    return suspend;
  }

  async #sendBack(msg: MessageExt): Promise<boolean> {
    try {
      await this.#o.sendMessageBackAsNormalMessage(msg);
      return true;
    } catch (error) {
      this.#o.logger.error(
        `sendMessageBack exception, group: ${this.#o.consumerGroup} msg: ${msg.msgId}: ${
          (error as Error).message
        }`,
      );
      return false;
    }
  }

  #tryLockLaterAndReconsume(mq: MessageQueue, pq: ProcessQueue, delayMs: number): void {
    this.#o.timers.schedule(delayMs, async () => {
      if (this.#stopped) return;
      const locked = await this.#o.rebalance.lock(mq);
      this.#submitLater(pq, mq, locked ? 10 : 3000);
    });
  }

  #submitLater(pq: ProcessQueue, mq: MessageQueue, suspendMs: number): void {
    const wanted = suspendMs === -1 ? this.#o.suspendCurrentQueueTimeMillis : suspendMs;
    const delay = Math.min(
      Math.max(wanted, SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MIN),
      SUSPEND_CURRENT_QUEUE_TIME_MILLIS_MAX,
    );
    this.#o.timers.schedule(delay, () => this.submitConsumeRequest(pq, mq));
  }
}

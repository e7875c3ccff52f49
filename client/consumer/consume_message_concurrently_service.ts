/**
 * Concurrent consumption of a push consumer (RocketMQ `ConsumeMessageConcurrentlyService`):
 * pulled messages are cut into batches of `consumeMessageBatchMaxSize` and handed to the listener,
 * at most `consumeThreadMax` calls at once. After each call:
 *
 * - CLUSTERING: messages the listener did not acknowledge (RECONSUME_LATER, or beyond `ackIndex`)
 *   go back to the broker with CONSUMER_SEND_MSG_BACK (`shared/spec/features.md` §3); when that
 *   fails they are consumed again locally after 5 s with `reconsumeTimes` + 1;
 * - BROADCASTING: failures are logged and dropped (RocketMQ never retries them);
 * - the consumed messages leave the {@linkcode ProcessQueue} and the queue's offset moves to the
 *   smallest offset not yet consumed (increase-only), so only consumed messages are committed.
 *
 * @module
 */

import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { MessageModel } from "../heartbeat_data.ts";
import type { MessageExt } from "../message.ts";
import { MessageConst } from "../message_const.ts";
import { type MessageQueue, messageQueueToString } from "../message_queue.ts";
import type { Clock } from "../../common/clock.ts";
import type { ConsumeLimiter } from "./consume_limiter.ts";
import type { ConsumerStats } from "./consumer_stats.ts";
import type { ConsumerTimers } from "./consumer_timers.ts";
import { CONSUME_RETRY_LOCAL_DELAY_MS } from "./limits.ts";
import type {
  ConsumeConcurrentlyContext,
  ConsumeConcurrentlyStatus,
  MessageListenerConcurrently,
} from "./message_listener.ts";
import type { OffsetStore } from "./offset_store.ts";
import type { ProcessQueue } from "./process_queue.ts";
import { resetRetryTopic, setReconsumeTimes } from "./retry_topic.ts";

/** Largest int32: the default `ackIndex` (everything acknowledged). */
const ACK_ALL = 2_147_483_647;

/** Expired messages sent back per queue and check (RocketMQ `cleanExpiredMsg`: 16). */
const EXPIRED_MESSAGES_PER_CLEAN_MAX = 16;

/**
 * Construction options of {@linkcode ConsumeMessageConcurrentlyService}.
 *
 * @example
 * ```ts
 * import * as concurrently from "./consume_message_concurrently_service.ts";
 * function serviceOf(options: concurrently.ConsumeConcurrentlyOptions, batchSize: number) {
 *   const batched = { ...options, consumeMessageBatchMaxSize: batchSize }; // per listener call
 *   return new concurrently.ConsumeMessageConcurrentlyService(batched);
 * }
 * ```
 */
export interface ConsumeConcurrentlyOptions {
  /** the group */
  consumerGroup: string;
  /** clustering (retries) or broadcasting (no retries) */
  messageModel: MessageModel;
  /** messages per listener call */
  consumeMessageBatchMaxSize: number;
  /** the application's listener */
  listener: MessageListenerConcurrently;
  /** offsets to move after consumption */
  offsetStore: OffsetStore;
  /** the bound on concurrent listener calls */
  limiter: ConsumeLimiter;
  /** delayed work; stops at shutdown */
  timers: ConsumerTimers;
  /** CONSUMER_SEND_MSG_BACK (falling back to a send to the retry topic); throws when both fail */
  sendMessageBack: (msg: MessageExt, delayLevel: number, mq: MessageQueue) => Promise<void>;
  /** time source for CONSUME_START_TIME */
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
 * const service = new ConsumeMessageConcurrentlyService({ consumerGroup: "G", ... });
 * service.submitConsumeRequest(pulled.msgFoundList, pq, mq);
 * ```
 */
export class ConsumeMessageConcurrentlyService {
  readonly #o: ConsumeConcurrentlyOptions;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  /** @param options group, model, batch size, listener, offsets, limiter, timers, send-back */
  constructor(options: ConsumeConcurrentlyOptions) {
    this.#o = options;
  }

  /** consume requests submitted and not yet finished */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Consumes pulled messages in batches.
   *
   * @param msgs messages of one pull, in queue order (already cached in `pq`)
   * @param pq the queue's cache
   * @param mq the queue
   */
  submitConsumeRequest(msgs: readonly MessageExt[], pq: ProcessQueue, mq: MessageQueue): void {
    const size = this.#o.consumeMessageBatchMaxSize;
    for (let i = 0; i < msgs.length; i += size) {
      this.#track(this.#consume(msgs.slice(i, i + size), pq, mq));
    }
  }

  /** @returns resolves when every submitted request has finished */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #track(run: Promise<void>): void {
    this.#inFlight++;
    run.catch((error) => {
      this.#o.logger.error(`Consume request failed: ${(error as Error).message}`);
    }).finally(() => {
      this.#inFlight--;
      if (this.#inFlight > 0) return;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    });
  }

  async #consume(msgs: MessageExt[], pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    if (pq.dropped) return;
    const context: ConsumeConcurrentlyContext = {
      messageQueue: mq,
      delayLevelWhenNextConsume: 0,
      ackIndex: ACK_ALL,
    };
    resetRetryTopic(msgs, this.#o.consumerGroup);
    await this.#o.limiter.acquire();
    let status: ConsumeConcurrentlyStatus | undefined;
    const beginMs = this.#o.clock.now();
    try {
      if (pq.dropped) return;
      for (const msg of msgs) {
        msg.properties.set(MessageConst.PROPERTY_CONSUME_START_TIMESTAMP, String(beginMs));
      }
      // A copy, as Java hands an unmodifiable list: a listener that drains its array (shift,
      // splice) must not take messages out of what is settled below.
      status = await this.#o.listener([...msgs], context);
      this.#o.stats?.incConsumeRT(mq.topic, this.#o.clock.now() - beginMs);
    } catch (error) {
      this.#o.stats?.incConsumeRT(mq.topic, this.#o.clock.now() - beginMs);
      this.#o.logger.warn(
        `consumeMessage exception: ${
          (error as Error).message
        } Group: ${this.#o.consumerGroup} MQ: ${messageQueueToString(mq)}`,
      );
    } finally {
      this.#o.limiter.release();
    }
    if (status !== "CONSUME_SUCCESS" && status !== "RECONSUME_LATER") {
      if (status !== undefined) {
        this.#o.logger.warn(
          `consumeMessage returned ${String(status)}; treated as RECONSUME_LATER`,
        );
      }
      status = "RECONSUME_LATER";
    }
    if (pq.dropped) {
      this.#o.logger.warn(
        `processQueue is dropped without process consume result. messageQueue=${
          messageQueueToString(mq)
        }`,
      );
      return;
    }
    await this.#processConsumeResult(status, context, msgs, pq);
  }

  /**
   * RocketMQ `ProcessQueue.cleanExpiredMsg` (CLUSTERING): while the queue's first message has
   * been in the listener longer than `timeoutMs` (CONSUME_START_TIME), sends it back with delay
   * level 3 and lets its offset go; at most EXPIRED_MESSAGES_PER_CLEAN_MAX per call. The
   * listener's late result then finds the message gone and commits nothing more for it.
   *
   * @param pq the queue's cache
   * @param mq the queue
   * @param timeoutMs `consumeTimeout` in ms
   * @returns messages sent back
   */
  async cleanExpiredMessages(
    pq: ProcessQueue,
    mq: MessageQueue,
    timeoutMs: number,
  ): Promise<number> {
    if (this.#o.messageModel !== "CLUSTERING") return 0;
    let sent = 0;
    while (sent < EXPIRED_MESSAGES_PER_CLEAN_MAX && !pq.dropped) {
      const msg = pq.firstMessage();
      const start = Number(msg?.properties.get(MessageConst.PROPERTY_CONSUME_START_TIMESTAMP));
      if (msg === undefined || !(this.#o.clock.now() - start > timeoutMs)) break;
      try {
        await this.#o.sendMessageBack(msg, 3, mq);
      } catch (error) {
        this.#o.logger.error(`send expired msg exception: ${(error as Error).message}`);
        break;
      }
      sent++;
      this.#o.logger.info(
        `send expire msg back. topic=${msg.topic}, msgId=${msg.msgId}, storeHost=${msg.storeHost}, queueId=${msg.queueId}, queueOffset=${msg.queueOffset}`,
      );
      if (pq.firstOffset() !== msg.queueOffset) continue;
      const offset = pq.removeMessage([msg]);
      if (offset >= 0 && !pq.dropped) this.#o.offsetStore.updateOffset(mq, offset, true);
    }
    return sent;
  }

  async #processConsumeResult(
    status: ConsumeConcurrentlyStatus,
    context: ConsumeConcurrentlyContext,
    msgs: MessageExt[],
    pq: ProcessQueue,
  ): Promise<void> {
    // Java's ackIndex is an int: a fraction is taken down, anything else (NaN) acknowledges none.
    const requested = Number.isFinite(context.ackIndex) ? Math.floor(context.ackIndex) : -1;
    const ackIndex = status === "CONSUME_SUCCESS"
      ? Math.max(-1, Math.min(requested, msgs.length - 1))
      : -1;
    const topic = context.messageQueue.topic;
    this.#o.stats?.incConsumeOKTPS(topic, ackIndex + 1);
    this.#o.stats?.incConsumeFailedTPS(topic, msgs.length - ackIndex - 1);
    let consumed = msgs;
    if (this.#o.messageModel === "BROADCASTING") {
      for (let i = ackIndex + 1; i < msgs.length; i++) {
        this.#o.logger.warn(`BROADCASTING, the message consume failed, drop it, ${msgs[i].msgId}`);
      }
    } else {
      const failed: MessageExt[] = [];
      for (let i = ackIndex + 1; i < msgs.length; i++) {
        const msg = msgs[i];
        if (!pq.containsMessage(msg)) continue;
        if (await this.#sendBack(msg, context)) continue;
        setReconsumeTimes(msg, msg.reconsumeTimes + 1);
        failed.push(msg);
      }
      if (failed.length > 0) {
        consumed = msgs.filter((msg) => !failed.includes(msg));
        this.#o.timers.schedule(CONSUME_RETRY_LOCAL_DELAY_MS, () => {
          this.submitConsumeRequest(failed, pq, context.messageQueue);
        });
      }
    }
    const offset = pq.removeMessage(consumed);
    if (offset >= 0 && !pq.dropped) {
      this.#o.offsetStore.updateOffset(context.messageQueue, offset, true);
    }
  }

  async #sendBack(msg: MessageExt, context: ConsumeConcurrentlyContext): Promise<boolean> {
    try {
      await this.#o.sendMessageBack(msg, context.delayLevelWhenNextConsume, context.messageQueue);
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
}

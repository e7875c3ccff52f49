/**
 * The push consumer's part of a rebalance (RocketMQ `RebalancePushImpl`):
 *
 * - a changed assignment gets a new subscription version, announced by a heartbeat before the new
 *   queues are pulled, and re-divides `pullThresholdForTopic` / `pullThresholdSizeForTopic` over
 *   the held queues;
 * - a dropped queue's offset is persisted, then forgotten; an orderly clustering queue is unlocked
 *   on the broker too, once its running listener call finished (waits 500 ms, else retried next
 *   run; forced 20 s after the last lock);
 * - new queues start at `computePullFromWhere` and are pulled at once.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { ConsumeType, MessageModel } from "../heartbeat_data.ts";
import { type MessageQueue, messageQueueToString } from "../message_queue.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";
import {
  computePullFromWhere,
  type PullFromWhereSettings,
} from "../consumer/compute_pull_from_where.ts";
import type { ConsumerTimers } from "../consumer/consumer_timers.ts";
import { ORDERLY_REMOVE_WAIT_MS } from "../consumer/limits.ts";
import type { OffsetStore } from "../consumer/offset_store.ts";
import type { ProcessQueue } from "../consumer/process_queue.ts";
import type { PullRequest } from "../consumer/pull_request.ts";
import type { QueueOffsetQueries } from "../consumer/queue_offset_queries.ts";
import type { RebalanceHooks, RebalanceImpl } from "./rebalance_impl.ts";

/**
 * Orderly queues are unlocked without waiting this long after their last lock (RocketMQ).
 *
 * @example
 * ```ts
 * import { UNLOCK_DELAY_TIME_MILLS } from "./rebalance_push_impl.ts";
 * const lastLockMs = 1_000;
 * const forceUnlock = (nowMs: number) => nowMs - lastLockMs > UNLOCK_DELAY_TIME_MILLS;
 * if (forceUnlock(10_000) || !forceUnlock(30_000)) throw new Error("forced after 20 s");
 * ```
 */
export const UNLOCK_DELAY_TIME_MILLS = 20_000;

/**
 * The thresholds a changed assignment re-divides (read by the puller at every pull).
 *
 * @example
 * ```ts
 * import type { PushThresholds } from "./rebalance_push_impl.ts";
 * const thresholds: PushThresholds = {
 *   pullThresholdForTopic: 10_000, pullThresholdSizeForTopic: -1,
 *   pullThresholdForQueue: 1000, pullThresholdSizeForQueue: 100,
 * };
 * const queues = 4; // after a rebalance, the topic budget is divided over the held queues
 * thresholds.pullThresholdForQueue = Math.floor(thresholds.pullThresholdForTopic / queues); // 2500
 * ```
 */
export interface PushThresholds {
  /** cached messages per topic, −1 = off */
  readonly pullThresholdForTopic: number;
  /** cached MiB per topic, −1 = off */
  readonly pullThresholdSizeForTopic: number;
  /** cached messages per queue */
  pullThresholdForQueue: number;
  /** cached MiB per queue */
  pullThresholdSizeForQueue: number;
}

/**
 * What {@linkcode RebalancePushHooks} works with.
 *
 * @example
 * ```ts
 * import { RebalanceImpl } from "./rebalance_impl.ts";
 * import { type RebalancePushContext, RebalancePushHooks } from "./rebalance_push_impl.ts";
 * function pushHooks(context: RebalancePushContext, rebalance: RebalanceImpl): RebalancePushHooks {
 *   const hooks = new RebalancePushHooks(context); // the push consumer's part of a rebalance
 *   hooks.bind(rebalance);
 *   return hooks;
 * }
 * ```
 */
export interface RebalancePushContext {
  /** the group */
  consumerGroup: string;
  /** clustering or broadcasting */
  messageModel: MessageModel;
  /** orderly consumer */
  consumeOrderly: boolean;
  /** thresholds to re-divide */
  thresholds: PushThresholds;
  /** where new queues start */
  pullFromWhere: PullFromWhereSettings;
  /** offsets */
  offsetStore: OffsetStore;
  /** max offset and timestamp lookups */
  queries: QueueOffsetQueries;
  /** heartbeats and rebalance triggers */
  instance: Pick<
    MQClientInstance,
    "sendHeartbeatToAllBrokerWithLock" | "on" | "rebalanceImmediately" | "config" | "brokers"
  >;
  /** starts pulling new queues */
  dispatch: (requests: readonly PullRequest[]) => void;
  /** told after a changed assignment was announced */
  onQueuesChanged: (
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ) => void;
  /** delayed work */
  timers: ConsumerTimers;
  /** time source */
  clock: Clock;
  /** where problems are logged */
  logger: RemotingLogger;
}

/**
 * See the module doc. Bind the rebalance with {@linkcode RebalancePushHooks.bind} before use.
 *
 * @example
 * ```ts ignore
 * const hooks = new RebalancePushHooks(context);
 * const rebalance = new RebalanceImpl({ ..., hooks });
 * hooks.bind(rebalance);
 * ```
 */
export class RebalancePushHooks implements RebalanceHooks {
  /** push consumers are passive */
  readonly consumeType: ConsumeType = "CONSUME_PASSIVELY";
  readonly #c: RebalancePushContext;
  #rebalance: RebalanceImpl | undefined;

  /** @param context the consumer's parts */
  constructor(context: RebalancePushContext) {
    this.#c = context;
  }

  /** @param rebalance the rebalance these hooks serve (for subscriptions and unlocks) */
  bind(rebalance: RebalanceImpl): void {
    this.#rebalance = rebalance;
  }

  get #r(): RebalanceImpl {
    if (this.#rebalance === undefined) throw new Error("RebalancePushHooks used before bind()");
    return this.#rebalance;
  }

  /** See {@linkcode RebalanceHooks.messageQueueChanged}. */
  async messageQueueChanged(
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ): Promise<void> {
    const subscription = this.#r.subscriptionInner.get(topic);
    if (subscription !== undefined) subscription.subVersion = this.#c.clock.now();
    const held = this.#r.messageQueues().length;
    const t = this.#c.thresholds;
    if (held > 0) {
      if (t.pullThresholdForTopic !== -1) {
        t.pullThresholdForQueue = Math.max(1, Math.floor(t.pullThresholdForTopic / held));
      }
      if (t.pullThresholdSizeForTopic !== -1) {
        t.pullThresholdSizeForQueue = Math.max(1, Math.floor(t.pullThresholdSizeForTopic / held));
      }
    }
    await this.#announce();
    this.#c.onQueuesChanged(topic, mqAll, mqDivided);
  }

  /** Heartbeat now; when a round is already running, wait for it and send another. */
  async #announce(): Promise<void> {
    const instance = this.#c.instance;
    if (await instance.sendHeartbeatToAllBrokerWithLock()) return;
    if (instance.brokers.brokerAddrTable.size === 0) return;
    let unsubscribe: () => void = () => undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      unsubscribe = instance.on("heartbeat", () => resolve());
      timer = setTimeout(resolve, instance.config.mqClientApiTimeout);
    });
    unsubscribe();
    clearTimeout(timer);
    await instance.sendHeartbeatToAllBrokerWithLock();
  }

  /** See {@linkcode RebalanceHooks.removeUnnecessaryMessageQueue}. */
  async removeUnnecessaryMessageQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean> {
    const store = this.#c.offsetStore;
    await store.persist(mq);
    if (!this.#c.consumeOrderly || this.#c.messageModel !== "CLUSTERING") {
      store.removeOffset(mq);
      return true;
    }
    const force = pq.dropped &&
      this.#c.clock.now() > pq.lastLockTimestamp + UNLOCK_DELAY_TIME_MILLS;
    if (!force && !(await idleWithin(pq, ORDERLY_REMOVE_WAIT_MS))) {
      pq.tryUnlockTimes++;
      this.#c.logger.warn(
        `[WRONG]mq is consuming, so can not unlock it, ${
          messageQueueToString(mq)
        }. maybe hanged for a while, ${pq.tryUnlockTimes}`,
      );
      return false;
    }
    await store.persist(mq);
    store.removeOffset(mq);
    pq.locked = false;
    await this.#r.unlock(mq, true);
    return true;
  }

  /** See {@linkcode RebalanceHooks.removeDirtyOffset}. */
  removeDirtyOffset(mq: MessageQueue): void {
    this.#c.offsetStore.removeOffset(mq);
  }

  /** See {@linkcode RebalanceHooks.computePullFromWhere}. */
  computePullFromWhere(mq: MessageQueue): Promise<number> {
    const { offsetStore, queries, pullFromWhere } = this.#c;
    return computePullFromWhere(mq, pullFromWhere, {
      readStoreOffset: (q) => offsetStore.readOffset(q, "READ_FROM_STORE"),
      maxOffset: (q) => queries.maxOffset(q),
      searchOffset: (q, timestamp) => queries.searchOffset(q, timestamp),
    });
  }

  /** See {@linkcode RebalanceHooks.dispatchPullRequests}. */
  dispatchPullRequests(requests: readonly PullRequest[]): void {
    this.#c.dispatch(requests);
  }

  /** See {@linkcode RebalanceHooks.rebalanceLater}. */
  rebalanceLater(delayMs: number): void {
    this.#c.timers.schedule(delayMs, () => this.#c.instance.rebalanceImmediately());
  }
}

/** @returns whether the queue's running listener call (if any) ended within `ms` */
async function idleWithin(pq: ProcessQueue, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([pq.consumeIdle().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

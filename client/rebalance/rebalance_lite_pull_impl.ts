/**
 * The pull consumer's part of a rebalance (RocketMQ `RebalanceLitePullImpl`): a changed
 * assignment replaces the topic's assigned queues (their pull tasks stop); a dropped queue's offset
 * is persisted and forgotten; a new queue starts at `computePullFromWhere` (the same rules as the
 * push consumer) and its pull task starts from there.
 *
 * @module
 */

import type { ConsumeType } from "../heartbeat_data.ts";
import type { MessageQueue } from "../message_queue.ts";
import {
  computePullFromWhere,
  type PullFromWhereSettings,
} from "../consumer/compute_pull_from_where.ts";
import type { ConsumerTimers } from "../consumer/consumer_timers.ts";
import type { OffsetStore } from "../consumer/offset_store.ts";
import type { ProcessQueue } from "../consumer/process_queue.ts";
import type { PullRequest } from "../consumer/pull_request.ts";
import type { QueueOffsetQueries } from "../consumer/queue_offset_queries.ts";
import type { RebalanceHooks } from "./rebalance_impl.ts";

/**
 * What {@linkcode RebalanceLitePullHooks} works with.
 *
 * @example
 * ```ts
 * import {
 *   type RebalanceLitePullContext,
 *   RebalanceLitePullHooks,
 * } from "./rebalance_lite_pull_impl.ts";
 * function litePullHooks(context: RebalanceLitePullContext): RebalanceLitePullHooks {
 *   return new RebalanceLitePullHooks(context); // the pull consumer's part of a rebalance
 * }
 * ```
 */
export interface RebalanceLitePullContext {
  /** where new queues start */
  pullFromWhere: PullFromWhereSettings;
  /** offsets */
  offsetStore: OffsetStore;
  /** max offset and timestamp lookups */
  queries: QueueOffsetQueries;
  /** the topic's assignment changed */
  onQueuesChanged: (
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ) => void;
  /** a new queue's start offset is known: start its pull task */
  onQueueAdded: (mq: MessageQueue, pq: ProcessQueue, offset: number) => void;
  /** asks for another rebalance now */
  rebalanceImmediately: () => void;
  /** delayed work */
  timers: ConsumerTimers;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const hooks = new RebalanceLitePullHooks(context);
 * const rebalance = new RebalanceImpl({ ..., hooks });
 * ```
 */
export class RebalanceLitePullHooks implements RebalanceHooks {
  /** pull consumers are active */
  readonly consumeType: ConsumeType = "CONSUME_ACTIVELY";
  readonly #c: RebalanceLitePullContext;

  /** @param context the consumer's parts */
  constructor(context: RebalanceLitePullContext) {
    this.#c = context;
  }

  /** See {@linkcode RebalanceHooks.messageQueueChanged}. */
  messageQueueChanged(
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ): Promise<void> {
    this.#c.onQueuesChanged(topic, mqAll, mqDivided);
    return Promise.resolve();
  }

  /** See {@linkcode RebalanceHooks.removeUnnecessaryMessageQueue}. */
  async removeUnnecessaryMessageQueue(mq: MessageQueue, _pq: ProcessQueue): Promise<boolean> {
    await this.#c.offsetStore.persist(mq);
    this.#c.offsetStore.removeOffset(mq);
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
      // RocketMQ RebalanceLitePullImpl: memory first (subscribe mode cleared it before)
      readStoreOffset: (q) => offsetStore.readOffset(q, "MEMORY_FIRST_THEN_STORE"),
      maxOffset: (q) => queries.maxOffset(q),
      searchOffset: (q, timestamp) => queries.searchOffset(q, timestamp),
    });
  }

  /** See {@linkcode RebalanceHooks.dispatchPullRequests}. */
  dispatchPullRequests(requests: readonly PullRequest[]): void {
    for (const r of requests) this.#c.onQueueAdded(r.messageQueue, r.processQueue, r.nextOffset);
  }

  /** See {@linkcode RebalanceHooks.rebalanceLater}. */
  rebalanceLater(delayMs: number): void {
    this.#c.timers.schedule(delayMs, () => this.#c.rebalanceImmediately());
  }
}

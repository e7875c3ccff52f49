/**
 * Queue assignment of one consumer group on one client (RocketMQ `RebalanceImpl`,
 * `shared/spec/features.md` §8). Per subscribed topic:
 *
 * - CLUSTERING: the topic's readable queues (sorted) and the group's client ids from
 *   GET_CONSUMER_LIST_BY_GROUP (sorted) go through the allocation strategy;
 * - BROADCASTING: every queue.
 *
 * Queues no longer assigned are dropped (their offsets persisted first, through the hooks; orderly
 * queues also unlocked); new queues get a {@linkcode ProcessQueue} and a start offset
 * (`computePullFromWhere`) and are handed to the puller. Runs are serialised: the instance's
 * periodic rebalance (20 s), NOTIFY_CONSUMER_IDS_CHANGED and offset fixes never interleave.
 *
 * One deliberate ordering difference from RocketMQ: when the assignment changed, the
 * `messageQueueChanged` hook (new subscription version + heartbeat) runs **before** the new queues'
 * first pulls are dispatched, so the broker already knows the version those pulls carry and does
 * not answer SUBSCRIPTION_NOT_LATEST.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { AsyncLock } from "../_async_lock.ts";
import type { ConsumeType, MessageModel, SubscriptionData } from "../heartbeat_data.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../message_const.ts";
import {
  compareMessageQueue,
  compareStrings,
  type MessageQueue,
  messageQueueKey,
  messageQueueToString,
} from "../message_queue.ts";
import { PROCESS_QUEUES_MAX } from "../consumer/limits.ts";
import { ProcessQueue } from "../consumer/process_queue.ts";
import type { PullRequest } from "../consumer/pull_request.ts";
import type { AllocateMessageQueueStrategy } from "./allocate_message_queue_strategy.ts";
import type { MessageQueueLocker } from "./message_queue_locker.ts";

/**
 * What the push and pull consumers plug into a rebalance (RocketMQ's abstract methods).
 * @example
 * ```ts
 * import type { RebalanceHooks } from "./rebalance_impl.ts";
 * const pulling: number[] = [];
 * const hooks: RebalanceHooks = {
 *   consumeType: "CONSUME_ACTIVELY",
 *   messageQueueChanged: () => Promise.resolve(),
 *   removeUnnecessaryMessageQueue: () => Promise.resolve(true), // nothing to persist
 *   removeDirtyOffset: () => undefined,
 *   computePullFromWhere: () => Promise.resolve(0), // every new queue starts at offset 0
 *   dispatchPullRequests: (requests) => pulling.push(...requests.map((r) => r.nextOffset)),
 *   rebalanceLater: () => undefined,
 * };
 * ```
 */
export interface RebalanceHooks {
  /** CONSUME_PASSIVELY (push: idle queues are re-created) or CONSUME_ACTIVELY */
  readonly consumeType: ConsumeType;
  /** the topic's assignment changed; runs before new queues are pulled */
  messageQueueChanged(
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ): Promise<void>;
  /** persists and forgets a dropped queue's offset; false keeps it for the next run */
  removeUnnecessaryMessageQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean>;
  /** forgets a stale in-memory offset before a queue is (re-)added */
  removeDirtyOffset(mq: MessageQueue): void;
  /** start offset of a new queue; throws when it cannot be computed (retried next run) */
  computePullFromWhere(mq: MessageQueue): Promise<number>;
  /** starts pulling new queues */
  dispatchPullRequests(requests: readonly PullRequest[]): void;
  /** asks for another run after `delayMs` (some orderly queue could not be locked) */
  rebalanceLater(delayMs: number): void;
}

/**
 * Construction options of {@linkcode RebalanceImpl}.
 * @example
 * ```ts
 * import type { MQClientInstance } from "../mq_client_instance.ts";
 * import { AllocateMessageQueueAveragely } from "./allocate_message_queue_averagely.ts";
 * import { MessageQueueLocker } from "./message_queue_locker.ts";
 * import * as rebalance from "./rebalance_impl.ts";
 * function rebalanceOf(instance: MQClientInstance, hooks: rebalance.RebalanceHooks) {
 *   const { clock, logger } = instance.config;
 *   const strategy = new AllocateMessageQueueAveragely();
 *   const locker = new MessageQueueLocker(instance, "CG");
 *   const options: rebalance.RebalanceImplOptions = {
 *     consumerGroup: "CG", messageModel: "CLUSTERING", client: instance, strategy, locker, hooks,
 *     clock, logger,
 *   };
 *   return new rebalance.RebalanceImpl(options);
 * }
 * ```
 */
export interface RebalanceImplOptions {
  /** the group */
  consumerGroup: string;
  /** clustering or broadcasting */
  messageModel: MessageModel;
  /** the allocation strategy */
  strategy: AllocateMessageQueueStrategy;
  /** this client's id and the group member lookup */
  client: {
    readonly clientId: string;
    findConsumerIdList(topic: string, group: string): Promise<string[]>;
  };
  /** broker queue locks (orderly) */
  locker: MessageQueueLocker;
  /** the consumer's part */
  hooks: RebalanceHooks;
  /** time source of process queues */
  clock: Clock;
  /** where problems are logged */
  logger: RemotingLogger;
}

interface Held {
  readonly mq: MessageQueue;
  readonly pq: ProcessQueue;
}

/**
 * How many process queues a run added and removed.
 * @example
 * ```ts
 * import type { RebalanceImpl, RebalanceOutcome } from "./rebalance_impl.ts";
 * async function rebalanceNow(rebalance: RebalanceImpl, orderly: boolean): Promise<boolean> {
 *   const outcome: RebalanceOutcome = await rebalance.doRebalance(orderly);
 *   return outcome.changed; // whether any topic's assigned queues changed
 * }
 * ```
 */
export interface RebalanceOutcome {
  /** whether any topic's assignment changed */
  changed: boolean;
}

/**
 * See the module doc.
 * @example
 * ```ts ignore
 * const rebalance = new RebalanceImpl({ consumerGroup: "G", messageModel: "CLUSTERING", ... });
 * rebalance.subscriptionInner.set("TopicTest", buildSubscriptionData("TopicTest", "*"));
 * rebalance.updateTopicSubscribeInfo("TopicTest", queues);
 * await rebalance.doRebalance(false);
 * ```
 */
export class RebalanceImpl {
  /** topic → subscription (RocketMQ `subscriptionInner`) */
  readonly subscriptionInner = new Map<string, SubscriptionData>();
  /** topic → its readable queues from the route */
  readonly #topicSubscribeInfo = new Map<string, MessageQueue[]>();
  /** queue key → queue and cache */
  readonly #processQueueTable = new Map<string, Held>();
  readonly #options: RebalanceImplOptions;
  readonly #lock = new AsyncLock();

  /** @param options group, model, strategy, client, locker, hooks, clock, logger */
  constructor(options: RebalanceImplOptions) {
    this.#options = options;
  }

  /** the group */
  get consumerGroup(): string {
    return this.#options.consumerGroup;
  }

  /** the assigned queues and their caches */
  *processQueues(): IterableIterator<[MessageQueue, ProcessQueue]> {
    for (const held of this.#processQueueTable.values()) yield [held.mq, held.pq];
  }

  /** @returns the queues held (RocketMQ `processQueueTable.keySet()`) */
  messageQueues(): MessageQueue[] {
    return [...this.#processQueueTable.values()].map((held) => held.mq);
  }

  /**
   * @param mq a queue
   * @returns its cache, if held
   */
  getProcessQueue(mq: MessageQueue): ProcessQueue | undefined {
    return this.#processQueueTable.get(messageQueueKey(mq))?.pq;
  }

  /**
   * Takes a topic's readable queues from a route update.
   * @param topic the topic
   * @param queues its queues
   */
  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void {
    if (this.subscriptionInner.has(topic)) this.#topicSubscribeInfo.set(topic, [...queues]);
  }

  /**
   * @param topic a topic
   * @returns its queues from the last route, if any
   */
  topicSubscribeInfo(topic: string): readonly MessageQueue[] | undefined {
    return this.#topicSubscribeInfo.get(topic);
  }

  /**
   * One rebalance run over every subscribed topic (see the module doc). A failing topic is
   * logged (except retry topics, which often have no route yet) and the others still run.
   *
   * @param isOrder orderly consumer: lock new queues on the broker first
   * @returns whether any assignment changed
   */
  doRebalance(isOrder: boolean): Promise<RebalanceOutcome> {
    return this.#lock.run(async () => {
      let changed = false;
      for (const topic of [...this.subscriptionInner.keys()]) {
        try {
          if (await this.#rebalanceByTopic(topic, isOrder)) changed = true;
        } catch (error) {
          if (!topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
            this.#options.logger.warn(
              `Rebalance of topic ${topic} for group ${this.consumerGroup} failed: ${
                (error as Error).message
              }`,
            );
          }
        }
      }
      this.#truncateMessageQueueNotMyTopic();
      return { changed };
    });
  }

  async #rebalanceByTopic(topic: string, isOrder: boolean): Promise<boolean> {
    const mqSet = this.#topicSubscribeInfo.get(topic);
    const { hooks, logger } = this.#options;
    if (this.#options.messageModel === "BROADCASTING") {
      if (mqSet === undefined) {
        await hooks.messageQueueChanged(topic, [], []);
        logger.warn(`doRebalance, ${this.consumerGroup}, but the topic[${topic}] not exist.`);
        return false;
      }
      return await this.#apply(topic, mqSet, mqSet, false);
    }
    const cidAll = await this.#findConsumerIdList(topic);
    if (mqSet === undefined) {
      if (!topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
        await hooks.messageQueueChanged(topic, [], []);
        logger.warn(`doRebalance, ${this.consumerGroup}, but the topic[${topic}] not exist.`);
      }
      return false;
    }
    if (cidAll === undefined) return false;
    const mqAll = [...mqSet].sort(compareMessageQueue);
    cidAll.sort(compareStrings);
    const strategy = this.#options.strategy;
    let allocated: MessageQueue[];
    try {
      allocated = strategy.allocate(
        this.consumerGroup,
        this.#options.client.clientId,
        mqAll,
        cidAll,
      );
    } catch (error) {
      logger.error(
        `allocate message queue exception. strategy name: ${strategy.name}, ex: ${
          (error as Error).message
        }`,
      );
      return false;
    }
    return await this.#apply(topic, mqSet, dedupe(allocated), isOrder);
  }

  async #findConsumerIdList(topic: string): Promise<string[] | undefined> {
    try {
      return await this.#options.client.findConsumerIdList(topic, this.consumerGroup);
    } catch (error) {
      this.#options.logger.warn(
        `doRebalance, ${this.consumerGroup} ${topic}, get consumer id list failed: ${
          (error as Error).message
        }`,
      );
      return undefined;
    }
  }

  async #apply(
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
    needLockMq: boolean,
  ): Promise<boolean> {
    const { changed, requests } = await this.#updateProcessQueueTable(topic, mqDivided, needLockMq);
    if (changed) {
      this.#options.logger.info(
        `client rebalanced result changed. group=${this.consumerGroup}, topic=${topic}, clientId=${this.#options.client.clientId}, mqAllSize=${mqAll.length}, rebalanceResultSize=${mqDivided.length}`,
      );
      await this.#options.hooks.messageQueueChanged(topic, mqAll, mqDivided);
    }
    if (requests.length > 0) this.#options.hooks.dispatchPullRequests(requests);
    return changed;
  }

  async #updateProcessQueueTable(
    topic: string,
    mqSet: readonly MessageQueue[],
    needLockMq: boolean,
  ): Promise<{ changed: boolean; requests: PullRequest[] }> {
    const wanted = new Set(mqSet.map(messageQueueKey));
    let changed = await this.#removeUnwanted(topic, wanted);
    let allMQLocked = true;
    const requests: PullRequest[] = [];
    for (const mq of mqSet) {
      if (this.#processQueueTable.has(messageQueueKey(mq))) continue;
      if (needLockMq && !(await this.lock(mq))) {
        this.#options.logger.warn(
          `doRebalance, ${this.consumerGroup}, add a new mq failed, ${
            messageQueueToString(mq)
          }, because lock failed`,
        );
        allMQLocked = false;
        continue;
      }
      const request = await this.#addQueue(mq);
      if (request === undefined) continue;
      requests.push(request);
      changed = true;
    }
    if (!allMQLocked) this.#options.hooks.rebalanceLater(500);
    return { changed, requests };
  }

  async #removeUnwanted(topic: string, wanted: ReadonlySet<string>): Promise<boolean> {
    const passive = this.#options.hooks.consumeType === "CONSUME_PASSIVELY";
    let changed = false;
    for (const [key, held] of [...this.#processQueueTable]) {
      if (held.mq.topic !== topic) continue;
      if (wanted.has(key) && !(passive && held.pq.isPullExpired())) continue;
      held.pq.dropped = true;
      if (await this.#options.hooks.removeUnnecessaryMessageQueue(held.mq, held.pq)) {
        this.#processQueueTable.delete(key);
        changed = true;
        this.#options.logger.info(
          `doRebalance, ${this.consumerGroup}, remove unnecessary mq, ${
            messageQueueToString(held.mq)
          }`,
        );
      }
    }
    return changed;
  }

  async #addQueue(mq: MessageQueue): Promise<PullRequest | undefined> {
    const { hooks, logger, clock } = this.#options;
    if (this.#processQueueTable.size >= PROCESS_QUEUES_MAX) {
      logger.error(`Cannot add ${messageQueueToString(mq)}: ${PROCESS_QUEUES_MAX} queues held`);
      return undefined;
    }
    hooks.removeDirtyOffset(mq);
    const pq = new ProcessQueue(clock);
    pq.locked = true;
    let nextOffset: number;
    try {
      nextOffset = await hooks.computePullFromWhere(mq);
    } catch (error) {
      logger.info(
        `doRebalance, ${this.consumerGroup}, compute offset failed, ${messageQueueToString(mq)}: ${
          (error as Error).message
        }`,
      );
      return undefined;
    }
    this.#processQueueTable.set(messageQueueKey(mq), { mq, pq });
    logger.info(`doRebalance, ${this.consumerGroup}, add a new mq, ${messageQueueToString(mq)}`);
    return {
      consumerGroup: this.consumerGroup,
      messageQueue: mq,
      processQueue: pq,
      nextOffset,
      previouslyLocked: false,
    };
  }

  #truncateMessageQueueNotMyTopic(): void {
    for (const [key, held] of [...this.#processQueueTable]) {
      if (this.subscriptionInner.has(held.mq.topic)) continue;
      this.#processQueueTable.delete(key);
      held.pq.dropped = true;
      this.#options.logger.info(
        `doRebalance, ${this.consumerGroup}, truncateMessageQueueNotMyTopic remove unnecessary mq, ${
          messageQueueToString(held.mq)
        }`,
      );
    }
  }

  /**
   * Drops one queue now (RocketMQ `removeProcessQueue`, after OFFSET_ILLEGAL), serialised with
   * rebalance runs; the next run re-adds it if it is still assigned.
   *
   * @param mq the queue
   */
  removeProcessQueue(mq: MessageQueue): Promise<void> {
    return this.#lock.run(async () => {
      const key = messageQueueKey(mq);
      const held = this.#processQueueTable.get(key);
      if (held === undefined) return;
      this.#processQueueTable.delete(key);
      held.pq.dropped = true;
      await this.#options.hooks.removeUnnecessaryMessageQueue(mq, held.pq);
    });
  }

  /**
   * Locks one queue on its broker (orderly); marks its cache locked when held.
   * @param mq the queue
   * @returns whether this client now holds it
   */
  async lock(mq: MessageQueue): Promise<boolean> {
    const locked = await this.#options.locker.lockBatch(mq.brokerName, [mq]);
    if (locked === undefined) return false;
    const now = this.#options.clock.now();
    for (const lockedMq of locked) {
      const pq = this.getProcessQueue(lockedMq);
      if (pq === undefined) continue;
      pq.locked = true;
      pq.lastLockTimestamp = now;
    }
    const key = messageQueueKey(mq);
    return locked.some((m) => messageQueueKey(m) === key);
  }

  /** Re-locks every held queue, per broker group (orderly, every 20 s). */
  async lockAll(): Promise<void> {
    for (const [brokerName, held] of this.#byBroker()) {
      const locked = await this.#options.locker.lockBatch(brokerName, held.map((h) => h.mq));
      if (locked === undefined) continue;
      const ok = new Set(locked.map(messageQueueKey));
      const now = this.#options.clock.now();
      for (const { mq, pq } of held) {
        pq.locked = ok.has(messageQueueKey(mq));
        if (pq.locked) pq.lastLockTimestamp = now;
        else {this.#options.logger.warn(
            `the message queue locked Failed, Group: ${this.consumerGroup} ${
              messageQueueToString(mq)
            }`,
          );}
      }
    }
  }

  /**
   * Releases one queue's broker lock; failures are logged.
   * @param mq the queue
   * @param oneway send without waiting
   */
  async unlock(mq: MessageQueue, oneway: boolean): Promise<void> {
    await this.#options.locker.unlockBatch(mq.brokerName, [mq], oneway);
  }

  /**
   * Releases every held queue's lock (orderly shutdown).
   *
   * @param oneway send without waiting
   */
  async unlockAll(oneway: boolean): Promise<void> {
    for (const [brokerName, held] of this.#byBroker()) {
      const ok = await this.#options.locker.unlockBatch(brokerName, held.map((h) => h.mq), oneway);
      if (!ok) continue;
      for (const { pq } of held) pq.locked = false;
    }
  }

  #byBroker(): Map<string, Held[]> {
    const out = new Map<string, Held[]>();
    for (const held of this.#processQueueTable.values()) {
      if (held.pq.dropped) continue;
      const list = out.get(held.mq.brokerName);
      if (list === undefined) out.set(held.mq.brokerName, [held]);
      else list.push(held);
    }
    return out;
  }

  /** Drops every queue (shutdown): pulls and consumption stop. */
  destroy(): void {
    for (const held of this.#processQueueTable.values()) held.pq.dropped = true;
    this.#processQueueTable.clear();
  }
}

function dedupe(mqs: readonly MessageQueue[]): MessageQueue[] {
  const seen = new Map<string, MessageQueue>();
  for (const mq of mqs) seen.set(messageQueueKey(mq), mq);
  return [...seen.values()];
}

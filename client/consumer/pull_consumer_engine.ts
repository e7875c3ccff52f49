/**
 * The running parts of a pull consumer, wired (RocketMQ `DefaultLitePullConsumerImpl` without its
 * configuration surface): offset store, rebalance with the lite hooks (subscribe mode), the
 * assignment, one pull task per queue, the poll buffer, commits and seeks.
 *
 * @module
 */

import { nextTurn } from "../../common/next_turn.ts";
import { fetchQueuesFromNameServer } from "../_route_lookup.ts";
import type { FileSystem } from "../../store/file_system.ts";
import { MQClientError } from "../client_error.ts";
import { buildSubscriptionData, type SubscriptionData } from "../heartbeat_data.ts";
import type { MessageExt } from "../message.ts";
import { type MessageQueue, messageQueueToString } from "../message_queue.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";
import type { PullConsumerConfig } from "../pull_consumer_options.ts";
import { topicRouteData2TopicSubscribeInfo } from "../topic_publish_info.ts";
import type { AllocateMessageQueueStrategy } from "../rebalance/allocate_message_queue_strategy.ts";
import type { RebalanceImpl } from "../rebalance/rebalance_impl.ts";
import { RebalanceLitePullHooks } from "../rebalance/rebalance_lite_pull_impl.ts";
import { AssignedMessageQueue } from "./assigned_message_queue.ts";
import { computePullFromWhere } from "./compute_pull_from_where.ts";
import { ConsumeRequestBuffer } from "./consume_request_buffer.ts";
import type { ConsumerTimers } from "./consumer_timers.ts";
import { LitePullTasks } from "./lite_pull_tasks.ts";
import * as engineParts from "./_engine_parts.ts";
import type { OffsetStore } from "./offset_store.ts";
import { PullAPIWrapper } from "./pull_api_wrapper.ts";
import { QueueOffsetQueries } from "./queue_offset_queries.ts";

/**
 * Construction options of {@linkcode PullConsumerEngine}.
 *
 * @example
 * ```ts
 * import { PullConsumerEngine, type PullConsumerEngineOptions } from "./pull_consumer_engine.ts";
 * async function pollOnce(options: PullConsumerEngineOptions) {
 *   const engine = new PullConsumerEngine(options); // what PullConsumer.start() builds
 *   await engine.start();
 *   return await engine.poll(1000);
 * }
 * ```
 */
export interface PullConsumerEngineOptions {
  /** the resolved consumer options */
  config: PullConsumerConfig;
  /** the shared client instance */
  instance: MQClientInstance;
  /** the allocation strategy (subscribe mode) */
  strategy: AllocateMessageQueueStrategy;
  /** file system of the broadcasting offsets */
  fs: FileSystem;
  /** folder of the broadcasting offsets */
  localOffsetStoreDir: string;
  /** tag expressions of assigned topics */
  assignExpressions: ReadonlyMap<string, string>;
  /** told when a subscribed topic's assignment changed */
  onQueuesChanged: (
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ) => void;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const engine = new PullConsumerEngine({ config, instance, strategy, ... });
 * await engine.start();
 * const msgs = await engine.poll(1000);
 * ```
 */
export class PullConsumerEngine {
  /** queue assignment (subscribe mode) */
  readonly rebalance: RebalanceImpl;
  /** offsets */
  readonly offsetStore: OffsetStore;
  /** assigned queues and their positions */
  readonly assigned: AssignedMessageQueue;
  /** queue bound lookups */
  readonly queries: QueueOffsetQueries;
  readonly #o: PullConsumerEngineOptions;
  readonly #timers: ConsumerTimers;
  readonly #buffer = new ConsumeRequestBuffer();
  readonly #tasks: LitePullTasks;
  #assignMode = false;
  #nextAutoCommitDeadline = 0;

  /** @param options config, instance, strategy and I/O */
  constructor(options: PullConsumerEngineOptions) {
    this.#o = options;
    this.#timers = engineParts.createEngineTimers(options);
    this.offsetStore = engineParts.createEngineOffsetStore(options);
    const { config, instance } = options;
    const { clock, logger } = config.client;
    const group = config.consumerGroup;
    this.assigned = new AssignedMessageQueue(clock);
    this.queries = new QueueOffsetQueries(instance);
    const hooks = new RebalanceLitePullHooks({
      pullFromWhere: config,
      offsetStore: this.offsetStore,
      queries: this.queries,
      onQueuesChanged: (topic, mqAll, mqDivided) => this.#onQueuesChanged(topic, mqAll, mqDivided),
      onQueueAdded: (mq, pq, offset) => {
        const state = this.assigned.state(mq);
        if (state === undefined || state.processQueue !== pq) return;
        if (state.pullOffset === -1) state.pullOffset = offset;
        this.#tasks.start(mq);
      },
      rebalanceImmediately: () => instance.rebalanceImmediately(),
      timers: this.#timers,
    });
    this.rebalance = engineParts.createEngineRebalance(options, hooks);
    this.#tasks = new LitePullTasks({
      settings: config,
      assigned: this.assigned,
      buffer: this.#buffer,
      wrapper: new PullAPIWrapper(instance, group),
      subscriptionOf: (topic) => this.#subscriptionOf(topic),
      computePullFromWhere: (mq) =>
        computePullFromWhere(mq, config, {
          // RocketMQ's lite pull: an offset committed in memory (not yet persisted) first
          readStoreOffset: (q) => this.offsetStore.readOffset(q, "MEMORY_FIRST_THEN_STORE"),
          maxOffset: (q) => this.queries.maxOffset(q),
          searchOffset: (q, timestamp) => this.queries.searchOffset(q, timestamp),
        }),
      timers: this.#timers,
      clock,
      logger,
    });
  }

  /**
   * Loads offsets, starts the instance, fetches routes, has the brokers check the subscriptions
   * that are not tag expressions, announces the group; in assign mode starts the given queues'
   * tasks.
   *
   * @param assignQueues the queues of assign mode; undefined in subscribe mode
   * @throws {MQClientError} when a broker refuses a subscription (its code and remark)
   */
  async start(assignQueues?: readonly MessageQueue[]): Promise<void> {
    await this.offsetStore.load();
    const instance = this.#o.instance;
    await instance.start();
    this.#nextAutoCommitDeadline = this.#o.config.client.clock.now() +
      this.#o.config.autoCommitIntervalMillis;
    for (const topic of [...this.rebalance.subscriptionInner.keys()]) {
      await engineParts.updateRouteLogged(this.#o, topic);
    }
    await instance.checkClientInBroker();
    await instance.sendHeartbeatToAllBrokerWithLock();
    if (assignQueues !== undefined) this.assign(assignQueues);
  }

  /** @param queues the queues to consume from now on (assign mode) */
  assign(queues: readonly MessageQueue[]): void {
    this.#assignMode = true;
    const before = new Set(this.assigned.messageQueues().map((mq) => JSON.stringify(mq)));
    for (const mq of this.assigned.assign(queues)) this.#tasks.cancel(mq);
    for (const mq of this.assigned.messageQueues()) {
      if (!before.has(JSON.stringify(mq))) this.#tasks.start(mq);
    }
  }

  /** @param data a new subscription: route fetched, broker told, queues rebalanced */
  addSubscription(data: SubscriptionData): void {
    this.rebalance.subscriptionInner.set(data.topic, data);
    engineParts.announceSubscription(this.#o, data.topic);
  }

  /** @param topic a topic no longer subscribed; its queues stop now */
  removeSubscription(topic: string): void {
    this.rebalance.subscriptionInner.delete(topic);
    for (const mq of this.assigned.updateAssignedMessageQueue(topic, [])) {
      this.#tasks.cancel(mq);
      // Out of the rebalance's table too (before its next run), or a subscribe right after
      // finds the queue still held, sees no change, and never assigns it again.
      this.rebalance.removeProcessQueue(mq).catch((error) =>
        this.#o.config.client.logger.warn(
          `Cannot drop ${messageQueueToString(mq)} after unsubscribe: ${(error as Error).message}`,
        )
      );
    }
  }

  #onQueuesChanged(
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ): void {
    const held = mqDivided.filter((mq) => this.rebalance.getProcessQueue(mq) !== undefined);
    const removed = this.assigned.updateAssignedMessageQueue(
      topic,
      held,
      (mq) => this.rebalance.getProcessQueue(mq),
    );
    for (const mq of removed) this.#tasks.cancel(mq);
    this.#o.onQueuesChanged(topic, mqAll, mqDivided);
  }

  #subscriptionOf(topic: string): SubscriptionData | undefined {
    if (!this.#assignMode) return this.rebalance.subscriptionInner.get(topic);
    return buildSubscriptionData(topic, this.#o.assignExpressions.get(topic) ?? "*", {
      subVersion: 0,
    });
  }

  /**
   * See `PullConsumer.poll`.
   *
   * @param timeoutMs longest wait
   * @param signal aborts the wait
   * @returns one queue's batch, or []
   */
  async poll(timeoutMs: number, signal?: AbortSignal): Promise<MessageExt[]> {
    return (await this.pollBatch(timeoutMs, signal))?.messages ?? [];
  }

  /**
   * {@linkcode poll} with the queue the batch came from.
   *
   * @param timeoutMs longest wait
   * @param signal aborts the wait
   * @param handedOneByOne the caller hands the messages out one at a time and moves the consume
   *   offset as it does (an iterator): it is left at the batch's first message, not its end
   * @returns one queue's batch with the consume offset its end stands for, or undefined when
   *   none came in time
   */
  async pollBatch(
    timeoutMs: number,
    signal?: AbortSignal,
    handedOneByOne = false,
  ): Promise<{ mq: MessageQueue; messages: MessageExt[]; endOffset: number } | undefined> {
    const clock = this.#o.config.client.clock;
    if (this.#o.config.autoCommit && clock.now() >= this.#nextAutoCommitDeadline) {
      this.#nextAutoCommitDeadline = clock.now() + this.#o.config.autoCommitIntervalMillis;
      await this.commitAll(false);
    }
    const end = Date.now() + timeoutMs;
    for (;;) {
      const request = await this.#buffer.take(Math.max(0, end - Date.now()), signal);
      if (request === undefined) {
        // An empty poll with no wait (timeout 0, as Java's poll(0)) goes through the event loop:
        // a loop of them would otherwise never let the pulls, or anything else, run.
        if (timeoutMs <= 0) await nextTurn();
        return undefined;
      }
      if (request.processQueue.dropped) continue;
      const endOffset = request.processQueue.removeMessage(request.messages);
      const first = request.messages[0]?.queueOffset ?? endOffset;
      this.assigned.updateConsumeOffset(request.messageQueue, handedOneByOne ? first : endOffset);
      request.processQueue.lastConsumeTimestamp = clock.now();
      this.#tasks.afterPoll(request.messageQueue);
      return { mq: request.messageQueue, messages: request.messages, endOffset };
    }
  }

  /**
   * Puts a queue back to `offset`, a message of its last polled batch that the application never
   * got (an iterator left early): pulling restarts there, and the consume offset is set back so
   * a commit does not pass it.
   *
   * @param mq the queue
   * @param offset the first message not handed out
   */
  rewind(mq: MessageQueue, offset: number): void {
    const state = this.assigned.state(mq);
    if (state === undefined || state.processQueue.dropped) return;
    this.#tasks.cancel(mq);
    state.processQueue.clear();
    state.seekOffset = offset;
    state.consumeOffset = offset;
    this.#tasks.start(mq);
  }

  /**
   * Commits the offset after every polled message of each assigned queue.
   *
   * @param persist also persist them now (else the periodic persist does)
   */
  async commitAll(persist: boolean): Promise<void> {
    for (const mq of this.assigned.messageQueues()) {
      const state = this.assigned.state(mq)!;
      if (state.consumeOffset === -1 || state.processQueue.dropped) continue;
      this.offsetStore.updateOffset(mq, state.consumeOffset, false);
    }
    if (persist) {
      await this.offsetStore.persistAll(this.assigned.messageQueues(), { oneway: false });
    }
  }

  /**
   * See `PullConsumer.seek`.
   *
   * @param mq an assigned queue
   * @param offset the new position
   * @throws {MQClientError} `Seek offset illegal, …` outside [min, max]
   */
  async seek(mq: MessageQueue, offset: number): Promise<void> {
    const minOffset = await this.queries.minOffset(mq);
    const maxOffset = await this.queries.maxOffset(mq);
    if (!Number.isSafeInteger(offset) || offset < minOffset || offset > maxOffset) {
      throw new MQClientError(
        `Seek offset illegal, seek offset = ${offset}, min offset = ${minOffset}, max offset = ${maxOffset}`,
      );
    }
    const state = this.assigned.state(mq);
    if (state === undefined) return;
    this.#tasks.cancel(mq);
    state.processQueue.clear();
    state.seekOffset = offset;
    state.seeks++;
    this.#tasks.start(mq);
  }

  /** Persists the committed offsets of the queues held. */
  async persistConsumerOffset(): Promise<void> {
    const mqs = this.#assignMode ? this.assigned.messageQueues() : this.rebalance.messageQueues();
    await this.offsetStore.persistAll(mqs);
  }

  /**
   * @param topic a topic
   * @returns its readable queues
   * @throws {MQClientError} when the name server has no route for it
   */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    // As RocketMQ's MQAdminImpl.fetchSubscribeMessageQueues: no readable queue is an error too.
    const { api, config } = this.#o.instance;
    return await fetchQueuesFromNameServer(
      api,
      config,
      topic,
      (route) => topicRouteData2TopicSubscribeInfo(topic, route),
    );
  }

  /** Stops pulls, timers and waiting polls without persisting (a start that failed). */
  cancel(): void {
    this.#tasks.stop();
    this.#timers.cancelAll();
    this.#buffer.close();
  }

  /** Stops pulls and waiting polls, then persists committed offsets. */
  async stop(): Promise<void> {
    this.#tasks.stop();
    this.#timers.cancelAll();
    this.#buffer.close();
    await this.persistConsumerOffset();
    this.assigned.clear();
  }
}

/**
 * The pull consumer (RocketMQ `DefaultLitePullConsumer`): the application asks for messages with
 * `poll()` (or `for await`), instead of registering a listener. Queues come from `subscribe` (split
 * with the rest of the group by rebalance) or `assign` (fixed). Offsets are committed by
 * `commit()` or, with `autoCommit`, every `autoCommitIntervalMillis` at the next `poll`; `seek`
 * moves a queue's position.
 *
 * @module
 */

import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { MQClientError, suggestTodo } from "./client_error.ts";
import {
  buildSubscriptionData,
  type ConsumeFromWhere,
  type ConsumeType,
  type MessageModel,
  type SubscriptionData,
} from "./heartbeat_data.ts";
import type { MessageExt } from "./message.ts";
import { type MessageQueue, messageQueueToString } from "./message_queue.ts";
import type { MQConsumerInner } from "./mq_client_inner.ts";
import type { MQClientInstance } from "./mq_client_instance.ts";
import { defaultMQClientManager, type MQClientManager } from "./mq_client_manager.ts";
import { defaultConsumeTimestamp } from "./consumer/consume_timestamp.ts";
import { PullConsumerEngine } from "./consumer/pull_consumer_engine.ts";
import {
  type PullConsumerConfig,
  type PullConsumerOptions,
  resolvePullConsumerConfig,
} from "./pull_consumer_options.ts";
import type { MessageQueueListener } from "./push_consumer_options.ts";
import { AllocateMessageQueueAveragely } from "./rebalance/allocate_message_queue_averagely.ts";
import { requireAllocateStrategy } from "./rebalance/allocate_message_queue_strategy.ts";
import {
  defaultLocalOffsetStoreDir,
  LOCAL_OFFSET_STORE_DIR_PROPERTY,
} from "./consumer/local_file_offset_store.ts";
import type { ConsumerState } from "./push_consumer.ts";

/** RocketMQ's wording when the consumer is used before `start()` or after `shutdown()`. */
export const NOT_RUNNING_EXCEPTION_MESSAGE = "The consumer not running, please start it first.";
/** RocketMQ's wording when `subscribe` and `assign` are mixed. */
export const SUBSCRIPTION_CONFLICT_EXCEPTION_MESSAGE =
  "Subscribe and assign are mutually exclusive.";

/** Options of {@linkcode PullConsumer.poll}. */
export interface PollOptions {
  /** longest wait, ms; default `pollTimeoutMillis` (5 s) */
  timeoutMs?: number;
  /** aborts the wait (the poll then returns what it has: nothing) */
  signal?: AbortSignal;
}

/**
 * A pull consumer.
 *
 * @example
 * ```ts ignore
 * import { PullConsumer } from "./pull_consumer.ts";
 * const consumer = new PullConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * consumer.subscribe("TopicTest", "*");
 * await consumer.start();
 * const batch = await consumer.poll({ timeoutMs: 1000 });
 * for await (const msg of consumer) {
 *   console.log(msg.topic, msg.queueId, msg.queueOffset, msg.bodyText);
 *   if (msg.bodyText === "stop") break;
 * }
 * await consumer.commit();
 * await consumer.shutdown();
 * ```
 */
export class PullConsumer implements MQConsumerInner {
  /** the resolved options */
  readonly config: PullConsumerConfig;
  readonly #options: PullConsumerOptions;
  readonly #manager: MQClientManager;
  readonly #subscriptions = new Map<string, SubscriptionData>();
  readonly #assignExpressions = new Map<string, string>();
  readonly #queueListeners = new Set<MessageQueueListener>();
  #mode: "NONE" | "SUBSCRIBE" | "ASSIGN" = "NONE";
  #assignedQueues: MessageQueue[] = [];
  #state: ConsumerState = "CREATE_JUST";
  #instance: MQClientInstance | undefined;
  #engine: PullConsumerEngine | undefined;

  /**
   * @param options group, model, start position, tuning and client options; I/O and strategy
   * @throws {ClientConfigError} naming each bad option
   * @throws {MQClientError} for RocketMQ's configuration errors
   */
  constructor(options: PullConsumerOptions) {
    const clock = options.clock;
    this.config = resolvePullConsumerConfig(
      options,
      () => defaultConsumeTimestamp(clock?.now() ?? Date.now()),
    );
    this.#options = options;
    this.#manager = options.clientManager ?? defaultMQClientManager;
    if (options.messageQueueListener !== undefined) {
      this.#queueListeners.add(options.messageQueueListener);
    }
  }

  /** the consumer group */
  get groupName(): string {
    return this.config.consumerGroup;
  }

  /** clustering or broadcasting */
  get messageModel(): MessageModel {
    return this.config.messageModel;
  }

  /** pull consumers are active */
  get consumeType(): ConsumeType {
    return "CONSUME_ACTIVELY";
  }

  /** start position without a committed offset */
  get consumeFromWhere(): ConsumeFromWhere {
    return this.config.consumeFromWhere;
  }

  /** unit mode */
  get unitMode(): boolean {
    return this.config.client.unitMode;
  }

  /** lifecycle state */
  get state(): ConsumerState {
    return this.#state;
  }

  /** the client instance, once started */
  get clientInstance(): MQClientInstance | undefined {
    return this.#instance;
  }

  /**
   * Subscribes to a topic; its queues are shared with the group by rebalance.
   *
   * @param topic the topic
   * @param subExpression `*` or tags `TagA || TagB`
   * @throws {Error} `Subscribe and assign are mutually exclusive.` after `assign`
   */
  subscribe(topic: string, subExpression = "*"): void {
    if (topic.trim() === "") throw new RangeError("Topic can not be null or empty.");
    this.#setMode("SUBSCRIBE");
    const data = buildSubscriptionData(topic, subExpression, {
      subVersion: this.config.client.clock.now(),
    });
    this.#subscriptions.set(topic, data);
    this.#engine?.addSubscription(data);
  }

  /**
   * Removes a subscription; its queues are released at the next rebalance.
   *
   * @param topic the topic
   */
  unsubscribe(topic: string): void {
    this.#subscriptions.delete(topic);
    this.#engine?.removeSubscription(topic);
  }

  /**
   * Consumes exactly these queues, without rebalance (RocketMQ `assign`).
   *
   * @param queues the queues
   * @throws {Error} `Subscribe and assign are mutually exclusive.` after `subscribe`
   */
  assign(queues: readonly MessageQueue[]): void {
    if (queues.length === 0) throw new RangeError("Message queues can not be null or empty.");
    this.#setMode("ASSIGN");
    this.#assignedQueues = queues.map((mq) => ({ ...mq }));
    this.#engine?.assign(this.#assignedQueues);
  }

  /**
   * The tag expression to pull assigned queues of a topic with (RocketMQ `setSubExpression4Assign`).
   *
   * @param topic the topic
   * @param subExpression its expression
   */
  setSubExpressionForAssign(topic: string, subExpression: string): void {
    if (this.#state !== "CREATE_JUST") {
      throw new MQClientError("setAssignTag only can be called before start.");
    }
    this.#setMode("ASSIGN");
    this.#assignExpressions.set(topic, subExpression);
  }

  #setMode(mode: "SUBSCRIBE" | "ASSIGN"): void {
    if (this.#mode === "NONE") this.#mode = mode;
    else if (this.#mode !== mode) throw new Error(SUBSCRIPTION_CONFLICT_EXCEPTION_MESSAGE);
  }

  /**
   * Listens for assignment changes (subscribe mode).
   *
   * @param type `messageQueueChanged`
   * @param listener called with the topic, all its queues and this client's share
   * @returns a function that removes the listener
   */
  on(type: "messageQueueChanged", listener: MessageQueueListener): () => void {
    if (type !== "messageQueueChanged") throw new RangeError(`Unknown event ${String(type)}`);
    this.#queueListeners.add(listener);
    return () => this.#queueListeners.delete(listener);
  }

  /**
   * Starts the consumer: joins the client instance, loads offsets, announces the group and (in
   * subscribe mode) rebalances at once.
   *
   * @throws {MQClientError} when started before, no strategy is set, or the group is taken
   */
  async start(): Promise<void> {
    if (this.#state !== "CREATE_JUST") {
      throw new MQClientError(
        `The PullConsumer service state not OK, maybe started once, ${this.#state}${suggestTodo()}`,
      );
    }
    this.#state = "START_FAILED";
    const strategy = requireAllocateStrategy(
      "allocateMessageQueueStrategy" in this.#options
        ? this.#options.allocateMessageQueueStrategy
        : new AllocateMessageQueueAveragely(),
    );
    const instance = this.#manager.acquire(this.config.client);
    if (!instance.registerConsumer(this.groupName, this)) {
      this.#state = "CREATE_JUST";
      await this.#manager.release(instance);
      throw new MQClientError(
        `The consumer group[${this.groupName}] has been created before, specify another name please.${suggestTodo()}`,
      );
    }
    const engine = new PullConsumerEngine({
      config: this.config,
      instance,
      strategy,
      fs: this.#options.fs ?? new DenoFileSystem(),
      localOffsetStoreDir: this.#localOffsetStoreDir(),
      assignExpressions: this.#assignExpressions,
      onQueuesChanged: (topic, mqAll, mqDivided) => this.#emit(topic, mqAll, mqDivided),
    });
    for (const data of this.#subscriptions.values()) {
      engine.rebalance.subscriptionInner.set(data.topic, data);
    }
    this.#instance = instance;
    this.#engine = engine;
    try {
      await engine.start(this.#mode === "ASSIGN" ? this.#assignedQueues : undefined);
    } catch (error) {
      engine.cancel();
      await instance.unregisterConsumer(this.groupName);
      await this.#manager.release(instance);
      throw error;
    }
    this.#state = "RUNNING";
    if (this.#mode === "SUBSCRIBE") instance.rebalanceImmediately();
  }

  /**
   * Stops pulling, persists committed offsets, leaves the group and releases the client instance;
   * waiting polls return empty. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#state !== "RUNNING") {
      this.#state = "SHUTDOWN_ALREADY";
      return;
    }
    this.#state = "SHUTDOWN_ALREADY";
    const engine = this.#engine!;
    const instance = this.#instance!;
    await engine.stop();
    await instance.unregisterConsumer(this.groupName);
    await this.#manager.release(instance);
    engine.rebalance.destroy();
  }

  /**
   * The next batch of pulled messages, waiting up to `timeoutMs`; with `autoCommit`, first commits
   * what earlier polls returned when `autoCommitIntervalMillis` has passed.
   *
   * @param options wait and abort
   * @returns messages of one queue in queue order, or [] when none came in time
   * @throws {Error} `The consumer not running, please start it first.`
   */
  async poll(options: PollOptions = {}): Promise<MessageExt[]> {
    const engine = this.#running();
    const timeoutMs = options.timeoutMs ?? this.config.pollTimeoutMillis;
    if (timeoutMs < 0) throw new RangeError("Timeout must not be negative");
    return await engine.poll(timeoutMs, options.signal);
  }

  /**
   * Yields messages one by one, polling as needed, until the consumer shuts down or the loop
   * breaks.
   *
   * @returns an async iterator of messages
   */
  async *[Symbol.asyncIterator](): AsyncIterator<MessageExt> {
    while (this.#state === "RUNNING") {
      const batch = await this.poll();
      for (const msg of batch) yield msg;
    }
  }

  /**
   * Moves a queue's position: its cached messages are dropped and pulling restarts at `offset`.
   *
   * @param mq an assigned queue
   * @param offset between the queue's min and max offset
   * @throws {MQClientError} when the queue is not assigned or the offset is out of range
   */
  async seek(mq: MessageQueue, offset: number): Promise<void> {
    const engine = this.#running();
    if (engine.assigned.state(mq) === undefined) {
      throw new MQClientError(
        this.#mode === "SUBSCRIBE"
          ? `The message queue is not in assigned list, may be rebalancing, message queue: ${
            messageQueueToString(mq)
          }`
          : `The message queue is not in assigned list, message queue: ${messageQueueToString(mq)}`,
      );
    }
    await engine.seek(mq, offset);
  }

  /** @param mq an assigned queue to restart at its min offset */
  async seekToBegin(mq: MessageQueue): Promise<void> {
    await this.seek(mq, await this.#running().queries.minOffset(mq));
  }

  /** @param mq an assigned queue to restart at its max offset */
  async seekToEnd(mq: MessageQueue): Promise<void> {
    await this.seek(mq, await this.#running().queries.maxOffset(mq));
  }

  /**
   * Commits the offsets after every polled message and persists them (to the broker or the local
   * file) now.
   */
  async commit(): Promise<void> {
    await this.#running().commitAll(true);
  }

  /**
   * @param mq a queue
   * @returns the group's committed offset (memory first, then the store); −1 when none
   * @throws {MQClientError} when the broker could not be asked
   */
  async committed(mq: MessageQueue): Promise<number> {
    const offset = await this.#running().offsetStore.readOffset(mq, "MEMORY_FIRST_THEN_STORE");
    if (offset === -2) throw new MQClientError("Fetch consume offset from broker exception");
    return offset;
  }

  /** @param mqs queues whose pulling stops until {@linkcode PullConsumer.resume} */
  pause(mqs: readonly MessageQueue[]): void {
    this.#running().assigned.setPaused(mqs, true);
  }

  /** @param mqs paused queues to pull again */
  resume(mqs: readonly MessageQueue[]): void {
    this.#running().assigned.setPaused(mqs, false);
  }

  /** @returns the queues currently assigned to this consumer */
  assignment(): MessageQueue[] {
    return this.#engine?.assigned.messageQueues() ?? [];
  }

  /**
   * @param topic a topic
   * @returns its readable queues from the name server
   */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    return await this.#running().fetchMessageQueues(topic);
  }

  #running(): PullConsumerEngine {
    if (this.#state !== "RUNNING" || this.#engine === undefined) {
      throw new Error(NOT_RUNNING_EXCEPTION_MESSAGE);
    }
    return this.#engine;
  }

  /** See {@linkcode MQConsumerInner.subscriptions}. */
  subscriptions(): readonly SubscriptionData[] {
    return [
      ...(this.#engine?.rebalance.subscriptionInner.values() ?? this.#subscriptions.values()),
    ];
  }

  /** See {@linkcode MQConsumerInner.updateTopicSubscribeInfo}. */
  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void {
    this.#engine?.rebalance.updateTopicSubscribeInfo(topic, queues);
  }

  /** See {@linkcode MQConsumerInner.isSubscribeTopicNeedUpdate}. */
  isSubscribeTopicNeedUpdate(topic: string): boolean {
    const rebalance = this.#engine?.rebalance;
    if (rebalance === undefined || !rebalance.subscriptionInner.has(topic)) return false;
    return rebalance.topicSubscribeInfo(topic) === undefined;
  }

  /** See {@linkcode MQConsumerInner.doRebalance}; nothing in assign mode. */
  async doRebalance(): Promise<void> {
    if (this.#state !== "RUNNING" || this.#mode !== "SUBSCRIBE") return;
    await this.#engine?.rebalance.doRebalance(false);
  }

  /** See {@linkcode MQConsumerInner.persistConsumerOffset}. */
  async persistConsumerOffset(): Promise<void> {
    if (this.#state !== "RUNNING") return;
    await this.#engine?.persistConsumerOffset();
  }

  #localOffsetStoreDir(): string {
    if (this.config.localOffsetStoreDir !== undefined) return this.config.localOffsetStoreDir;
    const env = this.config.client.env;
    const home = env.getEnv("HOME") ?? env.getEnv("USERPROFILE") ?? ".";
    return defaultLocalOffsetStoreDir(env.systemProperty(LOCAL_OFFSET_STORE_DIR_PROPERTY), home);
  }

  #emit(topic: string, mqAll: readonly MessageQueue[], mqDivided: readonly MessageQueue[]): void {
    for (const listener of this.#queueListeners) {
      try {
        listener(topic, mqAll, mqDivided);
      } catch (error) {
        this.config.client.logger.error(
          `messageQueueChanged listener failed: ${(error as Error).message}`,
        );
      }
    }
  }
}

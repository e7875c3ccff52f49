/**
 * The push consumer (RocketMQ `DefaultMQPushConsumer`): subscribe to topics, register a listener,
 * `start()`; the consumer then rebalances queues with the rest of its group, long-polls each of
 * its queues and calls the listener, concurrently or in per-queue order, committing offsets of
 * consumed messages (to the broker in CLUSTERING, to a local file in BROADCASTING).
 *
 * @module
 */

import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { MQClientError, suggestTodo } from "./client_error.ts";
import {
  buildSubscriptionData,
  type ConsumeFromWhere,
  type ConsumeType,
  type ExpressionType,
  type MessageModel,
  type SubscriptionData,
} from "./heartbeat_data.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { MQConsumerInner } from "./mq_client_inner.ts";
import type { MQClientInstance } from "./mq_client_instance.ts";
import { defaultMQClientManager, type MQClientManager } from "./mq_client_manager.ts";
import { defaultConsumeTimestamp } from "./consumer/consume_timestamp.ts";
import {
  MAX_RECONSUME_TIMES_CONCURRENTLY,
  MAX_RECONSUME_TIMES_ORDERLY,
} from "./consumer/limits.ts";
import type {
  MessageListenerConcurrently,
  MessageListenerOrderly,
} from "./consumer/message_listener.ts";
import { getRetryTopic } from "./consumer/retry_topic.ts";
import { PushConsumerEngine } from "./consumer/push_consumer_engine.ts";
import {
  type MessageQueueListener,
  type PushConsumerConfig,
  type PushConsumerOptions,
  resolvePushConsumerConfig,
} from "./push_consumer_options.ts";
import { AllocateMessageQueueAveragely } from "./rebalance/allocate_message_queue_averagely.ts";
import { requireAllocateStrategy } from "./rebalance/allocate_message_queue_strategy.ts";
import {
  defaultLocalOffsetStoreDir,
  LOCAL_OFFSET_STORE_DIR_PROPERTY,
} from "./consumer/local_file_offset_store.ts";

/** RocketMQ `ServiceState` of a consumer. */
export type ConsumerState = "CREATE_JUST" | "RUNNING" | "SHUTDOWN_ALREADY" | "START_FAILED";

type Listener =
  | { readonly orderly: false; readonly fn: MessageListenerConcurrently }
  | { readonly orderly: true; readonly fn: MessageListenerOrderly };

/**
 * A push consumer. Create it with options, `subscribe`, register one listener, `start()`,
 * `shutdown()`.
 *
 * @example
 * ```ts ignore
 * import { PushConsumer } from "./push_consumer.ts";
 * const consumer = new PushConsumer({
 *   consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876",
 *   consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
 * });
 * consumer.subscribe("TopicTest", "TagA || TagB");
 * consumer.registerMessageListener(async (msgs, context) => {
 *   for (const msg of msgs) console.log(msg.topic, msg.tags, msg.queueId, msg.queueOffset, msg.bodyText);
 *   return "CONSUME_SUCCESS";
 * });
 * await consumer.start();
 * // … later
 * await consumer.shutdown();
 * ```
 */
export class PushConsumer implements MQConsumerInner {
  /** the resolved options */
  readonly config: PushConsumerConfig;
  readonly #options: PushConsumerOptions;
  readonly #manager: MQClientManager;
  readonly #subscriptions = new Map<string, SubscriptionData>();
  readonly #queueListeners = new Set<MessageQueueListener>();
  #listener: Listener | undefined;
  #state: ConsumerState = "CREATE_JUST";
  #instance: MQClientInstance | undefined;
  #engine: PushConsumerEngine | undefined;
  #pause = false;

  /**
   * @param options group, model, start position, tuning and client options; I/O and strategy
   * @throws {ClientConfigError} naming each bad option
   * @throws {MQClientError} for RocketMQ's configuration errors (group, timestamp, long polling)
   */
  constructor(options: PushConsumerOptions) {
    const clock = options.clock;
    this.config = resolvePushConsumerConfig(
      options,
      () => defaultConsumeTimestamp(clock?.now() ?? Date.now()),
    );
    this.#options = options;
    this.#manager = options.clientManager ?? defaultMQClientManager;
    if (options.messageQueueListener !== undefined) {
      this.#queueListeners.add(options.messageQueueListener);
    }
  }

  /** the consumer group (RocketMQ `groupName()`) */
  get groupName(): string {
    return this.config.consumerGroup;
  }

  /** the consumer group */
  get consumerGroup(): string {
    return this.config.consumerGroup;
  }

  /** clustering or broadcasting */
  get messageModel(): MessageModel {
    return this.config.messageModel;
  }

  /** push consumers are passive */
  get consumeType(): ConsumeType {
    return "CONSUME_PASSIVELY";
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

  /** whether an orderly listener is registered */
  get consumeOrderly(): boolean {
    return this.#listener?.orderly === true;
  }

  /** local retries before the DLQ: `maxReconsumeTimes`, or 16 (concurrently) / unbounded (orderly) */
  get maxReconsumeTimes(): number {
    if (this.config.maxReconsumeTimes !== -1) return this.config.maxReconsumeTimes;
    return this.consumeOrderly ? MAX_RECONSUME_TIMES_ORDERLY : MAX_RECONSUME_TIMES_CONCURRENTLY;
  }

  /**
   * Subscribes to a topic (RocketMQ `subscribe`). While running, the broker is told at once and the
   * queues are rebalanced.
   *
   * @param topic the topic
   * @param subExpression `*` (all), tags `TagA || TagB`, or an SQL92 expression
   * @param expressionType TAG (default) or SQL92
   */
  subscribe(topic: string, subExpression = "*", expressionType: ExpressionType = "TAG"): void {
    const data = buildSubscriptionData(topic, subExpression, {
      expressionType,
      subVersion: this.config.client.clock.now(),
    });
    this.#subscriptions.set(topic, data);
    this.#engine?.addSubscription(data);
  }

  /**
   * Removes a subscription (RocketMQ `unsubscribe`); its queues are dropped at the next rebalance.
   *
   * @param topic the topic
   */
  unsubscribe(topic: string): void {
    this.#subscriptions.delete(topic);
    this.#engine?.rebalance.subscriptionInner.delete(topic);
  }

  /**
   * Sets the concurrent listener: batches of messages, up to `consumeThreadMax` calls at once.
   *
   * @param listener returns CONSUME_SUCCESS or RECONSUME_LATER
   */
  registerMessageListener(listener: MessageListenerConcurrently): void {
    this.#listener = { orderly: false, fn: listener };
  }

  /**
   * Sets the orderly listener: each queue's messages one call at a time, in queue order (RocketMQ
   * `registerMessageListener(MessageListenerOrderly)`).
   *
   * @param listener returns SUCCESS or SUSPEND_CURRENT_QUEUE_A_MOMENT
   */
  registerOrderlyListener(listener: MessageListenerOrderly): void {
    this.#listener = { orderly: true, fn: listener };
  }

  /**
   * Listens for assignment changes.
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

  /** Stops pulling and rebalancing until {@linkcode PushConsumer.resume}. */
  suspend(): void {
    this.#pause = true;
  }

  /** Resumes after {@linkcode PushConsumer.suspend} and rebalances at once. */
  resume(): void {
    this.#pause = false;
    this.#instance?.rebalanceImmediately();
  }

  /**
   * @param topic only this topic, when given
   * @returns the queues this consumer currently works on
   */
  assignedQueues(topic?: string): MessageQueue[] {
    const all = this.#engine?.rebalance.messageQueues() ?? [];
    return topic === undefined ? all : all.filter((mq) => mq.topic === topic);
  }

  /**
   * @param topic only this topic, when given
   * @returns the in-memory offsets (next to consume) per queue
   */
  offsets(topic?: string): Map<MessageQueue, number> {
    return this.#engine?.offsetStore.cloneOffsetTable(topic) ?? new Map();
  }

  /**
   * Starts the consumer (RocketMQ `start`): checks the configuration, joins the shared client
   * instance, loads offsets, announces the group with a heartbeat and rebalances at once.
   *
   * @throws {MQClientError} when started before, no listener or strategy is set, or the group is
   *   already registered on the client instance
   */
  async start(): Promise<void> {
    if (this.#state !== "CREATE_JUST") {
      throw new MQClientError(
        `The PushConsumer service state not OK, maybe started once, ${this.#state}${suggestTodo()}`,
      );
    }
    this.#state = "START_FAILED";
    const strategy = requireAllocateStrategy(
      "allocateMessageQueueStrategy" in this.#options
        ? this.#options.allocateMessageQueueStrategy
        : new AllocateMessageQueueAveragely(),
    );
    const listener = this.#listener;
    if (listener === undefined) throw new MQClientError(`messageListener is null${suggestTodo()}`);
    const instance = this.#manager.acquire(this.config.client);
    const engine = new PushConsumerEngine({
      config: this.config,
      instance,
      strategy,
      listener,
      maxReconsumeTimes: this.maxReconsumeTimes,
      fs: this.#options.fs ?? new DenoFileSystem(),
      localOffsetStoreDir: this.#localOffsetStoreDir(),
      clientManager: this.#manager,
      isPause: () => this.#pause,
      onQueuesChanged: (topic, mqAll, mqDivided) => this.#emit(topic, mqAll, mqDivided),
    });
    for (const data of this.#subscriptions.values()) {
      engine.rebalance.subscriptionInner.set(data.topic, data);
    }
    if (this.messageModel === "CLUSTERING") {
      const retry = getRetryTopic(this.consumerGroup);
      engine.rebalance.subscriptionInner.set(
        retry,
        buildSubscriptionData(retry, "*", {
          subVersion: this.config.client.clock.now(),
        }),
      );
    }
    if (!instance.registerConsumer(this.consumerGroup, this)) {
      this.#state = "CREATE_JUST";
      await this.#manager.release(instance);
      throw new MQClientError(
        `The consumer group[${this.consumerGroup}] has been created before, specify another name please.${suggestTodo()}`,
      );
    }
    this.#instance = instance;
    this.#engine = engine;
    try {
      await engine.start();
    } catch (error) {
      engine.cancel();
      await instance.unregisterConsumer(this.consumerGroup);
      await this.#manager.release(instance);
      throw error;
    }
    this.#state = "RUNNING";
    instance.rebalanceImmediately();
  }

  /**
   * Stops pulling and consuming, persists offsets, leaves the group (UNREGISTER_CLIENT) and
   * releases the client instance. Idempotent.
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
    await instance.unregisterConsumer(this.consumerGroup);
    await engine.closeRetryProducer();
    await this.#manager.release(instance);
    engine.rebalance.destroy();
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

  /** See {@linkcode MQConsumerInner.doRebalance}; skipped while suspended. */
  async doRebalance(): Promise<void> {
    if (this.#pause || this.#state !== "RUNNING" || this.#engine === undefined) return;
    await this.#engine.rebalance.doRebalance(this.consumeOrderly);
  }

  /** See {@linkcode MQConsumerInner.persistConsumerOffset}. */
  async persistConsumerOffset(): Promise<void> {
    if (this.#state !== "RUNNING" || this.#engine === undefined) return;
    await this.#engine.persistConsumerOffset();
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

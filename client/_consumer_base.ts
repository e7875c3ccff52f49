/**
 * What `PushConsumer` and `PullConsumer` share: resolving options, the `MQConsumerInner` facts
 * read from the config, the queue-change listeners, and the start/shutdown steps around the
 * client instance and the engine.
 *
 * @module
 */

import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import type { FileSystem } from "../store/file_system.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { MQClientError, suggestTodo } from "./client_error.ts";
import { resetOffsetProcessor } from "./consumer/_reset_offset.ts";
import { configProperties, registerRunningInfoProcessors } from "./consumer/_running_info.ts";
import {
  type ConsumerRunningInfo,
  PROP_CONSUMER_START_TIMESTAMP,
} from "./consumer_running_info.ts";
import type { ClientConfig } from "./client_config.ts";
import type {
  ConsumeFromWhere,
  ConsumeType,
  MessageModel,
  SubscriptionData,
} from "./heartbeat_data.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { MQConsumerInner } from "./mq_client_inner.ts";
import type { MQClientInstance } from "./mq_client_instance.ts";
import { defaultMQClientManager, type MQClientManager } from "./mq_client_manager.ts";
import { defaultConsumeTimestamp } from "./consumer/consume_timestamp.ts";
import {
  defaultLocalOffsetStoreDir,
  LOCAL_OFFSET_STORE_DIR_PROPERTY,
} from "./consumer/local_file_offset_store.ts";
import type { ConsumerIo, MessageQueueListener } from "./push_consumer_options.ts";
import { AllocateMessageQueueAveragely } from "./rebalance/allocate_message_queue_averagely.ts";
import {
  type AllocateMessageQueueStrategy,
  requireAllocateStrategy,
} from "./rebalance/allocate_message_queue_strategy.ts";
import type { RebalanceImpl } from "./rebalance/rebalance_impl.ts";

/**
 * RocketMQ `ServiceState` of a consumer.
 *
 * @example
 * ```ts
 * import { type ConsumerState, PushConsumer } from "./push_consumer.ts";
 * const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * const state: ConsumerState = consumer.state;
 * if (state !== "CREATE_JUST") throw new Error("nothing connects before start()");
 * ```
 */
export type ConsumerState = "CREATE_JUST" | "RUNNING" | "SHUTDOWN_ALREADY" | "START_FAILED";

/** The resolved config fields the shared part reads. */
export interface ConsumerBaseConfig {
  readonly client: ClientConfig;
  consumerGroup: string;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  localOffsetStoreDir?: string | undefined;
}

/** The engine calls the shared part makes. */
export interface ConsumerEngineBase {
  readonly rebalance: RebalanceImpl;
  stop(): Promise<void>;
  cancel(): void;
}

/**
 * Base of the push and pull consumers.
 *
 * @typeParam O the options as given
 * @typeParam C the resolved config
 * @typeParam E the engine built at start
 */
export abstract class ConsumerBase<
  O extends ConsumerIo,
  C extends ConsumerBaseConfig,
  E extends ConsumerEngineBase,
> implements MQConsumerInner {
  /** the resolved options */
  readonly config: C;
  /** the options as given (I/O and strategy are read from here at start) */
  protected readonly options: O;
  /** where the client instance comes from */
  protected readonly manager: MQClientManager;
  /** subscriptions made before start */
  protected readonly subscriptionTable = new Map<string, SubscriptionData>();
  /** `messageQueueChanged` listeners */
  protected readonly queueListeners = new Set<MessageQueueListener>();
  /** lifecycle state */
  protected serviceState: ConsumerState = "CREATE_JUST";
  /** the client instance, once started */
  protected instance: MQClientInstance | undefined;
  /** the engine, once started */
  protected engine: E | undefined;
  /** when `start` was called, ms (RocketMQ `consumerStartTimestamp`) */
  protected consumerStartTimestamp = 0;
  /** the allocation strategy's name, once started */
  protected allocateStrategyName: string | undefined;
  /** the first start, settled (never rejects): a shutdown waits for it */
  #starting: Promise<void> | undefined;

  /**
   * @param options the consumer's options
   * @param resolve validates them (`resolvePushConsumerConfig` or `resolvePullConsumerConfig`)
   */
  protected constructor(
    options: O,
    resolve: (options: O, defaultTimestamp: () => string) => C,
  ) {
    const clock = options.clock;
    this.config = resolve(options, () => defaultConsumeTimestamp(clock?.now() ?? Date.now()));
    this.options = options;
    this.manager = options.clientManager ?? defaultMQClientManager;
    if (options.messageQueueListener !== undefined) {
      this.queueListeners.add(options.messageQueueListener);
    }
  }

  /** active (pull) or passive (push) */
  abstract get consumeType(): ConsumeType;

  /** See `MQConsumerInner.doRebalance`. */
  abstract doRebalance(): Promise<void>;

  /** See `MQConsumerInner.persistConsumerOffset`. */
  abstract persistConsumerOffset(): Promise<void>;

  /** the consumer group (RocketMQ `groupName()`) */
  get groupName(): string {
    return this.config.consumerGroup;
  }

  /** clustering or broadcasting */
  get messageModel(): MessageModel {
    return this.config.messageModel;
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
    return this.serviceState;
  }

  /** the client instance, once started */
  get clientInstance(): MQClientInstance | undefined {
    return this.instance;
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
    this.queueListeners.add(listener);
    return () => this.queueListeners.delete(listener);
  }

  /** See `MQConsumerInner.subscriptions`. */
  subscriptions(): readonly SubscriptionData[] {
    return [
      ...(this.engine?.rebalance.subscriptionInner.values() ?? this.subscriptionTable.values()),
    ];
  }

  /** See `MQConsumerInner.updateTopicSubscribeInfo`. */
  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void {
    this.engine?.rebalance.updateTopicSubscribeInfo(topic, queues);
  }

  /** See `MQConsumerInner.isSubscribeTopicNeedUpdate`. */
  isSubscribeTopicNeedUpdate(topic: string): boolean {
    const rebalance = this.engine?.rebalance;
    if (rebalance === undefined || !rebalance.subscriptionInner.has(topic)) return false;
    return rebalance.topicSubscribeInfo(topic) === undefined;
  }

  /**
   * The part of GET_CONSUMER_RUNNING_INFO every consumer answers (RocketMQ's lite pull consumer
   * answers only this): its settings under RocketMQ's field names, the start time and the
   * subscriptions.
   *
   * @param keys the RocketMQ field names of the consumer's settings
   * @returns the running info without queues and rates
   */
  protected baseRunningInfo(keys: readonly string[]): ConsumerRunningInfo {
    const properties = configProperties(this.config, keys);
    properties.unitMode = String(this.unitMode);
    if (this.allocateStrategyName !== undefined) {
      properties.allocateMessageQueueStrategy = this.allocateStrategyName;
    }
    properties[PROP_CONSUMER_START_TIMESTAMP] = String(this.consumerStartTimestamp);
    return { properties, subscriptionSet: [...this.subscriptions()], mqTable: [], statusTable: [] };
  }

  /**
   * Remembers the first start, so that a shutdown during it waits for it and then stops what it
   * started (RocketMQ's consumer `start` and `shutdown` are `synchronized`).
   *
   * @param starting the start under way
   * @returns `starting`
   */
  protected trackStart(starting: Promise<void>): Promise<void> {
    this.#starting ??= starting.then(() => {}, () => {});
    return starting;
  }

  /**
   * The first step of `start`: refuses a second start, marks START_FAILED until it succeeds and
   * resolves the allocation strategy.
   *
   * @param kind class name for RocketMQ's message
   * @returns the strategy
   * @throws {MQClientError} when started before or no strategy is set
   */
  protected beginStart(kind: string): AllocateMessageQueueStrategy {
    if (this.serviceState !== "CREATE_JUST") {
      throw new MQClientError(
        `The ${kind} service state not OK, maybe started once, ${this.serviceState}${suggestTodo()}`,
      );
    }
    this.serviceState = "START_FAILED";
    this.consumerStartTimestamp = this.config.client.clock.now();
    const strategy = requireAllocateStrategy(
      "allocateMessageQueueStrategy" in this.options
        ? this.options.allocateMessageQueueStrategy
        : new AllocateMessageQueueAveragely(),
    );
    this.allocateStrategyName = strategy.name;
    return strategy;
  }

  /**
   * Registers the group on the instance, or releases the instance and refuses.
   *
   * @param instance the acquired client instance
   * @throws {MQClientError} when the group is already registered there
   */
  /** A start the instance refused: gives it back and may start again, as RocketMQ's CREATE_JUST. */
  async #refusedStart(instance: MQClientInstance): Promise<void> {
    await this.manager.release(instance);
    this.serviceState = "CREATE_JUST";
    this.#starting = undefined; // set by trackStart once this start's first await was reached
  }

  protected async registerOn(instance: MQClientInstance): Promise<void> {
    // Per instance, the same for every consumer on it: it finds the group's consumer itself.
    instance.registerProcessor(
      RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
      resetOffsetProcessor(instance, this.config.client.logger),
    );
    registerRunningInfoProcessors(instance);
    let registered;
    try {
      registered = instance.registerConsumer(this.groupName, this);
    } catch (error) {
      await this.#refusedStart(instance); // a full instance
      throw error;
    }
    if (registered) return;
    await this.#refusedStart(instance);
    throw new MQClientError(
      `The consumer group[${this.groupName}] has been created before, specify another name please.${suggestTodo()}`,
    );
  }

  /**
   * Keeps instance and engine, runs the engine's start and marks RUNNING; on failure undoes the
   * registration and releases the instance.
   *
   * @param instance the client instance the group is registered on
   * @param engine the built engine
   * @param run starts the engine
   */
  protected async launch(
    instance: MQClientInstance,
    engine: E,
    run: () => Promise<void>,
  ): Promise<void> {
    this.instance = instance;
    this.engine = engine;
    try {
      await run();
    } catch (error) {
      engine.cancel();
      await instance.unregisterConsumer(this.groupName);
      await this.manager.release(instance);
      throw error;
    }
    this.serviceState = "RUNNING";
  }

  /**
   * Shutdown: stops the engine, leaves the group and releases the instance. Idempotent; during a
   * start it waits for the start, then stops what it started.
   *
   * @param beforeRelease extra step after leaving the group
   */
  protected async stopRunning(beforeRelease?: (engine: E) => Promise<void>): Promise<void> {
    await this.#starting;
    if (this.serviceState !== "RUNNING") {
      this.serviceState = "SHUTDOWN_ALREADY";
      return;
    }
    this.serviceState = "SHUTDOWN_ALREADY";
    const engine = this.engine!;
    const instance = this.instance!;
    await engine.stop();
    await instance.unregisterConsumer(this.groupName);
    if (beforeRelease !== undefined) await beforeRelease(engine);
    await this.manager.release(instance);
    engine.rebalance.destroy();
  }

  /** @returns the file system of the broadcasting offset file */
  protected fileSystem(): FileSystem {
    return this.options.fs ?? new DenoFileSystem();
  }

  /** @returns the broadcasting offset folder: the option, else RocketMQ's property or default */
  protected localOffsetStoreDir(): string {
    if (this.config.localOffsetStoreDir !== undefined) return this.config.localOffsetStoreDir;
    const env = this.config.client.env;
    const home = env.getEnv("HOME") ?? env.getEnv("USERPROFILE") ?? ".";
    return defaultLocalOffsetStoreDir(env.systemProperty(LOCAL_OFFSET_STORE_DIR_PROPERTY), home);
  }

  /** Tells every `messageQueueChanged` listener; a throwing listener is logged. */
  protected emitQueuesChanged(
    topic: string,
    mqAll: readonly MessageQueue[],
    mqDivided: readonly MessageQueue[],
  ): void {
    for (const listener of this.queueListeners) {
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

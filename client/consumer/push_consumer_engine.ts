/**
 * The running parts of a push consumer, wired (RocketMQ `DefaultMQPushConsumerImpl` without its
 * configuration surface): offset store (broker or local file), rebalance with the push hooks, the
 * pull loop, the concurrent or orderly consume service, the send-back path and the delayed-work
 * timers. `PushConsumer` owns one per start.
 *
 * @module
 */

import type { FileSystem } from "../../store/file_system.ts";
import { MQClientError } from "../client_error.ts";
import type { SubscriptionData } from "../heartbeat_data.ts";
import { Message } from "../message.ts";
import type { MessageExt } from "../message.ts";
import { MessageConst } from "../message_const.ts";
import { type MessageQueue, messageQueueKey } from "../message_queue.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";
import type { MQClientManager } from "../mq_client_manager.ts";
import { Producer } from "../producer.ts";
import type { PushConsumerConfig } from "../push_consumer_options.ts";
import type { AllocateMessageQueueStrategy } from "../rebalance/allocate_message_queue_strategy.ts";
import type { RebalanceImpl } from "../rebalance/rebalance_impl.ts";
import { RebalancePushHooks } from "../rebalance/rebalance_push_impl.ts";
import { ConsumeLimiter } from "./consume_limiter.ts";
import { ConsumeMessageConcurrentlyService } from "./consume_message_concurrently_service.ts";
import { ConsumeMessageOrderlyService } from "./consume_message_orderly_service.ts";
import { consumeMessageDirectly } from "./consume_message_directly.ts";
import type { ConsumeMessageDirectlyResult, ProcessQueueInfo } from "../consumer_running_info.ts";
import { ConsumerStats } from "./consumer_stats.ts";
import type { ConsumerTimers } from "./consumer_timers.ts";
import { SEND_BACK_TIMEOUT_MS } from "./limits.ts";
import * as engineParts from "./_engine_parts.ts";
import type { MessageListenerConcurrently, MessageListenerOrderly } from "./message_listener.ts";
import type { OffsetStore } from "./offset_store.ts";
import { PullAPIWrapper } from "./pull_api_wrapper.ts";
import { type PullSettings, PushMessagePuller } from "./push_message_puller.ts";
import { QueueOffsetQueries } from "./queue_offset_queries.ts";
import { getRetryTopic } from "./retry_topic.ts";

/**
 * Construction options of {@linkcode PushConsumerEngine}.
 *
 * @example
 * ```ts
 * import { PushConsumerEngine, type PushConsumerEngineOptions } from "./push_consumer_engine.ts";
 * async function run(options: PushConsumerEngineOptions, signal: AbortSignal) {
 *   const engine = new PushConsumerEngine(options); // what PushConsumer.start() builds
 *   await engine.start();
 *   signal.addEventListener("abort", () => void engine.stop());
 * }
 * ```
 */
export interface PushConsumerEngineOptions {
  /** the resolved consumer options */
  config: PushConsumerConfig;
  /** the shared client instance (acquired by the consumer) */
  instance: MQClientInstance;
  /** the allocation strategy */
  strategy: AllocateMessageQueueStrategy;
  /** the listener */
  listener:
    | { readonly orderly: false; readonly fn: MessageListenerConcurrently }
    | { readonly orderly: true; readonly fn: MessageListenerOrderly };
  /** deliveries before the DLQ, resolved */
  maxReconsumeTimes: number;
  /** file system of the broadcasting offsets */
  fs: FileSystem;
  /** folder of the broadcasting offsets */
  localOffsetStoreDir: string;
  /** the registry the instance came from (the retry producer shares it) */
  clientManager: MQClientManager;
  /** whether the consumer is suspended */
  isPause: () => boolean;
  /** told when an assignment changed */
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
 * const engine = new PushConsumerEngine({ config, instance, strategy, listener, ... });
 * await engine.start();
 * await engine.stop();
 * ```
 */
export class PushConsumerEngine {
  /** queue assignment */
  readonly rebalance: RebalanceImpl;
  /** offsets */
  readonly offsetStore: OffsetStore;
  /** pull and consume rates per topic */
  readonly stats: ConsumerStats;
  readonly #o: PushConsumerEngineOptions;
  readonly #timers: ConsumerTimers;
  readonly #puller: PushMessagePuller;
  readonly #concurrently: ConsumeMessageConcurrentlyService | undefined;
  readonly #orderly: ConsumeMessageOrderlyService | undefined;
  #retryProducer: Promise<Producer> | undefined;
  #running = false;

  /** @param options config, instance, strategy, listener and I/O */
  constructor(options: PushConsumerEngineOptions) {
    this.#o = options;
    const { config, instance } = options;
    const { clock, logger } = config.client;
    const group = config.consumerGroup;
    this.stats = new ConsumerStats(clock);
    this.#timers = engineParts.createEngineTimers(options);
    this.offsetStore = engineParts.createEngineOffsetStore(options);
    const settings = { ...config };
    const hooks = new RebalancePushHooks({
      consumerGroup: group,
      messageModel: config.messageModel,
      consumeOrderly: options.listener.orderly,
      thresholds: settings,
      pullFromWhere: config,
      offsetStore: this.offsetStore,
      queries: new QueueOffsetQueries(instance),
      instance,
      dispatch: (requests) => {
        for (const request of requests) this.#puller.executePullRequestImmediately(request);
      },
      onQueuesChanged: options.onQueuesChanged,
      timers: this.#timers,
      clock,
      logger,
    });
    this.rebalance = engineParts.createEngineRebalance(options, hooks);
    hooks.bind(this.rebalance);
    const services = this.#createConsumeService();
    this.#orderly = services.orderly;
    this.#concurrently = services.concurrently;
    this.#puller = this.#createPuller(settings, hooks);
  }

  #createPuller(settings: PullSettings, hooks: RebalancePushHooks): PushMessagePuller {
    const { config, instance, listener, isPause } = this.#o;
    const { clock, logger } = config.client;
    return new PushMessagePuller({
      consumerGroup: config.consumerGroup,
      messageModel: config.messageModel,
      consumeOrderly: listener.orderly,
      settings,
      rebalance: this.rebalance,
      offsetStore: this.offsetStore,
      wrapper: new PullAPIWrapper(instance, config.consumerGroup),
      consume: (pulled, request, dispatchToConsume) => {
        const { processQueue: pq, messageQueue: mq } = request;
        if (this.#orderly !== undefined) {
          if (dispatchToConsume) this.#orderly.submitConsumeRequest(pq, mq);
        } else {
          this.#concurrently!.submitConsumeRequest(pulled.msgFoundList, pq, mq);
        }
      },
      computePullFromWhere: (request) => hooks.computePullFromWhere(request.messageQueue),
      rebalanceImmediately: () => instance.rebalanceImmediately(),
      isPause,
      timers: this.#timers,
      clock,
      logger,
      stats: this.stats,
    });
  }

  #createConsumeService(): {
    orderly?: ConsumeMessageOrderlyService;
    concurrently?: ConsumeMessageConcurrentlyService;
  } {
    const { config, listener, maxReconsumeTimes } = this.#o;
    const { clock, logger } = config.client;
    const common = {
      consumerGroup: config.consumerGroup,
      messageModel: config.messageModel,
      consumeMessageBatchMaxSize: config.consumeMessageBatchMaxSize,
      offsetStore: this.offsetStore,
      limiter: new ConsumeLimiter(config.consumeThreadMax),
      timers: this.#timers,
      clock,
      logger,
      stats: this.stats,
    };
    if (listener.orderly) {
      return {
        orderly: new ConsumeMessageOrderlyService({
          ...common,
          maxReconsumeTimes,
          suspendCurrentQueueTimeMillis: config.suspendCurrentQueueTimeMillis,
          listener: listener.fn,
          rebalance: this.rebalance,
          // Java's orderly sendMessageBack keeps the count the message reached.
          sendMessageBackAsNormalMessage: (msg) =>
            this.#sendMessageBackAsNormalMessage(msg, msg.reconsumeTimes),
        }),
      };
    }
    return {
      concurrently: new ConsumeMessageConcurrentlyService({
        ...common,
        listener: listener.fn,
        sendMessageBack: (msg, delayLevel, mq) => this.#sendMessageBack(msg, delayLevel, mq),
      }),
    };
  }

  /**
   * Loads offsets, starts the instance and lock renewal, fetches routes, has the brokers check the
   * subscriptions that are not tag expressions, and announces the group (RocketMQ's order).
   *
   * @throws {MQClientError} when the local offsets file and its backup are unreadable, or a broker
   *   refuses a subscription (its code and remark)
   */
  async start(): Promise<void> {
    await this.offsetStore.load();
    this.#orderly?.start();
    if (this.#concurrently !== undefined) {
      const periodMs = this.#o.config.consumeTimeout * 60_000;
      this.#timers.every(periodMs, periodMs, async () => {
        await this.cleanExpiredMessages();
      });
    }
    await this.#o.instance.start();
    this.#running = true;
    await this.#updateRoutes(false);
    await this.#o.instance.checkClientInBroker();
    await this.#o.instance.sendHeartbeatToAllBrokerWithLock();
    await this.#updateRoutes(true);
  }

  /**
   * Adds a subscription; while running the route is fetched, the broker told and queues
   * rebalanced.
   *
   * @param data the subscription
   */
  addSubscription(data: SubscriptionData): void {
    this.rebalance.subscriptionInner.set(data.topic, data);
    if (!this.#running) return;
    engineParts.announceSubscription(this.#o, data.topic);
  }

  /**
   * Sends back the messages a concurrent listener has held longer than `consumeTimeout`
   * (RocketMQ `cleanExpireMsg`); runs every `consumeTimeout` minutes.
   * @returns messages sent back
   */
  async cleanExpiredMessages(): Promise<number> {
    if (this.#concurrently === undefined) return 0;
    const timeoutMs = this.#o.config.consumeTimeout * 60_000;
    let sent = 0;
    for (const [mq, pq] of [...this.rebalance.processQueues()]) {
      sent += await this.#concurrently.cleanExpiredMessages(pq, mq, timeoutMs);
    }
    return sent;
  }

  /**
   * Moves the held queues of `topic` found in `offsets` there (a reset by time): each queue's
   * cache is dropped, its offset set, frozen against late consume results, and committed, and
   * the queue released; the rebalance that follows takes it again from the committed offset.
   *
   * @param topic the reset topic
   * @param offsets the new offset per queue (other brokers' queues are ignored)
   */
  async resetOffset(topic: string, offsets: readonly [MessageQueue, number][]): Promise<void> {
    const held = new Set(this.rebalance.messageQueues().map(messageQueueKey));
    for (const [mq, offset] of offsets) {
      if (mq.topic !== topic || !held.has(messageQueueKey(mq))) continue;
      this.offsetStore.updateAndFreezeOffset(mq, offset);
      await this.offsetStore.persist(mq);
      await this.rebalance.removeProcessQueue(mq); // drops the cache, persists, forgets the offset
    }
    this.#o.instance.rebalanceImmediately();
  }

  /**
   * RocketMQ `consumeMessageDirectly`: hands one message to the listener (CONSUME_MESSAGE_DIRECTLY).
   *
   * @param msg the message
   * @param brokerName the broker it is stored on
   * @returns how the listener took it
   */
  consumeMessageDirectly(
    msg: MessageExt,
    brokerName: string,
  ): Promise<ConsumeMessageDirectlyResult> {
    const { config, listener } = this.#o;
    const { clock, logger } = config.client;
    return consumeMessageDirectly(
      { consumerGroup: config.consumerGroup, listener, clock, logger },
      msg,
      brokerName,
    );
  }

  /**
   * The `mqTable` of GET_CONSUMER_RUNNING_INFO: each held queue's cache with its committed offset
   * (memory first, then the store).
   *
   * @returns the held queues and their info
   */
  async processQueueInfos(): Promise<[MessageQueue, ProcessQueueInfo][]> {
    const out: [MessageQueue, ProcessQueueInfo][] = [];
    for (const [mq, pq] of [...this.rebalance.processQueues()]) {
      out.push([mq, pq.info(await this.offsetStore.readOffset(mq, "MEMORY_FIRST_THEN_STORE"))]);
    }
    return out;
  }

  /** Persists the offsets of every held queue. */
  async persistConsumerOffset(): Promise<void> {
    await this.offsetStore.persistAll(this.rebalance.messageQueues());
  }

  /**
   * Stops pulls and delayed work, waits for running listener calls (up to
   * `awaitTerminationMillisWhenShutdown`), persists offsets, then releases orderly queue locks.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#puller.stop();
    this.#timers.cancelAll();
    this.#orderly?.stopConsuming();
    const waitMs = this.#o.config.awaitTerminationMillisWhenShutdown;
    if (waitMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#concurrently?.idle() ?? this.#orderly?.idle(),
        new Promise<void>((resolve) => timer = setTimeout(resolve, waitMs)),
      ]);
      clearTimeout(timer);
    }
    await this.persistConsumerOffset();
    await this.#orderly?.shutdown();
  }

  /** Stops pulls and delayed work without persisting (a start that failed). */
  cancel(): void {
    this.#running = false;
    this.#puller.stop();
    this.#timers.cancelAll();
  }

  /** Shuts down the producer used for retry sends, if one was started. */
  async closeRetryProducer(): Promise<void> {
    const pending = this.#retryProducer;
    this.#retryProducer = undefined;
    if (pending === undefined) return;
    try {
      await (await pending).shutdown();
    } catch (error) {
      this.#o.config.client.logger.warn(
        `Closing the retry producer failed: ${(error as Error).message}`,
      );
    }
  }

  async #updateRoutes(onlyMissing: boolean): Promise<void> {
    for (const topic of [...this.rebalance.subscriptionInner.keys()]) {
      if (onlyMissing && this.rebalance.topicSubscribeInfo(topic) !== undefined) continue;
      await engineParts.updateRouteLogged(this.#o, topic);
    }
  }

  /** CONSUMER_SEND_MSG_BACK to the queue's master; on failure a send to the retry topic. */
  async #sendMessageBack(msg: MessageExt, delayLevel: number, mq: MessageQueue): Promise<void> {
    const { instance, config } = this.#o;
    const addr = instance.brokers.findBrokerAddressInPublish(mq.brokerName) ?? msg.storeHost;
    try {
      await instance.api.consumerSendMessageBack(addr, msg, {
        group: config.consumerGroup,
        delayLevel,
        maxReconsumeTimes: this.#o.maxReconsumeTimes,
        unitMode: config.client.unitMode,
      }, SEND_BACK_TIMEOUT_MS);
    } catch (error) {
      config.client.logger.warn(
        `Failed to send message back, consumerGroup=${config.consumerGroup}, message=${msg.msgId}: ${
          (error as Error).message
        }`,
      );
      await this.#sendMessageBackAsNormalMessage(msg, msg.reconsumeTimes + 1);
    }
  }

  /**
   * RocketMQ `sendMessageBackAsNormalMessage`: the message re-sent to `%RETRY%<group>` with
   * RECONSUME_TIME `reconsumeTimes` (the concurrent fallback counts this try; the orderly
   * service sends the count reached, which the broker compares with the maximum for the DLQ).
   */
  async #sendMessageBackAsNormalMessage(msg: MessageExt, reconsumeTimes: number): Promise<void> {
    const group = this.#o.config.consumerGroup;
    const retry = new Message({ topic: getRetryTopic(group), body: msg.body, flag: msg.flag });
    for (const [name, value] of msg.properties) retry.putProperty(name, value);
    const origin = msg.properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID);
    retry.putProperty(
      MessageConst.PROPERTY_ORIGIN_MESSAGE_ID,
      origin === undefined || origin.trim() === "" ? msg.msgId : origin,
    );
    retry.putProperty(MessageConst.PROPERTY_RETRY_TOPIC, msg.topic);
    retry.putProperty(MessageConst.PROPERTY_RECONSUME_TIME, String(reconsumeTimes));
    retry.putProperty(MessageConst.PROPERTY_MAX_RECONSUME_TIMES, String(this.#o.maxReconsumeTimes));
    retry.putProperty(MessageConst.PROPERTY_TRANSACTION_PREPARED, undefined);
    retry.delayTimeLevel = 3 + msg.reconsumeTimes;
    const producer = await this.#producer();
    await producer.send(retry);
  }

  #producer(): Promise<Producer> {
    if (!this.#running) {
      return Promise.reject(new MQClientError("The consumer is shutting down; cannot send back"));
    }
    this.#retryProducer ??= (async () => {
      const client = this.#o.config.client;
      const producer = new Producer({
        producerGroup: `${this.#o.config.consumerGroup}_RETRY_SENDER`,
        namesrvAddr: client.namesrvAddrs.join(";"),
        instanceName: client.instanceName,
        clientIP: client.clientIP,
        unitName: client.unitName,
        serializeType: client.serializeType,
        transport: client.transport,
        clock: client.clock,
        logger: client.logger,
        env: client.env,
        clientManager: this.#o.clientManager,
      });
      await producer.start();
      return producer;
    })();
    return this.#retryProducer;
  }
}

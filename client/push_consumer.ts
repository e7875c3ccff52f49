/**
 * The push consumer (RocketMQ `DefaultMQPushConsumer`): subscribe to topics, register a listener,
 * `start()`; the consumer then rebalances queues with the rest of its group, long-polls each of
 * its queues and calls the listener, concurrently or in per-queue order, committing offsets of
 * consumed messages (to the broker in CLUSTERING, to a local file in BROADCASTING).
 *
 * @module
 */

import { MQClientError, suggestTodo } from "./client_error.ts";
import { buildSubscriptionData, type ConsumeType, type ExpressionType } from "./heartbeat_data.ts";
import type { MessageQueue } from "./message_queue.ts";
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
  type PushConsumerConfig,
  type PushConsumerOptions,
  resolvePushConsumerConfig,
} from "./push_consumer_options.ts";
import { ConsumerBase } from "./_consumer_base.ts";
import { PUSH_CONSUMER_PROPERTY_KEYS } from "./consumer/_running_info.ts";
import {
  type ConsumeMessageDirectlyResult,
  type ConsumerRunningInfo,
  PROP_CONSUME_ORDERLY,
  PROP_THREADPOOL_CORE_SIZE,
} from "./consumer_running_info.ts";
import type { MessageExt } from "./message.ts";

export type { ConsumerState } from "./_consumer_base.ts";

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
 * import { ConsumeConcurrentlyStatus } from "./consumer/message_listener.ts";
 * const consumer = new PushConsumer({
 *   consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876",
 *   consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
 * });
 * consumer.subscribe("TopicTest", "TagA || TagB");
 * consumer.registerMessageListener(async (msgs, context) => {
 *   for (const msg of msgs) console.log(msg.topic, msg.tags, msg.queueId, msg.queueOffset, msg.bodyText);
 *   return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
 * });
 * await consumer.start();
 * // … later
 * await consumer.shutdown();
 * ```
 */
export class PushConsumer
  extends ConsumerBase<PushConsumerOptions, PushConsumerConfig, PushConsumerEngine> {
  #listener: Listener | undefined;
  #pause = false;

  /**
   * @param options group, model, start position, tuning and client options; I/O and strategy
   * @throws {ClientConfigError} naming each bad option
   * @throws {MQClientError} for RocketMQ's configuration errors (group, timestamp, long polling)
   */
  constructor(options: PushConsumerOptions) {
    super(options, resolvePushConsumerConfig);
  }

  /** the consumer group */
  get consumerGroup(): string {
    return this.config.consumerGroup;
  }

  /** push consumers are passive */
  get consumeType(): ConsumeType {
    return "CONSUME_PASSIVELY";
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
   * @param expressionType TAG (default) or SQL92; `start()` fails when the broker cannot filter by
   *   it
   * @throws {MQClientError} for a TAG expression made only of `||` (RocketMQ: "subscription
   *   exception")
   */
  subscribe(topic: string, subExpression = "*", expressionType: ExpressionType = "TAG"): void {
    const data = buildSubscriptionData(topic, subExpression, {
      expressionType,
      subVersion: this.config.client.clock.now(),
    });
    this.subscriptionTable.set(topic, data);
    this.engine?.addSubscription(data);
  }

  /**
   * Removes a subscription (RocketMQ `unsubscribe`); its queues are dropped at the next rebalance.
   *
   * @param topic the topic
   */
  unsubscribe(topic: string): void {
    this.subscriptionTable.delete(topic);
    this.engine?.rebalance.subscriptionInner.delete(topic);
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

  /** Stops pulling and rebalancing until {@linkcode PushConsumer.resume}. */
  suspend(): void {
    this.#pause = true;
  }

  /** Resumes after {@linkcode PushConsumer.suspend} and rebalances at once. */
  resume(): void {
    this.#pause = false;
    this.instance?.rebalanceImmediately();
  }

  /**
   * @param topic only this topic, when given
   * @returns the queues this consumer currently works on
   */
  assignedQueues(topic?: string): MessageQueue[] {
    const all = this.engine?.rebalance.messageQueues() ?? [];
    return topic === undefined ? all : all.filter((mq) => mq.topic === topic);
  }

  /**
   * @param topic only this topic, when given
   * @returns the in-memory offsets (next to consume) per queue
   */
  offsets(topic?: string): Map<MessageQueue, number> {
    return this.engine?.offsetStore.cloneOffsetTable(topic) ?? new Map();
  }

  /**
   * Starts the consumer (RocketMQ `start`): checks the configuration, joins the shared client
   * instance, loads offsets, has the brokers check its subscriptions, announces the group with a
   * heartbeat and rebalances at once. A failed start leaves the group and releases the instance.
   *
   * @throws {MQClientError} when started before, no listener or strategy is set, the group is
   *   already registered on the client instance, or a broker refuses a subscription that is not a
   *   tag expression (CHECK_CLIENT_CONFIG: the broker's code and remark)
   */
  start(): Promise<void> {
    return this.trackStart(this.#start());
  }

  async #start(): Promise<void> {
    const strategy = this.beginStart("PushConsumer");
    const listener = this.#listener;
    if (listener === undefined) throw new MQClientError(`messageListener is null${suggestTodo()}`);
    const instance = this.manager.acquire(this.config.client);
    const engine = new PushConsumerEngine({
      config: this.config,
      instance,
      strategy,
      listener,
      maxReconsumeTimes: this.maxReconsumeTimes,
      fs: this.fileSystem(),
      localOffsetStoreDir: this.localOffsetStoreDir(),
      clientManager: this.manager,
      isPause: () => this.#pause,
      onQueuesChanged: (topic, mqAll, mqDivided) => this.emitQueuesChanged(topic, mqAll, mqDivided),
    });
    for (const data of this.subscriptionTable.values()) {
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
    await this.registerOn(instance);
    await this.launch(instance, engine, () => engine.start());
    instance.rebalanceImmediately();
  }

  /**
   * Stops pulling and consuming, persists offsets, leaves the group (UNREGISTER_CLIENT) and
   * releases the client instance. Idempotent.
   */
  async shutdown(): Promise<void> {
    await this.stopRunning((engine) => engine.closeRetryProducer());
  }

  /** See {@linkcode MQConsumerInner.doRebalance}; skipped while suspended. */
  async doRebalance(): Promise<void> {
    if (this.#pause || this.serviceState !== "RUNNING" || this.engine === undefined) return;
    await this.engine.rebalance.doRebalance(this.consumeOrderly);
  }

  /** See {@linkcode MQConsumerInner.persistConsumerOffset}. */
  async persistConsumerOffset(): Promise<void> {
    if (this.serviceState !== "RUNNING" || this.engine === undefined) return;
    await this.engine.persistConsumerOffset();
  }

  /**
   * RocketMQ `consumerRunningInfo` (GET_CONSUMER_RUNNING_INFO): settings, orderly or not, the
   * listener concurrency, subscriptions, each held queue's cache and committed offset, and each
   * subscribed topic's pull and consume rates.
   *
   * @returns the running info
   */
  async consumerRunningInfo(): Promise<ConsumerRunningInfo> {
    const info = this.baseRunningInfo(PUSH_CONSUMER_PROPERTY_KEYS);
    info.properties[PROP_CONSUME_ORDERLY] = String(this.consumeOrderly);
    // RocketMQ reports its pool's core size; EdgeMQ runs up to consumeThreadMax listener calls.
    info.properties[PROP_THREADPOOL_CORE_SIZE] = String(this.config.consumeThreadMax);
    const engine = this.engine;
    if (engine === undefined) return info;
    info.mqTable = await engine.processQueueInfos();
    const topics = info.subscriptionSet.map((s) => s.topic);
    info.statusTable = topics.map((topic) => [topic, engine.stats.consumeStatus(topic)]);
    return info;
  }

  /**
   * RocketMQ `consumeMessageDirectly` (CONSUME_MESSAGE_DIRECTLY): hands one message to the
   * listener; no offset moves and nothing is sent back, whatever the outcome.
   *
   * @param msg the message
   * @param brokerName the broker it is stored on
   * @returns the outcome
   * @throws {MQClientError} when the consumer is not running
   */
  consumeMessageDirectly(
    msg: MessageExt,
    brokerName: string,
  ): Promise<ConsumeMessageDirectlyResult> {
    if (this.serviceState !== "RUNNING" || this.engine === undefined) {
      throw new MQClientError(
        `Cannot consume message ${msg.msgId} directly: consumer group ${this.consumerGroup} is ${this.serviceState}`,
      );
    }
    return this.engine.consumeMessageDirectly(msg, brokerName);
  }

  /** See {@linkcode MQConsumerInner.resetOffset}. */
  async resetOffset(topic: string, offsets: readonly [MessageQueue, number][]): Promise<void> {
    if (this.serviceState !== "RUNNING" || this.engine === undefined) return;
    await this.engine.resetOffset(topic, offsets);
  }
}

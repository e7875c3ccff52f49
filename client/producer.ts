/**
 * The producer (RocketMQ `DefaultMQProducer`): synchronous sends with retries and fault avoidance,
 * one-way sends, ordered sends through a selector or sharding key, batches, automatic topic
 * creation through TBW102, body compression, and a bound on sends in flight.
 *
 * @module
 */

import { ProducerSender } from "./_producer_sender.ts";
import { fetchQueuesFromNameServer } from "./_route_lookup.ts";
import { permitTimeout, SendPermits } from "./_send_permits.ts";
import { MQClientError, suggestTodo } from "./client_error.ts";
import { Message, type MessageInit } from "./message.ts";
import { createMessageBatch } from "./message_batch.ts";
import { DEFAULT_PRODUCER_GROUP } from "./message_const.ts";
import type { MessageQueue } from "./message_queue.ts";
import { type MessageQueueSelector, selectMessageQueueByHash } from "./message_queue_selector.ts";
import type { MQClientInstance } from "./mq_client_instance.ts";
import type { MQFaultStrategy } from "./mq_fault_strategy.ts";
import { defaultMQClientManager, type MQClientManager } from "./mq_client_manager.ts";
import {
  type ProducerConfig,
  type ProducerOptions,
  resolveProducerConfig,
} from "./producer_config.ts";
import type { SendResult } from "./send_result.ts";
import { topicRouteData2TopicPublishInfo } from "./topic_publish_info.ts";
import { checkGroup, checkMessage } from "./validators.ts";

/**
 * How one send picks its queue and how long it may take.
 *
 * @example
 * ```ts
 * import type { Producer, SendOptions } from "./producer.ts";
 * async function sendOrderStep(producer: Producer, orderId: string, step: string) {
 *   const options: SendOptions = { shardingKey: orderId, signal: AbortSignal.timeout(10_000) };
 *   return await producer.send({ topic: "OrderTopic", body: step }, options); // key -> one queue
 * }
 * ```
 */
export interface SendOptions {
  /** aborts waiting for a send permit and further retries */
  signal?: AbortSignal;
  /** deadline of the send, retries included; default `sendMsgTimeout` */
  timeoutMs?: number;
  /** send to exactly this queue (no retries), as RocketMQ `send(msg, mq)` */
  messageQueue?: MessageQueue;
  /** choose the queue with this function (no retries), as RocketMQ `send(msg, selector, arg)` */
  selector?: MessageQueueSelector;
  /** the selector's argument */
  arg?: unknown;
  /**
   * ordered messages: same key, same queue (`abs(hashCode(key) % queues)`, RocketMQ
   * `SelectMessageQueueByHash`); ignored when `selector` is given
   */
  shardingKey?: string;
}

/**
 * A message to send: a {@linkcode Message} or what one is built from.
 *
 * @example
 * ```ts
 * import { Message } from "./message.ts";
 * import type { MessageLike, Producer } from "./producer.ts";
 * const messages: MessageLike[] = [
 *   new Message({ topic: "T", body: "built", tags: "TagA" }),
 *   { topic: "T", body: "plain object", keys: "k1" },
 * ];
 * async function sendAll(producer: Producer) {
 *   for (const message of messages) await producer.send(message);
 * }
 * ```
 */
export type MessageLike = Message | MessageInit;

/**
 * RocketMQ `ServiceState` of a producer.
 *
 * @example
 * ```ts
 * import { Producer, type ProducerState } from "./producer.ts";
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" });
 * const state: ProducerState = producer.state;
 * if (state !== "CREATE_JUST") throw new Error("nothing connects before start()");
 * ```
 */
export type ProducerState = "CREATE_JUST" | "RUNNING" | "SHUTDOWN_ALREADY" | "START_FAILED";

function toMessage(m: MessageLike): Message {
  return m instanceof Message ? m : new Message(m);
}

/**
 * A producer. Create it with options, `start()` it, send, `shutdown()`.
 *
 * @example
 * ```ts ignore
 * import { Producer } from "./producer.ts";
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" });
 * await producer.start();
 * const result = await producer.send({ topic: "TopicTest", body: "hello", tags: "TagA" });
 * console.log(result.sendStatus, result.msgId, result.messageQueue.queueId);
 * await producer.send({ topic: "TopicTest", body: "order-1 step 2" }, { shardingKey: "order-1" });
 * await producer.send([{ topic: "TopicTest", body: "a" }, { topic: "TopicTest", body: "b" }]);
 * await producer.sendOneway({ topic: "TopicTest", body: "fire and forget" });
 * await producer.shutdown();
 * ```
 */
export class Producer {
  /** the resolved options */
  readonly config: ProducerConfig;
  readonly #manager: MQClientManager;
  readonly #permits: SendPermits;
  #state: ProducerState = "CREATE_JUST";
  /** the first start, settled (never rejects) */
  #starting: Promise<void> | undefined;
  #instance: MQClientInstance | undefined;
  #sender: ProducerSender | undefined;

  /**
   * Validates the options; nothing connects until {@linkcode Producer.start}.
   *
   * @param options producer and client options, I/O, and the instance registry
   * @throws {ClientConfigError} naming each bad option and what it expects
   */
  constructor(options: ProducerOptions) {
    this.config = resolveProducerConfig(options);
    this.#manager = options.clientManager ?? defaultMQClientManager;
    this.#permits = new SendPermits(this.config.maxInFlight);
  }

  /** the producer group */
  get producerGroup(): string {
    return this.config.producerGroup;
  }

  /** the lifecycle state */
  get state(): ProducerState {
    return this.#state;
  }

  /** the client instance, once started */
  get clientInstance(): MQClientInstance | undefined {
    return this.#instance;
  }

  /** sends holding a permit now */
  get inFlight(): number {
    return this.#permits.inUse;
  }

  /** sends waiting for a permit now */
  get waiting(): number {
    return this.#permits.waiting;
  }

  /** the send-side fault strategy (latency avoidance), once started */
  get faultStrategy(): MQFaultStrategy | undefined {
    return this.#sender?.faultStrategy;
  }

  /**
   * Registers the group on the shared client instance and starts it (RocketMQ `start`).
   *
   * @throws {MQClientError} for a bad or duplicate group, or when started before
   */
  start(): Promise<void> {
    const starting = this.#start();
    // A shutdown during the start waits for it, then stops what it started.
    this.#starting ??= starting.then(() => {}, () => {});
    return starting;
  }

  /** A start the instance refused: gives it back and may start again, as RocketMQ's CREATE_JUST. */
  async #refusedStart(instance: MQClientInstance): Promise<void> {
    await this.#manager.release(instance);
    this.#state = "CREATE_JUST";
    this.#starting = undefined; // set by start() once this start's first await was reached
  }

  async #start(): Promise<void> {
    if (this.#state !== "CREATE_JUST") {
      throw new MQClientError(
        `The producer service state not OK, maybe started once, ${this.#state}${suggestTodo()}`,
      );
    }
    this.#state = "START_FAILED";
    checkGroup(this.producerGroup);
    if (this.producerGroup === DEFAULT_PRODUCER_GROUP) {
      throw new MQClientError(
        `producerGroup can not equal ${DEFAULT_PRODUCER_GROUP}, please specify another one.`,
      );
    }
    const instance = this.#manager.acquire(this.config.client);
    const sender = new ProducerSender(this.config, instance);
    let registered;
    try {
      registered = instance.registerProducer(this.producerGroup, sender);
    } catch (error) {
      await this.#refusedStart(instance); // a full instance
      throw error;
    }
    if (!registered) {
      await this.#refusedStart(instance);
      throw new MQClientError(
        `The producer group[${this.producerGroup}] has been created before, specify another name please.${suggestTodo()}`,
      );
    }
    this.#instance = instance;
    this.#sender = sender;
    await instance.start();
    this.#state = "RUNNING";
    await instance.sendHeartbeatToAllBrokerWithLock();
  }

  /**
   * Fails waiting sends, lets sends in flight finish, unregisters the group (UNREGISTER_CLIENT)
   * and releases the client instance. Idempotent; during a start it waits for the start first.
   */
  async shutdown(): Promise<void> {
    await this.#starting;
    if (this.#state !== "RUNNING") {
      this.#state = "SHUTDOWN_ALREADY";
      return;
    }
    this.#state = "SHUTDOWN_ALREADY";
    this.#permits.rejectAll(
      new MQClientError(`The producer service state not OK, SHUTDOWN_ALREADY${suggestTodo()}`),
    );
    await this.#permits.idle();
    const instance = this.#instance!;
    await instance.unregisterProducer(this.producerGroup);
    await this.#manager.release(instance);
  }

  #running(): ProducerSender {
    if (this.#state !== "RUNNING" || this.#sender === undefined) {
      throw new MQClientError(`The producer service state not OK, ${this.#state}${suggestTodo()}`);
    }
    return this.#sender;
  }

  /**
   * Sends one message, or several as one batch (SEND_BATCH_MESSAGE), and waits for the broker.
   * Waits for a permit first when `maxInFlight` sends are in flight.
   *
   * @param message a message, or an array of messages of one topic (a batch)
   * @param options queue choice, deadline, abort signal
   * @returns the send result
   * @throws {MQClientError} for invalid messages (RocketMQ wording), no route, exhausted retries
   * @throws {MQBrokerError} for a broker error that is not retried
   */
  send(
    message: MessageLike | readonly MessageLike[],
    options: SendOptions = {},
  ): Promise<SendResult> {
    if (Array.isArray(message)) return this.sendBatch(message, options);
    return this.#sendOne(message as MessageLike, options, false) as Promise<
      SendResult
    >;
  }

  /**
   * One message under a permit (the hot path). With a permit free at once there is no async frame:
   * the send's promise gets one `then` with handlers made once per producer.
   */
  #sendOne(
    message: MessageLike,
    options: SendOptions,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    let sent: Promise<SendResult | undefined>;
    try {
      const sender = this.#running();
      if (!this.#permits.tryAcquire(options.signal)) {
        return this.#sendOneWaiting(sender, message, options, oneway);
      }
      try {
        sent = this.#dispatch(sender, toMessage(message), options, oneway);
      } catch (error) {
        this.#permits.release();
        throw error;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return sent.then(this.#releaseOnResult, this.#releaseOnError);
  }

  readonly #releaseOnResult = (result: SendResult | undefined): SendResult | undefined => {
    this.#permits.release();
    return result;
  };

  readonly #releaseOnError = (error: unknown): never => {
    this.#permits.release();
    throw error;
  };

  /** {@linkcode #sendOne} when it has to wait for a permit. */
  async #sendOneWaiting(
    sender: ProducerSender,
    message: MessageLike,
    options: SendOptions,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    const timeoutMs = await this.#acquireWithin(options);
    try {
      return await this.#dispatch(sender, toMessage(message), { ...options, timeoutMs }, oneway);
    } finally {
      this.#permits.release();
    }
  }

  /**
   * Waits for a permit within the send's budget (the wait is part of `timeoutMs`, as a Java
   * async send's permit wait is).
   * @returns the budget left for the send itself
   */
  async #acquireWithin(options: SendOptions): Promise<number> {
    const timeoutMs = options.timeoutMs ?? this.config.client.sendMsgTimeout;
    const clock = this.config.client.clock;
    const begin = clock.now();
    await this.#permits.acquire(options.signal, timeoutMs);
    const left = timeoutMs - (clock.now() - begin);
    if (left > 0) return left;
    this.#permits.release();
    throw permitTimeout(timeoutMs);
  }

  /**
   * Sends messages of one topic as one batch (RocketMQ `send(Collection)`): never compressed, no
   * delay levels, each message its own `UNIQ_KEY`; `msgId` of the result lists them joined by `,`.
   *
   * @param messages the messages
   * @param options deadline and abort signal (queue options apply to the whole batch)
   * @returns the send result
   */
  sendBatch(messages: readonly MessageLike[], options: SendOptions = {}): Promise<SendResult> {
    return this.#withPermit(options, async (sender, timeoutMs) => {
      const all = messages.map(toMessage);
      const batch = createMessageBatch(all, {
        ids: this.#instance!.messageIds,
        maxMessageSize: this.config.maxMessageSize,
      });
      checkMessage(
        new Message({ topic: batch.topic, body: batch.body }),
        this.config.maxMessageSize,
      );
      const out = { kind: "batch", batch } as const;
      if (options.messageQueue !== undefined) {
        return (await sender.sendKernel(
          out,
          this.#checkQueue(batch.topic, options.messageQueue),
          timeoutMs,
          false,
        ))!;
      }
      if (options.selector !== undefined || options.shardingKey !== undefined) {
        // One queue for the whole batch, chosen from its first message, one attempt (ordered).
        const selector = options.selector ?? selectMessageQueueByHash;
        const arg = options.selector !== undefined ? options.arg : options.shardingKey;
        return (await sender.sendSelect(out, all[0], selector, arg, timeoutMs, false))!;
      }
      return (await sender.sendDefault(out, timeoutMs, false, options.signal))!;
    });
  }

  /**
   * Sends without waiting for the broker's answer (RocketMQ `sendOneway`): resolves once the
   * request is written; no retries, no result.
   *
   * @param message the message
   * @param options queue choice and abort signal
   */
  async sendOneway(message: MessageLike, options: SendOptions = {}): Promise<void> {
    await this.#sendOne(message, options, true);
  }

  /**
   * A topic's writable queues as the name server routes it now (RocketMQ
   * `fetchPublishMessageQueues`, through MQAdminImpl): never the send path's cache, which may
   * hold a deleted topic's queues, and never the default topic's template route.
   *
   * @param topic the topic
   * @returns its publishable queues in route order
   * @throws {MQClientError} `Can not find Message Queue for this topic, T` when no name server
   *   answers or the topic has no writable queue
   */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.#running();
    const { api, config } = this.#instance!;
    return await fetchQueuesFromNameServer(
      api,
      config,
      topic,
      (route) => topicRouteData2TopicPublishInfo(topic, route).messageQueueList,
      "Unknow why, ",
    );
  }

  #dispatch(
    sender: ProducerSender,
    msg: Message,
    options: SendOptions,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    checkMessage(msg, this.config.maxMessageSize);
    const timeoutMs = options.timeoutMs ?? this.config.client.sendMsgTimeout;
    const out = { kind: "message", message: msg } as const;
    if (options.messageQueue !== undefined) {
      return sender.sendKernel(
        out,
        this.#checkQueue(msg.topic, options.messageQueue),
        timeoutMs,
        oneway,
      );
    }
    if (options.selector !== undefined || options.shardingKey !== undefined) {
      const selector = options.selector ?? selectMessageQueueByHash;
      const arg = options.selector !== undefined ? options.arg : options.shardingKey;
      return sender.sendSelect(out, msg, selector, arg, timeoutMs, oneway);
    }
    return sender.sendDefault(out, timeoutMs, oneway, options.signal);
  }

  #checkQueue(topic: string, mq: MessageQueue): MessageQueue {
    if (mq.topic !== topic) {
      throw new MQClientError(`message's topic not equal mq's topic`);
    }
    return mq;
  }

  async #withPermit<T>(
    options: SendOptions,
    work: (sender: ProducerSender, timeoutMs: number) => Promise<T>,
  ): Promise<T> {
    const sender = this.#running();
    const timeoutMs = await this.#acquireWithin(options);
    try {
      return await work(sender, timeoutMs);
    } finally {
      this.#permits.release();
    }
  }
}

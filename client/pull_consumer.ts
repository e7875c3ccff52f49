/**
 * The pull consumer (RocketMQ `DefaultLitePullConsumer`): the application asks for messages with
 * `poll()` (or `for await`), instead of registering a listener. Queues come from `subscribe` (split
 * with the rest of the group by rebalance) or `assign` (fixed). Offsets are committed by
 * `commit()` or, with `autoCommit`, every `autoCommitIntervalMillis` at the next `poll`; `seek`
 * moves a queue's position.
 *
 * @module
 */

import { MQClientError } from "./client_error.ts";
import { buildSubscriptionData, type ConsumeType, type ExpressionType } from "./heartbeat_data.ts";
import type { MessageExt } from "./message.ts";
import { type MessageQueue, messageQueueToString } from "./message_queue.ts";
import { PullConsumerEngine } from "./consumer/pull_consumer_engine.ts";
import {
  type PullConsumerConfig,
  type PullConsumerOptions,
  resolvePullConsumerConfig,
} from "./pull_consumer_options.ts";
import { ConsumerBase } from "./_consumer_base.ts";
import { PULL_CONSUMER_PROPERTY_KEYS } from "./consumer/_running_info.ts";
import type { ConsumerRunningInfo } from "./consumer_running_info.ts";

/**
 * RocketMQ's wording when the consumer is used before `start()` or after `shutdown()`.
 *
 * @example
 * ```ts
 * import { NOT_RUNNING_EXCEPTION_MESSAGE, PullConsumer } from "./pull_consumer.ts";
 * const consumer = new PullConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * try {
 *   await consumer.poll(); // before start()
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if ((error as Error).message !== NOT_RUNNING_EXCEPTION_MESSAGE) throw error;
 * }
 * ```
 */
export const NOT_RUNNING_EXCEPTION_MESSAGE = "The consumer not running, please start it first.";
/**
 * RocketMQ's wording when `subscribe` and `assign` are mixed.
 *
 * @example
 * ```ts
 * import { PullConsumer, SUBSCRIPTION_CONFLICT_EXCEPTION_MESSAGE } from "./pull_consumer.ts";
 * const consumer = new PullConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * consumer.subscribe("TopicTest", "*");
 * try {
 *   consumer.assign([{ topic: "TopicTest", brokerName: "broker-a", queueId: 0 }]);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if ((error as Error).message !== SUBSCRIPTION_CONFLICT_EXCEPTION_MESSAGE) throw error;
 * }
 * ```
 */
export const SUBSCRIPTION_CONFLICT_EXCEPTION_MESSAGE =
  "Subscribe and assign are mutually exclusive.";

/**
 * Options of {@linkcode PullConsumer.poll}.
 *
 * @example
 * ```ts
 * import type { PollOptions, PullConsumer } from "./pull_consumer.ts";
 * async function pollUntilAborted(consumer: PullConsumer, signal: AbortSignal) {
 *   const options: PollOptions = { timeoutMs: 1000, signal };
 *   while (!signal.aborted) {
 *     for (const msg of await consumer.poll(options)) console.log(msg.queueOffset, msg.bodyText);
 *   }
 * }
 * ```
 */
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
export class PullConsumer
  extends ConsumerBase<PullConsumerOptions, PullConsumerConfig, PullConsumerEngine> {
  readonly #assignExpressions = new Map<string, string>();
  #mode: "NONE" | "SUBSCRIBE" | "ASSIGN" = "NONE";
  #assignedQueues: MessageQueue[] = [];

  /**
   * @param options group, model, start position, tuning and client options; I/O and strategy
   * @throws {ClientConfigError} naming each bad option
   * @throws {MQClientError} for RocketMQ's configuration errors
   */
  constructor(options: PullConsumerOptions) {
    super(options, resolvePullConsumerConfig);
  }

  /** pull consumers are active */
  get consumeType(): ConsumeType {
    return "CONSUME_ACTIVELY";
  }

  /**
   * Subscribes to a topic; its queues are shared with the group by rebalance.
   *
   * @param topic the topic
   * @param subExpression `*` (all), tags `TagA || TagB`, or an SQL92 expression
   * @param expressionType TAG (default) or SQL92 (RocketMQ `MessageSelector.bySql`); `start()`
   *   fails when the broker cannot filter by it
   * @throws {Error} `Subscribe and assign are mutually exclusive.` after `assign`
   * @throws {MQClientError} for a TAG expression made only of `||` (RocketMQ: "subscription
   *   exception")
   */
  subscribe(topic: string, subExpression = "*", expressionType: ExpressionType = "TAG"): void {
    if (topic.trim() === "") throw new RangeError("Topic can not be null or empty.");
    this.#setMode("SUBSCRIBE");
    const data = buildSubscriptionData(topic, subExpression, {
      expressionType,
      subVersion: this.config.client.clock.now(),
    });
    this.subscriptionTable.set(topic, data);
    this.engine?.addSubscription(data);
  }

  /**
   * Removes a subscription; its queues are released at the next rebalance.
   *
   * @param topic the topic
   */
  unsubscribe(topic: string): void {
    this.subscriptionTable.delete(topic);
    this.engine?.removeSubscription(topic);
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
    this.engine?.assign(this.#assignedQueues);
  }

  /**
   * The tag expression to pull assigned queues of a topic with (RocketMQ `setSubExpression4Assign`).
   *
   * @param topic the topic
   * @param subExpression its expression
   * @throws {MQClientError} after `start()`, or for an expression made only of `||`
   */
  setSubExpressionForAssign(topic: string, subExpression: string): void {
    if (this.serviceState !== "CREATE_JUST") {
      throw new MQClientError("setAssignTag only can be called before start.");
    }
    buildSubscriptionData(topic, subExpression); // refuses an expression of only `||` now
    this.#setMode("ASSIGN");
    this.#assignExpressions.set(topic, subExpression);
  }

  #setMode(mode: "SUBSCRIBE" | "ASSIGN"): void {
    if (this.#mode === "NONE") this.#mode = mode;
    else if (this.#mode !== mode) throw new Error(SUBSCRIPTION_CONFLICT_EXCEPTION_MESSAGE);
  }

  /**
   * Starts the consumer: joins the client instance, loads offsets, announces the group and (in
   * subscribe mode) rebalances at once.
   *
   * @throws {MQClientError} when started before, no strategy is set, the group is taken, or a
   *   broker refuses a subscription that is not a tag expression (the broker's code and remark)
   */
  start(): Promise<void> {
    return this.trackStart(this.#start());
  }

  async #start(): Promise<void> {
    const strategy = this.beginStart("PullConsumer");
    const instance = this.manager.acquire(this.config.client);
    await this.registerOn(instance);
    const engine = new PullConsumerEngine({
      config: this.config,
      instance,
      strategy,
      fs: this.fileSystem(),
      localOffsetStoreDir: this.localOffsetStoreDir(),
      assignExpressions: this.#assignExpressions,
      onQueuesChanged: (topic, mqAll, mqDivided) => this.emitQueuesChanged(topic, mqAll, mqDivided),
    });
    for (const data of this.subscriptionTable.values()) {
      engine.rebalance.subscriptionInner.set(data.topic, data);
    }
    await this.launch(
      instance,
      engine,
      () => engine.start(this.#mode === "ASSIGN" ? this.#assignedQueues : undefined),
    );
    if (this.#mode === "SUBSCRIBE") instance.rebalanceImmediately();
  }

  /**
   * Stops pulling, persists committed offsets, leaves the group and releases the client instance;
   * waiting polls return empty. Idempotent.
   */
  async shutdown(): Promise<void> {
    await this.stopRunning();
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
    if (!(timeoutMs >= 0)) {
      throw new RangeError(
        timeoutMs < 0 ? "Timeout must not be negative" : `Timeout must be ms, got ${timeoutMs}`,
      );
    }
    return await engine.poll(timeoutMs, options.signal);
  }

  /**
   * Yields messages one by one, polling as needed, until the consumer shuts down or the loop
   * breaks. A loop that leaves in the middle of a polled batch gets the rest of it again later:
   * only the messages it was handed count as consumed.
   *
   * @returns an async iterator of messages
   */
  async *[Symbol.asyncIterator](): AsyncIterator<MessageExt> {
    while (this.serviceState === "RUNNING") {
      const engine = this.#running();
      const batch = await engine.pollBatch(this.config.pollTimeoutMillis, undefined, true);
      if (batch === undefined) continue;
      const { mq, messages, endOffset } = batch;
      const state = engine.assigned.state(mq);
      const seeks = state?.seeks;
      const current = () => engine.assigned.state(mq) === state && state?.seeks === seeks;
      let next = 0;
      try {
        // Until the queue is dropped or sought: the rest of the batch is from before that.
        while (next < messages.length && current()) {
          // A commit in the loop's body covers the messages handed out so far, no more.
          const after = next + 1 < messages.length ? messages[next + 1].queueOffset : endOffset;
          engine.assigned.updateConsumeOffset(mq, after);
          yield messages[next++];
        }
      } finally {
        // Left early (break, return, a throw): put the queue back to the first message not
        // handed out, so it comes again (the consume offset already stops there).
        const rest = messages[next];
        if (rest !== undefined && this.serviceState === "RUNNING" && current()) {
          engine.rewind(mq, rest.queueOffset);
        }
      }
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
    return this.engine?.assigned.messageQueues() ?? [];
  }

  /**
   * @param topic a topic
   * @returns its readable queues from the name server
   */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    return await this.#running().fetchMessageQueues(topic);
  }

  #running(): PullConsumerEngine {
    if (this.serviceState !== "RUNNING" || this.engine === undefined) {
      throw new Error(NOT_RUNNING_EXCEPTION_MESSAGE);
    }
    return this.engine;
  }

  /** See {@linkcode MQConsumerInner.doRebalance}; nothing in assign mode. */
  async doRebalance(): Promise<void> {
    if (this.serviceState !== "RUNNING" || this.#mode !== "SUBSCRIBE") return;
    await this.engine?.rebalance.doRebalance(false);
  }

  /** See {@linkcode MQConsumerInner.persistConsumerOffset}. */
  /**
   * RocketMQ's lite pull `consumerRunningInfo` (GET_CONSUMER_RUNNING_INFO): settings, start time
   * and subscriptions.
   *
   * @returns the running info
   */
  consumerRunningInfo(): Promise<ConsumerRunningInfo> {
    return Promise.resolve(this.baseRunningInfo(PULL_CONSUMER_PROPERTY_KEYS));
  }

  async persistConsumerOffset(): Promise<void> {
    if (this.serviceState !== "RUNNING") return;
    await this.engine?.persistConsumerOffset();
  }
}

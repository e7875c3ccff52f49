/**
 * The client instance shared by every producer and consumer of one client id (RocketMQ
 * `MQClientInstance`): topic routes polled from the name servers, the broker address table,
 * heartbeats with producer and consumer groups, consumer rebalance and offset-persist scheduling,
 * broker→client requests (NOTIFY_CONSUMER_IDS_CHANGED triggers a rebalance), and UNREGISTER_CLIENT
 * on the way out. Every timer stops at {@linkcode MQClientInstance.shutdown}.
 *
 * @module
 */

import type { RemotingProcessor } from "../protocol/remoting_channel.ts";
import { fetchTopicRoute } from "./_route_lookup.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { AsyncLock } from "./_async_lock.ts";
import { Listeners } from "./_listeners.ts";
import { PeriodicTasks } from "./_periodic_tasks.ts";
import type { ClientConfig } from "./client_config.ts";
import { MQClientError } from "./client_error.ts";
import {
  FIRST_HEARTBEAT_DELAY_MS,
  FIRST_PERSIST_DELAY_MS,
  FIRST_ROUTE_POLL_DELAY_MS,
  GROUPS_PER_INSTANCE_MAX,
  NAMESRV_LOCK_WAIT_MS,
  TOPIC_ROUTES_MAX,
} from "./limits.ts";
import { MessageClientIdGenerator } from "./message_client_id.ts";
import { MQClientAPI } from "./mq_client_api.ts";
import { ClientBrokerTable } from "./client_broker_table.ts";
import {
  topicRouteData2TopicPublishInfo,
  topicRouteData2TopicSubscribeInfo,
} from "./topic_publish_info.ts";
import { cloneTopicRouteData, type TopicRouteData, topicRouteDataChanged } from "./topic_route.ts";
import type {
  MQClientInstanceEvents,
  MQConsumerInner,
  MQProducerInner,
} from "./mq_client_inner.ts";

/**
 * Lifecycle of an instance (RocketMQ `ServiceState`).
 * @example
 * ```ts
 * import type { MQClientInstance, ServiceState } from "./mq_client_instance.ts";
 * const isRunning = (i: MQClientInstance) => i.state === ("RUNNING" satisfies ServiceState);
 * ```
 */
export type ServiceState = "CREATE_JUST" | "RUNNING" | "SHUTDOWN_ALREADY" | "START_FAILED";

/**
 * Options of {@linkcode MQClientInstance.updateTopicRouteInfoFromNameServer}.
 * @example
 * ```ts
 * import type { MQClientInstance, UpdateRouteOptions } from "./mq_client_instance.ts";
 * const autoCreate: UpdateRouteOptions = { isDefault: true, defaultTopicQueueNums: 4 }; // TBW102
 * const routeForNewTopic = (instance: MQClientInstance, topic: string) =>
 *   instance.updateTopicRouteInfoFromNameServer(topic, autoCreate);
 * ```
 */
export interface UpdateRouteOptions {
  /** use the auto-create template's route (`createTopicKey`, default TBW102) */
  isDefault?: boolean;
  /** template topic */
  createTopicKey?: string;
  /** queue count per broker to assume for the new topic (RocketMQ `defaultTopicQueueNums`) */
  defaultTopicQueueNums?: number;
}

/**
 * A client instance. Obtain one through `MQClientManager` so producers and consumers of one client
 * id share it; call {@linkcode MQClientInstance.start} once.
 *
 * @example
 * ```ts
 * import { MQClientInstance } from "./mq_client_instance.ts";
 * import { resolveClientConfig } from "./client_config.ts";
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876", clientIP: "127.0.0.1" });
 * const instance = new MQClientInstance(config);
 * if (instance.clientId !== config.clientId) throw new Error();
 * await instance.shutdown();
 * ```
 */
export class MQClientInstance {
  /** the resolved config */
  readonly config: ClientConfig;
  /** `clientIP@instanceName[@unitName]` */
  readonly clientId: string;
  /** typed remote calls */
  readonly api: MQClientAPI;
  /** `UNIQ_KEY` generator shared by this instance's producers */
  readonly messageIds: MessageClientIdGenerator;
  /** broker names → addresses by id, filled from routes */
  readonly brokers: ClientBrokerTable;
  readonly #producers = new Map<string, MQProducerInner>();
  readonly #consumers = new Map<string, MQConsumerInner>();
  readonly #routes = new Map<string, TopicRouteData>();
  readonly #tasks: PeriodicTasks;
  readonly #namesrvLock = new AsyncLock();
  readonly #pendingRoutes = new Map<string, Promise<boolean>>();
  readonly #listeners: Listeners<MQClientInstanceEvents>;
  #state: ServiceState = "CREATE_JUST";

  /**
   * Creates an instance; nothing runs until {@linkcode MQClientInstance.start}.
   * @param config the resolved client config
   * @param api remote calls to use; default a new {@linkcode MQClientAPI} on the config's transport
   */
  constructor(config: ClientConfig, api?: MQClientAPI) {
    this.config = config;
    this.clientId = config.clientId;
    this.api = api ?? new MQClientAPI(config);
    this.messageIds = new MessageClientIdGenerator({
      clientIP: config.clientIP,
      pid: config.env.pid,
      clock: config.clock,
    });
    this.brokers = new ClientBrokerTable({
      api: this.api,
      clientId: this.clientId,
      timeoutMs: config.mqClientApiTimeout,
      vipChannelEnabled: config.vipChannelEnabled,
      logger: config.logger,
      routes: () => this.#routes.values(),
      producerGroups: () => this.#producers.keys(),
    });
    this.#tasks = new PeriodicTasks(config.logger);
    this.#listeners = new Listeners<MQClientInstanceEvents>(config.logger);
    this.api.remotingClient.registerProcessor(
      RequestCode.NOTIFY_CONSUMER_IDS_CHANGED,
      this.#onConsumerIdsChanged,
    );
    // RocketMQ 5.x `onChannelActive`: a (re)connected broker gets a heartbeat, then a rebalance.
    this.api.remotingClient.on("connect", (channel) => {
      if (this.#state !== "RUNNING") return;
      this.brokers.heartbeatOnChannelActive(channel.remoteAddress, () => this.#consumers.values())
        .then((sent) => sent && this.rebalanceImmediately());
    });
  }

  /** the lifecycle state */
  get state(): ServiceState {
    return this.#state;
  }

  /**
   * Starts the periodic work: route polls (first after 10 ms), heartbeats (after 1 s), offset
   * persistence (after 10 s) and rebalance, as RocketMQ schedules them; a period shorter than its
   * first delay (tests) starts after one period instead. Idempotent while running.
   *
   * @throws {MQClientError} when the instance was shut down
   */
  start(): Promise<void> {
    if (this.#state === "RUNNING") return Promise.resolve();
    if (this.#state !== "CREATE_JUST") {
      throw new MQClientError(
        `The Factory object[${this.clientId}] has been created before, and failed.`,
      );
    }
    const c = this.config;
    this.#tasks.schedule(
      "route",
      Math.min(FIRST_ROUTE_POLL_DELAY_MS, c.pollNameServerInterval),
      c.pollNameServerInterval,
      () => this.updateAllTopicRouteInfo(),
    );
    this.#tasks.schedule(
      "heartbeat",
      Math.min(FIRST_HEARTBEAT_DELAY_MS, c.heartbeatBrokerInterval),
      c.heartbeatBrokerInterval,
      async () => {
        this.brokers.cleanOfflineBroker();
        await this.sendHeartbeatToAllBrokerWithLock();
      },
    );
    this.#tasks.schedule(
      "persist",
      Math.min(FIRST_PERSIST_DELAY_MS, c.persistConsumerOffsetInterval),
      c.persistConsumerOffsetInterval,
      () => this.#persistAll(),
    );
    this.#tasks.schedule(
      "rebalance",
      c.rebalanceInterval,
      c.rebalanceInterval,
      () => this.doRebalance(),
    );
    this.#state = "RUNNING";
    return Promise.resolve();
  }

  /**
   * Stops every timer, sends UNREGISTER_CLIENT for each group still registered, and closes all
   * connections. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#state === "SHUTDOWN_ALREADY") return;
    this.#state = "SHUTDOWN_ALREADY";
    await this.#tasks.stop();
    for (const group of [...this.#producers.keys()]) await this.unregisterProducer(group);
    for (const group of [...this.#consumers.keys()]) await this.unregisterConsumer(group);
    await this.api.shutdown();
  }

  /**
   * Subscribes to an event.
   * @param type event name
   * @param listener called synchronously
   * @returns a function that unsubscribes
   */
  on<K extends keyof MQClientInstanceEvents>(
    type: K,
    listener: MQClientInstanceEvents[K],
  ): () => void {
    return this.#listeners.on(type, listener);
  }

  /**
   * Sets the processor of a broker→client request code (e.g. RESET_CONSUMER_CLIENT_OFFSET,
   * GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY, CHECK_TRANSACTION_STATE).
   *
   * @param code request code
   * @param processor its handler
   */
  registerProcessor(code: number, processor: RemotingProcessor): void {
    this.api.remotingClient.registerProcessor(code, processor);
  }

  /** the producer groups registered */
  get producerGroups(): string[] {
    return [...this.#producers.keys()];
  }

  /** the consumer groups registered */
  get consumerGroups(): string[] {
    return [...this.#consumers.keys()];
  }

  /**
   * Registers a producer group (RocketMQ `registerProducer`).
   * @param group the group
   * @param producer its callbacks
   * @returns false when the group is already registered on this instance
   * @throws {MQClientError} when more than `GROUPS_PER_INSTANCE_MAX` groups would be registered
   */
  registerProducer(group: string, producer: MQProducerInner): boolean {
    if (this.#producers.has(group)) return false;
    this.#checkRoom();
    this.#producers.set(group, producer);
    return true;
  }

  /**
   * Registers a consumer group (RocketMQ `registerConsumer`). Its subscriptions go into the next
   * heartbeats; the instance calls its `doRebalance` and `persistConsumerOffset` periodically.
   * @param group the group
   * @param consumer its data and callbacks
   * @returns false when the group is already registered on this instance
   * @throws {MQClientError} when more than `GROUPS_PER_INSTANCE_MAX` groups would be registered
   */
  registerConsumer(group: string, consumer: MQConsumerInner): boolean {
    if (this.#consumers.has(group)) return false;
    this.#checkRoom();
    this.#consumers.set(group, consumer);
    return true;
  }

  #checkRoom(): void {
    if (this.#producers.size + this.#consumers.size >= GROUPS_PER_INSTANCE_MAX) {
      throw new MQClientError(
        `Cannot register more than ${GROUPS_PER_INSTANCE_MAX} groups on client ${this.clientId}`,
      );
    }
  }

  /**
   * Removes a producer group and tells every known broker (UNREGISTER_CLIENT).
   * @param group the group
   */
  async unregisterProducer(group: string): Promise<void> {
    if (!this.#producers.delete(group)) return;
    await this.brokers.unregisterClient({ producerGroup: group });
  }

  /**
   * Removes a consumer group and tells every known broker (UNREGISTER_CLIENT).
   * @param group the group
   */
  async unregisterConsumer(group: string): Promise<void> {
    if (!this.#consumers.delete(group)) return;
    await this.brokers.unregisterClient({ consumerGroup: group });
  }

  /**
   * Looks up a registered consumer group.
   * @param group a consumer group
   * @returns its registered consumer, if any
   */
  selectConsumer(group: string): MQConsumerInner | undefined {
    return this.#consumers.get(group);
  }

  /**
   * Looks up a registered producer group.
   * @param group a producer group
   * @returns its registered producer, if any
   */
  selectProducer(group: string): MQProducerInner | undefined {
    return this.#producers.get(group);
  }

  /**
   * The cached route of a topic.
   * @param topic a topic
   * @returns a copy of its cached route, if any
   */
  getTopicRoute(topic: string): TopicRouteData | undefined {
    const route = this.#routes.get(topic);
    return route === undefined ? undefined : cloneTopicRouteData(route);
  }

  /** Refreshes the route of every topic producers send to and consumers subscribe to. */
  async updateAllTopicRouteInfo(): Promise<void> {
    const topics = new Set<string>();
    for (const consumer of this.#consumers.values()) {
      for (const sub of consumer.subscriptions()) topics.add(sub.topic);
    }
    for (const producer of this.#producers.values()) {
      for (const topic of producer.publishTopicList()) topics.add(topic);
    }
    // A topic without a usable route is skipped (its lookup answers false); the round ends at
    // the first name-server failure, as RocketMQ's does, and when the instance shuts down.
    for (const topic of topics) {
      if (this.#state !== "RUNNING") return;
      try {
        await this.updateTopicRouteInfoFromNameServer(topic);
      } catch (error) {
        this.config.logger.warn(
          `Cannot update the route of topic ${topic}: ${(error as Error).message}`,
        );
        if (!(error instanceof MQClientError)) return;
      }
    }
  }

  /**
   * Fetches a topic's route (or, with `isDefault`, the template's route cut to
   * `defaultTopicQueueNums` queues per broker) and, when it changed or a group lacks it, updates
   * the broker table, every producer's publish info and every consumer's queues (RocketMQ
   * `updateTopicRouteInfoFromNameServer`).
   *
   * Concurrent calls for the same topic and options share one fetch, so a burst of first sends to
   * a topic costs one name server round trip.
   *
   * @param topic the topic
   * @param options template route options
   * @returns true when the cache was updated; false when unchanged or the name server has no route
   * @throws the remoting error when no name server answered
   */
  updateTopicRouteInfoFromNameServer(
    topic: string,
    options: UpdateRouteOptions = {},
  ): Promise<boolean> {
    const key = `${topic}\u0000${options.isDefault === true}`;
    const pending = this.#pendingRoutes.get(key);
    if (pending !== undefined) return pending;
    const update = this.#updateRoute(topic, options).finally(() => this.#pendingRoutes.delete(key));
    this.#pendingRoutes.set(key, update);
    return update;
  }

  async #updateRoute(topic: string, options: UpdateRouteOptions): Promise<boolean> {
    // As RocketMQ, a lookup waits for the lock a bounded time: behind a hung name server the
    // lookups of many new topics would otherwise run one after another, each to its timeout.
    const updated = await this.#namesrvLock.runWithin(NAMESRV_LOCK_WAIT_MS, async () => {
      const route = await fetchTopicRoute(this.api, this.config, topic, options);
      if (route === undefined) return false;
      const changed = topicRouteDataChanged(route, this.#routes.get(topic)) ||
        this.#needsUpdate(topic);
      if (!changed) return false;
      if (!this.#routes.has(topic) && this.#routes.size >= TOPIC_ROUTES_MAX) {
        throw new MQClientError(
          `Cannot cache route of topic ${topic}: ${TOPIC_ROUTES_MAX} topics cached`,
        );
      }
      this.brokers.addRoute(route);
      const publish = topicRouteData2TopicPublishInfo(topic, route);
      publish.haveTopicRouterInfo = true;
      for (const producer of this.#producers.values()) {
        producer.updateTopicPublishInfo(topic, publish);
      }
      if (this.#consumers.size > 0) {
        const queues = topicRouteData2TopicSubscribeInfo(topic, route);
        for (const consumer of this.#consumers.values()) {
          consumer.updateTopicSubscribeInfo(topic, queues);
        }
      }
      this.#routes.set(topic, cloneTopicRouteData(route));
      this.#listeners.emit("routeChanged", topic, cloneTopicRouteData(route));
      return true;
    });
    if (updated === undefined) {
      this.config.logger.warn(
        `updateTopicRouteInfoFromNameServer tryLock timeout ${NAMESRV_LOCK_WAIT_MS}ms`,
      );
      return false;
    }
    return updated;
  }

  #needsUpdate(topic: string): boolean {
    for (const producer of this.#producers.values()) {
      if (producer.isPublishTopicNeedUpdate(topic)) return true;
    }
    for (const consumer of this.#consumers.values()) {
      if (consumer.isSubscribeTopicNeedUpdate(topic)) return true;
    }
    return false;
  }

  /**
   * Sends a heartbeat to every known broker unless a round is already running (RocketMQ
   * `sendHeartbeatToAllBrokerWithLock`). Without consumers only masters get one.
   * @returns false when skipped or there was no broker to send to
   */
  async sendHeartbeatToAllBrokerWithLock(): Promise<boolean> {
    const outcome = await this.brokers.sendHeartbeats(() => this.#consumers.values());
    if (outcome === undefined) return false;
    this.#listeners.emit("heartbeat", outcome.sent, outcome.failed);
    return outcome.sent.length + outcome.failed.length > 0;
  }

  /**
   * RocketMQ `checkClientInBroker`: asks a broker of each topic (CHECK_CLIENT_CONFIG) whether it
   * can filter by every consumer subscription that is not a tag expression, so a consumer fails at
   * start rather than at every pull.
   * @throws {MQClientError} with the broker's code and remark when one refuses
   */
  checkClientInBroker(): Promise<void> {
    return this.brokers.checkClientInBroker(this.#consumers.values(), (t) => this.#routes.get(t));
  }

  /**
   * The client ids of a consumer group, from a broker serving the topic (RocketMQ
   * `findConsumerIdList`).
   *
   * @param topic a topic the group consumes
   * @param group the group
   * @returns the ids, as the broker lists them
   * @throws {MQClientError} when no broker of the topic is known; the broker's error otherwise
   */
  async findConsumerIdList(topic: string, group: string): Promise<string[]> {
    let addr = this.brokers.findBrokerAddrByTopic(this.#routes.get(topic));
    if (addr === undefined) {
      await this.updateTopicRouteInfoFromNameServer(topic);
      addr = this.brokers.findBrokerAddrByTopic(this.#routes.get(topic));
    }
    if (addr === undefined) {
      throw new MQClientError(`No broker of topic ${topic} is known to find consumers of ${group}`);
    }
    return await this.api.getConsumerIdListByGroup(addr, group, this.config.mqClientApiTimeout);
  }

  /** Asks for a rebalance as soon as possible (RocketMQ `rebalanceImmediately`). */
  rebalanceImmediately(): void {
    this.#tasks.trigger("rebalance");
  }

  /** Runs every consumer's rebalance now; a failing group is logged and the others still run. */
  async doRebalance(): Promise<void> {
    for (const [group, consumer] of this.#consumers) {
      try {
        await consumer.doRebalance();
        this.#listeners.emit("rebalanced", group);
      } catch (error) {
        this.config.logger.warn(`Rebalance of group ${group} failed: ${(error as Error).message}`);
      }
    }
  }

  async #persistAll(): Promise<void> {
    for (const [group, consumer] of this.#consumers) {
      try {
        await consumer.persistConsumerOffset();
      } catch (error) {
        this.config.logger.warn(
          `Persisting offsets of group ${group} failed: ${(error as Error).message}`,
        );
      }
    }
  }

  readonly #onConsumerIdsChanged: RemotingProcessor = (request) => {
    const group = request.extFields?.consumerGroup ?? "";
    this.config.logger.info(`Consumer ids of group ${group} changed (from broker); rebalance now`);
    this.rebalanceImmediately();
    return null;
  };
}

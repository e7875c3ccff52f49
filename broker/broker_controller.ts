/**
 * The broker: wires the configuration, the metadata managers, the message store (with delay
 * levels), the remoting server (main port and VIP port `listenPort − 2`) with every request
 * processor, long polling, delayed delivery, queue locks, the periodic tasks (offset persistence,
 * client channel scan, name server registration) and the HTTP admin. It holds no logic of its
 * own (see `broker_controller_wiring.ts` for the views it builds). Embeddable: `deno task start`
 * runs one beside a name server in one process.
 *
 * @module
 */

import { type Clock, systemClock } from "../common/clock.ts";
import { Lifecycle } from "../common/lifecycle.ts";
import type { RemotingChannel } from "../protocol/remoting_channel.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { consoleRemotingLogger, type RemotingLogger } from "../protocol/remoting_logger.ts";
import type { RemotingServer } from "../protocol/remoting_server.ts";
import type { Transport } from "../protocol/transport.ts";
import type { FileSystem } from "../store/file_system.ts";
import { type HostAddress, hostAddress } from "../store/message_id.ts";
import type { MessageStore } from "../store/message_store.ts";
import { resolveStorePaths, type StorePaths } from "../store/store_paths.ts";
import { createBrokerAdminApp } from "./admin_app.ts";
import type { BrokerConfig } from "./broker_config.ts";
import type { BrokerEnv } from "./broker_config_schema.ts";
import { BrokerRegistrationService } from "./broker_controller_registration.ts";
import {
  brokerIdentityOf,
  CLIENT_SCAN_INTERVAL_MS,
  closeExpiredChannels,
  coreConfigOf,
  createAdminContext,
  createBrokerOuterApi,
  createBrokerRemotingServer,
  type HttpServerHandle,
  messageStoreConfigOf,
  namesrvAddrsOf,
  registerBrokerExtrasProcessors,
  registrationWrapperOf,
  resolvedStoreConfigOf,
  type ResolveHost,
  type ServeHttp,
  startScheduleMessageService,
  startupStoreIP,
  withDeadline,
} from "./broker_controller_wiring.ts";
import { ConsumerManager } from "./consumer_manager.ts";
import { ConsumerOffsetManager } from "./consumer_offset_manager.ts";
import { HTTP_SHUTDOWN_WAIT_MS, PULL_REQUESTS_HELD_MAX } from "./limits.ts";
import { PullRequestHoldService } from "./long_polling/pull_request_hold_service.ts";
import { ProducerManager } from "./producer_manager.ts";
import { RebalanceLockManager } from "./rebalance_lock_manager.ts";
import { DelayLevelTable } from "./schedule/delay_level_table.ts";
import type { ScheduleMessageService } from "./schedule/schedule_message_service.ts";
import { ScheduleMessageStore } from "./schedule/schedule_message_store.ts";
import type { BrokerClientChannel, CoreConfig, CoreContext } from "./processors/core_context.ts";
import { AdminBrokerConfiguration } from "./processors/admin_broker_configuration.ts";
import type { BrokerAdminContext } from "./processors/admin_context.ts";
import { registerAdminProcessors } from "./processors/admin_processors.ts";
import {
  ConsumerIdsChangedNotifier,
  onClientChannelClosed,
  registerClientManageProcessors,
} from "./processors/client_manage_processor.ts";
import { registerConsumerManageProcessors } from "./processors/consumer_manage_processor.ts";
import { registerPullMessageProcessor } from "./processors/pull_message_processor.ts";
import { registerQueryMessageProcessors } from "./processors/query_message_processor.ts";
import { registerQueryOffsetProcessors } from "./processors/query_offset_processor.ts";
import {
  registerSendMessageProcessors,
  type SendMessageProcessor,
} from "./processors/send_message_processor.ts";
import { BrokerStats } from "./stats/broker_stats.ts";
import { SubscriptionGroupManager } from "./subscription_group_manager.ts";
import { TopicConfigManager } from "./topic_config_manager.ts";
import { RMQ_SYS_SCHEDULE_TOPIC } from "./topic_validator.ts";

export type { HttpServerHandle, ServeHttp };

/** Options of {@linkcode BrokerController}. */
export interface BrokerControllerOptions {
  /** the effective configuration (see `loadBrokerConfig`) */
  readonly config: BrokerConfig;
  /** how the remoting server listens and the name server client connects */
  readonly transport: Transport;
  /** all file I/O (store and metadata) */
  readonly fs: FileSystem;
  /** time source; default the system clock */
  readonly clock?: Clock;
  /** log sink; default console */
  readonly logger?: RemotingLogger;
  /** starts the HTTP admin; without it `httpAdminPort` is ignored */
  readonly serveHttp?: ServeHttp;
  /** the environment the config was loaded with (defaults of later config updates) */
  readonly env?: BrokerEnv;
  /** where UPDATE_BROKER_CONFIG persists: the `-c` file; default `<root>/config/broker.properties` */
  readonly configFilePath?: string;
  /** unknown keys of the startup file, reported by GET_BROKER_CONFIG as RocketMQ does */
  readonly unknownProperties?: ReadonlyMap<string, string>;
  /** RAM size for `accessMessageInMemoryMaxRatio` */
  readonly physicalMemoryBytes?: number;
  /** most pulls parked at once (long polling); default PULL_REQUESTS_HELD_MAX */
  readonly pullRequestsHeldMax?: number;
  /** random source for queue picks; default Math.random */
  readonly random?: () => number;
  /** resolves a `brokerIP1` that is a host name (STOREHOST); without it one is refused */
  readonly resolveHost?: ResolveHost;
}

/**
 * The broker.
 *
 * @example
 * ```ts ignore
 * const broker = new BrokerController({ config, transport: new DenoTcpTransport(), fs: new DenoFileSystem() });
 * await broker.start();
 * console.log(`broker on ${broker.brokerAddr}`);
 * await broker.shutdown();
 * ```
 */
export class BrokerController {
  /** the running configuration (admin updates replace its `config`) */
  readonly configuration: AdminBrokerConfiguration;
  /** the store folder layout */
  readonly paths: StorePaths;
  /** topics */
  readonly topicConfigManager: TopicConfigManager;
  /** consumer group settings */
  readonly subscriptionGroupManager: SubscriptionGroupManager;
  /** committed offsets */
  readonly consumerOffsetManager: ConsumerOffsetManager;
  /** live consumer groups */
  readonly consumerManager: ConsumerManager<BrokerClientChannel>;
  /** live producer groups */
  readonly producerManager: ProducerManager<BrokerClientChannel>;
  /** parked long-polling pulls */
  readonly holdService: PullRequestHoldService;
  /** traffic counters */
  readonly brokerStats: BrokerStats;
  /** queue locks of orderly consumers (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ) */
  readonly rebalanceLockManager: RebalanceLockManager;
  /** the parsed `messageDelayLevel` */
  readonly delayLevels: DelayLevelTable;
  /** the remoting server (main port first, VIP port second) */
  readonly remotingServer: RemotingServer;
  readonly #options: BrokerControllerOptions;
  readonly #clock: Clock;
  readonly #logger: RemotingLogger;
  readonly #client: RemotingClient;
  #coreConfig: CoreConfig;
  #store: MessageStore | undefined;
  #storeHost: HostAddress | undefined;
  #schedule: ScheduleMessageService | undefined;
  #registration: BrokerRegistrationService | undefined;
  #announced: Promise<void> | undefined; // the round the last topic change asked for
  #sendProcessor: SendMessageProcessor | undefined;
  #adminContext: BrokerAdminContext | undefined;
  #http: HttpServerHandle | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];
  readonly #life = new Lifecycle("BrokerController", {
    start: () => this.#startParts(),
    stop: () => this.#doShutdown(),
    // The first registration may wait registerBrokerTimeoutMills on a silent name server.
    interrupt: () => void this.#client.shutdown(),
  });

  /** @param options configuration and I/O */
  constructor(options: BrokerControllerOptions) {
    this.#options = options;
    const config = options.config;
    const clock = this.#clock = options.clock ?? systemClock;
    const logger = this.#logger = options.logger ?? consoleRemotingLogger;
    // storePathRootDir, storePathCommitLog, storePathConsumeQueue and storePathIndex
    this.paths = resolveStorePaths({ ...config, home: config.storePathRootDir });
    this.configuration = new AdminBrokerConfiguration({
      fs: options.fs,
      path: options.configFilePath ?? `${this.paths.configDir}/broker.properties`,
      env: options.env ?? { HOME: config.storePathRootDir },
      initial: {
        config,
        warnings: [],
        appliedKeys: [],
        unknown: new Map(options.unknownProperties ?? []),
      },
      clock,
    });
    this.#coreConfig = coreConfigOf(config);
    this.configuration.onChange((next) => this.#coreConfig = coreConfigOf(next));
    this.topicConfigManager = new TopicConfigManager({
      brokerConfig: () => this.configuration.config, // auto-creation read live, as RocketMQ
      fs: options.fs,
      path: this.paths.topicsJson,
      clock,
      logger,
    });
    this.subscriptionGroupManager = new SubscriptionGroupManager({
      autoCreateSubscriptionGroup: () => this.configuration.config.autoCreateSubscriptionGroup,
      fs: options.fs,
      path: this.paths.subscriptionGroupJson,
      clock,
      logger,
    });
    this.consumerOffsetManager = new ConsumerOffsetManager({
      fs: options.fs,
      path: this.paths.consumerOffsetJson,
    });
    const notifier = new ConsumerIdsChangedNotifier(
      logger,
      () => this.#coreConfig.notifyConsumerIdsChangedEnable,
    );
    this.consumerManager = new ConsumerManager({
      clock,
      listener: notifier,
      channelExpiredTimeoutMs: config.channelExpiredTimeout,
    });
    this.producerManager = new ProducerManager({
      clock,
      channelExpiredTimeoutMs: config.channelExpiredTimeout,
    });
    const heldMax = options.pullRequestsHeldMax ?? PULL_REQUESTS_HELD_MAX;
    this.holdService = new PullRequestHoldService({ heldMax });
    this.brokerStats = new BrokerStats({ clock, clusterName: config.brokerClusterName });
    this.rebalanceLockManager = new RebalanceLockManager({ clock });
    this.delayLevels = DelayLevelTable.parse(config.messageDelayLevel);
    this.remotingServer = createBrokerRemotingServer(config, options.transport, clock, logger);
    this.#client = new RemotingClient({
      transport: options.transport,
      connectTimeoutMs: config.connectTimeoutMillis,
      clock,
      logger,
    });
  }

  /** the bound main port (after start) */
  get port(): number {
    return this.remotingServer.ports[0] ?? 0;
  }

  /** the bound VIP port (after start) */
  get vipPort(): number {
    return this.remotingServer.ports[1] ?? 0;
  }

  /** the HTTP admin port, or undefined when it is off */
  get httpPort(): number | undefined {
    return this.#http?.port;
  }

  /** `brokerIP1:port`, the address registered with the name servers */
  get brokerAddr(): string {
    return `${this.#coreConfig.brokerIP1}:${this.port}`;
  }

  /** the message store (after start) */
  get store(): MessageStore {
    if (this.#store === undefined) {
      throw new Error("Cannot use the message store: the broker is not started");
    }
    return this.#store;
  }

  /** the delivery of delayed messages (after start) */
  get scheduleMessageService(): ScheduleMessageService {
    if (this.#schedule === undefined) {
      throw new Error("Cannot use the schedule message service: the broker is not started");
    }
    return this.#schedule;
  }

  /** the registration schedule (after start) */
  get registration(): BrokerRegistrationService | undefined {
    return this.#registration;
  }

  /** what the admin processors and the HTTP admin use (after start) */
  get adminContext(): BrokerAdminContext | undefined {
    return this.#adminContext;
  }

  /**
   * Loads the metadata, binds the ports, starts the store, registers the processors, starts the
   * periodic tasks and the HTTP admin, and registers with the name servers. On failure everything
   * started is stopped again.
   *
   * @throws when a file cannot be loaded or a port cannot be bound, or started or shut down before
   */
  start(): Promise<void> {
    return this.#life.start();
  }

  async #startParts(): Promise<void> {
    const config = this.#options.config;
    const { brokerIP1 } = this.#coreConfig;
    const storeIP = await startupStoreIP(config, brokerIP1, this.#options.resolveHost); // unbound
    await this.topicConfigManager.load();
    await this.subscriptionGroupManager.load();
    await this.consumerOffsetManager.load();
    // Bound; accepting once store and processors are up (RocketMQ order: no early code 3).
    await this.remotingServer.bind();
    const storeHost = this.#storeHost = hostAddress(storeIP, this.port);
    const store = new ScheduleMessageStore({
      fs: this.#options.fs,
      clock: this.#clock,
      config: messageStoreConfigOf(config),
      storeHost,
      physicalMemoryBytes: this.#options.physicalMemoryBytes,
      delayLevels: this.delayLevels,
      ackAfterWrite: true, // a SEND_OK survives a killed broker, as RocketMQ's page cache does
      onMessageArrived: (topic, queueId, maxOffset, tagsCode) => {
        if (topic === RMQ_SYS_SCHEDULE_TOPIC) this.#schedule?.onMessageArrived(queueId, tagsCode);
        this.holdService.notifyMessageArriving(topic, queueId, maxOffset, tagsCode);
      },
      onPut: (topic, msgs, bytes) => this.brokerStats.recordPut(topic, msgs, bytes),
      onError: (error) => this.#logger.error(`broker: store: ${error.message}`),
    });
    try {
      await store.start();
    } catch (error) {
      await store.halt();
      throw error;
    }
    this.#store = store;
    // Store keys changed at runtime reach the running store (the schema checked them already).
    this.configuration.onChange((next) => store.updateConfig(resolvedStoreConfigOf(next)));
    this.#schedule = await startScheduleMessageService({
      store,
      delayLevels: this.delayLevels,
      fs: this.#options.fs,
      path: this.paths.delayOffsetJson,
      clock: this.#clock,
      config,
      logger: this.#logger,
    });
    this.#registerProcessors(store);
    this.holdService.start({ store, config: () => this.#coreConfig });
    await this.remotingServer.start();
    this.#startTimers(config);
    await this.#startHttp(config);
    await this.#startRegistration(config);
  }

  #registerProcessors(store: MessageStore): void {
    const coreConfig = () => this.#coreConfig;
    const context: CoreContext = {
      get config() {
        return coreConfig();
      },
      clock: this.#clock,
      logger: this.#logger,
      store,
      topicConfigManager: this.topicConfigManager,
      subscriptionGroupManager: this.subscriptionGroupManager,
      consumerOffsetManager: this.consumerOffsetManager,
      consumerManager: this.consumerManager,
      producerManager: this.producerManager,
      brokerStats: this.brokerStats,
      holdService: this.holdService,
      storeHost: this.#storeHost!,
      listenPort: () => this.port,
      random: this.#options.random ?? Math.random,
    };
    const server = this.remotingServer;
    this.#sendProcessor = registerSendMessageProcessors(server, context);
    registerPullMessageProcessor(server, context);
    registerConsumerManageProcessors(server, context);
    registerQueryOffsetProcessors(server, context);
    registerClientManageProcessors(server, context);
    registerQueryMessageProcessors(server, context);
    registerBrokerExtrasProcessors(server, context, {
      scheduleMessageService: this.scheduleMessageService,
      rebalanceLockManager: this.rebalanceLockManager,
    });
    server.on("close", (channel: RemotingChannel) => onClientChannelClosed(context, channel));
    this.#adminContext = createAdminContext({
      configuration: this.configuration,
      topicConfigManager: this.topicConfigManager,
      subscriptionGroupManager: this.subscriptionGroupManager,
      consumerOffsetManager: this.consumerOffsetManager,
      consumerManager: this.consumerManager,
      producerManager: this.producerManager,
      store,
      fs: this.#options.fs,
      bootTimestamp: this.#clock.now(),
      brokerStats: this.brokerStats,
      clock: this.#clock,
      logger: this.#logger,
      brokerAddr: this.brokerAddr,
      sendProcessor: this.#sendProcessor,
      holdService: this.holdService,
      scheduleMessageService: this.scheduleMessageService,
      requestRegister: () => this.#registration?.requestRegister(),
      lastTopicAnnouncement: () => this.#announced,
    });
    registerAdminProcessors(server, this.#adminContext);
  }

  #startTimers(config: BrokerConfig): void {
    this.#timers.push(
      setInterval(() => void this.persistOffsets(), config.flushConsumerOffsetInterval),
    );
    this.#timers.push(setInterval(() => this.scanNotActiveChannels(), CLIENT_SCAN_INTERVAL_MS));
  }

  async #startHttp(config: BrokerConfig): Promise<void> {
    const serveHttp = this.#options.serveHttp;
    if (serveHttp === undefined || config.httpAdminPort === 0 || this.#adminContext === undefined) {
      return;
    }
    const app = createBrokerAdminApp(this.#adminContext);
    this.#http = await serveHttp({
      hostname: config.bindAddress,
      port: config.httpAdminPort,
      fetch: (request, info) => app.fetch(request, info),
    });
  }

  async #startRegistration(config: BrokerConfig): Promise<void> {
    const registration = new BrokerRegistrationService({
      api: createBrokerOuterApi(this.#client, () => this.configuration.config),
      namesrvAddrs: () => namesrvAddrsOf(this.configuration.config.namesrvAddr),
      identity: () => brokerIdentityOf(this.configuration.config, this.port, this.#haListenPort()),
      topicConfigWrapper: () =>
        registrationWrapperOf(
          this.topicConfigManager.buildTopicConfigSerializeWrapper(),
          this.#coreConfig.brokerPermission,
        ),
      periodMs: config.registerNameServerPeriod,
      onRegistered: (result) => this.#applyOrderTopicConfig(result.orderTopicConfig),
      logger: this.#logger,
    });
    this.#registration = registration;
    this.topicConfigManager.onChange(() => (this.#announced = registration.requestRegister()));
    await registration.start();
  }

  #haListenPort(): number {
    const configured = this.configuration.config.haListenPort;
    return configured === 0 ? this.port + 1 : configured;
  }

  #applyOrderTopicConfig(table: ReadonlyMap<string, string> | undefined): void {
    if (table === undefined) return; // no namespace on the name server: flags stay (RocketMQ)
    this.topicConfigManager.updateOrderTopicConfig(table.keys()).catch((error) => {
      this.#logger.warn(
        `broker: cannot apply the name server's order topic config: ${String(error)}`,
      );
    });
  }

  /**
   * Writes consumerOffset.json, and topics.json and subscriptionGroup.json when a topic or group
   * created on first use could not be written (every `flushConsumerOffsetInterval` and at shutdown).
   */
  async persistOffsets(): Promise<void> {
    const writes = {
      "consumer offsets": () => this.consumerOffsetManager.persist(),
      topics: () => this.topicConfigManager.persistIfUnsaved(),
      "subscription groups": () => this.subscriptionGroupManager.persistIfUnsaved(),
    };
    for (const [what, write] of Object.entries(writes)) {
      await write().catch((error) =>
        this.#logger.error(`broker: cannot persist ${what}: ${error}`)
      );
    }
  }

  /** Drops and closes client connections silent for `channelExpiredTimeout` (every 10 s). */
  scanNotActiveChannels(): void {
    closeExpiredChannels(this.consumerManager, this.producerManager, this.#logger);
  }

  /**
   * Unregisters from the name servers, answers every parked pull, stops the HTTP admin and the
   * remoting server (in-flight requests finish), persists the offsets and shuts the store down
   * cleanly. Idempotent; during a start it waits for the start first.
   */
  shutdown(): Promise<void> {
    return this.#life.shutdown();
  }

  async #doShutdown(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#registration?.stop();
    this.holdService.stop();
    const http = this.#http;
    this.#http = undefined;
    await Promise.all([
      http === undefined ? Promise.resolve() : withDeadline(http.shutdown(), HTTP_SHUTDOWN_WAIT_MS),
      this.remotingServer.shutdown(),
    ]);
    await this.#client.shutdown();
    await this.#schedule?.shutdown();
    if (this.#store !== undefined) {
      await this.persistOffsets();
      await this.#store.shutdown();
    }
  }
}

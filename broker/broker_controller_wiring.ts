/**
 * Wiring helpers of {@linkcode BrokerController} kept out of its file: the views of the broker
 * configuration the store and the core processors take, the broker's identity for registration,
 * the admin context built from the controller's parts, the start of delayed delivery and the
 * registration of the send-back, queue-lock and delay-offset processors. No logic of their own.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { SendMessageRequestHeader } from "../protocol/headers/send_message_header.ts";
import { VERSION_DEFAULT } from "../protocol/remoting_command.ts";
import type { RemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { parseAddress, type Transport } from "../protocol/transport.ts";
import type { FileSystem } from "../store/file_system.ts";
import { hostAddress, InvalidAddressError } from "../store/message_id.ts";
import type { MessageStore } from "../store/message_store.ts";
import {
  type MessageStoreConfig,
  type MessageStoreConfigInput,
  MessageStoreConfigSchema,
  resolveMessageStoreConfig,
} from "../store/message_store_config.ts";
import { CALL_CLIENT_TIMEOUT_MS, CLIENT_PUSH_TIMEOUT_MS } from "./limits.ts";
import type { BrokerConfig } from "./broker_config.ts";
import { type BrokerIdentity, BrokerOuterApi, type OuterApiClient } from "./broker_outer_api.ts";
import type { ConsumerManager } from "./consumer_manager.ts";
import type { ConsumerOffsetManager } from "./consumer_offset_manager.ts";
import type { PullRequestHoldService } from "./long_polling/pull_request_hold_service.ts";
import type { ProducerManager } from "./producer_manager.ts";
import type {
  BrokerClientChannel,
  CoreConfig,
  CoreContext,
  ProcessorRegistry,
} from "./processors/core_context.ts";
import type {
  AdminConfiguration,
  AdminTopicChange,
  BrokerAdminContext,
} from "./processors/admin_context.ts";
import type { SendMessageProcessor } from "./processors/send_message_processor.ts";
import { registerConsumerSendMsgBackProcessor } from "./processors/consumer_send_msg_back_processor.ts";
import { registerDelayOffsetProcessor } from "./processors/delay_offset_processor.ts";
import { registerLockBatchProcessors } from "./processors/lock_batch_mq_processor.ts";
import type { RebalanceLockManager } from "./rebalance_lock_manager.ts";
import type { DelayLevelTable } from "./schedule/delay_level_table.ts";
import { ScheduleMessageService } from "./schedule/schedule_message_service.ts";
import type { BrokerStats } from "./stats/broker_stats.ts";
import type { SubscriptionGroupManager } from "./subscription_group_manager.ts";
import { PermName, type TopicConfig } from "./topic_config.ts";
import type { TopicConfigManager, TopicConfigSerializeWrapper } from "./topic_config_manager.ts";

/** RocketMQ `ClientHousekeepingService`: silent client channels are looked for every 10 s. */
export const CLIENT_SCAN_INTERVAL_MS = 10_000;

/** A running HTTP server, as {@linkcode ServeHttp} returns it. */
export interface HttpServerHandle {
  /** the bound port */
  readonly port: number;
  /** Stops accepting and finishes in-flight requests. */
  shutdown(): Promise<void>;
}

/** Starts an HTTP server for a fetch handler (Deno: `namesrv/adapters/deno_http.ts`). */
export type ServeHttp = (options: {
  /** interface to bind */
  hostname: string;
  /** port; 0 = ephemeral */
  port: number;
  /** the handler; `info` is the runtime's connection info (HTTP producers' born host) */
  fetch: (request: Request, info?: unknown) => Response | Promise<Response>;
}) => Promise<HttpServerHandle>;

/**
 * The broker's remoting server: `listenPort` plus the VIP port `listenPort − 2` (remoting.md §8;
 * with `listenPort` 0 the VIP port is ephemeral too).
 *
 * @param config the broker configuration
 * @param transport how to listen
 * @param clock time source
 * @param logger log sink
 * @returns the server, not started
 */
export function createBrokerRemotingServer(
  config: BrokerConfig,
  transport: Transport,
  clock: Clock,
  logger: RemotingLogger,
): RemotingServer {
  return new RemotingServer({
    transport,
    hostname: config.bindAddress,
    listenPort: config.listenPort,
    extraPorts: [config.listenPort === 0 ? 0 : config.listenPort - 2],
    serverAsyncSemaphoreValue: config.serverAsyncSemaphoreValue,
    serverOnewaySemaphoreValue: config.serverOnewaySemaphoreValue,
    serverChannelMaxIdleTimeSeconds: config.serverChannelMaxIdleTimeSeconds,
    clock,
    logger,
  });
}

/** Resolves a host name to one of its IP addresses (the entry points use the system resolver). */
export type ResolveHost = (name: string) => Promise<string>;

/**
 * What must hold before a broker binds its ports, and the IP written as STOREHOST: `brokerIP1`
 * itself, or the address a host name resolves to (RocketMQ's `new InetSocketAddress(brokerIP1,
 * listenPort)`); the name is still what the broker registers.
 *
 * @param config the broker configuration
 * @param brokerIP1 the advertised address (configured or detected)
 * @param resolveHost the resolver; without it a `brokerIP1` that is not an IP address is refused
 * @returns the IP address
 * @throws when listenPort leaves no VIP port, or brokerIP1 is a name that does not resolve
 */
export async function startupStoreIP(
  config: BrokerConfig,
  brokerIP1: string,
  resolveHost: ResolveHost | undefined,
): Promise<string> {
  if (config.listenPort !== 0 && config.listenPort < 3) {
    throw new Error(
      `Cannot start broker: listenPort ${config.listenPort} leaves no VIP port (listenPort - 2)`,
    );
  }
  const name = brokerIP1;
  try {
    hostAddress(name, 0);
    return name;
  } catch (error) {
    if (!(error instanceof InvalidAddressError)) throw error;
  }
  try {
    if (resolveHost === undefined) throw new Error("no host name resolver was given");
    const ip = await resolveHost(name);
    hostAddress(ip, 0);
    return ip;
  } catch (error) {
    throw new Error(
      `Cannot start broker: brokerIP1 ${JSON.stringify(name)} is neither an IP address nor a ` +
        `host name that resolves (${(error as Error).message})`,
    );
  }
}

/**
 * @param value `namesrvAddr`, `;`-separated
 * @returns the addresses
 */
export function namesrvAddrsOf(value: string | undefined): string[] {
  return (value ?? "").split(";").map((a) => a.trim()).filter((a) => a.length > 0);
}

/**
 * Waits for a promise, but no longer than `ms` (a stuck HTTP shutdown must not hold the broker).
 *
 * @param promise the awaited work
 * @param ms the deadline
 */
export async function withDeadline(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  try {
    await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The address advertised when `brokerIP1` is not configured (main.ts normally sets it). */
export const BROKER_IP_FALLBACK = "127.0.0.1";

const STORE_KEYS = Object.keys(MessageStoreConfigSchema.shape);

/**
 * The MessageStoreConfig keys of the broker configuration (the store's schema is strict).
 *
 * @param config the broker configuration
 * @returns the store's input
 */
export function messageStoreConfigOf(config: BrokerConfig): MessageStoreConfigInput {
  const source = config as unknown as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  for (const key of STORE_KEYS) if (source[key] !== undefined) input[key] = source[key];
  return input as MessageStoreConfigInput;
}

/**
 * The store's whole configuration for `MessageStore.updateConfig` after a runtime change (the
 * broker schema checked the keys with the store's bounds already).
 *
 * @param config the broker configuration
 * @returns the store's resolved configuration
 * @throws {MessageStoreConfigError} naming a key outside the store's bounds
 */
export function resolvedStoreConfigOf(config: BrokerConfig): MessageStoreConfig {
  return resolveMessageStoreConfig(messageStoreConfigOf(config));
}

/**
 * The keys the core processors read, with `brokerIP1` resolved.
 *
 * @param config the broker configuration
 * @returns the processors' view
 */
export function coreConfigOf(config: BrokerConfig): CoreConfig {
  return {
    brokerClusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    brokerId: config.brokerId,
    brokerIP1: config.brokerIP1 ?? BROKER_IP_FALLBACK,
    brokerPermission: config.brokerPermission,
    regionId: config.regionId,
    traceOn: config.traceOn,
    longPollingEnable: config.longPollingEnable,
    shortPollingTimeMills: config.shortPollingTimeMills,
    notifyConsumerIdsChangedEnable: config.notifyConsumerIdsChangedEnable,
    enablePropertyFilter: config.enablePropertyFilter,
    slaveReadEnable: config.slaveReadEnable,
    rejectTransactionMessage: config.rejectTransactionMessage,
    maxMessageSize: config.maxMessageSize,
    brokerRole: config.brokerRole,
    defaultQueryMaxNum: config.defaultQueryMaxNum,
    maxMsgsNumBatch: config.maxMsgsNumBatch,
    startAcceptSendRequestTimeStamp: config.startAcceptSendRequestTimeStamp,
  };
}

/**
 * The broker as REGISTER_BROKER names it.
 *
 * @param config the broker configuration
 * @param listenPort the bound main port
 * @param haListenPort the HA port (listenPort + 1 unless configured)
 * @returns the identity
 */
export function brokerIdentityOf(
  config: BrokerConfig,
  listenPort: number,
  haListenPort: number,
): BrokerIdentity {
  const ip1 = config.brokerIP1 ?? BROKER_IP_FALLBACK;
  const ip2 = config.brokerIP2 ?? ip1;
  return {
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    brokerId: config.brokerId,
    brokerAddr: `${ip1}:${listenPort}`,
    haServerAddr: `${ip2}:${haListenPort}`,
  };
}

/**
 * The topic table to register: as stored, except that a broker without read or write permission
 * announces every topic with its perm masked by the broker's (RocketMQ `registerBrokerAll`).
 *
 * @param wrapper the table
 * @param brokerPermission the broker's perm bits
 * @returns the table to send
 */
export function registrationWrapperOf(
  wrapper: TopicConfigSerializeWrapper,
  brokerPermission: number,
): TopicConfigSerializeWrapper {
  const full = PermName.PERM_READ | PermName.PERM_WRITE;
  if ((brokerPermission & full) === full) return wrapper;
  const table = new Map<string, TopicConfig>();
  for (const [name, config] of wrapper.topicConfigTable) {
    table.set(name, { ...config, perm: config.perm & brokerPermission });
  }
  return { topicConfigTable: table, dataVersion: wrapper.dataVersion };
}

/** The controller parts the admin context is made of. */
export interface AdminContextParts {
  readonly configuration: AdminConfiguration;
  readonly topicConfigManager: TopicConfigManager;
  readonly subscriptionGroupManager: SubscriptionGroupManager;
  readonly consumerOffsetManager: ConsumerOffsetManager;
  readonly consumerManager: ConsumerManager<BrokerClientChannel>;
  readonly producerManager: ProducerManager<BrokerClientChannel>;
  readonly store: MessageStore;
  readonly fs: FileSystem;
  readonly bootTimestamp: number;
  readonly brokerStats: BrokerStats;
  readonly clock: Clock;
  readonly logger: RemotingLogger;
  readonly brokerAddr: string;
  readonly sendProcessor: SendMessageProcessor;
  readonly holdService: PullRequestHoldService;
  /** the delivery of delayed messages (`scheduleMessageOffset_<level>`) */
  readonly scheduleMessageService: ScheduleMessageService;
  /** re-register now; settled when a round that started after the call ended */
  readonly requestRegister: () => Promise<void> | undefined;
  /** the round the last topic-table change asked for (its listener runs within the change) */
  readonly lastTopicAnnouncement: () => Promise<void> | undefined;
}

/**
 * The broker's client towards name servers, reading `registerBrokerTimeoutMills` and
 * `compressedRegister` per round, as RocketMQ's doRegisterBrokerAll does.
 *
 * @param client the remoting client
 * @param config the running configuration
 * @returns the API
 */
export function createBrokerOuterApi(
  client: OuterApiClient,
  config: () => BrokerConfig,
): BrokerOuterApi {
  return new BrokerOuterApi({
    client,
    timeoutMs: () => config().registerBrokerTimeoutMills,
    compressed: () => config().compressedRegister,
  });
}

/**
 * Builds the context of the admin processors and the HTTP admin from the controller's parts.
 *
 * @param parts the controller's managers, store and services
 * @returns the admin context
 */
export function createAdminContext(parts: AdminContextParts): BrokerAdminContext {
  return {
    configuration: parts.configuration,
    topicConfigManager: parts.topicConfigManager,
    subscriptionGroupManager: parts.subscriptionGroupManager,
    consumerOffsetManager: parts.consumerOffsetManager,
    consumerManager: parts.consumerManager,
    producerManager: parts.producerManager,
    messageStore: parts.store,
    fs: parts.fs,
    bootTimestamp: parts.bootTimestamp,
    brokerStats: parts.brokerStats,
    clock: parts.clock,
    logger: parts.logger,
    brokerAddr: parts.brokerAddr,
    brokerVersion: VERSION_DEFAULT,
    scheduleMessageService: parts.scheduleMessageService,
    requestQueueStats: () => ({
      sendQueueSize: parts.sendProcessor.awaitingStore,
      pullQueueSize: parts.holdService.size,
      queryQueueSize: 0,
      sendQueueHeadWaitMs: 0,
      pullQueueHeadWaitMs: 0,
      queryQueueHeadWaitMs: 0,
    }),
    // A topic change asked for a round itself (TopicConfigManager.onChange): wait for that one,
    // not another after it; a permission change is not in the topic table and asks here.
    notifyTopicChanged: (change: AdminTopicChange) =>
      (change.kind === "permission"
        ? parts.requestRegister()
        : change.kind === "delete"
        ? undefined
        : parts.lastTopicAnnouncement()) ?? Promise.resolve(),
    pushToConsumers: (group, request) => {
      const channels = parts.consumerManager.getConsumerGroupInfo(group)?.channelInfos() ?? [];
      for (const { channel: { remoting }, language } of channels) {
        remoting.invokeOneway(request(language), CLIENT_PUSH_TIMEOUT_MS).catch((error) =>
          parts.logger.warn(`broker: cannot push to ${remoting.remoteAddress}: ${String(error)}`)
        );
      }
      return channels.length;
    },
    callConsumer: (group, clientId, request, timeoutMs = CALL_CLIENT_TIMEOUT_MS) =>
      parts.consumerManager.findChannel(group, clientId)?.channel.remoting.invoke(
        request,
        timeoutMs,
      ),
    sendMessage: async (header: SendMessageRequestHeader, body: Uint8Array, bornHost: string) => {
      const { hostname, port } = parseAddress(bornHost);
      return await parts.sendProcessor.send({
        batch: false,
        header,
        body,
        bornHost: hostAddress(hostname, port),
        producerAddress: bornHost,
        version: VERSION_DEFAULT,
      });
    },
  };
}

/** What {@linkcode startScheduleMessageService} needs. */
export interface ScheduleParts {
  readonly store: MessageStore;
  readonly delayLevels: DelayLevelTable;
  readonly fs: FileSystem;
  /** `StorePaths.delayOffsetJson` */
  readonly path: string;
  readonly clock: Clock;
  readonly config: BrokerConfig;
  readonly logger: RemotingLogger;
}

/**
 * Loads delayOffset.json and starts the delivery of delayed messages, on masters only (a slave
 * receives the master's deliveries through replication, RocketMQ `handleScheduleMessageService`).
 *
 * @param parts the started store and what the service reads
 * @returns the service (started unless the broker is a slave)
 * @throws when delayOffset.json and its .bak cannot be read
 */
export async function startScheduleMessageService(
  parts: ScheduleParts,
): Promise<ScheduleMessageService> {
  const service = new ScheduleMessageService({
    store: parts.store,
    delayLevels: parts.delayLevels,
    fs: parts.fs,
    path: parts.path,
    clock: parts.clock,
    flushDelayOffsetIntervalMs: parts.config.flushDelayOffsetInterval,
    logger: parts.logger,
  });
  await service.load();
  if (parts.config.brokerRole !== "SLAVE") service.start();
  return service;
}

/**
 * Registers CONSUMER_SEND_MSG_BACK, LOCK_BATCH_MQ / UNLOCK_BATCH_MQ and GET_ALL_DELAY_OFFSET.
 *
 * @param registry the remoting server
 * @param context the core processors' broker state
 * @param parts the delivery service and the lock table
 */
export function registerBrokerExtrasProcessors(
  registry: ProcessorRegistry,
  context: CoreContext,
  parts: {
    readonly scheduleMessageService: ScheduleMessageService;
    readonly rebalanceLockManager: RebalanceLockManager;
  },
): void {
  registerConsumerSendMsgBackProcessor(registry, context);
  registerLockBatchProcessors(registry, {
    rebalanceLockManager: parts.rebalanceLockManager,
    logger: context.logger,
  });
  registerDelayOffsetProcessor(registry, {
    scheduleMessageService: parts.scheduleMessageService,
    logger: context.logger,
  });
}

/** Closes the connections of consumers and producers silent for `channelExpiredTimeout`. */
export function closeExpiredChannels(
  consumerManager: ConsumerManager<BrokerClientChannel>,
  producerManager: ProducerManager<BrokerClientChannel>,
  logger: RemotingLogger,
): void {
  const close = (role: string, group: string, clientId: string, address: string) => {
    logger.warn(`broker: ${role} ${clientId} of ${group} silent too long, closing ${address}`);
  };
  for (const { group, info } of consumerManager.scanNotActiveChannel()) {
    close("consumer", group, info.clientId, info.channel.remoteAddress);
    info.channel.remoting.close("channel expired");
  }
  for (const { group, info } of producerManager.scanNotActiveChannel()) {
    close("producer", group, info.clientId, info.channel.remoteAddress);
    info.channel.remoting.close("channel expired");
  }
}

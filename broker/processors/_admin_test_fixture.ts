/**
 * Test fixture: a broker without the network for the admin processor and HTTP admin tests — a real
 * MessageStore on the memory file system, the real metadata and client managers, the real send
 * path (SendMessageProcessor) behind `sendMessage`, and a {@linkcode BrokerAdminContext} over them.
 * Internal to the broker tests.
 *
 * @module
 */
import { ManualClock } from "../../common/clock.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { encodeHeader } from "../../protocol/headers/header_codec.ts";
import { RemotingClient } from "../../protocol/remoting_client.ts";
import {
  createRequest,
  createResponse,
  type RemotingCommand,
} from "../../protocol/remoting_command.ts";
import { RemotingServer } from "../../protocol/remoting_server.ts";
import type { SendMessageRequestHeader } from "../../protocol/headers/send_message_header.ts";
import { type RemotingLogger, silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { MemoryFileSystem } from "../../store/adapters/memory_file_system.ts";
import { hostAddress } from "../../store/message_id.ts";
import { encodeProperties } from "../../store/message_properties.ts";
import { MessageStore } from "../../store/message_store.ts";
import { type BrokerConfig, loadBrokerConfig } from "../broker_config.ts";
import type { BrokerEnv } from "../broker_config_schema.ts";
import type { ClientChannel } from "../client_channel_info.ts";
import { ConsumerManager } from "../consumer_manager.ts";
import { ConsumerOffsetManager } from "../consumer_offset_manager.ts";
import { buildSubscriptionData } from "../filter/subscription_data.ts";
import { PullRequestHoldService } from "../long_polling/pull_request_hold_service.ts";
import { ProducerManager } from "../producer_manager.ts";
import { BrokerStats } from "../stats/broker_stats.ts";
import { SubscriptionGroupManager } from "../subscription_group_manager.ts";
import { TopicConfigManager } from "../topic_config_manager.ts";
import type { BrokerClientChannel } from "./_processor_support.ts";
import { AdminBrokerConfiguration } from "./admin_broker_configuration.ts";
import type { AdminSendResult, AdminTopicChange, BrokerAdminContext } from "./admin_context.ts";
import { registerAdminProcessors } from "./admin_processors.ts";
import { SendMessageProcessor } from "./send_message_processor.ts";

/** The store root of the fixture broker. */
export const TEST_STORE_ROOT = "/store";
/** The fixture broker's advertised address. */
export const TEST_BROKER_ADDR = "127.0.0.1:10911";
/** 2024-11-24T08:20:00Z: a whole second, far from midnight in any time zone's day boundary tests. */
export const TEST_START_MS = 1_732_436_400_000;

/** A logger keeping every line, for assertions. */
export class CollectingLogger implements RemotingLogger {
  /** every line, prefixed with its level */
  readonly lines: string[] = [];
  /** @param message line */
  debug(message: string): void {
    this.lines.push(`debug ${message}`);
  }
  /** @param message line */
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  /** @param message line */
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  /** @param message line */
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

/** Options for {@linkcode createAdminTestBroker}. */
export interface AdminTestBrokerOptions {
  /** broker properties over the fixture's (`brokerName=broker-a`, store under `/store`) */
  readonly properties?: Readonly<Record<string, string>>;
}

/** A message to produce through the real send path. */
export interface TestMessage {
  /** queue to write (default 0) */
  readonly queueId?: number;
  /** body text (default `hello`) */
  readonly body?: string;
  /** TAGS */
  readonly tags?: string;
  /** KEYS, space-separated */
  readonly keys?: string;
}

/** The fixture broker: the admin context plus the real parts behind it. */
export interface AdminTestBroker {
  /** the context the admin surfaces get */
  readonly context: BrokerAdminContext;
  /** the real message store */
  readonly store: MessageStore;
  /** the memory file system under the store and the metadata files */
  readonly fs: MemoryFileSystem;
  /** the clock of everything */
  readonly clock: ManualClock;
  /** the running configuration */
  readonly configuration: AdminBrokerConfiguration;
  /** live consumer groups (register heartbeats here) */
  readonly consumerManager: ConsumerManager<ClientChannel>;
  /** live producer groups */
  readonly producerManager: ProducerManager<ClientChannel>;
  /** committed offsets */
  readonly consumerOffsetManager: ConsumerOffsetManager;
  /** every `notifyTopicChanged` call */
  readonly topicChanges: AdminTopicChange[];
  /** every request `pushToConsumers` sent, one per connection */
  readonly pushed: { group: string; request: RemotingCommand }[];
  /** every log line */
  readonly logger: CollectingLogger;
  /** sends one message through SEND_MESSAGE's path and waits until it is in its consume queue */
  produce(topic: string, message?: TestMessage): Promise<AdminSendResult>;
  /** registers a push consumer connection of `group` subscribing `topic` (a JAVA client) */
  addConsumer(group: string, topic: string, clientId?: string, language?: string): void;
  /** shuts the store down */
  close(): Promise<void>;
}

const ENV: BrokerEnv = { HOME: "/home/mq", hostname: "host1", localAddress: "127.0.0.1" };

/** Loads the fixture's broker configuration: small commit-log segments and index, store under `/store`. */
function fixtureConfig(options: AdminTestBrokerOptions, fs: MemoryFileSystem, clock: ManualClock) {
  const properties = {
    brokerName: "broker-a",
    storePathRootDir: TEST_STORE_ROOT,
    mappedFileSizeCommitLog: String(8 * 1024 * 1024),
    maxHashSlotNum: "1000",
    maxIndexNum: "4000",
    ...options.properties,
  };
  const initial = loadBrokerConfig({ properties, env: ENV });
  const path = `${TEST_STORE_ROOT}/config/broker.properties`;
  return new AdminBrokerConfiguration({ fs, path, env: ENV, initial, clock });
}

/** Starts a real store with the configuration's keys, its puts counted in `brokerStats`. */
async function startStore(
  config: BrokerConfig,
  fs: MemoryFileSystem,
  clock: ManualClock,
  brokerStats: BrokerStats,
): Promise<MessageStore> {
  const store = new MessageStore({
    fs,
    clock,
    onPut: (topic, msgs, bytes) => brokerStats.recordPut(topic, msgs, bytes),
    storeHost: hostAddress("127.0.0.1", config.listenPort),
    config: {
      storePathRootDir: config.storePathRootDir,
      mappedFileSizeCommitLog: config.mappedFileSizeCommitLog,
      maxHashSlotNum: config.maxHashSlotNum,
      maxIndexNum: config.maxIndexNum,
      brokerRole: config.brokerRole,
    },
  });
  await store.start();
  return store;
}

/** Loads the metadata managers from the store's config folder. */
async function loadManagers(
  config: BrokerConfig,
  store: MessageStore,
  fs: MemoryFileSystem,
  clock: ManualClock,
) {
  const paths = store.paths;
  const topicConfigManager = new TopicConfigManager({
    brokerConfig: config,
    fs,
    path: paths.topicsJson,
    clock,
  });
  await topicConfigManager.load();
  const subscriptionGroupManager = new SubscriptionGroupManager({
    autoCreateSubscriptionGroup: config.autoCreateSubscriptionGroup,
    fs,
    path: paths.subscriptionGroupJson,
    clock,
  });
  await subscriptionGroupManager.load();
  const consumerOffsetManager = new ConsumerOffsetManager({ fs, path: paths.consumerOffsetJson });
  await consumerOffsetManager.load();
  return { topicConfigManager, subscriptionGroupManager, consumerOffsetManager };
}

/** `sendMessage` over the real SendMessageProcessor; resolves once the message is in its consume queue. */
function sendThrough(
  sender: SendMessageProcessor,
  store: MessageStore,
): BrokerAdminContext["sendMessage"] {
  return async (header, body, bornHost) => {
    const colon = bornHost.lastIndexOf(":");
    const outcome = await sender.send({
      batch: false,
      header,
      body,
      bornHost: hostAddress(bornHost.slice(0, colon), Number(bornHost.slice(colon + 1))),
      producerAddress: bornHost,
      version: 409,
    });
    await store.waitDispatched();
    return outcome;
  };
}

/** The fixture's `produce`: one SEND_MESSAGE-shaped send from producer group PG. */
function producer(context: BrokerAdminContext): AdminTestBroker["produce"] {
  return async (topic, message = {}) => {
    const props = new Map<string, string>();
    if (message.tags !== undefined) props.set("TAGS", message.tags);
    if (message.keys !== undefined) props.set("KEYS", message.keys);
    const header: SendMessageRequestHeader = {
      producerGroup: "PG",
      topic,
      defaultTopic: "TBW102",
      defaultTopicQueueNums: 4,
      queueId: message.queueId ?? 0,
      sysFlag: 0,
      bornTimestamp: context.clock.now(),
      flag: 0,
      properties: encodeProperties(props),
    };
    const body = new TextEncoder().encode(message.body ?? "hello");
    const result = await context.sendMessage(header, body, "10.0.0.9:50000");
    if (result.code !== ResponseCode.SUCCESS) {
      throw new Error(`Cannot produce to ${topic}: ${result.code} ${result.remark}`);
    }
    return result;
  };
}

/** The fixture's `addConsumer`: a push consumer heartbeat on a new connection. */
function consumerRegistrar(manager: ConsumerManager<BrokerClientChannel>, clock: ManualClock) {
  let channels = 0;
  return (
    group: string,
    topic: string,
    clientId = `10.0.0.2@${group}`,
    language = "JAVA",
  ): void => {
    channels++;
    const channel = {
      id: `c${channels}`,
      remoteAddress: `10.0.0.2:${50000 + channels}`,
    } as BrokerClientChannel;
    manager.registerConsumer({
      group,
      registration: { channel, clientId, language, version: 409 },
      consumeType: "CONSUME_PASSIVELY",
      messageModel: "CLUSTERING",
      consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
      subscriptions: [
        buildSubscriptionData({ topic, subString: "TagA || TagB", subVersion: clock.now() }),
      ],
      notifyConsumerIdsChangedEnable: true,
    });
  };
}

/**
 * Builds and starts the fixture broker.
 *
 * @param options broker properties
 * @returns the broker; call `close()` at the end of the test
 */
export async function createAdminTestBroker(
  options: AdminTestBrokerOptions = {},
): Promise<AdminTestBroker> {
  const clock = new ManualClock(TEST_START_MS);
  const fs = new MemoryFileSystem({ clock });
  const logger = new CollectingLogger();
  const configuration = fixtureConfig(options, fs, clock);
  const config = configuration.config;
  const brokerStats = new BrokerStats({ clock });
  const store = await startStore(config, fs, clock, brokerStats);
  const managers = await loadManagers(config, store, fs, clock);
  const consumerManager = new ConsumerManager<BrokerClientChannel>({ clock });
  const producerManager = new ProducerManager<BrokerClientChannel>({ clock });
  const sender = new SendMessageProcessor({
    ...managers,
    config: { ...config, brokerIP1: "127.0.0.1" },
    clock,
    logger,
    store,
    consumerManager,
    producerManager,
    brokerStats,
    holdService: new PullRequestHoldService({ heldMax: 16 }),
    storeHost: hostAddress("127.0.0.1", config.listenPort),
    listenPort: () => config.listenPort,
    random: () => 0,
  });
  const topicChanges: AdminTopicChange[] = [];
  const pushed: { group: string; request: RemotingCommand }[] = [];
  const context: BrokerAdminContext = {
    ...managers,
    configuration,
    consumerManager,
    producerManager,
    messageStore: store,
    fs,
    bootTimestamp: TEST_START_MS,
    brokerStats,
    clock,
    logger,
    brokerAddr: TEST_BROKER_ADDR,
    brokerVersion: 409,
    notifyTopicChanged: (change) => {
      topicChanges.push(change);
      return Promise.resolve();
    },
    sendMessage: sendThrough(sender, store),
    callConsumer: (group, clientId, request) =>
      consumerManager.findChannel(group, clientId) === undefined ? undefined : Promise.resolve(
        createResponse(request, 0, `answered by ${clientId}`, request.extFields, request.body),
      ),
    pushToConsumers: (group, request) => {
      const infos = consumerManager.getConsumerGroupInfo(group)?.channelInfos() ?? [];
      for (const { language } of infos) pushed.push({ group, request: request(language) });
      return infos.length;
    },
  };
  return {
    ...managers,
    context,
    store,
    fs,
    clock,
    configuration,
    consumerManager,
    producerManager,
    topicChanges,
    pushed,
    logger,
    produce: producer(context),
    addConsumer: consumerRegistrar(consumerManager, clock),
    close: () => store.shutdown(),
  };
}

const utf8 = new TextEncoder();

/**
 * @param command a response
 * @returns its body as UTF-8 text ("" without a body)
 */
export function bodyText(command: RemotingCommand): string {
  return new TextDecoder().decode(command.body ?? new Uint8Array());
}

/** Calls one admin request over a real server and client. */
export type Invoke = (
  code: number,
  extFields?: Record<string, string | number | boolean>,
  body?: Uint8Array | string,
) => Promise<RemotingCommand>;

/**
 * Runs a test against the fixture broker with the admin processors on a real RemotingServer
 * (127.0.0.1, port 0) called by a real RemotingClient; closes everything afterwards.
 *
 * @param fn the test body
 * @param options broker properties
 */
export async function withAdminWire(
  fn: (broker: AdminTestBroker, invoke: Invoke) => Promise<void>,
  options: AdminTestBrokerOptions = {},
): Promise<void> {
  const broker = await createAdminTestBroker(options);
  const transport = new DenoTcpTransport();
  const server = new RemotingServer({
    transport,
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  registerAdminProcessors(server, broker.context);
  await server.start();
  const client = new RemotingClient({ transport, logger: silentRemotingLogger });
  const address = `127.0.0.1:${server.port}`;
  const invoke: Invoke = (code, extFields, body) =>
    client.invoke(
      address,
      createRequest(code, {
        extFields: extFields === undefined ? undefined : encodeHeader(extFields),
        body: typeof body === "string" ? utf8.encode(body) : body,
      }),
      5000,
    );
  try {
    await fn(broker, invoke);
  } finally {
    await client.shutdown();
    await server.shutdown();
    await broker.close();
  }
}

/** UPDATE_AND_CREATE_TOPIC header of topic T1: 2 queues, perm 6. */
export const CREATE_T1 = {
  topic: "T1",
  defaultTopic: "TBW102",
  readQueueNums: 2,
  writeQueueNums: 2,
  perm: 6,
  topicFilterType: "SINGLE_TAG",
  topicSysFlag: 0,
  order: false,
};

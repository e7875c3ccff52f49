/**
 * What the broker admin surfaces (the admin request processors and the HTTP admin app) need from
 * the broker, listed exactly. `BrokerController` satisfies it structurally: its managers, store
 * and stats already have these members; it adds the configuration holder, `notifyTopicChanged`
 * and `sendMessage`. Both surfaces read and write the same state through it.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { SendMessageRequestHeader } from "../../protocol/headers/send_message_header.ts";
import type { RemotingCommand } from "../../protocol/remoting_command.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { FileSystem } from "../../store/file_system.ts";
import type { MessageStore } from "../../store/message_store.ts";
import type { ClientChannel } from "../client_channel_info.ts";
import type { ConsumerManager } from "../consumer_manager.ts";
import type { ConsumerOffsetManager } from "../consumer_offset_manager.ts";
import type { DataVersion } from "../data_version.ts";
import type { ProducerManager } from "../producer_manager.ts";
import type { SubscriptionGroupManager } from "../subscription_group_manager.ts";
import type { TopicConfig } from "../topic_config.ts";
import type { TopicConfigManager } from "../topic_config_manager.ts";
import type { BrokerStats } from "../stats/broker_stats.ts";
import type { ScheduleMessageService } from "../schedule/schedule_message_service.ts";

/** The BrokerConfig / MessageStoreConfig keys the admin surfaces read (config.md §3, §4). */
export interface AdminBrokerConfig {
  /** `brokerClusterName` */
  readonly brokerClusterName: string;
  /** `brokerName`: the `brokerName` of every MessageQueue in admin bodies */
  readonly brokerName: string;
  /** `brokerId` */
  readonly brokerId: number;
  /** `brokerRole`: a SLAVE refuses topic and group changes, as RocketMQ's `validateSlave` */
  readonly brokerRole: string;
  /** `configBlackList`: `;`-separated keys UPDATE_BROKER_CONFIG and `PATCH /config` refuse */
  readonly configBlackList: string;
  /** `sendThreadPoolQueueCapacity`, reported by GET_BROKER_RUNTIME_INFO */
  readonly sendThreadPoolQueueCapacity: number;
  /** `pullThreadPoolQueueCapacity`, reported by GET_BROKER_RUNTIME_INFO */
  readonly pullThreadPoolQueueCapacity: number;
  /** `queryThreadPoolQueueCapacity`, reported by GET_BROKER_RUNTIME_INFO */
  readonly queryThreadPoolQueueCapacity: number;
  /** `endTransactionPoolQueueCapacity`, reported as `EndTransactionThreadPoolQueueCapacity` */
  readonly endTransactionPoolQueueCapacity: number;
}

/** What a configuration update did. */
export interface AdminConfigUpdateResult {
  /** unknown, renamed or no-effect keys named by the update */
  readonly warnings: readonly string[];
  /** keys whose values were applied */
  readonly appliedKeys: readonly string[];
}

/**
 * The running broker configuration (RocketMQ `Configuration`): values, version, properties text,
 * and updates that are persisted to the broker's config file.
 */
export interface AdminConfiguration {
  /** the effective configuration (replaced, never mutated, on update) */
  readonly config: AdminBrokerConfig;
  /** the configuration's DataVersion, bumped by each update (GET_BROKER_CONFIG header `version`) */
  readonly dataVersion: DataVersion;
  /**
   * @returns every non-null key of BrokerConfig, NettyServerConfig, NettyClientConfig and
   *   MessageStoreConfig plus the startup file's unknown keys, as sorted `key=value\n` lines
   */
  toProperties(): string;
  /**
   * Applies the given keys and persists the whole configuration (the `-c` file or
   * `<storePathRootDir>/config/broker.properties`). The admin surfaces refuse blacklisted keys
   * before calling it.
   *
   * @param properties the keys to change, text values
   * @throws {ConfigError} (common/config_loader.ts) when a value is invalid; nothing changes
   * @throws when persisting fails
   */
  update(properties: ReadonlyMap<string, string>): Promise<AdminConfigUpdateResult>;
}

/**
 * The MessageStore members the admin surfaces use (RocketMQ `MessageStore` names; the real
 * `store/message_store.ts` facade). Offsets are consume-queue entries; commit-log offsets are
 * bytes. `queryMessage` is RocketMQ's key lookup (QUERY_MESSAGE); `consumeQueueStore.deleteTopic`
 * drops a deleted topic's consume queues (RocketMQ `cleanUnusedTopic`); `findConsumeQueue` gives
 * one queue's raw units (QUERY_CONSUME_QUEUE).
 */
export type AdminMessageStore =
  & Pick<
    MessageStore,
    | "getMinOffsetInQueue"
    | "getMaxOffsetInQueue"
    | "getMessageStoreTimeStamp"
    | "getEarliestMessageTime"
    | "getOffsetInQueueByTime"
    | "deleteExpiredFiles"
    | "lookMessageByOffset"
    | "selectOneMessageByOffset"
    | "queryMessage"
    | "getCommitLogMinOffset"
    | "getCommitLogMaxOffset"
    | "stats"
    | "paths"
    | "storeStatsService"
  >
  & {
    /** drops a deleted topic's consume queues, or expired and unused ones; reads one queue */
    readonly consumeQueueStore: Pick<
      MessageStore["consumeQueueStore"],
      "deleteTopic" | "deleteQueue" | "queues" | "topics" | "findConsumeQueue"
    >;
    /** forgets a deleted topic's (or an expired queue's) next queue offsets */
    readonly commitLog: Pick<MessageStore["commitLog"], "removeQueueOffsets">;
  };

/** Request-queue figures of the broker's remoting layer (RocketMQ's thread-pool queues). */
export interface AdminRequestQueueStats {
  /** send requests waiting (`sendThreadPoolQueueSize`) */
  readonly sendQueueSize: number;
  /** pull requests waiting (`pullThreadPoolQueueSize`) */
  readonly pullQueueSize: number;
  /** query requests waiting (`queryThreadPoolQueueSize`) */
  readonly queryQueueSize: number;
  /** wait of the oldest queued send, ms (`sendThreadPoolQueueHeadWaitTimeMills`) */
  readonly sendQueueHeadWaitMs: number;
  /** wait of the oldest queued pull, ms (`pullThreadPoolQueueHeadWaitTimeMills`) */
  readonly pullQueueHeadWaitMs: number;
  /** wait of the oldest queued query, ms (`queryThreadPoolQueueHeadWaitTimeMills`) */
  readonly queryQueueHeadWaitMs: number;
}

/**
 * The outcome of a send through {@linkcode BrokerAdminContext.sendMessage}: exactly what the
 * SEND_MESSAGE processor answers. Stored outcomes are SUCCESS, FLUSH_DISK_TIMEOUT,
 * FLUSH_SLAVE_TIMEOUT and SLAVE_NOT_AVAILABLE (with msgId, queueId, queueOffset); any other code is
 * a refusal with its remark.
 */
export interface AdminSendResult {
  /** the response code */
  readonly code: number;
  /** the response remark */
  readonly remark?: string;
  /** offset message id (response header `msgId`) */
  readonly msgId?: string;
  /** the queue written */
  readonly queueId?: number;
  /** the message's queue offset */
  readonly queueOffset?: number;
  /** a refusal caused by the broker's state, not the request (see SendOutcome) */
  readonly serverSide?: boolean;
}

/** Why a topic changed, for {@linkcode BrokerAdminContext.notifyTopicChanged}. */
export interface AdminTopicChange {
  /** `create`/`update` (routes must appear at once), `delete`, or `permission` (broker perm) */
  readonly kind: "create" | "update" | "delete" | "permission";
  /** the topic's config (absent for `permission`) */
  readonly topicConfig?: TopicConfig;
}

/** The broker state and services the admin surfaces read and write. */
export interface BrokerAdminContext {
  /** the running configuration */
  readonly configuration: AdminConfiguration;
  /** topics */
  readonly topicConfigManager: Pick<
    TopicConfigManager,
    | "selectTopicConfig"
    | "updateTopicConfig"
    | "deleteTopicConfig"
    | "isSystemTopic"
    | "systemTopicList"
    | "topicConfigTable"
    | "encode"
    | "nextDataVersion"
  >;
  /** subscription groups */
  readonly subscriptionGroupManager: Pick<
    SubscriptionGroupManager,
    | "getSubscriptionGroupConfig"
    | "updateSubscriptionGroupConfig"
    | "deleteSubscriptionGroupConfig"
    | "subscriptionGroupTable"
    | "encode"
  >;
  /** committed offsets */
  readonly consumerOffsetManager: Pick<
    ConsumerOffsetManager,
    | "commitOffset"
    | "queryOffset"
    | "whichTopicByConsumer"
    | "whichGroupByTopic"
    | "removeOffset"
    | "removeTopicGroupOffset"
    | "offsetTable"
    | "cloneOffset"
  >;
  /** live consumer groups */
  readonly consumerManager: Pick<
    ConsumerManager<ClientChannel>,
    | "getConsumerGroupInfo"
    | "findSubscriptionData"
    | "findSubscriptionDataCount"
    | "queryTopicConsumeByWho"
    | "groupNames"
  >;
  /** live producer groups */
  readonly producerManager: Pick<
    ProducerManager<ClientChannel>,
    "getProducerConnections" | "groupNames"
  >;
  /** the message store */
  readonly messageStore: AdminMessageStore;
  /** the store's file system, for disk capacity (`commitLogDiskRatio`, `/metrics`) */
  readonly fs: Pick<FileSystem, "diskUsage">;
  /** ms since the epoch the broker started (`bootTimestamp`, `runtime`) */
  readonly bootTimestamp: number;
  /** traffic counters (the send and pull processors feed them) */
  readonly brokerStats: BrokerStats;
  /** time source */
  readonly clock: Clock;
  /** where admin actions and failures are logged */
  readonly logger: RemotingLogger;
  /** this broker's advertised address `brokerIP1:listenPort` */
  readonly brokerAddr: string;
  /** the broker's version ordinal (`brokerVersion`; 409 = V4_9_8) */
  readonly brokerVersion: number;
  /** @returns request-queue figures; absent ⇒ all 0 */
  requestQueueStats?(): AdminRequestQueueStats;
  /**
   * the delivery of delayed messages: its level → offset table gives `scheduleMessageOffset_<level>`
   * (absent ⇒ no such keys, as RocketMQ without a schedule service)
   */
  readonly scheduleMessageService?: Pick<ScheduleMessageService, "offsetTable">;
  /**
   * Re-registers with the name servers now (RocketMQ `registerIncrementBrokerData` /
   * `registerBrokerAll`), so a created topic has routes at once. Must not reject; the controller
   * logs registration failures and retries on its 30 s period.
   *
   * @param change what changed
   * @returns settled once a round that started after the change ended (RocketMQ answers
   *   UPDATE_AND_CREATE_TOPIC after its registration), bounded by `registerBrokerTimeoutMills`
   */
  notifyTopicChanged(change: AdminTopicChange): Promise<void>;
  /**
   * Sends one message through the same path as SEND_MESSAGE (auto-create, permission and
   * validation checks, store, stats), for HTTP producers.
   *
   * @param header the send header, as a SEND_MESSAGE request would carry
   * @param body the message body
   * @param bornHost the producer's address `ip:port`
   * @returns the outcome, as the SEND_MESSAGE response
   */
  sendMessage(
    header: SendMessageRequestHeader,
    body: Uint8Array,
    bornHost: string,
  ): Promise<AdminSendResult>;
  /**
   * Sends a oneway request (RESET_CONSUMER_CLIENT_OFFSET) to every connection of a consumer group;
   * a connection that cannot take it is logged.
   *
   * @param group the consumer group
   * @param request what to send to a connection whose client speaks `language` (one copy each)
   * @returns how many connections it was sent to (0: the group is not online)
   */
  pushToConsumers(group: string, request: (language: string) => RemotingCommand): number;
  /**
   * Sends a request to one client of a group and waits for its answer (RocketMQ `callClient`,
   * for GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY).
   *
   * @param group the consumer group
   * @param clientId the client's id in its heartbeat
   * @param request what to send
   * @param timeoutMs how long to wait for the answer (default `CALL_CLIENT_TIMEOUT_MS`)
   * @returns the client's answer, or undefined when no such client is connected in the group
   */
  callConsumer(
    group: string,
    clientId: string,
    request: RemotingCommand,
    timeoutMs?: number,
  ): Promise<RemotingCommand> | undefined;
}

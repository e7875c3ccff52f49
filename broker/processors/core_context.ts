/**
 * What the broker-core request processors (send, pull, offsets, client management, query) share:
 * the broker's settings, its metadata managers, the message store and the long-polling table.
 * The broker controller builds one and passes it to every `register…Processors` function.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { HostAddress } from "../../store/message_id.ts";
import type { MessageStore } from "../../store/message_store.ts";
import type { ConsumerManager } from "../consumer_manager.ts";
import type { ConsumerOffsetManager } from "../consumer_offset_manager.ts";
import type { PullRequestHoldService } from "../long_polling/pull_request_hold_service.ts";
import type { ProducerManager } from "../producer_manager.ts";
import type { BrokerStats } from "../stats/broker_stats.ts";
import type { SubscriptionGroupManager } from "../subscription_group_manager.ts";
import type { TopicConfigManager } from "../topic_config_manager.ts";
import type { ClientChannel } from "../client_channel_info.ts";
import type { RemotingChannel, RemotingProcessor } from "../../protocol/remoting_channel.ts";

/** A remoting connection as the consumer and producer managers see it. */
export interface BrokerClientChannel extends ClientChannel {
  /** the connection itself, for pushes such as NOTIFY_CONSUMER_IDS_CHANGED */
  readonly remoting: RemotingChannel;
}

/** The BrokerConfig / MessageStoreConfig keys the core processors read (names as RocketMQ's). */
export interface CoreConfig {
  readonly brokerClusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  /** advertised address (store host, registration, remarks) */
  readonly brokerIP1: string;
  /** PermName bits of the whole broker */
  readonly brokerPermission: number;
  /** send response `MSG_REGION` */
  readonly regionId: string;
  /** send response `TRACE_ON` */
  readonly traceOn: boolean;
  readonly longPollingEnable: boolean;
  readonly shortPollingTimeMills: number;
  readonly notifyConsumerIdsChangedEnable: boolean;
  readonly enablePropertyFilter: boolean;
  readonly slaveReadEnable: boolean;
  readonly rejectTransactionMessage: boolean;
  /** largest message body in bytes */
  readonly maxMessageSize: number;
  readonly brokerRole: "ASYNC_MASTER" | "SYNC_MASTER" | "SLAVE";
  /** QUERY_MESSAGE unique-key mode asks this many */
  readonly defaultQueryMaxNum: number;
  /** QUERY_MESSAGE cap */
  readonly maxMsgsNumBatch: number;
  /** sends refused before this time (ms) */
  readonly startAcceptSendRequestTimeStamp: number;
}

/** The broker state the core processors use. */
export interface CoreContext {
  /** settings */
  readonly config: CoreConfig;
  /** time source */
  readonly clock: Clock;
  /** where processors log */
  readonly logger: RemotingLogger;
  /** the message store */
  readonly store: MessageStore;
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
  /** traffic counters, fed by the store's put hook (every stored put) and the pull processor */
  readonly brokerStats: BrokerStats;
  /** parked long-polling pulls */
  readonly holdService: PullRequestHoldService;
  /** STOREHOST: brokerIP1 and the main listen port */
  readonly storeHost: HostAddress;
  /** the main listen port (PULL_MESSAGE is served there only) */
  readonly listenPort: () => number;
  /** uniform random number in [0, 1) for random queue ids */
  readonly random: () => number;
}

/** The part of `RemotingServer` processors register with. */
export interface ProcessorRegistry {
  /**
   * @param code request code
   * @param processor its handler
   */
  registerProcessor(code: number, processor: RemotingProcessor): void;
}

/**
 * The broker: configuration, metadata managers (topics, subscription groups, consumer offsets),
 * client management (consumer and producer connections), tag filtering and, later, the request
 * processors.
 *
 * @module
 */

/** Configuration and command line. */
export {
  BROKER_CONFIG_OBJECT_KEYS,
  type BrokerConfig,
  type BrokerConfigLoadResult,
  brokerConfigToProperties,
  type BrokerConfigToPropertiesOptions,
  createBrokerConfigSchema,
  loadBrokerConfig,
  type LoadBrokerConfigOptions,
  namesrvAddressList,
} from "./broker_config.ts";
export {
  BROKER_CONFIG_BLACK_LIST_DEFAULT,
  BROKER_IMPORTANT_KEYS,
  BROKER_NO_EFFECT_KEYS,
  BROKER_RENAMED_KEYS,
  type BrokerEnv,
  MESSAGE_DELAY_LEVEL_DEFAULT,
} from "./broker_config_schema.ts";
export { BROKER_USAGE, type BrokerCliPlan, parseBrokerArgs } from "./broker_cli.ts";

/** Errors and limits. */
export { BrokerError, tableFullError } from "./broker_error.ts";
export * from "./limits.ts";

/** Topics. */
export {
  buildTopicSysFlag,
  createTopicConfig,
  isInherited,
  isReadable,
  isWriteable,
  PermName,
  TOPIC_CONFIG_DEFAULTS,
  type TopicConfig,
  topicConfigSchema,
  topicConfigToJson,
  type TopicFilterType,
  TopicSysFlag,
} from "./topic_config.ts";
export {
  type CreateTopicInSendBackOptions,
  type CreateTopicInSendOptions,
  decodeTopicConfigWrapper,
  encodeTopicConfigWrapper,
  type TopicConfigChange,
  type TopicConfigChangeListener,
  TopicConfigManager,
  type TopicConfigManagerOptions,
  type TopicConfigSerializeWrapper,
  topicConfigWrapperFromJson,
} from "./topic_config_manager.ts";
export {
  buildSystemTopics,
  SCHEDULE_TOPIC_QUEUE_NUM,
  type SystemTopicSettings,
} from "./topic_config_manager_system.ts";
export * from "./topic_validator.ts";
export {
  type DataVersion,
  dataVersionSchema,
  dataVersionToJson,
  initialDataVersion,
  nextDataVersion,
} from "./data_version.ts";

/** Subscription groups and consumer offsets. */
export {
  createSubscriptionGroupConfig,
  SUBSCRIPTION_GROUP_CONFIG_DEFAULTS,
  type SubscriptionGroupConfig,
  subscriptionGroupConfigSchema,
  subscriptionGroupConfigToJson,
  type SubscriptionGroupSettings,
} from "./subscription_group_config.ts";
export {
  CID_ONSAPI_OWNER_GROUP,
  CID_ONSAPI_PERMISSION_GROUP,
  CID_ONSAPI_PULL_GROUP,
  CID_SYS_RMQ_TRANS,
  type DecodedSubscriptionGroups,
  decodeSubscriptionGroupWrapper,
  encodeSubscriptionGroupWrapper,
  FILTERSRV_CONSUMER_GROUP,
  ONS_HTTP_PROXY_GROUP,
  SELF_TEST_CONSUMER_GROUP,
  SubscriptionGroupManager,
  type SubscriptionGroupManagerOptions,
  type SubscriptionGroupWrapper,
  SYSTEM_SUBSCRIPTION_GROUPS,
  TOOLS_CONSUMER_GROUP,
} from "./subscription_group_manager.ts";
export {
  type CommitOffsetOptions,
  ConsumerOffsetManager,
  type ConsumerOffsetManagerOptions,
  decodeConsumerOffsets,
  encodeConsumerOffsets,
  TOPIC_GROUP_SEPARATOR,
} from "./consumer_offset_manager.ts";

/** Client connections. */
export type {
  ClientChannel,
  ClientChannelInfo,
  ClientChannelRegistration,
} from "./client_channel_info.ts";
export {
  type ConsumeFromWhere,
  type ConsumeMode,
  ConsumerGroupInfo,
  type ConsumeType,
  type MessageModel,
  type UpdateChannelOptions,
} from "./consumer_group_info.ts";
export {
  CHANNEL_EXPIRED_TIMEOUT_MS_DEFAULT,
  type ConsumerGroupEvent,
  type ConsumerIdsChangeListener,
  ConsumerManager,
  type ConsumerManagerOptions,
  type ExpiredConsumerChannel,
  type RegisterConsumerOptions,
} from "./consumer_manager.ts";
export {
  type ExpiredProducerChannel,
  ProducerManager,
  type ProducerManagerOptions,
} from "./producer_manager.ts";

/** Filtering. */
export * from "./filter/mod.ts";

// processors

/** Broker core: the controller, its request processors, long polling and registration. */
export {
  BrokerController,
  type BrokerControllerOptions,
  type HttpServerHandle as BrokerHttpServerHandle,
  type ServeHttp as BrokerServeHttp,
} from "./broker_controller.ts";
export {
  BrokerRegistrationService,
  type BrokerRegistrationServiceOptions,
} from "./broker_controller_registration.ts";
export {
  type BrokerIdentity,
  BrokerOuterApi,
  createRegisterBrokerRequest,
  encodeRegisterBrokerBody,
  type NamesrvCallFailure,
  type OuterApiClient,
  type RegisterBrokerResult,
} from "./broker_outer_api.ts";
export * from "./long_polling/mod.ts";
export type {
  BrokerClientChannel,
  CoreConfig,
  CoreContext,
  ProcessorRegistry,
} from "./processors/core_context.ts";
export {
  registerSendMessageProcessors,
  type SendInput,
  SendMessageProcessor,
  type SendOutcome,
} from "./processors/send_message_processor.ts";
export {
  PullMessageProcessor,
  pullResponseCode,
  registerPullMessageProcessor,
} from "./processors/pull_message_processor.ts";
export {
  getConsumerListByGroup,
  queryConsumerOffset,
  registerConsumerManageProcessors,
  updateConsumerOffset,
} from "./processors/consumer_manage_processor.ts";
export {
  getEarliestMsgStoretime,
  getMaxOffset,
  getMinOffset,
  registerQueryOffsetProcessors,
  searchOffsetByTimestamp,
} from "./processors/query_offset_processor.ts";
export {
  checkClientConfig,
  ConsumerIdsChangedNotifier,
  heartBeat,
  onClientChannelClosed,
  registerClientManageProcessors,
  unregisterClient,
} from "./processors/client_manage_processor.ts";
export {
  queryMessage,
  registerQueryMessageProcessors,
  viewMessageById,
} from "./processors/query_message_processor.ts";

/** Broker extras: consumer send-back (retry and DLQ), delay levels, orderly queue locks. */
export * from "./schedule/mod.ts";
export {
  REBALANCE_LOCK_MAX_LIVE_TIME_MS,
  RebalanceLockManager,
  type RebalanceLockManagerOptions,
} from "./rebalance_lock_manager.ts";
export {
  consumerSendMsgBack,
  PROPERTY_ORIGIN_MESSAGE_ID,
  PROPERTY_RETRY_TOPIC,
  registerConsumerSendMsgBackProcessor,
  type SendBackInput,
} from "./processors/consumer_send_msg_back_processor.ts";
export {
  decodeLockBatchRequestBody,
  encodeLockBatchResponseBody,
  type LockBatchContext,
  type LockBatchRequestBody,
  registerLockBatchProcessors,
} from "./processors/lock_batch_mq_processor.ts";
export {
  type DelayOffsetContext,
  registerDelayOffsetProcessor,
} from "./processors/delay_offset_processor.ts";

/**
 * The EdgeMQ client library: RocketMQ's producer, admin client and client instance for Deno.
 * Speaks RocketMQ's wire protocol, so it works against EdgeMQ and Apache RocketMQ brokers alike.
 *
 * @example
 * ```ts ignore
 * import { Producer } from "./mod.ts";
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" });
 * await producer.start();
 * const result = await producer.send({ topic: "TopicTest", body: "hello", tags: "TagA" });
 * console.log(result.sendStatus, result.msgId);
 * await producer.shutdown();
 * ```
 *
 * @module
 */

/** Options and errors. */
export {
  brokerVIPChannel,
  buildMQClientId,
  type ClientConfig,
  type ClientConfigInput,
  ClientConfigSchema,
  type ClientIo,
  DEFAULT_INSTANCE_NAME,
  parseNamesrvAddr,
  resolveClientConfig,
} from "./client_config.ts";
export {
  chooseLocalAddress,
  type ClientEnv,
  type NetworkAddress,
  staticClientEnv,
} from "./client_env.ts";
export { denoClientEnv } from "./adapters/deno_client_env.ts";
export {
  attachDefaultUrl,
  ClientConfigError,
  type ClientConfigIssue,
  ClientErrorCode,
  FAQ_URL,
  MQBrokerError,
  MQClientError,
  type MQClientErrorOptions,
  suggestTodo,
} from "./client_error.ts";
export * from "./limits.ts";

/** Messages. */
export { Message, MessageExt, type MessageExtInit, type MessageInit } from "./message.ts";
export * from "./message_const.ts";
export {
  decodeMessageAt,
  decodeMessages,
  type DecodeMessagesOptions,
  MessageDecodeError,
} from "./message_decoder.ts";
export * from "./message_compression.ts";
export {
  MessageClientIdGenerator,
  type MessageClientIdGeneratorOptions,
} from "./message_client_id.ts";
export {
  type BatchEntry,
  createMessageBatch,
  type CreateMessageBatchOptions,
  decodeMessageBatch,
  type MessageBatch,
} from "./message_batch.ts";
export * from "./message_queue.ts";
export * from "./message_queue_selector.ts";
export * from "./validators.ts";

/** Producer. */
export { type MessageLike, Producer, type ProducerState, type SendOptions } from "./producer.ts";
export {
  type ProducerConfig,
  type ProducerConfigInput,
  type ProducerOptions,
  resolveProducerConfig,
  RETRY_RESPONSE_CODES_DEFAULT,
} from "./producer_config.ts";
export {
  processSendResponse,
  type SendResponseContext,
  type SendResult,
  type SendStatus,
} from "./send_result.ts";
export * from "./mq_fault_strategy.ts";

/** Client instance and remote calls (what consumers build on). */
export {
  MQClientInstance,
  type ServiceState,
  type UpdateRouteOptions,
} from "./mq_client_instance.ts";
export type {
  MQClientInstanceEvents,
  MQConsumerInner,
  MQProducerInner,
} from "./mq_client_inner.ts";
export { defaultMQClientManager, MQClientManager } from "./mq_client_manager.ts";
export { ClientBrokerTable, type FindBrokerResult } from "./client_broker_table.ts";
export {
  type LockBatchRequest,
  MQClientAPI,
  type QueryMessageResult,
  type RequestHeader,
} from "./mq_client_api.ts";
export { NamesrvInvoker, type NamesrvInvokerOptions } from "./namesrv_invoker.ts";
export { processPullResponse, type PullResult, type PullStatus } from "./pull_result.ts";
export * from "./heartbeat_data.ts";
export * from "./topic_route.ts";
export * from "./topic_publish_info.ts";

/** Administration. */
export {
  AdminClient,
  type AdminClientOptions,
  type QueryMessageOptions,
  type TopicConfigInput,
} from "./admin_client.ts";
export * from "./admin_bodies.ts";
export * from "./consumer_running_info.ts";
export type {
  ResetOffsetRequest,
  ResetOffsetResult,
  RollbackStats,
} from "./_admin_reset_offset.ts";
export type { BrokerStatsData, BrokerStatsItem, ProducerInfo } from "./_admin_maintenance.ts";
export { decodeTraceData, TraceDataError, type TraceRecord, type TraceType } from "./trace_data.ts";
export type {
  ConsumeQueueData,
  QueriedSubscriptionData,
  QueryConsumeQueueOptions,
  QueryConsumeQueueResponseBody,
} from "./_admin_client_queues.ts";

// consumers (consumer helper: PushConsumer, PullConsumer, rebalance, offset stores)
/** Push and pull consumers. */
export { type ConsumerState, PushConsumer } from "./push_consumer.ts";
export {
  checkConsumerGroup,
  consumerCommonShape,
  type ConsumerIo,
  type ConsumerTimingOptions,
  DEFAULT_CONSUMER_GROUP,
  finishConsumerConfig,
  type MessageQueueListener,
  parseConsumerConfig,
  parseConsumerOptions,
  type PushConsumerConfig,
  type PushConsumerConfigInput,
  type PushConsumerOptions,
  pushConsumerShape,
  type ResolvedConsumerConfig,
  resolvePushConsumerConfig,
} from "./push_consumer_options.ts";
export {
  NOT_RUNNING_EXCEPTION_MESSAGE,
  type PollOptions,
  PullConsumer,
  SUBSCRIPTION_CONFLICT_EXCEPTION_MESSAGE,
} from "./pull_consumer.ts";
export {
  LITE_PULL_TIME_DELAY_MILLS_WHEN_EXCEPTION_DEFAULT,
  type PullConsumerConfig,
  type PullConsumerConfigInput,
  type PullConsumerOptions,
  pullConsumerShape,
  resolvePullConsumerConfig,
} from "./pull_consumer_options.ts";
export * from "./consumer/mod.ts";
export * from "./rebalance/mod.ts";

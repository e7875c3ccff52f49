/**
 * The parts of the push and pull consumers (RocketMQ `impl/consumer/*`, `consumer/store/*`):
 * listener types, the per-queue cache, offset stores, the start-position rules, the pull loops,
 * the concurrent and orderly consume services, and their limits.
 *
 * @module
 */

/** Listeners. */
export {
  type ConsumeConcurrentlyContext,
  ConsumeConcurrentlyStatus,
  type ConsumeOrderlyContext,
  ConsumeOrderlyStatus,
  type MessageListenerConcurrently,
  type MessageListenerOrderly,
} from "./message_listener.ts";

/** Offsets and start positions. */
export {
  type OffsetStore,
  OffsetTable,
  type PersistOptions,
  queueKeySet,
  type ReadOffsetType,
} from "./offset_store.ts";
export { type BrokerOffsetClient, RemoteBrokerOffsetStore } from "./remote_broker_offset_store.ts";
export { createOffsetStore, type CreateOffsetStoreOptions } from "./create_offset_store.ts";
export {
  decodeOffsetTable,
  defaultLocalOffsetStoreDir,
  encodeOffsetTable,
  LOCAL_OFFSET_STORE_DIR_NAME,
  LOCAL_OFFSET_STORE_DIR_PROPERTY,
  LocalFileOffsetStore,
  type LocalFileOffsetStoreOptions,
} from "./local_file_offset_store.ts";
export {
  computePullFromWhere,
  type PullFromWhereSettings,
  type PullFromWhereSource,
} from "./compute_pull_from_where.ts";
export {
  checkConsumeTimestamp,
  defaultConsumeTimestamp,
  formatConsumeTimestamp,
  parseConsumeTimestamp,
} from "./consume_timestamp.ts";
export { type QueueOffsetClient, QueueOffsetQueries } from "./queue_offset_queries.ts";

/** Caches, pulls and consumption. */
export { ProcessQueue } from "./process_queue.ts";
export type { PullRequest } from "./pull_request.ts";
export { decodePulledMessages, type PulledMessagesContext } from "./decode_pulled_messages.ts";
export {
  PullAPIWrapper,
  type PullClient,
  type PulledMessages,
  type PullKernelRequest,
} from "./pull_api_wrapper.ts";
export {
  flowControlReason,
  type PullSettings,
  PushMessagePuller,
  type PushMessagePullerOptions,
} from "./push_message_puller.ts";
export {
  type ConsumeConcurrentlyOptions,
  ConsumeMessageConcurrentlyService,
} from "./consume_message_concurrently_service.ts";
export {
  ConsumeMessageOrderlyService,
  type ConsumeOrderlyOptions,
} from "./consume_message_orderly_service.ts";
export { ConsumeLimiter } from "./consume_limiter.ts";
export { ConsumerTimers } from "./consumer_timers.ts";
export { ConsumerStats } from "./consumer_stats.ts";
export { consumeMessageDirectly, type DirectConsumeOptions } from "./consume_message_directly.ts";
export { getRetryTopic, resetRetryTopic, setReconsumeTimes } from "./retry_topic.ts";
export { PushConsumerEngine, type PushConsumerEngineOptions } from "./push_consumer_engine.ts";

/** Pull consumer parts. */
export { AssignedMessageQueue, type MessageQueueState } from "./assigned_message_queue.ts";
export { type ConsumeRequest, ConsumeRequestBuffer } from "./consume_request_buffer.ts";
export {
  type LitePullSettings,
  LitePullTasks,
  type LitePullTasksOptions,
} from "./lite_pull_tasks.ts";
export { PullConsumerEngine, type PullConsumerEngineOptions } from "./pull_consumer_engine.ts";

/** Limits. */
export * from "./limits.ts";

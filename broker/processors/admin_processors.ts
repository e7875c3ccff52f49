/**
 * Registers every broker admin request processor on a remoting server: topics, groups, progress,
 * connections, configuration and runtime info. The broker controller calls
 * {@linkcode registerAdminProcessors} once, before `start()`.
 *
 * @module
 */
import { registerOffsetAdminProcessors } from "./admin_offset_processors.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import { registerConfigAdminProcessors } from "./admin_config_processors.ts";
import { registerConsumerStatusAdminProcessor } from "./admin_consumer_status.ts";
import { registerConsumeTimeSpanAdminProcessor } from "./admin_consume_time_span.ts";
import { registerGroupAdminProcessors } from "./admin_group_processors.ts";
import { registerMaintenanceAdminProcessors } from "./admin_maintenance_processors.ts";
import { registerConsumeQueueAdminProcessors } from "./admin_query_consume_queue.ts";
import {
  type AdminProcessorRegistry,
  registerTopicAdminProcessors,
} from "./admin_topic_processors.ts";

export type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

/** The request codes {@linkcode registerAdminProcessors} handles. */
export const ADMIN_REQUEST_CODES: readonly number[] = [
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.GET_ALL_TOPIC_CONFIG,
  RequestCode.GET_TOPIC_STATS_INFO,
  RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER,
  RequestCode.GET_TOPIC_CONFIG,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.DELETE_SUBSCRIPTIONGROUP,
  RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
  RequestCode.GET_CONSUME_STATS,
  RequestCode.GET_CONSUMER_CONNECTION_LIST,
  RequestCode.GET_PRODUCER_CONNECTION_LIST,
  RequestCode.QUERY_TOPIC_CONSUME_BY_WHO,
  RequestCode.QUERY_CONSUME_TIME_SPAN,
  RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG,
  RequestCode.GET_BROKER_CONFIG,
  RequestCode.UPDATE_BROKER_CONFIG,
  RequestCode.GET_BROKER_RUNTIME_INFO,
  RequestCode.CLONE_GROUP_OFFSET,
  RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
  RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS,
  RequestCode.GET_CONSUMER_RUNNING_INFO,
  RequestCode.CONSUME_MESSAGE_DIRECTLY,
  RequestCode.DELETE_EXPIRED_COMMITLOG,
  RequestCode.GET_ALL_PRODUCER_INFO,
  RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE,
  RequestCode.CLEAN_UNUSED_TOPIC,
  RequestCode.VIEW_BROKER_STATS_DATA,
  RequestCode.QUERY_CONSUME_QUEUE,
];

/**
 * Registers the admin processors: UPDATE_AND_CREATE_TOPIC, DELETE_TOPIC_IN_BROKER,
 * GET_ALL_TOPIC_CONFIG, GET_TOPIC_STATS_INFO, GET_SYSTEM_TOPIC_LIST_FROM_BROKER, GET_TOPIC_CONFIG,
 * GET_SUBSCRIPTIONGROUP_CONFIG, UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, DELETE_SUBSCRIPTIONGROUP,
 * GET_ALL_SUBSCRIPTIONGROUP_CONFIG, GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST,
 * GET_PRODUCER_CONNECTION_LIST, QUERY_TOPIC_CONSUME_BY_WHO, QUERY_CONSUME_TIME_SPAN,
 * GET_BROKER_CONFIG, UPDATE_BROKER_CONFIG, GET_BROKER_RUNTIME_INFO, CLONE_GROUP_OFFSET,
 * INVOKE_BROKER_TO_RESET_OFFSET, INVOKE_BROKER_TO_GET_CONSUMER_STATUS, GET_CONSUMER_RUNNING_INFO,
 * CONSUME_MESSAGE_DIRECTLY, DELETE_EXPIRED_COMMITLOG, GET_ALL_PRODUCER_INFO,
 * CLEAN_EXPIRED_CONSUMEQUEUE, CLEAN_UNUSED_TOPIC, VIEW_BROKER_STATS_DATA and QUERY_CONSUME_QUEUE.
 * Every processor answers bad input with an error response (never throws).
 *
 * @param server the remoting server (anything with `registerProcessor`)
 * @param context the broker state and services
 */
export function registerAdminProcessors(
  server: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  registerTopicAdminProcessors(server, context);
  registerGroupAdminProcessors(server, context);
  registerConfigAdminProcessors(server, context);
  registerOffsetAdminProcessors(server, context);
  registerConsumerStatusAdminProcessor(server, context);
  registerConsumeTimeSpanAdminProcessor(server, context);
  registerMaintenanceAdminProcessors(server, context);
  registerConsumeQueueAdminProcessors(server, context);
}

/**
 * One route lookup of the client instance (`mq_client_instance.ts`): the topic's own route, or the auto-create
 * template's (TBW102) cut to the new topic's queue count. Internal.
 *
 * @module
 */

import type { TopicRouteData } from "../namesrv/route_types.ts";
import type { ClientConfig } from "./client_config.ts";
import { MQClientError } from "./client_error.ts";
import { AUTO_CREATE_TOPIC_KEY_TOPIC } from "./message_const.ts";
import type { MQClientAPI } from "./mq_client_api.ts";
import { BodyDecodeError } from "./topic_route.ts";
import type { UpdateRouteOptions } from "./mq_client_instance.ts";

/**
 * @param api the client's remoting API
 * @param config its timeout and logger
 * @param topic the topic
 * @param options template route options
 * @returns the route, or undefined when the name server has none or its answer is malformed
 *   (a queue count over ROUTE_QUEUE_NUMS_MAX, say)
 * @throws the remoting error when no name server answered
 */
export async function fetchTopicRoute(
  api: MQClientAPI,
  config: Pick<ClientConfig, "mqClientApiTimeout" | "logger">,
  topic: string,
  options: UpdateRouteOptions,
): Promise<TopicRouteData | undefined> {
  const timeoutMs = config.mqClientApiTimeout;
  try {
    if (options.isDefault !== true) {
      return await api.getTopicRouteInfoFromNameServer(topic, timeoutMs);
    }
    const key = options.createTopicKey ?? AUTO_CREATE_TOPIC_KEY_TOPIC;
    const route = await api.getTopicRouteInfoFromNameServer(key, timeoutMs);
    const nums = options.defaultTopicQueueNums ?? 4;
    for (const qd of route.queueDatas) {
      qd.readQueueNums = Math.min(nums, qd.readQueueNums);
      qd.writeQueueNums = qd.readQueueNums;
    }
    return route;
  } catch (error) {
    if (error instanceof MQClientError) {
      config.logger.debug(`No route of topic ${topic}: ${error.errorMessage}`);
      return undefined;
    }
    if (error instanceof BodyDecodeError) {
      config.logger.warn(`Route of topic ${topic} refused: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

/**
 * RocketMQ MQAdminImpl's `fetchPublishMessageQueues` / `fetchSubscribeMessageQueues`: a topic's
 * queues as the name server routes it now, never a cache (a deleted topic's queues) nor the
 * template route.
 *
 * @param api the client's remoting API
 * @param config its timeout and logger
 * @param topic the topic
 * @param queuesOf the route's queues the caller wants (writable or readable)
 * @param emptyRemarkPrefix put before the "Can not find" message when the route has no such
 *   queue (MQAdminImpl's publish path says "Unknow why, ")
 * @returns the queues, at least one
 * @throws {MQClientError} `Can not find Message Queue for this topic, T` when no name server
 *   answers or the route holds none
 */
export async function fetchQueuesFromNameServer<Q>(
  api: MQClientAPI,
  config: Pick<ClientConfig, "mqClientApiTimeout" | "logger">,
  topic: string,
  queuesOf: (route: TopicRouteData) => readonly Q[],
  emptyRemarkPrefix = "",
): Promise<Q[]> {
  const message = `Can not find Message Queue for this topic, ${topic}`;
  let route;
  try {
    route = await fetchTopicRoute(api, config, topic, {});
  } catch (error) {
    throw new MQClientError(message, { cause: error });
  }
  const queues = route === undefined ? [] : queuesOf(route);
  if (queues.length === 0) throw new MQClientError(`${emptyRemarkPrefix}${message}`);
  return [...queues];
}

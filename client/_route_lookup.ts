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

/**
 * The client side of a reset by time (RocketMQ `ClientRemotingProcessor.resetOffset`): a broker
 * pushes RESET_CONSUMER_CLIENT_OFFSET (oneway; header topic and group, body ResetOffsetBody) to
 * every connection of a group, and the group's consumer on this instance moves its queues of
 * that topic there. Internal.
 *
 * @module
 */

import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import { ResetOffsetRequestHeader } from "../../protocol/headers/admin_headers.ts";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { decodeResetOffsetBody } from "../admin_bodies.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";

/**
 * @param instance the client instance whose consumers the pushes are for
 * @param logger where a push for no consumer, or a failed reset, is logged
 * @returns the processor of RESET_CONSUMER_CLIENT_OFFSET (answers nothing: the push is oneway)
 */
export function resetOffsetProcessor(
  instance: Pick<MQClientInstance, "selectConsumer">,
  logger: RemotingLogger,
): RemotingProcessor {
  return async (request) => {
    try {
      const header = decodeHeader(ResetOffsetRequestHeader, request);
      const consumer = instance.selectConsumer(header.group);
      if (consumer?.resetOffset === undefined) {
        logger.info(`[reset-offset] no push consumer of group ${header.group} here`);
        return null;
      }
      await consumer.resetOffset(header.topic, decodeResetOffsetBody(request.body));
    } catch (error) {
      logger.warn(`[reset-offset] cannot reset: ${(error as Error).message}`);
    }
    return null;
  };
}

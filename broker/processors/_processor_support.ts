/**
 * What the broker-core request processors share: turning errors into responses, the connection
 * wrapper the client managers key on, and RocketMQ's FAQ hint appended to some remarks.
 *
 * @module
 */

import { HeaderDecodeError } from "../../protocol/errors.ts";
import type { RemotingChannel, RemotingProcessor } from "../../protocol/remoting_channel.ts";
import { createResponse, isOneway, type RemotingCommand } from "../../protocol/remoting_command.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { requestCodeName } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import type { BrokerClientChannel } from "./core_context.ts";

export type { BrokerClientChannel };

const CLIENT_CHANNEL_KEY = "edgemq.broker.clientChannel";

/**
 * Returns the one wrapper of a connection (kept in its attributes, so every heartbeat of a
 * connection maps to the same manager entry).
 *
 * @param channel the connection
 * @returns its wrapper, keyed by the connection id
 */
export function clientChannelOf(channel: RemotingChannel): BrokerClientChannel {
  let wrapper = channel.attributes.get(CLIENT_CHANNEL_KEY) as BrokerClientChannel | undefined;
  if (wrapper === undefined) {
    wrapper = { id: String(channel.id), remoteAddress: channel.remoteAddress, remoting: channel };
    channel.attributes.set(CLIENT_CHANNEL_KEY, wrapper);
  }
  return wrapper;
}

/** A processor body that may throw typed errors. */
export type ProcessorBody = (
  request: RemotingCommand,
  channel: RemotingChannel,
) => Promise<RemotingCommand | null> | RemotingCommand | null;

/**
 * Wraps a processor so errors become responses: {@linkcode BrokerError} and
 * {@linkcode HeaderDecodeError} keep their code and remark, anything else is SYSTEM_ERROR with the
 * error text and is logged (RocketMQ answers an exception the same way). Oneway requests get no
 * response either way.
 *
 * @param logger where unexpected failures go
 * @param body the processor
 * @returns a processor that never rejects
 */
export function guardProcessor(logger: RemotingLogger, body: ProcessorBody): RemotingProcessor {
  // Not async: a synchronous answer stays synchronous (no promise hop), and a promise gets one
  // rejection handler instead of an async frame per request.
  return (request, channel) => {
    let result: ReturnType<ProcessorBody>;
    try {
      result = body(request, channel);
    } catch (error) {
      return guardedError(request, error, channel, logger);
    }
    if (!(result instanceof Promise)) return result;
    return result.then(undefined, (error) => guardedError(request, error, channel, logger));
  };
}

function guardedError(
  request: RemotingCommand,
  error: unknown,
  channel: RemotingChannel,
  logger: RemotingLogger,
): RemotingCommand | null {
  const response = errorToResponse(request, error, channel, logger);
  return isOneway(request) ? null : response;
}

function errorToResponse(
  request: RemotingCommand,
  error: unknown,
  channel: RemotingChannel,
  logger: RemotingLogger,
): RemotingCommand {
  if (error instanceof BrokerError || error instanceof HeaderDecodeError) {
    logger.debug(
      `broker: ${requestCodeName(request.code)} from ${channel.remoteAddress}: ${error.remark}`,
    );
    return createResponse(request, error.code, error.remark);
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  logger.error(
    `broker: ${requestCodeName(request.code)} from ${channel.remoteAddress} failed: ${text}`,
  );
  return createResponse(request, ResponseCode.SYSTEM_ERROR, text);
}

/** RocketMQ `FAQUrl.APPLY_TOPIC_URL`. */
export const APPLY_TOPIC_URL = "http://rocketmq.apache.org/docs/faq/";
/** RocketMQ `FAQUrl.SUBSCRIPTION_GROUP_NOT_EXIST`. */
export const SUBSCRIPTION_GROUP_NOT_EXIST_URL = "http://rocketmq.apache.org/docs/faq/";
/** RocketMQ `FAQUrl.SAME_GROUP_DIFFERENT_TOPIC`. */
export const SAME_GROUP_DIFFERENT_TOPIC_URL = "http://rocketmq.apache.org/docs/faq/";

/**
 * RocketMQ `FAQUrl.suggestTodo`: the hint appended to some remarks (clients strip it with
 * `attachDefaultURL`/`suggestTodo` parsing, so keep the exact form).
 *
 * @param url the FAQ address
 * @returns `\nSee <url> for further details.`
 */
export function suggestTodo(url: string): string {
  return `\nSee ${url} for further details.`;
}

/**
 * Dispatch of one received request to its processor, and the rules for what gets answered: unknown
 * codes, overload, shutdown, processor errors, oneway (`shared/spec/remoting.md` §4).
 *
 * @module
 */

import { ERROR_REMARK_CHARS_MAX } from "./limits.ts";
import { createResponse, FLAG_ONEWAY, FLAG_RESPONSE } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import type { RemotingProcessor } from "./remoting_channel.ts";
import { errorResponseOf } from "./remoting_error.ts";
import { ResponseCode } from "./response_code.ts";
import type { RemotingConnection } from "./_remoting_connection.ts";

/** RocketMQ's remark when a request is refused because too much is in flight. */
export const OVERLOAD_REMARK = "[OVERLOAD]system busy, start flow control for a while";
/** Remark for requests of older clients that arrive while the server shuts down. */
export const SHUTTING_DOWN_REMARK = "[REJECTREQUEST]system busy, server is shutting down";
/** RocketMQ 5.x's remark of GO_AWAY. */
export const GO_AWAY_REMARK = "please go away";
/**
 * MQVersion ordinal V5_3_1 (spec remoting.md §6): clients newer than it understand GO_AWAY (close the
 * connection and reconnect); older ones get SYSTEM_BUSY during shutdown.
 */
const GO_AWAY_VERSION_MIN_EXCLUSIVE = 475;

/**
 * @param error anything thrown
 * @returns "Name: message", cut to `ERROR_REMARK_CHARS_MAX`, for remarks and logs
 */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > ERROR_REMARK_CHARS_MAX ? text.slice(0, ERROR_REMARK_CHARS_MAX) : text;
}

function finish(
  connection: RemotingConnection,
  request: RemotingCommand,
  bytes: number,
  response: RemotingCommand | null,
): void {
  if (response != null && typeof response !== "object") {
    // A processor outside its type (JavaScript callers): an error answer, never an uncaught throw.
    const error = new TypeError(`processor answered ${typeof response}, not a RemotingCommand`);
    finishError(connection, request, bytes, error);
    return;
  }
  connection.endRequest(bytes);
  if (response == null || (request.flag & FLAG_ONEWAY) !== 0) return;
  response.opaque = request.opaque;
  response.flag |= FLAG_RESPONSE;
  connection.respond(response);
}

function finishError(
  connection: RemotingConnection,
  request: RemotingCommand,
  bytes: number,
  error: unknown,
): void {
  connection.endRequest(bytes);
  const coded = errorResponseOf(error);
  const logger = connection.owner.logger;
  const message = `Cannot process request code ${request.code} from ${connection.remoteAddress}: ${
    errorText(error)
  }`;
  if (coded !== undefined) logger.warn(message);
  else logger.error(message);
  if ((request.flag & FLAG_ONEWAY) !== 0) return;
  connection.respond(
    coded !== undefined
      ? createResponse(request, coded.code, coded.remark)
      : createResponse(request, ResponseCode.SYSTEM_ERROR, errorText(error)),
  );
}

/** Answers a request that is refused before reaching a processor (never a oneway one). */
function refuse(
  connection: RemotingConnection,
  request: RemotingCommand,
  code: number,
  remark: string,
) {
  if ((request.flag & FLAG_ONEWAY) === 0) connection.respond(createResponse(request, code, remark));
}

/**
 * Runs the processor of `request` and writes its response when it settles. Synchronous processors
 * finish without a promise hop.
 *
 * @param connection where the request came from
 * @param request the decoded request
 * @param bytes its frame size, counted as in flight until the processor settles
 */
export function dispatchRequest(
  connection: RemotingConnection,
  request: RemotingCommand,
  bytes: number,
): void {
  const owner = connection.owner;
  if (owner.draining) {
    if (request.version > GO_AWAY_VERSION_MIN_EXCLUSIVE) {
      refuse(connection, request, ResponseCode.GO_AWAY, GO_AWAY_REMARK);
    } else {
      refuse(connection, request, ResponseCode.SYSTEM_BUSY, SHUTTING_DOWN_REMARK);
    }
    return;
  }
  const processor = owner.processorFor(request.code);
  if (processor === undefined) {
    const remark = ` request type ${request.code} not supported`;
    owner.logger.warn(`${connection.remoteAddress}${remark}`);
    refuse(connection, request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, remark);
    return;
  }
  if (connection.requestsInFlight >= owner.requestsInFlightMax) {
    refuse(connection, request, ResponseCode.SYSTEM_BUSY, OVERLOAD_REMARK);
    return;
  }
  connection.beginRequest(bytes);
  let result: ReturnType<RemotingProcessor>;
  try {
    result = processor(request, connection);
  } catch (error) {
    finishError(connection, request, bytes, error);
    return;
  }
  if (result instanceof Promise) {
    result.then(
      (response) => finish(connection, request, bytes, response),
      (error) => finishError(connection, request, bytes, error),
    );
  } else {
    finish(connection, request, bytes, result);
  }
}

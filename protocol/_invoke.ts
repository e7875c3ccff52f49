/**
 * Invocations over one connection (request → response, and oneway), bounded by the owner's semaphores
 * as RocketMQ's `NettyRemotingAbstract.invokeAsyncImpl` / `invokeOnewayImpl` bound them: a permit is
 * awaited up to the timeout; without one the call fails with `RemotingTooMuchRequestError` when the
 * timeout is ≤ 0, else with a `RemotingTimeoutError` naming the waiters and free permits.
 *
 * @module
 */

import { FLAG_ONEWAY, FLAG_RESPONSE } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import {
  RemotingSendRequestError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from "./remoting_error.ts";
import type { RemotingConnection } from "./_remoting_connection.ts";
import type { Semaphore } from "./_semaphore.ts";
import { INVOKE_TIMEOUT_MS_MAX } from "./limits.ts";

type Kind = "invokeAsyncImpl" | "invokeOnewayImpl";

function noPermitError(
  kind: Kind,
  connection: RemotingConnection,
  semaphore: Semaphore,
  timeoutMs: number,
): Error {
  if (timeoutMs <= 0 || semaphore.waitersFull) {
    return new RemotingTooMuchRequestError(connection.remoteAddress, `${kind} invoke too fast`);
  }
  const name = kind === "invokeAsyncImpl" ? "async" : "oneway";
  return new RemotingTimeoutError(
    connection.remoteAddress,
    timeoutMs,
    `${kind} cannot acquire the ${name} semaphore within ${timeoutMs} ms: ${semaphore.waiting} waiting, ${semaphore.available} of ${semaphore.permits} permits available`,
  );
}

function closedError(connection: RemotingConnection): RemotingSendRequestError {
  return new RemotingSendRequestError(
    connection.remoteAddress,
    `Cannot send request to ${connection.remoteAddress}: connection closed (${connection.closeReason})`,
  );
}

function fullError(connection: RemotingConnection, timeoutMs: number): RemotingTimeoutError {
  return new RemotingTimeoutError(
    connection.remoteAddress,
    timeoutMs,
    `Cannot send request to ${connection.remoteAddress} within ${timeoutMs} ms: outbound queue stayed full`,
  );
}

/** Encodes and queues a request whose async permit is held; settles with its response. */
function sendRequest(
  connection: RemotingConnection,
  request: RemotingCommand,
  timeoutMs: number,
  deadlineMs: number,
): Promise<RemotingCommand> {
  const semaphore = connection.owner.asyncSemaphore;
  const opaque = connection.owner.nextOpaque();
  request.opaque = opaque;
  request.flag &= ~(FLAG_RESPONSE | FLAG_ONEWAY);
  let frame: Uint8Array;
  try {
    frame = connection.encodeFrame(request);
  } catch (error) {
    semaphore.release();
    return Promise.reject(error);
  }
  return new Promise<RemotingCommand>((resolve, reject) => {
    connection.addPending({ opaque, code: request.code, deadlineMs, timeoutMs, resolve, reject });
    if (!connection.sendFrame(frame, null) && connection.takePending(opaque) !== undefined) {
      semaphore.release();
      reject(closedError(connection));
    }
  });
}

/** Slow path: the permit is held but the connection is saturated or closed. */
async function sendWhenWritable(
  connection: RemotingConnection,
  request: RemotingCommand,
  timeoutMs: number,
  deadlineMs: number,
): Promise<RemotingCommand> {
  const semaphore = connection.owner.asyncSemaphore;
  if (connection.owner.clock.now() > deadlineMs) {
    semaphore.release();
    throw fullError(connection, timeoutMs);
  }
  // A loop: every waiter wakes when the queue drains, and the first ones may saturate it again.
  while (!connection.closed && connection.saturated) {
    if (await connection.waitWritable(deadlineMs)) continue;
    semaphore.release();
    throw connection.closed ? closedError(connection) : fullError(connection, timeoutMs);
  }
  if (connection.closed) {
    semaphore.release();
    throw closedError(connection);
  }
  return sendRequest(connection, request, timeoutMs, deadlineMs);
}

/** Slow path: no permit free at once. */
async function acquireThenSend(
  connection: RemotingConnection,
  request: RemotingCommand,
  timeoutMs: number,
  deadlineMs: number,
): Promise<RemotingCommand> {
  const semaphore = connection.owner.asyncSemaphore;
  const waitMs = deadlineMs - connection.owner.clock.now();
  if (timeoutMs <= 0 || semaphore.waitersFull || !(await semaphore.acquire(waitMs))) {
    throw noPermitError("invokeAsyncImpl", connection, semaphore, timeoutMs);
  }
  return sendWhenWritable(connection, request, timeoutMs, deadlineMs);
}

/**
 * @param timeoutMs an invocation's timeout as given
 * @returns why it cannot be used (NaN would never time out, and past INVOKE_TIMEOUT_MS_MAX a
 *   timer fires at once), or undefined
 */
export function badTimeout(timeoutMs: number): RangeError | undefined {
  if (typeof timeoutMs === "number" && timeoutMs <= INVOKE_TIMEOUT_MS_MAX) return undefined;
  return new RangeError(
    `Cannot invoke with timeoutMs ${timeoutMs}: expected a number of ms up to ${INVOKE_TIMEOUT_MS_MAX}`,
  );
}

/**
 * Sends `request` over `connection` and settles with the response.
 *
 * @param connection the connection
 * @param request the request; `opaque` and `flag` are overwritten
 * @param timeoutMs the caller's timeout, named in errors
 * @param deadlineMs clock time by which permit, queue room and response must all be had
 * @returns the response
 */
export function invokeAsync(
  connection: RemotingConnection,
  request: RemotingCommand,
  timeoutMs: number,
  deadlineMs: number,
): Promise<RemotingCommand> {
  const bad = badTimeout(timeoutMs);
  if (bad !== undefined) return Promise.reject(bad);
  if (!connection.owner.asyncSemaphore.tryAcquire()) {
    return acquireThenSend(connection, request, timeoutMs, deadlineMs);
  }
  if (connection.saturated || connection.closed) {
    return sendWhenWritable(connection, request, timeoutMs, deadlineMs);
  }
  return sendRequest(connection, request, timeoutMs, deadlineMs);
}

/** Encodes and queues a oneway request whose permit is held; the queue releases it once written. */
function sendOneway(connection: RemotingConnection, request: RemotingCommand): void {
  const semaphore = connection.owner.onewaySemaphore;
  request.opaque = connection.owner.nextOpaque();
  request.flag = (request.flag & ~FLAG_RESPONSE) | FLAG_ONEWAY;
  let frame: Uint8Array;
  try {
    frame = connection.encodeFrame(request);
  } catch (error) {
    semaphore.release();
    throw error;
  }
  if (!connection.sendFrame(frame, semaphore)) {
    semaphore.release();
    throw closedError(connection);
  }
}

async function onewaySlow(
  connection: RemotingConnection,
  request: RemotingCommand,
  timeoutMs: number,
  deadlineMs: number,
  acquired: boolean,
): Promise<void> {
  const semaphore = connection.owner.onewaySemaphore;
  if (!acquired) {
    const waitMs = deadlineMs - connection.owner.clock.now();
    if (timeoutMs <= 0 || semaphore.waitersFull || !(await semaphore.acquire(waitMs))) {
      throw noPermitError("invokeOnewayImpl", connection, semaphore, timeoutMs);
    }
  }
  while (!connection.closed && connection.saturated) {
    if (await connection.waitWritable(deadlineMs)) continue;
    semaphore.release();
    throw connection.closed ? closedError(connection) : fullError(connection, timeoutMs);
  }
  sendOneway(connection, request);
}

/**
 * Sends a oneway request over `connection`; resolves once queued.
 *
 * @param connection the connection
 * @param request the request; `opaque` and `flag` are overwritten (FLAG_ONEWAY set)
 * @param timeoutMs the caller's timeout, named in errors
 * @param deadlineMs clock time by which permit and queue room must be had
 */
export function invokeOneway(
  connection: RemotingConnection,
  request: RemotingCommand,
  timeoutMs: number,
  deadlineMs: number,
): Promise<void> {
  const bad = badTimeout(timeoutMs);
  if (bad !== undefined) return Promise.reject(bad);
  const acquired = connection.owner.onewaySemaphore.tryAcquire();
  if (!acquired || connection.saturated) {
    return onewaySlow(connection, request, timeoutMs, deadlineMs, acquired);
  }
  try {
    sendOneway(connection, request);
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

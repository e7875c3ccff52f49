/**
 * Typed errors of the remoting server and client. {@linkcode RemotingError} is what a processor throws
 * to answer with a given response code; the others are what invocations fail with, named after
 * RocketMQ's `RemotingTimeoutException`, `RemotingTooMuchRequestException`,
 * `RemotingSendRequestException` and `RemotingConnectException`.
 *
 * @module
 */

import { HeaderDecodeError } from "./errors.ts";

/**
 * An error answered with its own response code and remark: a processor throws it and the server writes
 * `{ code: responseCode, remark }` (never for oneway requests). Subclass it for domain errors.
 *
 * @example
 * ```ts
 * import { RemotingError } from "./remoting_error.ts";
 * const error = new RemotingError(17, "topic[T1] not exist, apply first please!");
 * if (error.responseCode !== 17) throw new Error("code 17");
 * ```
 */
export class RemotingError extends Error {
  /** the response code to answer with, e.g. `ResponseCode.TOPIC_NOT_EXIST` */
  readonly responseCode: number;
  /** the remark to answer with */
  readonly remark: string;

  /**
   * Creates the error.
   *
   * @param responseCode response code to answer with
   * @param remark remark to answer with; also the error message
   * @param options underlying cause
   */
  constructor(responseCode: number, remark: string, options?: { cause?: unknown }) {
    super(remark, options);
    this.name = "RemotingError";
    this.responseCode = responseCode;
    this.remark = remark;
  }
}

/**
 * The response an error asks for, if it carries one: a {@linkcode RemotingError} (`responseCode`,
 * `remark`), the codec's {@linkcode HeaderDecodeError} (`code`, `remark`), or any error shaped like
 * either with an integer code and a string remark.
 *
 * @param error anything thrown
 * @returns response code and remark, or undefined for a plain error (answered SYSTEM_ERROR)
 */
export function errorResponseOf(error: unknown): { code: number; remark: string } | undefined {
  if (error instanceof RemotingError) return { code: error.responseCode, remark: error.remark };
  if (error instanceof HeaderDecodeError) return { code: error.code, remark: error.remark };
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { responseCode?: unknown; remark?: unknown };
  if (Number.isInteger(e.responseCode) && typeof e.remark === "string") {
    return { code: e.responseCode as number, remark: e.remark };
  }
  return undefined;
}

/**
 * Base of the errors an invocation fails with; carries the peer address. If one escapes a processor,
 * the request is answered SYSTEM_ERROR with its text, like any other error.
 */
export class RemotingInvokeError extends Error {
  /** peer "ip:port", or "" when not known */
  readonly address: string;

  /**
   * Creates the error.
   *
   * @param address peer "ip:port"
   * @param message what failed
   * @param options underlying cause
   */
  constructor(address: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RemotingInvokeError";
    this.address = address;
  }
}

/** No response within the timeout, or no semaphore permit within the timeout. */
export class RemotingTimeoutError extends RemotingInvokeError {
  /** the timeout that ran out */
  readonly timeoutMs: number;

  /**
   * Creates the error.
   *
   * @param address peer "ip:port"
   * @param timeoutMs the timeout that ran out
   * @param message what timed out
   */
  constructor(address: string, timeoutMs: number, message: string) {
    super(address, message);
    this.name = "RemotingTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** Too many invocations at once and no wait allowed (timeout ≤ 0, or too many waiters). */
export class RemotingTooMuchRequestError extends RemotingInvokeError {
  /**
   * Creates the error.
   *
   * @param address peer "ip:port"
   * @param message RocketMQ-style text, e.g. "invokeAsyncImpl invoke too fast"
   */
  constructor(address: string, message: string) {
    super(address, message);
    this.name = "RemotingTooMuchRequestError";
  }
}

/** The request could not be sent, or its connection closed before the response came. */
export class RemotingSendRequestError extends RemotingInvokeError {
  /**
   * Creates the error.
   *
   * @param address peer "ip:port"
   * @param message what failed
   * @param options underlying cause
   */
  constructor(address: string, message: string, options?: { cause?: unknown }) {
    super(address, message, options);
    this.name = "RemotingSendRequestError";
  }
}

/** The connection could not be established (refused, unreachable, connect timeout). */
export class RemotingConnectError extends RemotingInvokeError {
  /**
   * Creates the error.
   *
   * @param address peer "ip:port"
   * @param message what failed
   * @param options underlying cause
   */
  constructor(address: string, message: string, options?: { cause?: unknown }) {
    super(address, message, options);
    this.name = "RemotingConnectError";
  }
}

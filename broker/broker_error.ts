/**
 * The broker's operating error: a RocketMQ response code plus the remark the client sees. Managers
 * throw it for bad input or a full table; the request processors turn it into an error response
 * with exactly that code and remark.
 *
 * @module
 */
import { ResponseCode, type ResponseCodeValue } from "../protocol/response_code.ts";

/**
 * A request cannot be carried out; `code` and `remark` are what the client receives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokerError } from "./broker_error.ts";
 * import { ResponseCode } from "../protocol/response_code.ts";
 * const error = new BrokerError(ResponseCode.SYSTEM_BUSY, "Cannot register consumer: table full");
 * assert.equal(error.code, 2);
 * assert.equal(error.message, "Cannot register consumer: table full");
 * ```
 */
export class BrokerError extends Error {
  /**
   * @param code the RocketMQ response code to answer with
   * @param remark the response remark (also the error message)
   * @param options the underlying error, if any
   */
  constructor(
    readonly code: ResponseCodeValue,
    readonly remark: string,
    options: { cause?: unknown } = {},
  ) {
    super(remark, options);
    this.name = "BrokerError";
  }
}

/**
 * Builds the error for a table that is full (SYSTEM_BUSY, as STYLE asks for a full queue).
 *
 * @param what the refused action, e.g. `Cannot create topic T`
 * @param detail which maximum, e.g. `broker has 50000 topics, topicsPerBrokerMax 50000`
 * @returns the error to throw
 */
export function tableFullError(what: string, detail: string): BrokerError {
  return new BrokerError(ResponseCode.SYSTEM_BUSY, `${what}: ${detail}`);
}

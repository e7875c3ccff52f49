/**
 * Typed errors of the protocol codec.
 *
 * @module
 */

import { ResponseCode } from "./response_code.ts";

/** Options of {@linkcode FrameDecodeError}. */
export interface FrameDecodeErrorOptions {
  /** peer address, e.g. "10.0.0.2:5123", named in the message */
  remoteAddress?: string;
  /** underlying error */
  cause?: unknown;
}

/**
 * A received frame cannot be decoded. The connection it came from must be closed (no response is
 * sent, as RocketMQ's `NettyDecoder` does); the process goes on.
 */
export class FrameDecodeError extends Error {
  /** what is wrong, without the "Cannot decode frame" prefix, e.g. "header length 9 exceeds frame length 4" */
  readonly reason: string;
  /** peer address, when known */
  readonly remoteAddress?: string;

  /**
   * @param reason what is wrong, e.g. "length 33554432 exceeds frameBytesMax 16777216"
   * @param options peer address and cause
   */
  constructor(reason: string, options: FrameDecodeErrorOptions = {}) {
    const from = options.remoteAddress === undefined ? "" : ` from ${options.remoteAddress}`;
    super(`Cannot decode frame${from}: ${reason}`, { cause: options.cause });
    this.name = "FrameDecodeError";
    this.reason = reason;
    if (options.remoteAddress !== undefined) this.remoteAddress = options.remoteAddress;
  }

  /**
   * Returns the same error naming the peer, for errors raised where the address was unknown.
   *
   * @param remoteAddress peer address
   * @returns a new error with the same reason and this error as cause
   */
  withRemoteAddress(remoteAddress: string): FrameDecodeError {
    return new FrameDecodeError(this.reason, { remoteAddress, cause: this.cause ?? this });
  }
}

/**
 * A command cannot be encoded, e.g. a code beyond 16 bits in a ROCKETMQ header or a header over
 * 16 MiB. A programming error of the sender, never of the peer.
 */
export class FrameEncodeError extends Error {
  /** @param message what is wrong, e.g. "Cannot encode ROCKETMQ header: code 200050 exceeds 16 bits" */
  constructor(message: string) {
    super(message);
    this.name = "FrameEncodeError";
  }
}

/**
 * A request header (extFields) lacks a required field or holds an unparsable value. Answered with an
 * error response ({@linkcode code} + {@linkcode remark}), never fatal to the connection.
 */
export class HeaderDecodeError extends Error {
  /** response code to answer with: SYSTEM_ERROR, what a Java broker answers in this case */
  readonly code: number;
  /** response remark: the message, e.g. `Cannot decode PULL_MESSAGE header: queueId is missing` */
  readonly remark: string;

  /**
   * @param message the remark
   * @param code response code; default SYSTEM_ERROR
   */
  constructor(message: string, code: number = ResponseCode.SYSTEM_ERROR) {
    super(message);
    this.name = "HeaderDecodeError";
    this.code = code;
    this.remark = message;
  }
}

/**
 * What processors and event listeners see of a remoting connection, on the server and on the client:
 * addresses, the peer's language and version, server→client invocations and close.
 *
 * @module
 */

import type { RemotingCommand } from "./remoting_command.ts";

/**
 * One remoting connection. Requests travel both ways on it (spec remoting.md §4): a broker calls a
 * client over the client's own connection with {@linkcode RemotingChannel.invoke}.
 */
export interface RemotingChannel {
  /** unique per server or client, for logs and maps */
  readonly id: number;
  /** the peer, "ip:port" */
  readonly remoteAddress: string;
  /** our end, "ip:port" */
  readonly localAddress: string;
  /** our port: tells a broker's VIP channel (listenPort − 2) from its main port */
  readonly localPort: number;
  /** language name of the last request received, e.g. "JAVA"; undefined before the first */
  readonly language: string | undefined;
  /** MQVersion ordinal of the last request received; undefined before the first */
  readonly version: number | undefined;
  /** whether the connection is closed */
  readonly closed: boolean;
  /** why it was closed, once closed */
  readonly closeReason: string | undefined;
  /** free slots for upper layers (e.g. the client id a broker learned from a heartbeat) */
  readonly attributes: Map<string, unknown>;
  /** bytes queued or being written to the peer right now */
  readonly outboundBytes: number;
  /** requests received on this channel whose processing has not finished */
  readonly requestsInFlight: number;

  /**
   * Sends a request over this connection and waits for its response. Sets `request.opaque` (from the
   * owner's counter) and bounds concurrency by the owner's async semaphore.
   *
   * @param request the request; its `opaque` is overwritten
   * @param timeoutMs longest wait for a semaphore permit plus the response
   * @returns the response (any code; callers check `code`)
   * @throws {RemotingTimeoutError} no response or no permit in time
   * @throws {RemotingTooMuchRequestError} no permit and `timeoutMs` ≤ 0
   * @throws {RemotingSendRequestError} the connection is or becomes closed first
   */
  invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;

  /**
   * Sends a request that gets no response (sets FLAG_ONEWAY and `opaque`). Resolves once the frame is
   * queued for writing; the oneway semaphore permit is held until it is written.
   *
   * @param request the request
   * @param timeoutMs longest wait for a permit and for room in the outbound queue (default 3000)
   * @throws {RemotingTimeoutError} no permit or no room in time
   * @throws {RemotingTooMuchRequestError} no permit and `timeoutMs` ≤ 0
   * @throws {RemotingSendRequestError} the connection is closed
   */
  invokeOneway(request: RemotingCommand, timeoutMs?: number): Promise<void>;

  /**
   * Closes the connection: pending invocations fail, in-flight responses are dropped, `close` fires.
   * Idempotent.
   *
   * @param reason why, for logs and {@linkcode RemotingChannel.closeReason}
   */
  close(reason: string): void;
}

/**
 * Handles one request. Returns the response, or null to write nothing (a parked long poll, a oneway
 * request). A promise may settle much later; responses leave in any order, matched by opaque. A throw
 * becomes SYSTEM_ERROR with the error's text, or the error's own `responseCode` and `remark` when it
 * carries them (`RemotingError`). Oneway requests never get a response.
 *
 * @example
 * ```ts
 * import type { RemotingProcessor } from "./remoting_channel.ts";
 * import { createResponse } from "./remoting_command.ts";
 * const echo: RemotingProcessor = (request) => createResponse(request, 0, undefined, undefined, request.body);
 * ```
 */
export type RemotingProcessor = (
  request: RemotingCommand,
  channel: RemotingChannel,
) => Promise<RemotingCommand | null> | RemotingCommand | null;

/** Connection events of a server or client, with their listener signatures. */
export interface RemotingEventMap {
  /** a connection was accepted (server) or established (client) */
  connect: (channel: RemotingChannel) => void;
  /** a connection closed, for any reason; fires once per connection */
  close: (channel: RemotingChannel) => void;
  /** a connection saw no read or write for the max idle time; `close` follows */
  idle: (channel: RemotingChannel) => void;
  /** a connection failed (bad frame, socket error); `close` follows */
  exception: (channel: RemotingChannel, error: Error) => void;
}

/** The names of {@linkcode RemotingEventMap}. */
export type RemotingEventType = keyof RemotingEventMap;

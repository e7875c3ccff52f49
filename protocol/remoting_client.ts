/**
 * The remoting client: one pooled connection per remote address, request/response and oneway
 * invocations, and processors for requests the server sends back over the same connection
 * (`shared/spec/remoting.md` §4, §9).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import {
  CLIENT_ASYNC_SEMAPHORE_VALUE_DEFAULT,
  CLIENT_CONNECTIONS_MAX,
  CLIENT_ONEWAY_SEMAPHORE_VALUE_DEFAULT,
  CONNECT_TIMEOUT_MS_DEFAULT,
} from "./limits.ts";
import type { RemotingChannel } from "./remoting_channel.ts";
import type { RemotingCommand, SerializeType } from "./remoting_command.ts";
import { RemotingConnectError, RemotingTimeoutError } from "./remoting_error.ts";
import type { RemotingLogger } from "./remoting_logger.ts";
import type { Transport, TransportConnection } from "./transport.ts";
import { parseAddress } from "./transport.ts";
import { createPeerEndpoint, type RemotingEndpoint, RemotingPeer } from "./_remoting_endpoint.ts";
import type { RemotingConnection } from "./_remoting_connection.ts";
import { badTimeout } from "./_invoke.ts";

/** Settings of a {@linkcode RemotingClient}; names follow RocketMQ's NettyClientConfig. */
export interface RemotingClientOptions {
  /** how to connect (e.g. `new DenoTcpTransport()`) */
  transport: Transport;
  /** longest connect; default 3000 */
  connectTimeoutMs?: number;
  /** async invocations at once over all connections; default 65535 */
  clientAsyncSemaphoreValue?: number;
  /** oneway invocations at once over all connections; default 65535 */
  clientOnewaySemaphoreValue?: number;
  /** largest accepted frame; default 16 MiB */
  frameBytesMax?: number;
  /** close connections without read or write for this long; default 120 (fractions allowed) */
  clientChannelMaxIdleTimeSeconds?: number;
  /**
   * close a connection when an invocation over it gets no response in time, so the next call
   * connects afresh; default true (RocketMQ `NettySystemConfig.clientCloseSocketIfTimeout`)
   */
  clientCloseSocketIfTimeout?: boolean;
  /** header serialization of every request this client sends; default "JSON" */
  serializeType?: SerializeType;
  /** server→client requests of one connection processed at once; default 4096 */
  requestsInFlightMaxPerConnection?: number;
  /** idle-sweep period; default a quarter of the idle time within [5, 1000] ms */
  idleSweepIntervalMs?: number;
  /** time source; default the system clock */
  clock?: Clock;
  /** log sink; default console without debug */
  logger?: RemotingLogger;
}

interface PoolEntry {
  connection: RemotingConnection | undefined;
  connecting: Promise<RemotingConnection> | undefined;
}

/**
 * A RocketMQ remoting client. Concurrent first calls to one address share one connect; a closed
 * connection (also one whose call timed out, as RocketMQ's client closes it) leaves the pool and
 * the next call reconnects.
 *
 * @example
 * ```ts
 * import { DenoTcpTransport } from "./adapters/deno_tcp_transport.ts";
 * import { createRequest, createResponse } from "./remoting_command.ts";
 * import { RemotingClient } from "./remoting_client.ts";
 * import { RemotingServer } from "./remoting_server.ts";
 * const transport = new DenoTcpTransport();
 * const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0 });
 * server.registerProcessor(34, (request) => createResponse(request, 0));
 * await server.start();
 * const client = new RemotingClient({ transport });
 * const response = await client.invoke(`127.0.0.1:${server.port}`, createRequest(34), 3000);
 * if (response.code !== 0) throw new Error("SUCCESS expected");
 * await client.shutdown();
 * await server.shutdown();
 * ```
 */
export class RemotingClient extends RemotingPeer {
  readonly #options: RemotingClientOptions;
  readonly #endpoint: RemotingEndpoint;
  readonly #serializeType: SerializeType;
  readonly #connectTimeoutMs: number;
  readonly #pool = new Map<string, PoolEntry>();
  readonly #addressOf = new Map<RemotingConnection, string>();
  #closed = false;

  /**
   * Creates a client; connections are made on first use of an address.
   *
   * @param options transport, limits and I/O
   */
  constructor(options: RemotingClientOptions) {
    const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
    assert(connectTimeoutMs > 0, `connectTimeoutMs must be > 0, got ${connectTimeoutMs}`);
    const endpoint = createPeerEndpoint(options, {
      role: "client",
      asyncSemaphoreValue: options.clientAsyncSemaphoreValue ??
        CLIENT_ASYNC_SEMAPHORE_VALUE_DEFAULT,
      onewaySemaphoreValue: options.clientOnewaySemaphoreValue ??
        CLIENT_ONEWAY_SEMAPHORE_VALUE_DEFAULT,
      channelMaxIdleTimeSeconds: options.clientChannelMaxIdleTimeSeconds,
      closeSocketIfTimeout: options.clientCloseSocketIfTimeout ?? true,
    });
    super(endpoint);
    this.#endpoint = endpoint;
    this.#options = options;
    this.#serializeType = options.serializeType ?? "JSON";
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#endpoint.on("close", (channel) => this.#forget(channel as RemotingConnection));
  }

  /**
   * Sends a request and waits for its response. Sets `opaque` (from this client's counter) and
   * `serializeType` (this client's) on `request`.
   *
   * @param address "host:port"
   * @param request the request
   * @param timeoutMs deadline for connect, permit and response together
   * @returns the response (any code)
   * @throws {RemotingConnectError} the connection cannot be made
   * @throws {RemotingTimeoutError} no response in time; the connection is then closed (its other
   *   calls fail) unless `clientCloseSocketIfTimeout` is false
   * @throws {RemotingTooMuchRequestError} no permit and `timeoutMs` ≤ 0
   * @throws {RemotingSendRequestError} the connection closed first
   * @throws {RangeError} `timeoutMs` NaN or above INVOKE_TIMEOUT_MS_MAX
   */
  invoke(address: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const bad = badTimeout(timeoutMs);
    if (bad !== undefined) return Promise.reject(bad);
    request.serializeType = this.#serializeType;
    const connection = this.#pool.get(address)?.connection;
    if (connection !== undefined && !connection.closed) {
      return connection.invoke(request, timeoutMs);
    }
    return this.#connectThen(
      address,
      timeoutMs,
      (c, deadlineMs) => c.invokeUntil(request, timeoutMs, deadlineMs),
    );
  }

  /**
   * Sends a request that gets no response; resolves once it is queued.
   *
   * @param address "host:port"
   * @param request the request (FLAG_ONEWAY is set)
   * @param timeoutMs deadline for connect, permit and queue room
   * @throws as {@linkcode RemotingClient.invoke}, except no response timeout
   */
  invokeOneway(address: string, request: RemotingCommand, timeoutMs: number): Promise<void> {
    const bad = badTimeout(timeoutMs);
    if (bad !== undefined) return Promise.reject(bad);
    request.serializeType = this.#serializeType;
    const connection = this.#pool.get(address)?.connection;
    if (connection !== undefined && !connection.closed) {
      return connection.invokeOneway(request, timeoutMs);
    }
    return this.#connectThen(
      address,
      timeoutMs,
      (c, deadlineMs) => c.invokeOnewayUntil(request, timeoutMs, deadlineMs),
    );
  }

  /**
   * Returns the pooled connection to `address`, connecting if needed.
   *
   * @param address "host:port"
   * @returns the channel
   * @throws {RemotingConnectError} when the connection cannot be made
   */
  getChannel(address: string): Promise<RemotingChannel> {
    return this.#get(address);
  }

  /**
   * Closes the pooled connection to `address`, if any; its pending invocations fail.
   *
   * @param address "host:port"
   * @param reason for logs
   */
  closeChannel(address: string, reason = "closed by client"): void {
    this.#pool.get(address)?.connection?.close(reason);
  }

  /** Closes every connection and waits for them; later calls fail. Idempotent. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    const connecting = [...this.#pool.values()].map((e) => e.connecting).filter((p) => p);
    await Promise.allSettled(connecting);
    await this.#endpoint.closeAll("client shutdown");
  }

  async #connectThen<T>(
    address: string,
    timeoutMs: number,
    then: (connection: RemotingConnection, deadlineMs: number) => Promise<T>,
  ): Promise<T> {
    const clock = this.#endpoint.clock;
    const deadlineMs = clock.now() + timeoutMs;
    const connection = await this.#get(address);
    if (clock.now() > deadlineMs) {
      throw new RemotingTimeoutError(
        address,
        timeoutMs,
        `Timed out after ${timeoutMs} ms connecting to ${address}`,
      );
    }
    return then(connection, deadlineMs);
  }

  #get(address: string): Promise<RemotingConnection> {
    const entry = this.#pool.get(address);
    if (entry?.connection !== undefined && !entry.connection.closed) {
      return Promise.resolve(entry.connection);
    }
    if (entry?.connecting !== undefined) return entry.connecting;
    if (this.#closed) {
      return Promise.reject(
        new RemotingConnectError(address, `Cannot connect to ${address}: client is shut down`),
      );
    }
    if (this.#pool.size >= CLIENT_CONNECTIONS_MAX) {
      return Promise.reject(
        new RemotingConnectError(
          address,
          `Cannot connect to ${address}: ${CLIENT_CONNECTIONS_MAX} connections open`,
        ),
      );
    }
    const fresh: PoolEntry = { connection: undefined, connecting: undefined };
    fresh.connecting = this.#connect(address, fresh);
    this.#pool.set(address, fresh);
    return fresh.connecting;
  }

  async #connect(address: string, entry: PoolEntry): Promise<RemotingConnection> {
    let transport: TransportConnection;
    try {
      transport = await this.#open(address);
    } catch (error) {
      if (this.#pool.get(address) === entry) this.#pool.delete(address);
      throw error;
    }
    entry.connecting = undefined;
    if (this.#closed || this.#pool.get(address) !== entry) {
      transport.close();
      if (this.#pool.get(address) === entry) this.#pool.delete(address);
      throw new RemotingConnectError(address, `Cannot connect to ${address}: client is shut down`);
    }
    const connection = this.#endpoint.adopt(transport);
    entry.connection = connection;
    this.#addressOf.set(connection, address);
    return connection;
  }

  async #open(address: string): Promise<TransportConnection> {
    let target: { hostname: string; port: number };
    try {
      target = parseAddress(address);
    } catch (error) {
      throw new RemotingConnectError(address, `Cannot connect to ${address}: bad address`, {
        cause: error,
      });
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.#connectTimeoutMs);
    try {
      return await this.#options.transport.connect({ ...target, signal: abort.signal });
    } catch (error) {
      const why = abort.signal.aborted
        ? `timed out after ${this.#connectTimeoutMs} ms`
        : error instanceof Error
        ? error.message
        : String(error);
      throw new RemotingConnectError(address, `Cannot connect to ${address}: ${why}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #forget(connection: RemotingConnection): void {
    const address = this.#addressOf.get(connection);
    if (address === undefined) return;
    this.#addressOf.delete(connection);
    if (this.#pool.get(address)?.connection === connection) this.#pool.delete(address);
  }
}

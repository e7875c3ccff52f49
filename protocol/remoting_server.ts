/**
 * The remoting server: listens on a port (and the broker's extra VIP port), decodes requests, hands
 * them to processors by request code and writes their responses (`shared/spec/remoting.md` §4, §8, §9).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import {
  ACCEPT_RETRY_DELAY_MS,
  CHANNEL_IDLE_DISABLED_SECONDS,
  SERVER_ASYNC_SEMAPHORE_VALUE_DEFAULT,
  SERVER_CONNECTIONS_MAX,
  SERVER_ONEWAY_SEMAPHORE_VALUE_DEFAULT,
  SHUTDOWN_GRACEFUL_TIMEOUT_MS_DEFAULT,
} from "./limits.ts";
import type { RemotingLogger } from "./remoting_logger.ts";
import type { Transport, TransportConnection, TransportListener } from "./transport.ts";
import { TransportAcceptResetError } from "./transport.ts";
import { createPeerEndpoint, type RemotingEndpoint, RemotingPeer } from "./_remoting_endpoint.ts";

export type { RemotingStats } from "./_remoting_endpoint.ts";

/** Settings of a {@linkcode RemotingServer}; names follow RocketMQ's NettyServerConfig. */
export interface RemotingServerOptions {
  /** how to listen (e.g. `new DenoTcpTransport()`) */
  transport: Transport;
  /** interface to bind; default "0.0.0.0" (5.x `bindAddress`) */
  hostname?: string;
  /** main port; 0 = ephemeral (read {@linkcode RemotingServer.port}) */
  listenPort: number;
  /** more ports serving the same processors, e.g. the broker's VIP port `listenPort − 2` */
  extraPorts?: number[];
  /** server→client async invocations at once; default 64 */
  serverAsyncSemaphoreValue?: number;
  /** server→client oneway invocations at once; default 256 */
  serverOnewaySemaphoreValue?: number;
  /**
   * close connections without read or write for this long; default 120 (fractions allowed); 0
   * never closes them, as in RocketMQ
   */
  serverChannelMaxIdleTimeSeconds?: number;
  /** largest accepted frame; default 16 MiB */
  frameBytesMax?: number;
  /** requests of one connection processed at once before SYSTEM_BUSY; default 4096 */
  requestsInFlightMaxPerConnection?: number;
  /** idle-sweep period; default a quarter of the idle time within [5, 1000] ms */
  idleSweepIntervalMs?: number;
  /** time source; default the system clock */
  clock?: Clock;
  /** log sink; default console without debug */
  logger?: RemotingLogger;
}

/** Options of {@linkcode RemotingServer.shutdown}. */
export interface RemotingServerShutdownOptions {
  /** longest wait for in-flight requests and their responses; default 5000 */
  gracefulTimeoutMs?: number;
}

/**
 * A RocketMQ remoting server. Register processors, `start()`, and `shutdown()` when done.
 *
 * @example
 * ```ts
 * import { DenoTcpTransport } from "./adapters/deno_tcp_transport.ts";
 * import { createResponse } from "./remoting_command.ts";
 * import { RemotingServer } from "./remoting_server.ts";
 * const server = new RemotingServer({ transport: new DenoTcpTransport(), hostname: "127.0.0.1", listenPort: 0 });
 * server.registerProcessor(34, (request) => createResponse(request, 0));
 * await server.start();
 * if (server.port === 0) throw new Error("bound an ephemeral port");
 * await server.shutdown();
 * ```
 */
export class RemotingServer extends RemotingPeer {
  readonly #options: RemotingServerOptions;
  readonly #endpoint: RemotingEndpoint;
  readonly #listeners: TransportListener[] = [];
  readonly #acceptLoops: Promise<void>[] = [];
  readonly #retryWakes = new Set<() => void>();
  #started = false;
  #bound = false;
  #shutdown: Promise<void> | undefined;

  /**
   * Creates a server; nothing is bound until {@linkcode RemotingServer.start}.
   *
   * @param options listen address, limits and I/O
   */
  constructor(options: RemotingServerOptions) {
    assert(
      Number.isInteger(options.listenPort) && options.listenPort >= 0 &&
        options.listenPort <= 65535,
      `listenPort must be in [0, 65535], got ${options.listenPort}`,
    );
    const endpoint = createPeerEndpoint(options, {
      role: "server",
      asyncSemaphoreValue: options.serverAsyncSemaphoreValue ??
        SERVER_ASYNC_SEMAPHORE_VALUE_DEFAULT,
      onewaySemaphoreValue: options.serverOnewaySemaphoreValue ??
        SERVER_ONEWAY_SEMAPHORE_VALUE_DEFAULT,
      channelMaxIdleTimeSeconds: options.serverChannelMaxIdleTimeSeconds === 0
        ? CHANNEL_IDLE_DISABLED_SECONDS
        : options.serverChannelMaxIdleTimeSeconds,
    });
    super(endpoint);
    this.#endpoint = endpoint;
    this.#options = options;
  }

  /**
   * The bound main port.
   *
   * @returns the bound main port (valid after {@linkcode RemotingServer.start})
   */
  get port(): number {
    return this.#listeners[0]?.port ?? 0;
  }

  /**
   * All bound ports.
   *
   * @returns every bound port: main first, then the extra ports in the given order
   */
  get ports(): number[] {
    return this.#listeners.map((l) => l.port);
  }

  /**
   * Binds the main port and the extra ports without accepting yet: the ports are known (port 0
   * resolved) and taken, and connections wait in the listen backlog until {@linkcode start}.
   * Does nothing when already bound.
   *
   * @throws when a port cannot be bound (nothing stays bound then)
   */
  async bind(): Promise<void> {
    if (this.#bound) return;
    this.#bound = true;
    const hostname = this.#options.hostname ?? "0.0.0.0";
    const ports = [this.#options.listenPort, ...(this.#options.extraPorts ?? [])];
    try {
      for (const port of ports) {
        this.#listeners.push(await this.#options.transport.listen({ hostname, port }));
      }
    } catch (error) {
      for (const listener of this.#listeners) listener.close();
      this.#listeners.length = 0;
      this.#bound = false;
      throw error;
    }
  }

  /**
   * Binds (unless {@linkcode bind} did) and starts accepting.
   *
   * @throws when a port cannot be bound (nothing stays bound then)
   */
  async start(): Promise<void> {
    assert(!this.#started, "RemotingServer.start called twice");
    this.#started = true;
    await this.bind();
    for (const listener of this.#listeners) this.#acceptLoops.push(this.#accept(listener));
    const hostname = this.#options.hostname ?? "0.0.0.0";
    this.#endpoint.logger.info(`server: listening on ${hostname} ports ${this.ports.join(", ")}`);
  }

  /**
   * Stops accepting, lets in-flight requests finish and their responses leave (up to
   * `gracefulTimeoutMs`; new requests meanwhile get SYSTEM_BUSY), then closes every connection.
   * Idempotent.
   *
   * @param options graceful wait
   */
  shutdown(options: RemotingServerShutdownOptions = {}): Promise<void> {
    this.#shutdown ??= this.#doShutdown(
      options.gracefulTimeoutMs ?? SHUTDOWN_GRACEFUL_TIMEOUT_MS_DEFAULT,
    );
    return this.#shutdown;
  }

  async #doShutdown(gracefulTimeoutMs: number): Promise<void> {
    const endpoint = this.#endpoint;
    endpoint.draining = true;
    for (const listener of this.#listeners) listener.close();
    for (const wake of [...this.#retryWakes]) wake();
    await Promise.all(this.#acceptLoops);
    if (!(await endpoint.waitQuiet(gracefulTimeoutMs))) {
      const stats = endpoint.stats();
      endpoint.logger.warn(
        `server: closing with ${stats.requestsInFlight} requests in flight and ${stats.outboundBytes} bytes unwritten after ${gracefulTimeoutMs} ms`,
      );
    }
    await endpoint.closeAll("server shutdown");
  }

  async #accept(listener: TransportListener): Promise<void> {
    const endpoint = this.#endpoint;
    while (!endpoint.draining) {
      try {
        for await (const connection of listener.accept()) this.#adopt(connection);
        return;
      } catch (error) {
        if (error instanceof TransportAcceptResetError) {
          // One peer left before it was taken; the listener is fine: no pause for the others.
          endpoint.logger.warn(`server: ${error.message}`);
          continue;
        }
        endpoint.logger.error(`server: accept on port ${listener.port} failed: ${String(error)}`);
        await this.#retryDelay();
      }
    }
  }

  #adopt(connection: TransportConnection): void {
    const endpoint = this.#endpoint;
    if (endpoint.draining || endpoint.connections.size >= SERVER_CONNECTIONS_MAX) {
      const why = endpoint.draining
        ? "shutting down"
        : `${SERVER_CONNECTIONS_MAX} connections open`;
      endpoint.logger.warn(`server: refusing connection ${connection.remoteAddress}: ${why}`);
      connection.close();
      return;
    }
    endpoint.adopt(connection);
  }

  /** Waits before accepting again after an accept error (e.g. out of file descriptors). */
  #retryDelay(): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#retryWakes.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ACCEPT_RETRY_DELAY_MS);
      this.#retryWakes.add(wake);
    });
  }
}

/**
 * What the remoting server and client share: the processor table, invocation semaphores, the set of
 * live connections, connection events, the idle sweep and the opaque counter; and the public methods
 * of both that only pass on to it ({@linkcode RemotingPeer}).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import { systemClock } from "../common/clock.ts";
import {
  CHANNEL_MAX_IDLE_TIME_SECONDS_DEFAULT,
  FRAME_BYTES_MAX_CEILING,
  FRAME_BYTES_MAX_DEFAULT,
  FRAME_BYTES_MIN,
  IDLE_SWEEP_INTERVAL_MS_MAX,
  IDLE_SWEEP_INTERVAL_MS_MIN,
  REQUESTS_IN_FLIGHT_MAX_PER_CONNECTION_DEFAULT,
  SEMAPHORE_WAITERS_MAX,
} from "./limits.ts";
import type {
  RemotingChannel,
  RemotingEventMap,
  RemotingEventType,
  RemotingProcessor,
} from "./remoting_channel.ts";
import type { RemotingLogger } from "./remoting_logger.ts";
import { consoleRemotingLogger } from "./remoting_logger.ts";
import type { TransportConnection } from "./transport.ts";
import type { ConnectionOwner } from "./_remoting_connection.ts";
import { RemotingConnection } from "./_remoting_connection.ts";
import { Semaphore } from "./_semaphore.ts";

/** Settings of a {@linkcode RemotingEndpoint}. */
export interface EndpointOptions {
  role: "server" | "client";
  clock: Clock;
  logger: RemotingLogger;
  frameBytesMax: number;
  requestsInFlightMax: number;
  asyncSemaphoreValue: number;
  onewaySemaphoreValue: number;
  /** idle time after which a connection is closed; fractions allowed (tests) */
  channelMaxIdleTimeSeconds: number;
  /** sweep period; default a quarter of the idle time within [5, 1000] ms */
  idleSweepIntervalMs?: number;
  /** close a connection when an invocation over it times out; default false */
  closeSocketIfTimeout?: boolean;
}

/** Aggregate figures of an endpoint's connections. */
export interface RemotingStats {
  /** live connections */
  connections: number;
  /** bytes queued or being written, summed over connections */
  outboundBytes: number;
  /** the largest per-connection outbound peak among live connections */
  outboundBytesPeak: number;
  /** requests being processed, summed */
  requestsInFlight: number;
  /** outgoing invocations waiting for a response, summed */
  pendingInvokes: number;
}

type Listeners = { [K in RemotingEventType]: Set<RemotingEventMap[K]> };

function positiveInteger(name: string, value: number): void {
  assert(Number.isInteger(value) && value > 0, `${name} must be a positive integer, got ${value}`);
}

/** The shared core of `RemotingServer` and `RemotingClient`. */
export class RemotingEndpoint implements ConnectionOwner {
  readonly role: string;
  readonly clock: Clock;
  readonly logger: RemotingLogger;
  readonly frameBytesMax: number;
  readonly requestsInFlightMax: number;
  readonly asyncSemaphore: Semaphore;
  readonly onewaySemaphore: Semaphore;
  readonly connections: Set<RemotingConnection> = new Set();
  draining = false;
  readonly closeSocketIfTimeout: boolean;
  readonly #idleMs: number;
  readonly #sweepIntervalMs: number;
  readonly #processors = new Map<number, RemotingProcessor>();
  #defaultProcessor: RemotingProcessor | undefined;
  readonly #listeners: Listeners = {
    connect: new Set(),
    close: new Set(),
    idle: new Set(),
    exception: new Set(),
  };
  #opaque = 0;
  #connectionSeq = 0;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #progressWaiter: (() => void) | null = null;

  /** @param options settings, validated here */
  constructor(options: EndpointOptions) {
    const max = options.frameBytesMax;
    assert(
      Number.isInteger(max) && max >= FRAME_BYTES_MIN && max <= FRAME_BYTES_MAX_CEILING,
      `frameBytesMax must be an integer in [${FRAME_BYTES_MIN}, ${FRAME_BYTES_MAX_CEILING}], got ${max}`,
    );
    positiveInteger("requestsInFlightMaxPerConnection", options.requestsInFlightMax);
    positiveInteger("async semaphore value", options.asyncSemaphoreValue);
    positiveInteger("oneway semaphore value", options.onewaySemaphoreValue);
    const idle = options.channelMaxIdleTimeSeconds;
    assert(idle > 0 && Number.isFinite(idle), `channel max idle time must be > 0 s, got ${idle}`);
    this.role = options.role;
    this.closeSocketIfTimeout = options.closeSocketIfTimeout ?? false;
    this.clock = options.clock;
    this.logger = options.logger;
    this.frameBytesMax = max;
    this.requestsInFlightMax = options.requestsInFlightMax;
    this.asyncSemaphore = new Semaphore(options.asyncSemaphoreValue, SEMAPHORE_WAITERS_MAX);
    this.onewaySemaphore = new Semaphore(options.onewaySemaphoreValue, SEMAPHORE_WAITERS_MAX);
    this.#idleMs = idle * 1000;
    this.#sweepIntervalMs = options.idleSweepIntervalMs ??
      Math.min(IDLE_SWEEP_INTERVAL_MS_MAX, Math.max(IDLE_SWEEP_INTERVAL_MS_MIN, this.#idleMs / 4));
    positiveInteger("idleSweepIntervalMs", Math.ceil(this.#sweepIntervalMs));
  }

  /** @param code request code @param processor its handler (replaces an earlier one) */
  registerProcessor(code: number, processor: RemotingProcessor): void {
    assert(Number.isInteger(code), `Request code must be an integer, got ${code}`);
    this.#processors.set(code, processor);
  }

  /** @param processor handler for codes without their own */
  registerDefaultProcessor(processor: RemotingProcessor): void {
    this.#defaultProcessor = processor;
  }

  processorFor(code: number): RemotingProcessor | undefined {
    return this.#processors.get(code) ?? this.#defaultProcessor;
  }

  nextOpaque(): number {
    const opaque = this.#opaque;
    this.#opaque = opaque === 0x7fffffff ? 0 : opaque + 1;
    return opaque;
  }

  /**
   * @param type event name
   * @param listener called on each event; exceptions are logged
   * @returns a function removing the listener
   */
  on<K extends RemotingEventType>(type: K, listener: RemotingEventMap[K]): () => void {
    const set = this.#listeners[type] as Set<RemotingEventMap[K]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Wraps an accepted or established byte connection and starts reading it.
   *
   * @param transport the byte connection
   * @returns the remoting connection
   */
  adopt(transport: TransportConnection): RemotingConnection {
    const connection = new RemotingConnection(++this.#connectionSeq, transport, this);
    this.connections.add(connection);
    if (this.#sweepTimer === undefined) {
      this.#sweepTimer = setInterval(() => this.sweepIdle(), this.#sweepIntervalMs);
    }
    this.logger.info(`${this.role}: connection ${connection.remoteAddress} opened`);
    this.#emit("connect", connection);
    connection.start();
    return connection;
  }

  /**
   * Closes connections without a read or write for the idle time (emits `idle`, then `close`).
   * A connection with a request being processed (a parked long poll) or an invocation awaiting
   * its response is busy, not idle; its own timeouts bound those.
   */
  sweepIdle(): void {
    const now = this.clock.now();
    for (const connection of this.connections) {
      if (now - connection.lastActivityMs < this.#idleMs) continue;
      if (connection.requestsInFlight > 0 || connection.pendingInvokes > 0) continue;
      this.logger.info(
        `${this.role}: closing idle connection ${connection.remoteAddress} after ${this.#idleMs} ms`,
      );
      this.#emit("idle", connection);
      connection.close(`idle for ${now - connection.lastActivityMs} ms`);
    }
  }

  onProgress(): void {
    const waiter = this.#progressWaiter;
    if (waiter !== null) {
      this.#progressWaiter = null;
      waiter();
    }
  }

  onException(connection: RemotingConnection, error: Error): void {
    this.#emit("exception", connection, error);
  }

  onClosed(connection: RemotingConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.#sweepTimer !== undefined) {
      clearInterval(this.#sweepTimer);
      this.#sweepTimer = undefined;
    }
    this.logger.info(
      `${this.role}: connection ${connection.remoteAddress} closed: ${connection.closeReason}`,
    );
    this.#emit("close", connection);
    this.onProgress();
  }

  /**
   * Waits until no connection has a request in flight or bytes to write, or the deadline passes.
   *
   * @param timeoutMs longest wait
   * @returns whether everything finished in time
   */
  async waitQuiet(timeoutMs: number): Promise<boolean> {
    const deadlineMs = this.clock.now() + timeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      while (![...this.connections].every((c) => c.quiet)) {
        const left = deadlineMs - this.clock.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          this.#progressWaiter = resolve;
          timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
      }
      return true;
    } finally {
      clearTimeout(timer);
      this.#progressWaiter = null;
    }
  }

  /**
   * Closes every connection and waits until their loops end; fails waiting semaphore acquirers.
   *
   * @param reason close reason for each connection
   */
  async closeAll(reason: string): Promise<void> {
    const all = [...this.connections];
    for (const connection of all) connection.close(reason);
    await Promise.all(all.map((c) => c.finished()));
    this.asyncSemaphore.cancelWaiters();
    this.onewaySemaphore.cancelWaiters();
  }

  /** @returns figures summed over live connections */
  stats(): RemotingStats {
    const stats: RemotingStats = {
      connections: this.connections.size,
      outboundBytes: 0,
      outboundBytesPeak: 0,
      requestsInFlight: 0,
      pendingInvokes: 0,
    };
    for (const c of this.connections) {
      stats.outboundBytes += c.outboundBytes;
      stats.outboundBytesPeak = Math.max(stats.outboundBytesPeak, c.outboundBytesPeak);
      stats.requestsInFlight += c.requestsInFlight;
      stats.pendingInvokes += c.pendingInvokes;
    }
    return stats;
  }

  #emit<K extends RemotingEventType>(
    type: K,
    channel: RemotingChannel,
    ...rest: K extends "exception" ? [Error] : []
  ): void {
    for (const listener of this.#listeners[type]) {
      try {
        (listener as (c: RemotingChannel, ...r: unknown[]) => void)(channel, ...rest);
      } catch (error) {
        this.logger.error(`${this.role}: ${type} listener failed: ${String(error)}`);
      }
    }
  }
}

/** Settings the server and client options both have, under the same names. */
export interface PeerCommonOptions {
  frameBytesMax?: number;
  requestsInFlightMaxPerConnection?: number;
  idleSweepIntervalMs?: number;
  clock?: Clock;
  logger?: RemotingLogger;
}

/** The role-specific settings, already resolved against the role's option names. */
export interface PeerRoleSettings {
  role: "server" | "client";
  asyncSemaphoreValue: number;
  onewaySemaphoreValue: number;
  /** idle time before close, or undefined for the default */
  channelMaxIdleTimeSeconds: number | undefined;
  /** close a connection when an invocation over it times out; default false */
  closeSocketIfTimeout?: boolean;
}

/**
 * Builds an endpoint, filling the shared defaults.
 *
 * @param options the server's or client's options
 * @param settings role and the role-named settings
 * @returns the validated endpoint
 */
export function createPeerEndpoint(
  options: PeerCommonOptions,
  settings: PeerRoleSettings,
): RemotingEndpoint {
  return new RemotingEndpoint({
    role: settings.role,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? consoleRemotingLogger,
    frameBytesMax: options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT,
    requestsInFlightMax: options.requestsInFlightMaxPerConnection ??
      REQUESTS_IN_FLIGHT_MAX_PER_CONNECTION_DEFAULT,
    asyncSemaphoreValue: settings.asyncSemaphoreValue,
    onewaySemaphoreValue: settings.onewaySemaphoreValue,
    channelMaxIdleTimeSeconds: settings.channelMaxIdleTimeSeconds ??
      CHANNEL_MAX_IDLE_TIME_SECONDS_DEFAULT,
    idleSweepIntervalMs: options.idleSweepIntervalMs,
    closeSocketIfTimeout: settings.closeSocketIfTimeout,
  });
}

/** Base of `RemotingServer` and `RemotingClient`: the methods that pass on to the endpoint. */
export abstract class RemotingPeer {
  readonly #endpoint: RemotingEndpoint;

  /** @param endpoint the endpoint the subclass also keeps */
  protected constructor(endpoint: RemotingEndpoint) {
    this.#endpoint = endpoint;
  }

  /**
   * The open connections.
   *
   * @returns live channels
   */
  get channels(): RemotingChannel[] {
    return [...this.#endpoint.connections];
  }

  /**
   * Sets the processor of one request code received by this side (replacing an earlier one), e.g.
   * `RequestCode.SEND_MESSAGE` on a server or NOTIFY_CONSUMER_IDS_CHANGED on a client.
   *
   * @param code request code
   * @param processor its handler
   */
  registerProcessor(code: number, processor: RemotingProcessor): void {
    this.#endpoint.registerProcessor(code, processor);
  }

  /**
   * Sets the processor of every received request code without its own.
   *
   * @param processor handler for codes without their own processor
   */
  registerDefaultProcessor(processor: RemotingProcessor): void {
    this.#endpoint.registerDefaultProcessor(processor);
  }

  /**
   * Subscribes to connection events.
   *
   * @param type "connect", "close", "idle" or "exception"
   * @param listener called synchronously; its exceptions are logged
   * @returns a function that unsubscribes
   */
  on<K extends RemotingEventType>(type: K, listener: RemotingEventMap[K]): () => void {
    return this.#endpoint.on(type, listener);
  }

  /**
   * Figures summed over the open connections.
   *
   * @returns connection, queue, in-flight and pending-invocation figures (for metrics and tests)
   */
  stats(): RemotingStats {
    return this.#endpoint.stats();
  }
}

/**
 * One remoting connection (server or client side): the read loop, response matching, in-flight
 * accounting and invocations over the connection. Requests go to `_request_dispatch.ts`; writes go
 * through an {@linkcode OutboundQueue}.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import { encodeCommand } from "./command_codec.ts";
import { INVOKE_TIMEOUT_MS_DEFAULT, REQUEST_BYTES_IN_FLIGHT_MAX_PER_CONNECTION } from "./limits.ts";
import { createResponse, FLAG_RESPONSE } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import type { RemotingChannel, RemotingProcessor } from "./remoting_channel.ts";
import { RemotingSendRequestError, RemotingTimeoutError } from "./remoting_error.ts";
import type { RemotingLogger } from "./remoting_logger.ts";
import { ResponseCode } from "./response_code.ts";
import type { TransportConnection } from "./transport.ts";
import { FrameReader } from "./_frame_reader.ts";
import { invokeAsync, invokeOneway } from "./_invoke.ts";
import { OutboundQueue } from "./_outbound_queue.ts";
import { PendingTable } from "./_pending_table.ts";
import { dispatchRequest, errorText } from "./_request_dispatch.ts";
import type { PendingInvoke } from "./_pending_table.ts";
import type { Semaphore } from "./_semaphore.ts";

/** What a connection needs from the server or client that owns it. */
export interface ConnectionOwner {
  /** "server" or "client", for logs */
  readonly role: string;
  readonly clock: Clock;
  readonly logger: RemotingLogger;
  readonly frameBytesMax: number;
  readonly requestsInFlightMax: number;
  readonly asyncSemaphore: Semaphore;
  readonly onewaySemaphore: Semaphore;
  /** true while shutting down: new requests are refused */
  readonly draining: boolean;
  /** close a connection when one of its invocations times out (RocketMQ's client does) */
  readonly closeSocketIfTimeout: boolean;
  /** @returns the processor for a request code (or the default), undefined when none */
  processorFor(code: number): RemotingProcessor | undefined;
  /** @returns the next opaque for an outgoing request */
  nextOpaque(): number;
  /** a request finished or bytes were written: shutdown may be waiting for this */
  onProgress(): void;
  /** the connection failed; `close` follows */
  onException(connection: RemotingConnection, error: Error): void;
  /** the connection closed (called once) */
  onClosed(connection: RemotingConnection): void;
}

/** A remoting connection; the {@linkcode RemotingChannel} processors and listeners get. */
export class RemotingConnection implements RemotingChannel {
  readonly id: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly attributes: Map<string, unknown> = new Map();
  language: string | undefined;
  version: number | undefined;
  /** clock ms of the last read or write, for idle detection */
  lastActivityMs: number;
  readonly #owner: ConnectionOwner;
  readonly #transport: TransportConnection;
  readonly #reader: FrameReader;
  readonly #outbound: OutboundQueue;
  readonly #pending: PendingTable;
  #inFlight = 0;
  #inFlightBytes = 0;
  #closed = false;
  #closeReason: string | undefined;
  #readWake: (() => void) | null = null;
  #writableWaiters: (() => void)[] = [];
  #readLoop: Promise<void> = Promise.resolve();

  /**
   * @param id unique per owner
   * @param transport the byte connection (owned from now on)
   * @param owner the server or client
   */
  constructor(id: number, transport: TransportConnection, owner: ConnectionOwner) {
    this.id = id;
    this.#owner = owner;
    this.#transport = transport;
    this.remoteAddress = transport.remoteAddress;
    this.localAddress = transport.localAddress;
    this.localPort = Number(
      transport.localAddress.slice(transport.localAddress.lastIndexOf(":") + 1),
    );
    this.lastActivityMs = owner.clock.now();
    this.#reader = new FrameReader(owner.frameBytesMax, transport.remoteAddress);
    this.#outbound = new OutboundQueue(transport.writable, {
      onWritten: () => this.#onWritten(),
      onDrained: () => this.#wakeAll(),
      onWriteError: (error) => this.#fail(error, "write failed"),
    });
    this.#pending = new PendingTable(owner.clock, (p) => this.#timeout(p));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  get outboundBytes(): number {
    return this.#outbound.bytes;
  }

  /** @returns most outbound bytes ever queued on this connection */
  get outboundBytesPeak(): number {
    return this.#outbound.bytesPeak;
  }

  get requestsInFlight(): number {
    return this.#inFlight;
  }

  /** @returns invocations waiting for a response */
  get pendingInvokes(): number {
    return this.#pending.size;
  }

  /** @returns whether no request is in flight and nothing waits to be written */
  get quiet(): boolean {
    return this.#inFlight === 0 && this.#outbound.bytes === 0;
  }

  /** Starts reading. */
  start(): void {
    this.#readLoop = this.#read();
  }

  /** @returns settles when the read loop and the write loop have ended (after close) */
  async finished(): Promise<void> {
    await this.#readLoop;
    await this.#outbound.flushed;
  }

  invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    return invokeAsync(this, request, timeoutMs, this.#owner.clock.now() + timeoutMs);
  }

  invokeOneway(request: RemotingCommand, timeoutMs = INVOKE_TIMEOUT_MS_DEFAULT): Promise<void> {
    return invokeOneway(this, request, timeoutMs, this.#owner.clock.now() + timeoutMs);
  }

  /**
   * {@linkcode RemotingConnection.invoke} against a deadline set earlier (the client's, which
   * includes the connect).
   *
   * @param request the request
   * @param timeoutMs the caller's timeout, named in errors
   * @param deadlineMs clock time by which the response must come
   * @returns the response
   */
  invokeUntil(
    request: RemotingCommand,
    timeoutMs: number,
    deadlineMs: number,
  ): Promise<RemotingCommand> {
    return invokeAsync(this, request, timeoutMs, deadlineMs);
  }

  /**
   * {@linkcode RemotingConnection.invokeOneway} against a deadline set earlier.
   *
   * @param request the request
   * @param timeoutMs the caller's timeout, named in errors
   * @param deadlineMs clock time by which it must be queued
   */
  invokeOnewayUntil(
    request: RemotingCommand,
    timeoutMs: number,
    deadlineMs: number,
  ): Promise<void> {
    return invokeOneway(this, request, timeoutMs, deadlineMs);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    try {
      this.#transport.close();
    } catch (error) {
      this.#owner.logger.warn(`Cannot close connection ${this.remoteAddress}: ${errorText(error)}`);
    }
    this.#outbound.close();
    const failed = this.#pending.drain();
    for (const pending of failed) {
      this.#owner.asyncSemaphore.release();
      pending.reject(
        new RemotingSendRequestError(
          this.remoteAddress,
          `Cannot get response from ${this.remoteAddress} for code ${pending.code}: connection closed (${reason})`,
        ),
      );
    }
    this.#wakeAll();
    this.#owner.onClosed(this);
  }

  // ---- used by _invoke.ts -------------------------------------------------------------------------

  /** @internal @returns whether the outbound side is saturated (invocations wait) */
  get saturated(): boolean {
    return this.#outbound.saturated;
  }

  /** @internal @returns the owner */
  get owner(): ConnectionOwner {
    return this.#owner;
  }

  /**
   * @internal Waits until the outbound side is not saturated, the connection closes, or the deadline.
   * @returns whether there is room now
   */
  waitWritable(deadlineMs: number): Promise<boolean> {
    if (!this.#outbound.saturated || this.#closed) return Promise.resolve(!this.#closed);
    const delay = deadlineMs - this.#owner.clock.now();
    if (delay <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        wake: () => {
          clearTimeout(timer);
          resolve(!this.#closed);
        },
      };
      const timer = setTimeout(() => {
        this.#writableWaiters = this.#writableWaiters.filter((w) => w !== waiter.wake);
        resolve(false);
      }, delay);
      this.#writableWaiters.push(waiter.wake);
    });
  }

  /**
   * @internal Encodes a request's frame into the outbound queue's staging buffer; queue it with
   * {@linkcode sendFrame} before encoding another.
   * @throws {FrameEncodeError} when the command cannot be encoded
   */
  encodeFrame(request: RemotingCommand): Uint8Array {
    return this.#outbound.encode(request);
  }

  /** @internal Queues an encoded request frame. @returns false when closed or over the cap */
  sendFrame(frame: Uint8Array, release: Semaphore | null): boolean {
    if (this.#closed) return false;
    if (this.#outbound.push(frame, release)) return true;
    this.#overflow(frame.length);
    return false;
  }

  /** @internal Registers an invocation waiting for its response. */
  addPending(pending: PendingInvoke): void {
    this.#pending.add(pending);
  }

  /** @internal Removes an invocation (send failed). */
  takePending(opaque: number): PendingInvoke | undefined {
    return this.#pending.take(opaque);
  }

  // ---- reading ------------------------------------------------------------------------------------

  async #read(): Promise<void> {
    const reader = this.#transport.readable.getReader();
    try {
      while (!this.#closed) {
        const command = this.#reader.next();
        if (command === null) {
          const { value, done } = await reader.read();
          if (done) {
            if (this.#reader.partialBytes > 0) {
              this.#owner.logger.warn(
                `Connection ${this.remoteAddress} closed inside a frame after ${this.#reader.partialBytes} bytes`,
              );
            }
            this.close("closed by peer");
            return;
          }
          this.lastActivityMs = this.#owner.clock.now();
          this.#reader.push(value);
          continue;
        }
        if ((command.flag & FLAG_RESPONSE) !== 0) {
          this.#onResponse(command);
          continue;
        }
        if (this.#readBlocked()) await this.#waitReadable();
        if (this.#closed) return;
        this.language = command.language;
        this.version = command.version;
        dispatchRequest(this, command, this.#reader.lastFrameBytes);
      }
    } catch (error) {
      this.#fail(error, "read failed");
    } finally {
      reader.releaseLock();
    }
  }

  #readBlocked(): boolean {
    return this.#outbound.repliesSaturated ||
      this.#inFlightBytes > REQUEST_BYTES_IN_FLIGHT_MAX_PER_CONNECTION;
  }

  #waitReadable(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#readWake = resolve;
    });
  }

  #wakeAll(): void {
    const wake = this.#readWake;
    if (wake !== null && (this.#closed || !this.#readBlocked())) {
      this.#readWake = null;
      wake();
    }
    if (this.#writableWaiters.length > 0 && (this.#closed || !this.#outbound.saturated)) {
      const waiters = this.#writableWaiters;
      this.#writableWaiters = [];
      for (const w of waiters) w();
    }
  }

  #onResponse(response: RemotingCommand): void {
    const pending = this.#pending.take(response.opaque);
    if (pending === undefined) {
      this.#owner.logger.warn(
        `Dropping response from ${this.remoteAddress} with opaque ${response.opaque}: no request waits for it`,
      );
      return;
    }
    this.#owner.asyncSemaphore.release();
    pending.resolve(response);
  }

  #timeout(pending: PendingInvoke): void {
    this.#owner.asyncSemaphore.release();
    pending.reject(
      new RemotingTimeoutError(
        this.remoteAddress,
        pending.timeoutMs,
        `Timed out after ${pending.timeoutMs} ms waiting for response from ${this.remoteAddress} (code ${pending.code}, opaque ${pending.opaque})`,
      ),
    );
    // A peer that stopped answering on this connection may answer on a new one (a wedged flow, a
    // middlebox that lost it): RocketMQ's client closes it so the next call connects afresh.
    if (this.#owner.closeSocketIfTimeout) {
      this.close(`no response to code ${pending.code} within ${pending.timeoutMs} ms`);
    }
  }

  // ---- requests (dispatch lives in _request_dispatch.ts) -----------------------------------------

  /** @internal Counts a request as in flight. @param bytes its frame size */
  beginRequest(bytes: number): void {
    this.#inFlight++;
    this.#inFlightBytes += bytes;
  }

  /** @internal Counts a request as finished. @param bytes its frame size */
  endRequest(bytes: number): void {
    this.#inFlight--;
    this.#inFlightBytes -= bytes;
    // `assert` itself costs a rest-args call per request: check first.
    if (this.#inFlight < 0 || this.#inFlightBytes < 0) {
      assert.fail("in-flight accounting went negative");
    }
    if (this.#readWake !== null) this.#wakeAll();
    if (this.#owner.draining) this.#owner.onProgress();
  }

  /**
   * @internal Encodes and queues a response; never throws (it runs from processor promise callbacks).
   * @param response the response, opaque and flag already set
   */
  respond(response: RemotingCommand): void {
    if (this.#closed) {
      this.#owner.logger.debug(
        `Dropping response code ${response.code} to ${this.remoteAddress}: connection closed`,
      );
      return;
    }
    let frame: Uint8Array;
    try {
      frame = this.#outbound.encode(response);
    } catch (error) {
      this.#owner.logger.error(
        `Cannot encode response code ${response.code} to ${this.remoteAddress}: ${
          errorText(error)
        }`,
      );
      try {
        const fallback = createResponse(response, ResponseCode.SYSTEM_ERROR, errorText(error));
        fallback.serializeType = "JSON";
        frame = encodeCommand(fallback);
      } catch (fallbackError) {
        this.#fail(fallbackError, "cannot encode a response");
        return;
      }
    }
    if (!this.#outbound.push(frame, null, true)) this.#overflow(frame.length);
  }

  #overflow(frameBytes: number): void {
    if (this.#closed) return;
    this.#fail(
      new RangeError(
        `Cannot queue ${frameBytes} bytes to ${this.remoteAddress}: outbound queue holds ${this.#outbound.bytes} bytes, peer is not reading`,
      ),
      "outbound queue full",
    );
  }

  #onWritten(): void {
    this.lastActivityMs = this.#owner.clock.now();
    if (this.#owner.draining) this.#owner.onProgress();
  }

  #fail(error: unknown, what: string): void {
    if (this.#closed) return;
    const err = error instanceof Error ? error : new Error(String(error));
    this.#owner.logger.warn(`Closing connection ${this.remoteAddress}: ${what}: ${err.message}`);
    this.#owner.onException(this, err);
    this.close(`${what}: ${err.message}`);
  }
}

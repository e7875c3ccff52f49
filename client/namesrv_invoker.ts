/**
 * Calls to name servers the way RocketMQ clients make them (`shared/spec/remoting.md` §9): one
 * name server at a time, starting at a random one, moving to the next when a call fails to connect,
 * send or answer in time, within the call's deadline.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import type { RemotingClient } from "../protocol/remoting_client.ts";
import type { RemotingCommand } from "../protocol/remoting_command.ts";
import { RemotingInvokeError } from "../protocol/remoting_error.ts";
import { ClientErrorCode, MQClientError, suggestTodo } from "./client_error.ts";

/**
 * Options of {@linkcode NamesrvInvoker}.
 *
 * @example
 * ```ts
 * import { systemClock } from "../common/clock.ts";
 * import { MemoryTransport } from "../protocol/adapters/memory_transport.ts";
 * import { RemotingClient } from "../protocol/remoting_client.ts";
 * import { NamesrvInvoker, type NamesrvInvokerOptions } from "./namesrv_invoker.ts";
 * const remotingClient = new RemotingClient({ transport: new MemoryTransport() });
 * const namesrvAddrs = ["10.0.0.1:9876", "10.0.0.2:9876"];
 * const options: NamesrvInvokerOptions = { remotingClient, namesrvAddrs, clock: systemClock };
 * if (!namesrvAddrs.includes(new NamesrvInvoker(options).current ?? "")) throw new Error();
 * await remotingClient.shutdown();
 * ```
 */
export interface NamesrvInvokerOptions {
  /** the remoting client to call through */
  remotingClient: RemotingClient;
  /** name server `host:port`s */
  namesrvAddrs: readonly string[];
  /** time source for deadlines */
  clock: Clock;
  /** index of the first name server to use; default random */
  startIndex?: number;
}

/**
 * Invokes requests on the current name server, rotating on failure.
 *
 * @example
 * ```ts
 * import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
 * import { RemotingClient } from "../protocol/remoting_client.ts";
 * import { systemClock } from "../common/clock.ts";
 * import { NamesrvInvoker } from "./namesrv_invoker.ts";
 * const remotingClient = new RemotingClient({ transport: new DenoTcpTransport() });
 * const invoker = new NamesrvInvoker({
 *   remotingClient, namesrvAddrs: ["127.0.0.1:9876", "127.0.0.1:9877"], clock: systemClock, startIndex: 1,
 * });
 * if (invoker.current !== "127.0.0.1:9877") throw new Error(invoker.current);
 * await remotingClient.shutdown();
 * ```
 */
export class NamesrvInvoker {
  readonly #client: RemotingClient;
  readonly #clock: Clock;
  #addrs: readonly string[];
  #index: number;

  /**
   * Creates the invoker; the first call goes to `startIndex` (random by default).
   *
   * @param options client, addresses, clock, start index
   */
  constructor(options: NamesrvInvokerOptions) {
    this.#client = options.remotingClient;
    this.#clock = options.clock;
    this.#addrs = [...options.namesrvAddrs];
    this.#index = options.startIndex ?? Math.floor(Math.random() * 0x7fffffff);
  }

  /** the name server addresses */
  get namesrvAddrs(): readonly string[] {
    return this.#addrs;
  }

  /** the name server the next call goes to, or undefined when there are none */
  get current(): string | undefined {
    return this.#addrs.length === 0 ? undefined : this.#addrs[this.#index % this.#addrs.length];
  }

  /**
   * Replaces the address list (RocketMQ `updateNameServerAddressList`).
   *
   * @param addrs the new addresses
   */
  updateNameServerAddressList(addrs: readonly string[]): void {
    this.#addrs = [...addrs];
  }

  /**
   * Sends a request to the current name server; on a connect, send or timeout failure moves on to
   * the next one and, while time is left and untried servers remain, tries again.
   *
   * @param request the request (its opaque is reassigned per attempt)
   * @param timeoutMs deadline for all attempts together
   * @returns the response (any code)
   * @throws {MQClientError} `No name server address, please set it.` when there is none
   * @throws {RemotingInvokeError} the last attempt's failure when every try failed
   */
  async invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const addrs = this.#addrs;
    if (addrs.length === 0) {
      throw new MQClientError(`No name server address, please set it.${suggestTodo()}`, {
        responseCode: ClientErrorCode.NO_NAME_SERVER_EXCEPTION,
      });
    }
    const deadline = this.#clock.now() + timeoutMs;
    let lastError: RemotingInvokeError | undefined;
    // Each call tries every entry of the list once (an address listed twice, twice), from the
    // shared current one; calls running side by side move the shared index past a failed entry
    // only once, so none is sent back to it.
    const n = addrs.length;
    const tried = new Set<number>();
    for (let attempt = 0; attempt < n; attempt++) {
      const remaining = deadline - this.#clock.now();
      if (remaining <= 0 && lastError !== undefined) break;
      let slot = this.#index % n;
      for (let step = 0; step < n && tried.has(slot); step++) slot = (slot + 1) % n;
      tried.add(slot);
      const addr = addrs[slot];
      try {
        return await this.#client.invoke(addr, request, Math.max(1, remaining));
      } catch (error) {
        if (!(error instanceof RemotingInvokeError)) throw error;
        lastError = error;
        if (this.#index % n === slot) this.#index = (this.#index + 1) & 0x7fffffff;
        this.#client.closeChannel(addr, `name server call failed: ${error.message}`);
      }
    }
    assert(lastError !== undefined, "a failed name server call has an error");
    throw lastError;
  }
}

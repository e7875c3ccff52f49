/**
 * The I/O contract of the remoting layer: listen and connect, giving byte streams. The core
 * (`RemotingServer`, `RemotingClient`) sees only `ReadableStream` / `WritableStream`; the runtime
 * lives in an adapter (`adapters/deno_tcp_transport.ts`, `adapters/memory_transport.ts`).
 *
 * @module
 */

/** Where to listen. */
export interface TransportListenOptions {
  /** interface to bind, e.g. "0.0.0.0" or "127.0.0.1" */
  hostname: string;
  /** port to bind; 0 picks an ephemeral port (read it back from {@linkcode TransportListener.port}) */
  port: number;
}

/** Where to connect. */
export interface TransportConnectOptions {
  /** host name or literal IP address */
  hostname: string;
  /** TCP port */
  port: number;
  /** aborts the connection attempt (e.g. `AbortSignal.timeout(connectTimeoutMs)`) */
  signal?: AbortSignal;
}

/**
 * One established byte connection. `readable` yields what the peer sent; `writable` sends. Writes
 * resolve when the transport took the bytes, so `await writer.write()` gives backpressure; from then
 * on the transport never reads the chunk again, and the writer may reuse its memory.
 */
export interface TransportConnection {
  /** bytes from the peer; ends when the peer closes */
  readonly readable: ReadableStream<Uint8Array>;
  /** bytes to the peer */
  readonly writable: WritableStream<Uint8Array>;
  /** our end, "ip:port" */
  readonly localAddress: string;
  /** the peer's end, "ip:port" */
  readonly remoteAddress: string;
  /** Closes both directions at once; pending reads and writes fail or end. Idempotent. */
  close(): void;
}

/**
 * A connection waiting to be accepted was reset by its peer first (e.g. a port scanner or a client
 * that gave up): only that connection failed, not the listener, so accepting goes on at once.
 */
export class TransportAcceptResetError extends Error {
  /**
   * @param message what failed
   * @param options the transport's own error as `cause`
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransportAcceptResetError";
  }
}

/** A bound listening socket. */
export interface TransportListener {
  /** the bound port (the real one when 0 was asked) */
  readonly port: number;
  /** the bound interface */
  readonly hostname: string;
  /**
   * Yields accepted connections until {@linkcode TransportListener.close} is called, then ends.
   * A connection its peer reset before it was taken ends the iteration with
   * {@linkcode TransportAcceptResetError}; the listener itself is fine and `accept()` may be called
   * again at once.
   *
   * @returns an iterable over incoming connections
   */
  accept(): AsyncIterable<TransportConnection>;
  /** Stops listening; an ongoing {@linkcode TransportListener.accept} iteration ends. Idempotent. */
  close(): void;
}

/**
 * A way to open byte connections: TCP via Deno, or in-process pipes.
 *
 * @example
 * ```ts
 * import type { Transport } from "./transport.ts";
 * async function echoOnce(transport: Transport): Promise<void> {
 *   const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
 *   listener.close();
 * }
 * ```
 */
export interface Transport {
  /**
   * Binds a listening socket.
   *
   * @param options interface and port (0 = ephemeral)
   * @returns the listener
   * @throws when the address cannot be bound (e.g. in use)
   */
  listen(options: TransportListenOptions): Promise<TransportListener>;
  /**
   * Opens a connection.
   *
   * @param options peer host, port and an optional abort signal
   * @returns the established connection
   * @throws when the peer refuses or the signal aborts
   */
  connect(options: TransportConnectOptions): Promise<TransportConnection>;
}

/**
 * Formats a host and port as "ip:port" (IPv6 in brackets), the address form used in logs and events.
 *
 * @param hostname IP address or host name
 * @param port TCP port
 * @returns e.g. "127.0.0.1:10911" or "[::1]:10911"
 */
export function formatAddress(hostname: string, port: number): string {
  return hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]:${port}`
    : `${hostname}:${port}`;
}

/**
 * Splits "host:port" (also "[v6]:port") into its parts.
 *
 * @param address e.g. "127.0.0.1:10911"
 * @returns host (without brackets) and port
 * @throws {RangeError} when the address has no valid port
 */
export function parseAddress(address: string): { hostname: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot parse address ${JSON.stringify(address)}: expected host:port`);
  }
  let hostname = address.slice(0, colon);
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  return { hostname, port };
}

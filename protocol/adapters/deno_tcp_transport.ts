/**
 * {@linkcode Transport} over Deno TCP sockets: the only file of `protocol/` that touches `Deno.*`.
 *
 * Reads go through one reusable scratch buffer per connection and hand out exact-size copies: Deno's
 * own `conn.readable` allocates a fresh 64 KiB buffer per read, which costs more than copying the few
 * hundred bytes a remoting request usually is. The readable has `highWaterMark: 0`, so nothing is read
 * ahead of the consumer: when the consumer stops reading, the kernel buffer fills and TCP pushes back on
 * the peer.
 *
 * @module
 */

import type {
  Transport,
  TransportConnection,
  TransportConnectOptions,
  TransportListener,
  TransportListenOptions,
} from "../transport.ts";
import { formatAddress, TransportAcceptResetError } from "../transport.ts";
import { TCP_READ_BUFFER_BYTES } from "../limits.ts";
import { nextReadBuffer } from "./_read_buffer.ts";

/** Errors Deno raises on a socket that we closed ourselves; they end streams quietly. */
function isClosedError(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}

/**
 * Errors of `accept` about one connection its peer reset while it waited in the backlog (Deno reads
 * the peer address of each accepted socket, which then fails with ENOTCONN).
 */
function isPeerResetError(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted;
}

function netAddress(addr: Deno.Addr): string {
  const net = addr as Deno.NetAddr;
  return formatAddress(net.hostname, net.port);
}

/** One TCP connection seen as a pair of byte streams. */
class DenoTcpConnection implements TransportConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly #conn: Deno.TcpConn;
  #scratch = new Uint8Array(TCP_READ_BUFFER_BYTES);
  readonly #readState = { smallReads: 0 };
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    this.localAddress = netAddress(conn.localAddr);
    this.remoteAddress = netAddress(conn.remoteAddr);
    this.readable = new ReadableStream<Uint8Array>({
      pull: (controller) => this.#pull(controller),
      cancel: () => this.close(),
    }, { highWaterMark: 0 });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#write(chunk),
      close: () => this.#closeWrite(),
      abort: () => this.close(),
    }, { highWaterMark: 1 });
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let n: number | null;
    try {
      n = await this.#conn.read(this.#scratch);
    } catch (error) {
      if (this.#closed && isClosedError(error)) {
        controller.close();
        return;
      }
      throw error;
    }
    if (n === null) {
      controller.close();
      return;
    }
    controller.enqueue(this.#scratch.slice(0, n));
    this.#scratch = nextReadBuffer(this.#scratch, n, this.#readState);
  }

  async #write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      offset += await this.#conn.write(chunk.subarray(offset));
    }
  }

  async #closeWrite(): Promise<void> {
    if (!this.#closed) await this.#conn.closeWrite();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch (error) {
      if (!isClosedError(error)) throw error;
    }
  }
}

/** A bound TCP listener. */
class DenoTcpListener implements TransportListener {
  readonly port: number;
  readonly hostname: string;
  readonly #listener: Deno.TcpListener;
  #closed = false;

  constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.port = listener.addr.port;
    this.hostname = listener.addr.hostname;
  }

  async *accept(): AsyncIterable<TransportConnection> {
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed && isClosedError(error)) return;
        if (isPeerResetError(error)) {
          throw new TransportAcceptResetError(
            `Cannot accept a connection on port ${this.port}: reset by its peer`,
            { cause: error },
          );
        }
        throw error;
      }
      yield new DenoTcpConnection(conn);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch (error) {
      if (!isClosedError(error)) throw error;
    }
  }
}

/**
 * TCP transport on `Deno.listen` / `Deno.connect`, with `TCP_NODELAY` and keepalive on every socket.
 *
 * @example
 * ```ts
 * import { DenoTcpTransport } from "./deno_tcp_transport.ts";
 * const transport = new DenoTcpTransport();
 * const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await transport.connect({ hostname: "127.0.0.1", port: listener.port });
 * for await (const server of listener.accept()) {
 *   server.close();
 *   break;
 * }
 * client.close();
 * listener.close();
 * ```
 */
export class DenoTcpTransport implements Transport {
  /**
   * Binds a TCP listener with `Deno.listen`.
   *
   * @param options interface and port (0 = ephemeral)
   * @returns the bound listener
   * @throws {Deno.errors.AddrInUse} when the port is taken, its message naming the address (a
   *   broker binds three ports: the operator must learn which one)
   */
  listen(options: TransportListenOptions): Promise<TransportListener> {
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({ hostname: options.hostname, port: options.port, transport: "tcp" });
    } catch (error) {
      if (error instanceof Error) {
        error.message = `Cannot listen on ${
          formatAddress(options.hostname, options.port)
        }: ${error.message}`;
      }
      return Promise.reject(error);
    }
    return Promise.resolve(new DenoTcpListener(listener));
  }

  /**
   * Opens a TCP connection with `Deno.connect`.
   *
   * @param options peer host and port; `signal` aborts the attempt
   * @returns the connection
   * @throws {Deno.errors.ConnectionRefused} when nobody listens; the signal's reason when aborted
   */
  async connect(options: TransportConnectOptions): Promise<TransportConnection> {
    const conn = await Deno.connect({
      hostname: options.hostname,
      port: options.port,
      transport: "tcp",
      signal: options.signal,
    });
    return new DenoTcpConnection(conn);
  }
}

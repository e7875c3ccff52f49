/**
 * {@linkcode Transport} over in-process pipes: for embedding a name server and a broker in one process,
 * and for tests that want no sockets. Each direction is a bounded TransformStream, so a reader that
 * stops reading pushes back on the writer as TCP would.
 *
 * @module
 */

import { MEMORY_LISTEN_BACKLOG, MEMORY_PIPE_BYTES_MAX } from "../limits.ts";
import type {
  Transport,
  TransportConnection,
  TransportConnectOptions,
  TransportListener,
  TransportListenOptions,
} from "../transport.ts";
import { formatAddress } from "../transport.ts";

const EPHEMERAL_PORT_FIRST = 49152;
const PORT_LAST = 65535;

/**
 * One direction: what one side writes, the other reads. A write copies its chunk (the writer may reuse
 * its buffer, as with a socket) and resolves once buffered; while `MEMORY_PIPE_BYTES_MAX` bytes wait
 * unread, the next write waits.
 */
class Pipe {
  readonly writable: WritableStream<Uint8Array>;
  readonly readable: ReadableStream<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #ended = false;
  #terminated = false;
  #wakeReader: (() => void) | null = null;
  #wakeWriter: (() => void) | null = null;

  constructor() {
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#write(chunk),
      close: () => this.#end(),
      abort: () => this.terminate(),
    }, { highWaterMark: 1 });
    this.readable = new ReadableStream<Uint8Array>({
      pull: (controller) => this.#pull(controller),
      cancel: () => this.terminate(),
    }, { highWaterMark: 0 });
  }

  /** Ends the reading side at once and fails further writes. */
  terminate(): void {
    this.#terminated = true;
    this.#chunks = [];
    this.#bytes = 0;
    this.#wake();
  }

  async #write(chunk: Uint8Array): Promise<void> {
    const copy = chunk.slice();
    while (this.#bytes >= MEMORY_PIPE_BYTES_MAX && !this.#terminated) {
      await new Promise<void>((resolve) => {
        this.#wakeWriter = resolve;
      });
    }
    if (this.#terminated) throw new Error("Cannot write to memory connection: connection closed");
    this.#chunks.push(copy);
    this.#bytes += copy.length;
    this.#wake();
  }

  #end(): void {
    this.#ended = true;
    this.#wake();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.#chunks.length === 0) {
      if (this.#ended || this.#terminated) {
        controller.close();
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wakeReader = resolve;
      });
    }
    const chunk = this.#chunks.shift()!;
    this.#bytes -= chunk.length;
    this.#wake();
    controller.enqueue(chunk);
  }

  #wake(): void {
    const reader = this.#wakeReader;
    const writer = this.#wakeWriter;
    this.#wakeReader = null;
    this.#wakeWriter = null;
    reader?.();
    writer?.();
  }
}

class MemoryConnection implements TransportConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly #incoming: Pipe;
  readonly #outgoing: Pipe;
  #closed = false;

  constructor(incoming: Pipe, outgoing: Pipe, localAddress: string, remoteAddress: string) {
    this.#incoming = incoming;
    this.#outgoing = outgoing;
    this.readable = incoming.readable;
    this.writable = outgoing.writable;
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outgoing.terminate();
    this.#incoming.terminate();
  }
}

class MemoryListener implements TransportListener {
  readonly port: number;
  readonly hostname: string;
  readonly #unregister: () => void;
  #queue: TransportConnection[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(hostname: string, port: number, unregister: () => void) {
    this.hostname = hostname;
    this.port = port;
    this.#unregister = unregister;
  }

  /** @returns false when closed or the backlog is full (the connect is refused) */
  offer(connection: TransportConnection): boolean {
    if (this.#closed || this.#queue.length >= MEMORY_LISTEN_BACKLOG) return false;
    this.#queue.push(connection);
    this.#wakeUp();
    return true;
  }

  async *accept(): AsyncIterable<TransportConnection> {
    while (true) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    for (const connection of this.#queue) connection.close();
    this.#queue = [];
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/**
 * In-process transport. Listeners and connections exist only inside one instance: share the instance
 * between the server and the clients that should reach it. Ports are per instance; 0 picks a free one
 * from 49152 up.
 *
 * @example
 * ```ts
 * import { MemoryTransport } from "./memory_transport.ts";
 * const transport = new MemoryTransport();
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
export class MemoryTransport implements Transport {
  readonly #listeners = new Map<number, MemoryListener>();
  readonly #portsInUse = new Set<number>();
  #nextPort = EPHEMERAL_PORT_FIRST;

  /**
   * Registers a listener on a port of this instance.
   *
   * @param options hostname (any) and port (0 = ephemeral)
   * @returns the listener
   * @throws {Error} when the port is taken
   */
  listen(options: TransportListenOptions): Promise<TransportListener> {
    const port = options.port === 0 ? this.#allocatePort() : options.port;
    if (this.#portsInUse.has(port)) {
      return Promise.reject(new Error(`Cannot listen on memory port ${port}: address in use`));
    }
    this.#portsInUse.add(port);
    const listener = new MemoryListener(options.hostname, port, () => {
      this.#listeners.delete(port);
      this.#portsInUse.delete(port);
    });
    this.#listeners.set(port, listener);
    return Promise.resolve(listener);
  }

  /**
   * Connects to a listener of this instance through a new pair of pipes.
   *
   * @param options peer port (the hostname is only recorded); `signal` aborts
   * @returns our end of a new pipe pair
   * @throws {Error} when nobody listens on the port or its backlog is full; the signal's reason
   */
  connect(options: TransportConnectOptions): Promise<TransportConnection> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const listener = this.#listeners.get(options.port);
    const target = formatAddress(options.hostname, options.port);
    if (listener === undefined) {
      return Promise.reject(new Error(`Cannot connect to ${target}: connection refused`));
    }
    const toServer = new Pipe();
    const toClient = new Pipe();
    const clientPort = this.#allocatePort();
    const clientAddress = formatAddress("127.0.0.1", clientPort);
    const serverAddress = formatAddress(listener.hostname, listener.port);
    const client = new MemoryConnection(toClient, toServer, clientAddress, serverAddress);
    const server = new MemoryConnection(toServer, toClient, serverAddress, clientAddress);
    if (!listener.offer(server)) {
      return Promise.reject(
        new Error(`Cannot connect to ${target}: connection refused (backlog full)`),
      );
    }
    return Promise.resolve(client);
  }

  #allocatePort(): number {
    for (let tries = 0; tries <= PORT_LAST - EPHEMERAL_PORT_FIRST; tries++) {
      const port = this.#nextPort;
      this.#nextPort = port === PORT_LAST ? EPHEMERAL_PORT_FIRST : port + 1;
      if (!this.#portsInUse.has(port)) return port;
    }
    throw new Error("Cannot allocate a memory port: all ephemeral ports in use");
  }
}

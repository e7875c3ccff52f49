/**
 * Helpers for the remoting tests: deadlines, latches, event waits, raw frame connections.
 * Internal; not re-exported.
 *
 * @module
 */

import { encodeCommand } from "./command_codec.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import type { RemotingLogger } from "./remoting_logger.ts";
import type { RemotingEventMap, RemotingEventType } from "./remoting_channel.ts";
import type { TransportConnection } from "./transport.ts";
import { FrameReader } from "./_frame_reader.ts";

/**
 * Settles like `promise`, or rejects after `ms` naming `what`.
 *
 * @param promise the awaited work
 * @param ms deadline
 * @param what description for the failure message
 * @returns the promise's value
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve function, resolvable from outside. */
export class Latch<T = void> {
  /** settles when {@linkcode Latch.resolve} is called */
  readonly promise: Promise<T>;
  /** settles the promise */
  resolve!: (value: T) => void;
  constructor() {
    this.promise = new Promise<T>((resolve) => {
      this.resolve = resolve;
    });
  }
}

/** Something with typed `on` events (a server or a client). */
export interface Evented {
  on<K extends RemotingEventType>(type: K, listener: RemotingEventMap[K]): () => void;
}

/**
 * Resolves with the arguments of the next `type` event accepted by `filter`.
 *
 * @param source server or client
 * @param type event name
 * @param filter which event counts
 * @returns the listener arguments
 */
export function nextEvent<K extends RemotingEventType>(
  source: Evented,
  type: K,
  filter: (...args: Parameters<RemotingEventMap[K]>) => boolean = () => true,
): Promise<Parameters<RemotingEventMap[K]>> {
  return new Promise((resolve) => {
    const off = source.on(
      type,
      ((...args: Parameters<RemotingEventMap[K]>) => {
        if (!filter(...args)) return;
        off();
        resolve(args);
      }) as RemotingEventMap[K],
    );
  });
}

/** A logger that keeps lines in memory (errors too), so tests stay quiet and can assert on logs. */
export class MemoryLogger implements RemotingLogger {
  /** "level: message" lines */
  readonly lines: string[] = [];
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  info(message: string): void {
    this.lines.push(`info: ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
}

/** A raw connection speaking frames by hand: for peers that misbehave or never read. */
export class RawPeer {
  readonly #connection: TransportConnection;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #frames = new FrameReader(64 * 1024 * 1024, "server");

  /** @param connection an established connection */
  constructor(connection: TransportConnection) {
    this.#connection = connection;
    this.#writer = connection.writable.getWriter();
  }

  /** @param bytes raw bytes to send */
  async write(bytes: Uint8Array): Promise<void> {
    await this.#writer.write(bytes);
  }

  /** @param command a command to encode and send */
  async send(command: RemotingCommand): Promise<void> {
    await this.#writer.write(encodeCommand(command));
  }

  /** @returns the next command received, or null at end of stream */
  async receive(): Promise<RemotingCommand | null> {
    this.#reader ??= this.#connection.readable.getReader();
    while (true) {
      const command = this.#frames.next();
      if (command !== null) return command;
      const { value, done } = await this.#reader.read();
      if (done) return null;
      this.#frames.push(value);
    }
  }

  /** Closes the connection and waits for the read side to end. */
  async close(): Promise<void> {
    this.#connection.close();
    if (this.#reader !== undefined) {
      while (!(await this.#reader.read()).done) {
        // drain what was in flight; the stream ends once the socket is closed
      }
    }
  }
}

/**
 * Framing of received bytes into commands (`shared/spec/remoting.md` §1) as a Web Streams transform.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeCommandAt } from "./command_codec.ts";
import { FrameDecodeError } from "./errors.ts";
import { FRAME_BYTES_MAX_CEILING, FRAME_BYTES_MAX_DEFAULT, FRAME_BYTES_MIN } from "./limits.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { PartialFrame, readFrameLength } from "./_frame_length.ts";

/** Options of {@linkcode FrameDecoderStream}. */
export interface FrameDecoderStreamOptions {
  /** largest accepted `frameLength` (bytes after the length prefix); default 16 MiB */
  frameBytesMax?: number;
  /** peer address named in errors, e.g. "10.0.0.2:5123" */
  remoteAddress?: string;
}

/**
 * Splits a byte stream into frames and decodes each into a {@linkcode RemotingCommand}. Accepts any
 * chunking; buffers at most `frameBytesMax + 4` bytes. Whole frames inside one chunk are decoded in
 * place, and their bodies are views into that chunk: writers hand chunks over and must not reuse them.
 * A frame over `frameBytesMax`, a malformed frame, or an end of input inside a frame errors the stream
 * with a {@linkcode FrameDecodeError} naming the peer; the owner then closes that one connection.
 *
 * @example
 * ```ts
 * import { encodeCommand } from "./command_codec.ts";
 * import { FrameDecoderStream } from "./frame_decoder_stream.ts";
 * const frame = encodeCommand({
 *   code: 34, language: "JAVA", version: 409, opaque: 1, flag: 0, serializeType: "JSON",
 * });
 * const commands = ReadableStream.from([frame.subarray(0, 5), frame.subarray(5)])
 *   .pipeThrough(new FrameDecoderStream({ remoteAddress: "127.0.0.1:9876" }));
 * for await (const command of commands) if (command.code !== 34) throw new Error("HEART_BEAT");
 * ```
 */
export class FrameDecoderStream extends TransformStream<Uint8Array, RemotingCommand> {
  #frameBytesMax: number;
  #remoteAddress: string | undefined;
  /** the frame being assembled (prefix included), once its length is known */
  #pending: PartialFrame | null = null;
  /** a length prefix split across chunks */
  #prefix = new Uint8Array(4);
  #prefixFilled = 0;

  /** @param options frame limit and peer address */
  constructor(options: FrameDecoderStreamOptions = {}) {
    super({
      transform: (chunk, controller) => this.#transform(chunk, controller),
      flush: () => this.#flush(),
    });
    const frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
    assert(
      Number.isInteger(frameBytesMax) && frameBytesMax >= FRAME_BYTES_MIN &&
        frameBytesMax <= FRAME_BYTES_MAX_CEILING,
      `frameBytesMax must be an integer in [${FRAME_BYTES_MIN}, ${FRAME_BYTES_MAX_CEILING}], got ${frameBytesMax}`,
    );
    this.#frameBytesMax = frameBytesMax;
    this.#remoteAddress = options.remoteAddress;
  }

  #transform(
    chunk: Uint8Array,
    controller: TransformStreamDefaultController<RemotingCommand>,
  ): void {
    const n = chunk.length;
    let p = 0;
    while (p < n) {
      const pending = this.#pending;
      if (pending !== null) {
        p += pending.fill(chunk, p, n);
        const frame = pending.complete();
        if (frame === null) return;
        this.#pending = null;
        controller.enqueue(this.#decode(frame, 4, frame.length));
      } else if (this.#prefixFilled === 0 && n - p >= 4) {
        const frameLength = readFrameLength(chunk, p, this.#frameBytesMax, this.#remoteAddress);
        const end = p + 4 + frameLength;
        if (end <= n) {
          controller.enqueue(this.#decode(chunk, p + 4, end));
          p = end;
        } else {
          this.#startPending(frameLength, chunk.subarray(p, n));
          return;
        }
      } else {
        while (this.#prefixFilled < 4 && p < n) this.#prefix[this.#prefixFilled++] = chunk[p++];
        if (this.#prefixFilled < 4) return;
        this.#prefixFilled = 0;
        this.#startPending(
          readFrameLength(this.#prefix, 0, this.#frameBytesMax, this.#remoteAddress),
          this.#prefix,
        );
      }
    }
  }

  #startPending(frameLength: number, head: Uint8Array): void {
    this.#pending = new PartialFrame(frameLength, head);
  }

  #decode(source: Uint8Array, start: number, end: number): RemotingCommand {
    try {
      return decodeCommandAt(source, start, end);
    } catch (error) {
      if (error instanceof FrameDecodeError && this.#remoteAddress !== undefined) {
        throw error.withRemoteAddress(this.#remoteAddress);
      }
      throw error;
    }
  }

  #flush(): void {
    if (this.#pending !== null) {
      throw this.#error(
        `input ended inside a frame after ${this.#pending.filled} of ${this.#pending.total} bytes`,
      );
    }
    if (this.#prefixFilled > 0) {
      throw this.#error(
        `input ended inside a length prefix after ${this.#prefixFilled} of 4 bytes`,
      );
    }
  }

  #error(reason: string): FrameDecodeError {
    return new FrameDecodeError(reason, { remoteAddress: this.#remoteAddress });
  }
}

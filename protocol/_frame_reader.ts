/**
 * Pull-style framing for the connection read loop: push a chunk, then take decoded commands one at a
 * time. Unlike `FrameDecoderStream` it lets the caller stop between two frames of one chunk (when its
 * outbound side is saturated) without a stream hop per frame.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeCommandAt } from "./command_codec.ts";
import { FrameDecodeError } from "./errors.ts";
import { FRAME_BYTES_MAX_CEILING, FRAME_BYTES_MIN } from "./limits.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { PartialFrame, readFrameLength } from "./_frame_length.ts";

/**
 * Splits bytes into frames (`shared/spec/remoting.md` §1) and decodes them. Holds at most one pushed
 * chunk plus one partial frame of at most `frameBytesMax + 4` bytes. Bodies of frames whole inside a
 * chunk are views into that chunk, so chunks must not be reused by the producer.
 */
export class FrameReader {
  readonly #frameBytesMax: number;
  readonly #remoteAddress: string;
  #chunk: Uint8Array = new Uint8Array(0);
  #offset = 0;
  /** the frame being assembled (prefix included), once its length is known */
  #partial: PartialFrame | null = null;
  readonly #prefix = new Uint8Array(4);
  #prefixFilled = 0;
  /** bytes (prefix included) of the frame last returned by {@linkcode FrameReader.next} */
  lastFrameBytes = 0;

  /**
   * @param frameBytesMax largest accepted `frameLength`
   * @param remoteAddress peer, named in errors
   */
  constructor(frameBytesMax: number, remoteAddress: string) {
    assert(
      Number.isInteger(frameBytesMax) && frameBytesMax >= FRAME_BYTES_MIN &&
        frameBytesMax <= FRAME_BYTES_MAX_CEILING,
      `frameBytesMax must be an integer in [${FRAME_BYTES_MIN}, ${FRAME_BYTES_MAX_CEILING}], got ${frameBytesMax}`,
    );
    this.#frameBytesMax = frameBytesMax;
    this.#remoteAddress = remoteAddress;
  }

  /** @returns whether the current chunk is used up (push the next one) */
  get needsInput(): boolean {
    return this.#offset >= this.#chunk.length;
  }

  /** @returns bytes of a frame received only in part so far (0 between frames) */
  get partialBytes(): number {
    return this.#partial === null ? this.#prefixFilled : this.#partial.filled;
  }

  /**
   * Hands over the next chunk; the previous one must be used up.
   *
   * @param chunk bytes read from the peer; owned by the reader from now on
   */
  push(chunk: Uint8Array): void {
    if (!this.needsInput) assert.fail("FrameReader.push before the previous chunk was used up");
    this.#chunk = chunk;
    this.#offset = 0;
  }

  /**
   * Decodes the next whole frame, if the bytes pushed so far hold one.
   *
   * @returns the command, or null when more input is needed
   * @throws {FrameDecodeError} on a length out of range or a malformed frame
   */
  next(): RemotingCommand | null {
    const chunk = this.#chunk;
    const n = chunk.length;
    while (this.#offset < n) {
      const p = this.#offset;
      const partial = this.#partial;
      if (partial !== null) {
        this.#offset = p + partial.fill(chunk, p, n);
        const frame = partial.complete();
        if (frame === null) return null;
        this.#partial = null;
        return this.#decode(frame, 4, frame.length);
      }
      if (this.#prefixFilled === 0 && n - p >= 4) {
        const frameLength = readFrameLength(chunk, p, this.#frameBytesMax, this.#remoteAddress);
        const end = p + 4 + frameLength;
        if (end <= n) {
          this.#offset = end;
          return this.#decode(chunk, p + 4, end);
        }
        this.#startPartial(frameLength, chunk.subarray(p, n));
        this.#offset = n;
        return null;
      }
      let q = p;
      while (this.#prefixFilled < 4 && q < n) this.#prefix[this.#prefixFilled++] = chunk[q++];
      this.#offset = q;
      if (this.#prefixFilled < 4) return null;
      this.#prefixFilled = 0;
      this.#startPartial(
        readFrameLength(this.#prefix, 0, this.#frameBytesMax, this.#remoteAddress),
        this.#prefix,
      );
    }
    return null;
  }

  #startPartial(frameLength: number, head: Uint8Array): void {
    this.#partial = new PartialFrame(frameLength, head);
  }

  #decode(source: Uint8Array, start: number, end: number): RemotingCommand {
    this.lastFrameBytes = end - start + 4;
    try {
      return decodeCommandAt(source, start, end);
    } catch (error) {
      if (error instanceof FrameDecodeError) throw error.withRemoteAddress(this.#remoteAddress);
      throw new FrameDecodeError(`malformed frame: ${String(error)}`, {
        remoteAddress: this.#remoteAddress,
        cause: error,
      });
    }
  }
}

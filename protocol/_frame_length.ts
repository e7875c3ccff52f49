/**
 * The frame boundary both framers find the same way: the 4-byte big-endian `frameLength` prefix
 * (`shared/spec/remoting.md` §1), checked against the limits before any buffer is allocated.
 *
 * @module
 */

import { FrameDecodeError } from "./errors.ts";
import { FRAME_BYTES_MIN, PARTIAL_FRAME_BUFFER_BYTES_MIN } from "./limits.ts";

/**
 * Reads and validates the length prefix at `p`.
 *
 * @param source bytes holding the 4 prefix bytes at `p`
 * @param p offset of the prefix
 * @param frameBytesMax largest accepted `frameLength`
 * @param remoteAddress peer named in errors, if known
 * @returns `frameLength` (bytes after the prefix)
 * @throws {FrameDecodeError} when the length is below FRAME_BYTES_MIN or above `frameBytesMax`
 */
export function readFrameLength(
  source: Uint8Array,
  p: number,
  frameBytesMax: number,
  remoteAddress: string | undefined,
): number {
  const frameLength = (source[p] << 24) | (source[p + 1] << 16) | (source[p + 2] << 8) |
    source[p + 3];
  if (frameLength < FRAME_BYTES_MIN) {
    throw new FrameDecodeError(`length ${frameLength} is below ${FRAME_BYTES_MIN}`, {
      remoteAddress,
    });
  }
  if (frameLength > frameBytesMax) {
    throw new FrameDecodeError(`length ${frameLength} exceeds frameBytesMax ${frameBytesMax}`, {
      remoteAddress,
    });
  }
  return frameLength;
}

/**
 * A frame that arrives in parts. Its buffer follows what has arrived (at least
 * PARTIAL_FRAME_BUFFER_BYTES_MIN, twice the bytes so far, doubling as more come), never the
 * length the peer announced: an announcement costs the peer the bytes it must send.
 */
export class PartialFrame {
  #bytes: Uint8Array;
  #filled: number;
  /** `4 + frameLength`: the whole frame, prefix included */
  readonly total: number;

  /**
   * @param frameLength validated length after the prefix
   * @param head the bytes received so far, prefix first (fewer than the whole frame)
   */
  constructor(frameLength: number, head: Uint8Array) {
    this.total = 4 + frameLength;
    const size = Math.max(PARTIAL_FRAME_BUFFER_BYTES_MIN, 2 * head.length);
    this.#bytes = new Uint8Array(Math.min(this.total, size));
    this.#bytes.set(head);
    this.#filled = head.length;
  }

  /** bytes received so far */
  get filled(): number {
    return this.#filled;
  }

  /** bytes the buffer holds now (what the peer's announcement costs so far) */
  get capacity(): number {
    return this.#bytes.length;
  }

  /**
   * Copies in what the frame still needs from `source[p, n)`.
   * @returns the bytes taken
   */
  fill(source: Uint8Array, p: number, n: number): number {
    const take = Math.min(this.total - this.#filled, n - p);
    const need = this.#filled + take;
    if (need > this.#bytes.length) {
      const grown = new Uint8Array(Math.min(this.total, Math.max(need, 2 * this.#bytes.length)));
      grown.set(this.#bytes.subarray(0, this.#filled));
      this.#bytes = grown;
    }
    this.#bytes.set(take === source.length ? source : source.subarray(p, p + take), this.#filled);
    this.#filled = need;
    return take;
  }

  /** @returns the whole frame, prefix first, once every byte arrived; else null */
  complete(): Uint8Array | null {
    return this.#filled === this.total ? this.#bytes : null;
  }
}

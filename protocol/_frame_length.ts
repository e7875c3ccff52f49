/**
 * The frame boundary both framers find the same way: the 4-byte big-endian `frameLength` prefix
 * (`shared/spec/remoting.md` §1), checked against the limits before any buffer is allocated.
 *
 * @module
 */

import { FrameDecodeError } from "./errors.ts";
import { FRAME_BYTES_MIN } from "./limits.ts";

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
 * Allocates the buffer of a frame that arrives in parts and copies in its first bytes.
 *
 * @param frameLength validated length after the prefix
 * @param head the bytes received so far, prefix first
 * @returns a buffer of `4 + frameLength` bytes starting with `head`
 */
export function startFrame(frameLength: number, head: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + frameLength);
  frame.set(head);
  return frame;
}

/**
 * LZ4 frame decompression (the LZ4 Frame Format 1.6.x: magic, frame descriptor, blocks, end mark),
 * for message bodies a RocketMQ 5.x producer compressed with `compressType=LZ4` (sysFlag
 * compression type 0x100). Compressed and stored blocks, linked or independent, with or without
 * content size and checksums; checksums are skipped, not verified (a broken stream still fails on
 * its structure). Dictionaries and skippable frames are refused.
 *
 * @module
 */

const FRAME_MAGIC = 0x184d2204;
const MIN_MATCH = 4;

/** Thrown for a stream that is not one LZ4 frame this decoder reads. */
export class Lz4FormatError extends Error {
  /** @param message what is wrong, with the byte position */
  constructor(message: string) {
    super(message);
    this.name = "Lz4FormatError";
  }
}

/**
 * @param input one LZ4 frame
 * @param maxOutputBytes the most bytes it may inflate to
 * @returns the decompressed bytes
 * @throws {Lz4FormatError} for a malformed frame or one inflating beyond `maxOutputBytes`
 * @example
 * ```ts
 * import { decompressLz4Frame } from "./lz4.ts";
 * // `lz4` of "hello " six times, without the last space: one compressed block
 * const frame = new Uint8Array([4, 34, 77, 24, 100, 64, 167, 16, 0, 0, 0, 111, 104, 101, 108,
 *   108, 111, 32, 6, 0, 5, 80, 104, 101, 108, 108, 111, 0, 0, 0, 0, 189, 156, 214, 116]);
 * const text = new TextDecoder().decode(decompressLz4Frame(frame, 1024));
 * if (text !== "hello ".repeat(6).trim()) throw new Error(text);
 * ```
 */
export function decompressLz4Frame(input: Uint8Array, maxOutputBytes: number): Uint8Array {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const need = (position: number, bytes: number) => {
    if (position + bytes > input.length) {
      throw new Lz4FormatError(
        `LZ4 frame ends at ${input.length}, ${bytes} bytes needed at ${position}`,
      );
    }
  };
  need(0, 7);
  if (view.getUint32(0, true) !== FRAME_MAGIC) {
    throw new Lz4FormatError(`not an LZ4 frame: magic 0x${view.getUint32(0, true).toString(16)}`);
  }
  const flg = input[4];
  if ((flg >> 6) !== 1) throw new Lz4FormatError(`LZ4 frame version ${flg >> 6} is not 1`);
  if ((flg & 0x01) !== 0) throw new Lz4FormatError("LZ4 frames with a dictionary are not read");
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  let p = 6 + (contentSize ? 8 : 0) + 1; // FLG, BD, [content size], header checksum
  let out = new Uint8Array(Math.min(maxOutputBytes, Math.max(64, input.length * 4)));
  let o = 0;
  /** Makes the output hold `end` bytes (the first `from` already written). */
  const room = (from: number, end: number) => {
    if (end <= out.length) return;
    if (end > maxOutputBytes) {
      throw new Lz4FormatError(`LZ4 frame inflates beyond ${maxOutputBytes} bytes`);
    }
    const grown = new Uint8Array(Math.min(maxOutputBytes, Math.max(end, out.length * 2)));
    grown.set(out.subarray(0, from));
    out = grown;
  };
  for (;;) {
    need(p, 4);
    const word = view.getUint32(p, true);
    p += 4;
    if (word === 0) break; // end mark
    const size = word & 0x7fffffff;
    need(p, size + (blockChecksum ? 4 : 0));
    if ((word & 0x80000000) !== 0) { // stored as is
      room(o, o + size);
      out.set(input.subarray(p, p + size), o);
      o += size;
    } else {
      o = decodeBlock(input, p, p + size, () => out, room, o);
    }
    p += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) need(p, 4);
  return out.slice(0, o);
}

/** Decodes one compressed block from input[start, end) to the output at `o`. @returns the new end */
function decodeBlock(
  input: Uint8Array,
  start: number,
  end: number,
  output: () => Uint8Array,
  room: (from: number, end: number) => void,
  o: number,
): number {
  let p = start;
  const length = (base: number): number => {
    let n = base;
    if (base !== 15) return n;
    for (;;) {
      if (p >= end) throw new Lz4FormatError(`LZ4 block ends inside a length at ${p}`);
      const more = input[p++];
      n += more;
      if (more !== 255) return n;
    }
  };
  while (p < end) {
    const token = input[p++];
    const literals = length(token >> 4);
    if (p + literals > end) throw new Lz4FormatError(`LZ4 literals run past the block at ${p}`);
    room(o, o + literals);
    output().set(input.subarray(p, p + literals), o);
    o += literals;
    p += literals;
    if (p === end) break; // the last sequence has literals only
    if (p + 2 > end) throw new Lz4FormatError(`LZ4 block ends inside an offset at ${p}`);
    const offset = input[p] | (input[p + 1] << 8);
    p += 2;
    if (offset === 0 || offset > o) throw new Lz4FormatError(`LZ4 match offset ${offset} at ${p}`);
    const match = length(token & 0x0f) + MIN_MATCH;
    room(o, o + match);
    const out = output();
    for (let i = 0; i < match; i++, o++) out[o] = out[o - offset]; // may overlap itself
  }
  return o;
}

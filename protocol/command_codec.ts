/**
 * Whole-frame codec (`shared/spec/remoting.md` §1): `frameLength` int32, header word (serialize type
 * in the high byte, header length in the low 24 bits), header, body.
 *
 * @module
 */

import { FrameDecodeError, FrameEncodeError } from "./errors.ts";
import { decodeJsonHeader, jsonHeaderBound, writeJsonHeader } from "./json_header.ts";
import { FRAME_BYTES_MIN, HEADER_BYTES_MAX } from "./limits.ts";
import type { RemotingCommand, SerializeType } from "./remoting_command.ts";
import {
  decodeRocketmqHeader,
  rocketmqHeaderBound,
  writeRocketmqHeader,
} from "./rocketmq_header.ts";
import {
  frameSlab,
  reserveSlab,
  scratchBuffer,
  SLAB_FRAME_BYTES_MAX,
  takeSlab,
} from "./_frame_slab.ts";

/** Serialize type byte of JSON headers. */
export const SERIALIZE_TYPE_JSON_BYTE = 0;
/** Serialize type byte of ROCKETMQ headers. */
export const SERIALIZE_TYPE_ROCKETMQ_BYTE = 1;

/**
 * @param type a serialize type
 * @returns its wire byte (0 JSON, 1 ROCKETMQ)
 */
export function serializeTypeToByte(type: SerializeType): number {
  return type === "ROCKETMQ" ? SERIALIZE_TYPE_ROCKETMQ_BYTE : SERIALIZE_TYPE_JSON_BYTE;
}

/** Writes the length prefix and header word of a frame starting at `p`. */
function writePrefix(
  frame: Uint8Array,
  p: number,
  frameLength: number,
  headerLength: number,
  typeByte: number,
): void {
  frame[p] = frameLength >>> 24;
  frame[p + 1] = frameLength >>> 16;
  frame[p + 2] = frameLength >>> 8;
  frame[p + 3] = frameLength;
  frame[p + 4] = typeByte;
  frame[p + 5] = headerLength >>> 16;
  frame[p + 6] = headerLength >>> 8;
  frame[p + 7] = headerLength;
}

function writeHeader(command: RemotingCommand, target: Uint8Array, offset: number): number {
  return command.serializeType === "ROCKETMQ"
    ? writeRocketmqHeader(command, target, offset)
    : writeJsonHeader(command, target, offset);
}

function checkHeaderLength(headerLength: number, type: SerializeType): void {
  if (headerLength > HEADER_BYTES_MAX) {
    throw new FrameEncodeError(
      `Cannot encode ${type} header: length ${headerLength} exceeds ${HEADER_BYTES_MAX}`,
    );
  }
}

/**
 * Encodes a command as one whole frame, length prefix included, with its header serialized as
 * `command.serializeType`.
 *
 * @param command the command
 * @returns the frame bytes. Small frames are views on a shared slab (see `_frame_slab.ts`): never
 * transfer or detach their buffer; the bytes themselves are never rewritten
 * @throws {FrameEncodeError} when the header exceeds 24 bits of length, or a ROCKETMQ code/version
 * exceeds 16 bits
 * @example
 * ```ts
 * import { decodeCommand, encodeCommand } from "./command_codec.ts";
 * const frame = encodeCommand({
 *   code: 105, language: "JAVA", version: 409, opaque: 17, flag: 0,
 *   extFields: { topic: "T1" }, serializeType: "ROCKETMQ",
 * });
 * const decoded = decodeCommand(frame.subarray(4));
 * if (decoded.extFields?.topic !== "T1") throw new Error("round trip");
 * ```
 */
export function encodeCommand(command: RemotingCommand): Uint8Array {
  const bound = frameBound(command);
  if (bound <= SLAB_FRAME_BYTES_MAX) {
    // Common case: write straight into the slab, hand out a view.
    reserveSlab(bound);
    const start = frameSlab.used;
    return takeSlab(writeFrame(command, frameSlab.bytes, start) - start);
  }
  // Large frame: header to scratch, then one exact buffer for header and body.
  const body = command.body;
  const bodyLength = body === undefined || body === null ? 0 : body.length;
  const typeByte = serializeTypeToByte(command.serializeType);
  const scratch = scratchBuffer(bound - 8 - bodyLength);
  const headerLength = writeHeader(command, scratch, 0);
  checkHeaderLength(headerLength, command.serializeType);
  const frame = new Uint8Array(8 + headerLength + bodyLength);
  writePrefix(frame, 0, 4 + headerLength + bodyLength, headerLength, typeByte);
  frame.set(headerLength === scratch.length ? scratch : scratch.subarray(0, headerLength), 8);
  if (bodyLength > 0) frame.set(body!, 8 + headerLength);
  return frame;
}

/**
 * Returns an upper bound of a command's whole frame (length prefix included), without encoding it;
 * {@linkcode writeFrame} needs this many bytes.
 *
 * @param command the command
 * @returns bytes enough for the frame
 */
export function frameBound(command: RemotingCommand): number {
  const body = command.body;
  const bodyLength = body === undefined || body === null ? 0 : body.length;
  return 8 + bodyLength +
    (command.serializeType === "ROCKETMQ"
      ? rocketmqHeaderBound(command)
      : jsonHeaderBound(command));
}

/**
 * Encodes a command's whole frame into `target` at `start`, as {@linkcode encodeCommand} does; for
 * callers that own a buffer to write frames into. The caller reserved {@linkcode frameBound} bytes.
 *
 * @param command the command
 * @param target destination
 * @param start offset of the length prefix
 * @returns the offset after the frame
 * @throws {FrameEncodeError} as {@linkcode encodeCommand}
 */
export function writeFrame(command: RemotingCommand, target: Uint8Array, start: number): number {
  const body = command.body;
  const bodyLength = body === undefined || body === null ? 0 : body.length;
  const headerEnd = writeHeader(command, target, start + 8);
  const headerLength = headerEnd - start - 8;
  checkHeaderLength(headerLength, command.serializeType);
  if (bodyLength > 0) target.set(body!, headerEnd);
  const typeByte = serializeTypeToByte(command.serializeType);
  writePrefix(target, start, 4 + headerLength + bodyLength, headerLength, typeByte);
  return headerEnd + bodyLength;
}

/**
 * Decodes one frame: the bytes after the 4-byte length prefix (header word, header, body).
 * The body is a view into `frame`, not a copy: the caller must not reuse `frame`'s memory.
 *
 * @param frame header word + header + body
 * @returns the command; serializeType from the header word's high byte; body absent when empty
 * @throws {FrameDecodeError} on a short frame, a header longer than the frame, an unknown serialize
 * type, or a malformed header
 */
export function decodeCommand(frame: Uint8Array): RemotingCommand {
  return decodeCommandAt(frame, 0, frame.length);
}

/**
 * Decodes the frame in `source[start, end)` (header word, header, body) without slicing it first;
 * {@linkcode decodeCommand} on a range, for the frame decoder's hot path.
 *
 * @param source bytes holding the frame
 * @param start offset of the header word
 * @param end one past the frame's last byte
 * @returns the command; body is a view into `source`
 * @throws {FrameDecodeError} as {@linkcode decodeCommand}
 */
export function decodeCommandAt(source: Uint8Array, start: number, end: number): RemotingCommand {
  const frameLength = end - start;
  if (frameLength < FRAME_BYTES_MIN) {
    throw new FrameDecodeError(`frame length ${frameLength} is below ${FRAME_BYTES_MIN}`);
  }
  const typeByte = source[start];
  const headerLength = (source[start + 1] << 16) | (source[start + 2] << 8) | source[start + 3];
  if (headerLength > frameLength - 4) {
    throw new FrameDecodeError(
      `header length ${headerLength} exceeds frame length ${frameLength}`,
    );
  }
  const headerEnd = start + 4 + headerLength;
  let command: RemotingCommand;
  if (typeByte === SERIALIZE_TYPE_JSON_BYTE) {
    command = decodeJsonHeader(source, start + 4, headerEnd);
  } else if (typeByte === SERIALIZE_TYPE_ROCKETMQ_BYTE) {
    command = decodeRocketmqHeader(source, start + 4, headerEnd);
  } else {
    throw new FrameDecodeError(`unknown serialize type ${typeByte}`);
  }
  if (headerEnd < end) command.body = source.subarray(headerEnd, end);
  return command;
}

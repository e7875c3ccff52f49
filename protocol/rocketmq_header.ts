/**
 * ROCKETMQ binary header codec (`shared/spec/remoting.md` §3). Layout, big-endian:
 * code int16, language byte, version int16, opaque int32, flag int32, remark length R int32, remark,
 * ext length E int32, then per entry key length int16, key, value length int32, value.
 * A null or empty remark/value is written with length 0 and read back as absent.
 *
 * @module
 */

import { FrameDecodeError, FrameEncodeError } from "./errors.ts";
import { languageFromByte, languageToByte } from "./language_code.ts";
import { EXT_KEY_BYTES_MAX, ROCKETMQ_HEADER_FIXED_BYTES } from "./limits.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { utf8Read, utf8ReadCached, utf8Write } from "./_utf8.ts";

/** Worst UTF-8 bytes per UTF-16 unit. */
const BYTES_PER_UNIT_MAX = 3;

/**
 * Returns an upper bound of a command's ROCKETMQ header length, without encoding it.
 *
 * @param command the command
 * @returns bytes enough for {@linkcode writeRocketmqHeader}
 */
export function rocketmqHeaderBound(command: RemotingCommand): number {
  let units = 0;
  let entries = 0;
  const remark = command.remark;
  if (remark) units += remark.length;
  const ext = command.extFields;
  if (ext) {
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      units += key.length + value.length;
      entries++;
    }
  }
  return ROCKETMQ_HEADER_FIXED_BYTES + 6 * entries + BYTES_PER_UNIT_MAX * units;
}

function checkInt16(value: number, what: string): void {
  if ((value << 16 >> 16) !== value) {
    throw new FrameEncodeError(`Cannot encode ROCKETMQ header: ${what} ${value} exceeds 16 bits`);
  }
}

function writeInt32(target: Uint8Array, p: number, value: number): void {
  target[p] = value >>> 24;
  target[p + 1] = value >>> 16;
  target[p + 2] = value >>> 8;
  target[p + 3] = value;
}

/**
 * Writes a command's ROCKETMQ header at `offset`; the caller reserved
 * {@linkcode rocketmqHeaderBound} bytes.
 *
 * @param command the command (code and version must fit 16 bits)
 * @param target destination
 * @param offset first header byte
 * @returns the offset after the header
 * @throws {FrameEncodeError} when code or version exceed 16 bits, or a key exceeds 32767 bytes
 */
export function writeRocketmqHeader(
  command: RemotingCommand,
  target: Uint8Array,
  offset: number,
): number {
  const { code, version } = command;
  checkInt16(code, "code");
  checkInt16(version, "version");
  target[offset] = code >> 8;
  target[offset + 1] = code;
  target[offset + 2] = languageToByte(command.language);
  target[offset + 3] = version >> 8;
  target[offset + 4] = version;
  writeInt32(target, offset + 5, command.opaque);
  writeInt32(target, offset + 9, command.flag);
  let p = offset + 17;
  const remark = command.remark;
  if (remark) p = utf8Write(target, p, remark);
  writeInt32(target, offset + 13, p - offset - 17);
  const extStart = p;
  p += 4;
  const ext = command.extFields;
  if (ext) {
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      const keyEnd = utf8Write(target, p + 2, key);
      const keyBytes = keyEnd - p - 2;
      if (keyBytes > EXT_KEY_BYTES_MAX) {
        throw new FrameEncodeError(
          `Cannot encode ROCKETMQ header: ext key of ${keyBytes} bytes exceeds ${EXT_KEY_BYTES_MAX}`,
        );
      }
      target[p] = keyBytes >> 8;
      target[p + 1] = keyBytes;
      const valueEnd = utf8Write(target, keyEnd + 4, value);
      writeInt32(target, keyEnd, valueEnd - keyEnd - 4);
      p = valueEnd;
    }
  }
  writeInt32(target, extStart, p - extStart - 4);
  return p;
}

/**
 * Encodes a command's ROCKETMQ header.
 *
 * @param command the command
 * @returns fresh header bytes
 * @throws {FrameEncodeError} when code or version exceed 16 bits
 */
export function encodeRocketmqHeader(command: RemotingCommand): Uint8Array {
  const buffer = new Uint8Array(rocketmqHeaderBound(command));
  return buffer.slice(0, writeRocketmqHeader(command, buffer, 0));
}

function readInt32(source: Uint8Array, p: number): number {
  return (source[p] << 24) | (source[p + 1] << 16) | (source[p + 2] << 8) | source[p + 3];
}

function readInt16(source: Uint8Array, p: number): number {
  return ((source[p] << 24) | (source[p + 1] << 16)) >> 16;
}

/**
 * Decodes a ROCKETMQ header, checking every length against the header's extent.
 *
 * @param source the bytes holding the header
 * @param start first header byte
 * @param end one past the last header byte
 * @returns the command without body, serializeType "ROCKETMQ"
 * @throws {FrameDecodeError} when a length runs past the header or does not add up
 */
export function decodeRocketmqHeader(
  source: Uint8Array,
  start = 0,
  end: number = source.length,
): RemotingCommand {
  const headerLength = end - start;
  if (headerLength < ROCKETMQ_HEADER_FIXED_BYTES) {
    throw new FrameDecodeError(
      `ROCKETMQ header length ${headerLength} is below the fixed ${ROCKETMQ_HEADER_FIXED_BYTES} bytes`,
    );
  }
  const command: RemotingCommand = {
    code: readInt16(source, start),
    language: languageFromByte(source[start + 2]),
    version: readInt16(source, start + 3),
    opaque: readInt32(source, start + 5),
    flag: readInt32(source, start + 9),
    serializeType: "ROCKETMQ",
  };
  const remarkBytes = readInt32(source, start + 13);
  if (remarkBytes < 0 || remarkBytes > headerLength - ROCKETMQ_HEADER_FIXED_BYTES) {
    throw new FrameDecodeError(
      `ROCKETMQ remark length ${remarkBytes} exceeds header length ${headerLength}`,
    );
  }
  let p = start + 17;
  if (remarkBytes > 0) command.remark = utf8Read(source, p, p + remarkBytes);
  p += remarkBytes;
  const extBytes = readInt32(source, p);
  p += 4;
  if (extBytes !== end - p) {
    throw new FrameDecodeError(
      `ROCKETMQ ext fields length ${extBytes} does not match header length ${headerLength}`,
    );
  }
  if (extBytes > 0) {
    const fields = readExtFields(source, p, end);
    if (fields !== undefined) command.extFields = fields;
  }
  return command;
}

/** Reads ext entries; entries with an empty key or value vanish, and so does an empty map. */
function readExtFields(
  source: Uint8Array,
  start: number,
  end: number,
): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  let count = 0;
  let p = start;
  while (p < end) {
    if (p + 2 > end) throw truncatedEntry(p - start, end - start);
    const keyBytes = readInt16(source, p);
    p += 2;
    if (keyBytes < 0 || p + keyBytes + 4 > end) throw truncatedEntry(p - start, end - start);
    const key = utf8ReadCached(source, p, p + keyBytes);
    p += keyBytes;
    const valueBytes = readInt32(source, p);
    p += 4;
    if (valueBytes < 0 || valueBytes > end - p) throw truncatedEntry(p - start, end - start);
    if (keyBytes > 0 && valueBytes > 0) {
      const value = utf8ReadCached(source, p, p + valueBytes);
      if (key === "__proto__") {
        Object.defineProperty(fields, key, { value, enumerable: true, writable: true });
      } else {
        fields[key] = value;
      }
      count++;
    }
    p += valueBytes;
  }
  return count === 0 ? undefined : fields;
}

function truncatedEntry(at: number, extBytes: number): FrameDecodeError {
  return new FrameDecodeError(
    `ROCKETMQ ext field at byte ${at} runs past ext fields length ${extBytes}`,
  );
}

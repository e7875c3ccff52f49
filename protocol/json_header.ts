/**
 * JSON header codec (`shared/spec/remoting.md` §2), written as Java's fastjson writes it: properties in
 * alphabetical order, nulls omitted, `"serializeTypeCurrentRPC":"JSON"` included, ext values as JSON
 * strings:
 * `{"code":105,"extFields":{"topic":"T1"},"flag":0,"language":"JAVA","opaque":17,"serializeTypeCurrentRPC":"JSON","version":409}`.
 * The writer emits bytes directly (no JSON.stringify, no intermediate string). Escapes follow fastjson:
 * `\"`, `\\`, `\b \t \n \f \r`, other controls as `\u00XX` (upper-case hex), U+2028/U+2029 as `\u2028`/`\u2029`.
 *
 * @module
 */

import { jsonDepthExceeded } from "../common/json_depth.ts";
import { FrameDecodeError, FrameEncodeError } from "./errors.ts";
import { languageFromByte, languageFromName } from "./language_code.ts";
import { JSON_ERROR_VALUE_CHARS_MAX, JSON_HEADER_DEPTH_MAX } from "./limits.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { scanJsonHeader } from "./_json_header_scan.ts";
import { utf8ReadLong, utf8WriteWide } from "./_utf8.ts";

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const OPEN_CODE = ascii('{"code":');
const EXT_FIELDS = ascii(',"extFields":{');
const FLAG = ascii(',"flag":');
const LANGUAGE = ascii(',"language":"');
const OPAQUE = ascii('","opaque":');
const REMARK = ascii(',"remark":"');
const TAIL = ascii(',"serializeTypeCurrentRPC":"JSON","version":');
const HEX = ascii("0123456789ABCDEF");
/** Fixed bytes plus four int32 values of at most 11 characters. */
const FIXED_BOUND = OPEN_CODE.length + EXT_FIELDS.length + FLAG.length + LANGUAGE.length +
  OPAQUE.length + REMARK.length + TAIL.length + 4 * 11 + 4;
/** Worst bytes per UTF-16 unit: `\u00XX`. */
const BYTES_PER_UNIT_MAX = 6;

/**
 * Returns an upper bound of the JSON header's byte length, without encoding it.
 *
 * @param command the command
 * @returns bytes enough for {@linkcode writeJsonHeader}
 */
export function jsonHeaderBound(command: RemotingCommand): number {
  let units = command.language.length;
  let entries = 0;
  if (command.remark !== undefined && command.remark !== null) units += command.remark.length;
  const ext = command.extFields;
  if (ext !== undefined && ext !== null) {
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      units += key.length + value.length;
      entries++;
    }
  }
  return FIXED_BOUND + 6 * entries + BYTES_PER_UNIT_MAX * units;
}

function writeBytes(target: Uint8Array, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) target[p + i] = bytes[i];
  return p + bytes.length;
}

function writeInt32(target: Uint8Array, p: number, n: number, what: string): number {
  if ((n | 0) !== n) {
    throw new FrameEncodeError(`Cannot encode JSON header: ${what} ${n} is not an int32`);
  }
  if (n < 0) {
    target[p++] = 0x2d; // '-'
    if (n === -0x80000000) return writeBytes(target, p, ascii("2147483648"));
    n = -n;
  }
  if (n < 10) {
    target[p] = 0x30 + n;
    return p + 1;
  }
  let digits = 0;
  for (let m = n; m > 0; m = (m / 10) | 0) digits++;
  let q = p + digits;
  const end = q;
  for (let m = n; m > 0; m = (m / 10) | 0) target[--q] = 0x30 + (m % 10);
  return end;
}

/** Writes `s` as a JSON string body (no quotes), escaping like fastjson. */
function writeJsonString(target: Uint8Array, p: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) {
      if (c === 0x22 || c === 0x5c) target[p++] = 0x5c;
      target[p++] = c;
    } else if (c < 0x20) {
      p = writeControl(target, p, c);
    } else if (c < 0x800) {
      target[p++] = 0xc0 | (c >> 6);
      target[p++] = 0x80 | (c & 0x3f);
    } else if (c === 0x2028 || c === 0x2029) {
      target[p++] = 0x5c;
      target[p++] = 0x75; // u
      target[p++] = 0x32;
      target[p++] = 0x30;
      target[p++] = 0x32;
      target[p++] = c === 0x2028 ? 0x38 : 0x39;
    } else {
      const q = utf8WriteWide(target, p, s, i);
      if (q - p === 4) i++; // a surrogate pair: two units
      p = q;
    }
  }
  return p;
}

function writeControl(target: Uint8Array, p: number, c: number): number {
  target[p++] = 0x5c;
  switch (c) {
    case 0x08:
      target[p++] = 0x62; // b
      return p;
    case 0x09:
      target[p++] = 0x74; // t
      return p;
    case 0x0a:
      target[p++] = 0x6e; // n
      return p;
    case 0x0c:
      target[p++] = 0x66; // f
      return p;
    case 0x0d:
      target[p++] = 0x72; // r
      return p;
  }
  target[p++] = 0x75; // u
  target[p++] = 0x30;
  target[p++] = 0x30;
  target[p++] = HEX[c >> 4];
  target[p++] = HEX[c & 15];
  return p;
}

/**
 * Writes a command's JSON header at `offset`; the caller reserved {@linkcode jsonHeaderBound} bytes.
 *
 * @param command the command; extFields entries with null or undefined values are skipped
 * @param target destination
 * @param offset first header byte
 * @returns the offset after the header
 * @throws {FrameEncodeError} when code, flag, opaque or version is not an int32
 */
export function writeJsonHeader(
  command: RemotingCommand,
  target: Uint8Array,
  offset: number,
): number {
  let p = writeBytes(target, offset, OPEN_CODE);
  p = writeInt32(target, p, command.code, "code");
  const ext = command.extFields;
  if (ext !== undefined && ext !== null) {
    p = writeBytes(target, p, EXT_FIELDS);
    let first = true;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      if (!first) target[p++] = 0x2c; // ,
      first = false;
      target[p++] = 0x22;
      p = writeJsonString(target, p, key);
      target[p++] = 0x22;
      target[p++] = 0x3a; // :
      target[p++] = 0x22;
      p = writeJsonString(target, p, value);
      target[p++] = 0x22;
    }
    target[p++] = 0x7d; // }
  }
  p = writeBytes(target, p, FLAG);
  p = writeInt32(target, p, command.flag, "flag");
  p = writeBytes(target, p, LANGUAGE);
  p = writeJsonString(target, p, command.language);
  p = writeBytes(target, p, OPAQUE);
  p = writeInt32(target, p, command.opaque, "opaque");
  const remark = command.remark;
  if (remark !== undefined && remark !== null) {
    p = writeBytes(target, p, REMARK);
    p = writeJsonString(target, p, remark);
    target[p++] = 0x22;
  }
  p = writeBytes(target, p, TAIL);
  p = writeInt32(target, p, command.version, "version");
  target[p++] = 0x7d;
  return p;
}

/**
 * Encodes the JSON header of a command.
 *
 * @param command the command
 * @returns fresh UTF-8 bytes
 * @throws {FrameEncodeError} when code, flag, opaque or version is not an int32
 */
export function encodeJsonHeader(command: RemotingCommand): Uint8Array {
  const buffer = new Uint8Array(jsonHeaderBound(command));
  return buffer.slice(0, writeJsonHeader(command, buffer, 0));
}

/**
 * Returns the JSON header text of a command (without body), byte-compatible with fastjson.
 *
 * @param command the command
 * @returns the JSON text
 * @example
 * ```ts
 * import { jsonHeaderText } from "./json_header.ts";
 * const text = jsonHeaderText({
 *   code: 105, language: "JAVA", version: 409, opaque: 17, flag: 0,
 *   extFields: { topic: "T1" }, serializeType: "JSON",
 * });
 * const expected = '{"code":105,"extFields":{"topic":"T1"},"flag":0,"language":"JAVA",' +
 *   '"opaque":17,"serializeTypeCurrentRPC":"JSON","version":409}';
 * if (text !== expected) throw new Error(text);
 * ```
 */
export function jsonHeaderText(command: RemotingCommand): string {
  const header = encodeJsonHeader(command);
  return utf8ReadLong(header, 0, header.length);
}

/**
 * Decodes a JSON header leniently, as Java does: unknown properties ignored, missing `flag`, `opaque`,
 * `version`, `code` = 0, missing `language` = "JAVA" (Java's field default), `language` as name or
 * ordinal, ext values that are strings, numbers or booleans stored as strings, null values dropped.
 *
 * @param source the bytes holding the header
 * @param start first header byte
 * @param end one past the last header byte
 * @returns the command without body, serializeType "JSON"
 * @throws {FrameDecodeError} when the text is not a JSON object or a field has the wrong type
 */
export function decodeJsonHeader(
  source: Uint8Array,
  start = 0,
  end: number = source.length,
): RemotingCommand {
  return scanJsonHeader(source, start, end) ?? parseJsonHeader(utf8ReadLong(source, start, end));
}

/**
 * The general JSON header path: JSON.parse, then checks field by field. Exported for the
 * differential test of the fast path; use {@linkcode decodeJsonHeader}.
 *
 * @param text the header text
 * @returns the command without body, serializeType "JSON"
 * @throws {FrameDecodeError} when the text is not a JSON object or a field has the wrong type
 */
export function parseJsonHeader(text: string): RemotingCommand {
  checkDepth(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FrameDecodeError(`JSON header is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FrameDecodeError(`JSON header is not an object: ${cut(text)}`);
  }
  const object = parsed as Record<string, unknown>;
  const command: RemotingCommand = {
    code: readInt32(object, "code"),
    language: readLanguage(object.language),
    version: readInt32(object, "version"),
    opaque: readInt32(object, "opaque"),
    flag: readInt32(object, "flag"),
    serializeType: "JSON",
  };
  const remark = object.remark;
  if (remark !== undefined && remark !== null) command.remark = readScalar(remark, "remark");
  const ext = object.extFields;
  if (ext !== undefined && ext !== null) command.extFields = readExtFields(ext);
  return command;
}

function readInt32(object: Record<string, unknown>, key: string): number {
  const value = object[key];
  if (typeof value === "number") {
    if ((value | 0) === value) return value;
  } else if (value === undefined || value === null) {
    return 0;
  } else if (typeof value === "string" && /^-?\d{1,10}$/.test(value)) {
    const n = Number(value); // fastjson casts numeric strings
    if ((n | 0) === n) return n;
  }
  throw new FrameDecodeError(`JSON header ${key} is not an int32: ${describe(value)}`);
}

function readLanguage(value: unknown): string {
  if (typeof value === "string") return languageFromName(value);
  if (value === undefined || value === null) return "JAVA";
  if (typeof value === "number" && Number.isInteger(value)) return languageFromByte(value);
  throw new FrameDecodeError(
    `JSON header language is not a name or ordinal: ${describe(value)}`,
  );
}

function readScalar(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new FrameDecodeError(`JSON header ${what} is not a string: ${describe(value)}`);
}

function readExtFields(ext: unknown): Record<string, string> {
  if (typeof ext !== "object" || ext === null || Array.isArray(ext)) {
    throw new FrameDecodeError(`JSON header extFields is not an object: ${describe(ext)}`);
  }
  // JSON.parse made own data properties (even "__proto__"), so the object is reused in place; only
  // non-string values are rewritten.
  const fields = ext as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === "string") continue;
    if (value === null) delete fields[key];
    else fields[key] = readScalar(value, `extFields.${cut(key)}`);
  }
  return fields as Record<string, string>;
}

/** Refuses nesting deeper than JSON_HEADER_DEPTH_MAX before JSON.parse sees the text. */
function checkDepth(text: string): void {
  const at = jsonDepthExceeded(text, JSON_HEADER_DEPTH_MAX);
  if (at >= 0) {
    throw new FrameDecodeError(
      `JSON header nests deeper than ${JSON_HEADER_DEPTH_MAX} at character ${at}`,
    );
  }
}

/** @returns `text` cut to JSON_ERROR_VALUE_CHARS_MAX characters, for an error message */
function cut(text: string): string {
  return text.length > JSON_ERROR_VALUE_CHARS_MAX
    ? `${text.slice(0, JSON_ERROR_VALUE_CHARS_MAX)}...`
    : text;
}

/**
 * Names a bad header value in an error without serializing all of it: a value may be most of a
 * 16 MiB header, and JSON.stringify of deep nesting takes far longer than parsing it.
 */
function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (typeof value === "object" && value !== null) return "an object";
  if (typeof value === "string") return JSON.stringify(cut(value));
  return cut(String(value));
}

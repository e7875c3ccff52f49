/**
 * Fast path of the JSON header decoder. RocketMQ peers send one shape: an object of integers, plain
 * strings and nulls, with `extFields` an object of plain strings. This scanner reads that shape
 * straight from the UTF-8 bytes: property names are matched as bytes, strings come from the short
 * string cache, no text decode of the whole header and no generic object tree (JSON.parse takes ~500
 * ns of a ~700 ns decode). Escapes in ASCII string values are decoded here too: every RocketMQ send
 * carries them (the properties string's 0x01/0x02 separators travel as `\u0001`/`\u0002`). Anything
 * else (escapes in names or beside non-ASCII bytes, control characters, fractions, nested or numeric
 * ext values, `__proto__`, invalid JSON) returns undefined and the caller uses JSON.parse, so both
 * paths give the same result for every input (checked by a differential property test).
 *
 * Helpers take a position and return the next one, or -1 to bail; values read are left in module
 * variables, so nothing is allocated for results.
 *
 * @module
 */

import { languageFromByte, languageFromName } from "./language_code.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { utf8ReadCached } from "./_utf8.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const LETTER_N = 0x6e;

/**
 * Scan results, in one object: V8 writes object fields far faster than module-level `let`s.
 * `end`: one past the last header byte; `at.stringStart`/`at.stringEnd`: bounds of the last string read
 * (without quotes); `escaped`: that string's value when it held escapes (null: the bytes are the
 * value); `int`: the last int read.
 */
const at = { end: 0, stringStart: 0, stringEnd: 0, escaped: null as string | null, int: 0 };

function skipBlank(src: Uint8Array, p: number): number {
  let c = src[p];
  if (c > 0x20) return p; // the usual case: no blank at all
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = src[++p];
  return p;
}

/** Reads a string at `p` (its opening quote); bails on control characters. */
function readString(src: Uint8Array, p: number): number {
  const start = p + 1;
  const end = at.end;
  for (let i = start; i < end; i++) {
    const c = src[i];
    if (c === QUOTE) {
      at.stringStart = start;
      at.stringEnd = i;
      at.escaped = null;
      return i + 1;
    }
    if (c === BACKSLASH) return readEscapedString(src, start, i);
    if (c < 0x20) return -1;
  }
  return -1;
}

/** Longest escaped string decoded here (UTF-16 units); longer ones take the JSON.parse path. */
const ESCAPED_UNITS_MAX = 65536;
/** Chunk of String.fromCharCode.apply, well below V8's argument limit. */
const FROM_CHAR_CODE_CHUNK = 4096;
/** Reused UTF-16 units of the escaped string being read (a plain array: apply takes it as is). */
const units: number[] = [];

/**
 * Reads an ASCII string holding escapes (RocketMQ properties carry 0x01/0x02 as `\u0001`/`\u0002`)
 * into `at.escaped`, decoding the escapes as JSON.parse does. `i` is the first backslash. Bails on
 * non-ASCII bytes, control characters and bad escapes.
 */
function readEscapedString(src: Uint8Array, start: number, i: number): number {
  const end = at.end;
  if (end - start > ESCAPED_UNITS_MAX) return -1;
  let n = 0;
  for (let j = start; j < i; j++) {
    const b = src[j];
    if (b >= 0x80) return -1;
    units[n++] = b;
  }
  let q = i;
  while (q < end) {
    const c = src[q];
    if (c === QUOTE) {
      at.stringStart = start;
      at.stringEnd = q;
      at.escaped = unitsToString(n);
      return q + 1;
    }
    if (c === BACKSLASH) {
      const unit = escapeUnit(src, q + 1, end);
      if (unit < 0) return -1;
      units[n++] = unit;
      q += src[q + 1] === 0x75 ? 6 : 2;
    } else {
      if (c < 0x20 || c >= 0x80) return -1;
      units[n++] = c;
      q++;
    }
  }
  return -1;
}

/** The UTF-16 unit of the escape whose letter is at `p`, or -1. */
function escapeUnit(src: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  switch (src[p]) {
    case 0x22: // "
    case 0x5c: // \
    case 0x2f: // /
      return src[p];
    case 0x62: // b
      return 0x08;
    case 0x66: // f
      return 0x0c;
    case 0x6e: // n
      return 0x0a;
    case 0x72: // r
      return 0x0d;
    case 0x74: // t
      return 0x09;
    case 0x75: { // u
      if (p + 4 >= end) return -1;
      const unit = (hexDigit(src[p + 1]) << 12) | (hexDigit(src[p + 2]) << 8) |
        (hexDigit(src[p + 3]) << 4) | hexDigit(src[p + 4]);
      return unit; // negative when a digit is bad: -1 has every bit set
    }
  }
  return -1;
}

/** Value of a hex digit byte, or -1 (all bits set, so any OR with it stays negative). */
function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

function unitsToString(n: number): string {
  units.length = n;
  if (n <= FROM_CHAR_CODE_CHUNK) return String.fromCharCode.apply(null, units);
  let s = "";
  for (let k = 0; k < n; k += FROM_CHAR_CODE_CHUNK) {
    s += String.fromCharCode.apply(null, units.slice(k, Math.min(n, k + FROM_CHAR_CODE_CHUNK)));
  }
  return s;
}

/** Reads a plain int32; bails on fractions, exponents, leading zeros and range. */
function readInt(src: Uint8Array, p: number): number {
  const negative = src[p] === 0x2d;
  if (negative) p++;
  const first = p;
  let n = 0;
  let c = src[p];
  while (c >= 0x30 && c <= 0x39) {
    n = n * 10 + (c - 0x30);
    c = src[++p];
  }
  const digits = p - first;
  if (digits === 0 || digits > 10 || c === 0x2e || c === 0x65 || c === 0x45) return -1;
  if (digits > 1 && src[first] === 0x30) return -1;
  if (negative) n = -n;
  if ((n | 0) !== n) return -1;
  at.int = n;
  return p;
}

/** Reads `null`, `true` or `false` at `p`. */
function readLiteral(src: Uint8Array, p: number): number {
  const c = src[p];
  if (c === LETTER_N) return matches(src, p, NULL) ? p + 4 : -1;
  if (c === 0x74) return matches(src, p, TRUE) ? p + 4 : -1;
  return matches(src, p, FALSE) ? p + 5 : -1;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const NULL = ascii("null");
const TRUE = ascii("true");
const FALSE = ascii("false");

/** Whether `word` is at `p`. */
function matches(src: Uint8Array, p: number, word: Uint8Array): boolean {
  if (p + word.length > at.end) return false;
  for (let i = 0; i < word.length; i++) if (src[p + i] !== word[i]) return false;
  return true;
}

/** Whether the last string read equals `word`. */
function stringIs(src: Uint8Array, word: Uint8Array): boolean {
  return at.stringEnd - at.stringStart === word.length && matches(src, at.stringStart, word);
}

/** Reads `"name":` at `p`; leaves the name in the string bounds, returns the value's position. */
function readName(src: Uint8Array, p: number): number {
  if (src[p] !== QUOTE) return -1;
  p = readString(src, p);
  if (p < 0 || at.escaped !== null) return -1;
  p = skipBlank(src, p);
  return src[p] === COLON ? skipBlank(src, p + 1) : -1;
}

const PROTO = ascii("__proto__");

/** Reads an `extFields` object at `p` (its brace) into `fields`. */
function readExtFields(src: Uint8Array, p: number, fields: Record<string, string>): number {
  p = skipBlank(src, p + 1);
  if (src[p] === CLOSE) return p + 1;
  const end = at.end;
  while (true) {
    // The name, read inline: no escapes, no control characters, never `__proto__`.
    if (src[p] !== QUOTE) return -1;
    const keyStart = p + 1;
    let i = keyStart;
    while (true) {
      if (i >= end) return -1;
      const c = src[i];
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20) return -1;
      i++;
    }
    if (i - keyStart === PROTO.length && matches(src, keyStart, PROTO)) return -1;
    const key = utf8ReadCached(src, keyStart, i);
    p = i + 1;
    if (src[p] !== COLON) {
      p = skipBlank(src, p);
      if (src[p] !== COLON) return -1;
    }
    p++;
    if (src[p] !== QUOTE) p = skipBlank(src, p);
    if (src[p] === QUOTE) {
      p = readString(src, p);
      if (p < 0) return -1;
      fields[key] = at.escaped ?? utf8ReadCached(src, at.stringStart, at.stringEnd);
    } else {
      if (src[p] !== LETTER_N) return -1;
      p = readLiteral(src, p);
      if (p < 0) return -1;
      delete fields[key];
    }
    let c = src[p];
    if (c !== COMMA && c !== CLOSE) {
      p = skipBlank(src, p);
      c = src[p];
    }
    if (c === CLOSE) return p + 1;
    if (c !== COMMA) return -1;
    p++;
    if (src[p] !== QUOTE) p = skipBlank(src, p);
  }
}

/** Skips a value we do not use: plain string, int or literal. */
function skipValue(src: Uint8Array, p: number): number {
  const c = src[p];
  if (c === QUOTE) return readString(src, p);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return readInt(src, p);
  return readLiteral(src, p);
}

/** Reads an int property value, null meaning 0, into `at.int`. */
function readIntOrNull(src: Uint8Array, p: number): number {
  if (src[p] !== LETTER_N) return readInt(src, p);
  at.int = 0;
  return readLiteral(src, p);
}

const CODE = ascii("code");
const FLAG = ascii("flag");
const OPAQUE = ascii("opaque");
const REMARK = ascii("remark");
const VERSION = ascii("version");
const LANGUAGE = ascii("language");
const EXT_FIELDS = ascii("extFields");

/** Reads the value at `p` of the property whose name was just read, into `command`. */
function readProperty(src: Uint8Array, p: number, command: RemotingCommand): number {
  const length = at.stringEnd - at.stringStart;
  if (length < 4 || length > 9) return skipValue(src, p); // not a property we read
  if (stringIs(src, CODE)) {
    p = readIntOrNull(src, p);
    command.code = at.int;
  } else if (stringIs(src, OPAQUE)) {
    p = readIntOrNull(src, p);
    command.opaque = at.int;
  } else if (stringIs(src, FLAG)) {
    p = readIntOrNull(src, p);
    command.flag = at.int;
  } else if (stringIs(src, VERSION)) {
    p = readIntOrNull(src, p);
    command.version = at.int;
  } else if (stringIs(src, LANGUAGE)) {
    return readLanguage(src, p, command);
  } else if (stringIs(src, EXT_FIELDS)) {
    if (src[p] === LETTER_N) {
      delete command.extFields;
      return readLiteral(src, p);
    }
    if (src[p] !== OPEN) return -1;
    command.extFields = {};
    return readExtFields(src, p, command.extFields);
  } else if (stringIs(src, REMARK)) {
    if (src[p] === LETTER_N) {
      delete command.remark;
      return readLiteral(src, p);
    }
    p = src[p] === QUOTE ? readString(src, p) : -1;
    if (p >= 0) command.remark = at.escaped ?? utf8ReadCached(src, at.stringStart, at.stringEnd);
  } else {
    return skipValue(src, p);
  }
  return p;
}

/** Reads `language`: a name, an ordinal, or null ("JAVA", Java's default). */
function readLanguage(src: Uint8Array, p: number, command: RemotingCommand): number {
  const c = src[p];
  if (c === QUOTE) {
    p = readString(src, p);
    if (p >= 0) {
      command.language = languageFromName(
        at.escaped ?? utf8ReadCached(src, at.stringStart, at.stringEnd),
      );
    }
  } else if (c === LETTER_N) {
    p = readLiteral(src, p);
    command.language = "JAVA";
  } else {
    p = readInt(src, p);
    command.language = languageFromByte(at.int);
  }
  return p;
}

/**
 * Scans a JSON header of the common shape.
 *
 * @param source bytes holding the header
 * @param start first header byte
 * @param end one past the last header byte
 * @returns the command without body, or undefined when the header needs the JSON.parse path
 */
export function scanJsonHeader(
  source: Uint8Array,
  start: number,
  end: number,
): RemotingCommand | undefined {
  at.end = end;
  return scanObject(source, start);
}

function scanObject(src: Uint8Array, p: number): RemotingCommand | undefined {
  p = skipBlank(src, p);
  if (src[p] !== OPEN) return undefined;
  const command: RemotingCommand = {
    code: 0,
    language: "JAVA",
    version: 0,
    opaque: 0,
    flag: 0,
    serializeType: "JSON",
  };
  p = skipBlank(src, p + 1);
  if (src[p] !== CLOSE) {
    while (true) {
      p = readName(src, p);
      if (p < 0) return undefined;
      p = readProperty(src, p, command);
      if (p < 0) return undefined;
      p = skipBlank(src, p);
      const c = src[p];
      if (c === CLOSE) break;
      if (c !== COMMA) return undefined;
      p = skipBlank(src, p + 1);
    }
  }
  return skipBlank(src, p + 1) === at.end ? command : undefined;
}

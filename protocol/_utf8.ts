/**
 * UTF-8 helpers for the header codecs. Short strings (ext keys and values) are handled in JS, which
 * beats a TextEncoder/TextDecoder call per string; long ones go to the native codecs.
 *
 * @module
 */

import { KEY_CACHE_BYTES_MAX, KEY_CACHE_ENTRIES_MAX } from "./limits.ts";

/** Strings up to this many UTF-16 units are encoded and decoded in JS; longer ones natively. */
const SHORT_STRING_UNITS_MAX = 64;

const encoder = new TextEncoder();
/** Keeps a leading U+FEFF: header strings are data, Java does not strip it either. */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * @param s a string
 * @returns its UTF-8 byte length, with lone surrogates counted as U+FFFD (3 bytes) as TextEncoder does
 */
export function utf8Length(s: string): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 2; // 2 units -> 4 bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Writes `s` as UTF-8 at `offset`. The caller guarantees room for `utf8Length(s)` bytes.
 *
 * @param target destination
 * @param offset where to start
 * @param s the string
 * @returns the offset after the last byte written
 */
export function utf8Write(target: Uint8Array, offset: number, s: string): number {
  const n = s.length;
  if (n > SHORT_STRING_UNITS_MAX) {
    return offset + encoder.encodeInto(s, target.subarray(offset)).written;
  }
  let p = offset;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      target[p++] = c;
    } else if (c < 0x800) {
      target[p++] = 0xc0 | (c >> 6);
      target[p++] = 0x80 | (c & 0x3f);
    } else {
      const q = utf8WriteWide(target, p, s, i);
      if (q - p === 4) i++; // a surrogate pair: two units
      p = q;
    }
  }
  return p;
}

/**
 * Writes the UTF-8 of the unit `s[i]`, known to be at least U+0800: 3 bytes, or 4 bytes for a high
 * surrogate followed by a low one (the caller then skips the low one); a lone surrogate becomes
 * U+FFFD as TextEncoder writes it.
 *
 * @param target destination with room for 4 bytes at `p`
 * @param p where to write
 * @param s the string
 * @param i index of the unit
 * @returns the offset after the bytes written (`p + 4` exactly when two units were used)
 */
export function utf8WriteWide(target: Uint8Array, p: number, s: string, i: number): number {
  let c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdfff) {
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c <= 0xdbff && isLowSurrogate(next)) {
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      target[p++] = 0xf0 | (c >> 18);
      target[p++] = 0x80 | ((c >> 12) & 0x3f);
      target[p++] = 0x80 | ((c >> 6) & 0x3f);
      target[p++] = 0x80 | (c & 0x3f);
      return p;
    }
    target[p++] = 0xef; // lone surrogate -> U+FFFD
    target[p++] = 0xbf;
    target[p++] = 0xbd;
    return p;
  }
  target[p++] = 0xe0 | (c >> 12);
  target[p++] = 0x80 | ((c >> 6) & 0x3f);
  target[p++] = 0x80 | (c & 0x3f);
  return p;
}

/**
 * Decodes UTF-8 bytes `[start, end)`; invalid sequences become U+FFFD (as Java's `new String`).
 *
 * @param source the bytes
 * @param start first byte
 * @param end one past the last byte
 * @returns the string
 */
export function utf8Read(source: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n > SHORT_STRING_UNITS_MAX) return decoder.decode(source.subarray(start, end));
  if (n > CONCAT_UNITS_MAX) return asciiReadApply(source, start, n);
  let s = "";
  for (let i = start; i < end; i++) {
    const b = source[i];
    if (b >= 0x80) return decoder.decode(source.subarray(start, end));
    s += String.fromCharCode(b);
  }
  return s;
}

/** Up to this many bytes, concatenating one-character strings is cheapest; longer, one apply. */
const CONCAT_UNITS_MAX = 8;
/** Reused argument list of `String.fromCharCode.apply` (at most SHORT_STRING_UNITS_MAX codes). */
const codes: number[] = [];

/** An ASCII range of `n` bytes as one flat string (ids such as msgId miss the cache every time). */
function asciiReadApply(source: Uint8Array, start: number, n: number): string {
  codes.length = n;
  for (let i = 0; i < n; i++) {
    const b = source[start + i];
    if (b >= 0x80) return decoder.decode(source.subarray(start, start + n));
    codes[i] = b;
  }
  return String.fromCharCode.apply(null, codes);
}

const CACHE_SLOTS = KEY_CACHE_ENTRIES_MAX; // power of two
/** The 128 one-character ASCII strings. */
const ASCII_CHARS: readonly string[] = Array.from(
  { length: 128 },
  (_, c) => String.fromCharCode(c),
);
const cacheStrings: string[] = new Array<string>(CACHE_SLOTS).fill("");

/**
 * Decodes UTF-8 bytes `[start, end)` through a small direct-mapped cache of short ASCII strings:
 * header keys and many values (topic, group, small numbers) repeat on every request, and comparing
 * bytes with a cached string is cheaper than building a new one. Bounded: fixed slots, strings of at
 * most {@linkcode KEY_CACHE_BYTES_MAX} bytes; a peer can only thrash it.
 *
 * @param source the bytes
 * @param start first byte
 * @param end one past the last byte
 * @returns the string
 */
export function utf8ReadCached(source: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 1 && source[start] < 0x80) return ASCII_CHARS[source[start]]; // SEND_MESSAGE_V2 keys
  if (n > KEY_CACHE_BYTES_MAX) return utf8Read(source, start, end);
  // Hash a sample (ends and middle), not every byte: the comparison below checks every byte anyway.
  let hash = n;
  if (n > 0) {
    hash = Math.imul(hash, 31) + source[start];
    hash = Math.imul(hash, 31) + source[start + (n >> 1)];
    hash = Math.imul(hash, 31) + source[end - 1];
    if (n > 3) {
      hash = Math.imul(hash, 31) + source[start + 1];
      hash = Math.imul(hash, 31) + source[end - 2];
    }
  }
  const slot = (hash ^ (hash >>> 13)) & (CACHE_SLOTS - 1);
  const cached = cacheStrings[slot];
  if (cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === source[start + i]) i++;
    if (i === n) return cached;
  }
  const s = utf8Read(source, start, end);
  if (s.length === n) cacheStrings[slot] = s; // ASCII (or one U+FFFD per byte: never matches bytes)
  return s;
}

/**
 * Decodes a possibly long UTF-8 range natively.
 *
 * @param source the bytes
 * @param start first byte
 * @param end one past the last byte
 * @returns the string
 */
export function utf8ReadLong(source: Uint8Array, start: number, end: number): string {
  return decoder.decode(source.subarray(start, end));
}

/**
 * Encodes a string natively.
 *
 * @param s the string
 * @returns fresh UTF-8 bytes
 */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Encodes a string natively into `target` at `offset`.
 *
 * @param target destination with room for `s.length * 3` bytes
 * @param offset where to start
 * @param s the string
 * @returns the number of bytes written
 */
export function utf8EncodeInto(target: Uint8Array, offset: number, s: string): number {
  return encoder.encodeInto(s, offset === 0 ? target : target.subarray(offset)).written;
}

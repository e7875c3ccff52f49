/**
 * JSON as Alibaba fastjson writes RocketMQ's metadata files (`shared/spec/store.md` §10):
 * pretty-printed with TAB indent and one property per line, and maps with Integer keys written
 * with **unquoted** keys, e.g. consumerOffset.json's `{0:250,1:249}` and delayOffset.json.
 *
 * @module
 */

import { jsonDepthExceeded } from "../common/json_depth.ts";
import { JSON_BODY_DEPTH_MAX } from "../common/limits.ts";
import { FASTJSON_DEPTH_MAX } from "./limits.ts";

/** Thrown when text is neither JSON nor fastjson's form of it. */
export class FastjsonParseError extends Error {
  /**
   * @param message what is wrong
   * @param cause the underlying SyntaxError
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "FastjsonParseError";
  }
}

/** Thrown when a value cannot be written as fastjson (a cycle, NaN, a function, too deep). */
export class FastjsonStringifyError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "FastjsonStringifyError";
  }
}

/** Options of {@linkcode stringifyFastjson}. */
export interface StringifyFastjsonOptions {
  /**
   * Write the keys of plain objects whose keys are all integers (`"0"`, `"17"`, `"-1"`) unquoted,
   * as fastjson writes a Java `Map<Integer, …>`. Use for consumerOffset.json and delayOffset.json.
   * `Map` values with number keys are always written that way. Default false.
   */
  readonly unquotedIntegerKeys?: boolean;
}

const INTEGER_KEY = /^(0|-?[1-9][0-9]{0,15})$/;

/**
 * Parses standard JSON plus fastjson's unquoted integer object keys. Integer keys become string
 * properties (`{0:250}` → `{ "0": 250 }`). Integers above 2^53 lose precision, as with JSON.parse.
 *
 * @param text the file content (a leading byte-order mark is ignored)
 * @returns the parsed value
 * @throws {FastjsonParseError} when the text is not valid, or nests deeper than JSON_BODY_DEPTH_MAX
 * @example
 * ```ts
 * import { parseFastjson } from "./fastjson.ts";
 * const value = parseFastjson('{"offsetTable":{"T@G":{0:250,1:249\n}}}') as any;
 * console.assert(value.offsetTable["T@G"]["1"] === 249);
 * ```
 */
export function parseFastjson(text: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const deep = jsonDepthExceeded(source, JSON_BODY_DEPTH_MAX);
  if (deep >= 0) {
    throw new FastjsonParseError(
      `Cannot parse fastjson text: nests deeper than JSON_BODY_DEPTH_MAX ${JSON_BODY_DEPTH_MAX} at character ${deep}`,
    );
  }
  try {
    return JSON.parse(quoteIntegerKeys(source));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FastjsonParseError(`Cannot parse fastjson text: ${reason}`, error);
  }
}

/** Rewrites `{0:` / `,12 :` (outside strings) to `{"0":` / `,"12" :` so JSON.parse accepts it. */
function quoteIntegerKeys(text: string): string {
  let out = "";
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i);
      continue;
    }
    i++;
    if (c !== 0x7b && c !== 0x2c) continue; // { or ,
    let j = i;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    const start = j;
    if (j < n && text.charCodeAt(j) === 0x2d) j++; // -
    const digitsStart = j;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    if (j === digitsStart) continue;
    const end = j;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    if (j >= n || text.charCodeAt(j) !== 0x3a) continue; // :
    out += text.slice(copied, start) + '"' + text.slice(start, end) + '"';
    copied = end;
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** @returns the index just past the string literal starting at `i` (or the text end) */
function skipString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j += 2;
    else if (c === 0x22) return j + 1;
    else j++;
  }
  return j;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Writes a value the way fastjson's `PrettyFormat` does: objects put each string-keyed property on
 * its own line, indented with TABs, `"key":value` without spaces; integer-keyed maps stay on one
 * line (`{0:250,1:249` then a newline and the closing brace); arrays put each item on its own
 * line; empty objects and arrays are `{}` and `[]`; null and undefined properties are skipped.
 *
 * @param value plain objects, arrays, `Map`s, strings, finite numbers, bigints, booleans, null
 * @param options integer-key handling
 * @returns the text, without a final newline
 * @throws {FastjsonStringifyError} for cycles, non-finite numbers, functions, symbols, too deep
 * @example
 * ```ts
 * import { stringifyFastjson } from "./fastjson.ts";
 * const text = stringifyFastjson({ offsetTable: { "T@G": { 0: 250, 1: 249 } } }, {
 *   unquotedIntegerKeys: true,
 * });
 * console.assert(text === '{\n\t"offsetTable":{\n\t\t"T@G":{0:250,1:249\n\t\t}\n\t}\n}');
 * ```
 */
export function stringifyFastjson(value: unknown, options: StringifyFastjsonOptions = {}): string {
  const writer = new FastjsonWriter(options.unquotedIntegerKeys === true);
  writer.value(value, 0);
  return writer.text;
}

/** Accumulates output; one instance per call, so it holds the cycle guard. */
class FastjsonWriter {
  text = "";
  readonly #seen = new Set<object>();
  readonly #unquoted: boolean;

  constructor(unquotedIntegerKeys: boolean) {
    this.#unquoted = unquotedIntegerKeys;
  }

  value(value: unknown, depth: number): void {
    if (value === null || value === undefined) this.text += "null";
    else if (typeof value === "string") this.text += JSON.stringify(value);
    else if (typeof value === "boolean") this.text += value ? "true" : "false";
    else if (typeof value === "bigint") this.text += value.toString();
    else if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        throw new FastjsonStringifyError(`Cannot write number ${value} as fastjson`);
      }
      this.text += String(value);
    } else if (typeof value === "object") this.#container(value, depth);
    else throw new FastjsonStringifyError(`Cannot write a ${typeof value} as fastjson`);
  }

  #container(value: object, depth: number): void {
    if (depth >= FASTJSON_DEPTH_MAX) {
      throw new FastjsonStringifyError(
        `Cannot write fastjson: nesting exceeds FASTJSON_DEPTH_MAX ${FASTJSON_DEPTH_MAX}`,
      );
    }
    if (this.#seen.has(value)) throw new FastjsonStringifyError("Cannot write a cycle as fastjson");
    this.#seen.add(value);
    if (Array.isArray(value)) this.#array(value, depth);
    else if (value instanceof Map) this.#entries([...value.entries()], depth, isNumberKey);
    else {
      const unquoted = this.#unquoted && allIntegerKeys(value) ? isIntegerKey : isNever;
      this.#entries(Object.entries(value), depth, unquoted);
    }
    this.#seen.delete(value);
  }

  #array(items: readonly unknown[], depth: number): void {
    if (items.length === 0) {
      this.text += "[]";
      return;
    }
    this.text += "[";
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.text += ",";
      this.text += "\n" + "\t".repeat(depth + 1);
      this.value(items[i], depth + 1);
    }
    this.text += "\n" + "\t".repeat(depth) + "]";
  }

  #entries(
    entries: [unknown, unknown][],
    depth: number,
    unquoted: (key: unknown) => boolean,
  ): void {
    this.text += "{";
    let written = 0;
    for (const [key, item] of entries) {
      if (item === null || item === undefined) continue;
      if (written > 0) this.text += ",";
      if (unquoted(key)) {
        this.text += String(key);
      } else {
        this.text += "\n" + "\t".repeat(depth + 1) + JSON.stringify(String(key));
      }
      this.text += ":";
      this.value(item, depth + 1);
      written++;
    }
    if (written > 0) this.text += "\n" + "\t".repeat(depth);
    this.text += "}";
  }
}

/** A `Map` key written unquoted: a safe integer number, as a Java Integer/Long key. */
function isNumberKey(key: unknown): boolean {
  return typeof key === "number" && Number.isSafeInteger(key);
}

function isIntegerKey(key: unknown): boolean {
  return typeof key === "string" && INTEGER_KEY.test(key);
}

function isNever(_key: unknown): boolean {
  return false;
}

function allIntegerKeys(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => INTEGER_KEY.test(key));
}

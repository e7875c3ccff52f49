/**
 * Java `.properties` text: a reader with the rules of `java.util.Properties.load` and a writer
 * whose output that reader (and Java's) reads back unchanged. Name server and broker config
 * files and the GET/UPDATE_*_CONFIG bodies use this format (`shared/spec/config.md` §1,
 * `shared/spec/bodies.md` §7).
 *
 * @module
 */

/** Thrown when properties text cannot be read, e.g. a malformed `\uXXXX` escape. */
export class PropertiesSyntaxError extends Error {
  /**
   * @param line 1-based number of the natural line where the bad logical line starts
   * @param detail what is wrong
   */
  constructor(readonly line: number, detail: string) {
    super(`Cannot parse properties line ${line}: ${detail}`);
    this.name = "PropertiesSyntaxError";
  }
}

/** One logical line: its text (continuations joined, escapes still raw) and where it starts. */
interface LogicalLine {
  readonly text: string;
  readonly line: number;
}

const isBlank = (c: string): boolean => c === " " || c === "\t" || c === "\f";
const isLineEnd = (c: string): boolean => c === "\n" || c === "\r";

/**
 * Splits text into logical lines as Java's `Properties.LineReader` does: blank and comment
 * lines (`#` or `!` first) dropped, leading blanks skipped, a natural line ending in an odd
 * number of backslashes continued on the next one (whose leading blanks are skipped too).
 */
function* logicalLines(text: string): Generator<LogicalLine> {
  let i = 0;
  let lineNo = 1;
  const n = text.length;
  while (i < n) {
    while (i < n && isBlank(text[i])) i++;
    if (i >= n) break;
    if (isLineEnd(text[i])) {
      i = skipLineEnd(text, i);
      lineNo++;
      continue;
    }
    const startLine = lineNo;
    if (text[i] === "#" || text[i] === "!") {
      while (i < n && !isLineEnd(text[i])) i++;
      continue;
    }
    let out = "";
    for (;;) {
      const start = i;
      while (i < n && !isLineEnd(text[i])) i++;
      let segment = text.slice(start, i);
      let slashes = 0;
      while (slashes < segment.length && segment[segment.length - 1 - slashes] === "\\") slashes++;
      const continued = slashes % 2 === 1;
      if (continued) segment = segment.slice(0, -1);
      out += segment;
      if (!continued || i >= n) break;
      i = skipLineEnd(text, i);
      lineNo++;
      while (i < n && isBlank(text[i])) i++;
    }
    yield { text: out, line: startLine };
  }
}

/** @returns the index after the line terminator at `i` (`\n`, `\r` or `\r\n`) */
function skipLineEnd(text: string, i: number): number {
  if (text[i] === "\r" && text[i + 1] === "\n") return i + 2;
  return i + 1;
}

/** Splits a logical line into raw key and raw value at the first unescaped `=`, `:` or blank. */
function splitKeyValue(line: string): [string, string] {
  let keyEnd = line.length;
  let valueStart = line.length;
  let hasSeparator = false;
  let backslash = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (!backslash && (c === "=" || c === ":")) {
      keyEnd = i;
      valueStart = i + 1;
      hasSeparator = true;
      break;
    }
    if (!backslash && isBlank(c)) {
      keyEnd = i;
      valueStart = i + 1;
      break;
    }
    backslash = c === "\\" ? !backslash : false;
  }
  while (valueStart < line.length) {
    const c = line[valueStart];
    if (isBlank(c)) {
      valueStart++;
    } else if (!hasSeparator && (c === "=" || c === ":")) {
      hasSeparator = true;
      valueStart++;
    } else {
      break;
    }
  }
  return [line.slice(0, keyEnd), line.slice(valueStart)];
}

/** Resolves `\t \n \r \f \uXXXX` and `\x` (= x) escapes. */
function unescape(raw: string, lineNo: number): string {
  if (!raw.includes("\\")) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    i++;
    if (i >= raw.length) break;
    const e = raw[i];
    if (e === "u") {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new PropertiesSyntaxError(lineNo, `malformed \\uxxxx escape "\\u${hex}"`);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += e === "t" ? "\t" : e === "n" ? "\n" : e === "r" ? "\r" : e === "f" ? "\f" : e;
    }
  }
  return out;
}

/**
 * Reads properties text with the rules of Java `Properties.load`: `key=value`, `key: value` or
 * `key value`; `#`/`!` comment lines; `\` line continuation; `\t \n \r \f \uXXXX` escapes; a
 * value's leading blanks skipped and its trailing blanks kept. A later duplicate key wins.
 *
 * @param text the file or body text (already decoded from UTF-8)
 * @returns the entries in first-appearance order
 * @throws {PropertiesSyntaxError} on a malformed `\uXXXX` escape
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProperties } from "./properties.ts";
 * const props = parseProperties("# name server\nlistenPort = 9877\nkvConfigPath: /tmp/kv.json\n");
 * assert.equal(props.get("listenPort"), "9877");
 * assert.equal(props.get("kvConfigPath"), "/tmp/kv.json");
 * ```
 */
export function parseProperties(text: string): Map<string, string> {
  const result = new Map<string, string>();
  // A byte-order mark (an editor's UTF-8 "with BOM") is not part of the first key.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (const { text: line, line: lineNo } of logicalLines(body)) {
    const [rawKey, rawValue] = splitKeyValue(line);
    result.set(unescape(rawKey, lineNo), unescape(rawValue, lineNo));
  }
  return result;
}

/** Options for {@linkcode stringifyProperties}. */
export interface StringifyPropertiesOptions {
  /** sort entries by key (UTF-16 order, as Java's `TreeMap`); default true */
  readonly sort?: boolean;
}

/** Escapes one key or value so that `Properties.load` reads it back unchanged. */
function escapeText(text: string, isKey: boolean): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const code = c.charCodeAt(0);
    if (c === "\\") out += "\\\\";
    else if (c === "\t") out += "\\t";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\f") out += "\\f";
    else if (c === " " && (isKey || i === 0)) out += "\\ ";
    else if (isKey && (c === "=" || c === ":")) out += "\\" + c;
    else if ((c === "#" || c === "!") && i === 0 && isKey) out += "\\" + c;
    else if (code < 0x20 || code > 0x7e) {
      out += "\\u" + code.toString(16).toUpperCase().padStart(4, "0");
    } else out += c;
  }
  return out;
}

/**
 * Writes entries as `key=value\n` lines, escaping only what `Properties.load` needs (backslash,
 * control and non-ASCII characters, a value's leading space, separators in keys), so ordinary
 * values look exactly as RocketMQ writes them (`MixAll.properties2String`).
 *
 * @param entries the entries to write
 * @param options sorting
 * @returns the text, one line per entry, each ending in `\n`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stringifyProperties } from "./properties.ts";
 * assert.equal(stringifyProperties(new Map([["b", "2"], ["a", "x:y"]])), "a=x:y\nb=2\n");
 * ```
 */
export function stringifyProperties(
  entries: Iterable<readonly [string, string]>,
  options: StringifyPropertiesOptions = {},
): string {
  const list = [...entries];
  if (options.sort ?? true) list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let out = "";
  for (const [key, value] of list) out += `${escapeText(key, true)}=${escapeText(value, false)}\n`;
  return out;
}

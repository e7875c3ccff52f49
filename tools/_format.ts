/**
 * Text formatting the way RocketMQ's `mqadmin` prints: a subset of Java's `String.format`
 * (`%-20s`, `%4d`, `%04d`, `%9.2f`, `%n`), `UtilAll` time strings, `frontStringAtLeast`,
 * `PermName.perm2String`, `MQVersion.getVersionDesc`, Java's `Map.toString` and `HashMap` key
 * order. Internal to `tools/`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { javaStringHash } from "../store/message_properties.ts";

const SPEC = /%(-)?(0)?(\d+)?(?:\.(\d+))?([sdfn%])/g;

function pad(text: string, width: number | undefined, left: boolean, zero: boolean): string {
  if (width === undefined || text.length >= width) return text;
  if (left) return text.padEnd(width);
  if (!zero) return text.padStart(width);
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  return (negative ? "-" : "") + digits.padStart(width - (negative ? 1 : 0), "0");
}

function conversion(kind: string, arg: unknown, precision: number | undefined): string {
  if (kind === "s") {
    const text = arg === undefined || arg === null ? "null" : String(arg);
    return precision === undefined ? text : text.slice(0, precision);
  }
  if (kind === "d") {
    assert(
      typeof arg === "bigint" || Number.isInteger(arg),
      `%d takes an integer, got ${String(arg)}`,
    );
    return String(arg);
  }
  assert(typeof arg === "number", `%f takes a number, got ${String(arg)}`);
  return arg.toFixed(precision ?? 6);
}

/**
 * Java `String.format` for the conversions mqadmin uses: `s`, `d`, `f` with `-` (left-justify),
 * `0` (zero-pad), width and precision, plus `%n` and `%%`.
 *
 * @param format the format
 * @param args one argument per `s`/`d`/`f` conversion
 * @returns the text
 * @example
 * ```ts
 * import { javaFormat } from "./_format.ts";
 * if (javaFormat("%-6s|%4d|%04d|%9.2f%n", "ab", 7, 5, 1.5) !== "ab    |   7|0005|     1.50\n") {
 *   throw new Error();
 * }
 * ```
 */
export function javaFormat(format: string, ...args: unknown[]): string {
  let next = 0;
  const text = format.replace(
    SPEC,
    (_all, minus: string | undefined, zero, width, precision, kind: string) => {
      if (kind === "n") return "\n";
      if (kind === "%") return "%";
      assert(next < args.length, `format ${JSON.stringify(format)} needs more arguments`);
      const value = conversion(
        kind,
        args[next++],
        precision === undefined ? undefined : +precision,
      );
      return pad(value, width === undefined ? undefined : +width, minus !== undefined, !!zero);
    },
  );
  assert(next === args.length, `format ${JSON.stringify(format)} takes ${next} arguments`);
  return text;
}

/**
 * RocketMQ `UtilAll.frontStringAtLeast`: the first `size` characters.
 *
 * @param text a string
 * @param size the most characters kept
 * @returns the string, cut to `size`
 */
export function frontStringAtLeast(text: string, size: number): string {
  return text.length > size ? text.slice(0, size) : text;
}

const two = (n: number) => String(n).padStart(2, "0");

/**
 * RocketMQ `UtilAll.formatDate(date, "yyyy-MM-dd HH:mm:ss")`, local time.
 *
 * @param ms epoch milliseconds
 * @returns e.g. `2024-05-01 13:45:09`
 */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getFullYear()).padStart(4, "0")}-${two(d.getMonth() + 1)}-${
    two(d.getDate())
  } ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * RocketMQ `UtilAll.timeMillisToHumanString2`, local time.
 *
 * @param ms epoch milliseconds
 * @returns e.g. `2024-05-01 13:45:09,042`
 */
export function timeMillisToHumanString2(ms: number): string {
  return `${formatDateTime(ms)},${String(new Date(ms).getMilliseconds()).padStart(3, "0")}`;
}

/**
 * RocketMQ `PermName.perm2String`: `R`, `W` and `X` (inherit) in three places.
 *
 * @param perm permission bits (4 read, 2 write, 1 inherit)
 * @returns e.g. `RW-` for 6
 */
export function perm2String(perm: number): string {
  return ((perm & 4) !== 0 ? "R" : "-") + ((perm & 2) !== 0 ? "W" : "-") +
    ((perm & 1) !== 0 ? "X" : "-");
}

/** MQVersion ordinal of V4_0_0_SNAPSHOT; from here on every x.y.z has a SNAPSHOT and a release. */
const V4_0_0_SNAPSHOT = 212;
/** MQVersion ordinal of HIGHER_VERSION, the last constant (after V5_9_9). */
const HIGHER_VERSION = 612;

/**
 * RocketMQ `MQVersion.getVersionDesc` for 4.x and 5.x ordinals (`shared/spec/remoting.md` §6):
 * from 212 (V4_0_0_SNAPSHOT) the enum runs SNAPSHOT, release for each version up to V5_9_9;
 * ordinals past it are HIGHER_VERSION. Older ordinals print as `V<ordinal>`.
 *
 * @param version an MQVersion ordinal
 * @returns e.g. `V4_9_8` for 409
 * @example
 * ```ts
 * import { versionDesc } from "./_format.ts";
 * if (versionDesc(409) !== "V4_9_8" || versionDesc(479) !== "V5_3_3") throw new Error();
 * ```
 */
export function versionDesc(version: number): string {
  if (version >= HIGHER_VERSION) return "HIGHER_VERSION";
  if (version < V4_0_0_SNAPSHOT) return `V${version}`;
  const k = version - V4_0_0_SNAPSHOT;
  const release = Math.floor(k / 2);
  const major = 4 + Math.floor(release / 100);
  const name = `V${major}_${Math.floor(release / 10) % 10}_${release % 10}`;
  return k % 2 === 0 ? `${name}_SNAPSHOT` : name;
}

/**
 * Java `AbstractMap.toString`: `{a=1, b=2}`.
 *
 * @param entries the map's entries
 * @returns the text
 */
export function javaMapString(entries: Iterable<readonly [unknown, unknown]>): string {
  return `{${[...entries].map(([k, v]) => `${String(k)}=${String(v)}`).join(", ")}}`;
}

/**
 * The order Java's `HashMap<String, V>` (default capacity 16, load factor 0.75) iterates its
 * keys: by bucket, `(h ^ h >>> 16) & (capacity - 1)` of `String.hashCode`, then by insertion
 * within a bucket; the capacity doubles past 0.75 of it. Bins past 8 keys (tree bins, or the
 * resizes that replace them below 64 buckets) are not modelled: group names do not collide so.
 *
 * @param keys distinct keys, in insertion order
 * @returns the keys in iteration order
 * @example
 * ```ts
 * import { javaHashMapKeyOrder } from "./_format.ts";
 * // "b" hashes to bucket 2, "a" to bucket 1
 * if (javaHashMapKeyOrder(["b", "a"]).join() !== "a,b") throw new Error();
 * ```
 */
export function javaHashMapKeyOrder(keys: readonly string[]): string[] {
  assert(new Set(keys).size === keys.length, "HashMap keys are distinct");
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (key: string) => {
    const h = javaStringHash(key, 0);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys.map((key, i) => ({ key, i, b: bucket(key) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((e) => e.key);
}

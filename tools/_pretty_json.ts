/**
 * JSON as RocketMQ prints it with fastjson's `PrettyFormat` (`TopicRouteData.toJson(true)`, used
 * by `mqadmin topicRoute`): tab indentation, no space after `:`, and maps with numeric keys
 * written unquoted (`0:"10.0.0.1:10911"`), fastjson's default form (`shared/spec/bodies.md` §1).
 * Internal to `tools/`.
 *
 * @module
 */

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/** Each entry as its written key and its value. */
function entriesOf(value: object): [string, unknown][] {
  if (value instanceof Map) {
    return [...value].map(([k, v]) => [typeof k === "number" ? String(k) : scalar(k), v]);
  }
  return Object.entries(value).filter(([, v]) => v !== undefined)
    .map(([k, v]) => [JSON.stringify(k), v]);
}

function write(value: unknown, depth: number): string {
  if (value instanceof Set) return write([...value], depth);
  if (typeof value !== "object" || value === null) return scalar(value);
  const inner = "\t".repeat(depth + 1);
  const outer = "\t".repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + write(v, depth + 1)).join(",\n")}\n${outer}]`;
  }
  const entries = entriesOf(value);
  if (entries.length === 0) return "{}";
  const lines = entries.map(([key, v]) => `${inner}${key}:${write(v, depth + 1)}`);
  return `{\n${lines.join(",\n")}\n${outer}}`;
}

/**
 * Writes a value in fastjson's pretty format. Plain objects keep their key order (give them in
 * fastjson's alphabetical order) and skip undefined values; maps with number keys write them
 * unquoted; sets write as arrays.
 *
 * @param value the value
 * @returns the text, without a final newline
 * @example
 * ```ts
 * import { fastjsonPretty } from "./_pretty_json.ts";
 * const text = fastjsonPretty({ brokerAddrs: new Map([[0, "a:1"]]), list: [] });
 * if (text !== '{\n\t"brokerAddrs":{\n\t\t0:"a:1"\n\t},\n\t"list":[]\n}') throw new Error(text);
 * ```
 */
export function fastjsonPretty(value: unknown): string {
  return write(value, 0);
}

/**
 * The properties string of a message (message-format.md §4) and the tag hash (§5).
 *
 * Wire form: `name 0x01 value 0x02` per pair, every pair (the last too) ending with `0x02`.
 * Decoding follows Java's `MessageDecoder.string2messageProperties`: a segment is kept only when
 * it has ≥ 3 characters, a non-empty name and a non-empty value; a later duplicate name wins.
 *
 * @module
 */

/** Separates a name from its value (message-format.md §4). */
export const NAME_VALUE_SEPARATOR = "\u0001";
/** Ends every name/value pair (message-format.md §4). */
export const PROPERTY_SEPARATOR = "\u0002";
/** {@linkcode PROPERTY_SEPARATOR} as a byte of the encoded properties, and as a UTF-16 code unit. */
export const PROPERTY_SEPARATOR_BYTE = 0x02;

/** Property names the store reads (message-format.md §4, MessageConst.java). */
export const MessageConst = {
  PROPERTY_TAGS: "TAGS",
  PROPERTY_KEYS: "KEYS",
  PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX: "UNIQ_KEY",
  PROPERTY_WAIT_STORE_MSG_OK: "WAIT",
  PROPERTY_DELAY_TIME_LEVEL: "DELAY",
  PROPERTY_REAL_TOPIC: "REAL_TOPIC",
  PROPERTY_REAL_QUEUE_ID: "REAL_QID",
  PROPERTY_TRANSACTION_PREPARED: "TRAN_MSG",
  PROPERTY_CLUSTER: "CLUSTER",
  PROPERTY_MIN_OFFSET: "MIN_OFFSET",
  PROPERTY_MAX_OFFSET: "MAX_OFFSET",
  /** separator of the values of KEYS */
  KEY_SEPARATOR: " ",
} as const;

/**
 * Encodes properties into the wire string; entries with an undefined or null value are skipped
 * like Java does.
 * @param properties name → value
 * @returns the properties string (message-format.md §4)
 * @example
 * ```ts
 * import { encodeProperties } from "./message_properties.ts";
 * console.assert(encodeProperties(new Map([["TAGS", "A"]])) === "TAGS\u0001A\u0002");
 * ```
 */
export function encodeProperties(
  properties: ReadonlyMap<string, string | undefined | null> | Record<string, string>,
): string {
  let out = "";
  const entries = properties instanceof Map
    ? properties.entries()
    : Object.entries(properties as Record<string, string>);
  for (const [name, value] of entries) {
    if (value === undefined || value === null) continue;
    out += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return out;
}

/**
 * Decodes a properties string with Java's rules (see the module doc).
 * @param text the properties string
 * @returns name → value, in string order
 * @example
 * ```ts
 * import { decodeProperties } from "./message_properties.ts";
 * const map = decodeProperties("TAGS\u0001A\u0002EMPTY\u0001\u0002");
 * console.assert(map.get("TAGS") === "A" && !map.has("EMPTY"));
 * ```
 */
export function decodeProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const length = text.length;
  let index = 0;
  while (index < length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, index);
    if (end < 0) end = length;
    if (end - index >= 3) {
      const separator = text.indexOf(NAME_VALUE_SEPARATOR, index);
      if (separator > index && separator < end - 1) {
        map.set(text.slice(index, separator), text.slice(separator + 1, end));
      }
    }
    index = end + 1;
  }
  return map;
}

/**
 * Finds one property without building a map (same rules as {@linkcode decodeProperties}; the
 * last occurrence wins).
 * @param text the properties string
 * @param name the property name
 * @returns the value, or undefined when absent or empty
 */
export function findProperty(text: string, name: string): string | undefined {
  const start = lastValueStart(text, needleOf(name));
  if (start < 0) return undefined;
  const end = text.indexOf(PROPERTY_SEPARATOR, start);
  return text.slice(start, end < 0 ? text.length : end);
}

/**
 * Whether {@linkcode findProperty} would answer `value`, without making the string (the put
 * path asks this of WAIT for every message).
 * @returns true when the property's value is exactly `value`
 */
export function propertyIs(text: string, name: string, value: string): boolean {
  const start = lastValueStart(text, needleOf(name));
  if (start < 0 || !text.startsWith(value, start)) return false;
  const end = start + value.length;
  return end === text.length || text.charCodeAt(end) === PROPERTY_SEPARATOR_BYTE;
}

/** `name` + NAME_VALUE_SEPARATOR for the few names the store looks up, made once each. */
const needles = new Map<string, string>();
const NEEDLES_MAX = 64;

function needleOf(name: string): string {
  let needle = needles.get(name);
  if (needle === undefined) {
    needle = name + NAME_VALUE_SEPARATOR;
    if (needles.size < NEEDLES_MAX) needles.set(name, needle);
  }
  return needle;
}

/**
 * @returns where the last non-empty value of a pair starting with `needle` (name and 0x01)
 *   begins in `text`, or -1
 */
function lastValueStart(text: string, needle: string): number {
  let found = -1;
  let from = 0;
  while (true) {
    const at = text.indexOf(needle, from);
    if (at < 0) return found;
    from = at + 1;
    if (at !== 0 && text.charCodeAt(at - 1) !== PROPERTY_SEPARATOR_BYTE) continue;
    const valueStart = at + needle.length;
    if (valueStart < text.length && text.charCodeAt(valueStart) !== PROPERTY_SEPARATOR_BYTE) {
      found = valueStart;
    }
  }
}

/**
 * The consume-queue tag code: Java `String.hashCode()` of TAGS over UTF-16 code units, int32
 * (message-format.md §5).
 * @param tags the TAGS value; undefined or "" gives 0
 * @returns the int32 hash
 * @example
 * ```ts
 * import { computeTagsCode } from "./message_properties.ts";
 * console.assert(computeTagsCode("TagA") === 2598919);
 * ```
 */
export function computeTagsCode(tags: string | undefined): number {
  return tags === undefined ? 0 : javaStringHash(tags, 0);
}

/**
 * Java's `String.hashCode`, continued from `seed`: `javaStringHash(b, javaStringHash(a, 0))` is
 * the hash of `a + b` (the index hashes a `topic#` prefix once for all its keys).
 * @param text the characters to add
 * @param seed the int32 hash of what comes before (0 for none)
 * @returns the int32 hash
 * @example
 * ```ts
 * import { javaStringHash } from "./message_properties.ts";
 * console.assert(javaStringHash("B", javaStringHash("A", 0)) === javaStringHash("AB", 0));
 * ```
 */
export function javaStringHash(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * What the message index is keyed by and how its files are named (`shared/spec/store.md` §4):
 * the keys of a record (`topic#UNIQ_KEY`, `topic#k` for each KEYS value), their hashes computed
 * without building the strings, and the `yyyyMMddHHmmssSSS` file names.
 *
 * @module
 */

import type { DispatchRequest } from "./dispatch_request.ts";
import { javaStringHash } from "./message_properties.ts";

/**
 * @param hash an int32 `String.hashCode`
 * @returns the index key hash: its absolute value, Integer.MIN_VALUE mapped to 0
 */
export function indexHashOf(hash: number): number {
  return hash === -2147483648 ? 0 : Math.abs(hash);
}

/**
 * Writes the index hashes of a record's keys into `out` from index `start` on, in
 * {@linkcode indexKeys} order, without building strings: `indexKeyHash(k)` for each `k` of
 * `indexKeys(request)`. Slots past the returned end keep what they held, so one scratch array
 * serves every record without being emptied (emptying drops its backing store: a new one per
 * record).
 * @param out where the hashes go (grown when needed)
 * @param request the record's topic, KEYS and UNIQ_KEY
 * @param prefix `javaStringHash(topic + "#", 0)`
 * @param start first slot written (default `out.length`: append)
 * @returns the slot after the last hash written
 */
export function pushIndexKeyHashes(
  out: number[],
  request: Pick<DispatchRequest, "keys" | "uniqKey">,
  prefix: number,
  start: number = out.length,
): number {
  let end = start;
  if (request.uniqKey !== undefined) {
    out[end++] = indexHashOf(javaStringHash(request.uniqKey, prefix));
  }
  const keys = request.keys;
  let hash = prefix;
  let length = 0;
  for (let i = 0; i <= keys.length; i++) {
    const c = i < keys.length ? keys.charCodeAt(i) : 0x20;
    if (c !== 0x20) {
      hash = (Math.imul(31, hash) + c) | 0;
      length++;
    } else if (length > 0) {
      out[end++] = indexHashOf(hash);
      hash = prefix;
      length = 0;
    }
  }
  return end;
}

/**
 * @param request a dispatched record
 * @returns its index keys: `topic#UNIQ_KEY`, then `topic#k` for each KEYS value
 */
export function indexKeys(request: Pick<DispatchRequest, "topic" | "keys" | "uniqKey">): string[] {
  const keys: string[] = [];
  if (request.uniqKey !== undefined) keys.push(`${request.topic}#${request.uniqKey}`);
  if (request.keys.length > 0) {
    for (const key of request.keys.split(" ")) {
      if (key.length > 0) keys.push(`${request.topic}#${key}`);
    }
  }
  return keys;
}

/**
 * @param ms a time, ms since the epoch
 * @returns `yyyyMMddHHmmssSSS` in local time (RocketMQ `UtilAll.timeMillisToHumanString`)
 */
export function formatFileTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return String(d.getFullYear()).padStart(4, "0") + two(d.getMonth() + 1) + two(d.getDate()) +
    two(d.getHours()) + two(d.getMinutes()) + two(d.getSeconds()) +
    String(d.getMilliseconds()).padStart(3, "0");
}

/**
 * @param name `yyyyMMddHHmmssSSS` (local time)
 * @returns the time it names, ms since the epoch
 */
export function parseFileTime(name: string): number {
  const n = (from: number, to: number) => Number(name.slice(from, to));
  return new Date(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14), n(14, 17))
    .getTime();
}

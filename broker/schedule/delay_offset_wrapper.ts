/**
 * `config/delayOffset.json` and the GET_ALL_DELAY_OFFSET body (RocketMQ
 * `DelayOffsetSerializeWrapper`, store.md §10): delay level → the next consume-queue offset of
 * `SCHEDULE_TOPIC_XXXX` queue level − 1, as fastjson writes a `Map<Integer, Long>`, keys unquoted:
 * `{"offsetTable":{1:17,2:0}}`. 5.x adds a `dataVersion`, which readers ignore.
 *
 * @module
 */
import { stringifyFastjson } from "../../store/fastjson.ts";
import { DELAY_LEVELS_MAX } from "../limits.ts";

/**
 * Writes the delay offsets, levels ascending.
 *
 * @param table level → next offset
 * @param pretty fastjson's pretty file form (TAB indent) or one line (GET_ALL_DELAY_OFFSET)
 * @returns the JSON text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeDelayOffsets } from "./delay_offset_wrapper.ts";
 * assert.equal(encodeDelayOffsets(new Map([[2, 0], [1, 17]]), false), '{"offsetTable":{1:17,2:0}}');
 * ```
 */
export function encodeDelayOffsets(table: ReadonlyMap<number, number>, pretty: boolean): string {
  const sorted = [...table].sort((a, b) => a[0] - b[0]);
  if (pretty) return stringifyFastjson({ offsetTable: new Map(sorted) });
  return `{"offsetTable":{${sorted.map(([level, offset]) => `${level}:${offset}`).join(",")}}}`;
}

/**
 * Reads delayOffset.json (fastjson or standard JSON, already parsed).
 *
 * @param json the parsed file
 * @param source what it came from, for messages
 * @returns level → next offset
 * @throws {Error} when it is not an object, a level is not an integer in 1…DELAY_LEVELS_MAX or
 *   an offset is not a non-negative integer
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeDelayOffsets } from "./delay_offset_wrapper.ts";
 * const table = decodeDelayOffsets({ offsetTable: { "1": 17, "3": 2 } }, "delayOffset.json");
 * assert.deepEqual([...table], [[1, 17], [3, 2]]);
 * ```
 */
export function decodeDelayOffsets(json: unknown, source: string): Map<number, number> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`Cannot load delay offsets from ${source}: not a JSON object`);
  }
  const raw = (json as Record<string, unknown>).offsetTable ?? {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`Cannot load delay offsets from ${source}: offsetTable is not an object`);
  }
  const table = new Map<number, number>();
  for (const [key, offset] of Object.entries(raw as Record<string, unknown>)) {
    const level = Number(key);
    if (!Number.isInteger(level) || level < 1 || level > DELAY_LEVELS_MAX) {
      throw new Error(
        `Cannot load delay offsets from ${source}: level ${key} is not in 1..${DELAY_LEVELS_MAX}`,
      );
    }
    if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
      throw new Error(
        `Cannot load delay offset of level ${key} from ${source}: ${
          JSON.stringify(offset)
        } is not a non-negative integer`,
      );
    }
    table.set(level, offset);
  }
  return table;
}

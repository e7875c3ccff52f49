/**
 * `consumeTimestamp`, RocketMQ's `yyyyMMddHHmmss` start time of CONSUME_FROM_TIMESTAMP, read in the
 * local time zone as Java's `SimpleDateFormat` does (lenient: out-of-range fields roll over).
 *
 * @module
 */

import { MQClientError, suggestTodo } from "../client_error.ts";
import { CONSUME_TIMESTAMP_BACK_MS } from "./limits.ts";

const FORMAT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/**
 * RocketMQ `UtilAll.timeMillisToHumanString3`.
 *
 * @param ms time since the epoch
 * @returns `yyyyMMddHHmmss` in local time
 * @example
 * ```ts
 * import { formatConsumeTimestamp, parseConsumeTimestamp } from "./consume_timestamp.ts";
 * const ms = new Date(2024, 10, 24, 9, 5, 7).getTime();
 * if (formatConsumeTimestamp(ms) !== "20241124090507") throw new Error();
 * if (parseConsumeTimestamp("20241124090507") !== ms) throw new Error();
 * ```
 */
export function formatConsumeTimestamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(d.getFullYear()).padStart(4, "0")}${two(d.getMonth() + 1)}${two(d.getDate())}${
    two(d.getHours())
  }${two(d.getMinutes())}${two(d.getSeconds())}`;
}

/**
 * RocketMQ `UtilAll.parseDate(text, "yyyyMMddHHmmss")`.
 *
 * @param text 14 digits
 * @returns ms since the epoch, or undefined when the text is not 14 digits
 * @example
 * ```ts
 * import { parseConsumeTimestamp } from "./consume_timestamp.ts";
 * const ms = parseConsumeTimestamp("20240101083000");
 * if (ms !== new Date(2024, 0, 1, 8, 30).getTime()) throw new Error("local time");
 * if (parseConsumeTimestamp("2024-01-01") !== undefined) throw new Error("not 14 digits");
 * ```
 */
export function parseConsumeTimestamp(text: string): number | undefined {
  const m = FORMAT.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const date = new Date(0);
  date.setFullYear(year, month - 1, day);
  date.setHours(hour, minute, second, 0);
  return date.getTime();
}

/**
 * The default `consumeTimestamp`: half an hour before `nowMs` (RocketMQ's field initialiser).
 *
 * @param nowMs the consumer's creation time
 * @returns `yyyyMMddHHmmss`
 * @example
 * ```ts
 * import { defaultConsumeTimestamp } from "./consume_timestamp.ts";
 * const nowMs = new Date(2024, 0, 1, 8, 30).getTime();
 * if (defaultConsumeTimestamp(nowMs) !== "20240101080000") throw new Error("half an hour before");
 * ```
 */
export function defaultConsumeTimestamp(nowMs: number): string {
  return formatConsumeTimestamp(nowMs - CONSUME_TIMESTAMP_BACK_MS);
}

/**
 * RocketMQ's start-up check of `consumeTimestamp`.
 *
 * @param text the configured value
 * @returns its time in ms
 * @throws {MQClientError} `consumeTimestamp is invalid, the valid format is yyyyMMddHHmmss,but
 *   received <text>` with the FAQ suffix
 *
 * @example
 * ```ts
 * import { MQClientError } from "../client_error.ts";
 * import { checkConsumeTimestamp } from "./consume_timestamp.ts";
 * checkConsumeTimestamp("20240101000000");
 * try {
 *   checkConsumeTimestamp("yesterday");
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof MQClientError)) throw error;
 * }
 * ```
 */
export function checkConsumeTimestamp(text: string): number {
  const ms = parseConsumeTimestamp(text);
  if (ms === undefined) {
    throw new MQClientError(
      `consumeTimestamp is invalid, the valid format is yyyyMMddHHmmss,but received ${text} ${suggestTodo()}`,
    );
  }
  return ms;
}

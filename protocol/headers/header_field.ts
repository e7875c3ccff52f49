/**
 * zod builders for `extFields` values (`shared/spec/remoting.md` §7): every value travels as a string
 * and is parsed as Java's header decoder parses it. Issue messages read after the field name, e.g.
 * `queueId is missing`, `queueId is not an int: "x"`.
 *
 * @module
 */

import { z } from "zod";
import { parseClampedLong } from "../../common/decimal_integer.ts";

const INTEGER = /^[+-]?\d+$/;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function stringValue() {
  return z.string({
    error: (issue) => issue.input === undefined ? "is missing" : "is not a string",
  });
}

function integerValue(what: "int" | "long", min: number, max: number) {
  return stringValue().transform((text, ctx) => {
    const n = INTEGER.test(text) ? Number(text) : Number.NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    ctx.issues.push({
      code: "custom",
      message: `is not ${what === "int" ? "an int" : "a long"}: ${JSON.stringify(text)}`,
      input: text,
    });
    return z.NEVER;
  });
}

/** Any Java long, clamped to the safe-integer range (for bounds such as `Long.MAX_VALUE`). */
function clampedLongValue() {
  return stringValue().transform((text, ctx) => {
    const n = parseClampedLong(text);
    if (!Number.isNaN(n)) return n;
    ctx.issues.push({
      code: "custom",
      message: `is not a long: ${JSON.stringify(text)}`,
      input: text,
    });
    return z.NEVER;
  });
}

/**
 * Field builders for header schemas. Append `.optional()` for fields Java does not mark required.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { headerField } from "./header_field.ts";
 * const schema = z.object({ topic: headerField.string(), queueId: headerField.int() });
 * const header = schema.parse({ topic: "T1", queueId: "3", bname: "ignored" });
 * if (header.queueId !== 3) throw new Error("queueId");
 * ```
 */
export const headerField = {
  /** a string, as is */
  string: stringValue,
  /** a decimal int32 (Java `Integer.parseInt`: optional sign, digits) */
  int: () => integerValue("int", INT32_MIN, INT32_MAX),
  /** a decimal Java long, held as a number: must be a safe integer (below 2^53) */
  long: () => integerValue("long", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  /**
   * a decimal Java long of any size, clamped to the safe-integer range: for time bounds, where
   * Java clients send `Long.MAX_VALUE` for "no end" (a clamped bound means the same)
   */
  clampedLong: clampedLongValue,
  /** a boolean as Java `Boolean.parseBoolean`: "true" in any case is true, anything else false */
  bool: () => stringValue().transform((text) => text.length === 4 && text.toLowerCase() === "true"),
} as const;

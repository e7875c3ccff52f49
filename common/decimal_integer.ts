/**
 * The decimal-integer reader of the remoting fast paths (the SEND request header in `protocol/`,
 * the SEND response header in `client/`): it accepts exactly what the zod field builders of
 * `protocol/headers/header_field.ts` accept, so a fast path and its zod fallback agree on every
 * value, and it allocates nothing for the usual short numbers. Beside it, the reader of a Java long
 * of any size clamped to the safe-integer range, shared by the header builder and `mqadmin`'s flags.
 *
 * @module
 */

/** Up to this many digits, accumulating in a double is exact (below 2^53). */
const EXACT_DIGITS_MAX = 15;

/**
 * Parses a decimal integer as the zod builder does (`/^[+-]?\d+$/`, then `Number`), in range.
 *
 * @param text the field's text
 * @param min the smallest value accepted
 * @param max the largest value accepted
 * @returns the number, or NaN when the text is not one in [min, max]
 * @example
 * ```ts
 * import { parseDecimalInteger } from "./decimal_integer.ts";
 * console.assert(parseDecimalInteger("-42", -100, 100) === -42);
 * console.assert(Number.isNaN(parseDecimalInteger("4x", 0, 100)));
 * console.assert(Number.isNaN(parseDecimalInteger("2147483648", -2147483648, 2147483647)));
 * ```
 */
export function parseDecimalInteger(text: string, min: number, max: number): number {
  const length = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i = 1;
  }
  if (i >= length) return Number.NaN;
  let n = 0;
  for (let k = i; k < length; k++) {
    const d = text.charCodeAt(k) - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  if (length - i > EXACT_DIGITS_MAX) n = Number(text.slice(i)); // rounding as Number() rounds
  if (negative) n = -n;
  return n >= min && n <= max ? n : Number.NaN;
}

const INTEGER = /^[+-]?\d+$/;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses any decimal Java long (`/^[+-]?\d+$/`, within Long.MIN_VALUE..Long.MAX_VALUE), clamped
 * to the safe-integer range: for bounds such as `Long.MAX_VALUE`, where a clamped bound means
 * the same.
 *
 * @param text the value's text
 * @returns the number, or NaN when the text is not a Java long
 * @example
 * ```ts
 * import { parseClampedLong } from "./decimal_integer.ts";
 * console.assert(parseClampedLong("9223372036854775807") === Number.MAX_SAFE_INTEGER);
 * console.assert(Number.isNaN(parseClampedLong("9223372036854775808")));
 * ```
 */
export function parseClampedLong(text: string): number {
  if (!INTEGER.test(text)) return Number.NaN;
  const quick = Number(text);
  if (Number.isSafeInteger(quick)) return quick; // the usual case: no BigInt
  const n = BigInt(text);
  if (n < LONG_MIN || n > LONG_MAX) return Number.NaN;
  return Number(n > SAFE_MAX ? SAFE_MAX : n < -SAFE_MAX ? -SAFE_MAX : n);
}

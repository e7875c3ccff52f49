/**
 * How a double reads in the JSON bodies Java's RocketMQ writes (broker runtime info, consumer
 * running info): as Java's `String.valueOf(double)` prints it.
 *
 * @module
 */

/**
 * Writes a number as Java's `String.valueOf(double)` does: always with a fraction for a whole
 * number (`0.0`, `12.0`), so Java's `Double.parseDouble` and fastjson read it as a double.
 *
 * @param value the number; non-finite values print as Java prints them (`Infinity`, `NaN`)
 * @returns e.g. `1.0`, `0.3333333333333333`
 * @example
 * ```ts
 * import { formatJavaDouble } from "./java_double.ts";
 * console.assert(formatJavaDouble(12) === "12.0");
 * console.assert(formatJavaDouble(0.5) === "0.5");
 * ```
 */
export function formatJavaDouble(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN";
  const text = String(value);
  return Number.isInteger(value) && !text.includes("e") ? `${text}.0` : text;
}

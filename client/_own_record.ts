/**
 * A zod record over JSON from the wire that keeps every own key. zod's `z.record` does not carry
 * an own `"__proto__"` key into its output, but `__proto__` is a valid RocketMQ topic and group
 * name ([%|a-zA-Z0-9_-]+), so a table keyed by such names would silently lose one entry.
 *
 * @module
 */
import { z } from "zod";

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * @param valueSchema the schema of each value
 * @returns a schema reading a JSON object into a fresh object with the same own keys, each value
 *   validated (issues name the key)
 */
export function ownRecord<T extends z.ZodType>(
  valueSchema: T,
): z.ZodType<Record<string, z.output<T>>, Record<string, unknown>> {
  return z.custom<Record<string, unknown>>(isJsonObject, {
    message: "Invalid input: expected object",
  }).transform((table, ctx) => {
    const out: Record<string, z.output<T>> = {};
    for (const key of Object.keys(table)) {
      const parsed = valueSchema.safeParse(table[key]);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: "custom", message: issue.message, path: [key, ...issue.path] });
        }
        return z.NEVER;
      }
      // defineProperty: an assignment to "__proto__" would set the prototype instead
      Object.defineProperty(out, key, {
        value: parsed.data,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  });
}

import assert from "node:assert/strict";
import fc from "fast-check";
import { parseClampedLong, parseDecimalInteger } from "./decimal_integer.ts";

/** What the zod field builders do (`protocol/headers/header_field.ts`). */
function zodInteger(text: string, min: number, max: number): number {
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  return n >= min && n <= max ? n : Number.NaN;
}

const INT32 = [-0x80000000, 0x7fffffff] as const;
const LONG = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] as const;

Deno.test("parseDecimalInteger reads what the zod int and long builders read", () => {
  const digits = fc.stringMatching(/^[+-]?[0-9]{0,20}$/);
  const noisy = fc.string({ maxLength: 12 });
  const text = fc.oneof(digits, noisy, fc.integer().map(String), fc.maxSafeInteger().map(String));
  fc.assert(
    fc.property(text, (t) => {
      for (const [min, max] of [INT32, LONG]) {
        assert(Object.is(parseDecimalInteger(t, min, max), zodInteger(t, min, max)), t);
      }
    }),
    { seed: 20261125, numRuns: 5_000 },
  );
  for (
    const t of ["", "+", "-", "2147483648", "-2147483649", "9007199254740992", " 1", "1 ", "١"]
  ) {
    assert(Object.is(parseDecimalInteger(t, ...INT32), zodInteger(t, ...INT32)), t);
    assert(Object.is(parseDecimalInteger(t, ...LONG), zodInteger(t, ...LONG)), t);
  }
});

Deno.test("parseClampedLong takes any Java long, clamped to the safe range, and nothing else", () => {
  assert.equal(parseClampedLong("0"), 0);
  assert.equal(parseClampedLong("+42"), 42);
  assert.equal(parseClampedLong("-42"), -42);
  assert.equal(parseClampedLong("9223372036854775807"), Number.MAX_SAFE_INTEGER);
  assert.equal(parseClampedLong("-9223372036854775808"), -Number.MAX_SAFE_INTEGER);
  assert.equal(parseClampedLong("9007199254740993"), Number.MAX_SAFE_INTEGER);
  for (
    const bad of [
      "",
      "-",
      "1.5",
      "1e3",
      " 1",
      "0x10",
      "9223372036854775808",
      "-9223372036854775809",
    ]
  ) {
    assert.ok(Number.isNaN(parseClampedLong(bad)), bad);
  }
});

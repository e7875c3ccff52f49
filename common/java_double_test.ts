import assert from "node:assert/strict";
import { formatJavaDouble } from "./java_double.ts";

Deno.test("formatJavaDouble always writes a fraction for whole numbers", () => {
  assert.equal(formatJavaDouble(0), "0.0");
  assert.equal(formatJavaDouble(12), "12.0");
  assert.equal(formatJavaDouble(0.5), "0.5");
  assert.equal(formatJavaDouble(1e21), "1e+21");
});

Deno.test("formatJavaDouble writes non-finite values as Java's String.valueOf(double) does", () => {
  assert.equal(formatJavaDouble(Infinity), "Infinity");
  assert.equal(formatJavaDouble(-Infinity), "-Infinity");
  assert.equal(formatJavaDouble(NaN), "NaN");
});

/**
 * fast-check arbitraries of remoting commands shared by the codec's property tests (test-only).
 *
 * @module
 */

import fc from "fast-check";
import { LANGUAGE_CODES } from "./language_code.ts";
import type { RemotingCommand, SerializeType } from "./remoting_command.ts";

/** Fixed seed of the codec's property tests: a failure prints it and replays with it. */
export const PROPERTY_SEED = 20_241_124;

/** Characters that stress both codecs: JSON escapes, controls, U+2028, non-ASCII, astral. */
const textUnit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "Z", "0", "_", "%", " ", "-", ".") },
  {
    weight: 2,
    arbitrary: fc.constantFrom('"', "\\", "\n", "\t", "\u0000", "\u0001", "\u001f", "\u007f"),
  },
  { weight: 1, arbitrary: fc.constantFrom("\u2028", "\u2029", "\u00e9", "\u20ac", "\ufeff") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);

/** Strings built from {@linkcode textUnit}. */
export function text(maxLength = 24): fc.Arbitrary<string> {
  // Lone surrogates cannot survive UTF-8 (they become U+FFFD, as in Java), so they are left out.
  return fc.string({ unit: textUnit, maxLength }).filter((s) => s.isWellFormed());
}

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const int16 = fc.integer({ min: -0x8000, max: 0x7fff });

/** Any command of the given serialization (codes and versions fit 16 bits for ROCKETMQ). */
export function command(serializeType: SerializeType): fc.Arbitrary<RemotingCommand> {
  const small = serializeType === "ROCKETMQ" ? int16 : int32;
  return fc.record(
    {
      code: small,
      language: fc.constantFrom(...LANGUAGE_CODES),
      version: small,
      opaque: int32,
      flag: int32,
      remark: text(64),
      extFields: fc.dictionary(text(12), text(40), { maxKeys: 8, noNullPrototype: true }),
      body: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      serializeType: fc.constant(serializeType),
    },
    { requiredKeys: ["code", "language", "version", "opaque", "flag", "serializeType"] },
  );
}

/**
 * What decoding the encoding of `command` gives: the body only when non-empty; for ROCKETMQ an empty
 * remark is absent and ext entries with an empty key or value vanish (an empty map with them).
 */
export function expectedAfterRoundTrip(command: RemotingCommand): RemotingCommand {
  const expected: RemotingCommand = { ...command };
  if (expected.body !== undefined && expected.body.length === 0) delete expected.body;
  if (command.serializeType === "JSON") return expected;
  if (expected.remark === "") delete expected.remark;
  if (expected.extFields !== undefined) {
    const kept = Object.entries(expected.extFields).filter(([k, v]) => k !== "" && v !== "");
    if (kept.length === 0) {
      delete expected.extFields;
    } else {
      const fields: Record<string, string> = {};
      for (const [k, v] of kept) {
        Object.defineProperty(fields, k, { value: v, enumerable: true, writable: true });
      }
      expected.extFields = fields;
    }
  }
  return expected;
}

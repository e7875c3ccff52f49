import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameDecodeError } from "./errors.ts";
import {
  decodeJsonHeader,
  encodeJsonHeader,
  jsonHeaderText,
  parseJsonHeader,
} from "./json_header.ts";
import { scanJsonHeader } from "./_json_header_scan.ts";
import { command, PROPERTY_SEED, text } from "./_test_arbitraries.ts";

const encoder = new TextEncoder();

function decode(json: string) {
  return decodeJsonHeader(encoder.encode(json));
}

/** Outcome of a decode path: the command, or the error's class and message. */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (error) {
    assert(error instanceof FrameDecodeError, `unexpected ${error}`);
    return { error: error.message };
  }
}

Deno.test("decodeJsonHeader accepts Go's property order and ignores unknown properties", () => {
  const go = '{"code":11,"language":"GO","version":317,"opaque":5,"flag":0,"remark":"",' +
    '"extFields":{"topic":"T1"},"serializeTypeCurrentRPC":"JSON","unknown":[1,{"a":2}]}';
  assert.deepEqual(decode(go), {
    code: 11,
    language: "GO",
    version: 317,
    opaque: 5,
    flag: 0,
    remark: "",
    extFields: { topic: "T1" },
    serializeType: "JSON",
  });
});

Deno.test("decodeJsonHeader stores number and boolean ext values as strings and drops nulls", () => {
  const json = '{"code":14,"extFields":{"queueId":3,"commitOffset":4294967296,' +
    '"isForce":true,"gone":null,"topic":"T"},"flag":0,"language":"JAVA","opaque":1,"version":409}';
  assert.deepEqual(decode(json).extFields, {
    queueId: "3",
    commitOffset: "4294967296",
    isForce: "true",
    topic: "T",
  });
});

Deno.test("decodeJsonHeader reads language as a name or an ordinal, unknown as OTHER", () => {
  assert.equal(decode('{"code":1,"language":9}').language, "GO");
  assert.equal(decode('{"code":1,"language":"DENO"}').language, "OTHER");
  assert.equal(decode('{"code":1,"language":99}').language, "OTHER");
  assert.equal(decode('{"code":1}').language, "JAVA");
});

Deno.test("decodeJsonHeader defaults a missing flag, opaque and version to 0", () => {
  assert.deepEqual(decode(' { "code" : 105 } '), {
    code: 105,
    language: "JAVA",
    version: 0,
    opaque: 0,
    flag: 0,
    serializeType: "JSON",
  });
});

Deno.test("decodeJsonHeader rejects a header that is not an object", () => {
  for (const json of ["[1,2]", "null", '"text"', "42"]) {
    assert.throws(() => decode(json), (error: unknown) => {
      assert(error instanceof FrameDecodeError);
      assert.match(error.message, /^Cannot decode frame: JSON header is not an object: /);
      return true;
    }, json);
  }
  assert.throws(() => decode("{"), /Cannot decode frame: JSON header is not valid JSON: /);
  assert.throws(() => decode(""), /JSON header is not valid JSON/);
});

Deno.test("decodeJsonHeader rejects fields of the wrong type naming them", () => {
  assert.throws(() => decode('{"code":1.5}'), /JSON header code is not an int32: 1.5/);
  assert.throws(() => decode('{"code":1,"opaque":4294967296}'), /opaque is not an int32/);
  assert.throws(() => decode('{"code":1,"extFields":[]}'), /extFields is not an object/);
  assert.throws(() => decode('{"code":1,"extFields":{"a":{}}}'), /extFields.a is not a string/);
  assert.throws(() => decode('{"code":1,"language":true}'), /language is not a name or ordinal/);
});

Deno.test("jsonHeaderText escapes like fastjson", () => {
  const text = jsonHeaderText({
    code: 1,
    language: "JAVA",
    version: 409,
    opaque: 1,
    flag: 1,
    remark: 'q"b\\\n\u0001\u000b\u001f\u2028\u00e9',
    serializeType: "JSON",
  });
  assert(text.includes('"remark":"q\\"b\\\\\\n\\u0001\\u000B\\u001F\\u2028\u00e9"'), text);
});

Deno.test("encodeJsonHeader skips null and undefined ext values", () => {
  const header = encodeJsonHeader({
    code: 1,
    language: "JAVA",
    version: 409,
    opaque: 1,
    flag: 0,
    extFields: { a: "1", b: undefined as unknown as string, c: null as unknown as string },
    serializeType: "JSON",
  });
  assert.match(new TextDecoder().decode(header), /"extFields":\{"a":"1"\}/);
});

/** JSON texts around the header shape: canonical headers, edits of them, and arbitrary JSON. */
const headerLikeJson = fc.oneof(
  command("JSON").map((c) => jsonHeaderText(c)),
  fc.tuple(
    command("JSON"),
    fc.nat(),
    fc.constantFrom(" ", "\\", '"', "1", ".5", "null", "{", "}", ",", "\u0001", "e3", "-"),
  )
    .map(([c, at, insert]) => {
      const t = jsonHeaderText(c);
      const i = at % (t.length + 1);
      return t.slice(0, i) + insert + t.slice(i);
    }),
  fc.dictionary(
    fc.constantFrom(
      "code",
      "flag",
      "opaque",
      "version",
      "language",
      "remark",
      "extFields",
      "x",
      "__proto__",
    ),
    fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      text(8),
      fc.dictionary(text(4), fc.oneof(text(6), fc.integer(), fc.boolean(), fc.constant(null))),
      fc.array(fc.integer(), { maxLength: 2 }),
    ),
  ).map((o) => JSON.stringify(o, null, Math.random() < 0.5 ? 0 : 1)),
  fc.json(),
);

/** Bytes after a header in its frame: the body, which the header scanner must never read. */
const trailer = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.constantFrom("0", "12}", " }", '"}', ' , "x":1}', "\u0001", "ull}").map((t) =>
    encoder.encode(t)
  ),
);

Deno.test("decodeJsonHeader fast path agrees with the JSON.parse path on every input", () => {
  fc.assert(
    fc.property(headerLikeJson, trailer, (json, after) => {
      const bytes = encoder.encode(json); // lone surrogates (from edits) become U+FFFD here
      const fast = outcome(() => decodeJsonHeader(bytes));
      const slow = outcome(() => parseJsonHeader(new TextDecoder().decode(bytes)));
      assert.deepEqual(fast, slow, json);
      const framed = Uint8Array.from([...bytes, ...after]);
      assert.deepEqual(outcome(() => decodeJsonHeader(framed, 0, bytes.length)), slow, json);
    }),
    { seed: PROPERTY_SEED, numRuns: 3000 },
  );
});

Deno.test("decodeJsonHeader stops at the header's end when body bytes could extend it", () => {
  // Truncated headers whose value would be completed by the body bytes that follow.
  const cases: [string, string][] = [
    ['{"code":1', "2}"],
    ['{"code":12,"extFields":{"a":"b"}', "}"],
    ['{"code":12,"extFields":{"a":"b', '"}}'],
    ['{"code":12,"extFields":{"a":nu', "ll}}"],
    ['{"code":12', " }"],
  ];
  for (const [header, body] of cases) {
    const bytes = encoder.encode(header + body);
    const length = encoder.encode(header).length;
    assert.throws(() => decodeJsonHeader(bytes, 0, length), FrameDecodeError, header);
  }
});

Deno.test("decodeJsonHeader fast path agrees with JSON.parse on byte-level edits, invalid UTF-8 included", () => {
  const edit = fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 3 }));
  fc.assert(
    fc.property(command("JSON"), fc.array(edit, { minLength: 1, maxLength: 4 }), (c, edits) => {
      let bytes = encodeJsonHeader(c);
      for (const [at, insert] of edits) {
        const i = at % (bytes.length + 1);
        bytes = Uint8Array.from([...bytes.subarray(0, i), ...insert, ...bytes.subarray(i)]);
      }
      const fast = outcome(() => decodeJsonHeader(bytes));
      const slow = outcome(() => parseJsonHeader(new TextDecoder().decode(bytes)));
      assert.deepEqual(fast, slow);
    }),
    { seed: PROPERTY_SEED, numRuns: 2000 },
  );
});

Deno.test("decodeJsonHeader takes the fast path for canonical headers", () => {
  fc.assert(
    fc.property(command("JSON"), (c) => {
      const { body: _body, ...header } = c;
      const text = jsonHeaderText(c);
      const hasEscapes = /\\/.test(text);
      const scanned = scanJsonHeader(encoder.encode(text), 0, encoder.encode(text).length);
      if (!hasEscapes) assert.deepEqual(scanned, { ...header, serializeType: "JSON" });
    }),
    { seed: PROPERTY_SEED, numRuns: 300 },
  );
});

Deno.test("decodeJsonHeader fast path decodes the escaped properties of a send header", () => {
  const properties =
    'UNIQ_KEY\u0001AC11000100002A9F\u0002WAIT\u0001true\u0002TAGS\u0001a"b\\c/\u0002';
  const c = {
    code: 310,
    language: "JAVA",
    version: 409,
    opaque: 7,
    flag: 0,
    extFields: { a: "PG", b: "T1", i: properties, n: "b\u2028" },
    remark: "tab\there",
    serializeType: "JSON" as const,
  };
  const bytes = encodeJsonHeader(c);
  assert.deepEqual(scanJsonHeader(bytes, 0, bytes.length), c);
});

Deno.test("decodeJsonHeader fast path agrees with JSON.parse on strings full of escapes", () => {
  const escape = fc.oneof(
    fc.constantFrom('\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u", "\\x", "\\"),
    fc.integer({ min: 0, max: 0xffff }).map((u) => "\\u" + u.toString(16).padStart(4, "0")),
    fc.constantFrom("\\uD800", "\\udc00", "\\u00e9", "\\u12G4", "\\u12"),
    fc.constantFrom("a", "é", "\u0001", " "),
  );
  const value = fc.array(escape, { maxLength: 8 }).map((parts) => parts.join(""));
  fc.assert(
    fc.property(value, value, (ext, remark) => {
      const json = `{"code":310,"extFields":{"i":"${ext}"},"remark":"${remark}","version":1}`;
      const bytes = encoder.encode(json);
      const fast = outcome(() => decodeJsonHeader(bytes));
      const slow = outcome(() => parseJsonHeader(new TextDecoder().decode(bytes)));
      assert.deepEqual(fast, slow, json);
    }),
    { seed: PROPERTY_SEED, numRuns: 2000 },
  );
});

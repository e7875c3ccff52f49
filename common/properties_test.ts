import assert from "node:assert/strict";
import fc from "fast-check";
import { parseProperties, PropertiesSyntaxError, stringifyProperties } from "./properties.ts";

const entries = (text: string) => [...parseProperties(text)];

Deno.test("parseProperties reads the three separators", () => {
  assert.deepEqual(entries("a=1\nb: 2\nc 3\nd\t4\ne\f5"), [
    ["a", "1"],
    ["b", "2"],
    ["c", "3"],
    ["d", "4"],
    ["e", "5"],
  ]);
});

Deno.test("parseProperties skips blanks around the separator but keeps trailing blanks", () => {
  assert.deepEqual(entries("  key  =   value  \n"), [["key", "value  "]]);
  assert.deepEqual(entries("key = = v"), [["key", "= v"]]);
  assert.deepEqual(entries("key   :x"), [["key", "x"]]);
  assert.deepEqual(entries("key"), [["key", ""]]);
  assert.deepEqual(entries("key=\n"), [["key", ""]]);
});

Deno.test("parseProperties drops comment and blank lines", () => {
  const text = "# comment\n! also comment\n   # indented comment\n\n   \t\nk=v # not a comment\n";
  assert.deepEqual(entries(text), [["k", "v # not a comment"]]);
});

Deno.test("parseProperties continues lines ending in an odd number of backslashes", () => {
  assert.deepEqual(entries("k=a\\\n    b\\\n\tc\n"), [["k", "abc"]]);
  assert.deepEqual(entries("k=a\\\\\nx=y"), [["k", "a\\"], ["x", "y"]]);
  assert.deepEqual(entries("k=a\\\\\\\n b"), [["k", "a\\b"]]);
  assert.deepEqual(entries("k=end\\"), [["k", "end"]]);
  assert.deepEqual(entries("k=a\\\n# not a comment"), [["k", "a# not a comment"]]);
});

Deno.test("parseProperties does not continue comment lines", () => {
  assert.deepEqual(entries("# comment \\\nk=v"), [["k", "v"]]);
});

Deno.test("parseProperties accepts \\n, \\r and \\r\\n line ends", () => {
  assert.deepEqual(entries("a=1\rb=2\r\nc=3\n"), [["a", "1"], ["b", "2"], ["c", "3"]]);
  assert.deepEqual(entries("a=1\\\r\n  2"), [["a", "12"]]);
});

Deno.test("parseProperties resolves escapes in keys and values", () => {
  assert.deepEqual(entries("a\\=b\\:c\\ d=x\\ty\\nz\\r\\f\\u0041\\u00e9\\q"), [
    ["a=b:c d", "x\ty\nz\r\fAéq"],
  ]);
  assert.deepEqual(entries("path=C:\\\\rocketmq\\\\store"), [["path", "C:\\rocketmq\\store"]]);
});

Deno.test("parseProperties lets a later duplicate key win", () => {
  assert.deepEqual(entries("a=1\na=2"), [["a", "2"]]);
});

Deno.test("parseProperties rejects a malformed \\u escape with its line number", () => {
  assert.throws(() => parseProperties("a=1\nb=\\u12G4\n"), (e: unknown) => {
    assert.ok(e instanceof PropertiesSyntaxError);
    assert.equal(e.line, 2);
    assert.match(e.message, /Cannot parse properties line 2: malformed \\uxxxx escape/);
    return true;
  });
});

Deno.test("stringifyProperties writes sorted key=value lines as RocketMQ does", () => {
  const text = stringifyProperties([["listenPort", "9876"], ["bindAddress", "0.0.0.0"]]);
  assert.equal(text, "bindAddress=0.0.0.0\nlistenPort=9876\n");
  assert.equal(stringifyProperties([["b", "1"], ["a", "2"]], { sort: false }), "b=1\na=2\n");
  assert.equal(
    stringifyProperties([["namesrvAddr", "1.2.3.4:9876;5.6.7.8:9876"]]),
    "namesrvAddr=1.2.3.4:9876;5.6.7.8:9876\n",
  );
});

Deno.test("stringifyProperties escapes what the reader needs", () => {
  const text = stringifyProperties([["k y", " lead\\tab\tnl\né"], ["#x", "v"], ["a=b", "c"]]);
  assert.equal(text, "\\#x=v\na\\=b=c\nk\\ y=\\ lead\\\\tab\\tnl\\n\\u00E9\n");
});

Deno.test("stringifyProperties output parses back to the same entries", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string({ minLength: 1 }), fc.string()), { maxLength: 8 }),
      (pairs) => {
        const expected = new Map(pairs);
        const parsed = parseProperties(stringifyProperties(expected));
        assert.deepEqual([...parsed].sort(), [...expected].sort());
      },
    ),
    { seed: 4242, numRuns: 300 },
  );
});

Deno.test("parseProperties ignores a leading byte-order mark", () => {
  assert.deepEqual([...parseProperties("\uFEFFbrokerName=b1\nlistenPort=10911\n")], [
    ["brokerName", "b1"],
    ["listenPort", "10911"],
  ]);
  assert.deepEqual([...parseProperties("a=\uFEFF")], [["a", "\uFEFF"]], "only at the start");
});

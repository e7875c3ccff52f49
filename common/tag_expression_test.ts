import assert from "node:assert/strict";
import { javaTrim, splitTagExpression } from "./tag_expression.ts";

Deno.test("javaTrim drops units up to U+0020 at both ends, as Java's String.trim", () => {
  assert.equal(javaTrim("  TagA \t\r\n"), "TagA");
  assert.equal(javaTrim("\u0000\u0001TagA\u001f"), "TagA");
  assert.equal(javaTrim("Tag A"), "Tag A");
  assert.equal(javaTrim("   "), "");
  assert.equal(javaTrim(""), "");
});

Deno.test("javaTrim keeps the Unicode spaces JavaScript's trim drops", () => {
  for (const text of ["订单\u3000", "TagA\u00a0", "\ufeffTagA", "\u2003TagA\u200a"]) {
    assert.equal(javaTrim(text), text);
    assert.notEqual(text.trim(), text, "JavaScript's trim drops it");
  }
});

Deno.test("splitTagExpression splits as FilterAPI: Java's split, trim, empty tags dropped, repeats once", () => {
  const cases: Array<[string, string[] | null]> = [
    ["TagA", ["TagA"]],
    ["TagA || TagB", ["TagA", "TagB"]],
    ["TagA||TagB||TagA", ["TagA", "TagB"]],
    ["||TagA", ["TagA"]],
    ["TagA||", ["TagA"]],
    ["|||", ["|"]],
    ["TagA | TagB", ["TagA | TagB"]],
    ["|| ", []],
    [" ", []],
    ["||", null],
    ["||||", null],
    ["订单\u3000 || TagB", ["订单\u3000", "TagB"]],
  ];
  for (const [expression, tags] of cases) {
    assert.deepEqual(splitTagExpression(expression), tags, JSON.stringify(expression));
  }
});

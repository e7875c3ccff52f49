import assert from "node:assert/strict";
import {
  frontStringAtLeast,
  javaFormat,
  javaHashMapKeyOrder,
  javaMapString,
  perm2String,
  timeMillisToHumanString2,
  versionDesc,
} from "./_format.ts";
import { fastjsonPretty } from "./_pretty_json.ts";

Deno.test("javaFormat pads, truncates and rounds as Java's String.format", () => {
  assert.equal(javaFormat("%-5s|%5s|%.2s|%s", "ab", "cd", "xyz", undefined), "ab   |   cd|xy|null");
  assert.equal(javaFormat("%-4d|%4d|%04d|%04d", 7, 7, 42, -5), "7   |   7|0042|-005");
  assert.equal(javaFormat("%9.2f|%.4f|%2.2f%n", 1.5, 0.25, 12.345), "     1.50|0.2500|12.35\n");
  assert.equal(javaFormat("100%%"), "100%");
  assert.throws(() => javaFormat("%s %s", "one"), /needs more arguments/);
  assert.throws(() => javaFormat("%s", "one", "two"), /takes 1 arguments/);
  assert.throws(() => javaFormat("%d", 1.5), /%d takes an integer/);
});

Deno.test("versionDesc names MQVersion ordinals of 4.x and 5.x", () => {
  const cases: [number, string][] = [
    [212, "V4_0_0_SNAPSHOT"],
    [232, "V4_1_0_SNAPSHOT"],
    [317, "V4_5_2"],
    [401, "V4_9_4"],
    [409, "V4_9_8"],
    [413, "V5_0_0"],
    [475, "V5_3_1"],
    [479, "V5_3_3"],
    [611, "V5_9_9"],
    [612, "HIGHER_VERSION"],
    [9999, "HIGHER_VERSION"],
    [37, "V37"],
  ];
  for (const [ordinal, name] of cases) assert.equal(versionDesc(ordinal), name, String(ordinal));
});

Deno.test("perm2String, frontStringAtLeast, javaMapString and timeMillisToHumanString2", () => {
  assert.deepEqual([6, 4, 2, 7, 0].map(perm2String), ["RW-", "R--", "-W-", "RWX", "---"]);
  assert.equal(frontStringAtLeast("abcdef", 4), "abcd");
  assert.equal(frontStringAtLeast("ab", 4), "ab");
  assert.equal(javaMapString(new Map([["a", "1"], ["b", "2"]])), "{a=1, b=2}");
  const ms = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
  assert.equal(timeMillisToHumanString2(ms), "2024-01-02 03:04:05,006");
});

Deno.test("fastjsonPretty writes tab-indented JSON with unquoted numeric map keys", () => {
  assert.equal(
    fastjsonPretty({
      a: [1, "x"],
      m: new Map([[1, "b"]]),
      s: new Map<string, string[]>(),
      u: undefined,
    }),
    '{\n\t"a":[\n\t\t1,\n\t\t"x"\n\t],\n\t"m":{\n\t\t1:"b"\n\t},\n\t"s":{}\n}',
  );
  assert.equal(fastjsonPretty(new Map([["k", new Set(["v"])]])), '{\n\t"k":[\n\t\t"v"\n\t]\n}');
});

Deno.test("javaHashMapKeyOrder iterates as Java's HashMap<String, V>, resizes included", () => {
  // Orders printed by OpenJDK 17's `new HashMap<>(16)` after putting the keys in this order.
  assert.deepEqual(javaHashMapKeyOrder(["CG_ORDER", "CG_AUDIT"]), ["CG_AUDIT", "CG_ORDER"]);
  assert.deepEqual(
    javaHashMapKeyOrder(["CG_TRACE_B", "CG_TRACE_A", "", "zeta", "Aa", "BB"]),
    ["", "zeta", "Aa", "BB", "CG_TRACE_B", "CG_TRACE_A"], // Aa and BB share a hash: insertion order
  );
  const many = Array.from({ length: 31 }, (_, i) => `g${i}`); // two resizes: 16, 32, 64 buckets
  assert.equal(
    javaHashMapKeyOrder(many).join(","),
    "g30,g11,g10,g13,g12,g15,g14,g17,g16,g19,g18,g20,g22,g21,g24,g0,g23,g1,g26,g2,g25,g3,g28,g4," +
      "g27,g5,g6,g29,g7,g8,g9",
  );
});

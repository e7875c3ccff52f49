import assert from "node:assert/strict";
import fc from "fast-check";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { SUBSCRIPTION_EXPRESSION_LENGTH_MAX } from "../limits.ts";
import { buildSubscriptionData, checkExpressionSupported, SUB_ALL } from "./subscription_data.ts";

/** Java's `String.hashCode`, written out the slow way as an independent reference. */
function referenceHash(text: string): number {
  let h = 0n;
  for (let i = 0; i < text.length; i++) h = (h * 31n + BigInt(text.charCodeAt(i))) & 0xffffffffn;
  return Number(BigInt.asIntN(32, h));
}

Deno.test("buildSubscriptionData gives TagA the Java hash code 2598919", () => {
  const sub = buildSubscriptionData({ topic: "TopicTest", subString: "TagA", subVersion: 17 });
  assert.deepEqual(sub, {
    topic: "TopicTest",
    subString: "TagA",
    tagsSet: ["TagA"],
    codeSet: [2598919],
    subVersion: 17,
    expressionType: "TAG",
    classFilterMode: false,
  });
});

Deno.test("buildSubscriptionData treats *, empty and absent expressions as all messages", () => {
  for (const subString of ["*", "", undefined, null]) {
    const sub = buildSubscriptionData({ topic: "T", subString });
    assert.equal(sub.subString, SUB_ALL, `expression ${JSON.stringify(subString)}`);
    assert.deepEqual(sub.tagsSet, []);
    assert.deepEqual(sub.codeSet, []);
  }
});

Deno.test("buildSubscriptionData splits on ||, trims and drops empty parts", () => {
  const sub = buildSubscriptionData({ topic: "T", subString: " TagA ||TagB||  || TagC ||" });
  assert.equal(sub.subString, " TagA ||TagB||  || TagC ||");
  assert.deepEqual(sub.tagsSet, ["TagA", "TagB", "TagC"]);
  assert.deepEqual(sub.codeSet, [2598919, 2598920, 2598921]);
});

Deno.test("buildSubscriptionData trims as Java does: a full-width or no-break space stays in the tag", () => {
  for (const tag of ["订单\u3000", "TagA\u00a0", "\ufeffTagA"]) {
    const sub = buildSubscriptionData({ topic: "T", subString: ` ${tag} || TagB` });
    assert.deepEqual(sub.tagsSet, [tag, "TagB"]);
    assert.deepEqual(sub.codeSet, [referenceHash(tag), 2598920]);
  }
});

Deno.test("buildSubscriptionData merges repeated tags as RocketMQ's sets do", () => {
  const sub = buildSubscriptionData({ topic: "T", subString: "TagA || TagA" });
  assert.deepEqual(sub.tagsSet, ["TagA"]);
  assert.deepEqual(sub.codeSet, [2598919]);
});

Deno.test("buildSubscriptionData refuses an expression of only || with SUBSCRIPTION_PARSE_FAILED", () => {
  assert.throws(
    () => buildSubscriptionData({ topic: "T", subString: "||||" }),
    (error: unknown) =>
      error instanceof BrokerError && error.code === ResponseCode.SUBSCRIPTION_PARSE_FAILED &&
      error.remark.includes("topic T"),
  );
});

Deno.test("buildSubscriptionData refuses an expression over the length bound", () => {
  const subString = "A".repeat(SUBSCRIPTION_EXPRESSION_LENGTH_MAX + 1);
  assert.throws(
    () => buildSubscriptionData({ topic: "T", subString }),
    (error: unknown) =>
      error instanceof BrokerError && error.code === ResponseCode.SUBSCRIPTION_PARSE_FAILED,
  );
});

Deno.test("buildSubscriptionData keeps SQL92 text without tags and refuses an empty one", () => {
  const sql = buildSubscriptionData({ topic: "T", subString: "a > 5", expressionType: "SQL92" });
  assert.equal(sql.expressionType, "SQL92");
  assert.equal(sql.subString, "a > 5");
  assert.deepEqual(sql.tagsSet, []);
  assert.throws(
    () => buildSubscriptionData({ topic: "T", subString: "", expressionType: "SQL92" }),
    (error: unknown) =>
      error instanceof BrokerError && error.code === ResponseCode.SUBSCRIPTION_PARSE_FAILED,
  );
});

Deno.test("checkExpressionSupported accepts TAG and answers SQL92 as RocketMQ or with a clear remark", () => {
  const tag = buildSubscriptionData({ topic: "T", subString: "TagA", expressionType: "TAG" });
  assert.equal(checkExpressionSupported(tag, false), null);
  const sql = buildSubscriptionData({ topic: "T", subString: "a > 5", expressionType: "SQL92" });
  assert.deepEqual(checkExpressionSupported(sql, false), {
    code: ResponseCode.SYSTEM_ERROR,
    remark: "The broker does not support consumer to filter message by SQL92",
  });
  const enabled = checkExpressionSupported(sql, true);
  assert.equal(enabled?.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
  assert.match(enabled?.remark ?? "", /supports TAG expressions only/);
});

Deno.test("buildSubscriptionData codes match Java String.hashCode for any tags", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ minLength: 1, maxLength: 12, unit: "grapheme" }), { maxLength: 5 }),
      (tags) => {
        const clean = tags.map((t) => t.replaceAll("|", "").trim()).filter((t) => t.length > 0);
        const sub = buildSubscriptionData({ topic: "T", subString: clean.join(" || ") || "*" });
        const unique = [...new Set(clean)];
        assert.deepEqual(sub.tagsSet, unique);
        assert.deepEqual(sub.codeSet, [...new Set(unique.map(referenceHash))]);
      },
    ),
    { seed: 20241124, numRuns: 200 },
  );
});

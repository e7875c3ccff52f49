import assert from "node:assert/strict";
import { computeTagsCode } from "../../store/message_properties.ts";
import { buildSubscriptionData } from "./subscription_data.ts";
import { TagMessageFilter } from "./tag_message_filter.ts";

Deno.test("TagMessageFilter passes units whose tag code is subscribed and no others", () => {
  const filter = new TagMessageFilter(
    buildSubscriptionData({ topic: "T", subString: "TagA || TagB" }),
  );
  assert.equal(filter.isMatchedByConsumeQueue(2598919), true);
  assert.equal(filter.isMatchedByConsumeQueue(computeTagsCode("TagB")), true);
  assert.equal(filter.isMatchedByConsumeQueue(computeTagsCode("TagC")), false);
  assert.equal(filter.isMatchedByConsumeQueue(0), false, "untagged messages have code 0");
});

Deno.test("TagMessageFilter passes everything for *, no subscription, class filter or no code", () => {
  const all = new TagMessageFilter(buildSubscriptionData({ topic: "T", subString: "*" }));
  assert.equal(all.isMatchedByConsumeQueue(12345), true);
  assert.equal(all.isMatchedByTags(undefined), true);
  const none = new TagMessageFilter(null);
  assert.equal(none.isMatchedByConsumeQueue(12345), true);
  const classFilter = new TagMessageFilter({
    ...buildSubscriptionData({ topic: "T", subString: "TagA" }),
    classFilterMode: true,
  });
  assert.equal(classFilter.isMatchedByConsumeQueue(1), true);
  assert.equal(classFilter.isMatchedByTags("Other"), true);
  const tagged = new TagMessageFilter(buildSubscriptionData({ topic: "T", subString: "TagA" }));
  assert.equal(tagged.isMatchedByConsumeQueue(null), true, "a unit without code passes");
});

Deno.test("TagMessageFilter compares a 64-bit unit code by its low 32 bits", () => {
  const code = computeTagsCode("negative-hash-tag");
  assert.ok(code < 0, "the chosen tag must hash negative");
  const filter = new TagMessageFilter(
    buildSubscriptionData({ topic: "T", subString: "negative-hash-tag" }),
  );
  assert.equal(filter.isMatchedByConsumeQueue(code), true);
  assert.equal(
    filter.isMatchedByConsumeQueue(code + 2 ** 32),
    true,
    "high bits are ignored like Long.intValue",
  );
});

Deno.test("TagMessageFilter re-checks the exact tag like the client: collisions and untagged fail", () => {
  // "Aa" and "BB" share the Java hash 2112: the consume-queue test passes both, the tag test not.
  assert.equal(computeTagsCode("Aa"), computeTagsCode("BB"));
  const filter = new TagMessageFilter(buildSubscriptionData({ topic: "T", subString: "Aa" }));
  assert.equal(filter.isMatchedByConsumeQueue(computeTagsCode("BB")), true);
  assert.equal(filter.isMatchedByTags("BB"), false);
  assert.equal(filter.isMatchedByTags("Aa"), true);
  assert.equal(filter.isMatchedByTags(undefined), false);
});

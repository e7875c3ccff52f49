import assert from "node:assert/strict";
import { resolveSerializeType } from "./serialize_type.ts";

Deno.test("resolveSerializeType prefers the setting over the environment", () => {
  assert.equal(resolveSerializeType({ property: "ROCKETMQ", env: "JSON" }), "ROCKETMQ");
  assert.equal(resolveSerializeType({ property: "json", env: "ROCKETMQ" }), "JSON");
  assert.equal(resolveSerializeType({ env: "rocketmq" }), "ROCKETMQ");
  assert.equal(resolveSerializeType({ property: "", env: "ROCKETMQ" }), "ROCKETMQ");
});

Deno.test("resolveSerializeType defaults to JSON", () => {
  assert.equal(resolveSerializeType(), "JSON");
  assert.equal(resolveSerializeType({ property: " ", env: "" }), "JSON");
});

Deno.test("resolveSerializeType rejects a bad value naming the key", () => {
  assert.throws(
    () => resolveSerializeType({ property: "XML" }),
    {
      name: "RangeError",
      message: 'Cannot use rocketmq.serialize.type="XML": expected JSON or ROCKETMQ',
    },
  );
  assert.throws(
    () => resolveSerializeType({ env: "binary" }),
    /Cannot use ROCKETMQ_SERIALIZE_TYPE="binary": expected JSON or ROCKETMQ/,
  );
});

import assert from "node:assert/strict";
import { z } from "zod";
import { HeaderDecodeError } from "../errors.ts";
import { createRequest } from "../remoting_command.ts";
import { decodeHeader } from "./header_codec.ts";
import * as headers from "./mod.ts";

const schemas: [string, z.ZodObject][] = [];
for (const [name, value] of Object.entries(headers) as [string, unknown][]) {
  if (value instanceof z.ZodObject) schemas.push([name, value]);
}

Deno.test("every header schema decodes its fields from strings and names a missing required one", () => {
  assert(schemas.length >= 50, `only ${schemas.length} header schemas`);
  for (const [name, schema] of schemas) {
    const keys = Object.keys(schema.shape);
    const required = keys.filter((key) => !schema.shape[key].safeParse(undefined).success);
    const fields = Object.fromEntries(keys.map((key) => [key, "1"]));
    const request = createRequest(1, {
      extFields: { ...fields, bname: "ignored", AccessKey: "ak" },
    });
    const decoded = decodeHeader(schema, request) as Record<string, unknown>;
    assert.deepEqual(Object.keys(decoded).sort(), [...keys].sort(), name);
    for (const key of required) {
      const { [key]: _, ...rest } = fields;
      assert.throws(
        () => decodeHeader(schema, createRequest(1, { extFields: rest })),
        (error: unknown) => error instanceof HeaderDecodeError && error.message.includes(`${key}`),
        `${name}.${key}`,
      );
    }
  }
});

Deno.test("header schemas use the verbatim Java field names", () => {
  assert("clientID" in headers.UnregisterClientRequestHeader.shape);
  assert("isForce" in headers.ResetOffsetRequestHeader.shape);
  assert("isOrder" in headers.GetConsumeStatsInBrokerHeader.shape);
  assert("proxyFrowardClientId" in headers.PullMessageRequestHeader.shape);
  assert("_UNIQUE_KEY_QUERY" in headers.QueryMessageRequestHeader.shape);
  assert("__ZONE_NAME" in headers.RegisterBrokerRequestHeader.shape);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { PROPERTY_SEED } from "../_test_arbitraries.ts";
import { HeaderDecodeError } from "../errors.ts";
import { decodeHeader, encodeHeader } from "./header_codec.ts";
import {
  encodeSendMessageHeaderV2,
  SEND_MESSAGE_V2_KEYS,
  sendMessageHeaderFromV2,
  sendMessageHeaderToV2,
  SendMessageRequestHeaderV2,
} from "./send_message_header.ts";
import { createRequest } from "../remoting_command.ts";
import { decodeSendMessageHeaderV2Fast } from "./_send_message_header_fast.ts";

const tricky = fc.constantFrom(
  "0",
  "-0",
  "+5",
  "007",
  "-2147483648",
  "2147483647",
  "2147483648",
  "9007199254740991",
  "9007199254740992",
  "-9007199254740991",
  "12345678901234567890",
  "1e3",
  " 1",
  "1 ",
  "",
  "-",
  "+",
  "1.5",
  "true",
  "TRUE",
  "TrUe",
  "false",
  "x",
  "T1",
);
const value = fc.option(fc.oneof(tricky, fc.integer().map(String), fc.string({ maxLength: 6 })), {
  nil: undefined,
});
const keys = Object.keys(SEND_MESSAGE_V2_KEYS);

Deno.test("decodeSendMessageHeaderV2Fast agrees with the zod schema on every input", () => {
  fc.assert(
    fc.property(fc.array(value, { minLength: keys.length, maxLength: keys.length }), (values) => {
      const ext: Record<string, string> = {};
      values.forEach((v, i) => {
        if (v !== undefined) ext[keys[i]] = v;
      });
      const request = createRequest(310, { extFields: ext });
      let slow: unknown;
      try {
        slow = sendMessageHeaderFromV2(
          decodeHeader(SendMessageRequestHeaderV2, request, SEND_MESSAGE_V2_KEYS),
        );
      } catch (error) {
        assert(error instanceof HeaderDecodeError, `unexpected ${error}`);
        slow = undefined; // zod refused: the fast path must refuse too
      }
      const fast = decodeSendMessageHeaderV2Fast(ext);
      assert.deepEqual(fast, slow, JSON.stringify(ext));
      if (fast !== undefined) assert.deepEqual(Object.keys(fast), Object.keys(slow as object));
    }),
    { seed: PROPERTY_SEED, numRuns: 3000 },
  );
});

Deno.test("decodeSendMessageHeaderV2Fast decodes a canonical header", () => {
  const header = decodeSendMessageHeaderV2Fast({
    a: "PG",
    b: "T1",
    c: "TBW102",
    d: "4",
    e: "-1",
    f: "0",
    g: "1700000000000",
    h: "0",
    i: "TAGS\u0001a\u0002",
    k: "false",
    m: "TRUE",
  });
  assert.deepEqual(header, {
    producerGroup: "PG",
    topic: "T1",
    defaultTopic: "TBW102",
    defaultTopicQueueNums: 4,
    queueId: -1,
    sysFlag: 0,
    bornTimestamp: 1700000000000,
    flag: 0,
    properties: "TAGS\u0001a\u0002",
    unitMode: false,
    batch: true,
  });
});

Deno.test("encodeSendMessageHeaderV2 writes what encodeHeader writes for the V2 form", () => {
  const int = fc.oneof(fc.integer(), fc.integer({ min: 0, max: 300 }));
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const header = fc.record({
    producerGroup: fc.string({ maxLength: 6 }),
    topic: fc.string({ maxLength: 6 }),
    defaultTopic: fc.string({ maxLength: 6 }),
    defaultTopicQueueNums: int,
    queueId: int,
    sysFlag: int,
    bornTimestamp: fc.maxSafeNat(),
    flag: int,
    properties: opt(fc.string({ maxLength: 6 })),
    reconsumeTimes: opt(int),
    unitMode: opt(fc.boolean()),
    maxReconsumeTimes: opt(int),
    batch: opt(fc.boolean()),
    brokerName: opt(fc.string({ maxLength: 6 })),
  });
  fc.assert(
    fc.property(header, (h) => {
      const fast = encodeSendMessageHeaderV2(h);
      const slow = encodeHeader(sendMessageHeaderToV2(h));
      assert.deepEqual(fast, slow);
      assert.deepEqual(Object.keys(fast), Object.keys(slow));
    }),
    { seed: PROPERTY_SEED, numRuns: 1000 },
  );
});

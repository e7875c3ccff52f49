import assert from "node:assert/strict";
import fc from "fast-check";
import { SendMessageResponseHeader } from "../protocol/headers/send_message_header.ts";
import { createRequest, createResponse } from "../protocol/remoting_command.ts";
import { decodeSendResponseHeaderFast } from "./_send_response_header_fast.ts";
import { MQBrokerError } from "./client_error.ts";
import { processSendResponse } from "./send_result.ts";

const CONTEXT = { brokerName: "b", topic: "T", uniqMsgId: "U", brokerAddr: "127.0.0.1:10911" };

/** Asserts the fast path agrees with zod: same header, or undefined where zod rejects. */
function assertSameAsZod(ext: Record<string, string>): void {
  const zod = SendMessageResponseHeader.safeParse(ext);
  const fast = decodeSendResponseHeaderFast(ext);
  if (!zod.success) {
    assert.equal(fast, undefined, `fast path accepted what zod rejects: ${JSON.stringify(ext)}`);
    return;
  }
  if (fast !== undefined) {
    assert.deepStrictEqual(fast, zod.data, `fast path differs on ${JSON.stringify(ext)}`);
    assert.deepStrictEqual(Object.keys(fast), Object.keys(zod.data));
  }
}

const numberText = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map(String),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((n) => (n >= 0 ? `+${n}` : `${n}`)),
  fc.maxSafeInteger().map(String),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
  fc.constantFrom("", "+", "-", "-0", "007", "1e3", "0x10", " 1", "1 ", "١", "2147483648", "NaN"),
  fc.string({ maxLength: 6 }),
);
const optional = fc.option(fc.string({ maxLength: 8 }), { nil: undefined });

const extArb = fc.record({
  msgId: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  queueId: fc.option(numberText, { nil: undefined }),
  queueOffset: fc.option(numberText, { nil: undefined }),
  transactionId: optional,
  batchUniqId: optional,
  recallHandle: optional,
  MSG_REGION: optional,
  TRACE_ON: optional,
  other: optional,
}, { requiredKeys: [] }).map((record) => {
  const ext: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) ext[key] = value;
  return ext;
});

Deno.test("decodeSendResponseHeaderFast agrees with the zod schema on generated headers", () => {
  fc.assert(fc.property(extArb, assertSameAsZod), { seed: 20261124, numRuns: 3000 });
});

Deno.test("decodeSendResponseHeaderFast takes a usual header and leaves odd ones to zod", () => {
  const usual = {
    msgId: "7F00000100002A9F0000000000000000",
    queueId: "3",
    queueOffset: "123456789012345",
    MSG_REGION: "DefaultRegion",
    TRACE_ON: "true",
  };
  // A 16-digit offset too: the shared reader takes it as zod does (Number() of the digits).
  for (const taken of [usual, { ...usual, queueOffset: "9007199254740991" }]) {
    assertSameAsZod(taken);
    assert.notEqual(decodeSendResponseHeaderFast(taken), undefined, JSON.stringify(taken));
  }
  for (
    const odd of [
      { ...usual, queueOffset: "9007199254740992" },
      { ...usual, queueId: "2147483648" },
      { ...usual, queueId: "1e3" },
      { ...usual, msgId: 5 as unknown as string },
      { ...usual, TRACE_ON: null as unknown as string },
      { msgId: "M", queueId: "1" },
    ]
  ) {
    assert.equal(decodeSendResponseHeaderFast(odd), undefined, JSON.stringify(odd));
    assertSameAsZod(odd);
  }
  assert.equal(decodeSendResponseHeaderFast(undefined), undefined);
});

Deno.test("processSendResponse reports a malformed header as before", () => {
  const response = createResponse(createRequest(310), 0, undefined, {
    msgId: "M",
    queueId: "x1",
    queueOffset: "5",
  });
  assert.throws(
    () => processSendResponse(response, CONTEXT),
    (error: unknown) =>
      error instanceof MQBrokerError && error.responseCode === 1 &&
      /Cannot read send response: .*queueId/.test(error.message),
  );
  const ok = createResponse(createRequest(310), 0, undefined, {
    msgId: "M",
    queueId: "2",
    queueOffset: "9007199254740991",
    transactionId: "tx",
  });
  const result = processSendResponse(ok, CONTEXT);
  assert.equal(result.queueOffset, 9007199254740991);
  assert.equal(result.transactionId, "tx");
  assert.equal(result.messageQueue.queueId, 2);
});

import assert from "node:assert/strict";
import { HeaderDecodeError } from "../errors.ts";
import { createRequest } from "../remoting_command.ts";
import { RequestCode } from "../request_code.ts";
import { encodeHeader } from "./header_codec.ts";
import {
  decodeSendMessageHeader,
  SEND_MESSAGE_V2_KEYS,
  sendMessageHeaderFromV2,
  sendMessageHeaderToV2,
  type SendMessageRequestHeader,
} from "./send_message_header.ts";

const LONG: SendMessageRequestHeader = {
  producerGroup: "PG",
  topic: "TopicTest",
  defaultTopic: "TBW102",
  defaultTopicQueueNums: 4,
  queueId: -1,
  sysFlag: 0,
  bornTimestamp: 1700000000000,
  flag: 0,
  properties: "UNIQ_KEY\u00010A\u0002",
  reconsumeTimes: 0,
  unitMode: false,
  maxReconsumeTimes: 16,
  batch: true,
  brokerName: "broker-a",
};

Deno.test("SendMessageRequestHeaderV2 converts to and from the long form", () => {
  const v2 = sendMessageHeaderToV2(LONG);
  assert.deepEqual(Object.keys(v2), Object.keys(SEND_MESSAGE_V2_KEYS));
  assert.equal(v2.b, "TopicTest");
  assert.equal(v2.g, 1700000000000);
  assert.deepEqual(sendMessageHeaderFromV2(v2), LONG);
  const { properties: _, ...withoutOptional } = LONG;
  assert.equal("i" in sendMessageHeaderToV2(withoutOptional as SendMessageRequestHeader), false);
});

Deno.test("decodeSendMessageHeader reads V2 keys for 310, 320, 325 and long keys for 10, 324", () => {
  const v2Fields = encodeHeader(sendMessageHeaderToV2(LONG));
  for (
    const code of [
      RequestCode.SEND_MESSAGE_V2,
      RequestCode.SEND_BATCH_MESSAGE,
      RequestCode.SEND_REPLY_MESSAGE_V2,
    ]
  ) {
    assert.deepEqual(decodeSendMessageHeader(createRequest(code, { extFields: v2Fields })), LONG);
  }
  const longFields = encodeHeader(LONG);
  for (const code of [RequestCode.SEND_MESSAGE, RequestCode.SEND_REPLY_MESSAGE]) {
    assert.deepEqual(decodeSendMessageHeader(createRequest(code, { extFields: longFields })), LONG);
  }
});

Deno.test("decodeSendMessageHeader names a missing one-letter field", () => {
  const { e: _, ...fields } = encodeHeader(sendMessageHeaderToV2(LONG));
  assert.throws(
    () =>
      decodeSendMessageHeader(createRequest(RequestCode.SEND_MESSAGE_V2, { extFields: fields })),
    (error: unknown) =>
      error instanceof HeaderDecodeError &&
      error.message === "Cannot decode SEND_MESSAGE_V2 header: e (queueId) is missing",
  );
  assert.throws(
    () => decodeSendMessageHeader(createRequest(RequestCode.PULL_MESSAGE)),
    /request code 11 is not a send/,
  );
});

import assert from "node:assert/strict";
import { HeaderDecodeError } from "../errors.ts";
import { createRequest, createResponse, isResponse } from "../remoting_command.ts";
import { RequestCode } from "../request_code.ts";
import { ResponseCode } from "../response_code.ts";
import { decodeHeader, encodeHeader, errorResponse } from "./header_codec.ts";
import { CreateTopicRequestHeader, ResetOffsetRequestHeader } from "./admin_headers.ts";
import { SearchOffsetRequestHeader, UpdateConsumerOffsetRequestHeader } from "./offset_headers.ts";
import { QueryMessageRequestHeader } from "./query_message_headers.ts";
import { PullMessageRequestHeader, PullMessageResponseHeader } from "./pull_message_header.ts";
import { UnregisterClientRequestHeader } from "./client_headers.ts";

const PULL_FIELDS = {
  consumerGroup: "CG",
  topic: "T1",
  queueId: "3",
  queueOffset: "4294967296",
  maxMsgNums: "32",
  sysFlag: "2",
  commitOffset: "0",
  suspendTimeoutMillis: "15000",
  subVersion: "1700000000000",
  bname: "broker-a",
  AccessKey: "ak",
  lo: "false",
};

Deno.test("decodeHeader parses numbers and ignores extra keys", () => {
  const request = createRequest(RequestCode.PULL_MESSAGE, { extFields: PULL_FIELDS });
  assert.deepEqual(decodeHeader(PullMessageRequestHeader, request), {
    consumerGroup: "CG",
    topic: "T1",
    queueId: 3,
    queueOffset: 4294967296,
    maxMsgNums: 32,
    sysFlag: 2,
    commitOffset: 0,
    suspendTimeoutMillis: 15000,
    subVersion: 1700000000000,
  });
});

Deno.test("decodeHeader names the request and the missing field", () => {
  const { queueId: _, ...fields } = PULL_FIELDS;
  const request = createRequest(RequestCode.PULL_MESSAGE, { extFields: fields });
  assert.throws(() => decodeHeader(PullMessageRequestHeader, request), (error: unknown) => {
    assert(error instanceof HeaderDecodeError);
    assert.equal(error.message, "Cannot decode PULL_MESSAGE header: queueId is missing");
    assert.equal(error.remark, error.message);
    assert.equal(error.code, ResponseCode.SYSTEM_ERROR);
    return true;
  });
  assert.throws(
    () => decodeHeader(PullMessageRequestHeader, createRequest(RequestCode.PULL_MESSAGE)),
    /Cannot decode PULL_MESSAGE header: consumerGroup is missing/,
  );
});

Deno.test("decodeHeader rejects unparsable numbers naming the value", () => {
  const bad = (field: string, value: string) =>
    createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
      extFields: {
        consumerGroup: "CG",
        topic: "T",
        queueId: "1",
        commitOffset: "5",
        [field]: value,
      },
    });
  assert.throws(
    () => decodeHeader(UpdateConsumerOffsetRequestHeader, bad("queueId", "x")),
    /Cannot decode UPDATE_CONSUMER_OFFSET header: queueId is not an int: "x"/,
  );
  assert.throws(
    () => decodeHeader(UpdateConsumerOffsetRequestHeader, bad("queueId", "2147483648")),
    /queueId is not an int: "2147483648"/,
  );
  assert.throws(
    () => decodeHeader(UpdateConsumerOffsetRequestHeader, bad("commitOffset", "1.5")),
    /commitOffset is not a long: "1.5"/,
  );
  assert.throws(
    () => decodeHeader(UpdateConsumerOffsetRequestHeader, bad("commitOffset", "9007199254740993")),
    /commitOffset is not a long/,
  );
  assert.equal(
    decodeHeader(UpdateConsumerOffsetRequestHeader, bad("commitOffset", "-1")).commitOffset,
    -1,
  );
  assert.equal(decodeHeader(UpdateConsumerOffsetRequestHeader, bad("queueId", "+7")).queueId, 7);
});

Deno.test("decodeHeader takes Long.MAX_VALUE time bounds, clamped to the safe range", () => {
  const query = (endTimestamp: string) =>
    decodeHeader(
      QueryMessageRequestHeader,
      createRequest(RequestCode.QUERY_MESSAGE, {
        extFields: { topic: "T", key: "K", maxNum: "32", beginTimestamp: "0", endTimestamp },
      }),
    ).endTimestamp;
  assert.equal(query("9223372036854775807"), Number.MAX_SAFE_INTEGER);
  assert.equal(query("-9223372036854775808"), Number.MIN_SAFE_INTEGER);
  assert.equal(query("1700000000000"), 1_700_000_000_000);
  assert.throws(
    () => query("9223372036854775808"),
    /endTimestamp is not a long: "9223372036854775808"/,
  );
  assert.throws(() => query("1e3"), /endTimestamp is not a long: "1e3"/);
  const search = decodeHeader(
    SearchOffsetRequestHeader,
    createRequest(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      extFields: { topic: "T", queueId: "0", timestamp: "9223372036854775807" },
    }),
  );
  assert.equal(search.timestamp, Number.MAX_SAFE_INTEGER);
});

Deno.test("decodeHeader reads booleans as Java does: true in any case, anything else false", () => {
  const base = { topic: "T", group: "G", timestamp: "1" };
  const read = (isForce: string) =>
    decodeHeader(
      ResetOffsetRequestHeader,
      createRequest(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { extFields: { ...base, isForce } }),
    ).isForce;
  assert.equal(read("true"), true);
  assert.equal(read("TRUE"), true);
  assert.equal(read("false"), false);
  assert.equal(read("yes"), false);
  assert.equal(read(""), false);
});

Deno.test("decodeHeader accepts ext values that arrived as JSON numbers and booleans", async () => {
  const { decodeCommand, encodeCommand } = await import("../command_codec.ts");
  const json = '{"code":17,"extFields":{"topic":"T","defaultTopic":"TBW102","readQueueNums":8,' +
    '"writeQueueNums":8,"perm":6,"topicFilterType":"SINGLE_TAG","order":false},"flag":0,' +
    '"language":"JAVA","opaque":1,"version":409}';
  const header = new TextEncoder().encode(json);
  const frame = new Uint8Array(4 + header.length);
  new DataView(frame.buffer).setInt32(0, header.length);
  frame.set(header, 4);
  const request = decodeCommand(frame);
  assert.deepEqual(decodeHeader(CreateTopicRequestHeader, request), {
    topic: "T",
    defaultTopic: "TBW102",
    readQueueNums: 8,
    writeQueueNums: 8,
    perm: 6,
    topicFilterType: "SINGLE_TAG",
    order: false,
  });
  assert(encodeCommand(request).length > 0);
});

Deno.test("decodeHeader names a response header by opaque", () => {
  const response = createResponse(createRequest(11, { opaque: 5 }), 0);
  assert(isResponse(response));
  assert.throws(
    () => decodeHeader(PullMessageResponseHeader, response),
    /Cannot decode response header \(opaque 5\): suggestWhichBrokerId is missing/,
  );
});

Deno.test("encodeHeader writes strings and skips null and undefined", () => {
  assert.deepEqual(
    encodeHeader({
      clientID: "c1",
      producerGroup: undefined,
      consumerGroup: null,
      n: 4294967296,
      b: true,
    }),
    { clientID: "c1", n: "4294967296", b: "true" },
  );
  assert.throws(
    () => encodeHeader({ x: 1.5 }),
    /Cannot encode header field x: 1.5 is not a safe integer/,
  );
  const header = { clientID: "c1", consumerGroup: "CG" };
  const request = createRequest(RequestCode.UNREGISTER_CLIENT, { extFields: encodeHeader(header) });
  assert.deepEqual(decodeHeader(UnregisterClientRequestHeader, request), header);
});

Deno.test("errorResponse answers a HeaderDecodeError with its code and remark", () => {
  const request = createRequest(RequestCode.PULL_MESSAGE, { opaque: 9, serializeType: "ROCKETMQ" });
  const error = new HeaderDecodeError("Cannot decode PULL_MESSAGE header: queueId is missing");
  const response = errorResponse(request, error);
  assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(response.remark, "Cannot decode PULL_MESSAGE header: queueId is missing");
  assert.equal(response.opaque, 9);
  assert.equal(response.serializeType, "ROCKETMQ");
  assert(isResponse(response));
  const other = errorResponse(request, new RangeError("boom"));
  assert.equal(other.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(other.remark, "RangeError: boom");
});

import assert from "node:assert/strict";
import {
  LANGUAGE_CODES,
  LANGUAGE_DEFAULT,
  languageFromByte,
  languageToByte,
} from "./language_code.ts";
import {
  createRequest,
  createResponse,
  FLAG_ONEWAY,
  FLAG_RESPONSE,
  isOneway,
  isResponse,
  nextOpaque,
  VERSION_DEFAULT,
} from "./remoting_command.ts";
import { RequestCode, requestCodeName } from "./request_code.ts";
import { ResponseCode, responseCodeName } from "./response_code.ts";

Deno.test("createRequest applies defaults: OTHER, version 409, JSON, fresh opaque", () => {
  const a = createRequest(RequestCode.HEART_BEAT);
  const b = createRequest(RequestCode.HEART_BEAT);
  assert.equal(a.language, LANGUAGE_DEFAULT);
  assert.equal(a.language, "OTHER");
  assert.equal(a.version, VERSION_DEFAULT);
  assert.equal(a.version, 409);
  assert.equal(a.serializeType, "JSON");
  assert.equal(a.flag, 0);
  assert.equal(b.opaque, a.opaque + 1);
  assert.equal("remark" in a || "extFields" in a || "body" in a, false);
});

Deno.test("createRequest takes every option", () => {
  const body = new Uint8Array([1]);
  const request = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
    extFields: { topic: "T1" },
    body,
    remark: "r",
    serializeType: "ROCKETMQ",
    oneway: true,
    opaque: 99,
    language: "GO",
    version: 317,
  });
  assert.deepEqual(request, {
    code: 15,
    language: "GO",
    version: 317,
    opaque: 99,
    flag: FLAG_ONEWAY,
    remark: "r",
    extFields: { topic: "T1" },
    body,
    serializeType: "ROCKETMQ",
  });
  assert(isOneway(request));
  assert(!isResponse(request));
});

Deno.test("createResponse copies opaque and serialize type and sets FLAG_RESPONSE", () => {
  const request = createRequest(RequestCode.PULL_MESSAGE, { opaque: 7, serializeType: "ROCKETMQ" });
  const response = createResponse(request, ResponseCode.PULL_NOT_FOUND, "no new message", {
    nextBeginOffset: "0",
  });
  assert.equal(response.opaque, 7);
  assert.equal(response.flag, FLAG_RESPONSE);
  assert.equal(response.serializeType, "ROCKETMQ");
  assert.equal(response.remark, "no new message");
  assert.deepEqual(response.extFields, { nextBeginOffset: "0" });
  assert(isResponse(response));
  assert(!isOneway(response));
});

Deno.test("nextOpaque counts up from where it is", () => {
  const first = nextOpaque();
  assert.equal(nextOpaque(), first + 1);
});

Deno.test("language codes map names and bytes both ways", () => {
  assert.equal(LANGUAGE_CODES.length, 14);
  LANGUAGE_CODES.forEach((name, ordinal) => {
    assert.equal(languageToByte(name), ordinal);
    assert.equal(languageFromByte(ordinal), name);
  });
  assert.equal(languageToByte("JAVA"), 0);
  assert.equal(languageToByte("NODE_JS"), 13);
  assert.equal(languageToByte("DENO"), 7);
  assert.equal(languageFromByte(14), "OTHER");
  assert.equal(languageFromByte(255), "OTHER");
});

Deno.test("code tables hold RocketMQ's values and names", () => {
  assert.equal(RequestCode.SEND_MESSAGE, 10);
  assert.equal(RequestCode.SEND_MESSAGE_V2, 310);
  assert.equal(RequestCode.GET_ROUTEINFO_BY_TOPIC, 105);
  assert.equal(RequestCode.POP_MESSAGE, 200050);
  assert.equal(RequestCode.BATCH_ACK_MESSAGE, 200151);
  assert.equal(RequestCode.LITE_PULL_MESSAGE, 361);
  assert.equal(requestCodeName(34), "HEART_BEAT");
  assert.equal(requestCodeName(99999), "99999");
  assert.equal(ResponseCode.SUCCESS, 0);
  assert.equal(ResponseCode.FLUSH_DISK_TIMEOUT, 10);
  assert.equal(ResponseCode.GO_AWAY, 1500);
  assert.equal(ResponseCode.RPC_TIME_OUT, -1006);
  assert.equal(responseCodeName(209), "POLLING_FULL");
  assert.equal(responseCodeName(22), "QUERY_NOT_FOUND");
  const requestValues = Object.values(RequestCode);
  assert.equal(new Set(requestValues).size, requestValues.length, "request codes are unique");
});

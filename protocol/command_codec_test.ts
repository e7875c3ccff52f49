import assert from "node:assert/strict";
import { decodeCommand, encodeCommand } from "./command_codec.ts";
import { FrameDecodeError, FrameEncodeError } from "./errors.ts";
import type { RemotingCommand } from "./remoting_command.ts";

const SPEC_JSON =
  '{"code":105,"extFields":{"topic":"T1"},"flag":0,"language":"JAVA","opaque":17,"serializeTypeCurrentRPC":"JSON","version":409}';

function command(overrides: Partial<RemotingCommand> = {}): RemotingCommand {
  return {
    code: 105,
    language: "JAVA",
    version: 409,
    opaque: 17,
    flag: 0,
    extFields: { topic: "T1" },
    serializeType: "JSON",
    ...overrides,
  };
}

function frameOf(typeByte: number, header: Uint8Array, body = new Uint8Array(0)): Uint8Array {
  const frame = new Uint8Array(8 + header.length + body.length);
  const view = new DataView(frame.buffer);
  view.setInt32(0, 4 + header.length + body.length);
  view.setInt32(4, (typeByte << 24) | header.length);
  frame.set(header, 8);
  frame.set(body, 8 + header.length);
  return frame;
}

Deno.test("encodeCommand writes the spec's JSON header byte for byte", () => {
  const frame = encodeCommand(command());
  assert.equal(new TextDecoder().decode(frame.subarray(8)), SPEC_JSON);
  const view = new DataView(frame.buffer);
  assert.equal(view.getInt32(0), 4 + SPEC_JSON.length);
  assert.equal(view.getInt32(4), SPEC_JSON.length);
});

Deno.test("decodeCommand reads the spec's JSON header", () => {
  const frame = frameOf(0, new TextEncoder().encode(SPEC_JSON));
  assert.deepEqual(decodeCommand(frame.subarray(4)), command());
});

Deno.test("encodeCommand round-trips a ROCKETMQ command with remark and body", () => {
  const original = command({
    serializeType: "ROCKETMQ",
    remark: "h\u00e9llo \u{1F600}",
    flag: 3,
    opaque: -5,
    code: -1000,
    body: new Uint8Array([1, 2, 3]),
  });
  const frame = encodeCommand(original);
  assert.equal(frame[4], 1);
  assert.deepEqual(decodeCommand(frame.subarray(4)), original);
});

Deno.test("decodeCommand rejects an unknown serialize type", () => {
  const frame = frameOf(2, new TextEncoder().encode(SPEC_JSON));
  assert.throws(() => decodeCommand(frame.subarray(4)), (error: unknown) => {
    assert(error instanceof FrameDecodeError);
    assert.equal(error.message, "Cannot decode frame: unknown serialize type 2");
    return true;
  });
});

Deno.test("decodeCommand rejects a header longer than the frame", () => {
  const frame = new Uint8Array([0, 0, 0, 5, 0, 0, 0, 9, 0x7b]);
  assert.throws(
    () => decodeCommand(frame.subarray(4)),
    /Cannot decode frame: header length 9 exceeds frame length 5/,
  );
});

Deno.test("encodeCommand refuses a code beyond 16 bits in a ROCKETMQ header", () => {
  assert.throws(
    () => encodeCommand(command({ code: 200050, serializeType: "ROCKETMQ" })),
    (error: unknown) =>
      error instanceof FrameEncodeError && /code 200050 exceeds 16 bits/.test(error.message),
  );
});

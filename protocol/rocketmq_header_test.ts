import assert from "node:assert/strict";
import { FrameDecodeError, FrameEncodeError } from "./errors.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { decodeRocketmqHeader, encodeRocketmqHeader } from "./rocketmq_header.ts";

function header(overrides: Partial<RemotingCommand> = {}): RemotingCommand {
  return {
    code: 14,
    language: "JAVA",
    version: 409,
    opaque: 3,
    flag: 0,
    serializeType: "ROCKETMQ",
    ...overrides,
  };
}

/** Fixed part + remark + ext section from raw ext bytes. */
function withExt(ext: number[]): Uint8Array {
  const bytes = new Uint8Array(21 + ext.length);
  const view = new DataView(bytes.buffer);
  view.setInt16(0, 14);
  view.setInt32(17, ext.length);
  bytes.set(ext, 21);
  return bytes;
}

Deno.test("encodeRocketmqHeader writes empty remark and values as length 0, read back as absent", () => {
  const bytes = encodeRocketmqHeader(header({ remark: "", extFields: { a: "", b: "x", "": "y" } }));
  const decoded = decodeRocketmqHeader(bytes);
  assert.equal(decoded.remark, undefined);
  assert.deepEqual(decoded.extFields, { b: "x" });
  assert.equal(
    decodeRocketmqHeader(encodeRocketmqHeader(header({ extFields: { a: "" } }))).extFields,
    undefined,
  );
});

Deno.test("decodeRocketmqHeader maps an unknown language byte to OTHER", () => {
  const bytes = encodeRocketmqHeader(header());
  bytes[2] = 99;
  assert.equal(decodeRocketmqHeader(bytes).language, "OTHER");
});

Deno.test("decodeRocketmqHeader keeps a __proto__ key as data", () => {
  const decoded = decodeRocketmqHeader(
    encodeRocketmqHeader(header({ extFields: JSON.parse('{"__proto__":"x"}') })),
  );
  assert.equal(Object.getPrototypeOf(decoded.extFields), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(decoded.extFields, "__proto__")?.value, "x");
});

Deno.test("decodeRocketmqHeader checks the ext length against the header length", () => {
  const bytes = encodeRocketmqHeader(header({ extFields: { topic: "T1" } }));
  assert.throws(
    () => decodeRocketmqHeader(bytes.subarray(0, bytes.length - 1)),
    /ROCKETMQ ext fields length 13 does not match header length 33/,
  );
});

Deno.test("decodeRocketmqHeader rejects ext entries running past the ext section", () => {
  const cases: [number[], RegExp][] = [
    [[0], /ext field at byte 0 runs past ext fields length 1/],
    [[0, 5, 0x61], /ext field at byte 2 runs past ext fields length 3/],
    [[0xff, 0xff, 0, 0, 0, 0], /ext field at byte 2 runs past/],
    [[0, 1, 0x61, 0, 0, 0, 9, 0x62], /ext field at byte 7 runs past ext fields length 8/],
    [[0, 1, 0x61, 0xff, 0xff, 0xff, 0xff], /ext field at byte 7 runs past/],
  ];
  for (const [ext, message] of cases) {
    assert.throws(() => decodeRocketmqHeader(withExt(ext)), (error: unknown) => {
      assert(error instanceof FrameDecodeError);
      assert.match(error.message, message);
      return true;
    }, JSON.stringify(ext));
  }
});

Deno.test("decodeRocketmqHeader rejects a negative remark length", () => {
  const bytes = encodeRocketmqHeader(header());
  new DataView(bytes.buffer).setInt32(13, -1);
  assert.throws(() => decodeRocketmqHeader(bytes), /remark length -1 exceeds header length 21/);
});

Deno.test("encodeRocketmqHeader refuses a version beyond 16 bits and a key over 32767 bytes", () => {
  assert.throws(() => encodeRocketmqHeader(header({ version: 70000 })), FrameEncodeError);
  assert.throws(
    () => encodeRocketmqHeader(header({ extFields: { ["k".repeat(40000)]: "v" } })),
    /ext key of 40000 bytes exceeds 32767/,
  );
});

Deno.test("decodeRocketmqHeader reads sign-extended code and version", () => {
  const decoded = decodeRocketmqHeader(encodeRocketmqHeader(header({ code: -1006, version: -1 })));
  assert.equal(decoded.code, -1006);
  assert.equal(decoded.version, -1);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeCommand, encodeCommand } from "./command_codec.ts";
import { FrameDecodeError } from "./errors.ts";
import { FrameDecoderStream } from "./frame_decoder_stream.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { PROPERTY_SEED } from "./_test_arbitraries.ts";

async function decodeAll(
  chunks: Uint8Array[],
  options: ConstructorParameters<typeof FrameDecoderStream>[0] = {},
): Promise<RemotingCommand[]> {
  const commands: RemotingCommand[] = [];
  const stream = ReadableStream.from(chunks).pipeThrough(new FrameDecoderStream(options));
  for await (const command of stream) commands.push(command);
  return commands;
}

const REQUEST: RemotingCommand = {
  code: 10,
  language: "JAVA",
  version: 409,
  opaque: 1,
  flag: 0,
  extFields: { topic: "T1", queueId: "3" },
  body: new Uint8Array([104, 105]),
  serializeType: "ROCKETMQ",
};

Deno.test("FrameDecoderStream decodes frames split and joined across chunks", async () => {
  const a = encodeCommand(REQUEST);
  const b = encodeCommand({ ...REQUEST, opaque: 2, serializeType: "JSON" });
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  for (let cut = 0; cut <= joined.length; cut++) {
    const commands = await decodeAll([joined.subarray(0, cut), joined.subarray(cut)]);
    assert.deepEqual(commands.map((c) => c.opaque), [1, 2], `cut at ${cut}`);
    assert.deepEqual(commands[0], REQUEST, `cut at ${cut}`);
  }
});

Deno.test("FrameDecoderStream decodes a frame over many chunks as its buffer grows", async () => {
  const body = new Uint8Array(1_000_000).map((_, i) => i % 251);
  const bytes = encodeCommand({ ...REQUEST, body });
  const chunks: Uint8Array[] = [];
  for (let p = 0; p < bytes.length; p += 1_500) chunks.push(bytes.subarray(p, p + 1_500));
  const [decoded, ...rest] = await decodeAll([...chunks, encodeCommand(REQUEST)]);
  assert.deepEqual(decoded.body, body);
  assert.deepEqual(rest, [REQUEST]);
});

Deno.test("FrameDecoderStream rejects a frame over frameBytesMax", async () => {
  const frame = encodeCommand(REQUEST);
  await assert.rejects(
    decodeAll([frame], { frameBytesMax: 16, remoteAddress: "10.0.0.2:5123" }),
    (error: unknown) => {
      assert(error instanceof FrameDecodeError);
      assert.equal(
        error.message,
        `Cannot decode frame from 10.0.0.2:5123: length ${
          frame.length - 4
        } exceeds frameBytesMax 16`,
      );
      return true;
    },
  );
});

/** Builds a frame from a header word type byte, header bytes and body, with a given frameLength. */
function rawFrame(
  typeByte: number,
  header: Uint8Array,
  frameLength?: number,
  headerLength?: number,
) {
  const frame = new Uint8Array(8 + header.length);
  const view = new DataView(frame.buffer);
  view.setInt32(0, frameLength ?? 4 + header.length);
  view.setUint32(4, ((typeByte << 24) | (headerLength ?? header.length)) >>> 0);
  frame.set(header, 8);
  return frame;
}

/** Feeds `chunks` and expects both sides of the stream to error with `message`. */
async function expectStreamError(chunks: Uint8Array[], message: string | RegExp): Promise<void> {
  const stream = new FrameDecoderStream({ remoteAddress: "10.0.0.2:5123" });
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const reading = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  const writing = (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })();
  const check = (error: unknown) => {
    assert(error instanceof FrameDecodeError, `not a FrameDecodeError: ${error}`);
    assert.equal(error.remoteAddress, "10.0.0.2:5123");
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
  await assert.rejects(reading, check);
  await assert.rejects(writing, check);
}

const JSON_HEADER = new TextEncoder().encode('{"code":34,"flag":0}');

Deno.test("FrameDecoderStream rejects a header length beyond the frame", async () => {
  await expectStreamError(
    [rawFrame(0, JSON_HEADER, undefined, 200)],
    `Cannot decode frame from 10.0.0.2:5123: header length 200 exceeds frame length ${
      4 + JSON_HEADER.length
    }`,
  );
});

Deno.test("FrameDecoderStream rejects an unknown serialize type byte", async () => {
  await expectStreamError(
    [rawFrame(7, JSON_HEADER)],
    "Cannot decode frame from 10.0.0.2:5123: unknown serialize type 7",
  );
});

Deno.test("FrameDecoderStream rejects a truncated ROCKETMQ header", async () => {
  await expectStreamError(
    [rawFrame(1, new Uint8Array(10))],
    "Cannot decode frame from 10.0.0.2:5123: ROCKETMQ header length 10 is below the fixed 21 bytes",
  );
  const header = new Uint8Array(21);
  new DataView(header.buffer).setInt32(13, 100); // remark length beyond the header
  await expectStreamError(
    [rawFrame(1, header)],
    "Cannot decode frame from 10.0.0.2:5123: ROCKETMQ remark length 100 exceeds header length 21",
  );
});

Deno.test("FrameDecoderStream rejects a JSON header that is not an object", async () => {
  await expectStreamError(
    [rawFrame(0, new TextEncoder().encode("[34]"))],
    "Cannot decode frame from 10.0.0.2:5123: JSON header is not an object: [34]",
  );
});

Deno.test("FrameDecoderStream rejects a frame length below 4 and a negative one", async () => {
  await expectStreamError(
    [new Uint8Array([0, 0, 0, 2, 0, 0])],
    "Cannot decode frame from 10.0.0.2:5123: length 2 is below 4",
  );
  await expectStreamError(
    [new Uint8Array([0xff, 0xff, 0xff, 0xff])],
    "Cannot decode frame from 10.0.0.2:5123: length -1 is below 4",
  );
});

Deno.test("FrameDecoderStream rejects an over-long length split across chunks before buffering", async () => {
  const prefix = new Uint8Array([0x02, 0x00, 0x00, 0x00]); // 33554432
  await expectStreamError(
    [prefix.subarray(0, 1), prefix.subarray(1)],
    "Cannot decode frame from 10.0.0.2:5123: length 33554432 exceeds frameBytesMax 16777216",
  );
});

Deno.test("FrameDecoderStream rejects input ending inside a frame or a length prefix", async () => {
  const frame = encodeCommand(REQUEST);
  await expectStreamError(
    [frame.subarray(0, 10)],
    `Cannot decode frame from 10.0.0.2:5123: input ended inside a frame after 10 of ${frame.length} bytes`,
  );
  await expectStreamError(
    [frame.subarray(0, 2)],
    "Cannot decode frame from 10.0.0.2:5123: input ended inside a length prefix after 2 of 4 bytes",
  );
});

Deno.test("FrameDecoderStream delivers frames before a bad one, then errors", async () => {
  const good = encodeCommand(REQUEST);
  const stream = ReadableStream.from([good, rawFrame(9, JSON_HEADER)])
    .pipeThrough(new FrameDecoderStream());
  const reader = stream.getReader();
  assert.equal((await reader.read()).value?.opaque, 1);
  await assert.rejects(reader.read(), /unknown serialize type 9/);
});

Deno.test("decodeCommand never throws anything but FrameDecodeError on random bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), fc.constantFrom(0, 1), (bytes, type) => {
      const frame = Uint8Array.from([type, 0, 0, Math.min(bytes.length, 255), ...bytes]);
      try {
        decodeCommand(frame);
      } catch (error) {
        assert(error instanceof FrameDecodeError, String(error));
      }
    }),
    { seed: PROPERTY_SEED, numRuns: 3000 },
  );
});

Deno.test("FrameDecoderStream buffers at most one frame of frameBytesMax + 4 bytes", async () => {
  // A frame of exactly frameBytesMax is accepted; one byte more is not.
  const body = new Uint8Array(100);
  const frame = encodeCommand({ ...REQUEST, body });
  const frameLength = frame.length - 4;
  const ok = await decodeAll([frame], { frameBytesMax: frameLength });
  assert.equal(ok[0].body?.length, 100);
  await assert.rejects(
    decodeAll([frame], { frameBytesMax: frameLength - 1 }),
    new RegExp(`length ${frameLength} exceeds frameBytesMax ${frameLength - 1}`),
  );
});

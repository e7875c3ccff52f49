import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeCommand, encodeCommand } from "./command_codec.ts";
import { FrameDecoderStream } from "./frame_decoder_stream.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { command, expectedAfterRoundTrip, PROPERTY_SEED } from "./_test_arbitraries.ts";

const anyCommand = fc.oneof(command("JSON"), command("ROCKETMQ"));

Deno.test("encodeCommand then decodeCommand round-trips JSON commands", () => {
  fc.assert(
    fc.property(command("JSON"), (original) => {
      const frame = encodeCommand(original);
      assert.equal(new DataView(frame.buffer, frame.byteOffset).getInt32(0), frame.length - 4);
      assert.deepEqual(decodeCommand(frame.subarray(4)), expectedAfterRoundTrip(original));
    }),
    { seed: PROPERTY_SEED, numRuns: 500 },
  );
});

Deno.test("encodeCommand then decodeCommand round-trips ROCKETMQ commands, empty strings vanishing", () => {
  fc.assert(
    fc.property(command("ROCKETMQ"), (original) => {
      const frame = encodeCommand(original);
      assert.equal(frame[4], 1, "serialize type byte");
      assert.deepEqual(decodeCommand(frame.subarray(4)), expectedAfterRoundTrip(original));
    }),
    { seed: PROPERTY_SEED, numRuns: 500 },
  );
});

Deno.test("encodeCommand of a decoded frame gives the frame of the normalized command", () => {
  fc.assert(
    fc.property(anyCommand, (original) => {
      const frame = encodeCommand(original).slice();
      const again = encodeCommand(decodeCommand(frame.subarray(4)));
      assert.deepEqual(again, encodeCommand(expectedAfterRoundTrip(original)));
      if (original.serializeType === "JSON") assert.deepEqual(again, frame);
    }),
    { seed: PROPERTY_SEED, numRuns: 300 },
  );
});

Deno.test("FrameDecoderStream decodes concatenated frames under random chunk splits", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(anyCommand, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (commands, cutSeeds) => {
        const frames = commands.map((c) => encodeCommand(c));
        const joined = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
        let offset = 0;
        for (const frame of frames) {
          joined.set(frame, offset);
          offset += frame.length;
        }
        const cuts = [...new Set(cutSeeds.map((s) => s % (joined.length + 1)))].sort((a, b) =>
          a - b
        );
        const chunks: Uint8Array[] = [];
        let last = 0;
        for (const cut of [...cuts, joined.length]) {
          chunks.push(joined.slice(last, cut));
          last = cut;
        }
        const decoded: RemotingCommand[] = [];
        const stream = ReadableStream.from(chunks).pipeThrough(new FrameDecoderStream());
        for await (const c of stream) decoded.push(c);
        assert.deepEqual(decoded, commands.map(expectedAfterRoundTrip));
      },
    ),
    { seed: PROPERTY_SEED, numRuns: 200 },
  );
});

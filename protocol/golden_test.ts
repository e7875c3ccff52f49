/**
 * Golden vectors (`tests/golden/remoting_frames.json`, written by hand from shared/spec/remoting.md):
 * each frame decodes to its documented fields and re-encodes to the same bytes, and the frame decoder
 * gives the same command for every split of the frame and for byte-at-a-time input.
 */

import assert from "node:assert/strict";
import golden from "../tests/golden/remoting_frames.json" with { type: "json" };
import { decodeCommand, encodeCommand } from "./command_codec.ts";
import { FrameDecoderStream } from "./frame_decoder_stream.ts";
import type { RemotingCommand, SerializeType } from "./remoting_command.ts";

interface GoldenFields {
  code: number;
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  extFields?: Record<string, string>;
  bodyHex?: string;
}

interface GoldenVector {
  name: string;
  serializeType: string;
  hex: string;
  fields: GoldenFields;
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function expectedCommand(vector: GoldenVector): RemotingCommand {
  const { bodyHex, ...fields } = vector.fields;
  const command: RemotingCommand = {
    ...fields,
    serializeType: vector.serializeType as SerializeType,
  };
  if (bodyHex !== undefined) command.body = fromHex(bodyHex);
  return command;
}

async function decodeChunks(chunks: Uint8Array[]): Promise<RemotingCommand[]> {
  const commands: RemotingCommand[] = [];
  const stream = ReadableStream.from(chunks).pipeThrough(new FrameDecoderStream());
  for await (const command of stream) commands.push(command);
  return commands;
}

const vectors = golden.vectors as GoldenVector[];

Deno.test("golden vectors cover both serializations and every spec example", () => {
  const names = vectors.map((v) => v.name);
  assert(names.includes("json_spec_route_request"));
  assert(names.includes("json_102_byte_header_body_5"));
  assert(names.includes("rocketmq_30_byte_header"));
  assert(vectors.some((v) => v.serializeType === "JSON"));
  assert(vectors.some((v) => v.serializeType === "ROCKETMQ"));
});

Deno.test("golden vectors carry the spec's frame words", () => {
  const byName = new Map(vectors.map((v) => [v.name, fromHex(v.hex)]));
  assert.equal(
    toHex(byName.get("json_102_byte_header_body_5")!.subarray(0, 8)),
    "0000006f00000066",
  );
  assert.equal(toHex(byName.get("rocketmq_30_byte_header")!.subarray(4, 8)), "0100001e");
  const spec = byName.get("json_spec_route_request")!;
  assert.equal(
    new TextDecoder().decode(spec.subarray(8)),
    '{"code":105,"extFields":{"topic":"T1"},"flag":0,"language":"JAVA","opaque":17,' +
      '"serializeTypeCurrentRPC":"JSON","version":409}',
  );
});

for (const vector of vectors) {
  Deno.test(`decodeCommand reads golden ${vector.name} to its fields`, () => {
    const frame = fromHex(vector.hex);
    assert.equal(new DataView(frame.buffer).getInt32(0), frame.length - 4, "frameLength");
    assert.deepEqual(decodeCommand(frame.subarray(4)), expectedCommand(vector));
  });

  Deno.test(`encodeCommand writes golden ${vector.name} byte for byte`, () => {
    assert.equal(toHex(encodeCommand(expectedCommand(vector))), vector.hex);
  });

  Deno.test(`FrameDecoderStream decodes golden ${vector.name} split at every offset`, async () => {
    const frame = fromHex(vector.hex);
    const expected = expectedCommand(vector);
    for (let cut = 0; cut <= frame.length; cut++) {
      const commands = await decodeChunks([frame.slice(0, cut), frame.slice(cut)]);
      assert.deepEqual(commands, [expected], `split at ${cut}`);
    }
    const bytes = Array.from(frame, (b) => Uint8Array.of(b));
    assert.deepEqual(await decodeChunks(bytes), [expected], "byte at a time");
  });
}

Deno.test("FrameDecoderStream decodes all golden frames back to back, a byte at a time", async () => {
  const frames = vectors.map((v) => fromHex(v.hex));
  const bytes = frames.flatMap((frame) => Array.from(frame, (b) => Uint8Array.of(b)));
  assert.deepEqual(await decodeChunks(bytes), vectors.map(expectedCommand));
});

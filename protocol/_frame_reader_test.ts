import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeCommand } from "./command_codec.ts";
import { FrameDecodeError } from "./errors.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { FrameReader } from "./_frame_reader.ts";
import { PartialFrame } from "./_frame_length.ts";
import { PARTIAL_FRAME_BUFFER_BYTES_MIN } from "./limits.ts";

function command(opaque: number, body?: Uint8Array): RemotingCommand {
  const c: RemotingCommand = {
    code: 10,
    language: "JAVA",
    version: 409,
    opaque,
    flag: 0,
    extFields: { topic: "T1", queueId: String(opaque) },
    serializeType: opaque % 2 === 0 ? "JSON" : "ROCKETMQ",
  };
  if (body !== undefined) c.body = body;
  return c;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function drain(reader: FrameReader, chunks: Uint8Array[]): RemotingCommand[] {
  const out: RemotingCommand[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let c = reader.next(); c !== null; c = reader.next()) out.push(c);
  }
  return out;
}

const bytes = concat([
  encodeCommand(command(1, new Uint8Array([1, 2, 3]))),
  encodeCommand(command(2)),
  encodeCommand(command(3, new Uint8Array(300).fill(7))),
]);

Deno.test("FrameReader decodes frames split at every offset", () => {
  for (let split = 0; split <= bytes.length; split++) {
    const out = drain(new FrameReader(1 << 20, "peer"), [
      bytes.slice(0, split),
      bytes.slice(split),
    ]);
    assert.deepEqual(out.map((c) => c.opaque), [1, 2, 3], `split at ${split}`);
    assert.deepEqual([...out[0].body!], [1, 2, 3]);
    assert.equal(out[2].body!.length, 300);
    assert.equal(out[1].extFields?.queueId, "2");
  }
});

Deno.test("FrameReader decodes frames fed one byte at a time", () => {
  const chunks = [...bytes].map((b) => new Uint8Array([b]));
  const reader = new FrameReader(1 << 20, "peer");
  assert.deepEqual(drain(reader, chunks).map((c) => c.opaque), [1, 2, 3]);
  assert.equal(reader.partialBytes, 0);
});

Deno.test("FrameReader decodes any chunking (fast-check, seed 7)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
      (sizes) => {
        const chunks: Uint8Array[] = [];
        let offset = 0;
        for (let i = 0; offset < bytes.length; i++) {
          const size = sizes[i % sizes.length];
          chunks.push(bytes.slice(offset, offset + size));
          offset += size;
        }
        const out = drain(new FrameReader(1 << 20, "peer"), chunks);
        assert.deepEqual(out.map((c) => c.opaque), [1, 2, 3]);
      },
    ),
    { seed: 7, numRuns: 200 },
  );
});

Deno.test("FrameReader rejects a frame over frameBytesMax naming the peer", () => {
  const reader = new FrameReader(100, "10.0.0.2:5123");
  reader.push(new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0]));
  assert.throws(
    () => reader.next(),
    (e) =>
      e instanceof FrameDecodeError &&
      e.message === "Cannot decode frame from 10.0.0.2:5123: length 256 exceeds frameBytesMax 100",
  );
});

Deno.test("FrameReader rejects negative and too short lengths", () => {
  for (const prefix of [[0xff, 0xff, 0xff, 0xff], [0, 0, 0, 3]]) {
    const reader = new FrameReader(100, "peer");
    reader.push(new Uint8Array(prefix));
    assert.throws(() => reader.next(), FrameDecodeError);
  }
});

Deno.test("FrameReader turns a malformed header into FrameDecodeError", () => {
  const reader = new FrameReader(100, "peer");
  const text = new TextEncoder().encode("{not json");
  const frame = new Uint8Array(8 + text.length);
  new DataView(frame.buffer).setInt32(0, 4 + text.length);
  new DataView(frame.buffer).setInt32(4, text.length);
  frame.set(text, 8);
  reader.push(frame);
  assert.throws(() => reader.next(), FrameDecodeError);
});

Deno.test("FrameReader.push asserts the previous chunk was used up", () => {
  const reader = new FrameReader(1 << 20, "peer");
  reader.push(bytes);
  assert.throws(() => reader.push(bytes), /before the previous chunk was used up/);
});

Deno.test("PartialFrame holds what arrived, not what the peer announced", () => {
  const frameLength = 16 * 1024 * 1024 - 4;
  const frame = new Uint8Array(4 + frameLength).map((_, i) => i * 7);
  new DataView(frame.buffer).setInt32(0, frameLength);
  const partial = new PartialFrame(frameLength, frame.subarray(0, 4));
  assert.equal(partial.capacity, PARTIAL_FRAME_BUFFER_BYTES_MIN, "4 bytes announce 16 MiB");
  const random = fc.sample(fc.integer({ min: 1, max: 300_000 }), { seed: 11, numRuns: 400 });
  let p = 4;
  for (let i = 0; partial.complete() === null; i++) {
    const end = Math.min(frame.length, p + random[i % random.length]);
    assert.equal(partial.fill(frame.subarray(0, end), p, end), end - p);
    p = end;
    assert.ok(
      partial.capacity <= Math.max(PARTIAL_FRAME_BUFFER_BYTES_MIN, 2 * partial.filled),
      `${partial.capacity} bytes held for ${partial.filled} received`,
    );
  }
  assert.deepEqual(partial.complete(), frame);
});

Deno.test("FrameReader decodes a frame over many reads as its buffer grows", () => {
  const body = new Uint8Array(1_000_000).map((_, i) => i % 251);
  const bytes = encodeCommand(command(4, body));
  const chunks: Uint8Array[] = [];
  for (let p = 0; p < bytes.length; p += 1_500) chunks.push(bytes.subarray(p, p + 1_500));
  const [decoded] = drain(new FrameReader(1 << 21, "peer"), chunks);
  assert.deepEqual(decoded.body, body);
});

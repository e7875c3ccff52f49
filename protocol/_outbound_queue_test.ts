import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeCommand } from "./command_codec.ts";
import { STAGED_FRAME_BYTES_MAX, WRITE_BATCH_BYTES_MAX } from "./limits.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { OutboundQueue } from "./_outbound_queue.ts";
import { PROPERTY_SEED } from "./_test_arbitraries.ts";

/** A sink whose writes resolve only when the test says so, checking each chunk is left untouched. */
class HeldSink {
  readonly written: number[] = [];
  readonly chunks: Uint8Array[] = [];
  #pending: { chunk: Uint8Array; copy: Uint8Array; resolve: () => void } | null = null;
  readonly writable = new WritableStream<Uint8Array>({
    write: (chunk) =>
      new Promise<void>((resolve) => {
        this.chunks.push(chunk);
        this.#pending = { chunk, copy: chunk.slice(), resolve };
      }),
  }, { highWaterMark: 1 });

  get holding(): boolean {
    return this.#pending !== null;
  }

  /** Completes the write in progress, after checking nobody rewrote its bytes meanwhile. */
  release(): void {
    const pending = this.#pending!;
    assert.deepEqual(pending.chunk, pending.copy, "a chunk was rewritten while being written");
    this.written.push(...pending.copy);
    this.#pending = null;
    pending.resolve();
  }
}

function command(opaque: number, bodyBytes: number): RemotingCommand {
  return {
    code: 310,
    language: "JAVA",
    version: 409,
    opaque,
    flag: 0,
    serializeType: opaque % 3 === 0 ? "ROCKETMQ" : "JSON",
    extFields: { topic: "T", queueId: String(opaque % 8) },
    body: new Uint8Array(bodyBytes).fill(opaque & 0xff),
  };
}

const hooks = {
  onWritten() {},
  onDrained() {},
  onWriteError: (e: unknown) => assert.fail(String(e)),
};

/** Lets the queue's microtasks and the stream's promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await Promise.resolve();
}

Deno.test("OutboundQueue staged frames leave in order, byte-exact, never rewritten while written", async () => {
  const sizes = fc.oneof(
    fc.integer({ min: 0, max: 2048 }),
    fc.constantFrom(STAGED_FRAME_BYTES_MAX - 200, STAGED_FRAME_BYTES_MAX + 1, 70 * 1024),
  );
  const step = fc.oneof(sizes.map((size) => ({ size })), fc.constant("release" as const));
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 300 }), async (steps) => {
      const sink = new HeldSink();
      const queue = new OutboundQueue(sink.writable, hooks);
      const expected: number[] = [];
      let opaque = 0;
      for (const s of steps) {
        if (s === "release") {
          if (sink.holding) sink.release();
        } else {
          const c = command(++opaque, s.size);
          expected.push(...encodeCommand(c));
          assert.ok(queue.push(queue.encode(c)));
        }
        await settle();
      }
      while (queue.bytes > 0) {
        if (sink.holding) sink.release();
        await settle();
      }
      assert.deepEqual(sink.written, expected);
    }),
    { seed: PROPERTY_SEED, numRuns: 60 },
  );
});

Deno.test("OutboundQueue reuses its staging buffers once their frames are written", async () => {
  const sink = new HeldSink();
  const queue = new OutboundQueue(sink.writable, hooks);
  const buffers = new Set<ArrayBufferLike>();
  const frameBytes = 2048;
  // Far more bytes than two staging buffers hold; a write is always in progress, so the queue never
  // empties and full staging buffers must be recycled rather than rewound.
  for (let i = 0; i < (8 * WRITE_BATCH_BYTES_MAX) / frameBytes; i++) {
    const frame = queue.encode(command(i, frameBytes - 100));
    buffers.add(frame.buffer);
    queue.push(frame);
    await settle();
    if (i % 40 === 39) {
      sink.release();
      await settle();
    }
  }
  while (queue.bytes > 0) {
    if (sink.holding) sink.release();
    await settle();
  }
  const full = [...buffers].filter((b) => b.byteLength === WRITE_BATCH_BYTES_MAX).length;
  assert.ok(full <= 2, `${full} full-size staging buffers for a steady stream`);
  // 16 KiB doubling to 256 KiB: four smaller ones on the way up.
  assert.ok(buffers.size <= full + 4, `${buffers.size} staging buffers in all`);
  // Batches are views of a staging buffer; only a batch that spans two buffers (at most one per
  // buffer switch: 2 MiB / 256 KiB, plus the four on the way up) is copied.
  const copied = sink.chunks.filter((chunk) => !buffers.has(chunk.buffer)).length;
  assert.ok(copied <= 8 + 4, `${copied} of ${sink.chunks.length} batches copied`);
});

Deno.test("OutboundQueue keeps a small staging buffer for a connection that sends now and then", async () => {
  const sink = new HeldSink();
  const queue = new OutboundQueue(sink.writable, hooks);
  const buffers = new Set<ArrayBufferLike>();
  for (let i = 0; i < 50; i++) {
    const frame = queue.encode(command(i, 100));
    buffers.add(frame.buffer);
    queue.push(frame);
    await settle();
    sink.release();
    await settle();
  }
  assert.deepEqual([...buffers].map((b) => b.byteLength), [STAGED_FRAME_BYTES_MAX]);
});

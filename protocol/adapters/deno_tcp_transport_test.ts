import assert from "node:assert/strict";
import {
  TCP_READ_BUFFER_BYTES,
  TCP_READ_BUFFER_BYTES_MAX,
  TCP_READ_SHRINK_AFTER_READS,
} from "../limits.ts";
import { DenoTcpTransport, nextReadBuffer } from "./deno_tcp_transport.ts";

Deno.test("DenoTcpTransport carries bytes and reports ip:port addresses", async () => {
  const transport = new DenoTcpTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  assert.ok(listener.port > 0);
  const client = await transport.connect({ hostname: "127.0.0.1", port: listener.port });
  const iterator = listener.accept()[Symbol.asyncIterator]();
  const server = (await iterator.next()).value!;
  assert.equal(client.remoteAddress, `127.0.0.1:${listener.port}`);
  assert.equal(server.remoteAddress, client.localAddress);
  const writer = client.writable.getWriter();
  await writer.write(new Uint8Array([1, 2, 3]));
  const reader = server.readable.getReader();
  assert.deepEqual([...(await reader.read()).value!], [1, 2, 3]);
  await writer.close();
  assert.equal((await reader.read()).done, true, "half-close ends the peer's stream");
  client.close();
  client.close();
  server.close();
  listener.close();
  assert.equal((await iterator.next()).done, true, "closing the listener ends accept");
});

Deno.test("DenoTcpTransport ends a pending read quietly when the connection is closed locally", async () => {
  const transport = new DenoTcpTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await transport.connect({ hostname: "127.0.0.1", port: listener.port });
  const iterator = listener.accept()[Symbol.asyncIterator]();
  const server = (await iterator.next()).value!;
  const reader = server.readable.getReader();
  const pending = reader.read();
  server.close();
  assert.equal((await pending).done, true);
  client.close();
  listener.close();
  await iterator.next();
});

Deno.test("DenoTcpTransport connect honours an aborted signal", async () => {
  const transport = new DenoTcpTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  const abort = new AbortController();
  abort.abort(new Error("gave up"));
  await assert.rejects(
    transport.connect({ hostname: "127.0.0.1", port: listener.port, signal: abort.signal }),
  );
  listener.close();
});

Deno.test("nextReadBuffer grows on full reads up to the maximum and shrinks after a run of small ones", () => {
  const state = { smallReads: 0 };
  let buffer = new Uint8Array(TCP_READ_BUFFER_BYTES);
  const sizes = [buffer.length];
  for (let i = 0; i < 10; i++) {
    buffer = nextReadBuffer(buffer, buffer.length, state);
    sizes.push(buffer.length);
  }
  assert.equal(Math.max(...sizes), TCP_READ_BUFFER_BYTES_MAX);
  assert.equal(buffer.length, TCP_READ_BUFFER_BYTES_MAX, "stays at the maximum");
  const big = buffer;
  assert.equal(nextReadBuffer(big, big.length / 2, state), big, "a half-full read keeps the size");
  for (let i = 1; i < TCP_READ_SHRINK_AFTER_READS; i++) {
    assert.equal(nextReadBuffer(big, 100, state), big, `small read ${i} keeps the size`);
  }
  assert.equal(
    nextReadBuffer(big, 100, state).length,
    big.length / 2,
    "the run's last read halves",
  );
  const floor = new Uint8Array(TCP_READ_BUFFER_BYTES);
  for (let i = 0; i < 3 * TCP_READ_SHRINK_AFTER_READS; i++) {
    assert.equal(nextReadBuffer(floor, 1, state), floor, "never below the initial size");
  }
});

Deno.test("DenoTcpTransport delivers a large stream byte-exact while its read buffer grows", async () => {
  const transport = new DenoTcpTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await transport.connect({ hostname: "127.0.0.1", port: listener.port });
  const iterator = listener.accept()[Symbol.asyncIterator]();
  const server = (await iterator.next()).value!;
  const sent = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
  const writing = (async () => {
    const writer = client.writable.getWriter();
    for (let i = 0; i < sent.length; i += 300_000) {
      await writer.write(sent.subarray(i, i + 300_000));
    }
    await writer.close();
  })();
  const received = new Uint8Array(sent.length);
  let filled = 0;
  let largest = 0;
  for await (const chunk of server.readable) {
    received.set(chunk, filled);
    filled += chunk.length;
    largest = Math.max(largest, chunk.length);
  }
  await writing;
  assert.equal(filled, sent.length);
  assert.deepEqual(received, sent);
  assert.ok(largest <= TCP_READ_BUFFER_BYTES_MAX, `chunk of ${largest} bytes`);
  client.close();
  server.close();
  listener.close();
  await iterator.next();
});

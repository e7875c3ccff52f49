import assert from "node:assert/strict";
import { TCP_READ_BUFFER_BYTES_MAX } from "../limits.ts";
import { DenoTcpTransport } from "./deno_tcp_transport.ts";

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

Deno.test("DenoTcpTransport names the address it cannot listen on", async () => {
  const transport = new DenoTcpTransport();
  const taken = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    // A broker binds three ports (listen, VIP, HTTP): the operator must learn which one is taken.
    await assert.rejects(
      transport.listen({ hostname: "127.0.0.1", port: taken.port }),
      (error: unknown) =>
        error instanceof Deno.errors.AddrInUse &&
        error.message.startsWith(`Cannot listen on 127.0.0.1:${taken.port}: `),
    );
  } finally {
    taken.close();
  }
});

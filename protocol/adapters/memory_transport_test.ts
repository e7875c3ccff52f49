import assert from "node:assert/strict";
import { MEMORY_PIPE_BYTES_MAX } from "../limits.ts";
import { RemotingClient } from "../remoting_client.ts";
import { createRequest, createResponse } from "../remoting_command.ts";
import { RemotingServer } from "../remoting_server.ts";
import { MemoryLogger } from "../_remoting_testing.ts";
import { MemoryTransport } from "./memory_transport.ts";

async function acceptOne(transport: MemoryTransport) {
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await transport.connect({ hostname: "127.0.0.1", port: listener.port });
  const iterator = listener.accept()[Symbol.asyncIterator]();
  const server = (await iterator.next()).value!;
  return { listener, client, server };
}

Deno.test("MemoryTransport carries bytes both ways and ends the peer's stream on close", async () => {
  const { listener, client, server } = await acceptOne(new MemoryTransport());
  assert.equal(client.remoteAddress, server.localAddress);
  assert.equal(server.remoteAddress, client.localAddress);
  const writer = client.writable.getWriter();
  const reader = server.readable.getReader();
  const sent = new Uint8Array([1, 2, 3]);
  const write = writer.write(sent);
  sent[0] = 9;
  assert.deepEqual([...(await reader.read()).value!], [1, 2, 3], "chunks are copied");
  await write;
  client.close();
  assert.equal((await reader.read()).done, true);
  await assert.rejects(writer.write(new Uint8Array(1)));
  server.close();
  listener.close();
});

Deno.test("MemoryTransport pushes back on a writer whose peer does not read", async () => {
  const { listener, client, server } = await acceptOne(new MemoryTransport());
  const writer = client.writable.getWriter();
  const chunk = new Uint8Array(64 * 1024);
  const chunks = MEMORY_PIPE_BYTES_MAX / chunk.length;
  for (let i = 0; i < chunks; i++) await writer.write(chunk);
  let blocked = true;
  const next = writer.write(chunk).then(() => {
    blocked = false;
  });
  for (let turn = 0; turn < 100; turn++) await Promise.resolve(); // a free write settles in a few
  assert.equal(blocked, true, "the write past the buffer waits for the reader");
  const reader = server.readable.getReader();
  await reader.read();
  await next;
  for (let i = 0; i < chunks; i++) await reader.read();
  client.close();
  assert.equal((await reader.read()).done, true);
  server.close();
  listener.close();
});

Deno.test("MemoryTransport refuses a port in use and a connect to nobody", async () => {
  const transport = new MemoryTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 9876 });
  await assert.rejects(transport.listen({ hostname: "127.0.0.1", port: 9876 }), /address in use/);
  listener.close();
  await assert.rejects(
    transport.connect({ hostname: "127.0.0.1", port: 9876 }),
    /Cannot connect to 127\.0\.0\.1:9876: connection refused/,
  );
});

Deno.test("RemotingServer and RemotingClient work over MemoryTransport", async () => {
  const transport = new MemoryTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({
    transport,
    hostname: "127.0.0.1",
    listenPort: 10911,
    logger,
  });
  server.registerProcessor(34, (request) => createResponse(request, 0, "pong"));
  await server.start();
  const client = new RemotingClient({ transport, logger });
  try {
    const response = await client.invoke("127.0.0.1:10911", createRequest(34), 3000);
    assert.equal(response.remark, "pong");
  } finally {
    await client.shutdown();
    await server.shutdown();
  }
});

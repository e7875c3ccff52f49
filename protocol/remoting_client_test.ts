import assert from "node:assert/strict";
import { DenoTcpTransport } from "./adapters/deno_tcp_transport.ts";
import { RemotingClient } from "./remoting_client.ts";
import { createRequest, createResponse } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { RemotingServer } from "./remoting_server.ts";
import { Latch, MemoryLogger, nextEvent, withDeadline } from "./_remoting_testing.ts";

const ECHO = 1000;
const PARK = 1001;
const DEADLINE_MS = 5000;

async function startServer(logger: MemoryLogger) {
  const transport = new DenoTcpTransport();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  const parked: ((r: RemotingCommand | null) => void)[] = [];
  server.registerProcessor(ECHO, (request) => createResponse(request, 0, request.remark));
  server.registerProcessor(PARK, () => new Promise((resolve) => parked.push(resolve)));
  await server.start();
  return {
    transport,
    server,
    address: `127.0.0.1:${server.port}`,
    async close() {
      for (const answer of parked) answer(null);
      await server.shutdown({ gracefulTimeoutMs: 1000 });
    },
  };
}

Deno.test("RemotingClient shares one connection among concurrent first calls to an address", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({ transport: s.transport, logger });
  try {
    let connects = 0;
    s.server.on("connect", () => connects++);
    const responses = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) => client.invoke(s.address, createRequest(ECHO, { remark: String(i) }), DEADLINE_MS),
      ),
    );
    responses.forEach((r, i) => assert.equal(r.remark, String(i)));
    await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(connects, 1);
    assert.equal(client.channels.length, 1);
  } finally {
    await client.shutdown();
    await s.close();
  }
});

Deno.test("RemotingClient assigns increasing opaques from its own counter", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({ transport: s.transport, logger });
  try {
    const a = createRequest(ECHO, { opaque: 777 });
    const b = createRequest(ECHO, { opaque: 777 });
    await client.invoke(s.address, a, DEADLINE_MS);
    await client.invoke(s.address, b, DEADLINE_MS);
    assert.equal(a.opaque, 0);
    assert.equal(b.opaque, 1);
  } finally {
    await client.shutdown();
    await s.close();
  }
});

Deno.test("RemotingClient fails pending requests promptly when their connection closes", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({ transport: s.transport, logger });
  try {
    const connected = nextEvent(s.server, "connect");
    const pending = client.invoke(s.address, createRequest(PARK), 60_000).catch((e) => e);
    const [channel] = await withDeadline(connected, DEADLINE_MS, "connect");
    channel.close("test closes it");
    const error = await withDeadline(pending, DEADLINE_MS, "pending invoke to fail");
    assert.equal(error.name, "RemotingSendRequestError");
    assert.match(error.message, /connection closed \(closed by peer\)/);
    const again = await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(again.code, 0, "the next call reconnects");
  } finally {
    await client.shutdown();
    await s.close();
  }
});

Deno.test("RemotingClient closes a connection whose call timed out and reconnects on the next call", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({ transport: s.transport, logger });
  try {
    let connects = 0;
    s.server.on("connect", () => connects++);
    const other = client.invoke(s.address, createRequest(PARK), 60_000).catch((e) => e);
    const timedOut = await client.invoke(s.address, createRequest(PARK), 50).catch((e) => e);
    assert.equal(timedOut.name, "RemotingTimeoutError");
    const error = await withDeadline(other, DEADLINE_MS, "the other call to fail");
    assert.equal(error.name, "RemotingSendRequestError", "the connection was closed");
    assert.match(error.message, /no response to code 1001 within 50 ms/);
    const again = await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(again.code, 0, "the next call reconnects");
    assert.equal(connects, 2);
  } finally {
    await client.shutdown();
    await s.close();
  }
});

Deno.test("RemotingClient keeps a connection whose call timed out with clientCloseSocketIfTimeout false", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({
    transport: s.transport,
    logger,
    clientCloseSocketIfTimeout: false,
  });
  try {
    let connects = 0;
    s.server.on("connect", () => connects++);
    const timedOut = await client.invoke(s.address, createRequest(PARK), 50).catch((e) => e);
    assert.equal(timedOut.name, "RemotingTimeoutError");
    const again = await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(again.code, 0);
    assert.equal(connects, 1);
  } finally {
    await client.shutdown();
    await s.close();
  }
});

Deno.test("RemotingClient reports a refused connection as RemotingConnectError", async () => {
  const logger = new MemoryLogger();
  const transport = new DenoTcpTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.port;
  listener.close();
  const client = new RemotingClient({ transport, logger });
  try {
    const error = await client.invoke(`127.0.0.1:${port}`, createRequest(ECHO), DEADLINE_MS)
      .catch((e) => e);
    assert.equal(error.name, "RemotingConnectError");
    assert.match(error.message, new RegExp(`^Cannot connect to 127\\.0\\.0\\.1:${port}: `));
    const bad = await client.invoke("no-port", createRequest(ECHO), DEADLINE_MS).catch((e) => e);
    assert.equal(bad.name, "RemotingConnectError");
    assert.equal(client.channels.length, 0);
  } finally {
    await client.shutdown();
  }
});

Deno.test("RemotingClient.invokeOneway sends without waiting for a response", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({ transport: s.transport, logger });
  try {
    const got = new Latch<RemotingCommand>();
    s.server.registerProcessor(15, (request) => {
      got.resolve(request);
      return createResponse(request, 0, "must not be sent");
    });
    await client.invokeOneway(s.address, createRequest(15, { extFields: { offset: "9" } }), 1000);
    const request = await withDeadline(got.promise, DEADLINE_MS, "oneway request");
    assert.equal(request.extFields?.offset, "9");
    await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.ok(!logger.lines.some((l) => l.includes("no request waits")), "no stray response");
  } finally {
    await client.shutdown();
    await s.close();
  }
});

Deno.test("RemotingClient closes an idle connection and reconnects on the next call", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({
    transport: s.transport,
    logger,
    clientChannelMaxIdleTimeSeconds: 0.05,
  });
  try {
    const idle = nextEvent(client, "idle");
    const closed = nextEvent(client, "close");
    await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    await withDeadline(idle, DEADLINE_MS, "idle event");
    await withDeadline(closed, DEADLINE_MS, "close event");
    assert.equal(client.channels.length, 0);
    assert.equal((await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS)).code, 0);
  } finally {
    await client.shutdown();
    await s.close();
  }
});

Deno.test("RemotingClient refuses calls after shutdown", async () => {
  const logger = new MemoryLogger();
  const s = await startServer(logger);
  const client = new RemotingClient({ transport: s.transport, logger });
  try {
    await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    await client.shutdown();
    const error = await client.invoke(s.address, createRequest(ECHO), DEADLINE_MS).catch((e) => e);
    assert.equal(error.name, "RemotingConnectError");
  } finally {
    await client.shutdown();
    await s.close();
  }
});

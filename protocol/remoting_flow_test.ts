/**
 * Flow control over real TCP: permits, saturation waits and read pauses under bursts.
 */
import assert from "node:assert/strict";
import type { RemotingChannel } from "./remoting_channel.ts";
import { DenoTcpTransport } from "./adapters/deno_tcp_transport.ts";
import { MemoryLogger, nextEvent, RawPeer, withDeadline } from "./_remoting_testing.ts";
import { RemotingClient } from "./remoting_client.ts";
import { RemotingServer } from "./remoting_server.ts";
import { createRequest, createResponse } from "./remoting_command.ts";

const DEADLINE_MS = 5000;

Deno.test("a oneway frame being written when its connection closes gives its permit back", async () => {
  const transport = new DenoTcpTransport();
  const server = new RemotingServer({
    transport,
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: new MemoryLogger(),
    serverOnewaySemaphoreValue: 1,
  });
  await server.start();
  try {
    // A peer that never reads: the 8 MiB oneway frame stays in the middle of its write.
    const connected = nextEvent(server, "connect");
    const stuck = new RawPeer(
      await transport.connect({ hostname: "127.0.0.1", port: server.port }),
    );
    const [channel] = await withDeadline(connected, DEADLINE_MS, "connect");
    await channel.invokeOneway(createRequest(40, { body: new Uint8Array(8 * 1024 * 1024) }), 1000);
    const closed = nextEvent(server, "close");
    channel.close("test closes it mid-write");
    await withDeadline(closed, DEADLINE_MS, "close");
    await stuck.close();

    // No oneway is outstanding any more: a second connection must get the (only) permit.
    const connected2 = nextEvent(server, "connect");
    const reader = new RawPeer(
      await transport.connect({ hostname: "127.0.0.1", port: server.port }),
    );
    const [channel2]: [RemotingChannel] = await withDeadline(connected2, DEADLINE_MS, "connect 2");
    await channel2.invokeOneway(createRequest(40), 500); // fails: permit leaked
    const got = await withDeadline(reader.receive(), DEADLINE_MS, "the oneway request");
    assert.equal(got?.code, 40);
    await reader.close();
  } finally {
    await server.shutdown({ gracefulTimeoutMs: 100 });
  }
});

Deno.test("many concurrent 1 MiB invocations on one connection all get their responses", async () => {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  server.registerProcessor(1000, (request) => createResponse(request, 0));
  await server.start();
  const client = new RemotingClient({ transport, logger });
  const address = `127.0.0.1:${server.port}`;
  try {
    await client.invoke(address, createRequest(1000), 5000); // connect first
    const body = new Uint8Array(1024 * 1024);
    const calls = Array.from(
      { length: 200 },
      () => client.invoke(address, createRequest(1000, { body }), 20_000),
    );
    const results = await withDeadline(Promise.allSettled(calls), 30_000, "200 invocations");
    const failed = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    assert.equal(
      failed.length,
      0,
      `${failed.length} of 200 failed; first: ${failed[0]?.reason}; ${
        logger.lines.filter((l) => l.startsWith("warn")).slice(0, 2).join(" | ")
      }`,
    );
  } finally {
    await client.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 100 });
  }
});

const BIG = 2000;
const NOTIFY = 3000;

Deno.test("a server→client oneway during a burst of large requests does not stall the connection", async () => {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  const responseBody = new Uint8Array(1024 * 1024);
  let seen = 0;
  const notifyFailures: string[] = [];
  server.registerProcessor(BIG, (request, channel) => {
    // e.g. NOTIFY_CONSUMER_IDS_CHANGED pushed to a client that is also producing
    if (++seen % 8 === 0) {
      channel.invokeOneway(createRequest(NOTIFY), 3000).catch((error) =>
        notifyFailures.push(String(error))
      );
    }
    return createResponse(request, 0, undefined, undefined, responseBody);
  });
  await server.start();
  const client = new RemotingClient({ transport, logger });
  let notified = 0;
  client.registerProcessor(NOTIFY, () => {
    notified++;
    return null;
  });
  const address = `127.0.0.1:${server.port}`;
  try {
    await client.invoke(address, createRequest(BIG), 5000); // connect (seen = 1)
    const body = new Uint8Array(1024 * 1024);
    const calls = Array.from(
      { length: 96 },
      () => client.invoke(address, createRequest(BIG, { body }), 5000),
    );
    const results = await withDeadline(Promise.allSettled(calls), 20_000, "96 invocations");
    const failed = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    const stats = { client: client.stats(), server: server.stats() };
    assert.equal(
      failed.length,
      0,
      `${failed.length} of 96 failed; first: ${
        failed[0]?.reason
      }; notified=${notified}; seen=${seen}; notify failures: ${
        notifyFailures.slice(0, 2).join(" | ")
      }; ${JSON.stringify(stats)}`,
    );
  } finally {
    await client.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 100 });
  }
});

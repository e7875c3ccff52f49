/**
 * Flow control and robustness over real TCP: permits, saturation waits and read pauses under
 * bursts, idle sweeps of busy connections, processors outside their type, unusable timeouts.
 */
import assert from "node:assert/strict";
import type { RemotingChannel } from "./remoting_channel.ts";
import { DenoTcpTransport } from "./adapters/deno_tcp_transport.ts";
import { Latch, MemoryLogger, nextEvent, RawPeer, withDeadline } from "./_remoting_testing.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { ResponseCode } from "./response_code.ts";
import { INVOKE_TIMEOUT_MS_MAX } from "./limits.ts";
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

Deno.test("the idle sweep does not close a connection whose request is parked (long poll)", async () => {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({
    transport,
    hostname: "127.0.0.1",
    listenPort: 0,
    logger,
    serverChannelMaxIdleTimeSeconds: 0.2,
  });
  const parked = new Latch<(r: RemotingCommand) => void>();
  server.registerProcessor(
    11,
    (request) => new Promise((answer) => parked.resolve(() => answer(createResponse(request, 0)))),
  );
  server.registerProcessor(13, (request) => createResponse(request, 0));
  await server.start();
  const address = `127.0.0.1:${server.port}`;
  const client = new RemotingClient({ transport, logger });
  const witness = new RemotingClient({ transport, logger });
  try {
    const pull = client.invoke(address, createRequest(11), 5000);
    const answer = await withDeadline(parked.promise, 5000, "the parked pull");
    // A connection opened after the park, with nothing in flight: once the sweep closes it,
    // the busy connection (silent for longer) has been swept past too.
    const idle = nextEvent(server, "idle");
    assert.equal((await witness.invoke(address, createRequest(13), 5000)).code, 0);
    const [channel] = await withDeadline(idle, 5000, "idle sweep");
    assert.equal(channel.requestsInFlight, 0, "only the connection with nothing in flight");
    answer(createResponse(createRequest(11), 0));
    const response = await pull;
    assert.equal(response.code, 0, "the parked request's connection stayed open");
  } finally {
    await client.shutdown();
    await witness.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 100 });
  }
});

Deno.test("an async processor resolving to a non-command gets SYSTEM_ERROR, no uncaught error", async () => {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  // e.g. a JS processor that returns `response.code` instead of `response` by mistake
  server.registerProcessor(12, () => Promise.resolve(0 as unknown as RemotingCommand));
  server.registerProcessor(13, (request) => createResponse(request, 0));
  await server.start();
  const client = new RemotingClient({ transport, logger });
  const address = `127.0.0.1:${server.port}`;
  try {
    const response = await client.invoke(address, createRequest(12), 2000);
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.equal((await client.invoke(address, createRequest(13), 2000)).code, 0);
  } finally {
    await client.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 100 });
  }
});

async function setup(clientAsyncSemaphoreValue?: number) {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  const parked: { request: RemotingCommand; answer: (r: RemotingCommand | null) => void }[] = [];
  let latch = new Latch();
  server.registerProcessor(11, (request) =>
    new Promise((answer) => {
      parked.push({ request, answer });
      latch.resolve();
    }));
  await server.start();
  const client = new RemotingClient({ transport, logger, clientAsyncSemaphoreValue });
  return {
    client,
    address: `127.0.0.1:${server.port}`,
    parked,
    nextParked: () => {
      latch = new Latch();
      return withDeadline(latch.promise, 5000, "a parked request");
    },
    close: async () => {
      for (const p of parked) p.answer(null);
      await client.shutdown();
      await server.shutdown({ gracefulTimeoutMs: 100 });
    },
  };
}

Deno.test("invoke with a NaN timeout is refused (it would wait forever)", async () => {
  const s = await setup();
  try {
    for (const timeoutMs of [NaN, Infinity]) {
      await assert.rejects(
        s.client.invoke(s.address, createRequest(11), timeoutMs),
        new RegExp(`^RangeError: Cannot invoke with timeoutMs ${timeoutMs}`),
      );
      await assert.rejects(
        s.client.invokeOneway(s.address, createRequest(11), timeoutMs),
        RangeError,
      );
    }
    assert.equal(s.parked.length, 0, "nothing was sent");
  } finally {
    await s.close();
  }
});

Deno.test("the longest timeout waits for a permit; a longer one is refused, not fired at once", async () => {
  const s = await setup(1);
  try {
    await assert.rejects(
      s.client.invoke(s.address, createRequest(11), INVOKE_TIMEOUT_MS_MAX + 1),
      (error: unknown) => error instanceof RangeError && /up to 2147483647/.test(error.message),
    );
    const parked = s.nextParked();
    const first = s.client.invoke(s.address, createRequest(11), 5000);
    await parked;
    const next = s.nextParked();
    const second = s.client.invoke(s.address, createRequest(11), INVOKE_TIMEOUT_MS_MAX) // ~25 days
      .then((r) => r, (e) => e as Error);
    const p0 = s.parked[0];
    p0.answer(createResponse(p0.request, 0));
    assert.equal((await first).code, 0);
    const outcome = await withDeadline(
      Promise.race([next.then(() => "parked"), second.then((v) => `settled early: ${v}`)]),
      5000,
      "the second call to be parked or to settle",
    );
    assert.equal(outcome, "parked");
  } finally {
    await s.close();
  }
});

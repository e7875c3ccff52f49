import assert from "node:assert/strict";
import { DenoTcpTransport } from "./adapters/deno_tcp_transport.ts";
import { FrameDecodeError, HeaderDecodeError } from "./errors.ts";
import { OUTBOUND_BYTES_HIGH_WATER } from "./limits.ts";
import type { RemotingChannel } from "./remoting_channel.ts";
import { RemotingClient } from "./remoting_client.ts";
import { createRequest, createResponse } from "./remoting_command.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { RemotingError } from "./remoting_error.ts";
import { RemotingServer } from "./remoting_server.ts";
import type { RemotingServerOptions } from "./remoting_server.ts";
import { ResponseCode } from "./response_code.ts";
import { Latch, MemoryLogger, nextEvent, RawPeer, withDeadline } from "./_remoting_testing.ts";

const ECHO = 1000;
const PARK = 1001;
const THROW = 1002;
const CODED = 1003;
const BAD_HEADER = 1004;
const DEADLINE_MS = 5000;

interface Setup {
  server: RemotingServer;
  client: RemotingClient;
  transport: DenoTcpTransport;
  logger: MemoryLogger;
  address: string;
  /** requests parked by the PARK processor, to be answered by the test */
  parked: { request: RemotingCommand; answer: (r: RemotingCommand | null) => void }[];
  parkedLatch: () => Promise<void>;
  raw(): Promise<RawPeer>;
  close(): Promise<void>;
}

async function setup(options: Partial<RemotingServerOptions> = {}): Promise<Setup> {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({
    transport,
    hostname: "127.0.0.1",
    listenPort: 0,
    logger,
    ...options,
  });
  const parked: Setup["parked"] = [];
  let parkedWaiter: Latch | undefined;
  server.registerProcessor(
    ECHO,
    (request) =>
      createResponse(
        request,
        ResponseCode.SUCCESS,
        request.remark,
        request.extFields,
        request.body,
      ),
  );
  server.registerProcessor(PARK, (request) =>
    new Promise((answer) => {
      parked.push({ request, answer });
      parkedWaiter?.resolve();
    }));
  server.registerProcessor(THROW, () => {
    throw new TypeError("boom");
  });
  server.registerProcessor(CODED, () => {
    throw new RemotingError(
      ResponseCode.TOPIC_NOT_EXIST,
      "topic[T9] not exist, apply first please!",
    );
  });
  server.registerProcessor(BAD_HEADER, () => {
    throw new HeaderDecodeError("Cannot decode PULL_MESSAGE header: queueId is missing");
  });
  await server.start();
  const client = new RemotingClient({ transport, logger });
  const rawPeers: RawPeer[] = [];
  return {
    server,
    client,
    transport,
    logger,
    address: `127.0.0.1:${server.port}`,
    parked,
    parkedLatch: () => {
      parkedWaiter = new Latch();
      return withDeadline(parkedWaiter.promise, DEADLINE_MS, "a parked request");
    },
    raw: async () => {
      const peer = new RawPeer(
        await transport.connect({ hostname: "127.0.0.1", port: server.port }),
      );
      rawPeers.push(peer);
      return peer;
    },
    close: async () => {
      for (const p of parked) p.answer(null);
      await Promise.all(rawPeers.map((p) => p.close()));
      await client.shutdown();
      await server.shutdown({ gracefulTimeoutMs: 1000 });
    },
  };
}

Deno.test("RemotingServer answers a request in JSON and in ROCKETMQ", async () => {
  const s = await setup();
  try {
    for (const serializeType of ["JSON", "ROCKETMQ"] as const) {
      const client = new RemotingClient({
        transport: s.transport,
        serializeType,
        logger: s.logger,
      });
      const body = new Uint8Array([1, 2, 3]);
      const request = createRequest(ECHO, { extFields: { topic: "T1" }, remark: "hi", body });
      const response = await client.invoke(s.address, request, DEADLINE_MS);
      assert.equal(response.code, ResponseCode.SUCCESS);
      assert.equal(response.opaque, request.opaque);
      assert.equal(response.serializeType, serializeType);
      assert.deepEqual(response.extFields, { topic: "T1" });
      assert.deepEqual([...response.body!], [1, 2, 3]);
      await client.shutdown();
    }
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer answers many concurrent requests out of order, matched by opaque", async () => {
  const s = await setup();
  try {
    const count = 100;
    const latch = s.parkedLatch();
    const calls = Array.from(
      { length: count },
      (_, i) =>
        s.client.invoke(
          s.address,
          createRequest(PARK, { extFields: { i: String(i) } }),
          DEADLINE_MS,
        ),
    );
    while (s.parked.length < count) {
      await latch;
      if (s.parked.length < count) await s.parkedLatch();
    }
    for (const { request, answer } of [...s.parked].reverse()) {
      answer(createResponse(request, ResponseCode.SUCCESS, undefined, { i: request.extFields!.i }));
    }
    s.parked.length = 0;
    const responses = await Promise.all(calls);
    responses.forEach((r, i) => assert.equal(r.extFields?.i, String(i)));
  } finally {
    await s.close();
  }
});

Deno.test("RemotingClient.invoke fails with RemotingTimeoutError after its timeout", async () => {
  const s = await setup();
  try {
    const error = await s.client.invoke(s.address, createRequest(PARK), 50).then(
      () => assert.fail("no response expected"),
      (e) => e,
    );
    assert.equal(error.name, "RemotingTimeoutError");
    assert.equal(error.timeoutMs, 50);
    assert.match(error.message, /Timed out after 50 ms waiting for response from 127\.0\.0\.1:\d+/);
    assert.equal(s.client.stats().pendingInvokes, 0);
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer never answers oneway requests, even on error", async () => {
  const s = await setup();
  try {
    const peer = await s.raw();
    await peer.send(createRequest(THROW, { oneway: true, opaque: 1 }));
    await peer.send(createRequest(9999, { oneway: true, opaque: 2 }));
    await peer.send(createRequest(ECHO, { oneway: true, opaque: 3 }));
    await peer.send(createRequest(ECHO, { opaque: 4 }));
    const response = await withDeadline(peer.receive(), DEADLINE_MS, "echo response");
    assert.equal(response?.opaque, 4, "the first frame back answers the only two-way request");
    assert.ok(s.logger.lines.some((l) => l.includes("boom")), "the oneway error is logged");
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer answers an unknown code with REQUEST_CODE_NOT_SUPPORTED", async () => {
  const s = await setup();
  try {
    const response = await s.client.invoke(s.address, createRequest(9999), DEADLINE_MS);
    assert.equal(response.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(response.remark, " request type 9999 not supported");
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer answers SYSTEM_ERROR for a throwing processor, else the error's own code", async () => {
  const s = await setup();
  try {
    const failed = await s.client.invoke(s.address, createRequest(THROW), DEADLINE_MS);
    assert.equal(failed.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(failed.remark, "TypeError: boom");
    const coded = await s.client.invoke(s.address, createRequest(CODED), DEADLINE_MS);
    assert.equal(coded.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(coded.remark, "topic[T9] not exist, apply first please!");
    const header = await s.client.invoke(s.address, createRequest(BAD_HEADER), DEADLINE_MS);
    assert.equal(header.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(header.remark, "Cannot decode PULL_MESSAGE header: queueId is missing");
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer uses the default processor for codes without their own", async () => {
  const s = await setup();
  try {
    s.server.registerDefaultProcessor((request) =>
      createResponse(request, 0, `default ${request.code}`)
    );
    const response = await s.client.invoke(s.address, createRequest(4242), DEADLINE_MS);
    assert.equal(response.remark, "default 4242");
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer answers SYSTEM_BUSY [OVERLOAD] over the in-flight limit", async () => {
  const s = await setup({ requestsInFlightMaxPerConnection: 2 });
  try {
    let latch = s.parkedLatch();
    const first = s.client.invoke(s.address, createRequest(PARK), DEADLINE_MS);
    await latch;
    latch = s.parkedLatch();
    const second = s.client.invoke(s.address, createRequest(PARK), DEADLINE_MS);
    await latch;
    const third = await s.client.invoke(s.address, createRequest(PARK), DEADLINE_MS);
    assert.equal(third.code, ResponseCode.SYSTEM_BUSY);
    assert.match(third.remark!, /^\[OVERLOAD\]/);
    assert.equal(s.server.stats().requestsInFlight, 2);
    for (const { request, answer } of s.parked) answer(createResponse(request, 0));
    s.parked.length = 0;
    assert.equal((await first).code, 0);
    assert.equal((await second).code, 0);
    const fourth = await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(fourth.code, 0, "served again once below the limit");
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer closes an idle connection, emitting idle then close", async () => {
  const s = await setup({ serverChannelMaxIdleTimeSeconds: 0.05 });
  try {
    const events: string[] = [];
    s.server.on("idle", () => events.push("idle"));
    const closed = nextEvent(s.server, "close");
    await s.raw();
    const [channel] = await withDeadline(closed, DEADLINE_MS, "idle close");
    assert.deepEqual(events, ["idle"]);
    assert.match(channel.closeReason!, /^idle for \d+ ms$/);
    assert.equal(s.server.stats().connections, 0);
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer closes only the connection that sent a bad frame", async () => {
  const s = await setup();
  try {
    await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    const exception = nextEvent(s.server, "exception");
    const closed = nextEvent(s.server, "close");
    const peer = await s.raw();
    await peer.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    const [, error] = await withDeadline(exception, DEADLINE_MS, "exception event");
    assert.ok(error instanceof FrameDecodeError);
    assert.match(error.message, /length 2147483647 exceeds frameBytesMax 16777216/);
    await withDeadline(closed, DEADLINE_MS, "close event");
    assert.equal(await withDeadline(peer.receive(), DEADLINE_MS, "end of stream"), null);
    const response = await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(response.code, 0, "the other connection keeps working");
    assert.ok(s.logger.lines.some((l) => l.startsWith("warn: Closing connection 127.0.0.1:")));
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer serves the same processors on an extra (VIP) port", async () => {
  const s = await setup({ extraPorts: [0] });
  try {
    assert.equal(s.server.ports.length, 2);
    assert.equal(s.server.ports[0], s.server.port);
    const ports: number[] = [];
    s.server.registerProcessor(ECHO + 10, (request, channel) => {
      ports.push(channel.localPort);
      return createResponse(request, 0);
    });
    for (const port of s.server.ports) {
      const response = await s.client.invoke(
        `127.0.0.1:${port}`,
        createRequest(ECHO + 10),
        DEADLINE_MS,
      );
      assert.equal(response.code, 0);
    }
    assert.deepEqual(ports, s.server.ports);
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer.shutdown lets in-flight requests finish and refuses new ones", async () => {
  const s = await setup();
  try {
    const latch = s.parkedLatch();
    const inFlight = s.client.invoke(s.address, createRequest(PARK), DEADLINE_MS);
    await latch;
    const shutdown = s.server.shutdown({ gracefulTimeoutMs: DEADLINE_MS });
    const refused = await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(refused.code, ResponseCode.SYSTEM_BUSY);
    assert.match(refused.remark!, /^\[REJECTREQUEST\]/);
    const newer = await s.client.invoke(
      s.address,
      createRequest(ECHO, { version: 479 }),
      DEADLINE_MS,
    );
    assert.equal(newer.code, ResponseCode.GO_AWAY, "5.3.1+ clients are told to go away");
    const { request, answer } = s.parked.pop()!;
    answer(createResponse(request, 0, "finished"));
    assert.equal((await inFlight).remark, "finished");
    await withDeadline(shutdown, DEADLINE_MS, "shutdown");
    assert.equal(s.server.stats().connections, 0);
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer.shutdown closes connections after gracefulTimeoutMs", async () => {
  const s = await setup();
  try {
    const latch = s.parkedLatch();
    const inFlight = s.client.invoke(s.address, createRequest(PARK), DEADLINE_MS).then(
      () => "answered",
      (e) => e.name,
    );
    await latch;
    await withDeadline(s.server.shutdown({ gracefulTimeoutMs: 20 }), DEADLINE_MS, "shutdown");
    assert.equal(await inFlight, "RemotingSendRequestError");
  } finally {
    await s.close();
  }
});

Deno.test("RemotingChannel.invoke sends server→client requests over the client's connection", async () => {
  const s = await setup();
  try {
    const notified: string[] = [];
    s.client.registerProcessor(40, (request) => {
      notified.push(request.extFields!.consumerGroup);
      return null;
    });
    s.client.registerProcessor(41, (request) => createResponse(request, 0, "client says hi"));
    const connected = nextEvent(s.server, "connect");
    await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    const [channel] = await connected;
    const response = await channel.invoke(createRequest(41), DEADLINE_MS);
    assert.equal(response.remark, "client says hi");
    const oneway = createRequest(40, { extFields: { consumerGroup: "G1" } });
    await channel.invokeOneway(oneway);
    assert.ok((oneway.flag & 2) !== 0, "FLAG_ONEWAY set");
    await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.deepEqual(notified, ["G1"]);
  } finally {
    await s.close();
  }
});

Deno.test("RemotingChannel.invoke fails like RocketMQ when the async semaphore is exhausted", async () => {
  const s = await setup({ serverAsyncSemaphoreValue: 1 });
  try {
    const held: ((r: RemotingCommand) => void)[] = [];
    const latch = new Latch();
    s.client.registerProcessor(41, (request) =>
      new Promise((resolve) => {
        held.push((r) => resolve(r ?? createResponse(request, 0)));
        latch.resolve();
      }));
    const connected = nextEvent(s.server, "connect");
    await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    const [channel] = await connected;
    const first = channel.invoke(createRequest(41), DEADLINE_MS);
    await withDeadline(latch.promise, DEADLINE_MS, "client processor");
    const tooFast = await channel.invoke(createRequest(41), 0).catch((e) => e);
    assert.equal(tooFast.name, "RemotingTooMuchRequestError");
    assert.equal(tooFast.message, "invokeAsyncImpl invoke too fast");
    const timedOut = await channel.invoke(createRequest(41), 30).catch((e) => e);
    assert.equal(timedOut.name, "RemotingTimeoutError");
    assert.match(timedOut.message, /semaphore within 30 ms: 0 waiting, 0 of 1 permits available/);
    held[0](undefined as unknown as RemotingCommand);
    assert.equal((await first).code, 0);
  } finally {
    await s.close();
  }
});

Deno.test("RemotingChannel.invokeOneway fails like RocketMQ when the oneway semaphore is exhausted", async () => {
  const s = await setup({ serverOnewaySemaphoreValue: 1 });
  try {
    const seen: number[] = [];
    s.client.registerProcessor(40, (request) => {
      seen.push(Number(request.extFields!.n));
      return null;
    });
    const connected = nextEvent(s.server, "connect");
    await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    const [channel] = await connected;
    const first = channel.invokeOneway(createRequest(40, { extFields: { n: "1" } }), 1000);
    const tooFast = await channel.invokeOneway(createRequest(40, { extFields: { n: "2" } }), 0)
      .catch((e) => e);
    assert.equal(tooFast.message, "invokeOnewayImpl invoke too fast");
    await first;
    const waited = channel.invokeOneway(createRequest(40, { extFields: { n: "3" } }), DEADLINE_MS);
    await withDeadline(waited, DEADLINE_MS, "permit released once the first frame is written");
    await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.deepEqual(seen, [1, 3]);
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer stops reading a peer that does not read, and serves others meanwhile", async () => {
  const s = await setup();
  try {
    const responseBytes = 256 * 1024;
    const total = 200;
    let processed = 0;
    const enough = new Latch();
    const body = new Uint8Array(responseBytes);
    s.server.registerProcessor(ECHO + 20, (request) => {
      if (++processed === OUTBOUND_BYTES_HIGH_WATER / responseBytes) enough.resolve();
      return createResponse(request, 0, undefined, undefined, body);
    });
    const slow = await s.raw();
    for (let i = 0; i < total; i++) await slow.send(createRequest(ECHO + 20, { opaque: i }));
    await withDeadline(enough.promise, DEADLINE_MS, "the slow peer's requests to be processed");
    const response = await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(response.code, 0, "another connection is served while one is stuck");
    const stats = s.server.stats();
    assert.ok(processed < total, `reading stopped: ${processed} of ${total} requests processed`);
    assert.ok(
      stats.outboundBytesPeak <= OUTBOUND_BYTES_HIGH_WATER + 2 * (responseBytes + 1024),
      `outbound peak ${stats.outboundBytesPeak} stays near the high-water mark`,
    );
    assert.ok(stats.outboundBytesPeak >= OUTBOUND_BYTES_HIGH_WATER, "the queue was filled");
  } finally {
    await s.close();
  }
});

Deno.test("RemotingServer emits connect and close for each connection", async () => {
  const s = await setup();
  try {
    const seen: RemotingChannel[] = [];
    s.server.on("connect", (c) => seen.push(c));
    const closed = nextEvent(s.server, "close");
    await s.client.invoke(s.address, createRequest(ECHO), DEADLINE_MS);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].language, "OTHER");
    assert.equal(seen[0].version, 409);
    assert.equal(seen[0].remoteAddress, s.client.channels[0].localAddress);
    s.client.closeChannel(s.address);
    const [channel] = await withDeadline(closed, DEADLINE_MS, "close event");
    assert.equal(channel, seen[0]);
    assert.equal(channel.closeReason, "closed by peer");
  } finally {
    await s.close();
  }
});

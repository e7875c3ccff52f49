/**
 * Sends to many new topics behind a name server that takes route queries and never answers (a
 * hung or partitioned host). As RocketMQ, whose route lookup waits at most LOCK_TIMEOUT_MILLIS
 * (3 s) for the client's name-server lock, every send fails within two lookups' lock waits and
 * timeouts. Before (found by helper-138), the lookups queued without bound: the n-th send waited
 * n × mqClientApiTimeout (20 s for the 40 here), and shutdown with it.
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import type { RemotingCommand } from "../protocol/remoting_command.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { startTestProducer } from "./_client_testing.ts";
import { NAMESRV_LOCK_WAIT_MS } from "./limits.ts";

Deno.test("Producer: first sends to 40 new topics behind a hung name server fail within the lock wait", async () => {
  const hung = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  hung.registerProcessor(
    RequestCode.GET_ROUTEINFO_BY_TOPIC,
    () => new Promise<RemotingCommand>(() => {}),
  );
  await hung.start();
  const apiTimeoutMs = 500;
  const producer = await startTestProducer(`127.0.0.1:${hung.port}`, {
    mqClientApiTimeout: apiTimeoutMs,
    pollNameServerInterval: 3_600_000,
  });
  try {
    const began = performance.now();
    const outcomes = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) =>
          producer.send({ topic: `NewTopic${i}`, body: "x" }, { timeoutMs: 1000 }).then(
            () => "sent",
            () => performance.now() - began,
          ),
      ),
    );
    assert.ok(outcomes.every((outcome) => typeof outcome === "number"), "every send failed");
    const slowest = Math.max(...(outcomes as number[]));
    // The topic's lookup, then TBW102's: each waits for the lock at most NAMESRV_LOCK_WAIT_MS.
    const bound = 2 * (NAMESRV_LOCK_WAIT_MS + apiTimeoutMs) + 3000;
    assert.ok(slowest < bound, `the slowest send failed after ${Math.round(slowest)} ms`);
  } finally {
    await producer.shutdown();
    await hung.shutdown();
  }
});

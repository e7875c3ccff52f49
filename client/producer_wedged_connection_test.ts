/**
 * A broker connection that stops answering (the peer's end wedged, or a middlebox silently lost
 * the flow while the broker itself is fine) must not hold a client hostage: RocketMQ's
 * `NettyRemotingClient.invokeSync` closes the channel when a call times out
 * (`clientCloseSocketIfTimeout`, default true), so the next call to that address connects afresh.
 * The stand-in here is a TCP relay in front of a real broker that swallows everything sent over
 * the first connection it accepts and relays every later one.
 */

import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingTimeoutError } from "../protocol/remoting_error.ts";
import { registerRoute, startTestBroker } from "../tests/broker_test_env.ts";
import { startTestProducer } from "./_client_testing.ts";

interface WedgingRelay {
  readonly addr: string;
  /** connections accepted so far */
  readonly accepted: () => number;
  close(): Promise<void>;
}

/** Relays to `target`, except that the first connection is read and never answered. */
function startWedgingRelay(targetPort: number): WedgingRelay {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const pipes: Promise<unknown>[] = [];
  const settle = (p: Promise<void>) => pipes.push(p.then(() => undefined, (error) => error));
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      if (conns.length === 1) {
        settle(conn.readable.pipeTo(new WritableStream()));
        continue;
      }
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      conns.push(upstream);
      settle(conn.readable.pipeTo(upstream.writable));
      settle(upstream.readable.pipeTo(conn.writable));
    }
  })();
  return {
    addr: `127.0.0.1:${listener.addr.port}`,
    accepted: () => conns.filter((_, i) => i === 0 || i % 2 === 1).length,
    async close() {
      listener.close();
      await accepting;
      for (const conn of conns) {
        try {
          conn.close();
        } catch (error) {
          if (!(error instanceof Deno.errors.BadResource)) throw error; // a pipe closed it
        }
      }
      await Promise.all(pipes);
    },
  };
}

Deno.test("Producer reconnects to a broker whose connection timed out, as RocketMQ's clientCloseSocketIfTimeout", async () => {
  const env = await startTestBroker();
  const relay = startWedgingRelay(env.broker.port);
  const unregister = await registerRoute(env.namesrvAddr!, {
    brokerName: "broker-relayed",
    brokerAddr: relay.addr,
  }, [{ name: "TopicWedged", queues: 2, perm: 6 }, { name: "broker-relayed", queues: 1, perm: 7 }]);
  const producer = await startTestProducer(env.namesrvAddr!, {
    retryTimesWhenSendFailed: 0,
    logger: silentRemotingLogger,
  });
  try {
    const first = await producer.send({ topic: "TopicWedged", body: "a" }, { timeoutMs: 500 })
      .then((r) => r.sendStatus, (error: Error) => error);
    assert.ok(first instanceof Error, `the wedged connection times out, got ${first}`);
    assert.ok(first.cause instanceof RemotingTimeoutError, `caused by the timeout: ${first.cause}`);
    const second = await producer.send({ topic: "TopicWedged", body: "b" }, { timeoutMs: 3000 })
      .then((r) => r.sendStatus, (error: Error) => `${error.name}: ${error.message}`);
    assert.equal(second, "SEND_OK", "the next send goes over a fresh connection");
    assert.equal(relay.accepted(), 2);
  } finally {
    await producer.shutdown();
    await unregister();
    await relay.close();
    await env.close();
  }
});

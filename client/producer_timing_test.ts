import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createResponse } from "../protocol/remoting_command.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { registerRoute, startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";
import { startTestProducer, testClientOptions } from "./_client_testing.ts";
import { AdminClient } from "./admin_client.ts";

/**
 * A name server in front of the broker's whose first route lookup of `slowTopic` takes `costMs`
 * of the producer's manual clock (a loaded or distant name server): it moves the clock on,
 * nothing sleeps.
 */
async function slowNamesrv(
  env: TestBroker,
  clock: ManualClock,
  slowTopic: string,
  costMs: number,
) {
  const server = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  const upstream = new RemotingClient({
    transport: new DenoTcpTransport(),
    logger: silentRemotingLogger,
  });
  let looked = false;
  server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, async (request) => {
    const answer = await upstream.invoke(env.namesrvAddr!, { ...request }, 3000);
    // Only the send's own lookup: the instance's first route poll (10 ms of real time after
    // start; it looks up TBW102, and later the topic again) may land during the send.
    if (request.extFields?.topic === slowTopic && !looked) clock.advance(costMs);
    if (request.extFields?.topic === slowTopic) looked = true;
    return createResponse(request, answer.code, answer.remark, answer.extFields, answer.body);
  });
  await server.start();
  return {
    address: `127.0.0.1:${server.port}`,
    async close() {
      await upstream.shutdown();
      await server.shutdown();
    },
  };
}

/** A broker with TopicTiming, and a producer that finds it through a name server taking 700 ms. */
async function withSlowRoute(
  producerOptions: { sendLatencyFaultEnable?: boolean },
  fn: (
    send: (timeoutMs?: number, queueId?: number) => Promise<string>,
    isAvailable: () => boolean,
  ) => Promise<void>,
) {
  const env = await startTestBroker();
  const admin = new AdminClient({
    ...testClientOptions(env.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const clock = new ManualClock();
  const namesrv = await slowNamesrv(env, clock, "TopicTiming", 700);
  try {
    await admin.createTopic(env.address, {
      topicName: "TopicTiming",
      readQueueNums: 4,
      writeQueueNums: 4,
    });
    await env.broker.registration!.registerNow();
    const producer = await startTestProducer(namesrv.address, {
      clock,
      pollNameServerInterval: 3_600_000,
      ...producerOptions,
    });
    try {
      await fn(
        (timeoutMs, queueId) =>
          producer.send({ topic: "TopicTiming", body: "x" }, {
            timeoutMs,
            messageQueue: queueId === undefined
              ? undefined
              : { topic: "TopicTiming", brokerName: "broker-test", queueId },
          }).then(
            (result) => result.sendStatus,
            (error: Error) => error.message,
          ),
        () => producer.faultStrategy!.latencyFaultTolerance.isAvailable("broker-test"),
      );
    } finally {
      await producer.shutdown();
    }
  } finally {
    await namesrv.close();
    await admin.shutdown();
    await env.close();
  }
}

Deno.test("Producer does not charge a route lookup to the broker as send latency", async () => {
  await withSlowRoute({ sendLatencyFaultEnable: true }, async (send, isAvailable) => {
    assert.equal(await send(), "SEND_OK");
    // The broker answered while the manual clock stood still: RocketMQ measures from just before
    // the attempt, so ~0 ms is recorded and the broker is not avoided for 30 s.
    assert.equal(isAvailable(), true, "the 700 ms lookup was charged to the broker");
  });
});

Deno.test("Producer counts a route lookup against the send timeout", async () => {
  await withSlowRoute({}, async (send) => {
    // RocketMQ's sendDefaultImpl finds 700 ms spent of 500 before its first attempt.
    assert.match(await send(500), /^sendDefaultImpl call timeout/);
  });
});

Deno.test("Producer counts a route lookup against a send to a given queue", async () => {
  await withSlowRoute({}, async (send) => {
    // The broker's address is looked up first; RocketMQ's sendKernelImpl then finds 700 of 500 ms
    // spent (costTimeSync) and sends nothing.
    assert.match(await send(500, 1), /^sendKernelImpl call timeout/);
    assert.equal(await send(undefined, 1), "SEND_OK");
  });
});

Deno.test("Producer spends a send's timeout waiting for a permit, and sends nothing when it runs out", async () => {
  const env = await startTestBroker();
  // A broker stuck on a disk or a pause: registered like a real one, never answers a send.
  const stuck = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  const never = Promise.withResolvers<null>();
  let requests = 0;
  stuck.registerProcessor(RequestCode.SEND_MESSAGE_V2, () => {
    requests++;
    return never.promise;
  });
  await stuck.start();
  const unregister = await registerRoute(env.namesrvAddr!, {
    brokerName: "broker-stuck",
    brokerAddr: `127.0.0.1:${stuck.port}`,
  }, [{ name: "TopicStuck", queues: 2, perm: 6 }, { name: "broker-stuck", queues: 1, perm: 7 }]);
  const producer = await startTestProducer(env.namesrvAddr!, { maxInFlight: 1 });
  try {
    await producer.fetchPublishMessageQueues("TopicStuck");
    const settle = (timeoutMs: number) =>
      producer.send({ topic: "TopicStuck", body: "x" }, { timeoutMs }).then(
        (result) => result.sendStatus,
        (error: Error) => error.message,
      );
    const holder = settle(5_000); // holds the only permit until the broker answers or 5 s pass
    const waiter = settle(200);
    assert.match(await waiter, /^send message tryAcquire semaphoreAsyncNum timeout/);
    assert.equal(requests, 1, "the send that ran out of time waiting was never sent");
    never.resolve(null); // no answer for the holder: the broker goes away instead
    await stuck.shutdown();
    assert.notEqual(await holder, "SEND_OK");
  } finally {
    await producer.shutdown();
    await unregister();
    await stuck.shutdown();
    await env.close();
  }
});

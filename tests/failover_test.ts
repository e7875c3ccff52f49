/**
 * Clients across a broker crash: a broker child process is killed with SIGKILL and restarted on
 * the same port and store while a push consumer and a producer keep running, with RocketMQ's
 * default heartbeat interval (30 s). Every message acknowledged SEND_OK reaches the consumer soon
 * after the restart: the client heartbeats a broker as soon as it connects to it again (RocketMQ
 * 5.x `MQClientInstance` `onChannelActive`), so the restarted broker knows the group before the
 * next periodic heartbeat.
 */

import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { staticClientEnv } from "../client/client_env.ts";
import { AdminClient } from "../client/admin_client.ts";
import { MQClientError } from "../client/client_error.ts";
import { startTestProducer, testClientOptions } from "../client/_client_testing.ts";
import { Signal, testPushConsumer, waitUntil } from "../client/consumer/_consumer_testing.ts";
import { spawnBroker, type SpawnedServer, spawnNamesrv } from "./broker_test_env.ts";

function startBroker(dir: string, namesrvAddr: string, port = 0): Promise<SpawnedServer> {
  return spawnBroker({
    dir,
    namesrvAddr,
    brokerName: "broker-fo",
    properties: { listenPort: String(port), haListenPort: "0" },
  });
}

for (const orderly of [false, true]) {
  Deno.test(`PushConsumer (orderly ${orderly}) resumes at once after its broker is SIGKILLed and restarted`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "edgemq_failover_" });
    const namesrv = await spawnNamesrv(dir);
    let broker = await startBroker(dir, namesrv.address);
    const port = Number(broker.address.split(":")[1]);
    const admin = new AdminClient({
      ...testClientOptions(namesrv.address),
      env: staticClientEnv({ pid: 4242 }),
      logger: silentRemotingLogger,
    });
    const producer = await startTestProducer(namesrv.address, { pollNameServerInterval: 100 });
    const topic = "TopicFailover";
    const received = new Set<string>();
    const arrived = new Signal();
    const consumer = testPushConsumer(namesrv.address, {
      consumerGroup: "CG_FAILOVER",
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      pullTimeDelayMillsWhenException: 200,
      heartbeatBrokerInterval: 30_000, // RocketMQ's default
    });
    consumer.subscribe(topic, "*");
    const take = (bodies: string[]) => {
      for (const body of bodies) received.add(body);
      arrived.fire();
    };
    if (orderly) {
      consumer.registerOrderlyListener((msgs) => {
        take(msgs.map((m) => m.bodyText));
        return "SUCCESS";
      });
    } else {
      consumer.registerMessageListener((msgs) => {
        take(msgs.map((m) => m.bodyText));
        return "CONSUME_SUCCESS";
      });
    }
    const sent: string[] = [];
    const sendAll = async (prefix: string) => {
      for (let i = 0; i < 20; i++) {
        const result = await producer.send({ topic, body: `${prefix}-${i}` });
        assert.equal(result.sendStatus, "SEND_OK");
        sent.push(`${prefix}-${i}`);
      }
    };
    const allReceived = (what: string, timeoutMs: number) =>
      waitUntil(what, () => sent.every((b) => received.has(b)), arrived.subscribe, timeoutMs)
        .catch((error) => {
          const missing = sent.filter((b) => !received.has(b));
          throw new Error(`${(error as Error).message}; missing ${missing.join(",")}`);
        });
    try {
      await admin.createTopic(broker.address, {
        topicName: topic,
        readQueueNums: 4,
        writeQueueNums: 4,
      });
      const startedAt = Date.now();
      await consumer.start();
      // The first periodic heartbeat comes 1 s after start (FIRST_HEARTBEAT_DELAY_MS); once it
      // is behind us, the next is 30 s away.
      let periodic = false;
      const beat = new Signal();
      const off = consumer.clientInstance!.on("heartbeat", () => {
        if (Date.now() - startedAt >= 1000) periodic = true;
        beat.fire();
      });
      await sendAll("a");
      await allReceived("the messages sent before the crash", 8000);
      await waitUntil("the first periodic heartbeat", () => periodic, beat.subscribe, 5000);
      off();

      await broker.process.kill();
      await assert.rejects(
        producer.send({ topic, body: "down" }),
        (error: unknown) =>
          error instanceof MQClientError && /Send \[3\] times/.test(error.message),
      );
      broker = await startBroker(dir, namesrv.address, port);
      await sendAll("b");
      // Before: no heartbeat reached the restarted broker for 30 s, so it refused every pull of
      // the group (SUBSCRIPTION_NOT_EXIST) and nothing sent after the restart was consumed.
      await allReceived("the messages sent after the restart", 5000);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
      await admin.shutdown();
      await broker.process.kill();
      await namesrv.process.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/**
 * The consumers against `namesrv/main.ts` and `broker/main.ts` running as separate processes.
 */
import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { type SpawnedMain, spawnMain } from "../tests/broker_test_env.ts";
import { startTestProducer, testClientOptions } from "./_client_testing.ts";
import { AdminClient } from "./admin_client.ts";
import { staticClientEnv } from "./client_env.ts";
import {
  Signal,
  testPullConsumer,
  testPushConsumer,
  waitUntil,
} from "./consumer/_consumer_testing.ts";

async function startProcesses(
  dir: string,
): Promise<{ namesrv: SpawnedMain; broker: SpawnedMain; namesrvAddr: string; brokerAddr: string }> {
  await Deno.writeTextFile(
    `${dir}/namesrv.conf`,
    `listenPort=0\nbindAddress=127.0.0.1\nhttpAdminPort=0\nkvConfigPath=${dir}/namesrv/kvConfig.json\n`,
  );
  const namesrv = await spawnMain(
    "namesrv/main.ts",
    ["-c", `${dir}/namesrv.conf`],
    /Name server listening on [\d.]+:(\d+)/,
  );
  const namesrvAddr = `127.0.0.1:${namesrv.match[1]}`;
  await Deno.writeTextFile(
    `${dir}/broker.conf`,
    [
      "brokerName=broker-proc",
      "listenPort=0",
      "bindAddress=127.0.0.1",
      "brokerIP1=127.0.0.1",
      "httpAdminPort=0",
      `storePathRootDir=${dir}/store`,
      `mappedFileSizeCommitLog=${16 * 1024 * 1024}`,
      "",
    ].join("\n"),
  );
  let broker: SpawnedMain;
  try {
    broker = await spawnMain(
      "broker/main.ts",
      ["-c", `${dir}/broker.conf`, "-n", namesrvAddr],
      /EdgeMQ broker listening on 127\.0\.0\.1:(\d+)/,
    );
  } catch (error) {
    await namesrv.stop();
    throw error;
  }
  return { namesrv, broker, namesrvAddr, brokerAddr: `127.0.0.1:${broker.match[1]}` };
}

Deno.test("PushConsumer and PullConsumer consume from name server and broker processes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_consumer_proc_" });
  const { namesrv, broker, namesrvAddr, brokerAddr } = await startProcesses(dir);
  const admin = new AdminClient({
    ...testClientOptions(namesrvAddr),
    env: staticClientEnv({ pid: 4242 }),
    logger: silentRemotingLogger,
  });
  const producer = await startTestProducer(namesrvAddr, { pollNameServerInterval: 50 });
  const topic = "TopicProc";
  const push = testPushConsumer(namesrvAddr, {
    consumerGroup: "CG_PROC_PUSH",
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
  });
  const pull = testPullConsumer(namesrvAddr, {
    consumerGroup: "CG_PROC_PULL",
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
  });
  try {
    await admin.createTopic(brokerAddr, { topicName: topic, readQueueNums: 4, writeQueueNums: 4 });
    const pushed = new Set<string>();
    const arrived = new Signal();
    push.subscribe(topic, "*");
    push.registerMessageListener((msgs) => {
      for (const msg of msgs) pushed.add(msg.bodyText);
      arrived.fire();
      return "CONSUME_SUCCESS";
    });
    const routed = new Signal();
    push.on("messageQueueChanged", () => routed.fire());
    await push.start();
    await waitUntil(
      "the topic's route at the push consumer",
      () => push.assignedQueues(topic).length === 4,
      routed.subscribe,
      20_000,
    );
    const total = 40;
    for (let i = 0; i < total; i++) await producer.send({ topic, body: `x-${i}` });
    await waitUntil(`${total} pushed messages`, () => pushed.size === total, arrived.subscribe);
    pull.subscribe(topic, "*");
    await pull.start();
    const pulled = new Set<string>();
    // the deadline ends the iteration by shutting the consumer down
    const deadline = setTimeout(() => void pull.shutdown(), 15_000);
    for await (const msg of pull) {
      pulled.add(msg.bodyText);
      if (pulled.size === total) break;
    }
    clearTimeout(deadline);
    assert.equal(pulled.size, total);
  } finally {
    await pull.shutdown();
    await push.shutdown();
    await producer.shutdown();
    await admin.shutdown();
    await broker.stop();
    await namesrv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

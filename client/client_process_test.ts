/**
 * The client against `namesrv/main.ts` and `broker/main.ts` running as separate processes, in both
 * header serializations.
 */
import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { type SpawnedMain, spawnMain } from "../tests/broker_test_env.ts";
import { pullMessages, startTestProducer, testClientOptions } from "./_client_testing.ts";
import { AdminClient } from "./admin_client.ts";

async function startProcesses(
  dir: string,
): Promise<{ namesrv: SpawnedMain; broker: SpawnedMain; ns: string; broker_: string }> {
  await Deno.writeTextFile(
    `${dir}/namesrv.conf`,
    `listenPort=0\nbindAddress=127.0.0.1\nhttpAdminPort=0\nkvConfigPath=${dir}/kvConfig.json\n`,
  );
  const namesrv = await spawnMain(
    "namesrv/main.ts",
    ["-c", `${dir}/namesrv.conf`],
    /Name server listening on [\d.]+:(\d+)/,
  );
  const ns = `127.0.0.1:${namesrv.match[1]}`;
  try {
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
    const broker = await spawnMain(
      "broker/main.ts",
      ["-c", `${dir}/broker.conf`, "-n", ns],
      /EdgeMQ broker listening on 127\.0\.0\.1:(\d+)/,
    );
    return { namesrv, broker, ns, broker_: `127.0.0.1:${broker.match[1]}` };
  } catch (error) {
    await namesrv.stop();
    throw error;
  }
}

Deno.test("Producer and AdminClient work against name server and broker processes in JSON and ROCKETMQ headers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_client_" });
  const { namesrv, broker, ns, broker_ } = await startProcesses(dir);
  try {
    for (const serializeType of ["JSON", "ROCKETMQ"] as const) {
      const topic = `TopicProc${serializeType}`;
      const producer = await startTestProducer(ns, { serializeType });
      const admin = new AdminClient({
        ...testClientOptions(ns),
        serializeType,
        logger: silentRemotingLogger,
      });
      try {
        const cluster = await admin.clusterInfo();
        assert.equal(cluster.brokerAddrTable.get("broker-proc")?.brokerAddrs.get(0), broker_);
        const single = await producer.send({ topic, body: "single", tags: "TagA", keys: "k1" });
        assert.equal(single.sendStatus, "SEND_OK");
        const mq = single.messageQueue;
        const batch = await producer.send([{ topic, body: "b1" }, { topic, body: "b2" }], {
          messageQueue: mq,
        });
        await producer.sendOneway({ topic, body: "oneway" }, { messageQueue: mq });
        const big = "x".repeat(5000);
        await producer.send({ topic, body: big }, { messageQueue: mq });
        const messages = await pullMessages(producer.clientInstance!.api, broker_, {
          topic,
          queueId: mq.queueId,
          queueOffset: single.queueOffset,
          count: 5,
        });
        assert.deepEqual(messages.map((m) => m.bodyText), ["single", "b1", "b2", "oneway", big]);
        assert.equal(messages[0].msgId, single.msgId);
        assert.deepEqual(messages.slice(1, 3).map((m) => m.msgId), batch.msgId.split(","));
        assert.equal(messages[4].sysFlag & 0x301, 0x301);
        const viewed = await admin.viewMessage(single.offsetMsgId);
        assert.equal(viewed.keys, "k1");
      } finally {
        await admin.shutdown();
        await producer.shutdown();
      }
    }
  } finally {
    await broker.stop();
    await namesrv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { startTestProducer } from "../client/_client_testing.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { cliOn, ok } from "./_tools_testing.ts";

Deno.test("mqadmin deleteExpiredCommitLog, cleanExpiredCQ and cleanUnusedTopic clean a broker's store", async () => {
  // Small segments kept 0 hours: every segment but the newest is expired at once.
  const env = await startTestBroker({
    properties: { mappedFileSizeCommitLog: "4096", maxMessageSize: "2048", fileReservedTime: "0" },
  });
  const cli = cliOn(env.namesrvAddr!);
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const store = env.broker.store;
  const cqs = store.consumeQueueStore;
  try {
    for (const [topic, count] of [["TopicOld", 30], ["TopicNew", 30], ["TopicGone", 1]] as const) {
      for (let i = 0; i < count; i++) {
        const sent = await client.send(topic, new Uint8Array(300), { queueId: 0 });
        assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      }
    }
    await store.waitDispatched();
    await store.flush();
    await env.broker.registration!.registerNow();
    const segments = store.commitLog.segments.length;
    assert.ok(segments >= 5, `${segments} segments`);

    assert.equal(ok(await cli(`deleteExpiredCommitLog -b ${env.address}`)).out, "success\n");
    await store.runCleanOnce(); // shares or follows the pass the request started
    assert.equal(store.commitLog.segments.length, 1, "only the newest segment is kept");
    const minOffset = store.getCommitLogMinOffset();
    assert.ok(cqs.findConsumeQueue("TopicOld", 0)!.maxPhysicalOffset < minOffset);

    // All of TopicOld's messages are gone: its queue goes, and it starts again at offset 0.
    assert.equal(ok(await cli("cleanExpiredCQ -c DefaultCluster")).out, "success\n");
    assert.equal(cqs.findConsumeQueue("TopicOld", 0), undefined);
    assert.equal(await Deno.stat(`${env.dir}/consumequeue/TopicOld`).catch(() => null), null);
    assert.ok(
      cqs.findConsumeQueue("TopicNew", 0) !== undefined,
      "a queue with live messages stays",
    );
    const again = await client.send("TopicOld", "again", { queueId: 0 });
    assert.equal(again.extFields?.queueOffset, "0");

    // A topic the broker has no config for loses its consume queues; configured topics keep theirs.
    await env.broker.topicConfigManager.deleteTopicConfig("TopicGone");
    assert.ok(cqs.findConsumeQueue("TopicGone", 0) !== undefined);
    assert.equal(ok(await cli("cleanUnusedTopic")).out, "success\n");
    assert.equal(cqs.findConsumeQueue("TopicGone", 0), undefined);
    assert.ok(cqs.findConsumeQueue("TopicNew", 0) !== undefined);

    const unknown = await cli("cleanUnusedTopic -c NoSuchCluster");
    assert.equal(unknown.code, 1);
    assert.equal(unknown.err, "Cannot find cluster NoSuchCluster in the name servers\n");
    const down = await cli("cleanExpiredCQ -b 127.0.0.1:1");
    assert.equal(down.code, 1);
    assert.match(down.out, /^Cannot clean expired ConsumeQueue of 127\.0\.0\.1:1: /);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("mqadmin producer lists the producers connected to a broker", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const producer = await startTestProducer(env.namesrvAddr!, { producerGroup: "PG_LISTED" });
  try {
    await producer.send({ topic: "TopicProducer", body: "x" });
    await producer.clientInstance!.sendHeartbeatToAllBrokerWithLock();
    const lines = ok(await cli(`producer -b ${env.address}`)).out.split("\n");
    const line = lines.find((l) => l.startsWith("producer group (PG_LISTED) instance : "));
    assert.match(
      line ?? lines.join("\n"),
      /^producer group \(PG_LISTED\) instance : clientId=127\.0\.0\.1@\S+,remoteIP=\/127\.0\.0\.1:\d+, language=\w+, version=\d+, lastUpdateTimestamp=\d{13}$/,
    );
    const missing = await cli("producer");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /missing required option -b \(broker\)/);
  } finally {
    await producer.shutdown();
    await env.close();
  }
});

Deno.test("mqadmin getConsumerConfig prints a group's subscription config per broker", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  try {
    ok(await cli("updateSubGroup -b " + env.address + " -g CG_CONF -r 5 -q 2 -d false"));
    const lines = ok(await cli("getConsumerConfig -g CG_CONF")).out.split("\n");
    assert.equal(
      lines[0],
      "=============================DefaultCluster:broker-test=============================",
    );
    const field = (name: string, value: string) => `${name.padEnd(40)}=  ${value}`;
    assert.deepEqual(lines.slice(1), [
      field("groupName", "CG_CONF"),
      field("consumeEnable", "true"),
      field("consumeFromMinEnable", "false"), // updateSubGroup's default
      field("consumeBroadcastEnable", "false"),
      field("retryQueueNums", "2"),
      field("retryMaxTimes", "5"),
      field("brokerId", "0"),
      field("whichBrokerWhenConsumeSlowly", "1"),
      field("notifyConsumerIdsChangedEnable", "true"),
      "",
    ]);
    assert.deepEqual(ok(await cli("getConsumerConfig -g CG_NONE")).out, "");
    const missing = await cli("getConsumerConfig");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /missing required option -g \(groupName\)/);
  } finally {
    await env.close();
  }
});

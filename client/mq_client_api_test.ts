import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createResponse, type RemotingCommand } from "../protocol/remoting_command.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { startTestProducer, testInstance } from "./_client_testing.ts";
import { MessageExt } from "./message.ts";

Deno.test("MQClientAPI reads queue bounds and consumer offsets from a real broker", async () => {
  const env = await startTestBroker();
  const producer = await startTestProducer(env.namesrvAddr!);
  try {
    const api = producer.clientInstance!.api;
    const mq = { topic: "TopicBounds", brokerName: "broker-test", queueId: 0 };
    const first = await producer.send({ topic: "TopicBounds", body: "a" }, { messageQueue: mq });
    await producer.send({ topic: "TopicBounds", body: "b" }, { messageQueue: mq });
    await producer.send({ topic: "TopicBounds", body: "c" }, { messageQueue: mq });
    await env.broker.store.waitDispatched();
    const q = { topic: "TopicBounds", queueId: 0 };
    assert.equal(await api.queueBound(env.address, "max", q, 3000), 3);
    assert.equal(await api.queueBound(env.address, "min", q, 3000), 0);
    const stored = await api.viewMessage(
      env.address,
      Number.parseInt(first.offsetMsgId.slice(16), 16),
      3000,
    );
    assert.equal(await api.queueBound(env.address, "earliest", q, 3000), stored.storeTimestamp);
    assert.equal(
      await api.queueBound(env.address, "search", { ...q, timestamp: stored.storeTimestamp }, 3000),
      0,
    );
    assert.equal(
      await api.queueBound(env.address, "search", { ...q, timestamp: Date.now() + 60_000 }, 3000),
      3,
    );

    const offset = { consumerGroup: "CG_API", topic: "TopicBounds", queueId: 0 };
    await api.updateConsumerOffset(env.address, { ...offset, commitOffset: 2 }, 3000);
    assert.equal(await api.queryConsumerOffset(env.address, offset, 3000), 2);
    await api.updateConsumerOffset(
      env.address,
      { ...offset, queueId: 1, commitOffset: 0 },
      3000,
      true,
    );
    // EdgeMQ answers an empty list where RocketMQ answers SYSTEM_ERROR; the client reads both.
    assert.deepEqual(await api.getConsumerIdListByGroup(env.address, "CG_NOBODY", 3000), []);
  } finally {
    await producer.shutdown();
    await env.close();
  }
});

/** A broker stand-in recording requests of the codes the broker does not serve yet. */
async function recordingServer(answer: (request: RemotingCommand) => RemotingCommand) {
  const server = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  const seen: RemotingCommand[] = [];
  for (
    const code of [
      RequestCode.LOCK_BATCH_MQ,
      RequestCode.UNLOCK_BATCH_MQ,
      RequestCode.CONSUMER_SEND_MSG_BACK,
    ]
  ) {
    server.registerProcessor(code, (request) => {
      seen.push(request);
      return answer(request);
    });
  }
  await server.start();
  return { server, seen, addr: `127.0.0.1:${server.port}` };
}

Deno.test("MQClientAPI writes LOCK/UNLOCK_BATCH_MQ and CONSUMER_SEND_MSG_BACK as RocketMQ clients do", async () => {
  const mq = { topic: "T", brokerName: "b", queueId: 3 };
  const { server, seen, addr } = await recordingServer((request) =>
    request.code === RequestCode.LOCK_BATCH_MQ
      ? createResponse(
        request,
        0,
        undefined,
        undefined,
        new TextEncoder().encode(`{"lockOKMQSet":[{"brokerName":"b","queueId":3,"topic":"T"}]}`),
      )
      : createResponse(request, 0)
  );
  const instance = testInstance("127.0.0.1:1");
  try {
    const api = instance.api;
    const body = { clientId: "10.0.0.5@1#2", consumerGroup: "CG", mqSet: [mq] };
    assert.deepEqual(await api.lockBatchMQ(addr, body, 3000), [mq]);
    await api.unlockBatchMQ(addr, body, 3000);
    const lockText = new TextDecoder().decode(seen[0].body);
    assert.equal(
      lockText,
      '{"clientId":"10.0.0.5@1#2","consumerGroup":"CG","mqSet":[{"brokerName":"b","queueId":3,"topic":"T"}]}',
    );
    assert.equal(new TextDecoder().decode(seen[1].body), lockText);
    const failed = new MessageExt({
      topic: "T",
      body: "x",
      properties: { UNIQ_KEY: "ABC" },
      queueId: 3,
      storeSize: 100,
      queueOffset: 7,
      sysFlag: 0,
      bornTimestamp: 1,
      bornHost: "10.0.0.5:1",
      storeTimestamp: 2,
      storeHost: "10.0.0.1:10911",
      offsetMsgId: "0A00000100002A9F00000000000004D2",
      commitLogOffset: 1234,
      bodyCRC: 0,
      reconsumeTimes: 1,
      preparedTransactionOffset: 0,
    });
    await api.consumerSendMessageBack(addr, failed, {
      group: "CG",
      delayLevel: 0,
      maxReconsumeTimes: 16,
    }, 3000);
    assert.deepEqual(seen[2].extFields, {
      offset: "1234",
      group: "CG",
      delayLevel: "0",
      originMsgId: "ABC",
      originTopic: "T",
      unitMode: "false",
      maxReconsumeTimes: "16",
    });
  } finally {
    await instance.shutdown();
    await server.shutdown();
  }
});

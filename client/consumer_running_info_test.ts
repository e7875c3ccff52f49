import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import type { RemotingChannel } from "../protocol/remoting_channel.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { consumeMessageDirectlyProcessor, runningInfoProcessor } from "./consumer/_running_info.ts";
import {
  Signal,
  testPullConsumer,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import { consumeMessageDirectly } from "./consumer/consume_message_directly.ts";
import {
  decodeConsumeMessageDirectlyResult,
  decodeConsumerRunningInfo,
  encodeConsumerRunningInfo,
  PROP_CLIENT_VERSION,
  PROP_CONSUME_ORDERLY,
  PROP_CONSUME_TYPE,
  PROP_CONSUMER_START_TIMESTAMP,
  PROP_NAMESERVER_ADDR,
  PROP_THREADPOOL_CORE_SIZE,
} from "./consumer_running_info.ts";
import { MessageExt } from "./message.ts";
import { messageQueueJson } from "./message_queue.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";

const BROKER = "broker-test";
const text = (body: Uint8Array | undefined) => new TextDecoder().decode(body);

Deno.test("PushConsumer answers GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY relayed by the broker", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicRunningInfo";
    const group = "CG_RUNNING_INFO";
    await t.createTopic(topic, 2);
    const received: MessageExt[] = [];
    const arrived = new Signal();
    let throwNext = false;
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: group,
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      consumeThreadMin: 5,
      consumeThreadMax: 7,
    });
    consumer.subscribe(topic, "TagA || TagB");
    consumer.registerMessageListener((msgs) => {
      received.push(...msgs);
      arrived.fire();
      if (throwNext) throw new Error("boom from the listener");
      return "CONSUME_SUCCESS";
    });
    const admin = new TestBrokerClient(new DenoTcpTransport(), t.env.address);
    try {
      await consumer.start();
      const sent = [];
      for (let i = 0; i < 4; i++) {
        sent.push(await t.producer.send({ topic, body: `m-${i}`, tags: "TagA" }));
      }
      await waitUntil("4 messages consumed", () => received.length >= 4, arrived.subscribe);
      const clientId = consumer.clientInstance!.clientId;

      const response = await admin.call(RequestCode.GET_CONSUMER_RUNNING_INFO, {
        consumerGroup: group,
        clientId,
        jstackEnable: "true",
      });
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      const body = text(response.body);
      // fastjson's form: bare MessageQueue keys, properties alphabetical, doubles with a fraction.
      assert.ok(body.startsWith('{"jstack":"EdgeMQ client '), body);
      assert.ok(
        body.includes(
          `{"brokerName":"${BROKER}","queueId":0,"topic":"${topic}"}:{"cachedMsgCount":0,`,
        ),
        body,
      );
      assert.match(
        body,
        /"statusTable":\{"%RETRY%CG_RUNNING_INFO":\{"consumeFailedMsgs":0,"consumeFailedTPS":0\.0,/,
      );
      const info = decodeConsumerRunningInfo(response.body);
      const p = info.properties;
      assert.equal(p.consumerGroup, group);
      assert.equal(p.messageModel, "CLUSTERING");
      assert.equal(p.consumeFromWhere, "CONSUME_FROM_FIRST_OFFSET");
      assert.equal(p.consumeThreadMin, "5");
      assert.equal(p.consumeThreadMax, "7");
      assert.equal(p.pullBatchSize, "32");
      assert.equal(p.unitMode, "false");
      assert.equal(p.allocateMessageQueueStrategy, "AVG");
      assert.equal(p[PROP_NAMESERVER_ADDR], `${t.namesrvAddr};`);
      assert.equal(p[PROP_CONSUME_TYPE], "CONSUME_PASSIVELY");
      assert.equal(p[PROP_CONSUME_ORDERLY], "false");
      assert.equal(p[PROP_THREADPOOL_CORE_SIZE], "7");
      assert.equal(p[PROP_CLIENT_VERSION], "V4_9_8");
      assert.ok(Number(p[PROP_CONSUMER_START_TIMESTAMP]) > 0, p[PROP_CONSUMER_START_TIMESTAMP]);
      assert.deepEqual(info.subscriptionSet.map((s) => [s.topic, s.subString, s.tagsSet]), [
        [`%RETRY%${group}`, "*", []],
        [topic, "TagA || TagB", ["TagA", "TagB"]],
      ]);
      const mine = info.mqTable.filter(([mq]) => mq.topic === topic);
      assert.deepEqual(mine.map(([mq]) => [mq.brokerName, mq.queueId]), [[BROKER, 0], [BROKER, 1]]);
      const offsets = consumer.offsets(topic);
      for (const [mq, pq] of mine) {
        const held = [...offsets].find(([q]) => q.queueId === mq.queueId)?.[1];
        assert.equal(pq.commitOffset, held, `queue ${mq.queueId} reports the consumer's offset`);
        assert.equal(pq.cachedMsgCount, 0);
        assert.equal(pq.droped, false);
        assert.ok(pq.lastPullTimestamp > 0 && pq.lastConsumeTimestamp > 0);
      }
      assert.equal(mine.reduce((sum, [, pq]) => sum + pq.commitOffset, 0), 4);
      const status = new Map(info.statusTable).get(topic)!;
      assert.ok(status.consumeOKTPS > 0 && status.pullTPS > 0, JSON.stringify(status));
      assert.equal(status.consumeFailedMsgs, 0);
      assert.match(info.jstack ?? "", /no Java threads/);
      assert.deepEqual(decodeConsumerRunningInfo(encodeConsumerRunningInfo(info)), info);

      // CONSUME_MESSAGE_DIRECTLY: the broker loads the stored message, the listener gets it.
      const before = received.length;
      const direct = await admin.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
        consumerGroup: group,
        clientId,
        msgId: sent[2].offsetMsgId,
      });
      assert.equal(direct.code, ResponseCode.SUCCESS, direct.remark);
      const result = decodeConsumeMessageDirectlyResult(direct.body);
      assert.equal(result.consumeResult, "CR_SUCCESS");
      assert.equal(result.order, false);
      assert.equal(result.autoCommit, true);
      assert.equal(received.length, before + 1);
      const again = received[before];
      assert.equal(again.msgId, sent[2].msgId);
      assert.equal(again.bodyText, "m-2");
      assert.equal(again.topic, topic);
      assert.deepEqual(consumer.offsets(topic), offsets, "a direct consume moves no offset");

      throwNext = true;
      const thrown = await admin.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
        consumerGroup: group,
        clientId,
        msgId: sent[0].offsetMsgId,
      });
      throwNext = false;
      const failed = decodeConsumeMessageDirectlyResult(thrown.body);
      assert.equal(failed.consumeResult, "CR_THROW_EXCEPTION");
      assert.match(failed.remark ?? "", /boom from the listener/);

      // A group this client does not have: RocketMQ's answer.
      const channel = {} as RemotingChannel;
      const request = createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, {
        extFields: { consumerGroup: "CG_ELSEWHERE", clientId },
      });
      const none = await runningInfoProcessor(consumer.clientInstance!)(request, channel);
      assert.equal(none?.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(none?.remark, "The Consumer Group <CG_ELSEWHERE> not exist in this consumer");
      const noneDirect = await consumeMessageDirectlyProcessor(consumer.clientInstance!)(
        createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
          extFields: { consumerGroup: "CG_ELSEWHERE", clientId },
        }),
        channel,
      );
      assert.equal(
        noneDirect?.remark,
        "The Consumer Group <CG_ELSEWHERE> not exist in this consumer",
      );
    } finally {
      await admin.close();
      await consumer.shutdown();
    }
  });
});

Deno.test("PullConsumer answers GET_CONSUMER_RUNNING_INFO with its settings and subscriptions", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicRunningInfoPull";
    await t.createTopic(topic, 1);
    const consumer = testPullConsumer(t.namesrvAddr, { consumerGroup: "CG_RUNNING_INFO_PULL" });
    consumer.subscribe(topic, "*");
    const admin = new TestBrokerClient(new DenoTcpTransport(), t.env.address);
    try {
      await consumer.start();
      const response = await admin.call(RequestCode.GET_CONSUMER_RUNNING_INFO, {
        consumerGroup: "CG_RUNNING_INFO_PULL",
        clientId: consumer.clientInstance!.clientId,
      });
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      const info = decodeConsumerRunningInfo(response.body);
      assert.equal(info.properties[PROP_CONSUME_TYPE], "CONSUME_ACTIVELY");
      assert.equal(info.properties.consumerGroup, "CG_RUNNING_INFO_PULL");
      assert.equal(info.properties.autoCommit, "true");
      assert.ok(info.subscriptionSet.some((s) => s.topic === topic));
      assert.equal(info.jstack, undefined, "no jstack unless asked");
      assert.deepEqual(info.mqTable, [], "RocketMQ's lite pull consumer reports no queues");
    } finally {
      await admin.close();
      await consumer.shutdown();
    }
  });
});

Deno.test("consumeMessageDirectly maps an orderly listener's statuses as RocketMQ does", async () => {
  const msg = () =>
    new MessageExt({
      topic: "T",
      body: "x",
      queueId: 3,
      storeSize: 0,
      queueOffset: 0,
      sysFlag: 0,
      bornTimestamp: 0,
      bornHost: "127.0.0.1:1",
      storeTimestamp: 0,
      storeHost: "127.0.0.1:2",
      offsetMsgId: "",
      commitLogOffset: 0,
      bodyCRC: 0,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    });
  const options = { consumerGroup: "CG", clock: { now: () => 5 }, logger: silentRemotingLogger };
  const cases = [
    ["SUCCESS", "CR_SUCCESS"],
    ["COMMIT", "CR_COMMIT"],
    ["ROLLBACK", "CR_ROLLBACK"],
    ["SUSPEND_CURRENT_QUEUE_A_MOMENT", "CR_LATER"],
  ] as const;
  for (const [status, expected] of cases) {
    let queue = "";
    const result = await consumeMessageDirectly(
      {
        ...options,
        listener: {
          orderly: true,
          fn: (_msgs, context) => {
            queue = `${context.messageQueue.brokerName}/${context.messageQueue.queueId}`;
            context.autoCommit = false;
            return status;
          },
        },
      },
      msg(),
      "broker-a",
    );
    assert.deepEqual(result, {
      order: true,
      autoCommit: false,
      consumeResult: expected,
      spentTimeMills: 0,
    });
    assert.equal(queue, "broker-a/3");
  }
  const nothing = await consumeMessageDirectly(
    {
      ...options,
      listener: { orderly: false, fn: () => undefined as unknown as "CONSUME_SUCCESS" },
    },
    msg(),
    "broker-a",
  );
  assert.equal(nothing.consumeResult, "CR_RETURN_NULL");
  const later = await consumeMessageDirectly(
    {
      ...options,
      listener: { orderly: false, fn: () => "RECONSUME_LATER" },
    },
    msg(),
    "broker-a",
  );
  assert.equal(later.consumeResult, "CR_LATER");
});

Deno.test("encodeConsumerRunningInfo writes rates as Java doubles and a rate that is not finite as 0.0", () => {
  const body = encodeConsumerRunningInfo({
    properties: {},
    subscriptionSet: [],
    mqTable: [],
    statusTable: [["T", {
      consumeFailedMsgs: 0,
      consumeFailedTPS: NaN,
      consumeOKTPS: 12,
      consumeRT: Infinity,
      pullRT: 0.5,
      pullTPS: -Infinity,
    }]],
  });
  assert.equal(
    text(body),
    '{"mqTable":{},"properties":{},"statusTable":{"T":{"consumeFailedMsgs":0,"consumeFailedTPS":0.0,' +
      '"consumeOKTPS":12.0,"consumeRT":0.0,"pullRT":0.5,"pullTPS":0.0}},"subscriptionSet":[]}',
  );
});

Deno.test("decodeConsumerRunningInfo keeps the status of a topic named __proto__", () => {
  // A Java consumer's statusTable is keyed by topic; __proto__ is a valid RocketMQ topic name.
  const body = new TextEncoder().encode(
    '{"properties":{},"statusTable":{"__proto__":{"pullRT":1.5},"TopicB":{}},"mqTable":{}}',
  );
  const info = decodeConsumerRunningInfo(body);
  assert.deepEqual(info.statusTable.map(([topic, status]) => [topic, status.pullRT]), [
    ["TopicB", 0],
    ["__proto__", 1.5],
  ]);
  assert.throws(
    () =>
      decodeConsumerRunningInfo(
        new TextEncoder().encode('{"statusTable":{"__proto__":{"pullRT":"x"}}}'),
      ),
    /statusTable\.__proto__\.pullRT/,
  );
});

Deno.test("PushConsumer answers GET_CONSUMER_STATUS_FROM_CLIENT (mqadmin getConsumerStatus through the broker)", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicConsumerStatus";
    const group = "CG_CONSUMER_STATUS";
    await t.createTopic(topic, 2);
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: group,
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    });
    consumer.subscribe(topic, "*");
    const arrived = new Signal();
    let received = 0;
    consumer.registerMessageListener((msgs) => {
      received += msgs.length;
      arrived.fire();
      return "CONSUME_SUCCESS";
    });
    const admin = new TestBrokerClient(new DenoTcpTransport(), t.env.address);
    try {
      await consumer.start();
      for (let i = 0; i < 3; i++) await t.producer.send({ topic, body: `m-${i}` });
      await waitUntil("3 messages consumed", () => received === 3, arrived.subscribe);
      const clientId = consumer.clientInstance!.clientId;
      const response = await admin.call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, {
        topic,
        group,
      });
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      const body = JSON.parse(
        text(response.body).replaceAll(/\{"brokerName[^}]*\}/g, (k) => JSON.stringify(k)),
      );
      const mine: Record<string, number> = body.consumerTable[clientId] ?? {};
      const expected = Object.fromEntries(
        [...consumer.offsets(topic)].map(([mq, offset]) => [messageQueueJson(mq), offset]),
      );
      // Read after the answer: the listener returned before the call, its offsets moved since.
      assert.deepEqual(mine, expected, text(response.body));
      assert.deepEqual(Object.values(mine).reduce((a, b) => a + b, 0), 3, text(response.body));
    } finally {
      await admin.close();
      await consumer.shutdown();
    }
  });
});

import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import {
  decodeRecords,
  TestBrokerClient,
  updateTopicRequest,
} from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

Deno.test("QUERY_CONSUME_TIME_SPAN answers each write queue's stored, consumed and delay times", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const admin = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const created = await admin.invoke(updateTopicRequest("TopicSpan", { writeQueueNums: "2" }));
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
    for (const body of ["m0", "m1", "m2"]) {
      const sent = await admin.send("TopicSpan", body, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    const pulled = await admin.pull({
      group: "CG_SPAN",
      topic: "TopicSpan",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
    });
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
    const stored = decodeRecords(pulled.body).map((r) => r.storeTimestamp);
    assert.equal(stored.length, 3);
    const commit = await admin.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: "CG_SPAN",
      topic: "TopicSpan",
      queueId: "0",
      commitOffset: "1",
    });
    assert.equal(commit.code, ResponseCode.SUCCESS, commit.remark);

    const before = Date.now();
    const span = await admin.call(RequestCode.QUERY_CONSUME_TIME_SPAN, {
      topic: "TopicSpan",
      group: "CG_SPAN",
    });
    const after = Date.now();
    assert.equal(span.code, ResponseCode.SUCCESS, span.remark);
    const text = new TextDecoder().decode(span.body);
    const { consumeTimeSpanSet } = JSON.parse(text);
    assert.equal(consumeTimeSpanSet.length, 2, text);
    const [q0, q1] = consumeTimeSpanSet;
    // fastjson's order: properties alphabetical, MessageQueue nested.
    assert.deepEqual(Object.keys(q0), [
      "consumeTimeStamp",
      "delayTime",
      "maxTimeStamp",
      "messageQueue",
      "minTimeStamp",
    ]);
    assert.deepEqual(q0.messageQueue, {
      brokerName: env.broker.configuration.config.brokerName,
      queueId: 0,
      topic: "TopicSpan",
    });
    assert.equal(q0.minTimeStamp, stored[0]);
    assert.equal(q0.maxTimeStamp, stored[2]);
    assert.equal(q0.consumeTimeStamp, stored[0], "the last consumed message is offset 0");
    assert.ok(
      q0.delayTime >= before - stored[1] && q0.delayTime <= after - stored[1],
      `delayTime ${q0.delayTime}: now minus the first unconsumed message's store time`,
    );
    // An empty queue: no times, no delay.
    assert.deepEqual(
      [q1.minTimeStamp, q1.maxTimeStamp, q1.consumeTimeStamp, q1.delayTime],
      [-1, -1, -1, 0],
    );

    const unknown = await admin.call(RequestCode.QUERY_CONSUME_TIME_SPAN, {
      topic: "TopicNone",
      group: "CG_SPAN",
    });
    assert.equal(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(unknown.remark, "topic[TopicNone] not exist");
  } finally {
    await admin.close();
    await env.close();
  }
});

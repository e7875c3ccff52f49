import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { bodyText as text, CREATE_T1, withAdminWire as withWire } from "./_admin_test_fixture.ts";

Deno.test("UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, GET_ALL_SUBSCRIPTIONGROUP_CONFIG and DELETE_SUBSCRIPTIONGROUP", async () => {
  await withWire(async (broker, invoke) => {
    const body = JSON.stringify({
      groupName: "G1",
      retryMaxTimes: 3,
      consumeBroadcastEnable: false,
    });
    const created = await invoke(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, body);
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);

    const all = JSON.parse(text(await invoke(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)));
    assert.equal(all.subscriptionGroupTable.G1.retryMaxTimes, 3);
    assert.equal(all.subscriptionGroupTable.G1.consumeBroadcastEnable, false);
    assert.equal(all.subscriptionGroupTable.G1.retryQueueNums, 1, "defaults filled in");

    broker.consumerOffsetManager.commitOffset({
      clientHost: "test",
      group: "G1",
      topic: "T",
      queueId: 0,
      offset: 5,
    });
    const kept = await invoke(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: "G1" });
    assert.equal(kept.code, ResponseCode.SUCCESS);
    assert.equal(
      broker.context.subscriptionGroupManager.getSubscriptionGroupConfig("G1"),
      undefined,
    );
    assert.equal(
      broker.consumerOffsetManager.queryOffset("G1", "T", 0),
      5,
      "offsets kept without removeOffset",
    );
    await invoke(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: "G1", cleanOffset: true });
    assert.equal(
      broker.consumerOffsetManager.queryOffset("G1", "T", 0),
      -1,
      "5.x cleanOffset removes offsets",
    );
  });
});

Deno.test("UPDATE_AND_CREATE_SUBSCRIPTIONGROUP answers a missing or bad body with a clear remark", async () => {
  await withWire(async (_broker, invoke) => {
    const none = await invoke(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP);
    assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(
      none.remark,
      "Cannot decode UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body: the request has no body",
    );
    const notJson = await invoke(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      undefined,
      "{groupName:",
    );
    assert.equal(notJson.code, ResponseCode.SYSTEM_ERROR);
    assert.match(notJson.remark ?? "", /^Cannot decode UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body: /);
    const badType = await invoke(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      undefined,
      '{"groupName":"G","retryQueueNums":"x"}',
    );
    assert.equal(badType.code, ResponseCode.SYSTEM_ERROR);
    assert.match(badType.remark ?? "", /retryQueueNums/);
    const badName = await invoke(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      undefined,
      '{"groupName":"a b"}',
    );
    assert.match(badName.remark ?? "", /contains illegal characters/);
  });
});

Deno.test("UPDATE_AND_CREATE_SUBSCRIPTIONGROUP refuses 5.x fields RocketMQ could not load, keeps good ones", async () => {
  await withWire(async (_broker, invoke) => {
    // Java types (SubscriptionGroupConfig 5.x): attributes Map<String,String>, groupRetryPolicy
    // GroupRetryPolicy, subscriptionDataSet Set<SimpleSubscriptionData>, consumeMessageOrderly
    // boolean. Stored as sent, a wrong type would stop RocketMQ loading subscriptionGroup.json.
    const wrong = [
      ["attributes", 5],
      ["attributes", { "+retry": 1 }],
      ["groupRetryPolicy", 7],
      ["groupRetryPolicy", { type: "LINEAR" }],
      ["groupRetryPolicy", { customizedRetryPolicy: { next: ["1s"] } }],
      ["subscriptionDataSet", "TopicTest"],
      ["subscriptionDataSet", [{ topic: "T", version: "v1" }]],
      ["consumeMessageOrderly", "maybe"],
    ] as const;
    for (const [field, value] of wrong) {
      const body = JSON.stringify({ groupName: "G_WRONG", [field]: value });
      const answer = await invoke(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, body);
      assert.equal(answer.code, ResponseCode.SYSTEM_ERROR, body);
      assert.match(answer.remark ?? "", new RegExp(field), body);
    }
    const good = {
      groupName: "G_5X",
      consumeMessageOrderly: true,
      attributes: { "+some.key": "v" },
      groupRetryPolicy: {
        type: "EXPONENTIAL",
        exponentialRetryPolicy: { initial: 5000, max: 7200000, multiplier: 2 },
        customizedRetryPolicy: null,
        retryPolicy: { initial: 5000, max: 7200000, multiplier: 2 },
      },
      subscriptionDataSet: [{
        topic: "TopicTest",
        expressionType: "TAG",
        expression: "*",
        version: 1700000000000,
      }],
    };
    const created = await invoke(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      undefined,
      JSON.stringify(good),
    );
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
    const all = JSON.parse(text(await invoke(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)));
    assert.equal(all.subscriptionGroupTable.G_WRONG, undefined, "no wrong body was stored");
    const stored = all.subscriptionGroupTable.G_5X;
    for (const field of Object.keys(good)) {
      assert.deepEqual(stored[field], good[field as keyof typeof good]);
    }
  });
});

Deno.test("GET_CONSUME_STATS reports broker offset, consumer offset and last timestamp per queue", async () => {
  await withWire(async (broker, invoke) => {
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      times.push(broker.clock.now());
      await broker.produce("T1", { queueId: 0 });
      broker.clock.advance(10);
    }
    broker.consumerOffsetManager.commitOffset({
      clientHost: "test",
      group: "G1",
      topic: "T1",
      queueId: 0,
      offset: 2,
    });
    const expected = `{"consumeTps":0.0,"offsetTable":{` +
      `{"brokerName":"broker-a","queueId":0,"topic":"T1"}:{"brokerOffset":5,"consumerOffset":2,"lastTimestamp":${
        times[1]
      }},` +
      `{"brokerName":"broker-a","queueId":1,"topic":"T1"}:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0}}}`;
    const byTopic = await invoke(RequestCode.GET_CONSUME_STATS, {
      consumerGroup: "G1",
      topic: "T1",
    });
    assert.equal(byTopic.code, ResponseCode.SUCCESS, byTopic.remark);
    assert.equal(text(byTopic), expected);
    const allTopics = await invoke(RequestCode.GET_CONSUME_STATS, { consumerGroup: "G1" });
    assert.equal(text(allTopics), expected, "without topic: every topic the group has offsets on");
    const none = await invoke(RequestCode.GET_CONSUME_STATS, { consumerGroup: "G2" });
    assert.equal(text(none), `{"consumeTps":0.0,"offsetTable":{}}`);
  });
});

Deno.test("GET_CONSUMER_CONNECTION_LIST lists an online group and refuses an offline one", async () => {
  await withWire(async (broker, invoke) => {
    broker.addConsumer("G1", "T1", "10.0.0.2@1");
    const response = await invoke(RequestCode.GET_CONSUMER_CONNECTION_LIST, {
      consumerGroup: "G1",
    });
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    const body = JSON.parse(text(response));
    assert.deepEqual(body.connectionSet, [
      { clientAddr: "10.0.0.2:50001", clientId: "10.0.0.2@1", language: "JAVA", version: 409 },
    ]);
    assert.equal(body.consumeType, "CONSUME_PASSIVELY");
    assert.equal(body.messageModel, "CLUSTERING");
    assert.equal(body.consumeFromWhere, "CONSUME_FROM_LAST_OFFSET");
    assert.deepEqual(body.subscriptionTable.T1.tagsSet, ["TagA", "TagB"]);
    assert.equal(body.subscriptionTable.T1.subString, "TagA || TagB");
    assert.equal(body.subscriptionTable.T1.expressionType, "TAG");

    const offline = await invoke(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: "G9" });
    assert.equal(offline.code, ResponseCode.CONSUMER_NOT_ONLINE);
    assert.equal(offline.remark, "the consumer group[G9] not online");
  });
});

Deno.test("GET_PRODUCER_CONNECTION_LIST lists a producer group and refuses an unknown one", async () => {
  await withWire(async (broker, invoke) => {
    broker.producerManager.registerProducer("PG1", {
      channel: { id: "p1", remoteAddress: "10.0.0.3:40000" },
      clientId: "10.0.0.3@7",
      language: "GO",
      version: 317,
    });
    const response = await invoke(RequestCode.GET_PRODUCER_CONNECTION_LIST, {
      producerGroup: "PG1",
    });
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(
      text(response),
      '{"connectionSet":[{"clientAddr":"10.0.0.3:40000","clientId":"10.0.0.3@7","language":"GO","version":317}]}',
    );
    const unknown = await invoke(RequestCode.GET_PRODUCER_CONNECTION_LIST, {
      producerGroup: "PG2",
    });
    assert.equal(unknown.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(unknown.remark, "the producer group[PG2] not exist");
  });
});

Deno.test("QUERY_TOPIC_CONSUME_BY_WHO lists online subscribers and groups with offsets", async () => {
  await withWire(async (broker, invoke) => {
    broker.addConsumer("G2", "T1");
    broker.consumerOffsetManager.commitOffset({
      clientHost: "test",
      group: "G1",
      topic: "T1",
      queueId: 0,
      offset: 1,
    });
    broker.consumerOffsetManager.commitOffset({
      clientHost: "test",
      group: "G3",
      topic: "T2",
      queueId: 0,
      offset: 1,
    });
    const response = await invoke(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic: "T1" });
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(text(response), '{"groupList":["G1","G2"]}');
  });
});

import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { bodyText as text, CREATE_T1, withAdminWire as withWire } from "./_admin_test_fixture.ts";

Deno.test("UPDATE_AND_CREATE_TOPIC creates a topic that GET_ALL_TOPIC_CONFIG then lists", async () => {
  await withWire(async (broker, invoke) => {
    const created = await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
    assert.deepEqual(broker.topicChanges.map((c) => `${c.kind} ${c.topicConfig?.topicName}`), [
      "create T1",
    ]);

    const all = await invoke(RequestCode.GET_ALL_TOPIC_CONFIG);
    assert.equal(all.code, ResponseCode.SUCCESS);
    const wrapper = JSON.parse(text(all));
    assert.deepEqual(wrapper.topicConfigTable.T1, {
      order: false,
      perm: 6,
      readQueueNums: 2,
      topicFilterType: "SINGLE_TAG",
      topicName: "T1",
      topicSysFlag: 0,
      writeQueueNums: 2,
    });
    assert.ok(wrapper.topicConfigTable.TBW102, "system topics are listed too");
    assert.equal(typeof wrapper.dataVersion.counter, "number");

    // the same settings again change nothing; new ones update and re-register
    assert.equal(
      (await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1)).code,
      ResponseCode.SUCCESS,
    );
    assert.equal(broker.topicChanges.length, 1);
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      ...CREATE_T1,
      writeQueueNums: 4,
      order: true,
    });
    assert.deepEqual(broker.topicChanges.map((c) => c.kind), ["create", "update"]);
    assert.equal(broker.context.topicConfigManager.selectTopicConfig("T1")?.order, true);
  });
});

Deno.test("UPDATE_AND_CREATE_TOPIC refuses bad input with RocketMQ's remarks", async () => {
  await withWire(async (broker, invoke) => {
    const cases: [Record<string, string | number | boolean>, number, string][] = [
      [
        { ...CREATE_T1, topic: "a b" },
        ResponseCode.SYSTEM_ERROR,
        "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$",
      ],
      [
        { ...CREATE_T1, topic: "TBW102" },
        ResponseCode.SYSTEM_ERROR,
        "The topic[TBW102] is conflict with system topic.",
      ],
      [
        { ...CREATE_T1, topic: "x".repeat(128) },
        ResponseCode.SYSTEM_ERROR,
        "The specified topic is longer than topic max length.",
      ],
      [
        { ...CREATE_T1, topicFilterType: "SQL" },
        ResponseCode.SYSTEM_ERROR,
        'Cannot create topic T1: topicFilterType "SQL" is not SINGLE_TAG or MULTI_TAG',
      ],
      [
        { ...CREATE_T1, readQueueNums: "x" },
        ResponseCode.SYSTEM_ERROR,
        'Cannot decode UPDATE_AND_CREATE_TOPIC header: readQueueNums is not an int: "x"',
      ],
    ];
    for (const [header, code, remark] of cases) {
      const response = await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, header);
      assert.equal(response.code, code, `code for ${JSON.stringify(header)}`);
      assert.equal(response.remark, remark);
    }
    const { perm: _perm, ...noPerm } = CREATE_T1;
    const missing = await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, noPerm);
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(missing.remark, "Cannot decode UPDATE_AND_CREATE_TOPIC header: perm is missing");
    const tooMany = await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      ...CREATE_T1,
      writeQueueNums: 100_000,
    });
    assert.equal(tooMany.code, ResponseCode.SYSTEM_ERROR);
    assert.match(tooMany.remark ?? "", /Cannot update topic T1/);
    assert.equal(
      broker.context.topicConfigManager.selectTopicConfig("T1"),
      undefined,
      "nothing was created",
    );
    assert.deepEqual(broker.topicChanges, []);
  });
});

Deno.test("UPDATE_AND_CREATE_TOPIC and DELETE_SUBSCRIPTIONGROUP are refused on a slave", async () => {
  await withWire(async (_broker, invoke) => {
    const remark =
      "Can't modify topic or subscription group from slave broker, please execute it from master broker.";
    const topic = await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    assert.equal(topic.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(topic.remark, remark);
    const group = await invoke(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: "G1" });
    assert.equal(group.remark, remark);
  }, { properties: { brokerRole: "SLAVE", brokerId: "1" } });
});

Deno.test("DELETE_TOPIC_IN_BROKER removes the topic, its consume queues, offsets and counters", async () => {
  await withWire(async (broker, invoke) => {
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    await broker.produce("T1");
    await broker.produce("T1");
    broker.consumerOffsetManager.commitOffset({
      clientHost: "test",
      group: "G1",
      topic: "T1",
      queueId: 0,
      offset: 1,
    });
    assert.equal(broker.store.getMaxOffsetInQueue("T1", 0), 2);

    const deleted = await invoke(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: "T1" });
    assert.equal(deleted.code, ResponseCode.SUCCESS, deleted.remark);
    assert.equal(broker.context.topicConfigManager.selectTopicConfig("T1"), undefined);
    assert.equal(broker.store.getMaxOffsetInQueue("T1", 0), 0, "consume queue dropped");
    assert.equal(broker.consumerOffsetManager.queryOffset("G1", "T1", 0), -1, "offsets dropped");
    assert.deepEqual(broker.context.brokerStats.topicTraffic().map((t) => t.topic), []);
    assert.equal(broker.topicChanges.at(-1)?.kind, "delete");
    // Created again under the same name, it starts at offset 0 (else a new consumer starting at
    // the last offset would skip its first messages).
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    await broker.produce("T1", { queueId: 0 });
    assert.equal(broker.store.getMinOffsetInQueue("T1", 0), 0);
    assert.equal(broker.store.getMaxOffsetInQueue("T1", 0), 1);

    const system = await invoke(RequestCode.DELETE_TOPIC_IN_BROKER, {
      topic: "SCHEDULE_TOPIC_XXXX",
    });
    assert.equal(system.remark, "The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic.");
    const missing = await invoke(RequestCode.DELETE_TOPIC_IN_BROKER);
    assert.equal(missing.remark, "Cannot decode DELETE_TOPIC_IN_BROKER header: topic is missing");
  });
});

Deno.test("GET_TOPIC_STATS_INFO reports per-queue bounds with fastjson MessageQueue keys", async () => {
  await withWire(async (broker, invoke) => {
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    await broker.produce("T1", { queueId: 0 });
    broker.clock.advance(1000);
    await broker.produce("T1", { queueId: 0 });
    const last = broker.clock.now();
    const response = await invoke(RequestCode.GET_TOPIC_STATS_INFO, { topic: "T1" });
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    assert.equal(
      text(response),
      `{"offsetTable":{` +
        `{"brokerName":"broker-a","queueId":0,"topic":"T1"}:{"lastUpdateTimestamp":${last},"maxOffset":2,"minOffset":0},` +
        `{"brokerName":"broker-a","queueId":1,"topic":"T1"}:{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0}}}`,
    );
    const unknown = await invoke(RequestCode.GET_TOPIC_STATS_INFO, { topic: "NOPE" });
    assert.equal(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(unknown.remark, "topic[NOPE] not exist");
  });
});

Deno.test("UPDATE_AND_CREATE_TOPIC applies 5.x attribute modifications as RocketMQ does", async () => {
  await withWire(async (broker, invoke) => {
    const create = (attributes: string, topic = "T1") =>
      invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...CREATE_T1, topic, attributes });
    const attributesOf = async (topic: string) =>
      JSON.parse(text(await invoke(RequestCode.GET_ALL_TOPIC_CONFIG))).topicConfigTable[topic]
        .attributes;
    // What rocketmq-dashboard sends, and reads back to label the topic.
    assert.equal((await create("+message.type=FIFO")).code, ResponseCode.SUCCESS);
    assert.deepEqual(await attributesOf("T1"), { "message.type": "FIFO" });
    // Absent: kept. Changed: an update (re-registered). Removed with -key.
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...CREATE_T1, writeQueueNums: 3 });
    assert.deepEqual(await attributesOf("T1"), { "message.type": "FIFO" });
    await create("+message.type=DELAY");
    assert.deepEqual(await attributesOf("T1"), { "message.type": "DELAY" });
    assert.equal(broker.topicChanges.at(-1)?.kind, "update");
    await create("-message.type");
    assert.deepEqual(await attributesOf("T1"), {});
    const refused: [string, string, string?][] = [
      [
        "+message.type=SPECIAL",
        "value is not in set: [UNSPECIFIED, NORMAL, FIFO, DELAY, TRANSACTION, MIXED]",
      ],
      ["+color=red", "unsupported key: color"],
      ["message.type=FIFO", "add/alter attribute format is wrong: message.type"],
      ["-message.type", "attempt to delete a nonexistent key: message.type"],
      ["+queue.type=BatchCQ", "attempt to update an unchangeable attribute. key: queue.type"],
      [
        "-queue.type",
        "only add attribute is supported while creating topic. key: queue.type",
        "T9",
      ],
    ];
    for (const [attributes, reason, topic = "T1"] of refused) {
      const answer = await create(attributes, topic);
      assert.equal(answer.code, ResponseCode.SYSTEM_ERROR, attributes);
      assert.equal(answer.remark, `Cannot set the attributes of topic ${topic}: ${reason}`);
    }
    assert.equal(broker.context.topicConfigManager.selectTopicConfig("T9"), undefined);
  });
});

Deno.test("GET_SYSTEM_TOPIC_LIST_FROM_BROKER, GET_TOPIC_CONFIG and GET_SUBSCRIPTIONGROUP_CONFIG answer as 5.x", async () => {
  await withWire(async (_broker, invoke) => {
    const system = JSON.parse(text(await invoke(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER)));
    for (const topic of ["TBW102", "SCHEDULE_TOPIC_XXXX", "RMQ_SYS_TRACE_TOPIC", "broker-a"]) {
      assert.ok(system.topicList.includes(topic), topic);
    }
    assert.ok(!system.topicList.includes("T1"));
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    const config = await invoke(RequestCode.GET_TOPIC_CONFIG, { topic: "T1", lo: true });
    assert.equal(config.code, ResponseCode.SUCCESS, config.remark);
    assert.deepEqual(JSON.parse(text(config)), {
      order: false,
      perm: 6,
      readQueueNums: 2,
      topicFilterType: "SINGLE_TAG",
      topicName: "T1",
      topicSysFlag: 0,
      writeQueueNums: 2,
    });
    const none = await invoke(RequestCode.GET_TOPIC_CONFIG, { topic: "NOPE" });
    assert.equal(none.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(none.remark, "No topic in this broker. topic: NOPE");
    const body = JSON.stringify({ groupName: "G1", retryMaxTimes: 3 });
    await invoke(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, body);
    const group = await invoke(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group: "G1" });
    assert.equal(group.code, ResponseCode.SUCCESS, group.remark);
    assert.equal(JSON.parse(text(group)).retryMaxTimes, 3);
    const noGroup = await invoke(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group: "NOBODY" });
    assert.equal(noGroup.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.equal(noGroup.remark, "No group in this broker");
  });
});

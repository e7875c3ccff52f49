import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { createRequest, createResponse } from "../../protocol/remoting_command.ts";
import { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { decodeRecord } from "../../store/message_record.ts";
import { decodeOffsetMessageId } from "../../store/message_id.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";
import { bodyText as text, CREATE_T1, withAdminWire as withWire } from "./_admin_test_fixture.ts";

const commit = (group: string, topic: string, queueId: number, offset: number) => ({
  clientHost: "test",
  group,
  topic,
  queueId,
  offset,
});

Deno.test("CLONE_GROUP_OFFSET copies a group's offsets to another, skipping unknown and unsubscribed topics", async () => {
  await withWire(async (broker, invoke) => {
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...CREATE_T1, topic: "T2" });
    const offsets = broker.consumerOffsetManager;
    offsets.commitOffset(commit("SRC", "T1", 0, 5));
    offsets.commitOffset(commit("SRC", "T1", 1, 7));
    offsets.commitOffset(commit("SRC", "T2", 0, 3));
    offsets.commitOffset(commit("SRC", "GONE", 0, 1)); // a topic this broker no longer has

    const one = await invoke(RequestCode.CLONE_GROUP_OFFSET, {
      srcGroup: "SRC",
      destGroup: "ONE",
      topic: "T1",
    });
    assert.equal(one.code, ResponseCode.SUCCESS, one.remark);
    assert.deepEqual([offsets.queryOffset("ONE", "T1", 0), offsets.queryOffset("ONE", "T1", 1)], [
      5,
      7,
    ]);
    assert.equal(offsets.queryOffset("ONE", "T2", 0), -1, "only the named topic");

    // Online, the source subscribes T1 only: T2 is skipped unless `offline`.
    broker.addConsumer("SRC", "T1");
    await invoke(RequestCode.CLONE_GROUP_OFFSET, { srcGroup: "SRC", destGroup: "ALL" });
    assert.equal(offsets.queryOffset("ALL", "T1", 1), 7);
    assert.equal(offsets.queryOffset("ALL", "T2", 0), -1);
    assert.equal(offsets.queryOffset("ALL", "GONE", 0), -1, "an unknown topic is skipped");
    await invoke(RequestCode.CLONE_GROUP_OFFSET, {
      srcGroup: "SRC",
      destGroup: "ALL",
      offline: true,
    });
    assert.equal(offsets.queryOffset("ALL", "T2", 0), 3);

    const missing = await invoke(RequestCode.CLONE_GROUP_OFFSET, { srcGroup: "SRC" });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.match(missing.remark ?? "", /destGroup is missing/);
  });
});

Deno.test("INVOKE_BROKER_TO_RESET_OFFSET tells an online group's consumers the offsets for a time", async () => {
  await withWire(async (broker, invoke) => {
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    for (let i = 0; i < 3; i++) await broker.produce("T1", { queueId: 0 });
    broker.clock.advance(10_000);
    const middle = broker.clock.now();
    for (let i = 0; i < 2; i++) await broker.produce("T1", { queueId: 0 });
    const offsets = broker.consumerOffsetManager;
    offsets.commitOffset(commit("G", "T1", 0, 5));
    offsets.commitOffset(commit("G", "T1", 1, 0));
    const reset = (timestamp: number, isForce: boolean) =>
      invoke(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
        topic: "T1",
        group: "G",
        timestamp,
        isForce,
      });

    // Offline: RocketMQ's tools then fall back to updating the offsets themselves.
    const offline = await reset(middle, false);
    assert.equal(offline.code, ResponseCode.CONSUMER_NOT_ONLINE);
    assert.equal(
      offline.remark,
      `Consumer not online, so can not reset offset, Group: G Topic: T1 Timestamp: ${middle}`,
    );

    broker.addConsumer("G", "T1", "client-1");
    broker.addConsumer("G", "T1", "client-2");
    broker.addConsumer("G", "T1", "client-cpp", "CPP");
    const online = await reset(middle, false);
    assert.equal(online.code, ResponseCode.SUCCESS, online.remark);
    const table = '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T1"}:3,' +
      '{"brokerName":"broker-a","queueId":1,"topic":"T1"}:0}}';
    assert.equal(text(online), table, "back to the middle on queue 0; never forward unforced");
    assert.equal(broker.pushed.length, 3, "one RESET_CONSUMER_CLIENT_OFFSET per connection");
    // A C++ client reads RocketMQ's ResetOffsetBodyForC, a list of queues with offsets.
    assert.deepEqual(JSON.parse(new TextDecoder().decode(broker.pushed[2].request.body)), {
      offsetTable: [
        { brokerName: "broker-a", offset: 3, queueId: 0, topic: "T1" },
        { brokerName: "broker-a", offset: 0, queueId: 1, topic: "T1" },
      ],
    });
    const pushed = broker.pushed[0].request;
    assert.equal(pushed.code, RequestCode.RESET_CONSUMER_CLIENT_OFFSET);
    assert.deepEqual(pushed.extFields, {
      topic: "T1",
      group: "G",
      timestamp: String(middle),
      isForce: "false",
    });
    assert.equal(new TextDecoder().decode(pushed.body), table);
    assert.equal(offsets.queryOffset("G", "T1", 0), 5, "the consumers move and commit it");

    // -1: the max offset; forced, even forward.
    const latest = await reset(-1, true);
    assert.match(text(latest), /"queueId":0,"topic":"T1"\}:5,.*"queueId":1,"topic":"T1"\}:0\}\}$/);

    const noTopic = await invoke(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
      topic: "NOPE",
      group: "G",
      timestamp: -1,
      isForce: false,
    });
    assert.equal(noTopic.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(
      noTopic.remark,
      "[reset-offset] reset offset failed, no topic in this broker. topic=NOPE",
    );
    const noGroup = await invoke(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
      topic: "T1",
      group: "NOBODY",
      timestamp: -1,
      isForce: false,
    });
    assert.equal(noGroup.remark, "THe consumer group <NOBODY> not exist");
  });
});

Deno.test("INVOKE_BROKER_TO_RESET_OFFSET with a 5.x queueId resets that one queue only", async () => {
  await withWire(async (broker, invoke) => {
    await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, CREATE_T1);
    for (let queueId = 0; queueId < 2; queueId++) {
      for (let i = 0; i < 3; i++) await broker.produce("T1", { queueId });
    }
    const group = JSON.stringify({ groupName: "G" });
    await invoke(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, group);
    const offsets = broker.consumerOffsetManager;
    offsets.commitOffset(commit("G", "T1", 0, 3));
    offsets.commitOffset(commit("G", "T1", 1, 3));
    // What 5.x resetOffsetByQueueId sends after its UPDATE_CONSUMER_OFFSET: isForce false, time 0.
    const reset = (fields: Record<string, string | number>) =>
      invoke(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
        topic: "T1",
        group: "G",
        timestamp: 0,
        isForce: false,
        ...fields,
      });

    const offline = await reset({ queueId: 1, offset: 1 });
    assert.equal(offline.code, ResponseCode.SUCCESS, offline.remark);
    assert.equal(
      text(offline),
      '{"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T1"}:1}}',
    );
    assert.deepEqual([offsets.queryOffset("G", "T1", 0), offsets.queryOffset("G", "T1", 1)], [
      3,
      1,
    ]);

    broker.addConsumer("G", "T1", "client-1");
    const online = await reset({ queueId: 1, offset: 2 });
    assert.equal(online.code, ResponseCode.SUCCESS, online.remark);
    assert.equal(broker.pushed.length, 1);
    const told = new TextDecoder().decode(broker.pushed[0].request.body);
    assert.equal(told, '{"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T1"}:2}}');
    assert.deepEqual([offsets.queryOffset("G", "T1", 0), offsets.queryOffset("G", "T1", 1)], [
      3,
      2,
    ]);

    // No offset (or -1): by time; a negative time is the max offset.
    assert.match(
      text(await reset({ queueId: 0, offset: -1, timestamp: -1 })),
      /"queueId":0,.*\}:3\}\}$/,
    );
    assert.match(text(await reset({ queueId: 0 })), /"queueId":0,.*\}:0\}\}$/);

    const beyond = await reset({ queueId: 1, offset: 5 });
    assert.equal(beyond.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(beyond.remark, "Target offset 5 not in consume queue range [0-3]");
    const noGroup = await reset({ group: "NOBODY", queueId: 1, offset: 1 });
    assert.equal(noGroup.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.equal(noGroup.remark, "Group NOBODY does not exist");
    const noTopic = await reset({ topic: "NOPE", queueId: 1, offset: 1 });
    assert.equal(noTopic.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(noTopic.remark, "Topic NOPE does not exist");
    assert.equal(offsets.queryOffset("G", "T1", 1), 2, "a refused reset changes nothing");
  });
});

Deno.test("GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY are relayed to the client named", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const consumer = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const admin = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    // A client that answers the broker's relayed requests, as Java clients do.
    const seen: {
      code: number;
      fields: Record<string, string> | undefined;
      body: Uint8Array | undefined;
    }[] = [];
    for (
      const code of [RequestCode.GET_CONSUMER_RUNNING_INFO, RequestCode.CONSUME_MESSAGE_DIRECTLY]
    ) {
      consumer.remoting.registerProcessor(code, (request) => {
        seen.push({ code: request.code, fields: request.extFields, body: request.body });
        return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, request.body);
      });
    }
    await consumer.heartbeat("client-a", "CG_RELAY", { TopicRelay: "*" });
    const running = await admin.invoke(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      extFields: { consumerGroup: "CG_RELAY", clientId: "client-a", jstackEnable: "false" },
      body: new TextEncoder().encode("echo"),
    }));
    assert.equal(running.code, ResponseCode.SUCCESS, running.remark);
    assert.equal(new TextDecoder().decode(running.body), "echo", "the client's own answer");
    const sent = await admin.send("TopicRelay", "direct body", { queueId: 0 });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const msgId = sent.extFields!.msgId;
    const direct = await admin.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
      consumerGroup: "CG_RELAY",
      clientId: "client-a",
      msgId,
    });
    assert.equal(direct.code, ResponseCode.SUCCESS, direct.remark);
    assert.deepEqual(seen.map((s) => [s.code, s.fields?.clientId]), [
      [RequestCode.GET_CONSUMER_RUNNING_INFO, "client-a"],
      [RequestCode.CONSUME_MESSAGE_DIRECTLY, "client-a"],
    ]);
    // As RocketMQ's broker does: the stored record as the body, and the broker's name.
    const [, relayed] = seen;
    assert.equal(relayed.fields?.brokerName, env.broker.configuration.config.brokerName);
    const record = decodeRecord(relayed.body!);
    assert.equal(record.physicalOffset, decodeOffsetMessageId(msgId).physicalOffset);
    assert.equal(new TextDecoder().decode(record.body), "direct body");
    const unknown = await admin.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
      consumerGroup: "CG_RELAY",
      clientId: "client-a",
      msgId: "7F0000010000271100000000000FFFAB",
    });
    assert.equal(unknown.code, ResponseCode.SYSTEM_ERROR);
    assert.match(unknown.remark ?? "", /no message with this id/);

    const offline = await admin.call(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: "CG_RELAY",
      clientId: "client-b",
    });
    assert.equal(offline.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(offline.remark, "The Consumer <CG_RELAY> <client-b> not online");
  } finally {
    await admin.close();
    await consumer.close();
    await env.close();
  }
});

import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
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
    const online = await reset(middle, false);
    assert.equal(online.code, ResponseCode.SUCCESS, online.remark);
    const table = '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T1"}:3,' +
      '{"brokerName":"broker-a","queueId":1,"topic":"T1"}:0}}';
    assert.equal(text(online), table, "back to the middle on queue 0; never forward unforced");
    assert.equal(broker.pushed.length, 2, "one RESET_CONSUMER_CLIENT_OFFSET per connection");
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

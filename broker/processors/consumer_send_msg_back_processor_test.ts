import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeOffsetMessageId } from "../../store/message_id.ts";
import type { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { pullRecords, scheduleUnits, withClockBroker } from "../schedule/_schedule_testing.ts";
import { PermName } from "../topic_config.ts";

const utf8 = new TextDecoder();

/** Sends one message to `topic` queue 0; @returns its offset message id and commit-log offset */
async function sendOne(client: TestBrokerClient, topic: string, body: string) {
  const sent = await client.send(topic, body, { queueId: 0, tags: "TagS", keys: "k1" });
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  const msgId = sent.extFields!.msgId;
  return { msgId, offset: decodeOffsetMessageId(msgId).physicalOffset };
}

function sendBack(
  client: TestBrokerClient,
  fields: { offset: number; group: string; delayLevel: number; maxReconsumeTimes?: number },
) {
  return client.call(RequestCode.CONSUMER_SEND_MSG_BACK, {
    offset: String(fields.offset),
    group: fields.group,
    delayLevel: String(fields.delayLevel),
    originMsgId: "ignored-by-the-broker",
    originTopic: "ignored",
    unitMode: "false",
    ...(fields.maxReconsumeTimes === undefined
      ? {}
      : { maxReconsumeTimes: String(fields.maxReconsumeTimes) }),
  });
}

Deno.test("CONSUMER_SEND_MSG_BACK puts the message in %RETRY%group after its delay", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const original = await sendOne(client, "TopicBack", "fail-me");
    const answer = await sendBack(client, { offset: original.offset, group: "G1", delayLevel: 0 });
    assert.equal(answer.code, ResponseCode.SUCCESS, answer.remark);
    const retryTopic = env.broker.topicConfigManager.selectTopicConfig("%RETRY%G1");
    assert.equal(retryTopic?.readQueueNums, 1, "retryQueueNums of the group");
    assert.equal(retryTopic?.perm, PermName.PERM_READ | PermName.PERM_WRITE);
    assert.equal((await scheduleUnits(env, 3)).length, 1, "first retry waits level 3");
    const service = env.broker.scheduleMessageService;
    await service.deliverDue();
    assert.deepEqual(await pullRecords(client, "%RETRY%G1", 0), [], "not before 10 s");

    clock.advance(10_000);
    assert.equal(await service.deliverDue(), 1);
    const [retry] = await pullRecords(client, "%RETRY%G1", 0);
    assert.equal(utf8.decode(retry.body), "fail-me");
    assert.equal(retry.reconsumeTimes, 1);
    assert.equal(retry.properties.get("RETRY_TOPIC"), "TopicBack");
    assert.equal(retry.properties.get("ORIGIN_MESSAGE_ID"), original.msgId);
    assert.equal(retry.properties.get("TAGS"), "TagS");
    assert.equal(retry.properties.get("KEYS"), "k1");

    // The second failure of the retried copy waits one level more and keeps the first ids.
    const again = await sendBack(client, {
      offset: retry.physicalOffset,
      group: "G1",
      delayLevel: 0,
    });
    assert.equal(again.code, ResponseCode.SUCCESS, again.remark);
    assert.equal((await scheduleUnits(env, 4)).length, 1, "second retry waits level 4");
    clock.advance(30_000);
    assert.equal(await service.deliverDue(), 1);
    const [, second] = await pullRecords(client, "%RETRY%G1", 0);
    assert.equal(second.reconsumeTimes, 2);
    assert.equal(second.properties.get("RETRY_TOPIC"), "TopicBack");
    assert.equal(second.properties.get("ORIGIN_MESSAGE_ID"), original.msgId);
  });
});

Deno.test("CONSUMER_SEND_MSG_BACK sends to %DLQ%group at max reconsume times or a negative level", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const original = await sendOne(client, "TopicDlq", "poison");
    assert.equal(
      (await sendBack(client, { offset: original.offset, group: "G2", delayLevel: 1 })).code,
      ResponseCode.SUCCESS,
    );
    clock.advance(1000);
    assert.equal(await env.broker.scheduleMessageService.deliverDue(), 1);
    const [retry] = await pullRecords(client, "%RETRY%G2", 0);
    assert.equal(retry.reconsumeTimes, 1);

    const dead = await sendBack(client, {
      offset: retry.physicalOffset,
      group: "G2",
      delayLevel: 0,
      maxReconsumeTimes: 1,
    });
    assert.equal(dead.code, ResponseCode.SUCCESS, dead.remark);
    const dlq = env.broker.topicConfigManager.selectTopicConfig("%DLQ%G2");
    assert.equal(dlq?.writeQueueNums, 1);
    assert.equal(dlq?.perm, PermName.PERM_READ | PermName.PERM_WRITE);
    const [inDlq] = await pullRecords(client, "%DLQ%G2", 0);
    assert.ok(inDlq !== undefined, "the DLQ copy is there at once, without a delay");
    assert.equal(inDlq.reconsumeTimes, 2);
    assert.equal(inDlq.properties.get("RETRY_TOPIC"), "TopicDlq");
    assert.equal(inDlq.properties.get("ORIGIN_MESSAGE_ID"), original.msgId);

    const direct = await sendBack(client, { offset: original.offset, group: "G2", delayLevel: -1 });
    assert.equal(direct.code, ResponseCode.SUCCESS, direct.remark);
    const records = await pullRecords(client, "%DLQ%G2", 0);
    assert.equal(records.length, 2);
    assert.equal(records[1].reconsumeTimes, 1);
    assert.equal(utf8.decode(records[1].body), "poison");
  });
});

Deno.test("CONSUMER_SEND_MSG_BACK answers RocketMQ's errors", async () => {
  await withClockBroker(async ({ env, client }) => {
    const original = await sendOne(client, "TopicBackErr", "x");
    const wrong = await sendBack(client, {
      offset: original.offset + 1,
      group: "G3",
      delayLevel: 0,
    });
    assert.equal(wrong.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(wrong.remark, `look message by offset failed, ${original.offset + 1}`);
    const beyond = await sendBack(client, { offset: 1 << 30, group: "G3", delayLevel: 0 });
    assert.equal(beyond.remark, `look message by offset failed, ${1 << 30}`);

    const missing = await client.call(RequestCode.CONSUMER_SEND_MSG_BACK, { group: "G3" });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.match(missing.remark ?? "", /offset/);

    await env.broker.subscriptionGroupManager.updateSubscriptionGroupConfig({
      groupName: "G_NO_RETRY",
      retryQueueNums: 0,
    });
    const dropped = await sendBack(client, {
      offset: original.offset,
      group: "G_NO_RETRY",
      delayLevel: 0,
    });
    assert.equal(dropped.code, ResponseCode.SUCCESS);
    assert.equal(env.broker.topicConfigManager.selectTopicConfig("%RETRY%G_NO_RETRY"), undefined);
  });
  await withClockBroker(async ({ client }) => {
    const original = await sendOne(client, "TopicBackErr", "x");
    const unknown = await sendBack(client, { offset: original.offset, group: "G4", delayLevel: 0 });
    assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.match(unknown.remark ?? "", /^subscription group not exist, G4 \nSee /);
  }, { properties: { autoCreateSubscriptionGroup: "false" } });
});

Deno.test("CONSUMER_SEND_MSG_BACK counts SNDBCK_PUT_NUMS under the first topic and the group", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const view = async (statsKey: string) => {
      const response = await client.call(RequestCode.VIEW_BROKER_STATS_DATA, {
        statsName: "SNDBCK_PUT_NUMS",
        statsKey,
      });
      return { code: response.code, remark: response.remark, body: utf8.decode(response.body) };
    };
    const original = await sendOne(client, "TopicSndBck", "fail-me");
    const first = await sendBack(client, { offset: original.offset, group: "G5", delayLevel: 0 });
    assert.equal(first.code, ResponseCode.SUCCESS, first.remark);
    const failed = await sendBack(client, {
      offset: original.offset + 1,
      group: "G5",
      delayLevel: 0,
    });
    assert.equal(failed.code, ResponseCode.SYSTEM_ERROR, "a failed send-back counts nothing");
    // The retried copy, sent back again, still counts under the first topic (RETRY_TOPIC).
    clock.advance(10_000);
    assert.equal(await env.broker.scheduleMessageService.deliverDue(), 1);
    const [retry] = await pullRecords(client, "%RETRY%G5", 0);
    const dlq = await sendBack(client, {
      offset: retry.physicalOffset,
      group: "G5",
      delayLevel: -1,
    });
    assert.equal(dlq.code, ResponseCode.SUCCESS, dlq.remark);

    clock.advance(10_000); // the 10-s snapshot after the second send-back
    assert.deepEqual(await view("TopicSndBck@G5"), {
      code: ResponseCode.SUCCESS,
      remark: undefined,
      body: `{"statsDay":{"avgpt":0.0,"sum":0,"tps":0.0},` +
        `"statsHour":{"avgpt":0.0,"sum":0,"tps":0.0},` +
        `"statsMinute":{"avgpt":1.0,"sum":2,"tps":0.1}}`,
    });
    assert.deepEqual(await view("%RETRY%G5@G5"), {
      code: ResponseCode.SYSTEM_ERROR,
      remark: "The stats <SNDBCK_PUT_NUMS> <%RETRY%G5@G5> not exist",
      body: "",
    });
    env.broker.brokerStats.onGroupDeleted("G5");
    assert.equal((await view("TopicSndBck@G5")).code, ResponseCode.SYSTEM_ERROR, "group deleted");
  });
});

import assert from "node:assert/strict";
import { createRequest } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { withClockBroker } from "../schedule/_schedule_testing.ts";

const utf8 = new TextEncoder();
const mqs = [0, 1, 2].map((queueId) => ({
  brokerName: "broker-test",
  queueId,
  topic: "TopicOrder",
}));

function lockRequest(code: number, clientId: string, mqSet: unknown[], oneway = false) {
  const body = { clientId, consumerGroup: "G_ORDER", mqSet, onlyThisBroker: false };
  return createRequest(code, {
    body: utf8.encode(JSON.stringify(body)),
    language: "JAVA",
    version: 409,
    oneway,
  });
}

async function lock(client: TestBrokerClient, clientId: string, mqSet: unknown[]) {
  const response = await client.invoke(lockRequest(RequestCode.LOCK_BATCH_MQ, clientId, mqSet));
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
  return new TextDecoder().decode(response.body);
}

Deno.test("LOCK_BATCH_MQ answers the queues the client holds; UNLOCK_BATCH_MQ frees the holder's", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    assert.equal(
      await lock(client, "c1", mqs.slice(0, 2)),
      '{"lockOKMQSet":[{"brokerName":"broker-test","queueId":0,"topic":"TopicOrder"},' +
        '{"brokerName":"broker-test","queueId":1,"topic":"TopicOrder"}]}',
    );
    assert.equal(
      await lock(client, "c2", mqs),
      '{"lockOKMQSet":[{"brokerName":"broker-test","queueId":2,"topic":"TopicOrder"}]}',
    );
    const unlockedByOther = await client.invoke(
      lockRequest(RequestCode.UNLOCK_BATCH_MQ, "c2", mqs.slice(0, 1)),
    );
    assert.equal(unlockedByOther.code, ResponseCode.SUCCESS);
    assert.equal(env.broker.rebalanceLockManager.lockHolder("G_ORDER", mqs[0]), "c1");

    await client.remoting.invokeOneway(
      client.address,
      lockRequest(RequestCode.UNLOCK_BATCH_MQ, "c1", mqs.slice(0, 1), true),
      5_000,
    );
    // Processors start in arrival order on one connection and UNLOCK has no await: a later lock
    // sees the one-way unlock.
    assert.match(await lock(client, "c2", mqs.slice(0, 1)), /"queueId":0/);

    clock.advance(60_001);
    assert.match(await lock(client, "c3", mqs.slice(1, 2)), /"queueId":1/, "c1's lock expired");
  });
});

Deno.test("LOCK_BATCH_MQ refuses a body that is not a LockBatchRequestBody", async () => {
  await withClockBroker(async ({ client }) => {
    const noBody = await client.invoke(
      createRequest(RequestCode.LOCK_BATCH_MQ, { language: "JAVA", version: 409 }),
    );
    assert.equal(noBody.code, ResponseCode.SYSTEM_ERROR);
    assert.match(noBody.remark ?? "", /Cannot decode LOCK_BATCH_MQ body: the request has no body/);
    const badQueue = await client.invoke(
      lockRequest(RequestCode.LOCK_BATCH_MQ, "c1", [{ topic: "T", brokerName: "b" }]),
    );
    assert.equal(badQueue.code, ResponseCode.SYSTEM_ERROR);
    assert.match(badQueue.remark ?? "", /mqSet\.0\.queueId/);
    const longTopic = await client.invoke(
      lockRequest(RequestCode.LOCK_BATCH_MQ, "c1", [{ ...mqs[0], topic: "T".repeat(263) }]),
    );
    assert.equal(longTopic.code, ResponseCode.SYSTEM_ERROR);
    assert.match(longTopic.remark ?? "", /mqSet\.0\.topic/);
    const longBroker = await client.invoke(
      lockRequest(RequestCode.LOCK_BATCH_MQ, "c1", [{ ...mqs[0], brokerName: "b".repeat(256) }]),
    );
    assert.equal(longBroker.code, ResponseCode.SYSTEM_ERROR);
    assert.match(longBroker.remark ?? "", /mqSet\.0\.brokerName/);
    const retry = { ...mqs[0], topic: "%RETRY%" + "G".repeat(255) };
    const locked = await lock(client, "c1", [retry]);
    assert.equal(locked.includes(retry.topic), true, "the longest real topic locks");
  });
});

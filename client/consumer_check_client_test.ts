import assert from "node:assert/strict";
import { ResponseCode } from "../protocol/response_code.ts";
import {
  type ConsumerTestEnv,
  testPullConsumer,
  testPushConsumer,
  withConsumerTestEnv,
} from "./consumer/_consumer_testing.ts";
import { MQClientError } from "./client_error.ts";
import { MQClientManager } from "./mq_client_manager.ts";

/** Checks a start refused by CHECK_CLIENT_CONFIG: the broker's code and remark, as RocketMQ's. */
function assertRefused(error: unknown, code: number, remark: string): boolean {
  assert.ok(error instanceof MQClientError, `not an MQClientError: ${String(error)}`);
  assert.equal(error.responseCode, code);
  assert.equal(error.errorMessage, remark);
  assert.ok(error.message.startsWith(`CODE: ${code}  DESC: ${remark}`), error.message);
  return true;
}

/** The group left no member on the broker. */
function assertNotOnBroker(t: ConsumerTestEnv, group: string): void {
  const info = t.env.broker.consumerManager.getConsumerGroupInfo(group);
  assert.equal(info?.channelCount ?? 0, 0, `group ${group} is not registered on the broker`);
}

const SQL_REFUSED = "The broker does not support consumer to filter message by SQL92";

Deno.test("PushConsumer with an SQL92 subscription fails start() with the broker's reason; a TAG one starts", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicCheckPush";
    await t.createTopic(topic, 2);
    const clientManager = new MQClientManager();
    const sql = testPushConsumer(t.namesrvAddr, { consumerGroup: "CG_CHECK_PUSH", clientManager });
    sql.subscribe(topic, "region = 'eu' AND amount > 10", "SQL92");
    sql.registerMessageListener(() => "CONSUME_SUCCESS");
    await assert.rejects(
      sql.start(),
      (error) => assertRefused(error, ResponseCode.SYSTEM_ERROR, SQL_REFUSED),
    );
    assert.equal(sql.state, "START_FAILED");
    assert.equal(clientManager.size, 0, "the client instance was released");
    assertNotOnBroker(t, "CG_CHECK_PUSH");
    await sql.shutdown(); // harmless after a failed start

    // The same group with a tag subscription starts on the same client id.
    const tag = testPushConsumer(t.namesrvAddr, { consumerGroup: "CG_CHECK_PUSH", clientManager });
    tag.subscribe(topic, "TagA || TagB");
    tag.registerMessageListener(() => "CONSUME_SUCCESS");
    await tag.start();
    try {
      assert.equal(tag.state, "RUNNING");
      const info = t.env.broker.consumerManager.getConsumerGroupInfo("CG_CHECK_PUSH");
      assert.equal(info?.channelCount, 1, "the TAG consumer announced itself");
    } finally {
      await tag.shutdown();
    }
  });
});

Deno.test("PullConsumer with an SQL92 subscription fails start() with the broker's reason; a TAG one starts", async () => {
  await withConsumerTestEnv(async (t) => {
    const topic = "TopicCheckPull";
    await t.createTopic(topic, 2);
    const clientManager = new MQClientManager();
    const sql = testPullConsumer(t.namesrvAddr, { consumerGroup: "CG_CHECK_PULL", clientManager });
    sql.subscribe(topic, "amount > 10", "SQL92");
    await assert.rejects(
      sql.start(),
      (error) =>
        assertRefused(
          error,
          ResponseCode.SUBSCRIPTION_PARSE_FAILED,
          `Cannot filter topic ${topic} by SQL92: this broker supports TAG expressions only`,
        ),
    );
    assert.equal(sql.state, "START_FAILED");
    assert.equal(clientManager.size, 0, "the client instance was released");
    assertNotOnBroker(t, "CG_CHECK_PULL");
    await sql.shutdown();

    const tag = testPullConsumer(t.namesrvAddr, { consumerGroup: "CG_CHECK_PULL", clientManager });
    tag.subscribe(topic, "*");
    await tag.start();
    try {
      assert.equal(tag.state, "RUNNING");
      const info = t.env.broker.consumerManager.getConsumerGroupInfo("CG_CHECK_PULL");
      assert.equal(info?.channelCount, 1, "the TAG consumer announced itself");
    } finally {
      await tag.shutdown();
    }
  }, { enablePropertyFilter: "true" });
});

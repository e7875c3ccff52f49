/**
 * A pull that carries its own TAG expression (Java's DefaultLitePullConsumer and
 * DefaultMQPullConsumer, push consumers with postSubscriptionWhenPull) is filtered by the tags
 * Java's FilterAPI makes of it: Java's trim keeps U+3000, U+00A0 and U+FEFF in a tag, so the
 * messages tagged with them are served. Found by helper-127.
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

/** PullSysFlag.SUBSCRIPTION: the pull's subscription is in its header. */
const SUBSCRIPTION_FLAG = 0x4;

Deno.test("a pull subscribed to a tag ending in a Unicode space gets the messages tagged so", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const tags = ["订单\u3000", "TagA\u00a0", "\ufeffTagA", "TagA"];
    for (const [queueId, tag] of tags.entries()) {
      const sent = await client.send("TopicTrim", `to ${queueId}`, { queueId, tags: tag });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    for (const [queueId, tag] of tags.entries()) {
      const response = await client.pull({
        group: "G_TRIM",
        topic: "TopicTrim",
        queueId,
        queueOffset: 0,
        subscription: ` ${tag} || Other`,
        sysFlag: SUBSCRIPTION_FLAG,
      });
      assert.equal(
        response.code,
        ResponseCode.SUCCESS,
        `${JSON.stringify(tag)}: ${response.remark}`,
      );
      const served = decodeRecords(response.body).map((record) => record.properties.get("TAGS"));
      assert.deepEqual(served, [tag]);
    }
  } finally {
    await client.close();
    await env.close();
  }
});

import assert from "node:assert/strict";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { startTestProducer } from "./_client_testing.ts";
import { javaHashCode, selectMessageQueueByHash } from "./message_queue_selector.ts";

Deno.test("selectMessageQueueByHash puts a bigint key on the queue a Java producer's Long key gets", async () => {
  // Java: Long.valueOf(v).hashCode() == (int)(v ^ (v >>> 32)); BigInteger beyond 64 bits
  const javaHashes: [bigint, number][] = [
    [7n, 7],
    [-7n, 6],
    [1234567890123456789n, 1825280481], // a snowflake-sized order id
    [-(2n ** 63n), -2147483648],
    [2n ** 70n + 5n, 61509], // new BigInteger("1180591620717411303429").hashCode()
    [-(2n ** 70n + 5n), -61509],
  ];
  for (const [key, hash] of javaHashes) assert.equal(javaHashCode(key), hash, `${key}n`);
  const env = await startTestBroker();
  const producer = await startTestProducer(env.namesrvAddr!);
  try {
    let queueCount = 0; // the topic's queues, as the send path routes it (auto-created)
    await producer.send({ topic: "TopicOrderLong", body: "first" }, {
      selector: (mqs) => {
        queueCount = mqs.length;
        return mqs[0];
      },
    });
    assert.ok(queueCount > 1, `${queueCount} queues`);
    const orderId = 1234567890123456789n;
    const expected = Math.abs(1825280481 % queueCount);
    assert.notEqual(javaHashCode(String(orderId)) % queueCount, expected, "a telling key");
    for (let step = 0; step < 3; step++) {
      const result = await producer.send({ topic: "TopicOrderLong", body: `step-${step}` }, {
        selector: selectMessageQueueByHash,
        arg: orderId,
      });
      assert.equal(result.messageQueue.queueId, expected, `step ${step}`);
    }
  } finally {
    await producer.shutdown();
    await env.close();
  }
});

/**
 * Topics changed while they carry traffic (helper-128's review): a delete raced by sends, queue
 * counts shrunk and grown back, and permissions, each seen by the next request and by the route
 * the name server hands out.
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import {
  decodeRecords,
  TestBrokerClient,
  updateTopicRequest,
} from "../tests/broker_test_client.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";

const decoder = new TextDecoder();

/** @returns the code of a pull of a queue from offset 0, and the bodies it served */
async function pullQueue(client: TestBrokerClient, topic: string, queueId: number, offset = 0) {
  const response = await client.pull({
    group: "G_LIFECYCLE",
    topic,
    queueId,
    queueOffset: offset,
    subscription: "*",
    suspendTimeoutMillis: 0,
    sysFlag: 0x4,
  });
  const bodies = decodeRecords(response.body).map((record) => decoder.decode(record.body));
  return { response, bodies };
}

async function updateTopic(
  client: TestBrokerClient,
  topic: string,
  fields: Record<string, string>,
) {
  const response = await client.invoke(updateTopicRequest(topic, fields));
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
}

Deno.test("every message acknowledged after DELETE_TOPIC_IN_BROKER answered, while sends raced it, is served", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await updateTopic(client, "TopicDeleted", { readQueueNums: "64", writeQueueNums: "64" });
    for (let i = 0; i < 128; i++) {
      const sent = await client.send("TopicDeleted", `old-${i}`, { queueId: i % 64 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    let deleting = true;
    const racing = (async () => {
      for (let i = 0; deleting;) {
        const sends = Array.from(
          { length: 8 },
          () => client.send("TopicDeleted", `race-${i++}`, { queueId: 0 }),
        );
        await Promise.all(sends);
      }
    })();
    const deleted = await client.call(RequestCode.DELETE_TOPIC_IN_BROKER, {
      topic: "TopicDeleted",
    });
    deleting = false;
    await racing;
    assert.equal(deleted.code, ResponseCode.SUCCESS, deleted.remark);
    const after: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = await client.send("TopicDeleted", `after-${i}`, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      after.push(`after-${i}`);
    }
    await env.broker.store.waitDispatched();
    const served = new Set<string>();
    for (let offset = 0, round = 0; round < 100; round++) {
      const { response, bodies } = await pullQueue(client, "TopicDeleted", 0, offset);
      const next = Number(response.extFields?.nextBeginOffset ?? offset);
      bodies.forEach((body) => served.add(body));
      if (next <= offset) break;
      offset = next;
    }
    assert.deepEqual(after.filter((body) => !served.has(body)), [], "acknowledged, never served");
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("queue counts shrunk and grown back keep the dropped queues' messages; permissions and routes follow each change", async () => {
  const env = await startTestBroker({});
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const namesrv = new TestBrokerClient(new DenoTcpTransport(), env.namesrvAddr!);
  const queueData = async () => {
    const route = await namesrv.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicResized" });
    assert.equal(route.code, ResponseCode.SUCCESS, route.remark);
    return JSON.parse(decoder.decode(route.body)).queueDatas[0];
  };
  try {
    await updateTopic(client, "TopicResized", { readQueueNums: "8", writeQueueNums: "8" });
    for (let queueId = 0; queueId < 8; queueId++) {
      const sent = await client.send("TopicResized", `m${queueId}`, { queueId });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await env.broker.store.waitDispatched();

    await updateTopic(client, "TopicResized", { readQueueNums: "4", writeQueueNums: "4" });
    assert.equal((await queueData()).readQueueNums, 4);
    const beyond = await pullQueue(client, "TopicResized", 6);
    assert.notEqual(beyond.response.code, ResponseCode.SUCCESS, "queue 6 is past the read count");

    // Read 8, write 2: consumers read all 8 queues again, the dropped queues' messages included.
    await updateTopic(client, "TopicResized", { readQueueNums: "8", writeQueueNums: "2" });
    assert.deepEqual((await pullQueue(client, "TopicResized", 6)).bodies, ["m6"]);
    const grown = await queueData();
    assert.deepEqual([grown.readQueueNums, grown.writeQueueNums], [8, 2]);

    await updateTopic(client, "TopicResized", {
      readQueueNums: "8",
      writeQueueNums: "8",
      perm: "2",
    });
    const refused = await pullQueue(client, "TopicResized", 0);
    assert.equal(refused.response.code, ResponseCode.NO_PERMISSION, refused.response.remark);
    assert.equal((await queueData()).perm, 2);
    await updateTopic(client, "TopicResized", {
      readQueueNums: "8",
      writeQueueNums: "8",
      perm: "6",
    });
    assert.deepEqual((await pullQueue(client, "TopicResized", 7)).bodies, ["m7"]);
  } finally {
    await client.close();
    await namesrv.close();
    await env.close();
  }
});

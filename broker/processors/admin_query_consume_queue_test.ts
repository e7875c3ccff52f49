import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import type { RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeOffsetMessageId } from "../../store/message_id.ts";
import { javaStringHash } from "../../store/message_properties.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";
import { QUERY_CONSUME_QUEUE_COUNT_MAX } from "../limits.ts";

const TOPIC = "TopicCq";
const hash = (tag: string) => javaStringHash(tag, 0);

function json(response: RemotingCommand): Record<string, unknown> {
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
  assert.ok(response.body !== undefined, "a body");
  return JSON.parse(new TextDecoder().decode(response.body));
}

Deno.test("QUERY_CONSUME_QUEUE answers a queue's units, bounds and a group's tag filter over TCP", async () => {
  // Two units per consume-queue file: reads cross file ends.
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { mappedFileSizeConsumeQueue: "40" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const tags = ["TagA", "TagB", "TagA", "TagC"];
    const units = [];
    for (const [i, tag] of tags.entries()) {
      const sent = await client.send(TOPIC, `m${i}`, { queueId: 0, tags: tag });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      const physicOffset = decodeOffsetMessageId(sent.extFields!.msgId).physicalOffset;
      const viewed = await client.call(RequestCode.VIEW_MESSAGE_BY_ID, {
        offset: String(physicOffset),
      });
      const [record] = decodeRecords(viewed.body);
      units.push({ eval: false, physicOffset, physicSize: record.totalSize, tagsCode: hash(tag) });
    }
    await env.broker.store.waitDispatched();
    const query = (fields: Record<string, string>) =>
      client.call(RequestCode.QUERY_CONSUME_QUEUE, {
        topic: TOPIC,
        queueId: "0",
        index: "0",
        count: "10",
        ...fields,
      });

    const all = await query({});
    const text = new TextDecoder().decode(all.body);
    const first = `{"maxQueueIndex":4,"minQueueIndex":0,"queueData":[{"eval":false,` +
      `"physicOffset":0,"physicSize":${units[0].physicSize},"tagsCode":${hash("TagA")}},`;
    assert.ok(text.startsWith(first), `fastjson's order, absent properties left out: ${text}`);
    assert.deepEqual(json(all), { maxQueueIndex: 4, minQueueIndex: 0, queueData: units });
    assert.deepEqual(json(await query({ index: "1", count: "2" })).queueData, units.slice(1, 3));
    assert.deepEqual(json(await query({ index: "3" })).queueData, units.slice(3));

    // A live group's subscription: its JSON, `null` filter data, and eval per unit.
    const beat = await client.heartbeat("127.0.0.1@cq", "CG_CQ", { [TOPIC]: "TagA || TagC" });
    assert.equal(beat.code, ResponseCode.SUCCESS, beat.remark);
    assert.deepEqual(json(await query({ consumerGroup: "CG_CQ" })), {
      filterData: "null",
      maxQueueIndex: 4,
      minQueueIndex: 0,
      queueData: units.map((u, i) => ({ ...u, eval: tags[i] !== "TagB" })),
      subscriptionData: {
        classFilterMode: false,
        codeSet: [hash("TagA"), hash("TagC")],
        expressionType: "TAG",
        subString: "TagA || TagC",
        subVersion: 1,
        tagsSet: ["TagA", "TagC"],
        topic: TOPIC,
      },
    });
    const offline = json(await query({ consumerGroup: "CG_GONE", count: "1" }));
    assert.equal(offline.filterData, `CG_GONE@${TOPIC} is not online!`);
    assert.equal(offline.subscriptionData, undefined);
    assert.deepEqual(offline.queueData, units.slice(0, 1));

    // An index outside [min, max): SUCCESS with RocketMQ's remark and no body.
    for (const index of ["4", "-1", "9007199254740991"]) {
      const outside = await query({ index });
      assert.deepEqual([outside.code, outside.remark, outside.body?.length ?? 0], [
        ResponseCode.SUCCESS,
        `Index ${index} of 0@${TOPIC} is not exist!`,
        0,
      ]);
    }
    const refused = async (fields: Record<string, string>, remark: string) => {
      const response = await query(fields);
      assert.deepEqual([response.code, response.remark], [ResponseCode.SYSTEM_ERROR, remark]);
    };
    await refused({ topic: "TopicNowhere" }, "0@TopicNowhere is not exist!");
    await refused({ queueId: "7" }, `7@${TOPIC} is not exist!`);
    const max = QUERY_CONSUME_QUEUE_COUNT_MAX;
    for (const count of ["0", "-3", String(max + 1)]) {
      await refused(
        { count },
        `Cannot query consume queue 0@${TOPIC}: count ${count} is outside 1 to ${max}`,
      );
    }
    assert.equal(json(await query({ count: String(max) })).queueData instanceof Array, true);
    await refused(
      { queueId: "x" },
      'Cannot decode QUERY_CONSUME_QUEUE header: queueId is not an int: "x"',
    );
    const noIndex = await client.call(RequestCode.QUERY_CONSUME_QUEUE, {
      topic: TOPIC,
      queueId: "0",
      count: "1",
    });
    assert.deepEqual([noIndex.code, noIndex.remark], [
      ResponseCode.SYSTEM_ERROR,
      "Cannot decode QUERY_CONSUME_QUEUE header: index is missing",
    ]);
  } finally {
    await client.close();
    await env.close();
  }
});

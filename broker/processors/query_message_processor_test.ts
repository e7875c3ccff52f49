import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeOffsetMessageId } from "../../store/message_id.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

Deno.test("Query offset processors answer offsets and times", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const before = Date.now();
    const sent = [];
    for (let i = 0; i < 3; i++) {
      sent.push(await client.send("TopicQ", `q${i}`, { queueId: 1, keys: `order-${i} shared` }));
    }
    const queue = { topic: "TopicQ", queueId: "1" };
    assert.equal((await client.call(RequestCode.GET_MAX_OFFSET, queue)).extFields!.offset, "3");
    assert.equal((await client.call(RequestCode.GET_MIN_OFFSET, queue)).extFields!.offset, "0");
    const search = await client.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      ...queue,
      timestamp: String(before - 60_000),
    });
    assert.equal(search.extFields!.offset, "0");
    const late = await client.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      ...queue,
      timestamp: String(Date.now() + 60_000),
    });
    assert.equal(late.extFields!.offset, "3");
    const upper = await client.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      ...queue,
      timestamp: String(Date.now() + 60_000),
      boundaryType: "UPPER",
    });
    assert.equal(upper.extFields!.offset, "2", "5.x upper: the last stored at or before");
    const upperEarly = await client.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      ...queue,
      timestamp: String(before - 60_000),
      boundaryType: "upper",
    });
    assert.equal(upperEarly.extFields!.offset, "0", "none before: the min offset");
    const earliest = await client.call(RequestCode.GET_EARLIEST_MSG_STORETIME, queue);
    assert.ok(Number(earliest.extFields!.timestamp) >= before - 1000);
    const unknown = await client.call(RequestCode.GET_MAX_OFFSET, {
      topic: "TopicNone",
      queueId: "0",
    });
    assert.equal(unknown.extFields!.offset, "0");
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("Query message processors answer key queries and views", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const before = Date.now();
    const sent = [];
    for (let i = 0; i < 3; i++) {
      sent.push(await client.send("TopicQ", `q${i}`, { queueId: 1, keys: `order-${i} shared` }));
    }
    await env.broker.store.waitDispatched();
    const range = {
      beginTimestamp: String(before - 60_000),
      endTimestamp: String(Date.now() + 60_000),
    };
    const byKey = await client.call(RequestCode.QUERY_MESSAGE, {
      topic: "TopicQ",
      key: "shared",
      maxNum: "64",
      ...range,
    });
    assert.equal(byKey.code, ResponseCode.SUCCESS, byKey.remark);
    assert.equal(decodeRecords(byKey.body).length, 3);
    assert.ok(Number(byKey.extFields!.indexLastUpdatePhyoffset) >= 0);
    const uniq = sent[1].extFields!.transactionId;
    const byUniq = await client.call(RequestCode.QUERY_MESSAGE, {
      topic: "TopicQ",
      key: uniq,
      maxNum: "1",
      _UNIQUE_KEY_QUERY: "true",
      ...range,
    });
    assert.deepEqual(decodeRecords(byUniq.body).map((r) => r.properties.get("UNIQ_KEY")), [uniq]);
    // Java's queryMessageByUniqKey (viewMessage by msgId) asks up to Long.MAX_VALUE.
    const toLongMax = await client.call(RequestCode.QUERY_MESSAGE, {
      topic: "TopicQ",
      key: uniq,
      maxNum: "32",
      _UNIQUE_KEY_QUERY: "true",
      beginTimestamp: range.beginTimestamp,
      endTimestamp: "9223372036854775807",
    });
    assert.equal(toLongMax.code, ResponseCode.SUCCESS, toLongMax.remark);
    assert.equal(decodeRecords(toLongMax.body).length, 1);
    const none = await client.call(RequestCode.QUERY_MESSAGE, {
      topic: "TopicQ",
      key: "absent",
      maxNum: "8",
      ...range,
    });
    assert.equal(none.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(none.remark, "can not find message, maybe time range not correct");

    const offset = decodeOffsetMessageId(sent[2].extFields!.msgId).physicalOffset;
    const view = await client.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(offset) });
    assert.equal(view.code, ResponseCode.SUCCESS);
    assert.equal(new TextDecoder().decode(decodeRecords(view.body)[0].body), "q2");
    const missing = await client.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: "99999999" });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(missing.remark, "can not find message by the offset, 99999999");
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("QUERY_MESSAGE answers oldest first, up to maxMsgsNumBatch (RocketMQ's only cap)", async () => {
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { maxMsgsNumBatch: "200" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    for (let i = 0; i < 100; i++) {
      const sent = await client.send("TopicSameKey", `m${i}`, { queueId: 0, keys: "same-key" });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await env.broker.store.waitDispatched();
    const query = (maxNum: number) =>
      client.call(RequestCode.QUERY_MESSAGE, {
        topic: "TopicSameKey",
        key: "same-key",
        maxNum: String(maxNum),
        beginTimestamp: "0",
        endTimestamp: "9223372036854775807",
      });
    const all = await query(100);
    assert.equal(all.code, ResponseCode.SUCCESS, all.remark);
    const offsets = decodeRecords(all.body).map((r) => r.queueOffset);
    assert.deepEqual(offsets, Array.from({ length: 100 }, (_, i) => i));
    // The index keeps the newest maxNum; they come back oldest first.
    const newest = decodeRecords((await query(3)).body).map((r) => r.queueOffset);
    assert.deepEqual(newest, [97, 98, 99]);
  } finally {
    await client.close();
    await env.close();
  }
});

/**
 * A SYNC_MASTER without an in-sync slave (EdgeMQ has no HA, so never one) over real TCP: what
 * RocketMQ 4.9.8 answers (`CommitLog.submitReplicaRequest`, store.md §7).
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeOffsetMessageId } from "../../store/message_id.ts";
import { encodeProperties } from "../../store/message_properties.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

const utf8 = new TextEncoder();

function batchEntry(body: string, uniqKey: string): Uint8Array {
  const bytes = utf8.encode(body);
  const properties = utf8.encode(encodeProperties({ UNIQ_KEY: uniqKey }));
  const entry = new Uint8Array(22 + bytes.length + properties.length);
  const view = new DataView(entry.buffer);
  view.setInt32(0, entry.length);
  view.setInt32(16, bytes.length);
  entry.set(bytes, 20);
  view.setInt16(20 + bytes.length, properties.length);
  entry.set(properties, 22 + bytes.length);
  return entry;
}

Deno.test("SendMessageProcessor on a SYNC_MASTER without a slave answers SLAVE_NOT_AVAILABLE, stored", async () => {
  for (const flushDiskType of ["ASYNC_FLUSH", "SYNC_FLUSH"]) {
    const env = await startTestBroker({
      withNamesrv: false,
      properties: { brokerRole: "SYNC_MASTER", flushDiskType },
    });
    const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
    try {
      const waited = await client.send("TopicSync", "must-be-replicated", { queueId: 0 });
      assert.equal(
        waited.code,
        ResponseCode.SLAVE_NOT_AVAILABLE,
        `${flushDiskType}: ${waited.code}`,
      );
      assert.equal(waited.extFields!.queueId, "0");
      assert.equal(waited.extFields!.queueOffset, "0");
      assert.ok(decodeOffsetMessageId(waited.extFields!.msgId).physicalOffset >= 0);

      // WAIT=false: the producer does not wait for the flush nor the slave (isWaitStoreMsgOK).
      const noWait = await client.send("TopicSync", "fire", {
        queueId: 0,
        properties: { WAIT: "false" },
      });
      assert.equal(noWait.code, ResponseCode.SUCCESS, noWait.remark);

      const batch = client.sendRequest(
        "TopicSync",
        new Uint8Array([...batchEntry("b0", "U0"), ...batchEntry("b1", "U1")]),
        { queueId: 0, code: RequestCode.SEND_BATCH_MESSAGE },
      );
      batch.extFields!.i = encodeProperties({ WAIT: "true" });
      const batched = await client.invoke(batch);
      assert.equal(batched.code, ResponseCode.SLAVE_NOT_AVAILABLE, `batch: ${batched.code}`);
      assert.equal(batched.extFields!.msgId.split(",").length, 2);

      // SLAVE_NOT_AVAILABLE says "stored": every message is there.
      await env.broker.store.waitDispatched();
      const pulled = await client.pull({
        group: "G_SYNC",
        topic: "TopicSync",
        queueId: 0,
        queueOffset: 0,
        subscription: "*",
        sysFlag: 0x4,
      });
      assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
      assert.equal(decodeRecords(pulled.body).length, 4);

      // CONSUMER_SEND_MSG_BACK never waits (RocketMQ sets WAIT=false): a retry is accepted.
      const back = await client.call(RequestCode.CONSUMER_SEND_MSG_BACK, {
        offset: String(decodeOffsetMessageId(waited.extFields!.msgId).physicalOffset),
        group: "G_SYNC",
        delayLevel: "0",
        originMsgId: waited.extFields!.msgId,
        originTopic: "TopicSync",
        unitMode: "false",
      });
      assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
    } finally {
      await client.close();
      await env.close();
    }
  }
});

/**
 * A producer on IPv6 loopback, a broker bound to ::1 with brokerIP1 ::1: IPv6 born and store
 * hosts, their sysFlag bits and the 56-character offset message id, over real TCP.
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { startTestBroker } from "./broker_test_env.ts";
import { decodeRecords, TestBrokerClient } from "./broker_test_client.ts";
import { createOffsetMessageId, decodeOffsetMessageId } from "../store/message_id.ts";

Deno.test("append over IPv6: born/store hosts, sysFlag bits, 56-char offset msgId", async () => {
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { bindAddress: "::1", brokerIP1: "::1", autoCreateTopicEnable: "true" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), `[::1]:${env.broker.port}`);
  try {
    const sent = await client.send("V6Topic", "hello6", { queueId: 0, tags: "A" });
    assert.equal(sent.code, 0, sent.remark ?? "");
    const msgId = sent.extFields?.msgId ?? "";
    assert.equal(msgId.length, 56, `msgId ${msgId}`);
    assert.equal((await client.heartbeat("::1@v6", "G6", { V6Topic: "*" })).code, 0);
    const pulled = await client.pull({
      group: "G6",
      topic: "V6Topic",
      queueId: 0,
      queueOffset: 0,
      suspendTimeoutMillis: 1000,
    });
    assert.equal(pulled.code, 0, pulled.remark ?? "");
    const [record] = decodeRecords(pulled.body);
    assert.equal(record.sysFlag & 0x30, 0x30);
    assert.equal(record.bornHost.address.length, 16);
    assert.equal(record.bornHost.address[15], 1);
    assert.deepEqual(record.storeHost.address, new Uint8Array([...new Array(15).fill(0), 1]));
    assert.equal(record.storeHost.port, env.broker.port);
    assert.equal(
      msgId,
      createOffsetMessageId(record.storeHost.address, record.storeHost.port, record.physicalOffset),
    );
    assert.equal(decodeOffsetMessageId(msgId).physicalOffset, record.physicalOffset);
  } finally {
    await client.close();
    await env.close();
  }
});

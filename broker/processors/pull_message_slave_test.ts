/**
 * PULL_MESSAGE on a broker whose store runs as SLAVE (a demoted master's store), as RocketMQ
 * 4.9.8 `PullMessageProcessor` answers it: found messages are served whatever
 * `slaveReadEnable` (the slave-read switch only sets `suggestWhichBrokerId`; the status switch
 * after it sets the code), and without `offsetCheckInSlave` a moved offset is answered
 * PULL_RETRY_IMMEDIATELY pointing at the group's broker. Real brokers over TCP on one store.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

/** Sends `bodies` to a master on `dir`, then starts a slave on the same store; runs `fn`. */
async function withSlaveOf(
  bodies: readonly string[],
  properties: Record<string, string>,
  fn: (client: TestBrokerClient) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "edgemq-slave-pull-" });
  try {
    const master = await startTestBroker({ withNamesrv: false, dir });
    const producer = new TestBrokerClient(new DenoTcpTransport(), master.address);
    try {
      for (const body of bodies) {
        const sent = await producer.send("TopicSlave", body, { queueId: 0 });
        assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      }
    } finally {
      await producer.close();
      await master.close(true);
    }
    const slave = await startTestBroker({
      withNamesrv: false,
      dir,
      properties: { brokerRole: "SLAVE", brokerId: "1", ...properties },
    });
    const client = new TestBrokerClient(new DenoTcpTransport(), slave.address);
    try {
      await fn(client);
    } finally {
      await client.close();
      await slave.close(true);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const pull = (client: TestBrokerClient, queueOffset: number) =>
  client.pull({
    group: "G_SLAVE",
    topic: "TopicSlave",
    queueId: 0,
    queueOffset,
    subscription: "*",
  });

Deno.test("a slave with slaveReadEnable=false serves what it found, suggesting the master", async () => {
  await withSlaveOf(["m0", "m1", "m2"], {}, async (client) => {
    const response = await pull(client, 0);
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    const bodies = decodeRecords(response.body).map((r) => new TextDecoder().decode(r.body));
    assert.deepEqual(bodies, ["m0", "m1", "m2"]);
    assert.equal(response.extFields!.nextBeginOffset, "3");
    assert.equal(response.extFields!.suggestWhichBrokerId, "0");
  });
});

Deno.test("a slave moves no offset unless offsetCheckInSlave", async () => {
  await withSlaveOf(["m0"], { slaveReadEnable: "true" }, async (client) => {
    const response = await pull(client, 50);
    assert.equal(response.code, ResponseCode.PULL_RETRY_IMMEDIATELY, response.remark);
    assert.equal(response.extFields!.nextBeginOffset, "50", "the request's offset");
    assert.equal(response.extFields!.suggestWhichBrokerId, "0", "the group's brokerId");
  });
  await withSlaveOf(["m0"], { offsetCheckInSlave: "true" }, async (client) => {
    const response = await pull(client, 50);
    assert.equal(response.code, ResponseCode.PULL_OFFSET_MOVED, response.remark);
    assert.equal(response.extFields!.nextBeginOffset, "1");
  });
});

import assert from "node:assert/strict";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

const utf8 = new TextEncoder();

/** A consumer answering GET_CONSUMER_STATUS_FROM_CLIENT as a Java client's processor does. */
function answerStatus(client: TestBrokerClient, offsets: number[], seen: RemotingCommand[]): void {
  client.remoting.registerProcessor(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, (request) => {
    seen.push(request);
    const table = offsets.map((offset, queueId) =>
      `{"brokerName":"broker-a","queueId":${queueId},"topic":"TopicStatus"}:${offset}`
    );
    const body = `{"consumerTable":{},"messageQueueTable":{${table.join(",")}}}`;
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, utf8.encode(body));
  });
}

Deno.test("INVOKE_BROKER_TO_GET_CONSUMER_STATUS gathers each client's offsets (mqadmin getConsumerStatus)", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const a = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const b = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const gone = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const admin = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const seen: RemotingCommand[] = [];
    answerStatus(a, [5, 7], seen);
    answerStatus(b, [3], seen);
    // A client that goes away while asked: left out, the others still answered.
    gone.remoting.registerProcessor(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, async () => {
      await gone.close();
      return new Promise<RemotingCommand>(() => {});
    });
    await a.heartbeat("client-a", "CG_STATUS", { TopicStatus: "*" });
    await b.heartbeat("client-b", "CG_STATUS", { TopicStatus: "*" });
    await gone.heartbeat("client-gone", "CG_STATUS", { TopicStatus: "*" });

    const all = await admin.call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, {
      topic: "TopicStatus",
      group: "CG_STATUS",
    });
    assert.equal(all.code, ResponseCode.SUCCESS, all.remark);
    const mq = (queueId: number) =>
      `{"brokerName":"broker-a","queueId":${queueId},"topic":"TopicStatus"}`;
    assert.equal(
      new TextDecoder().decode(all.body),
      `{"consumerTable":{"client-a":{${mq(0)}:5,${mq(1)}:7},"client-b":{${mq(0)}:3}},` +
        `"messageQueueTable":{}}`,
    );
    assert.deepEqual(
      seen.map((r) => [r.extFields?.topic, r.extFields?.group]).sort(),
      [["TopicStatus", "CG_STATUS"], ["TopicStatus", "CG_STATUS"]],
    );

    // `clientAddr` names one client by its id, as RocketMQ's Broker2Client matches it.
    const one = await admin.call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, {
      topic: "TopicStatus",
      group: "CG_STATUS",
      clientAddr: "client-b",
    });
    assert.equal(one.code, ResponseCode.SUCCESS, one.remark);
    assert.equal(
      new TextDecoder().decode(one.body),
      `{"consumerTable":{"client-b":{${mq(0)}:3}},"messageQueueTable":{}}`,
    );

    const offline = await admin.call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, {
      topic: "TopicStatus",
      group: "CG_NOBODY",
    });
    assert.equal(offline.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(offline.remark, "No Any Consumer online in the consumer group: [CG_NOBODY]");
  } finally {
    await admin.close();
    await gone.close();
    await b.close();
    await a.close();
    await env.close();
  }
});

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { createResponse } from "../../protocol/remoting_command.ts";
import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import { RemotingServer } from "../../protocol/remoting_server.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { testInstance } from "../_client_testing.ts";
import { withConsumerTestEnv } from "./_consumer_testing.ts";
import { type BrokerOffsetClient, RemoteBrokerOffsetStore } from "./remote_broker_offset_store.ts";

const BROKER = "broker-test";

Deno.test("RemoteBrokerOffsetStore reads, commits and drops offsets on a real broker", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic("TopicOff", 2);
    const instance = testInstance(t.namesrvAddr);
    try {
      const store = new RemoteBrokerOffsetStore(instance, "CG_OFF");
      const mq0 = { topic: "TopicOff", brokerName: BROKER, queueId: 0 };
      const mq1 = { topic: "TopicOff", brokerName: BROKER, queueId: 1 };
      // A new group on a young queue reads 0 (the broker's new-group rule, features.md §6).
      assert.equal(await store.readOffset(mq0, "READ_FROM_STORE"), 0);
      assert.equal(store.memoryOffset(mq0), 0);
      store.updateOffset(mq0, 5, false);
      store.updateOffset(mq0, 3, true);
      assert.equal(await store.readOffset(mq0, "READ_FROM_MEMORY"), 5, "increase-only");
      store.updateOffset(mq1, 2, false);
      await store.persistAll([mq0, mq1]);
      const direct = await instance.api.queryConsumerOffset(
        t.env.address,
        { consumerGroup: "CG_OFF", topic: "TopicOff", queueId: 0 },
        3000,
      );
      assert.equal(direct, 5, "persistAll committed to the broker");
      await store.persistAll([mq1]);
      assert.equal(store.memoryOffset(mq0), -1, "queues not held any more leave memory");
      assert.equal(await store.readOffset(mq0, "MEMORY_FIRST_THEN_STORE"), 5);
      await store.updateConsumeOffsetToBroker(mq1, 9, false);
      assert.equal(await store.fetchConsumeOffsetFromBroker(mq1), 9);
      const missing = { topic: "TopicOff", brokerName: "no-such-broker", queueId: 0 };
      assert.equal(await store.readOffset(missing, "READ_FROM_STORE"), -2);
      await assert.rejects(
        store.fetchConsumeOffsetFromBroker(missing),
        /The broker\[no-such-broker\] not exist/,
      );
    } finally {
      await instance.shutdown();
    }
  });
});

Deno.test("RemoteBrokerOffsetStore reads QUERY_NOT_FOUND as -1 and other errors as -2", async () => {
  // A broker answering as RocketMQ does when the group has no offset and the first message is on
  // disk (EdgeMQ's store keeps young queues in memory, so it answers 0 instead).
  const transport = new DenoTcpTransport();
  const server = new RemotingServer({
    transport,
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  server.registerProcessor(RequestCode.QUERY_CONSUMER_OFFSET, (request) => {
    const queueId = request.extFields?.queueId;
    return queueId === "0"
      ? createResponse(
        request,
        ResponseCode.QUERY_NOT_FOUND,
        "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
      )
      : createResponse(request, ResponseCode.SYSTEM_ERROR, "boom");
  });
  await server.start();
  const instance = testInstance(`127.0.0.1:${server.port}`);
  try {
    const client: BrokerOffsetClient = {
      clientId: instance.clientId,
      api: instance.api,
      config: instance.config,
      brokers: {
        findBrokerAddressInSubscribe: () => ({
          brokerAddr: `127.0.0.1:${server.port}`,
          slave: false,
          brokerVersion: 0,
        }),
      } as unknown as BrokerOffsetClient["brokers"],
      updateTopicRouteInfoFromNameServer: () => Promise.resolve(false),
    };
    const store = new RemoteBrokerOffsetStore(client, "CG_NF");
    assert.equal(
      await store.readOffset({ topic: "T", brokerName: "b", queueId: 0 }, "READ_FROM_STORE"),
      -1,
    );
    assert.equal(
      await store.readOffset({ topic: "T", brokerName: "b", queueId: 1 }, "READ_FROM_STORE"),
      -2,
    );
    assert.equal(
      store.memoryOffset({ topic: "T", brokerName: "b", queueId: 0 }),
      -1,
      "nothing cached",
    );
  } finally {
    await instance.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 1000 });
  }
});

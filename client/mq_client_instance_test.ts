import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingConnectError } from "../protocol/remoting_error.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { startTestProducer, testClientOptions, testInstance, waitFor } from "./_client_testing.ts";
import { AdminClient } from "./admin_client.ts";
import { MQBrokerError, MQClientError } from "./client_error.ts";
import { buildSubscriptionData, type SubscriptionData } from "./heartbeat_data.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { MQConsumerInner } from "./mq_client_inner.ts";

/** A consumer as the instance sees it: announces a subscription and counts rebalances. */
class TestConsumer implements MQConsumerInner {
  readonly groupName: string;
  readonly messageModel = "CLUSTERING" as const;
  readonly consumeType = "CONSUME_PASSIVELY" as const;
  readonly consumeFromWhere = "CONSUME_FROM_LAST_OFFSET" as const;
  readonly queues = new Map<string, readonly MessageQueue[]>();
  readonly #subscriptions: SubscriptionData[];
  readonly #rebalanceListeners = new Set<(n: number) => void>();
  rebalances = 0;
  persists = 0;

  constructor(groupName: string, topic: string) {
    this.groupName = groupName;
    this.#subscriptions = [
      buildSubscriptionData(topic, "TagA || TagB", { subVersion: 1 }),
      buildSubscriptionData(`%RETRY%${groupName}`, "*", { subVersion: 1 }),
    ];
  }

  subscriptions(): readonly SubscriptionData[] {
    return this.#subscriptions;
  }

  updateTopicSubscribeInfo(topic: string, queues: readonly MessageQueue[]): void {
    this.queues.set(topic, queues);
  }

  isSubscribeTopicNeedUpdate(topic: string): boolean {
    return !this.queues.has(topic);
  }

  doRebalance(): Promise<void> {
    this.rebalances++;
    for (const listener of this.#rebalanceListeners) listener(this.rebalances);
    return Promise.resolve();
  }

  persistConsumerOffset(): Promise<void> {
    this.persists++;
    return Promise.resolve();
  }

  onRebalance(listener: (n: number) => void): () => void {
    this.#rebalanceListeners.add(listener);
    return () => this.#rebalanceListeners.delete(listener);
  }
}

Deno.test("MQClientInstance heartbeats consumer groups, and NOTIFY_CONSUMER_IDS_CHANGED triggers a rebalance", async () => {
  const env = await startTestBroker();
  const ns = env.namesrvAddr!;
  const admin = new AdminClient({ ...testClientOptions(ns), logger: silentRemotingLogger });
  const first = testInstance(ns);
  const second = testInstance(ns);
  try {
    await admin.createTopic(env.address, {
      topicName: "TopicC",
      readQueueNums: 4,
      writeQueueNums: 4,
    });
    await env.broker.registration!.registerNow();
    const c1 = new TestConsumer("CG1", "TopicC");
    assert.equal(first.registerConsumer("CG1", c1), true);
    assert.equal(first.registerConsumer("CG1", c1), false, "a group registers once per instance");
    await first.start();
    assert.equal(await first.updateTopicRouteInfoFromNameServer("TopicC"), true);
    assert.equal(c1.queues.get("TopicC")?.length, 4, "route updates reach the consumer");
    assert.equal(await first.sendHeartbeatToAllBrokerWithLock(), true);
    assert.deepEqual(await first.findConsumerIdList("TopicC", "CG1"), [first.clientId]);

    const notified = waitFor<number>(
      (report) => c1.onRebalance(report),
      () => true,
      5000,
      "a rebalance of CG1",
    );
    second.registerConsumer("CG1", new TestConsumer("CG1", "TopicC"));
    await second.start();
    await second.updateTopicRouteInfoFromNameServer("TopicC");
    await second.sendHeartbeatToAllBrokerWithLock();
    await notified;
    assert.deepEqual(
      (await first.findConsumerIdList("TopicC", "CG1")).sort(),
      [first.clientId, second.clientId].sort(),
    );

    await env.broker.registration!.registerNow();
    const connection = await admin.consumerConnection("CG1");
    assert.deepEqual(
      connection.connectionSet.map((c) => c.clientId).sort(),
      [first.clientId, second.clientId].sort(),
    );
    assert.equal(connection.consumeType, "CONSUME_PASSIVELY");
    assert.equal(connection.messageModel, "CLUSTERING");
    assert.equal(connection.subscriptionTable["TopicC"].subString, "TagA || TagB");

    const left = waitFor<number>(
      (report) => c1.onRebalance(report),
      () => true,
      5000,
      "a rebalance after the second left",
    );
    await second.shutdown();
    await left;
    assert.deepEqual(await first.findConsumerIdList("TopicC", "CG1"), [first.clientId]);
  } finally {
    await second.shutdown();
    await first.shutdown();
    await admin.shutdown();
    await env.close();
  }
});

Deno.test("MQClientInstance heartbeats producer groups and shutdown unregisters them", async () => {
  const env = await startTestBroker();
  const admin = new AdminClient({
    ...testClientOptions(env.namesrvAddr!),
    logger: silentRemotingLogger,
  });
  const producer = await startTestProducer(env.namesrvAddr!, {
    producerGroup: "PG_HB",
    heartbeatBrokerInterval: 20,
  });
  try {
    await producer.send({ topic: "TopicHB", body: "x" });
    await env.broker.registration!.registerNow();
    const instance = producer.clientInstance!;
    await waitFor<readonly string[]>(
      (report) => instance.on("heartbeat", (sent) => report(sent)),
      (sent) => sent.includes(env.address),
      5000,
      "a heartbeat to the broker",
    );
    const connections = await admin.producerConnection("PG_HB", "TopicHB");
    assert.deepEqual(connections.map((c) => c.clientId), [instance.clientId]);
    assert.equal(connections[0].language, "OTHER");
    await producer.shutdown();
    assert.equal(instance.state, "SHUTDOWN_ALREADY");
    const gone = await admin.producerConnection("PG_HB", "TopicHB").then(
      (c) => c,
      (e: unknown) => e,
    );
    assert.ok(
      (Array.isArray(gone) && gone.length === 0) || gone instanceof MQBrokerError,
      `no connection of PG_HB after UNREGISTER_CLIENT, got ${JSON.stringify(gone)}`,
    );
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await env.close();
  }
});

Deno.test("MQClientInstance stops every timer at shutdown and refuses to start again", async () => {
  const env = await startTestBroker();
  const instance = testInstance(env.namesrvAddr!, { persistConsumerOffsetInterval: 10 });
  const consumer = new TestConsumer("CG_T", "TopicT");
  instance.registerConsumer("CG_T", consumer);
  await instance.start();
  const rebalanced = waitFor<string>(
    (report) => instance.on("rebalanced", report),
    () => true,
    5000,
    "rebalance",
  );
  instance.rebalanceImmediately();
  assert.equal(await rebalanced, "CG_T");
  await instance.shutdown();
  await instance.shutdown();
  assert.equal(instance.state, "SHUTDOWN_ALREADY");
  assert.throws(() => instance.start(), /has been created before, and failed/);
  await env.close();
});

/** A consumer group with one subscription, as the instance sees it. */
function consumerOf(groupName: string, subscription: SubscriptionData): MQConsumerInner {
  return {
    groupName,
    messageModel: "CLUSTERING",
    consumeType: "CONSUME_ACTIVELY",
    consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
    subscriptions: () => [subscription],
    updateTopicSubscribeInfo: () => {},
    isSubscribeTopicNeedUpdate: () => false,
    doRebalance: () => Promise.resolve(),
    persistConsumerOffset: () => Promise.resolve(),
  };
}

Deno.test("MQClientInstance.checkClientInBroker asks for non-TAG subscriptions only and wraps a failed call", async () => {
  const env = await startTestBroker();
  const ns = env.namesrvAddr!;
  const admin = new AdminClient({ ...testClientOptions(ns), logger: silentRemotingLogger });
  const instance = testInstance(ns);
  try {
    await admin.createTopic(env.address, {
      topicName: "TopicK",
      readQueueNums: 1,
      writeQueueNums: 1,
    });
    await env.broker.registration!.registerNow();
    assert.equal(await instance.updateTopicRouteInfoFromNameServer("TopicK"), true);
    const tag = buildSubscriptionData("TopicK", "TagA", { subVersion: 1 });
    const sql = buildSubscriptionData("TopicK", "a > 1", {
      expressionType: "SQL92",
      subVersion: 1,
    });
    instance.registerConsumer("CG_TAG", consumerOf("CG_TAG", tag));
    // No broker known for a topic: skipped, as RocketMQ skips it.
    instance.registerConsumer(
      "CG_NO_ROUTE",
      consumerOf("CG_NO_ROUTE", { ...sql, topic: "NoSuch" }),
    );
    await instance.checkClientInBroker();

    instance.registerConsumer("CG_SQL", consumerOf("CG_SQL", sql));
    await assert.rejects(instance.checkClientInBroker(), (error: unknown) => {
      assert.ok(error instanceof MQClientError);
      assert.equal(error.responseCode, 1);
      assert.equal(
        error.errorMessage,
        "The broker does not support consumer to filter message by SQL92",
      );
      return true;
    });
    await env.broker.shutdown();
    await assert.rejects(instance.checkClientInBroker(), (error: unknown) => {
      assert.ok(error instanceof MQClientError, String(error));
      assert.match(
        error.errorMessage,
        new RegExp(
          `^Check client in broker error: cannot ask broker ${env.address} whether it can filter topic TopicK by SQL92 for group CG_SQL: `,
        ),
      );
      assert.ok(error.cause instanceof RemotingConnectError, String(error.cause));
      return true;
    });
  } finally {
    await instance.shutdown();
    await admin.shutdown();
    await env.close();
  }
});

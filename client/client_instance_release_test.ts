/**
 * A client whose start a full shared client instance refuses (`GROUPS_PER_INSTANCE_MAX`), or
 * that names a group already registered there, gives the instance back: once every other
 * client on it shut down, the instance is gone with its timers (route poll, heartbeat, offset
 * persist, rebalance), so an embedding process can exit. And it may start again once the cause
 * is gone: RocketMQ's start sets CREATE_JUST when the registration is refused. These tests turn
 * Deno's ops and resources checks on, so a timer left armed fails them.
 */

import assert from "node:assert/strict";
import { GROUPS_PER_INSTANCE_MAX } from "./limits.ts";
import { MQClientManager } from "./mq_client_manager.ts";
import { Producer } from "./producer.ts";
import { PullConsumer } from "./pull_consumer.ts";
import { PushConsumer } from "./push_consumer.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";

const DEAD_NAMESRV = "127.0.0.1:1"; // nothing listens: the clients never reach a server

function shared(manager: MQClientManager) {
  return {
    namesrvAddr: DEAD_NAMESRV,
    instanceName: "shared",
    logger: silentRemotingLogger,
    clientManager: manager,
  };
}

async function fill(manager: MQClientManager): Promise<Producer[]> {
  const producers: Producer[] = [];
  for (let i = 0; i < GROUPS_PER_INSTANCE_MAX; i++) {
    const producer = new Producer({ producerGroup: `PG_${i}`, ...shared(manager) });
    await producer.start();
    producers.push(producer);
  }
  return producers;
}

function leakChecked(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn, sanitizeOps: true, sanitizeResources: true });
}

leakChecked("a producer a full shared instance refused does not keep the instance", async () => {
  const manager = new MQClientManager();
  const producers = await fill(manager);
  const refused = new Producer({ producerGroup: "PG_extra", ...shared(manager) });
  await assert.rejects(refused.start(), /Cannot register more than 1024 groups/);
  await refused.shutdown();
  for (const producer of producers) await producer.shutdown();
  assert.equal(manager.size, 0, "no client holds the instance");
});

leakChecked(
  "a push consumer a full shared instance refused does not keep the instance",
  async () => {
    const manager = new MQClientManager();
    const producers = await fill(manager);
    const refused = new PushConsumer({ consumerGroup: "CG_extra", ...shared(manager) });
    refused.subscribe("TopicT", "*");
    refused.registerMessageListener(() => Promise.resolve("CONSUME_SUCCESS"));
    await assert.rejects(refused.start(), /Cannot register more than 1024 groups/);
    await refused.shutdown();
    for (const producer of producers) await producer.shutdown();
    assert.equal(manager.size, 0, "no client holds the instance");
  },
);

leakChecked(
  "a pull consumer a full shared instance refused does not keep the instance",
  async () => {
    const manager = new MQClientManager();
    const producers = await fill(manager);
    const refused = new PullConsumer({ consumerGroup: "CG_extra", ...shared(manager) });
    refused.subscribe("TopicT", "*");
    await assert.rejects(refused.start(), /Cannot register more than 1024 groups/);
    await refused.shutdown();
    for (const producer of producers) await producer.shutdown();
    assert.equal(manager.size, 0, "no client holds the instance");
  },
);

leakChecked(
  "a producer refused as a duplicate group starts once the other one shut down",
  async () => {
    const manager = new MQClientManager();
    const first = new Producer({ producerGroup: "PG_DUP", ...shared(manager) });
    await first.start();
    const second = new Producer({ producerGroup: "PG_DUP", ...shared(manager) });
    try {
      await assert.rejects(second.start(), /has been created before/);
      await first.shutdown();
      await second.start();
      assert.equal(second.state, "RUNNING");
    } finally {
      await first.shutdown();
      await second.shutdown();
    }
    assert.equal(manager.size, 0);
  },
);

leakChecked(
  "a producer and a push consumer a full instance refused start once a slot is free",
  async () => {
    const manager = new MQClientManager();
    const producers = await fill(manager);
    const producer = new Producer({ producerGroup: "PG_extra", ...shared(manager) });
    const consumer = new PushConsumer({ consumerGroup: "CG_extra", ...shared(manager) });
    consumer.subscribe("TopicT", "*");
    consumer.registerMessageListener(() => Promise.resolve("CONSUME_SUCCESS"));
    try {
      await assert.rejects(producer.start(), /Cannot register more than 1024 groups/);
      await assert.rejects(consumer.start(), /Cannot register more than 1024 groups/);
      await producers.pop()!.shutdown();
      await producer.start();
      await producers.pop()!.shutdown();
      await consumer.start();
    } finally {
      await producer.shutdown();
      await consumer.shutdown();
      for (const other of producers) await other.shutdown();
    }
    assert.equal(manager.size, 0, "no client holds the instance");
  },
);

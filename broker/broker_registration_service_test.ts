/**
 * The broker's registration rounds (RocketMQ `BrokerController.start`): one at start, then the
 * first scheduled one after a fixed delay whatever `registerNameServerPeriod` says, then one
 * per period. A real name server and remoting client over TCP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { startTestNamesrv, testClient } from "../namesrv/_namesrv_testing.ts";
import { createTopicConfig } from "./topic_config.ts";
import { BrokerOuterApi } from "./broker_outer_api.ts";
import { BrokerRegistrationService } from "./broker_controller_registration.ts";

Deno.test("BrokerRegistrationService runs its first scheduled round after the first delay, not a period", async () => {
  const ns = await startTestNamesrv();
  const client = testClient();
  const service = new BrokerRegistrationService({
    api: new BrokerOuterApi({ client, timeoutMs: 3000 }),
    namesrvAddrs: () => [ns.addr],
    identity: () => ({
      clusterName: "DefaultCluster",
      brokerName: "broker-a",
      brokerId: 0,
      brokerAddr: "127.0.0.1:10911",
      haServerAddr: "127.0.0.1:10912",
    }),
    topicConfigWrapper: () => ({
      topicConfigTable: new Map([["TopicA", createTopicConfig("TopicA")]]),
      dataVersion: { timestamp: 1, counter: 1 },
    }),
    periodMs: 60_000,
    firstDelayMs: 50, // RocketMQ's 10 s, shortened
    logger: silentRemotingLogger,
  });
  try {
    await service.start();
    assert.equal(service.rounds, 1, "the round at start");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no second round within 5 s")), 5_000);
    });
    await Promise.race([service.nextRound(), late]).finally(() => clearTimeout(timer));
    assert.equal(service.rounds, 2, "the first scheduled round, long before the 60 s period");
  } finally {
    await service.stop();
    await client.shutdown();
    await ns.close();
  }
});

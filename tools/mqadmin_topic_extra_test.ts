import assert from "node:assert/strict";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { cliOn, ok } from "./_tools_testing.ts";

const config = (perm: string) =>
  "TopicConfig [topicName=TopicPerm, readQueueNums=3, writeQueueNums=3, " +
  `perm=${perm}, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false].\n`;

Deno.test("mqadmin updateTopicPerm changes a topic's perm on a broker or a cluster", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const register = () => env.broker.registration!.registerNow();
  const permOnBroker = () => env.broker.topicConfigManager.selectTopicConfig("TopicPerm")?.perm;
  try {
    ok(await cli("updateTopic -c DefaultCluster -t TopicPerm -r 3 -w 3"));
    await register();

    assert.equal(
      ok(await cli(`updateTopicPerm -t TopicPerm -p 4 -b ${env.address}`)).out,
      `update topic perm from 6 to 4 in ${env.address} success.\n${config("R--")}`,
    );
    assert.equal(permOnBroker(), 4);
    const queues = env.broker.topicConfigManager.selectTopicConfig("TopicPerm");
    assert.deepEqual([queues?.readQueueNums, queues?.writeQueueNums], [3, 3], "queues kept");
    await register();
    assert.equal(
      ok(await cli(`updateTopicPerm -t TopicPerm -p 4 -b ${env.address}`)).out,
      "new perm equals to the old one!\n",
    );
    assert.equal(
      ok(await cli("updateTopicPerm -t TopicPerm -p 2 -c DefaultCluster")).out,
      `update topic perm from 4 to 2 in ${env.address} success.\n`,
    );
    assert.equal(permOnBroker(), 2);

    const notMaster = await cli("updateTopicPerm -t TopicPerm -p 6 -b 127.0.0.1:1");
    assert.deepEqual([notMaster.code, notMaster.out], [1, ""]);
    assert.equal(
      notMaster.err,
      "Cannot update the perm of topic TopicPerm on 127.0.0.1:1: " +
        "no master at that address hosts the topic\n",
    );
    const badPerm = await cli(`updateTopicPerm -t TopicPerm -p 5 -b ${env.address}`);
    assert.equal(badPerm.code, 1);
    assert.ok(
      badPerm.err.startsWith(
        'Cannot run updateTopicPerm: invalid value "5" for option -p (perm): ' +
          "expected 2 (W), 4 (R) or 6 (RW)\nusage: mqadmin updateTopicPerm ",
      ),
      badPerm.err,
    );
    const noPerm = await cli("updateTopicPerm -t TopicPerm -c DefaultCluster");
    assert.equal(noPerm.code, 1);
    assert.match(noPerm.err, /^Cannot run updateTopicPerm: missing required option -p \(perm\)\n/);
    const noTarget = await cli("updateTopicPerm -t TopicPerm -p 6");
    assert.equal(noTarget.code, 1);
    assert.match(
      noTarget.err,
      /^Cannot run updateTopicPerm: missing required option -b \(brokerAddr\) or -c \(clusterName\)\n/,
    );
    assert.equal(permOnBroker(), 2, "no bad command line changed it");
  } finally {
    await env.close();
  }
});

Deno.test("mqadmin topicClusterList and allocateMQ read a topic's route", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  try {
    ok(await cli("updateTopic -c DefaultCluster -t TopicAlloc -r 3 -w 3"));
    await env.broker.registration!.registerNow();

    assert.equal(ok(await cli("topicClusterList -t TopicAlloc")).out, "DefaultCluster\n");
    const noTopic = await cli("topicClusterList -t TopicNowhere");
    assert.equal(noTopic.code, 1);
    assert.match(noTopic.err, /^Cannot run topicClusterList: .*TopicNowhere/);

    const q = (id: number) => `{"brokerName":"broker-test","queueId":${id},"topic":"TopicAlloc"}`;
    assert.equal(
      ok(await cli("allocateMQ -t TopicAlloc -i 10.0.0.1,10.0.0.2")).out,
      `{"result":{"10.0.0.1":[${q(0)},${q(1)}],"10.0.0.2":[${q(2)}]}}\n`,
    );
    assert.equal(
      ok(await cli("allocateMQ -t TopicAlloc -i 10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4")).out,
      `{"result":{"10.0.0.1":[${q(0)}],"10.0.0.2":[${q(1)}],"10.0.0.3":[${q(2)}],"10.0.0.4":[]}}\n`,
    );
    const noIps = await cli("allocateMQ -t TopicAlloc");
    assert.equal(noIps.code, 1);
    assert.match(noIps.err, /^Cannot run allocateMQ: missing required option -i \(ipList\)\n/);
    const emptyIps = await cli(["allocateMQ", "-t", "TopicAlloc", "-i", " , "]);
    assert.equal(emptyIps.code, 1);
    assert.match(emptyIps.err, /^Cannot run allocateMQ: option -i \(ipList\) names no client/);
  } finally {
    await env.close();
  }
});

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { registerRoute, startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";
import { formatCommandList } from "./mqadmin.ts";
import { cliOn, mqadmin, ok } from "./_tools_testing.ts";

type Cli = ReturnType<typeof cliOn>;

async function withBroker(fn: (env: TestBroker, cli: Cli, ns: string) => Promise<void>) {
  const env = await startTestBroker();
  try {
    await fn(env, cliOn(env.namesrvAddr!), env.namesrvAddr!);
  } finally {
    await env.close();
  }
}

const ROUTE_JSON = (addr: string) =>
  "{\n" +
  '\t"brokerDatas":[\n\t\t{\n' +
  `\t\t\t"brokerAddrs":{\n\t\t\t\t0:"${addr}"\n\t\t\t},\n` +
  '\t\t\t"brokerName":"broker-test",\n\t\t\t"cluster":"DefaultCluster",\n' +
  '\t\t\t"enableActingMaster":false\n\t\t}\n\t],\n' +
  '\t"filterServerTable":{},\n' +
  '\t"queueDatas":[\n\t\t{\n\t\t\t"brokerName":"broker-test",\n\t\t\t"perm":6,\n' +
  '\t\t\t"readQueueNums":3,\n\t\t\t"topicSysFlag":0,\n\t\t\t"writeQueueNums":3\n\t\t}\n\t]\n' +
  "}\n";

Deno.test("mqadmin updateTopic creates a topic that topicList, topicRoute and topicStatus show", async () => {
  await withBroker(async (env, cli) => {
    const created = ok(await cli("updateTopic -c DefaultCluster -t TopicTools -r 3 -w 3"));
    assert.equal(
      created.out,
      `create topic to ${env.address} success.\n` +
        "TopicConfig [topicName=TopicTools, readQueueNums=3, writeQueueNums=3, perm=RW-, " +
        "topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]\n",
    );
    await env.broker.registration!.registerNow();

    assert.ok(ok(await cli("topicList")).out.split("\n").includes("TopicTools"));
    const byCluster = ok(await cli("topicList -c")).out.split("\n");
    assert.equal(
      byCluster[0],
      `${"#Cluster Name".padEnd(20)}  ${"#Topic".padEnd(48)}  ${"#Consumer Group".padEnd(48)}`,
    );
    assert.ok(
      byCluster.includes(
        `${"DefaultCluster".padEnd(20)}  ${"TopicTools".padEnd(64)}  ${"".padEnd(64)}`,
      ),
    );

    assert.equal(ok(await cli("topicRoute -t TopicTools")).out, ROUTE_JSON(env.address));
    const list = ok(await cli("topicRoute -t TopicTools -l")).out;
    assert.match(list, /^DefaultCluster +broker-test +\{0=127\.0\.0\.1:\d+\} +3 +3 +6 *$/m);
    assert.match(list, /^Total: +1 +3 +3 *$/m);

    const status = ok(await cli("topicStatus -t TopicTools")).out.split("\n");
    const head = [
      "#Broker Name".padEnd(32),
      "#QID",
      "#Min Offset".padEnd(20),
      "#Max Offset".padEnd(20),
    ];
    assert.equal(status[0], `${head.join("  ")}    #Last Updated`);
    const rows = status.slice(1, 4).map((l) => l.split(/ +/).slice(0, 4).join(" "));
    assert.deepEqual(rows, ["broker-test 0 0 0", "broker-test 1 0 0", "broker-test 2 0 0"]);
    assert.equal(status.length, 5);
    assert.deepEqual(
      ok(await cli("topicStatus -t TopicTools -c DefaultCluster")).out.split("\n"),
      status,
    );

    // Another broker's ordered queues, set up before: they stay (only this broker's entry changes).
    await env.namesrv!.kvConfigManager.putKVConfig(
      "ORDER_TOPIC_CONFIG",
      "TopicOrder",
      "broker-other:4;broker-test:2",
    );
    const ordered = ok(await cli(`updateTopic -b ${env.address} -t TopicOrder -o true`)).out;
    assert.equal(
      env.namesrv!.kvConfigManager.getKVConfig("ORDER_TOPIC_CONFIG", "TopicOrder"),
      "broker-other:4;broker-test:8",
    );
    assert.ok(
      ordered.startsWith(
        "set broker orderConf. isOrder=true, orderConf=[broker-test:8]\n" +
          `create topic to ${env.address} success.\n`,
      ),
      ordered,
    );

    // The broker cannot delete a topic before its consume queue reached the disk (reported).
    ok(await cli("sendMessage -t TopicTools -p x"));
    await env.broker.store.waitDispatched();
    await env.broker.store.flush();
    assert.equal(
      ok(await cli("deleteTopic -t TopicTools -c DefaultCluster")).out,
      "delete topic [TopicTools] from cluster [DefaultCluster] success.\n" +
        "delete topic [TopicTools] from NameServer success.\n",
    );
    const gone = await cli("topicRoute -t TopicTools");
    assert.equal(gone.code, 1);
    assert.match(
      gone.err,
      /^Cannot run topicRoute: CODE: 17 {2}DESC: No topic route info in name server/,
    );
  });
});

Deno.test("mqadmin clusterList and brokerStatus show the broker's runtime info", async () => {
  await withBroker(async (env, cli) => {
    // GET_BROKER_RUNTIME_INFO needs the store's folders on disk (see client/admin_client_test.ts).
    ok(await cli("sendMessage -t TopicRuntime -p x"));
    await env.broker.store.waitDispatched();
    await env.broker.store.flush();

    const lines = ok(await cli("clusterList")).out.split("\n");
    assert.equal(
      lines[0],
      `${"#Cluster Name".padEnd(16)}  ${"#Broker Name".padEnd(22)}  #BID  ${"#Addr".padEnd(22)} ` +
        `${"#Version".padEnd(16)} ${"#InTPS(LOAD)".padStart(19)} ${"#OutTPS(LOAD)".padStart(19)} ` +
        `${"#PCWait(ms)".padStart(10)} #Hour ${"#SPACE".padStart(6)}`,
    );
    assert.deepEqual(lines[1].split(/ +/).slice(0, 5), [
      "DefaultCluster",
      "broker-test",
      "0",
      env.address,
      "V4_9_8",
    ]);
    assert.match(lines[1], /^DefaultCluster {4}broker-test {13}0 {5}/);
    assert.match(
      lines[1],
      /\d+\.\d{2}\(\d+,\d+ms\) +\d+\.\d{2}\(\d+,\d+ms\) +\d+ +\d+\.\d{2} +\d\.\d{4}$/,
    );
    assert.equal(lines.length, 3);
    assert.match(
      ok(await cli("clusterList -m")).out,
      /^DefaultCluster +broker-test +\d+ +\d+ +\d+ +\d+$/m,
    );

    const status = ok(await cli(`brokerStatus -b ${env.address}`)).out;
    assert.match(status, /^brokerVersionDesc {15}: V4_9_8$/m);
    assert.match(status, /^putTps {26}: [\d. ]+$/m);
    const byCluster = ok(await cli("brokerStatus -c DefaultCluster")).out;
    assert.ok(
      byCluster.includes(`${env.address.padEnd(24)} ${"brokerVersionDesc".padEnd(32)}: V4_9_8\n`),
    );
  });
});

Deno.test("mqadmin getNamesrvConfig prints RocketMQ's layout and updateNamesrvConfig changes it", async () => {
  await withBroker(async (_env, cli, ns) => {
    const before = ok(await cli("getNamesrvConfig")).out;
    const lines = before.split("\n");
    assert.equal(lines[0], `============${ns}============`);
    assert.ok(lines.includes(`orderMessageEnable${" ".repeat(32)}=  false`), before);
    for (const line of lines.slice(1, -1)) assert.match(line, /^\S+ *= {2}.*$/);
    for (const line of lines.slice(1, -1)) assert.equal(line.indexOf("=  "), 50, line);
    assert.equal(lines.at(-1), "");

    assert.equal(
      ok(await cli("updateNamesrvConfig -k orderMessageEnable -v true")).out,
      `update name server config success![${ns}]\norderMessageEnable : true\n`,
    );
    const after = ok(await mqadmin(["getNamesrvConfig"], { namesrvAddr: ns })).out; // NAMESRV_ADDR
    assert.ok(after.includes(`\norderMessageEnable${" ".repeat(32)}=  true\n`), after);
    assert.match(
      ok(await cli("updateNamesrvConfig -k orderMessageEnabl -v true")).out,
      /\nWARN [\d.:]+: Unknown config key orderMessageEnabl ignored\n$/,
    );
  });
});

Deno.test("mqadmin manages broker config, write permission and subscription groups", async () => {
  await withBroker(async (env, cli, ns) => {
    const config = ok(await cli(`getBrokerConfig -b ${env.address}`)).out;
    assert.ok(config.startsWith(`============${env.address}============\n`));
    assert.ok(config.includes(`\nbrokerName${" ".repeat(40)}=  broker-test\n`));
    assert.ok(config.endsWith("\n\n"));
    assert.equal(
      ok(await cli(`updateBrokerConfig -b ${env.address} -k flushIntervalConsumeQueue -v 1500`))
        .out,
      `update broker config success, ${env.address}\n`,
    );
    assert.equal(
      ok(await cli(`updateBrokerConfig -b ${env.address} -k brokerId -v 3`)).out,
      `update broker config success, ${env.address}\n` +
        `WARN ${env.address}: Config key brokerId 3 ignored: a ASYNC_MASTER always has brokerId 0\n`,
    );
    const byCluster = ok(await cli("getBrokerConfig -c DefaultCluster")).out;
    assert.ok(byCluster.startsWith(`============Master: ${env.address}============\n`));
    assert.ok(byCluster.includes(`\nflushIntervalConsumeQueue${" ".repeat(25)}=  1500\n`));
    const blocked = await cli("updateBrokerConfig -c DefaultCluster -k brokerConfigPath -v /tmp/x");
    assert.equal(blocked.code, 1);
    assert.match(blocked.out, /^Cannot update broker config of 127\.0\.0\.1:\d+: CODE: 16 /);
    assert.equal(blocked.err, `Cannot update broker config of ${env.address}\n`);

    const wiped = ok(await cli("wipeWritePerm -b broker-test")).out;
    const count = /^wipe write perm of broker\[broker-test\] in name server\[(.+)\] OK, (\d+)\n$/
      .exec(wiped);
    assert.deepEqual(count?.[1], ns, wiped);
    assert.ok(Number(count?.[2]) > 0, wiped);
    assert.equal(ok(await cli("addWritePerm -b broker-test")).out, wiped.replace("wipe", "add"));

    assert.equal(
      ok(await cli(`updateSubGroup -b ${env.address} -g CG_TOOLS -r 5`)).out,
      `create subscription group to ${env.address} success.\n` +
        "SubscriptionGroupConfig [groupName=CG_TOOLS, consumeEnable=true, consumeFromMinEnable=false, " +
        "consumeBroadcastEnable=false, retryQueueNums=1, retryMaxTimes=5, brokerId=0, " +
        "whichBrokerWhenConsumeSlowly=1, notifyConsumerIdsChangedEnable=true]\n",
    );
    const groups = env.broker.subscriptionGroupManager;
    assert.equal(groups.getSubscriptionGroupConfig("CG_TOOLS")?.retryMaxTimes, 5);
    assert.equal(
      ok(await cli(`deleteSubGroup -b ${env.address} -g CG_TOOLS -r true`)).out,
      `delete subscription group [CG_TOOLS] from broker [${env.address}] success.\n`,
    );
    assert.equal(groups.getSubscriptionGroupConfig("CG_TOOLS"), undefined);
    ok(await cli("updateSubGroup -c DefaultCluster -g CG_TOOLS2"));
    assert.ok(groups.getSubscriptionGroupConfig("CG_TOOLS2") !== undefined);

    const offline = await cli("consumerConnection -g CG_NOBODY");
    assert.equal(offline.code, 1);
    assert.match(offline.err, /^Cannot run consumerConnection: CODE: 17 /);
  });
});

Deno.test("mqadmin names a missing required option and prints the usage", async () => {
  const cli = cliOn("127.0.0.1:1");
  const missing = await cli("updateTopic -c DefaultCluster");
  assert.equal(missing.code, 1);
  assert.equal(missing.out, "");
  assert.ok(
    missing.err.startsWith(
      "Cannot run updateTopic: missing required option -t (topic)\nusage: mqadmin updateTopic ",
    ),
  );
  const neither = await cli("updateTopic -t T");
  assert.equal(neither.code, 1);
  assert.ok(
    neither.err.startsWith(
      "Cannot run updateTopic: missing required option -b (brokerAddr) or -c (clusterName)\n",
    ),
  );
  const noValue = await mqadmin(["topicRoute", "-t"]);
  assert.ok(
    noValue.err.startsWith("Cannot run topicRoute: missing argument for option -t (topic)\n"),
  );
  const badInt = await cli("updateTopic -t T -c C -r eight");
  assert.equal(badInt.code, 1);
  assert.match(
    badInt.err,
    /^Cannot run updateTopic: invalid value "eight" for option -r \(readQueueNums\)/,
  );
  const noNamesrv = await mqadmin(["topicList"], { namesrvAddr: " " });
  assert.deepEqual(noNamesrv, {
    code: 1,
    out: "",
    err: "Cannot find a name server address: pass -n host:port or set NAMESRV_ADDR\n",
  });
});

Deno.test("mqadmin refuses an unknown command and lists the commands with -h", async () => {
  assert.deepEqual(await mqadmin(["nosuchCommand", "-n", "127.0.0.1:1"]), {
    code: 1,
    out: "",
    err: "Cannot find command nosuchCommand: run mqadmin -h to list the commands\n",
  });
  assert.deepEqual(await mqadmin(["-h"]), { code: 0, out: formatCommandList(), err: "" });
  assert.deepEqual(await mqadmin([]), { code: 0, out: formatCommandList(), err: "" });
  const help = await mqadmin(["help", "topicRoute"]);
  assert.equal(help.code, 0);
  assert.ok(
    help.out.startsWith("usage: mqadmin topicRoute [-h] [-l] [-n <arg>] -t <arg>\n"),
    help.out,
  );
  assert.deepEqual(await mqadmin(["topicRoute", "-h"]), help);
  const names =
    "updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus " +
    "consumerProgress consumerConnection producerConnection queryMsgById queryMsgByKey " +
    "queryMsgByUniqueKey queryMsgTraceById updateSubGroup deleteSubGroup getNamesrvConfig updateNamesrvConfig " +
    "getBrokerConfig updateBrokerConfig updateKvConfig deleteKvConfig updateOrderConf sendMessage " +
    "wipeWritePerm addWritePerm resetOffsetByTime cloneGroupOffset updateTopicPerm " +
    "topicClusterList allocateMQ queryMsgByOffset printMsg printMsgByQueue skipAccumulatedMessage " +
    "getConsumerConfig producer cleanExpiredCQ deleteExpiredCommitLog cleanUnusedTopic " +
    "statsAll checkMsgSendRT clusterRT sendMsgStatus consumerStatus queryCq consumeMessage";
  for (const name of names.split(" ")) {
    assert.match(formatCommandList(), new RegExp(`^ {3}${name} +\\S`, "m"), name);
  }
});

Deno.test("mqadmin cluster commands go on past a failing broker and exit 1 naming it", async () => {
  await withBroker(async (env, cli, ns) => {
    // GET_BROKER_RUNTIME_INFO needs the store's folders on disk (see client/admin_client_test.ts).
    ok(await cli("sendMessage -t TopicLive -p x"));
    await env.broker.store.waitDispatched();
    await env.broker.store.flush();
    await env.broker.registration!.registerNow();
    // A broker registered in the cluster that answers nothing it is asked (sorted first).
    const dead = new RemotingServer({
      transport: new DenoTcpTransport(),
      hostname: "127.0.0.1",
      listenPort: 0,
      logger: silentRemotingLogger,
    });
    await dead.start();
    const deadAddr = `127.0.0.1:${dead.port}`;
    const unregister = await registerRoute(
      ns,
      { brokerName: "broker-dead", brokerAddr: deadAddr },
      [
        { name: "TopicDead", queues: 1, perm: 6 },
        { name: "broker-dead", queues: 1, perm: 7 }, // a new broker names 2 topics at least
      ],
    );
    try {
      const status = await cli("brokerStatus -c DefaultCluster");
      assert.equal(status.code, 1);
      assert.match(status.out, new RegExp(`^Cannot read the runtime info of ${deadAddr}: `, "m"));
      assert.ok(status.out.includes(`${env.address.padEnd(24)} bootTimestamp`), status.out);
      assert.match(status.err, new RegExp(`Cannot read the runtime info of ${deadAddr}`));

      const group = await cli("updateSubGroup -c DefaultCluster -g G_PAST_DEAD");
      assert.equal(group.code, 1);
      assert.ok(group.out.includes(`create subscription group to ${env.address} success.`));
      assert.ok(env.broker.subscriptionGroupManager.getSubscriptionGroupConfig("G_PAST_DEAD"));

      const list = await cli("topicList -c");
      assert.equal(list.code, 1);
      const rows = list.out.split("\n").map((line) => line.split(/ +/).slice(0, 2).join(" "));
      assert.ok(rows.includes("DefaultCluster TopicLive"), list.out);
      assert.ok(rows.includes("DefaultCluster TopicDead"), "listed, without its groups");
      assert.match(list.err, /Cannot read the cluster or consumers of TopicDead \(/);
    } finally {
      await unregister();
      await dead.shutdown();
    }
  });
});

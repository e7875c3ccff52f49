import assert from "node:assert/strict";
import { testClientOptions } from "../client/_client_testing.ts";
import { MQClientManager } from "../client/mq_client_manager.ts";
import { Producer } from "../client/producer.ts";
import { startTestNamesrv, type TestNamesrv } from "../namesrv/_namesrv_testing.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";
import { cliOn, ok } from "./_tools_testing.ts";

/** A test broker with its name server, plus a second name server. */
async function withTwoNamesrvs(
  fn: (env: TestBroker, second: TestNamesrv, both: string) => Promise<void>,
) {
  const env = await startTestBroker();
  const second = await startTestNamesrv();
  try {
    await fn(env, second, `${env.namesrvAddr!};${second.addr}`);
  } finally {
    await second.close();
    await env.close();
  }
}

/** GET_KV_CONFIG to one name server: the value, or the response code when it has none. */
async function kvAt(
  via: TestNamesrv,
  addr: string,
  namespace: string,
  key: string,
): Promise<string | number> {
  const response = await via.client.invoke(
    addr,
    createRequest(RequestCode.GET_KV_CONFIG, { extFields: { namespace, key } }),
    5000,
  );
  return response.code === ResponseCode.SUCCESS
    ? response.extFields?.value ?? "(no value)"
    : response.code;
}

Deno.test("mqadmin updateKvConfig and deleteKvConfig change the KV config of every name server", async () => {
  await withTwoNamesrvs(async (env, second, both) => {
    const cli = cliOn(both);
    const nsAddrs = [env.namesrvAddr!, second.addr];
    const put = ok(await cli(["updateKvConfig", "-s", " NS_TOOLS ", "-k", " k1 ", "-v", " v 1 "]));
    assert.deepEqual(put, {
      code: 0,
      out: "create or update kv config to namespace success.\n",
      err: "",
    });
    for (const addr of nsAddrs) assert.equal(await kvAt(second, addr, "NS_TOOLS", "k1"), "v 1");

    ok(await cli("updateKvConfig -s NS_TOOLS -k k1 -v v2"));
    for (const addr of nsAddrs) assert.equal(await kvAt(second, addr, "NS_TOOLS", "k1"), "v2");

    assert.deepEqual(ok(await cli("deleteKvConfig -s NS_TOOLS -k k1")), {
      code: 0,
      out: "delete kv config from namespace success.\n",
      err: "",
    });
    for (const addr of nsAddrs) {
      assert.equal(await kvAt(second, addr, "NS_TOOLS", "k1"), ResponseCode.QUERY_NOT_FOUND);
    }

    const missing = await cli("updateKvConfig -s NS_TOOLS -k k1");
    assert.equal(missing.code, 1);
    assert.ok(
      missing.err.startsWith(
        "Cannot run updateKvConfig: missing required option -v (value)\n" +
          "usage: mqadmin updateKvConfig ",
      ),
      missing.err,
    );
  });
});

Deno.test("mqadmin updateKvConfig goes on past a name server that refuses and exits 1", async () => {
  await withTwoNamesrvs(async (_env, second) => {
    // A server that answers every request with REQUEST_CODE_NOT_SUPPORTED, listed first.
    const refusing = new RemotingServer({
      transport: new DenoTcpTransport(),
      hostname: "127.0.0.1",
      listenPort: 0,
      logger: silentRemotingLogger,
    });
    await refusing.start();
    try {
      const cli = cliOn(`127.0.0.1:${refusing.port};${second.addr}`);
      const put = await cli("updateKvConfig -s NS_TOOLS -k k2 -v v2");
      assert.equal(put.code, 1);
      assert.equal(put.out, "");
      assert.match(put.err, /^Cannot run updateKvConfig: CODE: 3 .*not supported\n$/);
      assert.equal(await kvAt(second, second.addr, "NS_TOOLS", "k2"), "v2");

      const del = await cli("deleteKvConfig -s NS_TOOLS -k k2");
      assert.equal(del.code, 1);
      assert.equal(await kvAt(second, second.addr, "NS_TOOLS", "k2"), ResponseCode.QUERY_NOT_FOUND);
    } finally {
      await refusing.shutdown();
    }
  });
});

Deno.test("mqadmin updateOrderConf puts, gets and deletes a topic's orderTopicConf", async () => {
  await withTwoNamesrvs(async (env, second, both) => {
    const cli = cliOn(both);
    const brokerNs = cliOn(env.namesrvAddr!); // reads that need the broker's routes
    ok(await cli("updateNamesrvConfig -k orderMessageEnable -v true"));
    ok(await brokerNs("updateTopic -c DefaultCluster -t TopicOrderConf -r 4 -w 4"));

    assert.deepEqual(ok(await cli("updateOrderConf -t TopicOrderConf -m put -v broker-test:2")), {
      code: 0,
      out: "update orderConf success. topic=[TopicOrderConf], orderConf=[broker-test:2]\n",
      err: "",
    });
    for (const addr of [env.namesrvAddr!, second.addr]) {
      assert.equal(
        await kvAt(second, addr, "ORDER_TOPIC_CONFIG", "TopicOrderConf"),
        "broker-test:2",
      );
    }
    assert.equal(
      ok(await cli(["updateOrderConf", "-t", " TopicOrderConf ", "-m", " get "])).out,
      "get orderConf success. topic=[TopicOrderConf], orderConf=[broker-test:2] \n",
    );

    // A producer routes the topic by its orderTopicConf: 2 queues, not the broker's 4.
    const producer = new Producer({
      producerGroup: "PG_ORDER_CONF",
      ...testClientOptions(env.namesrvAddr!),
      logger: silentRemotingLogger,
      clientManager: new MQClientManager(),
    });
    await producer.start();
    try {
      const queues = await producer.fetchPublishMessageQueues("TopicOrderConf");
      assert.deepEqual(queues.map((q) => `${q.brokerName}:${q.queueId}`), [
        "broker-test:0",
        "broker-test:1",
      ]);
    } finally {
      await producer.shutdown();
    }
    assert.match(
      ok(await brokerNs("topicRoute -t TopicOrderConf")).out,
      /"orderTopicConf":"broker-test:2"/,
    );

    assert.deepEqual(ok(await cli("updateOrderConf -t TopicOrderConf -m delete")), {
      code: 0,
      out: "delete orderConf success. topic=[TopicOrderConf]\n",
      err: "",
    });
    for (const addr of [env.namesrvAddr!, second.addr]) {
      assert.equal(
        await kvAt(second, addr, "ORDER_TOPIC_CONFIG", "TopicOrderConf"),
        ResponseCode.QUERY_NOT_FOUND,
      );
    }
    assert.doesNotMatch(ok(await brokerNs("topicRoute -t TopicOrderConf")).out, /orderTopicConf/);
    assert.deepEqual(await cli("updateOrderConf -t TopicOrderConf -m get"), {
      code: 1,
      out: "",
      err: "Cannot find orderConf of topic TopicOrderConf: no config item in namespace " +
        "ORDER_TOPIC_CONFIG of the name server\n",
    });
  });
});

Deno.test("mqadmin updateOrderConf refuses a missing or malformed conf and an unknown method", async () => {
  const cli = cliOn("127.0.0.1:1"); // never reached: every line is refused before a request
  const noConf = await cli("updateOrderConf -t T -m put");
  assert.equal(noConf.code, 1);
  assert.ok(
    noConf.err.startsWith(
      "Cannot run updateOrderConf: missing option -v (orderConf): -m put needs the order conf, " +
        "e.g. broker-a:4;broker-b:4\nusage: mqadmin updateOrderConf ",
    ),
    noConf.err,
  );
  assert.equal(
    (await cli(["updateOrderConf", "-t", "T", "-m", "put", "-v", "  "])).err,
    noConf.err,
  );
  for (const bad of ["broker-a", "broker-a:4;;broker-b:4", "broker-a:x", "a:2147483648", ":4"]) {
    const run = await cli(["updateOrderConf", "-t", "T", "-m", "put", "-v", bad]);
    assert.equal(run.code, 1, bad);
    assert.match(
      run.err,
      /^Cannot run updateOrderConf: invalid value ".*" for option -v \(orderConf\): item ".*" is not brokerName:queueNums/,
      bad,
    );
  }
  const method = await cli("updateOrderConf -t T -m GET");
  assert.equal(method.code, 1);
  assert.ok(
    method.err.startsWith(
      'Cannot run updateOrderConf: invalid value "GET" for option -m (method): ' +
        "expected put, get or delete\nusage: mqadmin updateOrderConf ",
    ),
    method.err,
  );
  const noMethod = await cli("updateOrderConf -t T");
  assert.ok(
    noMethod.err.startsWith("Cannot run updateOrderConf: missing required option -m (method)\n"),
  );
});

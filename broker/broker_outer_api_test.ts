import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { bodyCrc } from "../store/crc32.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { startSilentPeer, startTestBroker } from "../tests/broker_test_env.ts";
import { startTestNamesrv } from "../namesrv/_namesrv_testing.ts";
import {
  createRegisterBrokerRequest,
  encodeCompressedRegisterBrokerBody,
  encodeRegisterBrokerBody,
} from "./broker_outer_api.ts";
import { decodeRegisterBrokerBody } from "../namesrv/register_broker_body.ts";
import { createTopicConfig } from "./topic_config.ts";

Deno.test("encodeRegisterBrokerBody writes RocketMQ's RegisterBrokerBody and the header carries its CRC", () => {
  const wrapper = {
    topicConfigTable: new Map([[
      "TopicTest",
      createTopicConfig("TopicTest", { readQueueNums: 4, writeQueueNums: 4 }),
    ]]),
    dataVersion: { counter: 3, timestamp: 1732436400000 },
  };
  const body = encodeRegisterBrokerBody(wrapper);
  assert.equal(
    new TextDecoder().decode(body),
    '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1732436400000},' +
      '"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG",' +
      '"topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}}',
  );
  const request = createRegisterBrokerRequest(
    {
      clusterName: "C",
      brokerName: "b",
      brokerId: 0,
      brokerAddr: "10.0.0.1:10911",
      haServerAddr: "10.0.0.1:10912",
    },
    body,
  );
  assert.equal(request.code, RequestCode.REGISTER_BROKER);
  assert.deepEqual(request.extFields, {
    brokerAddr: "10.0.0.1:10911",
    brokerId: "0",
    brokerName: "b",
    clusterName: "C",
    haServerAddr: "10.0.0.1:10912",
    compressed: "false",
    bodyCrc32: String(bodyCrc(body)),
  });
});

Deno.test("encodeCompressedRegisterBrokerBody writes what RocketMQ's decoder (and EdgeMQ's name server) reads", () => {
  const topics = Array.from({ length: 3 }, (_, i) => createTopicConfig(`Topic${i}`, { perm: 6 }));
  const wrapper = {
    topicConfigTable: new Map(topics.map((t) => [t.topicName, t])),
    dataVersion: { counter: 7, timestamp: 1732436400000 },
  };
  const body = encodeCompressedRegisterBrokerBody(wrapper);
  const decoded = decodeRegisterBrokerBody(body, { compressed: true, version: 409 });
  assert.deepEqual([...decoded.topicConfigWrapper.topicConfigTable.keys()], [
    "Topic0",
    "Topic1",
    "Topic2",
  ]);
  assert.equal(decoded.topicConfigWrapper.dataVersion.counter, 7);
  const identity = {
    clusterName: "C",
    brokerName: "b",
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    haServerAddr: "10.0.0.1:10912",
  };
  const request = createRegisterBrokerRequest(identity, body, true);
  assert.equal(request.extFields!.compressed, "true");
  assert.equal(request.extFields!.bodyCrc32, String(bodyCrc(body)), "CRC of the bytes as sent");
  // 45,000 topics of 127 characters: the whole JSON passes the 16 MiB frame, the compressed does not
  const many = new Map<string, ReturnType<typeof createTopicConfig>>();
  for (let i = 0; i < 45_000; i++) {
    const name = `T${String(i).padStart(6, "0")}`.padEnd(127, "x");
    many.set(name, createTopicConfig(name));
  }
  const big = { topicConfigTable: many, dataVersion: wrapper.dataVersion };
  assert.ok(encodeRegisterBrokerBody(big).length > 16 * 1024 * 1024);
  assert.ok(encodeCompressedRegisterBrokerBody(big).length < 1024 * 1024);
});

Deno.test("A broker with compressedRegister=true registers its routes", async () => {
  const env = await startTestBroker({ properties: { compressedRegister: "true" } });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const namesrv = new TestBrokerClient(new DenoTcpTransport(), env.namesrvAddr!);
  try {
    const round = env.broker.registration!.nextRound();
    assert.equal((await client.send("TopicZipped", "x")).code, ResponseCode.SUCCESS);
    await round;
    const route = await namesrv.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicZipped" });
    assert.equal(route.code, ResponseCode.SUCCESS, route.remark);
  } finally {
    await client.close();
    await namesrv.close();
    await env.close();
  }
});

Deno.test("BrokerController registers at start, after a topic is created, and unregisters at shutdown", async () => {
  const env = await startTestBroker();
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const namesrv = new TestBrokerClient(new DenoTcpTransport(), env.namesrvAddr!);
  let closed = false;
  try {
    const route = (topic: string) => namesrv.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
    const tbw = await route("TBW102");
    assert.equal(tbw.code, ResponseCode.SUCCESS, "registered before start() returned");
    assert.match(
      new TextDecoder().decode(tbw.body),
      new RegExp(`"127\\.0\\.0\\.1:${env.broker.port}"`),
    );

    assert.equal((await route("TopicNew")).code, ResponseCode.TOPIC_NOT_EXIST);
    const round = env.broker.registration!.nextRound();
    assert.equal((await client.send("TopicNew", "x")).code, ResponseCode.SUCCESS);
    await round;
    const created = await route("TopicNew");
    assert.equal(created.code, ResponseCode.SUCCESS);
    assert.match(new TextDecoder().decode(created.body), /"writeQueueNums":4/);

    await client.close();
    await env.broker.shutdown();
    const gone = await route("TopicNew");
    assert.equal(gone.code, ResponseCode.TOPIC_NOT_EXIST, "UNREGISTER_BROKER removed the routes");
    await env.close();
    closed = true;
  } finally {
    await client.close();
    await namesrv.close();
    if (!closed) await env.close();
  }
});

Deno.test("BrokerController re-registers a changed brokerPermission so routes show it", async () => {
  const env = await startTestBroker();
  const admin = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const namesrv = new TestBrokerClient(new DenoTcpTransport(), env.namesrvAddr!);
  try {
    const perms = async () => {
      const route = await namesrv.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TBW102" });
      const { queueDatas } = JSON.parse(new TextDecoder().decode(route.body));
      return (queueDatas as { perm: number }[]).map((q) => q.perm);
    };
    assert.deepEqual(await perms(), [7]);
    for (const [permission, expected] of [["4", 4], ["6", 7]] as const) {
      const round = env.broker.registration!.nextRound();
      const updated = await admin.invoke(createRequest(RequestCode.UPDATE_BROKER_CONFIG, {
        body: new TextEncoder().encode(`brokerPermission=${permission}\n`),
      }));
      assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
      await round;
      assert.deepEqual(await perms(), [expected], `brokerPermission=${permission}`);
    }
  } finally {
    await admin.close();
    await namesrv.close();
    await env.close();
  }
});

Deno.test("A send that creates its topic is not held by a name server that never answers", async () => {
  // A peer that accepts and reads but never answers, like a stalled name server process.
  const silent = startSilentPeer();
  const ns = await startTestNamesrv();
  const env = await startTestBroker({
    namesrvAddr: `${ns.addr};${silent.addr}`,
    properties: { registerBrokerTimeoutMills: "2000" }, // start and stop wait this long for it
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const started = performance.now();
    const sent = await client.send("TopicAutoCreated", "x");
    const elapsedMs = performance.now() - started;
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    // The registration round waits registerBrokerTimeoutMills (2 s here) for the silent one.
    assert.ok(elapsedMs < 1500, `the send took ${Math.round(elapsedMs)} ms`);
  } finally {
    await client.close();
    await env.close();
    await ns.close();
    await silent.close();
  }
});

Deno.test("BrokerController starts and serves when no name server answers", async () => {
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { namesrvAddr: "127.0.0.1:1" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    assert.equal(env.broker.registration!.rounds, 1, "the failed round completed and was logged");
    assert.equal((await client.send("TopicAlone", "x")).code, ResponseCode.SUCCESS);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("A registerBrokerTimeoutMills updated at runtime bounds the next registration round", async () => {
  const silent = startSilentPeer();
  const ns = await startTestNamesrv();
  const env = await startTestBroker({
    namesrvAddr: ns.addr,
    properties: { registerBrokerTimeoutMills: "60000" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const body = `namesrvAddr=${ns.addr};${silent.addr}\nregisterBrokerTimeoutMills=300\n`;
    const updated = await client.invoke(
      createRequest(RequestCode.UPDATE_BROKER_CONFIG, { body: new TextEncoder().encode(body) }),
    );
    assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
    // A bound on a wait that should take ~300 ms, not a synchronisation.
    const outcome = await Promise.race([
      env.broker.registration!.registerNow().then(() => "round ended"),
      new Promise<string>((resolve) => timer = setTimeout(() => resolve("still waiting"), 10_000)),
    ]);
    assert.equal(outcome, "round ended");
  } finally {
    clearTimeout(timer);
    await client.close();
    await env.close();
    await ns.close();
    await silent.close();
  }
});

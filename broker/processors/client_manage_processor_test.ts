import assert from "node:assert/strict";
import { ManualClock } from "../../common/clock.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { encodeCommand } from "../../protocol/command_codec.ts";
import { createRequest, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import {
  decodeRecords,
  heartbeatRequest,
  TestBrokerClient,
} from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

/** A heartbeat's consumer group subscribed to `topics` topics. */
function consumerData(groupName: string, topics: number) {
  return {
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    consumeType: "CONSUME_PASSIVELY",
    groupName,
    messageModel: "CLUSTERING",
    subscriptionDataSet: Array.from({ length: topics }, (_, i) => ({
      classFilterMode: false,
      expressionType: "TAG",
      subString: "*",
      subVersion: 1,
      topic: `Topic${i}`,
    })),
    unitMode: false,
  };
}

Deno.test("ClientManageProcessor registers groups, creates the retry topic and notifies members", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const first = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const second = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    let notified!: (command: RemotingCommand) => void;
    const notification = new Promise<RemotingCommand>((resolve) => notified = resolve);
    first.remoting.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
      notified(request);
      return null;
    });
    assert.equal(
      (await first.heartbeat("10.0.0.1@a", "G_C", { TopicC: "*" })).code,
      ResponseCode.SUCCESS,
    );
    const retry = env.broker.topicConfigManager.selectTopicConfig("%RETRY%G_C");
    assert.equal(retry?.readQueueNums, 1);
    assert.equal(retry?.perm, 6);
    assert.equal(
      env.broker.producerManager.getProducerConnections("CLIENT_INNER_PRODUCER")?.length,
      1,
    );

    await second.heartbeat("10.0.0.2@b", "G_C", { TopicC: "*" });
    const push = await notification;
    assert.equal(push.extFields?.consumerGroup, "G_C");
    assert.deepEqual(env.broker.consumerManager.getConsumerIdList("G_C").sort(), [
      "10.0.0.1@a",
      "10.0.0.2@b",
    ]);

    const unregister = await second.call(RequestCode.UNREGISTER_CLIENT, {
      clientID: "10.0.0.2@b",
      consumerGroup: "G_C",
      producerGroup: "CLIENT_INNER_PRODUCER",
    });
    assert.equal(unregister.code, ResponseCode.SUCCESS);
    assert.deepEqual(env.broker.consumerManager.getConsumerIdList("G_C"), ["10.0.0.1@a"]);

    const serverSawClose = new Promise<void>((resolve) => {
      const off = env.broker.remotingServer.on("close", () => {
        off();
        resolve();
      });
    });
    await first.close();
    await serverSawClose;
    assert.equal(env.broker.consumerManager.getConsumerGroupInfo("G_C")?.channelCount ?? 0, 0);
  } finally {
    await first.close();
    await second.close();
    await env.close();
  }
});

Deno.test("a heartbeat group a limit refuses does not keep the other groups from registering", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const body = {
      clientID: "10.0.0.1@big",
      consumerDataSet: [
        consumerData("G_before", 1),
        consumerData("G_big", 1025),
        consumerData("G_after", 2),
      ],
      producerDataSet: [{ groupName: "P_after" }],
    };
    const response = await client.invoke(
      createRequest(RequestCode.HEART_BEAT, {
        body: new TextEncoder().encode(JSON.stringify(body)),
        language: "JAVA",
        version: 409,
      }),
    );
    assert.equal(response.code, ResponseCode.SYSTEM_BUSY, response.remark);
    assert.match(
      response.remark ?? "",
      /G_big: heartbeat has 1025 subscriptions, subscriptionsPerGroupMax 1024/,
    );
    const manager = env.broker.consumerManager;
    assert.deepEqual(manager.getConsumerIdList("G_before"), ["10.0.0.1@big"]);
    assert.deepEqual(manager.getConsumerIdList("G_after"), ["10.0.0.1@big"]);
    assert.equal(manager.getConsumerGroupInfo("G_big"), undefined);
    assert.equal(env.broker.producerManager.getProducerConnections("P_after")?.length, 1);
  } finally {
    await client.close();
    await env.close();
  }
});

// Found by helper-132: with autoCreateSubscriptionGroup=false, heartbeats naming made-up groups
// filled the consumer table's bound, and then a real group's heartbeat was refused.
Deno.test("a heartbeat group the broker has no settings for is not registered (autoCreateSubscriptionGroup=false, as 5.x)", async () => {
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { autoCreateSubscriptionGroup: "false" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await env.broker.subscriptionGroupManager.updateSubscriptionGroupConfig({
      groupName: "G_REAL",
    });
    const body = {
      clientID: "10.0.0.1@mixed",
      consumerDataSet: [consumerData("G_MADE_UP", 1), consumerData("G_REAL", 1)],
      producerDataSet: [],
    };
    const response = await client.invoke(
      createRequest(RequestCode.HEART_BEAT, {
        body: new TextEncoder().encode(JSON.stringify(body)),
        language: "JAVA",
        version: 409,
      }),
    );
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    const manager = env.broker.consumerManager;
    assert.equal(manager.getConsumerGroupInfo("G_MADE_UP"), undefined);
    assert.deepEqual(manager.getConsumerIdList("G_REAL"), ["10.0.0.1@mixed"]);
    assert.equal(env.broker.topicConfigManager.selectTopicConfig("%RETRY%G_MADE_UP"), undefined);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("a group refused for growing past the limit leaves, so its connection is not expired", async () => {
  const clock = new ManualClock();
  const env = await startTestBroker({ withNamesrv: false, clock });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const heartbeat = (growTopics: number) =>
    createRequest(RequestCode.HEART_BEAT, {
      body: new TextEncoder().encode(JSON.stringify({
        clientID: "10.0.0.1@grow",
        consumerDataSet: [consumerData("G_small", 1), consumerData("G_grow", growTopics)],
        producerDataSet: [{ groupName: "P_same_conn" }],
      })),
      language: "JAVA",
      version: 409,
    });
  try {
    assert.equal((await client.invoke(heartbeat(10))).code, ResponseCode.SUCCESS);
    for (let beat = 0; beat < 4; beat++) { // the client's 30 s heartbeats after G_grow grew
      clock.advance(30_000);
      const answer = await client.invoke(heartbeat(1025));
      assert.equal(answer.code, ResponseCode.SYSTEM_BUSY, answer.remark);
    }
    const manager = env.broker.consumerManager;
    assert.equal(manager.getConsumerGroupInfo("G_grow"), undefined, "the refused member left");
    clock.advance(1_000); // 121 s after the last heartbeat G_grow was accepted in
    const connection = manager.getConsumerGroupInfo("G_small")!.channelInfos()[0].channel.remoting;
    env.broker.scanNotActiveChannels();
    assert.equal(connection.closed, false, "a connection that heartbeat 1 s ago was expired");
  } finally {
    await client.close();
    await env.close();
  }
});

/** A HEART_BEAT of `clientID` with these consumer groups (no producer group). */
function heartbeatOf(clientID: string, groups: ReturnType<typeof consumerData>[]): RemotingCommand {
  return createRequest(RequestCode.HEART_BEAT, {
    body: new TextEncoder().encode(
      JSON.stringify({ clientID, consumerDataSet: groups, producerDataSet: [] }),
    ),
    language: "JAVA",
    version: 409,
  });
}

// Found by helper-158: a heartbeat refused by a limit made the broker "leave" the group even when
// the connection had never joined, and the leave pushed NOTIFY_CONSUMER_IDS_CHANGED to every
// member. At channelsPerGroupMax (10,000 members) each refused client's 30 s heartbeat made all
// members rebalance and fetch the 10,000-id list: the storm the limit exists to prevent.
Deno.test("a heartbeat a limit refuses from a non-member notifies no member", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const member = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const refused = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const joiner = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const notified: string[] = [];
    let markSeen!: () => void;
    const mark = new Promise<void>((resolve) => markSeen = resolve);
    member.remoting.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
      const group = request.extFields?.consumerGroup ?? "";
      notified.push(group);
      if (group === "G_MARK") markSeen();
      return null;
    });
    const joined = await member.invoke(
      heartbeatOf("10.0.0.1@member", [consumerData("G_LIMITED", 1), consumerData("G_MARK", 1)]),
    );
    assert.equal(joined.code, ResponseCode.SUCCESS, joined.remark);
    notified.length = 0; // the member's own join
    for (let beat = 0; beat < 3; beat++) { // a newcomer's 30 s heartbeats, each refused
      const answer = await refused.invoke(
        heartbeatOf("10.0.0.2@refused", [consumerData("G_LIMITED", 1025)]),
      );
      assert.equal(answer.code, ResponseCode.SYSTEM_BUSY, answer.remark);
    }
    // A real change in the member's other group: its NOTIFY is written after any earlier one.
    const other = await joiner.invoke(heartbeatOf("10.0.0.3@joiner", [consumerData("G_MARK", 1)]));
    assert.equal(other.code, ResponseCode.SUCCESS, other.remark);
    await mark;
    assert.deepEqual(notified, ["G_MARK"], "G_LIMITED's membership never changed");
    assert.deepEqual(env.broker.consumerManager.getConsumerIdList("G_LIMITED"), [
      "10.0.0.1@member",
    ]);
  } finally {
    await joiner.close();
    await refused.close();
    await member.close();
    await env.close();
  }
});

Deno.test("ClientManageProcessor answers a bad heartbeat body with SYSTEM_ERROR", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const notJson = await client.invoke(
      createRequest(RequestCode.HEART_BEAT, { body: new TextEncoder().encode("{") }),
    );
    assert.equal(notJson.code, ResponseCode.SYSTEM_ERROR);
    assert.match(notJson.remark!, /^Cannot decode HeartbeatData: SyntaxError/);
    const noClient = await client.invoke(
      createRequest(RequestCode.HEART_BEAT, { body: new TextEncoder().encode("{}") }),
    );
    assert.equal(noClient.code, ResponseCode.SYSTEM_ERROR);
    assert.match(noClient.remark!, /^Cannot decode HeartbeatData: clientID/);
    const empty = await client.invoke(createRequest(RequestCode.HEART_BEAT));
    assert.equal(empty.remark, "Cannot decode HeartbeatData: body is empty");
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("a HEART_BEAT or admin body nested deeper than JSON_BODY_DEPTH_MAX is refused before it is parsed", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    // Two million deep (4 MiB): JSON.parse of such nesting holds the event loop every connection
    // shares about 14 times longer than flat text of the same size (~1.3 s per 16 MiB frame).
    const depth = 2 * 1024 * 1024;
    const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const heartbeat = await client.invoke(createRequest(RequestCode.HEART_BEAT, {
      body: new TextEncoder().encode(`{"clientID":${nested}}`),
    }));
    assert.equal(heartbeat.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(
      heartbeat.remark,
      "Cannot decode HeartbeatData: nests deeper than JSON_BODY_DEPTH_MAX 64 at character 75",
    );
    // An admin body takes the fastjson path (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP).
    const group = await client.invoke(
      createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {
        body: new TextEncoder().encode(`{"groupName":"G_DEEP","x":${nested}}`),
      }),
    );
    assert.equal(group.code, ResponseCode.SYSTEM_ERROR);
    assert.match(group.remark!, /nests deeper than JSON_BODY_DEPTH_MAX 64 at character 89\b/);
    // A RocketMQ heartbeat nests five levels and is still taken.
    assert.equal(
      (await client.heartbeat("10.0.0.1@a", "G_C", { TopicC: "*" })).code,
      ResponseCode.SUCCESS,
    );
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("ClientManageProcessor takes a rocketmq-client-go heartbeat: UnixNano subVersion, codeSet of strings", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const javaHash = (text: string) =>
      [...text].reduce((h, c) => (31 * h + c.charCodeAt(0)) | 0, 0);
    await client.send("TopicGo", "a", { queueId: 0, tags: "TagA" });
    await client.send("TopicGo", "c", { queueId: 0, tags: "TagC" });
    // As rocketmq-client-go's heartbeatData.encode writes it (jsoniter; integers as written).
    const body = `{"clientID":"10.0.0.9@go-1","producerDataSet":[],"consumerDataSet":[{` +
      `"groupName":"G_GO","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",` +
      `"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","unitMode":false,"subscriptionDataSet":[{` +
      `"classFilterMode":false,"topic":"TopicGo","subString":"TagA || TagB",` +
      `"tagsSet":["TagA","TagB"],"codeSet":["${javaHash("TagA")}","${javaHash("TagB")}"],` +
      `"subVersion":1732436400123456789,"expressionType":"TAG"}]}]}`;
    const heartbeat = await client.invoke(createRequest(RequestCode.HEART_BEAT, {
      body: new TextEncoder().encode(body),
      language: "GO",
      version: 317,
    }));
    assert.equal(heartbeat.code, ResponseCode.SUCCESS, heartbeat.remark);
    // A pull without its own expression filters by the heartbeat's codes.
    const pulled = await client.pull({
      group: "G_GO",
      topic: "TopicGo",
      queueId: 0,
      queueOffset: 0,
      sysFlag: 0,
      suspendTimeoutMillis: 0,
    });
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
    assert.deepEqual(decodeRecords(pulled.body).map((r) => r.properties.get("TAGS")), ["TagA"]);
    const bad = await client.invoke(createRequest(RequestCode.HEART_BEAT, {
      body: new TextEncoder().encode(body.replace(`"${javaHash("TagB")}"`, '"TagB"')),
    }));
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.match(bad.remark!, /codeSet/);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("ClientManageProcessor takes a rocketmq-client-cpp heartbeat: subVersion as a string", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    // As rocketmq-client-cpp's SubscriptionData::toJson writes it (jsoncpp): subVersion a string,
    // the enums as numbers.
    const body = `{"clientID":"10.0.0.8@cpp","producerDataSet":[],"consumerDataSet":[{` +
      `"groupName":"G_CPP","consumeType":1,"messageModel":1,"consumeFromWhere":0,` +
      `"unitMode":false,"subscriptionDataSet":[{"topic":"TopicCpp","subString":"*",` +
      `"tagsSet":[],"codeSet":[],"subVersion":"1700000000000"}]}]}\n`;
    const heartbeat = await client.invoke(createRequest(RequestCode.HEART_BEAT, {
      body: new TextEncoder().encode(body),
      language: "CPP",
      version: 409,
    }));
    assert.equal(heartbeat.code, ResponseCode.SUCCESS, heartbeat.remark);
    const group = env.broker.consumerManager.getConsumerGroupInfo("G_CPP");
    assert.equal(group?.findSubscriptionData("TopicCpp")?.subVersion, 1_700_000_000_000);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("a connection closed right after its first heartbeat is not left registered", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const other = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const serverSawClose = new Promise<void>((resolve) => {
      const off = env.broker.remotingServer.on("close", () => {
        off();
        resolve();
      });
    });
    // A consumer sends its first heartbeat (new group: the broker creates the group settings and
    // the %RETRY% topic on disk) and then exits at once.
    const port = Number(env.address.split(":")[1]);
    const raw = await Deno.connect({ hostname: "127.0.0.1", port });
    await raw.write(
      encodeCommand(heartbeatRequest("10.0.0.9@ghost", "G_GHOST", { TopicGhost: "*" })).slice(),
    );
    raw.close();
    await serverSawClose;
    // A live member joins; its heartbeat waits for the same group/retry-topic creation.
    assert.equal(
      (await other.heartbeat("10.0.0.1@live", "G_GHOST", { TopicGhost: "*" })).code,
      ResponseCode.SUCCESS,
    );
    const list = await other.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: "G_GHOST",
    });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(list.body!)).consumerIdList, [
      "10.0.0.1@live",
    ]);
  } finally {
    await other.close();
    await env.close();
  }
});

Deno.test("UNREGISTER_CLIENT sent right after the first heartbeat leaves no member behind", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    // Same connection, in order: HEART_BEAT (new group: settings and %RETRY% topic written to
    // disk), then UNREGISTER_CLIENT for that group (a consumer started and shut down at once).
    const heartbeat = client.heartbeat("10.0.0.9@quick", "G_QUICK", { TopicQ: "*" });
    const unregister = client.call(RequestCode.UNREGISTER_CLIENT, {
      clientID: "10.0.0.9@quick",
      consumerGroup: "G_QUICK",
      producerGroup: "CLIENT_INNER_PRODUCER",
    });
    assert.equal((await heartbeat).code, ResponseCode.SUCCESS);
    assert.equal((await unregister).code, ResponseCode.SUCCESS);
    const list = await client.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: "G_QUICK",
    });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(list.body!)).consumerIdList, []);
    const producers = await client.call(RequestCode.GET_PRODUCER_CONNECTION_LIST, {
      producerGroup: "CLIENT_INNER_PRODUCER",
    });
    assert.equal(producers.code, ResponseCode.SYSTEM_ERROR, "producer group emptied");
  } finally {
    await client.close();
    await env.close();
  }
});

/** A CHECK_CLIENT_CONFIG request as a Java consumer sends it (fastjson: properties sorted). */
function checkClientRequest(body?: unknown): RemotingCommand {
  return createRequest(RequestCode.CHECK_CLIENT_CONFIG, {
    body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body)),
    language: "JAVA",
    version: 409,
  });
}

function checkClientBody(topic: string, expressionType: string, subString: string) {
  return {
    clientId: "10.0.0.7@check",
    group: "G_CHECK",
    subscriptionData: {
      classFilterMode: false,
      codeSet: [],
      expressionType,
      subString,
      subVersion: 1700000000000,
      tagsSet: [],
      topic,
    },
  };
}

/** A pull of queue 0 carrying its own subscription (sysFlag SUBSCRIPTION) of the given type. */
function pullWith(
  client: TestBrokerClient,
  topic: string,
  expressionType: string,
  subString: string,
): Promise<RemotingCommand> {
  const request = client.pullRequest({
    group: "G_CHECK",
    topic,
    queueId: 0,
    queueOffset: 0,
    subscription: subString,
    suspendTimeoutMillis: 0,
  });
  request.extFields!.expressionType = expressionType;
  return client.invoke(request);
}

Deno.test("CHECK_CLIENT_CONFIG answers SUCCESS for a TAG subscription, no body and no subscription", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    for (const body of [checkClientBody("TopicCheck", "TAG", "TagA || TagB"), undefined, {}]) {
      const response = await client.invoke(checkClientRequest(body));
      assert.equal(
        response.code,
        ResponseCode.SUCCESS,
        `${JSON.stringify(body)}: ${response.remark}`,
      );
      assert.equal(response.remark, undefined);
    }
    const noType = checkClientBody("TopicCheck", "TAG", "*");
    delete (noType.subscriptionData as { expressionType?: string }).expressionType;
    assert.equal((await client.invoke(checkClientRequest(noType))).code, ResponseCode.SUCCESS);
    const bad = await client.invoke(checkClientRequest({ subscriptionData: { subVersion: "x" } }));
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.match(
      bad.remark!,
      /^Cannot decode CheckClientRequestBody: subscriptionData\.subVersion/,
    );
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("CHECK_CLIENT_CONFIG refuses SQL92 with RocketMQ's SYSTEM_ERROR when enablePropertyFilter is false", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const response = await client.invoke(
      checkClientRequest(checkClientBody("TopicCheck", "SQL92", "a > 1")),
    );
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(
      response.remark,
      "The broker does not support consumer to filter message by SQL92",
    );
    assert.equal(
      (await client.send("TopicCheck", "seed", { queueId: 0 })).code,
      ResponseCode.SUCCESS,
    );
    const pull = await pullWith(client, "TopicCheck", "SQL92", "a > 1");
    assert.deepEqual([pull.code, pull.remark], [response.code, response.remark]);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("CHECK_CLIENT_CONFIG answers SQL92 as a pull does when enablePropertyFilter is true", async () => {
  const env = await startTestBroker({
    withNamesrv: false,
    properties: { enablePropertyFilter: "true" },
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    assert.equal(
      (await client.send("TopicCheck", "seed", { queueId: 0 })).code,
      ResponseCode.SUCCESS,
    );
    const response = await client.invoke(
      checkClientRequest(checkClientBody("TopicCheck", "SQL92", "a > 1")),
    );
    assert.equal(response.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.equal(
      response.remark,
      "Cannot filter topic TopicCheck by SQL92: this broker supports TAG expressions only",
    );
    const pull = await pullWith(client, "TopicCheck", "SQL92", "a > 1");
    assert.deepEqual([pull.code, pull.remark], [response.code, response.remark]);
  } finally {
    await client.close();
    await env.close();
  }
});

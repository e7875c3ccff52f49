import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { registerRoute, startTestBroker } from "../tests/broker_test_env.ts";
import { encodeResetOffsetBody } from "../broker/processors/admin_bodies.ts";
import { createResponse } from "../protocol/remoting_command.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { parseResetTimestamp } from "./commands/offset_commands.ts";
import { cliOn, ok } from "./_tools_testing.ts";

Deno.test("mqadmin resetOffsetByTime writes an offline group's offsets and tells an online group", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    for (let i = 0; i < 5; i++) {
      const sent = await client.send("TopicReset", `m${i}`, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await env.broker.store.waitDispatched();
    await env.broker.registration!.registerNow();
    const committed = async () =>
      Number(
        (await client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
          consumerGroup: "G_RESET",
          topic: "TopicReset",
          queueId: "0",
        })).extFields?.offset,
      );
    for (const queueId of [0, 1, 2, 3]) { // the broker needs an offset on every queue
      await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: "G_RESET",
        topic: "TopicReset",
        queueId: String(queueId),
        commitOffset: queueId === 0 ? "5" : "0",
      });
    }

    // Offline: the offsets are written here, back to the start of time.
    const back = ok(await cli("resetOffsetByTime -g G_RESET -t TopicReset -s 0")).out.split("\n");
    assert.equal(
      back[0],
      "rollback consumer offset by specified consumerGroup[G_RESET], topic[TopicReset], " +
        "force[true], timestamp(string)[0], timestamp(long)[0]",
    );
    assert.deepEqual(back[2].split(/ +/).slice(0, 6), ["broker-test", "0", "5", "5", "0", "0"]);
    assert.equal(await committed(), 0);
    // Not forced, a later time does not move the offset forward.
    const ahead = ok(await cli("resetOffsetByTime -g G_RESET -t TopicReset -s now -f false")).out;
    assert.deepEqual(ahead.split("\n")[2].split(/ +/).slice(0, 6), [
      "broker-test",
      "0",
      "5",
      "0",
      "5",
      "0",
    ]);
    assert.equal(await committed(), 0);

    // Online: the broker tells the consumers, which move and commit themselves.
    await client.heartbeat("reset-client", "G_RESET", { TopicReset: "*" });
    const told = ok(await cli("resetOffsetByTime -g G_RESET -t TopicReset -s -1")).out.split("\n");
    assert.match(told[0], /^rollback consumer offset by specified group\[G_RESET\]/);
    assert.deepEqual(told[1].split(/ +/), ["#brokerName", "#queueId", "#offset", ""]);
    assert.deepEqual(told[2].split(/ +/).slice(0, 3), ["broker-test", "0", "5"]);
    assert.equal(await committed(), 0, "the broker itself changes nothing");

    const bad = await cli("resetOffsetByTime -g G_RESET -t TopicReset -s yesterday");
    assert.equal(bad.code, 1);
    assert.match(bad.err, /Cannot read option -s \(timestamp\) "yesterday": expected now/);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("mqadmin resetOffsetByTime -c asks the brokers as a C++ admin (language CPP)", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  // A second broker of the topic that records how it is asked: the real one answers the same
  // either way (it sends each consumer the body its own language reads).
  const recorder = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  const languages: string[] = [];
  recorder.registerProcessor(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (request) => {
    languages.push(request.language);
    const mq = { topic: "TopicResetC", brokerName: "broker-rec", queueId: 0 };
    const body = encodeResetOffsetBody([[mq, 9]]);
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
  });
  await recorder.start();
  let unregister = async () => {};
  try {
    for (let i = 0; i < 3; i++) {
      const sent = await client.send("TopicResetC", `m${i}`, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await env.broker.store.waitDispatched();
    await env.broker.registration!.registerNow();
    unregister = await registerRoute(
      env.namesrvAddr!,
      { brokerName: "broker-rec", brokerAddr: `127.0.0.1:${recorder.port}` },
      [{ name: "TopicResetC", queues: 1, perm: 6 }, { name: "broker-rec", queues: 1, perm: 7 }],
    );
    for (const queueId of [0, 1, 2, 3]) {
      await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: "G_RESET_C",
        topic: "TopicResetC",
        queueId: String(queueId),
        commitOffset: "0",
      });
    }
    await client.heartbeat("reset-c-client", "G_RESET_C", { TopicResetC: "*" });

    const told = ok(await cli("resetOffsetByTime -g G_RESET_C -t TopicResetC -s -1 -c")).out;
    const lines = told.split("\n");
    assert.equal(
      lines[0],
      "rollback consumer offset by specified group[G_RESET_C], topic[TopicResetC], " +
        "force[true], timestamp(string)[-1], timestamp(long)[-1]",
    );
    assert.equal(
      lines[1],
      `${"#brokerName".padEnd(40)}  ${"#queueId".padEnd(40)}  #offset`.padEnd(124),
    );
    const row = (broker: string, queueId: number, offset: number) =>
      `${broker.padEnd(40)}  ${String(queueId).padEnd(40)}  ${String(offset).padEnd(40)}`;
    assert.deepEqual(lines.slice(2).sort(), [
      "",
      row("broker-rec", 0, 9),
      row("broker-test", 0, 3),
      row("broker-test", 1, 0),
      row("broker-test", 2, 0),
      row("broker-test", 3, 0),
    ]);
    assert.deepEqual(languages, ["CPP"]);

    ok(await cli("resetOffsetByTime -g G_RESET_C -t TopicResetC -s -1"));
    assert.deepEqual(languages, ["CPP", "OTHER"], "without -c: EdgeMQ's own language");

    const valued = await cli("resetOffsetByTime -g G_RESET_C -t TopicResetC -s -1 -c true");
    assert.equal(valued.code, 1, "-c is a switch, as RocketMQ's: it takes no value");
    assert.match(valued.err, /^Cannot run resetOffsetByTime: /);
  } finally {
    await unregister();
    await recorder.shutdown();
    await client.close();
    await env.close();
  }
});

Deno.test("parseResetTimestamp reads now, epoch ms and RocketMQ's local date form", () => {
  assert.equal(parseResetTimestamp(" now ", 42), 42);
  assert.equal(parseResetTimestamp("1700000000000", 0), 1_700_000_000_000);
  assert.equal(
    parseResetTimestamp("2026-11-25#06:30:15:250", 0),
    new Date(2026, 10, 25, 6, 30, 15, 250).getTime(),
  );
  assert.throws(() => parseResetTimestamp("2026-02-30#00:00:00:000", 0), /expected now/);
  assert.throws(() => parseResetTimestamp("2026-11-25 06:30", 0), /yyyy-MM-dd#HH:mm:ss:SSS/);
});

Deno.test("mqadmin cloneGroupOffset commits the source group's offsets for the destination group", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    for (let i = 0; i < 3; i++) await client.send("TopicClone", `m${i}`, { queueId: i % 2 });
    await client.send("TopicOther", "o", { queueId: 0 });
    // An online source group: its heartbeat creates %RETRY%G_SRC, whose route names the brokers.
    await client.heartbeat("10.0.0.1@src", "G_SRC", { TopicClone: "*", TopicOther: "*" });
    for (
      const [topic, queueId, offset] of [["TopicClone", 0, 2], ["TopicClone", 1, 1], [
        "TopicOther",
        0,
        1,
      ]]
    ) {
      await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: "G_SRC",
        topic: String(topic),
        queueId: String(queueId),
        commitOffset: String(offset),
      });
    }
    await env.broker.registration!.registerNow();
    const run = ok(await cli("cloneGroupOffset -s G_SRC -d G_DST -t TopicClone -o false"));
    assert.equal(
      run.out,
      "clone group offset success. srcGroup[G_SRC], destGroup=[G_DST], topic[TopicClone]\n",
    );
    for (const [queueId, offset] of [[0, 2], [1, 1]]) {
      const answer = await client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: "G_DST",
        topic: "TopicClone",
        queueId: String(queueId),
      });
      assert.equal(answer.extFields?.offset, String(offset), `queue ${queueId}`);
    }
    // Every topic of the group is cloned, as RocketMQ's command does (its -t names the route).
    assert.equal(env.broker.consumerOffsetManager.queryOffset("G_DST", "TopicOther", 0), 1);
    const missing = await cli("cloneGroupOffset -s G_SRC -d G_DST");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /missing required option -t \(topic\)/);
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("mqadmin skipAccumulatedMessage moves an offline group to the newest offsets", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    for (let i = 0; i < 4; i++) await client.send("TopicSkip", `m${i}`, { queueId: 0 });
    await env.broker.store.waitDispatched();
    await env.broker.registration!.registerNow();
    for (const queueId of [0, 1, 2, 3]) {
      await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: "G_SKIP",
        topic: "TopicSkip",
        queueId: String(queueId),
        commitOffset: queueId === 0 ? "1" : "0",
      });
    }
    const lines = ok(await cli("skipAccumulatedMessage -g G_SKIP -t TopicSkip")).out.split("\n");
    assert.deepEqual(lines[0].split(/ +/), [
      "#brokerName",
      "#queueId",
      "#brokerOffset",
      "#consumerOffset",
      "#timestampOffset",
      "#rollbackOffset",
      "",
    ]);
    assert.deepEqual(lines[1].split(/ +/).slice(0, 6), ["broker-test", "0", "4", "1", "4", "4"]);
    const committed = await client.call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: "G_SKIP",
      topic: "TopicSkip",
      queueId: "0",
    });
    assert.equal(committed.extFields?.offset, "4");
    const missing = await cli("skipAccumulatedMessage -t TopicSkip");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /missing required option -g \(group\)/);
  } finally {
    await client.close();
    await env.close();
  }
});

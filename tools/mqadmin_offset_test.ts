import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
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
    // An online source group: its heartbeat creates %RETRY%G_SRC, whose route names the brokers.
    await client.heartbeat("10.0.0.1@src", "G_SRC", { TopicClone: "*" });
    for (const [queueId, offset] of [[0, 2], [1, 1]]) {
      await client.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: "G_SRC",
        topic: "TopicClone",
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

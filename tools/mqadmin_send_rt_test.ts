import assert from "node:assert/strict";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { cliOn, ok } from "./_tools_testing.ts";

Deno.test("mqadmin checkMsgSendRT sends round the queues and prints each send and the average", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  try {
    ok(await cli(`updateTopic -b ${env.address} -t TopicRT -r 4 -w 4`));
    const lines = ok(await cli("checkMsgSendRT -t TopicRT -a 6 -s 64")).out.split("\n");
    assert.equal(
      lines[0],
      `${"#Broker Name".padEnd(32)}  #QID  ${"#Send Result".padEnd(20)}    #RT`,
    );
    const rows = lines.slice(1, 7).map((l) => l.split(/ +/));
    assert.deepEqual(
      rows.map((r) => r.slice(0, 3)),
      [0, 1, 2, 3, 0, 1].map((q) => [
        "broker-test",
        String(q),
        "true",
      ]),
    );
    assert.match(lines[7], /^Avg RT: \d+\.\d{2}$/);
    assert.equal(lines.length, 9);
    const stats = env.broker.store;
    assert.equal(stats.getMaxOffsetInQueue("TopicRT", 0), 2);
    assert.equal(stats.getMaxOffsetInQueue("TopicRT", 3), 1);

    const bad = await cli("checkMsgSendRT -t TopicRT -a 0");
    assert.equal(bad.code, 1);
    assert.match(bad.err, /invalid value 0 for option -a \(amount\): expected 1 or more/);
    const big = await cli("checkMsgSendRT -t TopicRT -s 99999999");
    assert.equal(big.code, 1);
    assert.match(big.err, /invalid value 99999999 for option -s \(size\): expected 0 to 4194304/);
  } finally {
    await env.close();
  }
});

Deno.test("mqadmin clusterRT sends to each broker's own topic and prints the RT per broker", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const once = AbortSignal.abort(); // one round, as an interrupt after the first would
  try {
    const before = env.broker.store.getCommitLogMaxOffset();
    const lines = ok(await cli("clusterRT -a 3 -s 16", { signal: once })).out.split("\n");
    assert.equal(
      lines[0],
      `${"#Cluster Name".padEnd(24)}  ${
        "#Broker Name".padEnd(24)
      }  #RT   #successCount  #failCount`,
    );
    const prefix = `${"DefaultCluster".padEnd(24)}  ${"broker-test".padEnd(24)}  `;
    assert.ok(lines[1].startsWith(prefix), lines[1]);
    const [rt, tail] = [
      lines[1].slice(prefix.length, prefix.length + 8),
      lines[1].slice(prefix.length + 10),
    ];
    assert.match(rt, /^\d+\.\d{2} *$/);
    assert.equal(tail, `${"3".padEnd(16)}  ${"0".padEnd(16)}`);
    assert.equal(lines.length, 3);
    assert.ok(env.broker.store.getCommitLogMaxOffset() > before, "the messages were stored");

    const tlog = ok(
      await cli("clusterRT -a 2 -p true -m roomA -c DefaultCluster", { signal: once }),
    );
    assert.match(
      tlog.out,
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\|roomA\|DefaultCluster\|broker-test\|\d+\n$/,
    );
    const missing = await cli("clusterRT -c NoSuch -a 1", { signal: once });
    assert.equal(missing.code, 1);
    assert.match(missing.out, /cluster \[NoSuch\] not exist\n$/);
    assert.equal(missing.err, "Cannot find cluster NoSuch in the name servers\n");
    const badInterval = await cli("clusterRT -i 0", { signal: once });
    assert.equal(badInterval.code, 1);
    assert.match(
      badInterval.err,
      /invalid value 0 for option -i \(interval\): expected 1 to 86400/,
    );
  } finally {
    await env.close();
  }
});

Deno.test("mqadmin sendMsgStatus sends to the broker-name topic and prints each SendResult", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  try {
    const lines = ok(await cli("sendMsgStatus -b broker-test -s 20 -c 2")).out.split("\n");
    assert.equal(lines.length, 3);
    for (const line of lines.slice(0, 2)) {
      assert.match(
        line,
        /^rt=\d+ms, SendResult=SendResult \[sendStatus=SEND_OK, msgId=[0-9A-F]{32}, offsetMsgId=[0-9A-F]{32}, messageQueue=MessageQueue \[topic=broker-test, brokerName=broker-test, queueId=\d+\], queueOffset=\d+\]$/,
      );
    }
    await env.broker.store.waitDispatched();
    let stored = 0; // one warm-up message and two measured ones
    for (let q = 0; q < 16; q++) stored += env.broker.store.getMaxOffsetInQueue("broker-test", q);
    assert.equal(stored, 3);
    const bad = await cli("sendMsgStatus -b broker-test -c lots");
    assert.equal(bad.code, 1);
    assert.match(bad.err, /invalid value "lots" for option -c \(count\)/);
  } finally {
    await env.close();
  }
});

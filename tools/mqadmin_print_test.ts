import assert from "node:assert/strict";
import { AdminClient } from "../client/admin_client.ts";
import { startTestProducer, testClientOptions } from "../client/_client_testing.ts";
import type { MessageExt } from "../client/message.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { MessageSysFlag } from "../store/message_record.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { cliOn, ok } from "./_tools_testing.ts";
import { javaHashMapKeyOrder } from "./_format.ts";

const MQ0 = "MessageQueue [topic=TopicPrint, brokerName=broker-test, queueId=0]";
const MQ1 = "MessageQueue [topic=TopicPrint, brokerName=broker-test, queueId=1]";
const DASHES = "-".repeat(56);

/**
 * What RocketMQ's MessageExt.toString prints for a pulled message, from an independent read: its
 * properties, MIN_OFFSET and MAX_OFFSET added by the pull, in Java HashMap order.
 */
function expectedExt(msg: MessageExt, body: string, minMax: string): string {
  const added = minMax.split(", ").map((pair) => pair.split("=") as [string, string]);
  const all = new Map<string, string>([...msg.properties, ...added]);
  const props = javaHashMapKeyOrder([...all.keys()]).map((k) => `${k}=${all.get(k)}`).join(", ");
  return `MessageExt [brokerName=broker-test, queueId=${msg.queueId}, storeSize=${msg.storeSize}, ` +
    `queueOffset=${msg.queueOffset}, sysFlag=0, bornTimestamp=${msg.bornTimestamp}, ` +
    `bornHost=/${msg.bornHost}, storeTimestamp=${msg.storeTimestamp}, ` +
    `storeHost=/${msg.storeHost}, msgId=${msg.offsetMsgId}, ` +
    `commitLogOffset=${msg.commitLogOffset}, bodyCRC=${msg.bodyCRC}, reconsumeTimes=0, ` +
    `preparedTransactionOffset=0, toString()=Message{topic='TopicPrint', flag=0, ` +
    `properties={${props}}, body=${body}, transactionId='null'}]`;
}

Deno.test("mqadmin queryMsgByOffset, printMsg and printMsgByQueue read a topic's queues", async () => {
  const env = await startTestBroker();
  const ns = env.namesrvAddr!;
  const cli = cliOn(ns);
  const admin = new AdminClient({ ...testClientOptions(ns), logger: silentRemotingLogger });
  const producer = await startTestProducer(ns);
  try {
    ok(await cli("updateTopic -c DefaultCluster -t TopicPrint -r 2 -w 2"));
    await env.broker.registration!.registerNow();
    const send = (queueId: number, tags: string, body: string) =>
      producer.send({ topic: "TopicPrint", tags, body }, {
        messageQueue: { topic: "TopicPrint", brokerName: "broker-test", queueId },
      });
    const sent = [
      await send(0, "TagA", "a0"),
      await send(0, "TagB", "b1"),
      await send(0, "TagA", "a2"),
      await send(1, "TagB", "é"),
    ];
    await env.broker.store.waitDispatched();
    const viewed = await Promise.all(sent.map((s) => admin.viewMessage(s.offsetMsgId)));

    const byOffset = ok(await cli("queryMsgByOffset -t TopicPrint -b broker-test -i 0 -o 1")).out;
    assert.match(
      byOffset,
      new RegExp(`^OffsetID: {12}${sent[1].offsetMsgId}\nTopic: {15}TopicPrint\n`),
    );
    assert.match(byOffset, /^Tags: {16}\[TagB\]$/m);
    assert.match(byOffset, /^Queue Offset: {8}1$/m);
    const properties = byOffset.split("\n").find((l) => l.startsWith("Properties:")) ?? "";
    assert.match(properties, /^Properties: {10}\{.*\}$/);
    assert.ok(
      properties.includes("MIN_OFFSET=0") && properties.includes("MAX_OFFSET=3"),
      properties,
    );
    assert.ok(byOffset.endsWith("\n\nWARN: No Consumer\n"), byOffset);
    const past = await cli("queryMsgByOffset -t TopicPrint -b broker-test -i 0 -o 3");
    assert.deepEqual([past.code, past.out], [1, ""]);
    assert.equal(
      past.err,
      `Cannot find a message at offset 3 of ${MQ0}: NO_NEW_MSG (queue offsets 0 to 3)\n`,
    );
    const noOffset = await cli("queryMsgByOffset -t TopicPrint -b broker-test -i 0");
    assert.equal(noOffset.code, 1);
    assert.match(
      noOffset.err,
      /^Cannot run queryMsgByOffset: missing required option -o \(offset\)\n/,
    );

    const minMax0 = "MIN_OFFSET=0, MAX_OFFSET=3";
    const line = (i: number, body: string, printed: string, minMax = minMax0) =>
      `MSGID: ${sent[i].msgId} ${expectedExt(viewed[i], body, minMax)} BODY: ${printed}`;
    assert.deepEqual(ok(await cli("printMsg -t TopicPrint")).out.split("\n"), [
      `minOffset=0, maxOffset=3, ${MQ0}`,
      line(0, "[97, 48]", "a0"),
      line(1, "[98, 49]", "b1"),
      line(2, "[97, 50]", "a2"),
      DASHES,
      `minOffset=0, maxOffset=1, ${MQ1}`,
      line(3, "[-61, -87]", "é", "MIN_OFFSET=0, MAX_OFFSET=1"),
      DASHES,
      "",
    ]);
    const tagB = ok(
      await cli(["printMsg", "-t", "TopicPrint", "-s", "TagB || TagC", "-d", "false"]),
    );
    assert.deepEqual(tagB.out.split("\n").filter((l) => !l.startsWith("MSGID: ")), [
      `minOffset=0, maxOffset=3, ${MQ0}`,
      DASHES,
      `minOffset=0, maxOffset=1, ${MQ1}`,
      DASHES,
      "",
    ]);
    const ids = tagB.out.split("\n").filter((l) => l.startsWith("MSGID: "));
    assert.deepEqual(ids.map((l) => l.split(" ")[1]), [sent[1].msgId, sent[3].msgId]);
    assert.ok(ids.every((l) => l.endsWith(" BODY: NOT PRINT BODY")));
    const none = ok(await cli("printMsg -t TopicPrint -s TagZ")).out.split("\n");
    assert.deepEqual(none.slice(0, 3), [
      `minOffset=0, maxOffset=3, ${MQ0}`,
      `${MQ0} no matched msg. status=NO_MATCHED_MSG, offset=3`,
      DASHES,
    ]);
    // A begin time after every message: searchOffset gives the end, nothing to print.
    const later = String(viewed[3].storeTimestamp + 60_000);
    assert.deepEqual(ok(await cli(`printMsg -t TopicPrint -b ${later}`)).out.split("\n"), [
      `minOffset=3, maxOffset=3, ${MQ0}`,
      DASHES,
      `minOffset=1, maxOffset=1, ${MQ1}`,
      DASHES,
      "",
    ]);
    const dated = await cli("printMsg -t TopicPrint -d false -b 2000-01-01#00:00:00:000");
    assert.match(ok(dated).out, new RegExp(`^minOffset=0, maxOffset=3, ${escape(MQ0)}\n`));
    const badTime = await cli("printMsg -t TopicPrint -e yesterday");
    assert.equal(badTime.code, 1);
    assert.match(
      badTime.err,
      /^Cannot run printMsg: invalid value "yesterday" for option -e \(endTimestamp\): expected ms since the epoch or yyyy-MM-dd#HH:mm:ss:SSS\n/,
    );
    const badCharset = await cli("printMsg -t TopicPrint -c NOPE-9");
    assert.equal(badCharset.code, 1);
    assert.match(
      badCharset.err,
      /^Cannot run printMsg: unsupported charset "NOPE-9" for option -c \(charsetName\)\n/,
    );
    const noTopic = await cli("printMsg -t TopicNowhere");
    assert.equal(noTopic.code, 1);
    assert.match(noTopic.err, /^Cannot run printMsg: .*TopicNowhere/);

    const queue0 = "printMsgByQueue -t TopicPrint -a broker-test -i 0";
    assert.equal(ok(await cli(queue0)).out, "", "prints nothing without -p or -f");
    assert.equal(
      ok(await cli(`${queue0} -f true`)).out,
      `Tag: ${"TagA".padEnd(30)} Count: 2\nTag: ${"TagB".padEnd(30)} Count: 1\n`,
    );
    assert.deepEqual(ok(await cli(`${queue0} -p true -d true -s TagA`)).out.split("\n"), [
      line(0, "[97, 48]", "a0"),
      line(2, "[97, 50]", "a2"),
      "",
    ]);
    const notPrinted = ok(await cli(`${queue0} -p true -f true -b 0 -e ${later}`)).out;
    assert.equal(
      notPrinted.split("\n").filter((l) => l.endsWith(" BODY: NOT PRINT BODY")).length,
      3,
    );
    assert.ok(
      notPrinted.endsWith(
        `Tag: ${"TagA".padEnd(30)} Count: 2\nTag: ${"TagB".padEnd(30)} Count: 1\n`,
      ),
    );
    const noBroker = await cli("printMsgByQueue -t TopicPrint -i 0");
    assert.equal(noBroker.code, 1);
    assert.match(
      noBroker.err,
      /^Cannot run printMsgByQueue: missing required option -a \(brokerName\)\n/,
    );
    const elsewhere = await cli("printMsgByQueue -t TopicPrint -a broker-nowhere -i 0");
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.err, /The broker\[broker-nowhere\] not exist/);
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await env.close();
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test("mqadmin printMsg skips a record whose compressed body will not inflate and prints the rest", async () => {
  const env = await startTestBroker();
  const ns = env.namesrvAddr!;
  const cli = cliOn(ns);
  const producer = await startTestProducer(ns);
  const raw = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    ok(await cli("updateTopic -c DefaultCluster -t TopicBadZip -r 1 -w 1"));
    await env.broker.registration!.registerNow();
    const request = raw.sendRequest("TopicBadZip", new TextEncoder().encode("not zlib"), {
      queueId: 0,
    });
    request.extFields!.f = String(MessageSysFlag.COMPRESSED_FLAG);
    assert.equal((await raw.invoke(request)).code, ResponseCode.SUCCESS);
    for (let i = 0; i < 3; i++) {
      await producer.send({ topic: "TopicBadZip", body: `good-${i}` });
    }
    const run = await cli("printMsg -t TopicBadZip");
    assert.equal(run.code, 0, `out:\n${run.out}\nerr:\n${run.err}`);
    for (let i = 0; i < 3; i++) assert.match(run.out, new RegExp(`BODY: good-${i}`));
  } finally {
    await raw.close();
    await producer.shutdown();
    await env.close();
  }
});

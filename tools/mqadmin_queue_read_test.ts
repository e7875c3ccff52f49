import assert from "node:assert/strict";
import { javaHashMapKeyOrder } from "./_format.ts";
import { AdminClient } from "../client/admin_client.ts";
import { startTestProducer, testClientOptions } from "../client/_client_testing.ts";
import type { MessageExt } from "../client/message.ts";
import type { SendResult } from "../client/send_result.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { javaStringHash } from "../store/message_properties.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker, type TestBroker } from "../tests/broker_test_env.ts";
import { cliOn, type MQAdminRun, ok } from "./_tools_testing.ts";

const TOPIC = "TopicRead";
const MQ0 = `MessageQueue [topic=${TOPIC}, brokerName=broker-test, queueId=0]`;
const MQ1 = `MessageQueue [topic=${TOPIC}, brokerName=broker-test, queueId=1]`;
const SEP = "=".repeat(38);
const TAGS = ["TagA", "TagB", "TagA", "TagB"];
const BODIES = [["a0", "[97, 48]"], ["b1", "[98, 49]"], ["a2", "[97, 50]"], ["é", "[-61, -87]"]];

/** What RocketMQ's printMessage prints for a pulled message, from an independent read. */
function msgLine(msgId: string, msg: MessageExt, i: number, maxOffset: number): string {
  // The pull adds MIN_OFFSET and MAX_OFFSET; Java prints its HashMap's order.
  const all = new Map<string, string>([
    ...msg.properties,
    ["MIN_OFFSET", "0"],
    ["MAX_OFFSET", String(maxOffset)],
  ]);
  const props = javaHashMapKeyOrder([...all.keys()]).map((k) => `${k}=${all.get(k)}`).join(", ");
  return `MSGID: ${msgId} MessageExt [brokerName=broker-test, queueId=${msg.queueId}, ` +
    `storeSize=${msg.storeSize}, queueOffset=${msg.queueOffset}, sysFlag=0, ` +
    `bornTimestamp=${msg.bornTimestamp}, bornHost=/${msg.bornHost}, ` +
    `storeTimestamp=${msg.storeTimestamp}, storeHost=/${msg.storeHost}, ` +
    `msgId=${msg.offsetMsgId}, commitLogOffset=${msg.commitLogOffset}, bodyCRC=${msg.bodyCRC}, ` +
    `reconsumeTimes=0, preparedTransactionOffset=0, toString()=Message{topic='${TOPIC}', ` +
    `flag=0, properties={${props}}, ` +
    `body=${BODIES[i][1]}, transactionId='null'}] BODY: ${BODIES[i][0]}`;
}

/** Messages 0–2 on queue 0 and 3 on queue 1 of a two-queue topic. */
async function withMessages(
  body: (env: TestBroker, lines: string[], viewed: MessageExt[]) => Promise<void>,
): Promise<void> {
  const env = await startTestBroker();
  const ns = env.namesrvAddr!;
  const admin = new AdminClient({ ...testClientOptions(ns), logger: silentRemotingLogger });
  const producer = await startTestProducer(ns);
  try {
    ok(await cliOn(ns)(`updateTopic -c DefaultCluster -t ${TOPIC} -r 2 -w 2`));
    await env.broker.registration!.registerNow();
    const sent: SendResult[] = [];
    for (const [i, tags] of TAGS.entries()) {
      const messageQueue = { topic: TOPIC, brokerName: "broker-test", queueId: i < 3 ? 0 : 1 };
      sent.push(await producer.send({ topic: TOPIC, tags, body: BODIES[i][0] }, { messageQueue }));
    }
    await env.broker.store.waitDispatched();
    const viewed = await Promise.all(sent.map((s) => admin.viewMessage(s.offsetMsgId)));
    const lines = viewed.map((m, i) => msgLine(sent[i].msgId, m, i, i < 3 ? 3 : 1));
    await body(env, lines, viewed);
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await env.close();
  }
}

function failed(run: MQAdminRun, err: RegExp): void {
  assert.deepEqual([run.code, run.out], [1, ""], run.err);
  assert.match(run.err, err);
}

Deno.test("mqadmin consumeMessage pulls a topic, a queue or a queue from an offset, committing nothing", async () => {
  await withMessages(async (env, l) => {
    const cli = cliOn(env.namesrvAddr!);
    const out = async (line: string) => ok(await cli(line)).out.split("\n");
    const done0 = `${MQ0} print msg finished. status=NO_NEW_MSG, offset=3`;
    const done1 = `${MQ1} print msg finished. status=NO_NEW_MSG, offset=1`;
    const cm = `consumeMessage -t ${TOPIC}`;
    assert.deepEqual(await out(cm), [
      "Consume ok",
      l[0],
      l[1],
      l[2],
      done0,
      "Consume ok",
      l[3],
      done1,
      "",
    ]);
    assert.deepEqual(await out(`${cm} -c 2`), [
      "The older 2 message of the 0 queue will be provided",
      "Consume ok",
      l[0],
      l[1],
      "",
    ]);
    // RocketMQ counts a queue read whole as one more than its messages: -c 3 is spent on queue 0.
    assert.deepEqual(await out(`${cm} -c 3`), ["Consume ok", l[0], l[1], l[2], done0, ""]);
    assert.deepEqual(await out(`${cm} -c 5`), [
      "Consume ok",
      l[0],
      l[1],
      l[2],
      done0,
      "Consume ok",
      l[3],
      done1,
      "",
    ]);

    const q0 = `${cm} -b broker-test -i 0`;
    assert.deepEqual(await out(q0), ["Consume ok", l[0], l[1], l[2], done0, ""]);
    assert.deepEqual(await out(`${q0} -o 1 -c 1`), [
      "The oldler 1 message will be provided",
      "Consume ok",
      l[1],
      "",
    ]);
    assert.deepEqual(await out(`${q0} -o 2`), ["Consume ok", l[2], done0, ""]);
    assert.deepEqual(await out(`${q0} -o 5`), [`${MQ0} no matched msg, offset=5`, ""]);
    // An end time before every message: searchOffset gives offset 0, read inclusively.
    assert.deepEqual(await out(`${q0} -e 1`), ["Consume ok", l[0], ""]);
    assert.deepEqual(await out(`${q0} -s 1 -e 2000-01-01#00:00:00:000`), ["Consume ok", l[0], ""]);

    // -g pulls as that group (the broker creates it) and commits nothing.
    assert.deepEqual(await out(`${cm} -b broker-test -i 1 -g CG_LOOK`), [
      "Consume ok",
      l[3],
      done1,
      "",
    ]);
    assert.ok(env.broker.subscriptionGroupManager.subscriptionGroupTable.has("CG_LOOK"));
    for (const group of ["CG_LOOK", "TOOLS_CONSUMER"]) {
      for (const queueId of [0, 1]) {
        assert.equal(env.broker.consumerOffsetManager.queryOffset(group, TOPIC, queueId), -1);
      }
    }

    // A pull the broker refuses ends that queue with a line naming it, and the command fails.
    const mq9 = `MessageQueue [topic=${TOPIC}, brokerName=broker-test, queueId=9]`;
    const refused = await cli(`${cm} -b broker-test -i 9`);
    assert.equal(refused.code, 1, refused.err);
    const line = `Cannot pull ${mq9} at offset 0: CODE: 1  DESC: queueId[9] is illegal`;
    assert.ok(refused.out.startsWith(line), refused.out);
    assert.equal(refused.out.indexOf("\n"), refused.out.length - 1, refused.out);
    assert.equal(refused.err, `Cannot consume every message of ${mq9}\n`);

    const bad = "^Cannot run consumeMessage: ";
    failed(
      await cli(`${cm} -c 0`),
      new RegExp(`${bad}invalid value 0 for option -c \\(MessageNumber\\): expected 1 or more\n`),
    );
    failed(
      await cli(`${cm} -i 0`),
      new RegExp(`${bad}option -i \\(queueId\\) needs -b \\(brokerName\\)\n`),
    );
    failed(
      await cli(`${cm} -b broker-test -o 1`),
      new RegExp(`${bad}option -o \\(offset\\) needs -i \\(queueId\\)\n`),
    );
    failed(
      await cli(`${cm} -i x -b broker-test`),
      new RegExp(`${bad}invalid value "x" for option -i \\(queueId\\)`),
    );
    const later = String(Date.now() + 3_600_000);
    failed(
      await cli(`${cm} -s ${later}`),
      new RegExp(
        `${bad}invalid value ${later} for option -s \\(beginTimestamp\\): expected a time before now\n`,
      ),
    );
    failed(
      await cli(`${cm} -s 20 -e 10`),
      new RegExp(
        `${bad}option -s \\(beginTimestamp\\) \\(20\\) must not be after -e \\(endTimestamp\\) \\(10\\)\n`,
      ),
    );
    failed(
      await cli(`${cm} -e yesterday`),
      new RegExp(`${bad}invalid value "yesterday" for option -e \\(endTimestamp\\)`),
    );
    failed(
      await cli(["consumeMessage", "-t", TOPIC, "-g", "bad group"]),
      /option -g \(consumerGroup\)/,
    );
    failed(await cli(`${cm} -b broker-nowhere -i 0`), /The broker\[broker-nowhere\] not exist/);
    failed(
      await cli("consumeMessage -t TopicNowhere"),
      /^Cannot run consumeMessage: .*TopicNowhere/,
    );
    failed(await cli("consumeMessage -c 1"), /missing required option -t \(topic\)/);
  });
});

Deno.test("mqadmin queryCq prints a consume queue's units, with a group's subscription and eval", async () => {
  await withMessages(async (env, _lines, viewed) => {
    const cli = cliOn(env.namesrvAddr!);
    const unit = (i: number, evaluated = false) =>
      `ConsumeQueueData{physicOffset=${viewed[i].commitLogOffset}, ` +
      `physicSize=${viewed[i].storeSize}, tagsCode=${javaStringHash(TAGS[i], 0)}, ` +
      `extendDataJson='null', bitMap='null', eval=${evaluated}, msg='null'}`;
    const queueData = ["Queue data: ", "max: 3, min: 0", SEP];
    assert.deepEqual(ok(await cli(`queryCq -t ${TOPIC} -q 0 -i 0`)).out.split("\n"), [
      ...queueData,
      "idx: 0",
      unit(0),
      SEP,
      "idx: 1",
      unit(1),
      SEP,
      "idx: 2",
      unit(2),
      SEP,
      "",
    ]);
    assert.deepEqual(
      ok(await cli(`queryCq -t ${TOPIC} -q 0 -i 1 -c 1 -b ${env.address}`)).out.split("\n"),
      [...queueData, "idx: 1", unit(1), SEP, ""],
    );

    const consumer = new TestBrokerClient(new DenoTcpTransport(), env.address);
    try {
      const beat = await consumer.heartbeat("127.0.0.1@look", "CG_TAGB", { [TOPIC]: "TagB" });
      assert.equal(beat.code, 0, beat.remark);
      const withGroup = ok(await cli(`queryCq -t ${TOPIC} -q 0 -i 0 -g CG_TAGB -c 2`));
      assert.equal(
        withGroup.out,
        [
          "Subscription data: ",
          "{",
          '\t"classFilterMode":false,',
          '\t"codeSet":[',
          `\t\t${javaStringHash("TagB", 0)}`,
          "\t],",
          '\t"expressionType":"TAG",',
          '\t"subString":"TagB",',
          '\t"subVersion":1,',
          '\t"tagsSet":[',
          '\t\t"TagB"',
          "\t],",
          `\t"topic":"${TOPIC}"`,
          "}",
          SEP,
          "Filter data: ",
          "null",
          SEP,
          ...queueData,
          "idx: 0",
          unit(0, false),
          SEP,
          "idx: 1",
          unit(1, true),
          SEP,
          "",
        ].join("\n"),
      );
    } finally {
      await consumer.close();
    }
    const offline = ok(await cli(`queryCq -t ${TOPIC} -q 1 -i 0 -g CG_NONE`)).out;
    assert.equal(
      offline,
      [
        "Filter data: ",
        `CG_NONE@${TOPIC} is not online!`,
        SEP,
        "Queue data: ",
        "max: 1, min: 0",
        SEP,
        "idx: 0",
        unit(3),
        SEP,
        "",
      ].join("\n"),
    );

    const bad = "^Cannot run queryCq: ";
    failed(
      await cli(`queryCq -t ${TOPIC} -q 0 -i 3`),
      new RegExp(
        `${bad}Cannot read consume queue 0@${TOPIC} from index 3 on ${env.address}: ` +
          `Index 3 of 0@${TOPIC} is not exist!\n`,
      ),
    );
    failed(
      await cli(`queryCq -t ${TOPIC} -q 9 -i 0`),
      new RegExp(`${bad}CODE: 1  DESC: 9@${TOPIC} is not exist! BROKER: ${env.address}\n`),
    );
    failed(
      await cli(`queryCq -t ${TOPIC} -q 0 -i 0 -c 2000`),
      /DESC: Cannot query consume queue 0@TopicRead: count 2000 is outside 1 to 1024 /,
    );
    failed(
      await cli(`queryCq -t ${TOPIC} -q 0 -i 0 -c 0`),
      new RegExp(`${bad}invalid value 0 for option -c \\(count\\): expected 1 or more\n`),
    );
    failed(await cli(`queryCq -t ${TOPIC} -q 0`), /missing required option -i \(index\)/);
    failed(await cli(`queryCq -t ${TOPIC} -q a -i 0`), /invalid value "a" for option -q \(queue\)/);
    failed(await cli("queryCq -t TopicNowhere -q 0 -i 0"), /^Cannot run queryCq: .*TopicNowhere/);
  });
});

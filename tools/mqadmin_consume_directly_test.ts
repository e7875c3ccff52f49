import assert from "node:assert/strict";
import {
  Signal,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "../client/consumer/_consumer_testing.ts";
import type { PushConsumer } from "../client/push_consumer.ts";
import { cliOn, ok } from "./_tools_testing.ts";

const TOPIC = "TopicDirect";
const GROUP = "CG_DIRECT";

/** A started push consumer of TOPIC that records each body its listener gets. */
async function startRecordingConsumer(namesrvAddr: string, bodies: string[], arrived: Signal) {
  const consumer = testPushConsumer(namesrvAddr, {
    consumerGroup: GROUP,
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
  });
  consumer.subscribe(TOPIC, "*");
  consumer.registerMessageListener((msgs) => {
    for (const msg of msgs) bodies.push(new TextDecoder().decode(msg.body));
    arrived.fire();
    return "CONSUME_SUCCESS";
  });
  await consumer.start();
  return consumer;
}

const DIRECT_RESULT =
  /^ConsumeMessageDirectlyResult \[order=false, autoCommit=true, consumeResult=CR_SUCCESS, remark=null, spentTimeMills=\d+\]$/;

Deno.test("mqadmin queryMsgByUniqueKey and queryMsgById -g -d hand a stored message to one consumer", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic(TOPIC, 1);
    const cli = cliOn(t.namesrvAddr);
    const bodies: string[] = [];
    const arrived = new Signal();
    let consumer: PushConsumer | undefined;
    try {
      consumer = await startRecordingConsumer(t.namesrvAddr, bodies, arrived);
      const sent = await t.producer.send({ topic: TOPIC, body: "direct me", tags: "TagA" });
      await waitUntil("the message consumed", () => bodies.length === 1, arrived.subscribe);
      await t.env.broker.store.waitDispatched();
      const clientId = consumer.clientInstance!.clientId;

      const byKey = ok(
        await cli([
          "queryMsgByUniqueKey",
          "-t",
          TOPIC,
          "-i",
          sent.msgId,
          "-g",
          GROUP,
          "-d",
          clientId,
        ]),
      ).out;
      const lines = byKey.split("\n");
      assert.equal(lines.length, 2, byKey);
      assert.match(lines[0], DIRECT_RESULT);
      assert.equal(lines[1], "");
      assert.deepEqual(bodies, ["direct me", "direct me"], "the listener ran once more");

      // queryMsgById takes the offset id; several ids, each answered on its line.
      const byId = ok(
        await cli([
          "queryMsgById",
          "-i",
          `${sent.offsetMsgId},${sent.offsetMsgId}`,
          "-g",
          GROUP,
          "-d",
          clientId,
        ]),
      ).out.split("\n");
      assert.equal(byId.length, 3, byId.join("\n"));
      assert.match(byId[0], DIRECT_RESULT);
      assert.match(byId[1], DIRECT_RESULT);
      assert.equal(bodies.length, 4);

      // A client the broker does not know: each id is reported, then the command fails.
      const gone = await cli(["queryMsgById", "-i", sent.offsetMsgId, "-g", GROUP, "-d", "nobody"]);
      assert.equal(gone.code, 1);
      assert.equal(
        gone.out.split("\n")[0],
        `Cannot consume message ${sent.offsetMsgId} directly by client nobody of ${GROUP}: ` +
          `CODE: 1  DESC: The Consumer <${GROUP}> <nobody> not online BROKER: ${t.env.address}`,
      );
      assert.equal(
        gone.err,
        `Cannot consume message ${sent.offsetMsgId} directly by client nobody of ${GROUP}\n`,
      );
      const goneByKey = await cli(
        ["queryMsgByUniqueKey", "-t", TOPIC, "-i", sent.msgId, "-g", GROUP, "-d", "nobody"],
      );
      assert.equal(goneByKey.code, 1);
      assert.match(goneByKey.err, /^Cannot run queryMsgByUniqueKey: .*not online/);
      assert.equal(bodies.length, 4);

      // One of -g / -d alone is refused rather than silently ignored.
      for (const command of ["queryMsgById", "queryMsgByUniqueKey"]) {
        const half = await cli([command, "-t", TOPIC, "-i", sent.msgId, "-g", GROUP]);
        assert.equal(half.code, 1);
        assert.equal(
          half.err.split("\n")[0],
          `Cannot run ${command}: option -g (consumerGroup) needs -d (clientId): ` +
            "a message is consumed directly by one client of one group",
        );
      }
    } finally {
      await consumer?.shutdown();
    }
  });
});

Deno.test("mqadmin queryMsgById -s true sends the stored message again, keeping its message id", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic(TOPIC, 1);
    const cli = cliOn(t.namesrvAddr);
    const bodies: string[] = [];
    const arrived = new Signal();
    let consumer: PushConsumer | undefined;
    try {
      consumer = await startRecordingConsumer(t.namesrvAddr, bodies, arrived);
      const sent = await t.producer.send({
        topic: TOPIC,
        body: "again",
        tags: "TagR",
        keys: "order-7",
      });
      await waitUntil("the message consumed", () => bodies.length === 1, arrived.subscribe);
      await t.env.broker.store.waitDispatched();

      const resent = ok(await cli(`queryMsgById -i ${sent.offsetMsgId} -s true -u unitA`)).out
        .split("\n");
      assert.equal(resent.length, 3, resent.join("\n"));
      assert.equal(resent[0], `prepare resend msg. originalMsgId=${sent.offsetMsgId}`);
      const m =
        /^SendResult \[sendStatus=SEND_OK, msgId=(\w+), offsetMsgId=(\w+), messageQueue=MessageQueue \[topic=TopicDirect, brokerName=broker-test, queueId=0\], queueOffset=1\]$/
          .exec(resent[1]);
      assert.ok(m !== null, resent[1]);
      assert.equal(m[1], sent.msgId, "the copy keeps UNIQ_KEY");
      assert.notEqual(m[2], sent.offsetMsgId, "stored anew");
      await waitUntil("the copy consumed", () => bodies.length === 2, arrived.subscribe);
      assert.deepEqual(bodies, ["again", "again"]);
      const copy = await t.admin.viewMessage(m[2]);
      assert.deepEqual([copy.tags, copy.keys, copy.queueOffset], ["TagR", "order-7", 1]);

      // -s false (RocketMQ: nothing at all) is the plain query here.
      const plain = ok(await cli(`queryMsgById -i ${sent.offsetMsgId} -s false`)).out;
      assert.match(plain, new RegExp(`^OffsetID: {12}${sent.offsetMsgId}$`, "m"));

      const missing = await cli(`queryMsgById -i ${"0".repeat(32)} -s true`);
      assert.equal(missing.code, 1);
      assert.match(missing.out, new RegExp(`^Cannot resend message ${"0".repeat(32)}: `));
      assert.equal(missing.err, `Cannot resend message ${"0".repeat(32)}\n`);
    } finally {
      await consumer?.shutdown();
    }
  });
});

Deno.test("mqadmin consumerProgress -s true shows which client IP holds each queue", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic(TOPIC, 2);
    const cli = cliOn(t.namesrvAddr);
    const head = `${"#Topic".padEnd(64)}  ${"#Broker Name".padEnd(32)}  #QID  ${
      "#Broker Offset".padEnd(20)
    }  ${"#Consumer Offset".padEnd(20)}  `;
    const row = (queueId: number, ip: string) =>
      `${TOPIC.padEnd(64)}  ${"broker-test".padEnd(32)}  ${String(queueId).padEnd(4)}  ${
        "0".padEnd(20)
      }  ${"0".padEnd(20)}  ${ip.padEnd(20)} ${"0".padEnd(20)}  N/A`;
    const tail = ["", "Consume TPS: 0.00", "Diff Total: 0", ""];
    let consumer: PushConsumer | undefined;
    try {
      for (const queueId of [0, 1]) {
        const commit = { consumerGroup: GROUP, topic: TOPIC, queueId, commitOffset: 0 };
        await t.admin.api.updateConsumerOffset(t.env.address, commit, 3000);
      }
      // No client online: every queue is unassigned.
      const offline = ok(await cli(`consumerProgress -g ${GROUP} -s true -t ${TOPIC}`)).out;
      assert.deepEqual(offline.split("\n"), [
        `${head}${"#Client IP".padEnd(20)} ${"#Diff".padEnd(20)}  #LastTime`,
        row(0, "N/A"),
        row(1, "N/A"),
        ...tail,
      ]);

      consumer = await startRecordingConsumer(t.namesrvAddr, [], new Signal());
      const c = consumer;
      await waitUntil(
        "both queues held",
        () => c.assignedQueues(TOPIC).length === 2,
        (fire) => c.on("messageQueueChanged", fire),
      );
      await t.env.broker.registration!.registerNow(); // the group's retry topic, for its route
      const online = ok(await cli(`consumerProgress -g ${GROUP} -s TRUE`)).out;
      assert.deepEqual(online.split("\n"), [
        `${head}${"#Client IP".padEnd(20)} ${"#Diff".padEnd(20)}  #LastTime`,
        row(0, "127.0.0.1"),
        row(1, "127.0.0.1"),
        ...tail,
      ]);

      // Any other value keeps RocketMQ's usual columns.
      const usual = ok(await cli(`consumerProgress -g ${GROUP} -s no -t ${TOPIC}`)).out;
      assert.equal(usual.split("\n")[0], `${head}${"#Diff".padEnd(20)}  #LastTime`);
      assert.equal(
        usual.split("\n")[1],
        `${TOPIC.padEnd(64)}  ${"broker-test".padEnd(32)}  0     ${"0".padEnd(20)}  ${
          "0".padEnd(20)
        }  ${"0".padEnd(20)}  N/A`,
      );
    } finally {
      await consumer?.shutdown();
    }
  });
});

Deno.test("mqadmin consumerConnection -b asks the broker given", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic(TOPIC, 1);
    const cli = cliOn(t.namesrvAddr);
    let consumer: PushConsumer | undefined;
    try {
      consumer = await startRecordingConsumer(t.namesrvAddr, [], new Signal());
      const clientId = consumer.clientInstance!.clientId;
      const shown = ok(await cli(`consumerConnection -g ${GROUP} -b ${t.env.address}`)).out;
      const lines = shown.split("\n");
      assert.equal(
        lines[0],
        `${"#ClientId".padEnd(36)} ${"#ClientAddr".padEnd(22)} ${"#Language".padEnd(10)} #Version`,
      );
      assert.match(
        lines[1],
        new RegExp(`^${clientId.replaceAll(".", "\\.")} +127\\.0\\.0\\.1:\\d+ +OTHER {6}V4_9_8$`),
      );
      assert.deepEqual(lines.slice(2, 4), ["", "Below is subscription:"]);
      assert.ok(lines.includes(`${TOPIC.padEnd(20)} *`), shown);
      assert.ok(lines.includes("ConsumeType: CONSUME_PASSIVELY"), shown);
      assert.equal(shown, ok(await cli(`consumerConnection -g ${GROUP}`)).out);

      // A broker that is not there: named.
      const nowhere = await cli(`consumerConnection -g ${GROUP} -b 127.0.0.1:1`);
      assert.equal(nowhere.code, 1);
      assert.match(nowhere.err, /^Cannot connect to broker 127\.0\.0\.1:1: /);
    } finally {
      await consumer?.shutdown();
    }
  });
});

Deno.test("mqadmin sendMessage -m accepts false and refuses true: no message trace is written", async () => {
  await withConsumerTestEnv(async (t) => {
    const cli = cliOn(t.namesrvAddr);
    const sent = ok(await cli(`sendMessage -t ${TOPIC} -p x -m false`)).out.split("\n");
    assert.match(sent[1], /^broker-test {21} {2}\d {3} {2}SEND_OK {13} {4}[0-9A-F]{32}$/);
    const traced = await cli(`sendMessage -t ${TOPIC} -p x -m true`);
    assert.equal(traced.code, 1);
    assert.equal(traced.out, "");
    assert.equal(
      traced.err,
      "Cannot run sendMessage with -m (msgTraceEnable) true: EdgeMQ's producer writes no " +
        "message trace (no RMQ_SYS_TRACE_TOPIC record); leave -m out or pass -m false\n",
    );
  });
});

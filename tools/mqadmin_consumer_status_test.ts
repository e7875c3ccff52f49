import assert from "node:assert/strict";
import {
  Signal,
  testPushConsumer,
  waitUntil,
  withConsumerTestEnv,
} from "../client/consumer/_consumer_testing.ts";
import type { PushConsumer } from "../client/push_consumer.ts";
import { reportFileName } from "./commands/consumer_status_commands.ts";
import { cliOn, ok } from "./_tools_testing.ts";

const TOPIC = "TopicStatus";
const GROUP = "CG_STATUS";

function consumerOf(namesrvAddr: string, tags: string, arrived: Signal, count: () => void) {
  const consumer = testPushConsumer(namesrvAddr, {
    consumerGroup: GROUP,
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
  });
  consumer.subscribe(TOPIC, tags);
  consumer.registerMessageListener((msgs) => {
    for (const _ of msgs) count();
    arrived.fire();
    return "CONSUME_SUCCESS";
  });
  return consumer;
}

Deno.test("mqadmin consumerStatus prints a consumer's running info, per client and for the group", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic(TOPIC, 1);
    const cli = cliOn(t.namesrvAddr);
    const arrived = new Signal();
    let received = 0;
    const consumers: PushConsumer[] = [];
    const dir = await Deno.makeTempDir({ prefix: "consumer_status_" });
    try {
      const first = consumerOf(t.namesrvAddr, "TagA", arrived, () => received++);
      consumers.push(first);
      await first.start();
      for (let i = 0; i < 3; i++) {
        await t.producer.send({ topic: TOPIC, body: `m${i}`, tags: "TagA" });
      }
      await waitUntil("3 messages consumed", () => received >= 3, arrived.subscribe);
      const clientId = first.clientInstance!.clientId;

      const one = ok(await cli(["consumerStatus", "-g", GROUP, "-i", clientId, "-s"])).out;
      const lines = one.split("\n");
      assert.equal(lines[0], "#Consumer Properties#");
      assert.ok(lines.includes(`${"consumerGroup".padEnd(40)}: ${GROUP}`), one);
      assert.ok(lines.includes(`${"PROP_CONSUME_TYPE".padEnd(40)}: CONSUME_PASSIVELY`), one);
      assert.ok(lines.includes(`${"PROP_CLIENT_VERSION".padEnd(40)}: V4_9_8`), one);
      assert.ok(lines.includes(`${"PROP_NAMESERVER_ADDR".padEnd(40)}: ${t.namesrvAddr};`), one);
      const subs = lines.indexOf("#Consumer Subscription#");
      assert.deepEqual(lines.slice(subs + 1, subs + 3), [
        `001 Topic: ${"%RETRY%CG_STATUS".padEnd(40)} ClassFilter: false    SubExpression: *`,
        `002 Topic: ${TOPIC.padEnd(40)} ClassFilter: false    SubExpression: TagA`,
      ]);
      const offsets = lines.indexOf("#Consumer Offset#");
      assert.equal(
        lines[offsets + 1],
        `${"#Topic".padEnd(64)}  ${"#Broker Name".padEnd(32)}  #QID  ${
          "#Consumer Offset".padEnd(20)
        }`,
      );
      assert.ok(
        lines.includes(`${TOPIC.padEnd(32)}  ${"broker-test".padEnd(32)}  0     ${"3".padEnd(20)}`),
        one,
      );
      const detail = lines.indexOf("#Consumer MQ Detail#");
      assert.ok(detail > offsets, one);
      assert.match(
        one,
        /TopicStatus {53} {2}broker-test {21} {2}0 {5}ProcessQueueInfo \[commitOffset=3, cachedMsgMinOffset=0, cachedMsgMaxOffset=0, cachedMsgCount=0, .*, droped=false, lastPullTimestamp=\d{17}, lastConsumeTimestamp=\d{17}\]/,
      );
      const rates = lines.indexOf("#Consumer RT&TPS#");
      assert.match(lines[rates + 1], /^#Topic {66}#Pull RT {6}#Pull TPS/);
      const row = lines.slice(rates + 2).find((l) => l.startsWith(TOPIC))!.split(/ +/);
      assert.equal(row.length, 7, lines.join("\n"));
      assert.equal(row[4], "0.05", "3 messages consumed in the last minute");
      assert.equal(row[6], "0");
      assert.ok(lines.includes("#Consumer jstack#"), "-s asks for the jstack");

      // Without -i: every client, its report saved to <now>/<clientId>.
      const saved = new Map<string, string>();
      const all = ok(
        await cli(["consumerStatus", "-g", GROUP], {
          saveTextFile: async (path, text) => {
            const file = `${dir}/${path}`;
            await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
            await Deno.writeTextFile(file, text);
            saved.set(path, file);
            return path;
          },
        }),
      ).out;
      const table = all.split("\n");
      assert.equal(
        table[0],
        `${"#Index".padEnd(10)} ${"#ClientId".padEnd(40)} ${
          "#Version".padEnd(20)
        } #ConsumerRunningInfoFile`,
      );
      const [path] = [...saved.keys()];
      assert.match(path, new RegExp(`^\\d+/${clientId.replace(/[.]/g, "\\.")}$`));
      assert.equal(
        table[1],
        `${"1".padEnd(10)} ${clientId.padEnd(40)} ${"V4_9_8".padEnd(20)} ${path}`,
      );
      assert.match(await Deno.readTextFile(saved.get(path)!), /^#Consumer Properties#\n/);
      assert.deepEqual(table.slice(2), [
        "",
        "",
        "Same subscription in the same group of consumer",
        "",
        "Rebalance OK",
        "",
      ]);

      // A second client with another expression, both running for over 2 minutes: a warning.
      const second = consumerOf(t.namesrvAddr, "TagB", arrived, () => received++);
      consumers.push(second);
      await second.start();
      const later = { now: () => Date.now() + 3 * 60_000 };
      const differ = ok(await cli(["consumerStatus", "-g", GROUP], { clock: later })).out;
      assert.match(differ, /^1 .*\n2 .*\n/m);
      assert.ok(
        differ.endsWith("\n\nWARN: Different subscription in the same group of consumer!!!"),
        differ,
      );
    } finally {
      for (const c of consumers) await c.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("mqadmin consumerStatus fails clearly for a group with no consumer online", async () => {
  await withConsumerTestEnv(async (t) => {
    await t.createTopic(TOPIC, 1);
    const run = await cliOn(t.namesrvAddr)(["consumerStatus", "-g", "CG_NOBODY"]);
    assert.equal(run.code, 1);
    assert.match(run.err, /No topic route info in name server for the topic: %RETRY%CG_NOBODY/);
  });
});

Deno.test("mqadmin consumerStatus names report files safely whatever id a client announces", async () => {
  assert.equal(reportFileName("10.0.0.1@4242#123"), "10.0.0.1@4242#123");
  assert.equal(reportFileName("127.0.0.1@x/../../../escaped"), "127.0.0.1@x_.._.._.._escaped");
  assert.equal(reportFileName(".."), "_..");
  assert.equal(reportFileName(""), "_");
  await withConsumerTestEnv(async (t) => {
    await t.createTopic(TOPIC, 1);
    // A client may pick any instanceName: its id is `ip@<instanceName>`.
    const consumer = testPushConsumer(t.namesrvAddr, {
      consumerGroup: GROUP,
      instanceName: "x/../../../escaped",
    });
    consumer.subscribe(TOPIC, "*");
    consumer.registerMessageListener(() => "CONSUME_SUCCESS");
    await consumer.start();
    try {
      const paths: string[] = [];
      const cli = cliOn(t.namesrvAddr);
      ok(
        await cli(["consumerStatus", "-g", GROUP], {
          saveTextFile: (path) => Promise.resolve(void paths.push(path)).then(() => path),
        }),
      );
      assert.equal(paths.length, 1);
      const [now, name, ...rest] = paths[0].split("/");
      assert.match(now, /^\d+$/);
      assert.deepEqual(rest, [], `one file inside ${now}/: ${paths[0]}`);
      assert.ok(!name.includes("..".concat("/")) && name !== "..", paths[0]);
    } finally {
      await consumer.shutdown();
    }
  });
});

/**
 * A broker whose `config/` files cannot be written (the volume went read-only or full) while its
 * commit log is fine, over real TCP and real temp files. As RocketMQ's ConfigManager.persist only
 * logs such a failure, a group or retry topic created on first use is kept in memory: a client's
 * heartbeat (which carries all its groups) and pulls keep working. Admin changes still answer an
 * error and change nothing.
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { FaultyFileSystem } from "../store/_test_faulty_fs.ts";
import { TestBrokerClient, updateTopicRequest } from "../tests/broker_test_client.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";

for (const stop of ["the periodic write", "a clean stop"] as const) {
  Deno.test(`while config files cannot be written, a new group and topic are served, and ${stop} saves them once it can`, async () => {
    const fs = new FaultyFileSystem(new DenoFileSystem());
    const dir = await Deno.makeTempDir();
    const t = await startTestBroker({ fs, withNamesrv: false, dir });
    const client = new TestBrokerClient(new DenoTcpTransport(), t.address);
    let closed = false;
    try {
      assert.equal(
        (await client.send("TopicCfg", "m0", { queueId: 0 })).code,
        ResponseCode.SUCCESS,
      );
      fs.failing = (call) => call.includes("/config/");
      const beat = await client.heartbeat("10.0.0.9@4711", "G_NEW", { TopicCfg: "*" });
      assert.equal(beat.code, ResponseCode.SUCCESS, beat.remark);
      assert.ok(fs.failed.length > 0, "the group's file write was tried and failed");
      const members = await client.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
        consumerGroup: "G_NEW",
      });
      assert.equal(members.code, ResponseCode.SUCCESS, members.remark);
      const pull = await client.pull({
        group: "G_NEW",
        topic: "TopicCfg",
        queueId: 0,
        queueOffset: 0,
      });
      assert.equal(pull.code, ResponseCode.SUCCESS, pull.remark);
      const auto = await client.send("TopicAuto", "m1", { queueId: 0 }); // auto-created topic
      assert.equal(auto.code, ResponseCode.SUCCESS, auto.remark);
      // An admin change is refused and leaves nothing behind.
      const update = await client.invoke(updateTopicRequest("TopicAdmin"));
      assert.equal(update.code, ResponseCode.SYSTEM_ERROR);
      assert.match(update.remark ?? "", /EIO/);
      assert.equal(t.broker.topicConfigManager.selectTopicConfig("TopicAdmin"), undefined);
      // The volume is back.
      fs.failing = () => false;
      if (stop === "the periodic write") await t.broker.persistOffsets();
      else {
        await client.close();
        await t.close(true);
        closed = true;
      }
      const topics = await Deno.readTextFile(`${dir}/config/topics.json`);
      const groups = await Deno.readTextFile(`${dir}/config/subscriptionGroup.json`);
      assert.match(topics, /"%RETRY%G_NEW"/);
      assert.match(topics, /"TopicAuto"/);
      assert.match(groups, /"G_NEW"/);
    } finally {
      if (!closed) {
        await client.close();
        await t.close(true);
      }
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a topic update whose folder sync fails after the new topics.json is in place stands, as the next start will read it", async () => {
  const fs = new FaultyFileSystem(new DenoFileSystem());
  const dir = await Deno.makeTempDir();
  const first = await startTestBroker({ fs, withNamesrv: false, dir });
  const client = new TestBrokerClient(new DenoTcpTransport(), first.address);
  let update;
  try {
    fs.failing = (call) => call === `syncDir ${dir}/config`;
    update = await client.invoke(
      updateTopicRequest("TopicSynced", { readQueueNums: "2", writeQueueNums: "2" }),
    );
    assert.ok(
      fs.failed.length > 0,
      `the folder sync failed (update: ${update.code} ${update.remark})`,
    );
    assert.equal(
      await Deno.readTextFile(`${dir}/config/topics.json`).then((t) => t.includes("TopicSynced")),
      true,
    );
  } finally {
    await client.close();
    await first.close(true);
  }
  const again = await startTestBroker({ withNamesrv: false, dir });
  try {
    // What the operator was told, what the first broker served and what the next start reads agree.
    assert.equal(update.code, ResponseCode.SUCCESS, update.remark);
    assert.equal(
      again.broker.topicConfigManager.selectTopicConfig("TopicSynced")?.writeQueueNums,
      2,
    );
  } finally {
    await again.close();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { ManualClock } from "../../common/clock.ts";
import { createRequest } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import { DenoFileSystem } from "../../store/adapters/deno_file_system.ts";
import { decodeOffsetMessageId, hostAddress } from "../../store/message_id.ts";
import type { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { RMQ_SYS_SCHEDULE_TOPIC } from "../topic_validator.ts";
import { pullRecords, scheduleUnits, withClockBroker } from "./_schedule_testing.ts";
import {
  SCHEDULE_DELAY_FOR_A_PERIOD_MS,
  ScheduleMessageService,
} from "./schedule_message_service.ts";

const LEVEL_3_MS = 10_000;

Deno.test("ScheduleMessageService keeps a delay-level message out of its topic until its time", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const sent = await client.send("TopicDelay", "later", {
      queueId: 1,
      tags: "TagD",
      properties: { DELAY: "3" },
    });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    assert.equal(sent.extFields?.queueId, "1", "the response names the requested queue");
    const storedAt = clock.now();
    assert.deepEqual(
      (await scheduleUnits(env, 3)).map((u) => u.tagsCode),
      [storedAt + LEVEL_3_MS],
      "the schedule queue's tag code is the delivery time",
    );
    const service = env.broker.scheduleMessageService;
    await service.deliverDue();
    assert.equal(service.scheduledAt(3), storedAt + LEVEL_3_MS, "level 3 wakes when it is due");
    assert.deepEqual(await pullRecords(client, "TopicDelay", 1), []);

    clock.advance(LEVEL_3_MS - 1);
    assert.equal(await service.deliverDue(), 0);
    assert.deepEqual(await pullRecords(client, "TopicDelay", 1), [], "1 ms early is too early");

    clock.advance(1);
    assert.equal(await service.deliverDue(), 1);
    const [record, ...rest] = await pullRecords(client, "TopicDelay", 1);
    assert.equal(rest.length, 0);
    assert.equal(new TextDecoder().decode(record.body), "later");
    assert.equal(record.queueOffset, 0);
    assert.equal(record.properties.get("TAGS"), "TagD");
    assert.equal(record.properties.get("REAL_TOPIC"), "TopicDelay");
    assert.equal(record.properties.get("REAL_QID"), "1");
    assert.equal(record.properties.has("DELAY"), false, "DELAY is removed on delivery");
    assert.equal(record.properties.has("WAIT"), false);
    assert.equal(service.offsetTable.get(3), 1);
    assert.equal(service.scheduledAt(3), undefined, "an emptied level sleeps until an arrival");
  });
});

Deno.test("ScheduleMessageStore lowers a level above the table to the highest one", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const sent = await client.send("TopicDelayMax", "x", {
      queueId: 0,
      properties: { DELAY: "99" },
    });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const [unit] = await scheduleUnits(env, 18);
    assert.equal(unit.tagsCode, clock.now() + 2 * 60 * 60 * 1000);
    const record = await env.broker.store.lookMessageByOffset(unit.physicalOffset);
    assert.equal(record?.topic, RMQ_SYS_SCHEDULE_TOPIC);
    assert.equal(record?.queueId, 17);
    assert.equal(record?.properties.get("DELAY"), "18");
  });
});

Deno.test("ScheduleMessageStore refuses a non-integer DELAY and a delayed batch", async () => {
  await withClockBroker(async ({ env, client }) => {
    const bad = await client.send("TopicDelayBad", "x", { properties: { DELAY: "soon" } });
    assert.equal(bad.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(bad.remark, 'property DELAY "soon" is not an int32', "the remark names DELAY");
    const message = {
      topic: "TopicBatch",
      queueId: 0,
      flag: 0,
      body: new Uint8Array([1]),
      properties: "DELAY\u00012\u0002",
      sysFlag: 0,
      bornTimestamp: 0,
      bornHost: hostAddress("127.0.0.1", 1),
    };
    const result = await env.broker.store.putMessages([message, message]);
    assert.equal(result.status, "MESSAGE_ILLEGAL");
    assert.equal(result.remark, 'a batch cannot carry property DELAY ("2"): send it alone');
  });
});

Deno.test("ScheduleMessageService keeps delay offsets across a broker restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_schedule_" });
  const clock = new ManualClock(1_700_000_000_000);
  try {
    await withClockBroker(async ({ client, env }) => {
      for (const body of ["first", "second"]) {
        const sent = await client.send("TopicRestart", body, {
          queueId: 0,
          properties: { DELAY: "1" },
        });
        assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
        clock.advance(600);
      }
      assert.equal(
        await env.broker.scheduleMessageService.deliverDue(),
        1,
        "only the first is due",
      );
    }, { dir, clock });
    const file = await Deno.readTextFile(`${dir}/config/delayOffset.json`);
    assert.equal(file, '{\n\t"offsetTable":{1:1\n\t}\n}');

    await withClockBroker(async ({ client, env }) => {
      const service = env.broker.scheduleMessageService;
      assert.equal(service.offsetTable.get(1), 1);
      const answer = await client.invoke(
        createRequest(RequestCode.GET_ALL_DELAY_OFFSET, { language: "JAVA", version: 409 }),
      );
      assert.equal(answer.code, ResponseCode.SUCCESS);
      assert.equal(new TextDecoder().decode(answer.body), '{"offsetTable":{1:1}}');
      clock.advance(600);
      assert.equal(await service.deliverDue(), 1);
      const bodies = (await pullRecords(client, "TopicRestart", 0)).map((r) =>
        new TextDecoder().decode(r.body)
      );
      assert.deepEqual(bodies, ["first", "second"], "each delivered exactly once");
    }, { dir, clock });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ScheduleMessageService moves a saved offset beyond its queue back inside at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_schedule_" });
  const clock = new ManualClock(1_700_000_000_000);
  const send = async (client: TestBrokerClient, body: string) => {
    const sent = await client.send("TopicAhead", body, { queueId: 0, properties: { DELAY: "1" } });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  };
  try {
    await withClockBroker(async ({ client, env }) => {
      await send(client, "old");
      clock.advance(1_000);
      assert.equal(await env.broker.scheduleMessageService.deliverDue(), 1);
    }, { dir, clock });
    // As if the store had lost a tail that delayOffset.json (kept in config/) had seen.
    for (const name of ["delayOffset.json", "delayOffset.json.bak"]) {
      await Deno.writeTextFile(`${dir}/config/${name}`, '{"offsetTable":{1:5}}');
    }
    await withClockBroker(async ({ client, env }) => {
      const service = env.broker.scheduleMessageService;
      assert.equal(service.offsetTable.get(1), 1, "corrected to the queue's max");
      for (const body of ["new-1", "new-2"]) await send(client, body);
      clock.advance(1_000);
      assert.equal(await service.deliverDue(), 2, "both new ones, none skipped");
      const bodies = (await pullRecords(client, "TopicAhead", 0)).map((r) =>
        new TextDecoder().decode(r.body)
      );
      assert.deepEqual(bodies, ["old", "new-1", "new-2"]);
    }, { dir, clock });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ScheduleMessageService keeps the delivery time when consume queues are rebuilt", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_schedule_" });
  const clock = new ManualClock(1_700_000_000_000);
  try {
    let deliverAt = 0;
    await withClockBroker(async ({ client }) => {
      const sent = await client.send("TopicRebuild", "x", {
        queueId: 0,
        properties: { DELAY: "3" },
      });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      deliverAt = clock.now() + LEVEL_3_MS;
    }, { dir, clock });
    await Deno.remove(`${dir}/consumequeue`, { recursive: true });
    clock.advance(1000);
    await withClockBroker(async ({ client, env }) => {
      assert.deepEqual((await scheduleUnits(env, 3)).map((u) => u.tagsCode), [deliverAt]);
      const service = env.broker.scheduleMessageService;
      assert.equal(await service.deliverDue(), 0, "not due 1 s after the store");
      assert.deepEqual(await pullRecords(client, "TopicRebuild", 0), []);
      clock.set(deliverAt);
      assert.equal(await service.deliverDue(), 1);
      assert.equal((await pullRecords(client, "TopicRebuild", 0)).length, 1);
    }, { dir, clock });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ScheduleMessageService delivers at once a time beyond now + delay (clock moved back)", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const sent = await client.send("TopicJump", "x", { queueId: 0, properties: { DELAY: "1" } });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    assert.equal(await env.broker.scheduleMessageService.deliverDue(), 0);
    // A second service over the same store whose clock is an hour behind the store time.
    const behind = new ScheduleMessageService({
      store: env.broker.store,
      delayLevels: env.broker.delayLevels,
      fs: new DenoFileSystem(),
      path: `${env.dir}/config/delayOffsetBehind.json`,
      clock: new ManualClock(clock.now() - 60 * 60 * 1000),
      flushDelayOffsetIntervalMs: 10_000,
      logger: silentRemotingLogger,
    });
    await behind.load();
    behind.start();
    try {
      assert.equal(await behind.deliverDue(), 1);
    } finally {
      await behind.shutdown();
    }
    assert.equal((await pullRecords(client, "TopicJump", 0)).length, 1);
  });
});

Deno.test("ScheduleMessageStore refuses a delay whose real topic cannot be stored, so its level keeps delivering", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const sent = await client.send("TopicLongRetry", "x", { queueId: 0 });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const offset = decodeOffsetMessageId(sent.extFields!.msgId).physicalOffset;
    // A valid group name (≤ 255) whose retry topic exceeds a record's 127-byte topic.
    const group = "G".repeat(200);
    const back = await client.call(RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: String(offset),
      group,
      delayLevel: "3",
      originMsgId: "x",
      originTopic: "TopicLongRetry",
      unitMode: "false",
    });
    assert.equal(back.code, ResponseCode.SYSTEM_ERROR, "RocketMQ's checkMessage refuses the topic");
    assert.equal(back.remark, "MESSAGE_ILLEGAL");
    assert.deepEqual(await scheduleUnits(env, 3), [], "nothing reaches the schedule queue");

    const later = await client.send("TopicAfter", "after", {
      queueId: 0,
      properties: { DELAY: "3" },
    });
    assert.equal(later.code, ResponseCode.SUCCESS, later.remark);
    clock.advance(LEVEL_3_MS);
    await env.broker.scheduleMessageService.deliverDue();
    const delivered = await pullRecords(client, "TopicAfter", 0);
    assert.equal(delivered.length, 1, "level 3 is not blocked by an undeliverable message");
  });
});

Deno.test("ScheduleMessageService delivers on time when the wall clock jumps forward", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const level18Ms = 2 * 60 * 60 * 1000;
    const sent = await client.send("TopicLeap", "x", { queueId: 0, properties: { DELAY: "18" } });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const service = env.broker.scheduleMessageService;
    assert.equal(await service.deliverDue(), 0);
    assert.equal(service.scheduledAt(18), clock.now() + level18Ms, "level 18 waits 2 h");
    // The wall clock steps 2 h ahead (NTP step, host resumed from suspend): the message is due
    // now, as RocketMQ's 100 ms re-check sees, not 2 h of timer time later.
    const held = client.pull({
      group: "G_LEAP",
      topic: "TopicLeap",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
      suspendTimeoutMillis: 5_000,
    });
    clock.advance(level18Ms);
    const response = await held;
    assert.equal(response.code, ResponseCode.SUCCESS, "delivered while the pull was held");
    assert.equal(service.offsetTable.get(18), 1);
  });
});

Deno.test("ScheduleMessageService waits SCHEDULE_DELAY_FOR_A_PERIOD_MS before retrying a refused re-put", async () => {
  await withClockBroker(async ({ env, clock, client }) => {
    const update = (properties: string) =>
      client.invoke(createRequest(RequestCode.UPDATE_BROKER_CONFIG, {
        body: new TextEncoder().encode(properties),
        language: "JAVA",
        version: 409,
      }));
    const sent = await client.send("TopicRefused", "x".repeat(2048), {
      queueId: 0,
      properties: { DELAY: "1" },
    });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    // The store now refuses the message's size: its re-put fails at delivery.
    assert.equal((await update("maxMessageSize=1024\n")).code, ResponseCode.SUCCESS);
    const service = env.broker.scheduleMessageService;
    clock.advance(1_000);
    assert.equal(await service.deliverDue(), 0, "the re-put is refused");
    assert.equal((await update("maxMessageSize=4194304\n")).code, ResponseCode.SUCCESS);
    // A retry waits the period, whatever wakes the level first (the 1 s re-check timer).
    assert.equal(await service.deliverDue(), 0, "not retried before the period");
    clock.advance(SCHEDULE_DELAY_FOR_A_PERIOD_MS);
    assert.equal(await service.deliverDue(), 1, "retried once the period passed");
  });
});

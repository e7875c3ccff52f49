import assert from "node:assert/strict";
import { MQClientError } from "../client_error.ts";
import type { ConsumeFromWhere } from "../heartbeat_data.ts";
import type { MessageQueue } from "../message_queue.ts";
import { computePullFromWhere, type PullFromWhereSource } from "./compute_pull_from_where.ts";
import { formatConsumeTimestamp, parseConsumeTimestamp } from "./consume_timestamp.ts";

const TOPIC = { topic: "T", brokerName: "b", queueId: 1 };
const RETRY = { topic: "%RETRY%G", brokerName: "b", queueId: 0 };
const STAMP = "20241124093000";

/** A broker with fixed answers that records what was asked. */
function source(stored: number, calls: string[]): PullFromWhereSource {
  return {
    readStoreOffset: (mq: MessageQueue) => {
      calls.push(`read ${mq.topic}`);
      return Promise.resolve(stored);
    },
    maxOffset: (mq) => {
      calls.push(`max ${mq.topic}`);
      return Promise.resolve(250);
    },
    searchOffset: (mq, timestamp) => {
      calls.push(`search ${mq.topic} ${timestamp}`);
      return Promise.resolve(120);
    },
  };
}

async function start(where: ConsumeFromWhere, mq: MessageQueue, stored: number) {
  const calls: string[] = [];
  const offset = await computePullFromWhere(
    mq,
    { consumeFromWhere: where, consumeTimestamp: STAMP },
    source(stored, calls),
  );
  return { offset, calls };
}

Deno.test("computePullFromWhere uses a committed offset whatever consumeFromWhere says", async () => {
  for (
    const where of [
      "CONSUME_FROM_LAST_OFFSET",
      "CONSUME_FROM_FIRST_OFFSET",
      "CONSUME_FROM_TIMESTAMP",
    ] as const
  ) {
    assert.deepEqual(await start(where, TOPIC, 42), { offset: 42, calls: ["read T"] });
    assert.deepEqual(await start(where, TOPIC, 0), { offset: 0, calls: ["read T"] });
  }
});

Deno.test("computePullFromWhere LAST_OFFSET starts new queues at the max offset, retry topics at 0", async () => {
  assert.deepEqual(await start("CONSUME_FROM_LAST_OFFSET", TOPIC, -1), {
    offset: 250,
    calls: ["read T", "max T"],
  });
  assert.deepEqual(await start("CONSUME_FROM_LAST_OFFSET", RETRY, -1), {
    offset: 0,
    calls: ["read %RETRY%G"],
  });
  for (
    const deprecated of [
      "CONSUME_FROM_MIN_OFFSET",
      "CONSUME_FROM_MAX_OFFSET",
      "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
    ] as const
  ) {
    assert.equal((await start(deprecated, TOPIC, -1)).offset, 250, deprecated);
  }
});

Deno.test("computePullFromWhere FIRST_OFFSET starts new queues at 0", async () => {
  assert.deepEqual(await start("CONSUME_FROM_FIRST_OFFSET", TOPIC, -1), {
    offset: 0,
    calls: ["read T"],
  });
  assert.equal((await start("CONSUME_FROM_FIRST_OFFSET", RETRY, -1)).offset, 0);
});

Deno.test("computePullFromWhere TIMESTAMP searches consumeTimestamp, retry topics start at the max", async () => {
  const ms = parseConsumeTimestamp(STAMP)!;
  assert.deepEqual(await start("CONSUME_FROM_TIMESTAMP", TOPIC, -1), {
    offset: 120,
    calls: ["read T", `search T ${ms}`],
  });
  assert.deepEqual(await start("CONSUME_FROM_TIMESTAMP", RETRY, -1), {
    offset: 250,
    calls: ["read %RETRY%G", "max %RETRY%G"],
  });
});

Deno.test("computePullFromWhere fails when the store cannot be read or a lookup is negative", async () => {
  await assert.rejects(start("CONSUME_FROM_LAST_OFFSET", TOPIC, -2), (error: unknown) => {
    assert.ok(error instanceof MQClientError);
    assert.equal(error.responseCode, 22);
    assert.match(
      error.message,
      /^CODE: 22 {2}DESC: Failed to query consume offset from offset store/,
    );
    return true;
  });
  const negative: PullFromWhereSource = {
    readStoreOffset: () => Promise.resolve(-1),
    maxOffset: () => Promise.resolve(-5),
    searchOffset: () => Promise.resolve(0),
  };
  await assert.rejects(
    computePullFromWhere(TOPIC, {
      consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
      consumeTimestamp: STAMP,
    }, negative),
    /CODE: 1 {2}DESC: Found unexpected result -5/,
  );
  await assert.rejects(
    computePullFromWhere(TOPIC, {
      consumeFromWhere: "CONSUME_FROM_TIMESTAMP",
      consumeTimestamp: "2024",
    }, negative),
    /consumeTimestamp is invalid, the valid format is yyyyMMddHHmmss,but received 2024/,
  );
});

Deno.test("consume timestamps read and write yyyyMMddHHmmss in local time", () => {
  const ms = new Date(2024, 0, 31, 23, 59, 58).getTime();
  assert.equal(formatConsumeTimestamp(ms), "20240131235958");
  assert.equal(parseConsumeTimestamp("20240131235958"), ms);
  assert.equal(
    parseConsumeTimestamp("20241301000000"),
    new Date(2025, 0, 1).getTime(),
    "lenient like Java",
  );
  assert.equal(parseConsumeTimestamp("2024013123595"), undefined);
  assert.equal(parseConsumeTimestamp("2024013123595x"), undefined);
  assert.equal(formatConsumeTimestamp(parseConsumeTimestamp("00990101000000")!), "00990101000000");
});

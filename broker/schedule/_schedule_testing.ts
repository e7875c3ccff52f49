/**
 * Test support for delayed delivery and send-back: an in-process broker on 127.0.0.1:0 with a
 * `ManualClock`, a hand-built client, and readers for topics and the schedule queues.
 *
 * Internal to broker tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ManualClock } from "../../common/clock.ts";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { MessageRecord } from "../../store/message_record.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker, type TestBroker } from "../../tests/broker_test_env.ts";
import { RMQ_SYS_SCHEDULE_TOPIC } from "../topic_validator.ts";

/** A started broker, its manual clock and a client. */
export interface ClockBroker {
  readonly env: TestBroker;
  readonly clock: ManualClock;
  readonly client: TestBrokerClient;
}

/**
 * Runs `body` against a fresh broker with a manual clock; closes both afterwards.
 *
 * @param body the test
 * @param options store folder to reuse (restart tests), clock to reuse, config keys
 */
export async function withClockBroker(
  body: (broker: ClockBroker) => Promise<void>,
  options: { dir?: string; clock?: ManualClock; properties?: Record<string, string> } = {},
): Promise<void> {
  const clock = options.clock ?? new ManualClock(1_700_000_000_000);
  const env = await startTestBroker({
    withNamesrv: false,
    clock,
    dir: options.dir,
    properties: options.properties,
  });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await body({ env, clock, client });
  } finally {
    await client.close();
    await env.close();
  }
}

/**
 * Pulls (without suspending) every message of a queue from `offset`.
 *
 * @param client the client
 * @param topic the topic
 * @param queueId the queue
 * @param offset the first queue offset
 * @returns the records; none when the queue has nothing there
 */
export async function pullRecords(
  client: TestBrokerClient,
  topic: string,
  queueId: number,
  offset = 0,
): Promise<MessageRecord[]> {
  const response = await client.pull({
    group: "G_SCHEDULE_TEST",
    topic,
    queueId,
    queueOffset: offset,
    subscription: "*",
    sysFlag: 0x4,
  });
  if (response.code === ResponseCode.SUCCESS) return decodeRecords(response.body);
  assert.equal(
    response.code,
    ResponseCode.PULL_NOT_FOUND,
    `pull ${topic}:${queueId}@${offset} answered ${response.code} ${response.remark ?? ""}`,
  );
  return [];
}

/**
 * @param env the broker
 * @param level a delay level
 * @returns the (commit-log offset, tag code) of each unit of the level's schedule queue
 */
export async function scheduleUnits(
  env: TestBroker,
  level: number,
): Promise<{ physicalOffset: number; tagsCode: number }[]> {
  await env.broker.store.waitDispatched();
  const queue = env.broker.store.consumeQueueStore.findConsumeQueue(
    RMQ_SYS_SCHEDULE_TOPIC,
    level - 1,
  );
  if (queue === undefined) return [];
  const units = await queue.readUnits(queue.minOffset, 1024);
  const out: { physicalOffset: number; tagsCode: number }[] = [];
  for (let i = 0; i < (units?.count ?? 0); i++) {
    out.push({ physicalOffset: units!.physicalOffset(i), tagsCode: units!.tagsCode(i) });
  }
  return out;
}

/**
 * A broker process killed with SIGKILL right after it answered SEND_OK keeps those messages,
 * under ASYNC_FLUSH (RocketMQ's default) too: a RocketMQ broker has copied each message into
 * its mapped commit-log file, the OS page cache, before it answers, so only an OS crash or a
 * power loss can take ASYNC_FLUSH's unsynced tail. Each cycle starts the broker on the same
 * store, sends a burst to one queue, kills it once every answer is in, then reads the queue
 * back with a store opened in this process.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { decodeRecord } from "../store/message_record.ts";
import { MessageStore } from "../store/message_store.ts";
import { TEST_STORE_HOST } from "../store/_test_messages.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { spawnMain } from "../tests/broker_test_env.ts";

const CYCLES = 6;
const IN_FLIGHT = 64;
const TOPIC = "TopicKillAfterAck";
const SEGMENT_BYTES = 16 * 1024 * 1024;

async function storedBodies(root: string): Promise<Map<number, string>> {
  const store = new MessageStore({
    fs: new DenoFileSystem(),
    clock: new ManualClock(Date.now()),
    storeHost: TEST_STORE_HOST,
    config: { storePathRootDir: root, mappedFileSizeCommitLog: SEGMENT_BYTES },
  });
  await store.start();
  try {
    const found = new Map<number, string>();
    for (let offset = 0; offset < store.getMaxOffsetInQueue(TOPIC, 0); offset++) {
      const got = await store.getMessage("G", TOPIC, 0, offset, 1);
      if (got?.status !== "FOUND") continue;
      found.set(offset, new TextDecoder().decode(decodeRecord(got.messages[0]).body));
    }
    return found;
  } finally {
    await store.shutdown();
  }
}

Deno.test("a broker killed right after SEND_OK keeps every acknowledged message (ASYNC_FLUSH)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_kill_ack_" });
  const conf = `${dir}/broker.conf`;
  await Deno.writeTextFile(
    conf,
    [
      "listenPort=0",
      "bindAddress=127.0.0.1",
      "brokerIP1=127.0.0.1",
      "httpAdminPort=0",
      "flushDiskType=ASYNC_FLUSH",
      `storePathRootDir=${dir}/store`,
      `mappedFileSizeCommitLog=${SEGMENT_BYTES}`,
      "",
    ].join("\n"),
  );
  const acked = new Map<number, string>(); // queue offset → body
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const broker = await spawnMain(
        "broker/main.ts",
        ["-c", conf],
        /EdgeMQ broker listening on 127\.0\.0\.1:(\d+)/,
      );
      const client = new TestBrokerClient(new DenoTcpTransport(), `127.0.0.1:${broker.match[1]}`);
      try {
        const bodies = Array.from(
          { length: IN_FLIGHT },
          (_, i) => `c${cycle}-m${i}-${"x".repeat(2000)}`,
        );
        const answers = await Promise.all(
          bodies.map((body) => client.send(TOPIC, body, { queueId: 0 })),
        );
        await broker.kill(); // every answer is in
        for (const [i, answer] of answers.entries()) {
          assert.equal(answer.code, ResponseCode.SUCCESS, answer.remark);
          acked.set(Number(answer.extFields!.queueOffset), bodies[i]);
        }
      } finally {
        await client.close();
        await broker.kill().catch(() => undefined);
      }
      const stored = await storedBodies(`${dir}/store`);
      const lost = [...acked].filter(([offset, body]) => stored.get(offset) !== body);
      assert.deepEqual(
        lost.map(([offset]) => offset),
        [],
        `cycle ${cycle}: ${lost.length} of ${acked.size} acknowledged messages not stored as sent`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

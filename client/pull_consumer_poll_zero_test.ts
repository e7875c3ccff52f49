/**
 * A pull consumer polled with a zero timeout (Java's `poll(0)`, `setPollTimeoutMillis(0)`) still
 * gets its messages: an empty poll lets the event loop turn. Before (found by helper-130), a loop
 * of empty polls only awaited resolved promises, so the pulls, heartbeats and every other client
 * of the process froze, at 100 % CPU. The consumer runs in a child process, which the test kills
 * if no message comes.
 */

import assert from "node:assert/strict";
import { runChildUntil } from "../store/_test_child.ts";
import { withConsumerTestEnv } from "./consumer/_consumer_testing.ts";

const CHILD = new URL("./testdata/poll_zero_child.ts", import.meta.url);

for (const mode of ["iterate", "poll"]) {
  Deno.test(`PullConsumer with a zero poll timeout (${mode}) receives its messages`, async () => {
    await withConsumerTestEnv(async (t) => {
      const topic = `TopicPollZero_${mode}`;
      await t.createTopic(topic, 1);
      const queue = { topic, brokerName: "broker-test", queueId: 0 };
      for (let i = 0; i < 3; i++) {
        await t.producer.send({ topic, body: `m-${i}` }, { messageQueue: queue });
      }
      const lines: string[] = [];
      const run = await runChildUntil(
        CHILD,
        [t.namesrvAddr, topic, queue.brokerName, mode],
        (line) => {
          lines.push(line);
          return line.startsWith("got ");
        },
        20_000,
      );
      assert.ok(lines.includes("got 0"), `${JSON.stringify(lines)} ${run.stderr}`);
    });
  });
}

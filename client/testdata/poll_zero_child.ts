/**
 * Child process of `client/pull_consumer_poll_zero_test.ts`: a pull consumer with a zero poll
 * timeout that waits for the first message of queue 0, either with `for await` or with a loop of
 * `poll({ timeoutMs: 0 })`, prints `got <queueOffset>` and exits. Usage:
 * `deno run -A poll_zero_child.ts <namesrvAddr> <topic> <brokerName> <iterate|poll>`.
 *
 * @module
 */

import { testPullConsumer } from "../consumer/_consumer_testing.ts";

const [namesrvAddr, topic, brokerName, mode] = Deno.args;
const consumer = testPullConsumer(namesrvAddr, {
  consumerGroup: `CG_POLL_ZERO_${mode}`,
  consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
  autoCommit: false,
  pollTimeoutMillis: 0,
});
consumer.assign([{ topic, brokerName, queueId: 0 }]);
await consumer.start();
console.log("started");
if (mode === "iterate") {
  for await (const message of consumer) {
    console.log(`got ${message.queueOffset}`);
    break;
  }
} else {
  for (;;) {
    const messages = await consumer.poll({ timeoutMs: 0 });
    if (messages.length > 0) {
      console.log(`got ${messages[0].queueOffset}`);
      break;
    }
  }
}
await consumer.shutdown();

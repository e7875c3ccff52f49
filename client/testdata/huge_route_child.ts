/**
 * Child process of `client/producer_huge_route_test.ts`: one send to `HugeRouteTopic`, whose route
 * the test's name server answers with a huge queue count; prints how the send settled. Usage:
 * `deno run -A huge_route_child.ts <namesrvAddr>`.
 *
 * @module
 */

import { Producer } from "../producer.ts";
import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";

const producer = new Producer({
  producerGroup: "PG_HUGE_ROUTE",
  namesrvAddr: Deno.args[0],
  clientIP: "127.0.0.1",
  instanceName: "huge-route",
  logger: silentRemotingLogger,
  sendMsgTimeout: 2000,
});
await producer.start();
try {
  await producer.send({ topic: "HugeRouteTopic", body: "x" });
  console.log("settled: sent");
} catch (error) {
  console.log(`settled: ${(error as Error).message}`);
}
await producer.shutdown();

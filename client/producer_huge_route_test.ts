/**
 * A route with a huge queue count (an `orderTopicConf` of `b:2000000000`, which a typo in
 * `mqadmin updateOrderConf` can store, or a name server's queue data) is taken as no route: the
 * send fails with the missing-route error. Before (found by helper-139), the client built one queue object
 * per queue, freezing the application and ending its process out of memory. The producer runs in
 * a child process with a 256 MiB heap.
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createResponse, type RemotingCommand } from "../protocol/remoting_command.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { runChildUntil } from "../store/_test_child.ts";
import { startSilentPeer } from "../tests/broker_test_env.ts";

const CHILD = new URL("./testdata/huge_route_child.ts", import.meta.url);

/** @returns what the child's send settled with, against a name server answering `route` */
async function sendAgainst(route: (brokerAddr: string) => object): Promise<string> {
  const broker = startSilentPeer();
  const namesrv = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  namesrv.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request: RemotingCommand) => {
    const body = new TextEncoder().encode(JSON.stringify(route(broker.addr)));
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
  });
  await namesrv.start();
  try {
    let settled = "";
    const run = await runChildUntil(
      CHILD,
      [`127.0.0.1:${namesrv.port}`],
      (line) => {
        if (line.startsWith("settled:")) settled = line;
        return settled !== "";
      },
      60_000,
      ["--v8-flags=--max-old-space-size=256"],
    );
    assert.ok(settled !== "", `the child died: ${run.stderr.slice(-300)}`);
    return settled;
  } finally {
    await namesrv.shutdown();
    await broker.close();
  }
}

function routeOf(addr: string, queueData: object, orderTopicConf?: string): object {
  return {
    brokerDatas: [{ brokerAddrs: { "0": addr }, brokerName: "b", cluster: "c" }],
    filterServerTable: {},
    ...(orderTopicConf === undefined ? {} : { orderTopicConf }),
    queueDatas: [{ brokerName: "b", perm: 6, topicSysFlag: 0, ...queueData }],
  };
}

Deno.test("a route whose orderTopicConf names 2,000,000,000 queues fails the send, not the process", async () => {
  const settled = await sendAgainst((addr) =>
    routeOf(addr, { readQueueNums: 4, writeQueueNums: 4 }, "b:2000000000")
  );
  assert.match(settled, /^settled: No route info of this topic: HugeRouteTopic/);
});

Deno.test("a route whose queue data names 2,000,000,000 queues fails the send, not the process", async () => {
  const settled = await sendAgainst((addr) =>
    routeOf(addr, { readQueueNums: 2_000_000_000, writeQueueNums: 2_000_000_000 })
  );
  assert.match(settled, /^settled: No route info of this topic: HugeRouteTopic/);
});

/**
 * Name server calls as RocketMQ clients make them: the current server first, the others in turn
 * on a failure. A real name server and a closed port over TCP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { NamesrvInvoker } from "./namesrv_invoker.ts";

Deno.test("NamesrvInvoker sends calls made side by side to the live name server when the other is down", async () => {
  const env = await startTestBroker();
  const transport = new DenoTcpTransport();
  const closed = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  const deadAddr = `127.0.0.1:${closed.port}`;
  closed.close();
  const remotingClient = new RemotingClient({ transport, logger: silentRemotingLogger });
  try {
    const invoker = new NamesrvInvoker({
      remotingClient,
      namesrvAddrs: [deadAddr, env.namesrvAddr!],
      clock: { now: () => Date.now() },
      startIndex: 0,
    });
    const call = () =>
      invoker.invoke(
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: "TBW102" } }),
        3000,
      );
    const results = await Promise.allSettled([call(), call()]);
    const failed = results.filter((r) => r.status === "rejected").map((r) =>
      String((r as PromiseRejectedResult).reason)
    );
    assert.deepEqual(failed, [], "every call should have moved on to the live name server");
  } finally {
    await remotingClient.shutdown();
    await env.close();
  }
});

Deno.test("NamesrvInvoker tries an address listed twice twice, then gives up", async () => {
  const transport = new DenoTcpTransport();
  const closed = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  const deadAddr = `127.0.0.1:${closed.port}`;
  closed.close();
  const remotingClient = new RemotingClient({ transport, logger: silentRemotingLogger });
  try {
    const invoker = new NamesrvInvoker({
      remotingClient,
      namesrvAddrs: [deadAddr, deadAddr],
      clock: { now: () => Date.now() },
      startIndex: 0,
    });
    const request = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "T" },
    });
    await assert.rejects(invoker.invoke(request, 3000), /Cannot connect/);
    assert.equal(invoker.current, deadAddr);
  } finally {
    await remotingClient.shutdown();
  }
});

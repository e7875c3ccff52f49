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
import { RemotingConnectError } from "../protocol/remoting_error.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { NamesrvInvoker } from "./namesrv_invoker.ts";

/** An address nothing listens on: a name server that is down. */
async function deadAddress(transport: DenoTcpTransport): Promise<string> {
  const closed = await transport.listen({ hostname: "127.0.0.1", port: 0 });
  closed.close();
  return `127.0.0.1:${closed.port}`;
}

/** @returns an invoker over `namesrvAddrs`, starting at the first */
function invokerOn(remotingClient: RemotingClient, namesrvAddrs: string[]): NamesrvInvoker {
  return new NamesrvInvoker({
    remotingClient,
    namesrvAddrs,
    clock: { now: () => Date.now() },
    startIndex: 0,
  });
}

const routeRequest = (topic: string) =>
  createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic } });

Deno.test("NamesrvInvoker moves to the next name server when one is down", async () => {
  const env = await startTestBroker();
  const transport = new DenoTcpTransport();
  const deadAddr = await deadAddress(transport);
  const remotingClient = new RemotingClient({ transport, logger: silentRemotingLogger });
  try {
    const invoker = invokerOn(remotingClient, [deadAddr, env.namesrvAddr!]);
    const response = await invoker.invoke(routeRequest("TBW102"), 3000);
    assert.equal(response.code, 0);
    assert.equal(invoker.current, env.namesrvAddr, "the failed name server is left behind");
    const dead = invokerOn(remotingClient, [deadAddr]);
    await assert.rejects(dead.invoke(routeRequest("TBW102"), 1000), RemotingConnectError);
  } finally {
    await remotingClient.shutdown();
    await env.close();
  }
});

Deno.test("NamesrvInvoker sends calls made side by side to the live name server when the other is down", async () => {
  const env = await startTestBroker();
  const transport = new DenoTcpTransport();
  const deadAddr = await deadAddress(transport);
  const remotingClient = new RemotingClient({ transport, logger: silentRemotingLogger });
  try {
    const invoker = invokerOn(remotingClient, [deadAddr, env.namesrvAddr!]);
    const call = () => invoker.invoke(routeRequest("TBW102"), 3000);
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
  const deadAddr = await deadAddress(transport);
  const remotingClient = new RemotingClient({ transport, logger: silentRemotingLogger });
  try {
    const invoker = invokerOn(remotingClient, [deadAddr, deadAddr]);
    await assert.rejects(invoker.invoke(routeRequest("T"), 3000), /Cannot connect/);
    assert.equal(invoker.current, deadAddr);
  } finally {
    await remotingClient.shutdown();
  }
});

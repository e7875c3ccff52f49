/**
 * mqadmin waits for an admin call as long as RocketMQ's (`DefaultMQAdminExt.timeoutMillis`,
 * 5 s), not a client call's 3 s: a broker answers updateTopic only after a registration round
 * (`registerIncrementBrokerData`), which a silent name server stretches up to
 * `registerBrokerTimeoutMills`.
 */

import assert from "node:assert/strict";
import { AdminClient } from "../client/admin_client.ts";
import { startTestNamesrv } from "../namesrv/_namesrv_testing.ts";
import { startSilentPeer, startTestBroker } from "../tests/broker_test_env.ts";
import { cliOn } from "./_tools_testing.ts";

Deno.test("AdminClient waits 5 s for an admin call unless mqClientApiTimeout says otherwise", async () => {
  const admin = new AdminClient({ namesrvAddr: "127.0.0.1:9876" });
  const quick = new AdminClient({ namesrvAddr: "127.0.0.1:9876", mqClientApiTimeout: 3000 });
  try {
    assert.equal(admin.config.mqClientApiTimeout, 5000);
    assert.equal(quick.config.mqClientApiTimeout, 3000);
  } finally {
    await admin.shutdown();
    await quick.shutdown();
  }
});

Deno.test("mqadmin updateTopic waits out a registration round a silent name server stretches to 4 s", async () => {
  const ns = await startTestNamesrv();
  const silent = startSilentPeer();
  const env = await startTestBroker({
    namesrvAddr: `${ns.addr};${silent.addr}`,
    properties: { registerBrokerTimeoutMills: "4000" },
  });
  try {
    const run = await cliOn(ns.addr)(`updateTopic -b ${env.address} -t TopicSlowNs`);
    assert.equal(run.code, 0, `out: ${run.out}\nerr: ${run.err}`);
    assert.match(run.out, /^create topic to 127\.0\.0\.1:\d+ success\.$/m);
  } finally {
    await env.close();
    await silent.close();
    await ns.close();
  }
});

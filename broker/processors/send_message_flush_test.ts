/**
 * A single send's WAIT property under SYNC_FLUSH (RocketMQ 4.9.8 `asyncSendMessage` drops WAIT
 * from the stored string but keeps it for `CommitLog.submitFlushRequest`): WAIT=false is answered
 * at once, without waiting for the group commit. A broker on real files, where only the commit
 * log's syncs can be held (a stalled disk), driven over TCP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { DenoFileSystem } from "../../store/adapters/deno_file_system.ts";
import { GatedFileSystem } from "../../store/_test_gated_fs.ts";
import { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { testBrokerProperties } from "../../tests/broker_test_env.ts";
import { loadBrokerConfig } from "../broker_config.ts";
import { BrokerController } from "../broker_controller.ts";

Deno.test("SYNC_FLUSH: a send with WAIT=false is answered without waiting for the flush", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq-wait-" });
  const fs = new GatedFileSystem(new DenoFileSystem(), (path) => path.includes("/commitlog/"));
  const { config } = loadBrokerConfig({
    properties: { ...testBrokerProperties(dir), flushDiskType: "SYNC_FLUSH" },
    env: { HOME: dir, hostname: "test-host" },
  });
  const broker = new BrokerController({
    config,
    transport: new DenoTcpTransport(),
    fs,
    logger: silentRemotingLogger,
  });
  await broker.start();
  const client = new TestBrokerClient(new DenoTcpTransport(), `127.0.0.1:${broker.port}`);
  try {
    const warm = await client.send("TopicNoWait", "warm-up", { queueId: 0 });
    assert.equal(warm.code, ResponseCode.SUCCESS, warm.remark);
    fs.close(); // the disk stalls: a send that waits for the flush is not answered meanwhile
    const noWait = await client.send("TopicNoWait", "no-wait", {
      queueId: 0,
      properties: { WAIT: "false" },
    });
    assert.equal(noWait.code, ResponseCode.SUCCESS, noWait.remark);
    await broker.store.waitDispatched();
    const stored = await broker.store.getMessage("G", "TopicNoWait", 0, 1, 1);
    assert.equal(stored?.status, "FOUND", "stored (not yet durable)");
  } finally {
    fs.release();
    await client.close();
    await broker.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Retention on a running broker: config changes reach the store, and an admin can ask for
 * expired files to go now. A BrokerController on the memory file system with a manual clock,
 * driven over TCP with RocketMQ's requests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import { TestBrokerClient } from "../tests/broker_test_client.ts";
import { testBrokerProperties } from "../tests/broker_test_env.ts";
import { loadBrokerConfig } from "./broker_config.ts";
import { BrokerController } from "./broker_controller.ts";

/** Local 2024-01-02 04:30: the default deleteWhen hour. */
const START = new Date(2024, 0, 2, 4, 30).getTime();
const HOUR_MS = 3_600_000;

/** A broker with small segments holding 60 messages, and a client. */
async function withFilledBroker(
  properties: Record<string, string>,
  fn: (
    broker: BrokerController,
    client: TestBrokerClient,
    clock: ManualClock,
    fs: MemoryFileSystem,
  ) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock(START);
  const { config } = loadBrokerConfig({
    properties: {
      ...testBrokerProperties("/store"),
      mappedFileSizeCommitLog: "4096",
      maxMessageSize: "2048",
      ...properties,
    },
    env: { HOME: "/store", hostname: "test-host" },
  });
  const transport = new DenoTcpTransport();
  const fs = new MemoryFileSystem({ clock });
  const broker = new BrokerController({
    config,
    transport,
    fs,
    logger: silentRemotingLogger,
    clock,
  });
  await broker.start();
  const client = new TestBrokerClient(transport, `127.0.0.1:${broker.port}`);
  try {
    for (let i = 0; i < 60; i++) {
      const sent = await client.send("TopicRetention", new Uint8Array(300), { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await broker.store.flush();
    await broker.store.waitDispatched();
    await fn(broker, client, clock, fs);
  } finally {
    await client.close();
    await broker.shutdown();
  }
}

const request = (code: number, body?: string) =>
  createRequest(code, {
    body: body === undefined ? undefined : new TextEncoder().encode(body),
    language: "JAVA",
    version: 409,
  });

Deno.test("UPDATE_BROKER_CONFIG of fileReservedTime reaches the running store's retention", async () => {
  await withFilledBroker({ fileReservedTime: "72" }, async (broker, client, clock) => {
    const segments = broker.store.commitLog.segments.length;
    assert.ok(segments >= 4, `${segments} segments`);
    clock.set(START + 48 * HOUR_MS); // the deleteWhen hour, files 48 h old: kept under 72 h
    assert.equal((await broker.store.runCleanOnce()).deletedSegments, 0);
    const updated = await client.invoke(
      request(RequestCode.UPDATE_BROKER_CONFIG, "fileReservedTime=24\n"),
    );
    assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
    const result = await broker.store.runCleanOnce();
    assert.equal(
      result.deletedSegments,
      segments - 1,
      "older than the new 24 h: all but the newest",
    );
  });
});

Deno.test("DELETE_EXPIRED_COMMITLOG deletes expired files outside the deleteWhen hour", async () => {
  await withFilledBroker(
    { fileReservedTime: "1", deleteWhen: "03" },
    async (broker, client, clock) => {
      assert.ok(broker.store.commitLog.segments.length > 1);
      clock.set(START + 2 * HOUR_MS); // 06:30: expired, but not 03 o'clock
      assert.equal((await broker.store.runCleanOnce()).deletedSegments, 0);
      const response = await client.invoke(request(RequestCode.DELETE_EXPIRED_COMMITLOG));
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      await broker.store.runCleanOnce(); // joins the pass the request started, or runs the next
      assert.equal(broker.store.commitLog.segments.length, 1, "all but the newest");
    },
  );
});

Deno.test("diskMaxUsedSpaceRatio outside 10..95 is used as RocketMQ clamps it, not refused", async () => {
  // A RocketMQ broker.conf with 5 starts there (MessageStoreConfig.getDiskMaxUsedSpaceRatio
  // answers 10), and mqadmin updateBrokerConfig with 99 succeeds (used as 95).
  const { warnings } = loadBrokerConfig({
    properties: { ...testBrokerProperties("/store"), diskMaxUsedSpaceRatio: "98" },
    env: { HOME: "/store", hostname: "test-host" },
  });
  assert.deepEqual(warnings, [
    "Config key diskMaxUsedSpaceRatio 98 is used as 95 (RocketMQ keeps it in 10..95)",
  ]);
  await withFilledBroker(
    { fileReservedTime: "1", deleteWhen: "03", diskMaxUsedSpaceRatio: "5" },
    async (broker, client, clock, fs) => {
      const segments = broker.store.commitLog.segments.length;
      assert.ok(segments > 1, `${segments} segments`);
      const used = (await fs.diskUsage("/store")).totalBytes -
        (await fs.diskUsage("/store")).freeBytes;
      fs.setCapacity(Math.ceil(used / 0.07)); // 7 %: past 5, below the 10 RocketMQ uses
      clock.set(START + 2 * HOUR_MS); // 06:30: expired, but not 03 o'clock
      const kept = await broker.store.runCleanOnce();
      assert.equal(kept.deletedSegments, 0, `${kept.usedPercent.toFixed(1)} % is below 10 %`);
      const updated = await client.invoke(
        request(RequestCode.UPDATE_BROKER_CONFIG, "diskMaxUsedSpaceRatio=99\n"),
      );
      assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
      fs.setCapacity(Math.ceil(used / 0.12)); // 12 %: past the 10 a ratio of 3 is used as
      const lowered = await client.invoke(
        request(RequestCode.UPDATE_BROKER_CONFIG, "diskMaxUsedSpaceRatio=3\n"),
      );
      assert.equal(lowered.code, ResponseCode.SUCCESS, lowered.remark);
      const result = await broker.store.runCleanOnce();
      assert.equal(result.deletedSegments, segments - 1, "expired files go early past 10 %");
    },
  );
});

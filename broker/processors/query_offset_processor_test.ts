/**
 * GET_MAX_OFFSET over TCP against a broker whose commit-log writes can be held (real temp
 * files): the answer counts only messages in the file, which a killed broker keeps. A consumer
 * starting at an offset the broker then took back would skip the messages sent after the
 * restart, whose producers got SEND_OK (CONSUME_FROM_LAST_OFFSET, seekToEnd).
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { DenoFileSystem } from "../../store/adapters/deno_file_system.ts";
import { WriteGatedFs } from "../../store/_test_write_gated_fs.ts";
import { TestBrokerClient } from "../../tests/broker_test_client.ts";
import { startTestBroker } from "../../tests/broker_test_env.ts";

Deno.test("GET_MAX_OFFSET counts only messages in the commit-log file; committed=false counts the rest", async () => {
  const fs = new WriteGatedFs(new DenoFileSystem());
  const t = await startTestBroker({ fs, withNamesrv: false });
  const client = new TestBrokerClient(new DenoTcpTransport(), t.address);
  const maxOffset = async (extra: Record<string, string> = {}) => {
    const response = await client.call(RequestCode.GET_MAX_OFFSET, {
      topic: "TopicMax",
      queueId: "0",
      ...extra,
    });
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    return Number(response.extFields?.offset);
  };
  let pending: Promise<unknown> = Promise.resolve();
  try {
    assert.equal((await client.send("TopicMax", "m0", { queueId: 0 })).code, ResponseCode.SUCCESS);
    fs.close(); // the disk is slow to take the next write
    const m1 = client.send("TopicMax", "m1", { queueId: 0 }); // answered once written
    pending = m1;
    await fs.writeHeld();
    assert.equal(await maxOffset(), 1, "m1 is not in the file: a kill now would take it back");
    assert.equal(await maxOffset({ committed: "false" }), 2);
    fs.release();
    assert.equal((await m1).code, ResponseCode.SUCCESS);
    assert.equal(await maxOffset(), 2);
  } finally {
    fs.release();
    await Promise.allSettled([pending]);
    await client.close();
    await t.close();
  }
});

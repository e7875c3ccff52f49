import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { decodeRecords, TestBrokerClient } from "../tests/broker_test_client.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { compute24HourSum } from "./commands/stats_commands.ts";
import { cliOn, ok } from "./_tools_testing.ts";

const HEADER = "#Topic".padEnd(64) + "  " + "#Consumer Group".padEnd(64) + " " +
  "#Accumulation".padStart(12) + " " + "#InTPS".padStart(11) + " " + "#OutTPS".padStart(11) +
  " " + "#InMsg24Hour".padStart(14) + " " + "#OutMsg24Hour".padStart(14) + "\n";

/** One row of statsAll as RocketMQ's `%-64s  %-64s %12d %11.2f %11.2f %14d %14d%n` prints it. */
function row(cells: [string, string, number, string, string, number, number | string]): string {
  const [topic, group, accumulation, inTps, outTps, inToday, outToday] = cells;
  return topic.padEnd(64) + "  " + group.padEnd(64) + " " + String(accumulation).padStart(12) +
    " " + inTps.padStart(11) + " " + outTps.padStart(11) + " " + String(inToday).padStart(14) +
    " " + String(outToday).padStart(14) + "\n";
}

Deno.test("mqadmin statsAll prints a topic's put and get TPS and 24-hour counts", async () => {
  const clock = new ManualClock(Date.now());
  const env = await startTestBroker({ clock });
  const cli = cliOn(env.namesrvAddr!);
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    ok(await cli("updateTopic -c DefaultCluster -t TopicIdle -r 1 -w 1"));
    // A consumer of TopicLoad online (QUERY_TOPIC_CONSUME_BY_WHO lists it) that got 3 messages.
    const beat = await client.heartbeat("127.0.0.1@stats", "G_LOAD", { TopicLoad: "*" });
    assert.equal(beat.code, ResponseCode.SUCCESS, beat.remark);
    for (let i = 0; i < 3; i++) {
      const sent = await client.send("TopicLoad", `m${i}`, { queueId: 0 });
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    }
    await env.broker.store.waitDispatched();
    const pulled = await client.pull({
      group: "G_LOAD",
      topic: "TopicLoad",
      queueId: 0,
      queueOffset: 0,
      subscription: "*",
    });
    assert.equal(decodeRecords(pulled.body).length, 3);
    await env.broker.registration!.registerNow();
    clock.advance(10_000); // the broker's first 10-s snapshot since the traffic

    const load = row(["TopicLoad", "G_LOAD", 3, "0.30", "0.30", 3, 3]);
    assert.equal(ok(await cli("statsAll -t TopicLoad")).out, HEADER + load);
    assert.equal(ok(await cli("statsAll -a")).out, HEADER + load, "only the active topic");
    assert.equal(
      ok(await cli("statsAll -t TopicIdle")).out,
      HEADER + row(["TopicIdle", "", 0, "0.00", "", 0, "NO_CONSUMER"]),
    );
    const all = ok(await cli("statsAll")).out;
    assert.ok(all.startsWith(HEADER) && all.includes(load), all);
    assert.ok(all.includes(row(["TopicIdle", "", 0, "0.00", "", 0, "NO_CONSUMER"])), all);
    assert.ok(!all.includes("%RETRY%"), "retry topics are skipped");
  } finally {
    await client.close();
    await env.close();
  }
});

Deno.test("compute24HourSum falls back from the day to the hour to the minute", () => {
  const item = (sum: number) => ({ sum, tps: 0, avgpt: 0 });
  const data = (day: number, hour: number, minute: number) => ({
    statsDay: item(day),
    statsHour: item(hour),
    statsMinute: item(minute),
  });
  assert.equal(compute24HourSum(data(7, 5, 3)), 7);
  assert.equal(compute24HourSum(data(0, 5, 3)), 5);
  assert.equal(compute24HourSum(data(0, 0, 3)), 3);
  assert.equal(compute24HourSum(data(0, 0, 0)), 0);
});

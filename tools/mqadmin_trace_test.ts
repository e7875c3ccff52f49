import assert from "node:assert/strict";
import { startTestProducer } from "../client/_client_testing.ts";
import type { Producer } from "../client/producer.ts";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { formatDateTime, javaFormat } from "./_format.ts";
import { cliOn, ok } from "./_tools_testing.ts";

const C = "\u0001"; // TraceConstants.CONTENT_SPLITOR
const F = "\u0002"; // TraceConstants.FIELD_SPLITOR
const ROW = "%-10s %-20s %-20s %-20s %-10s %-10s%n";
const T0 = 1_700_000_000_000;

/** Records as RocketMQ 4.9.8's TraceDataEncoder.encoderFromContextBean writes them. */
function pubRecord(msgId: string, offsetMsgId: string, group: string, at: number): string {
  const bean = ["TopicOrder", msgId, "TagA", "order-1 order-2", "127.0.0.1:10911", 42, 7, 0];
  return ["Pub", at, "DefaultRegion", group, ...bean, offsetMsgId, true].join(C) + F;
}

function consumeRecords(
  msgId: string,
  group: string,
  attempt: { request: string; at: number; costMs: number; success: boolean; retry: number },
): string {
  const keys = "order-1 order-2";
  const { request, at } = attempt;
  return ["SubBefore", at, "DefaultRegion", group, request, msgId, attempt.retry, keys].join(C) +
    F +
    ["SubAfter", request, msgId, attempt.costMs, attempt.success, keys, 0, at + 1, group].join(C) +
    F;
}

/**
 * Sends one trace message as AsyncTraceDispatcher.sendTraceDataByMQ does: the batch's records
 * concatenated, `KEYS` the traced messages' ids and keys joined by spaces.
 */
async function sendTrace(producer: Producer, topic: string, keys: string[], data: string) {
  await producer.send({ topic, body: data, keys: [...new Set(keys)].join(" ") });
}

Deno.test("mqadmin queryMsgTraceById prints a message's Pub and Sub traces from RMQ_SYS_TRACE_TOPIC", async () => {
  const env = await startTestBroker();
  const cli = cliOn(env.namesrvAddr!);
  const producer = await startTestProducer(env.namesrvAddr!, { producerGroup: "PG_ORDER" });
  const tracer = await startTestProducer(env.namesrvAddr!, {
    producerGroup: "_INNER_TRACE_PRODUCER-PG_ORDER-PRODUCER-1",
  });
  try {
    const sent = await producer.send({
      topic: "TopicOrder",
      body: "order",
      tags: "TagA",
      keys: "order-1 order-2",
    });
    const { msgId, offsetMsgId } = sent;
    const other = "7F0000010000000000000000000000FF";
    const keys = [msgId, "order-1", "order-2"];
    await sendTrace(
      tracer,
      "RMQ_SYS_TRACE_TOPIC",
      keys,
      pubRecord(msgId, offsetMsgId, "PG_ORDER", T0),
    );
    // One consumer-side batch: CG_ORDER consumes once; CG_AUDIT fails, then succeeds on retry;
    // another message's records ride along and are not printed.
    await sendTrace(
      tracer,
      "RMQ_SYS_TRACE_TOPIC",
      [...keys, other],
      consumeRecords(msgId, "CG_ORDER", {
        request: "R1",
        at: T0 + 100,
        costMs: 5,
        success: true,
        retry: 0,
      }) +
        consumeRecords(other, "CG_OTHER", {
          request: "R2",
          at: T0 + 150,
          costMs: 1,
          success: true,
          retry: 0,
        }) +
        consumeRecords(msgId, "CG_AUDIT", {
          request: "R3",
          at: T0 + 200,
          costMs: 30,
          success: false,
          retry: 0,
        }) +
        consumeRecords(msgId, "CG_AUDIT", {
          request: "R4",
          at: T0 + 10_300,
          costMs: 4,
          success: true,
          retry: 1,
        }),
    );
    await sendTrace(
      tracer,
      "TopicMyTrace",
      [msgId],
      pubRecord(msgId, offsetMsgId, "PG_MINE", T0 + 5),
    );
    await env.broker.registration!.registerNow();
    await env.broker.store.waitDispatched();

    const time = (ms: number) => formatDateTime(ms);
    const pubHead = javaFormat(
      ROW,
      "#Type",
      "#ProducerGroup",
      "#ClientHost",
      "#SendTime",
      "#CostTimes",
      "#Status",
    );
    const subHead = javaFormat(
      ROW,
      "#Type",
      "#ConsumerGroup",
      "#ClientHost",
      "#ConsumerTime",
      "#CostTimes",
      "#Status",
    );
    // Groups print in Java HashMap order: CG_AUDIT before CG_ORDER (checked with OpenJDK 17).
    assert.equal(
      ok(await cli(`queryMsgTraceById -i ${msgId}`)).out,
      pubHead +
        javaFormat(ROW, "Pub", "PG_ORDER", "127.0.0.1", time(T0), "7ms", "success") +
        "\n" +
        subHead +
        javaFormat(ROW, "Sub", "CG_AUDIT", "127.0.0.1", time(T0 + 201), "30ms", "failed") +
        javaFormat(ROW, "Sub", "CG_AUDIT", "127.0.0.1", time(T0 + 10_301), "4ms", "success") +
        "\n" +
        subHead +
        javaFormat(ROW, "Sub", "CG_ORDER", "127.0.0.1", time(T0 + 101), "5ms", "success") +
        "\n",
    );
    assert.ok(
      pubHead.startsWith("#Type      #ProducerGroup       #ClientHost          #SendTime "),
    );
    assert.equal(
      ok(await cli(`queryMsgTraceById -i ${msgId} -t TopicMyTrace`)).out,
      pubHead + javaFormat(ROW, "Pub", "PG_MINE", "127.0.0.1", time(T0 + 5), "7ms", "success") +
        "\n",
    );

    const none = "0".repeat(32);
    assert.deepEqual(await cli(`queryMsgTraceById -i ${none}`), {
      code: 1,
      out: "",
      err:
        `Cannot find a trace of message ${none}: no message of topic RMQ_SYS_TRACE_TOPIC has it as a key\n`,
    });
    // order-1 is a key of both trace messages, but no record traces a message of that id.
    assert.deepEqual(await cli("queryMsgTraceById -i order-1"), {
      code: 1,
      out: "",
      err:
        "Cannot find a trace of message order-1: 2 message(s) of topic RMQ_SYS_TRACE_TOPIC have " +
        "it as a key but hold no Pub or SubAfter record of it\n",
    });
  } finally {
    await tracer.shutdown();
    await producer.shutdown();
    await env.close();
  }
});

import assert from "node:assert/strict";
import { startTestBroker } from "../tests/broker_test_env.ts";
import { pullMessages, startTestProducer } from "./_client_testing.ts";
import { DECOMPRESSED_BODY_BYTES_MAX } from "./limits.ts";
import {
  compressBody,
  compressionSysFlag,
  decompressBody,
  MessageCompressionError,
} from "./message_compression.ts";
import { MessageDecodeError } from "./message_decoder.ts";

/** A ZSTD body of a few KiB that inflates to `frames` MiB of zeros (concatenated frames). */
function zstdBomb(frames: number): Uint8Array {
  const frame = compressBody(new Uint8Array(1024 * 1024), "ZSTD", 3);
  const bomb = new Uint8Array(frame.length * frames);
  for (let i = 0; i < frames; i++) bomb.set(frame, i * frame.length);
  return bomb;
}

Deno.test("A pulled ZSTD message inflating beyond DECOMPRESSED_BODY_BYTES_MAX is refused, as a zlib one is", async () => {
  const frames = DECOMPRESSED_BODY_BYTES_MAX / (1024 * 1024) + 1;
  const bomb = zstdBomb(frames);
  assert.ok(bomb.length < 64 * 1024, `${bomb.length} bytes on the wire`);
  const env = await startTestBroker();
  const producer = await startTestProducer(env.namesrvAddr!);
  try {
    // A client (any language, any bug) sends the body marked "compressed, ZSTD" (sysFlag 0x201).
    const api = producer.clientInstance!.api;
    // A new topic: the header's defaultTopic has the broker create it (auto-create is on).
    const mq = { topic: "TopicZstdBomb", brokerName: "broker-test", queueId: 0 };
    const result = await api.sendMessage(env.address, {
      brokerName: mq.brokerName,
      header: {
        producerGroup: "PG_TEST",
        topic: mq.topic,
        defaultTopic: "TBW102",
        defaultTopicQueueNums: 4,
        queueId: mq.queueId,
        sysFlag: compressionSysFlag("ZSTD"),
        bornTimestamp: Date.now(),
        flag: 0,
        properties: "",
      },
      body: bomb,
      batch: false,
      uniqMsgId: "",
    }, 3000);
    assert.equal(result?.sendStatus, "SEND_OK");
    const pulled = pullMessages(api, env.address, {
      topic: mq.topic,
      queueId: mq.queueId,
      queueOffset: result.queueOffset,
      count: 1,
    });
    const error = await pulled.then(
      (messages) => new Error(`decoded a body of ${messages[0].body.length} bytes`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof MessageDecodeError, String(error));
    assert.ok(error.cause instanceof MessageCompressionError);
    assert.match(error.message, /it inflates beyond DECOMPRESSED_BODY_BYTES_MAX 67108864$/);
    // A body of exactly the limit still inflates.
    const fits = zstdBomb(DECOMPRESSED_BODY_BYTES_MAX / (1024 * 1024));
    assert.equal(decompressBody(fits, 0x201).length, DECOMPRESSED_BODY_BYTES_MAX);
  } finally {
    await producer.shutdown();
    await env.close();
  }
});

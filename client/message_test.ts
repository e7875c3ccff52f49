import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { hostAddress } from "../store/message_id.ts";
import { encodeProperties } from "../store/message_properties.ts";
import { MESSAGE_MAGIC_CODE_V1 } from "../store/message_record.ts";
import { MessageRecordEncoder } from "../store/message_record_encoder.ts";
import { decodePulledMessages } from "./consumer/decode_pulled_messages.ts";
import { MQClientError } from "./client_error.ts";
import { DECOMPRESSED_BODY_BYTES_MAX } from "./limits.ts";
import { Message } from "./message.ts";
import { createMessageBatch, decodeMessageBatch } from "./message_batch.ts";
import { MessageClientIdGenerator } from "./message_client_id.ts";
import {
  compressBody,
  compressionSysFlag,
  decompressBody,
  MessageCompressionError,
} from "./message_compression.ts";
import { decodeMessageAt, decodeMessages, MessageDecodeError } from "./message_decoder.ts";
import { checkGroup, checkMessage, checkTopic } from "./validators.ts";

const STORE_HOST = hostAddress("192.168.1.10", 10911);

/** Encodes stored records with the store's own encoder, as a pull body holds them. */
function records(
  entries: { topic: string; body: Uint8Array; sysFlag?: number; properties: Map<string, string> }[],
): Uint8Array {
  const encoder = new MessageRecordEncoder(STORE_HOST, 64 * 1024 * 1024);
  const parts: Uint8Array[] = [];
  let physicalOffset = 1_048_576;
  entries.forEach((e, i) => {
    const size = encoder.prepare({
      topic: e.topic,
      queueId: 3,
      flag: 7,
      body: e.body,
      properties: encodeProperties(e.properties),
      sysFlag: e.sysFlag ?? 0,
      bornTimestamp: 1_700_000_000_000,
      bornHost: hostAddress("10.0.0.5", 5000),
      reconsumeTimes: 2,
    });
    assert.equal(typeof size, "number");
    const bytes = new Uint8Array(size as number);
    encoder.write(bytes, new DataView(bytes.buffer), 0, {
      physicalOffset,
      queueOffset: 100 + i,
      storeTimestamp: 1_700_000_000_500,
    });
    physicalOffset += bytes.length;
    parts.push(bytes);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("Message keeps tags, keys, delay level and user properties under RocketMQ's names", () => {
  const msg = new Message({
    topic: "TopicTest",
    body: "héllo",
    tags: "TagA",
    keys: ["k1", "k2"],
    delayTimeLevel: 3,
    properties: { region: "eu" },
  });
  assert.equal(msg.properties.get("TAGS"), "TagA");
  assert.equal(msg.properties.get("KEYS"), "k1 k2");
  assert.equal(msg.properties.get("DELAY"), "3");
  assert.equal(msg.getUserProperty("region"), "eu");
  assert.equal(msg.bodyText, "héllo");
  assert.equal(msg.waitStoreMsgOK, true);
  msg.delayTimeLevel = 0;
  assert.equal(msg.properties.has("DELAY"), false);
  assert.throws(
    () => msg.putUserProperty("TAGS", "x"),
    /The Property<TAGS> is used by system, input another please/,
  );
  assert.throws(
    () => msg.putUserProperty("a", " "),
    /The name or value of property can not be null or blank string!/,
  );
});

Deno.test("decodeMessages reads stored records with offset ids and RocketMQ's msgId rule", () => {
  const body = records([
    {
      topic: "T1",
      body: new TextEncoder().encode("one"),
      properties: new Map([["UNIQ_KEY", "U1"], ["TAGS", "A"]]),
    },
    { topic: "T1", body: new TextEncoder().encode("two"), properties: new Map([["KEYS", "k"]]) },
  ]);
  const [a, b] = decodeMessages(body, { brokerName: "broker-a" });
  assert.equal(a.bodyText, "one");
  assert.equal(a.tags, "A");
  assert.equal(a.queueId, 3);
  assert.equal(a.queueOffset, 100);
  assert.equal(a.flag, 7);
  assert.equal(a.reconsumeTimes, 2);
  assert.equal(a.bornHost, "10.0.0.5:5000");
  assert.equal(a.storeHost, "192.168.1.10:10911");
  assert.equal(a.storeTimestamp, 1_700_000_000_500);
  assert.equal(a.bornTimestamp, 1_700_000_000_000);
  assert.equal(a.commitLogOffset, 1_048_576);
  assert.equal(a.offsetMsgId, "C0A8010A00002A9F0000000000100000");
  assert.equal(a.msgId, "U1");
  assert.equal(a.brokerName, "broker-a");
  assert.equal(b.queueOffset, 101);
  assert.equal(b.msgId, b.offsetMsgId, "without UNIQ_KEY msgId is the offset id");
  assert.equal(b.commitLogOffset, 1_048_576 + a.storeSize);
  assert.throws(() => decodeMessages(body.subarray(0, body.length - 1)), MessageDecodeError);
});

Deno.test("decodeMessages decompresses zlib (0x301 and legacy 0x1) and zstd bodies transparently", () => {
  const raw = new TextEncoder().encode("RocketMQ ".repeat(1000));
  const zlib = compressBody(raw, "ZLIB", 5);
  assert.equal(zlib[0], 0x78, "zlib-wrapped deflate stream as java.util.zip.Deflater writes");
  assert.ok(zlib.length < raw.length / 10);
  const zstd = compressBody(raw, "ZSTD", 3);
  const body = records([
    { topic: "T", body: zlib, sysFlag: compressionSysFlag("ZLIB"), properties: new Map() },
    { topic: "T", body: zlib, sysFlag: 0x1, properties: new Map() },
    { topic: "T", body: zstd, sysFlag: compressionSysFlag("ZSTD"), properties: new Map() },
  ]);
  const messages = decodeMessages(body);
  for (const m of messages) assert.deepEqual(m.body, raw);
  assert.equal(messages[0].sysFlag, 0x301);
  assert.deepEqual(decodeMessages(body, { decompress: false })[0].body, zlib);
});

Deno.test("decompressBody reads LZ4 frames and rejects corrupt streams with a clear error", () => {
  // `lz4` of "hi": one stored block (RocketMQ 5.x compressType=LZ4 is sysFlag 0x101)
  const lz4 = new Uint8Array([
    ...[4, 34, 77, 24, 100, 64, 167, 2, 0, 0, 128, 104, 105, 0, 0, 0, 0],
    ...[100, 165, 167, 218], // content checksum (not verified)
  ]);
  assert.equal(new TextDecoder().decode(decompressBody(lz4, 0x101)), "hi");
  assert.throws(
    () => decompressBody(new Uint8Array([1, 2, 3]), 0x101),
    (e: unknown) =>
      e instanceof MessageCompressionError &&
      /Cannot decompress message body of 3 bytes \(sysFlag 0x101\): LZ4 frame ends/.test(e.message),
  );
  assert.throws(
    () => decompressBody(new Uint8Array([1, 2, 3]), 0x501),
    /type 0x500 is not supported/,
  );
  assert.throws(
    () => decompressBody(new Uint8Array([1, 2, 3]), 0x301),
    /Cannot decompress message body of 3 bytes \(sysFlag 0x301\)/,
  );
  const body = records([{
    topic: "T",
    body: new Uint8Array([9, 9]),
    sysFlag: 0x301,
    properties: new Map(),
  }]);
  assert.throws(() => decodeMessages(body), /Cannot decode message at commit-log offset 1048576/);
});

Deno.test("decompressBody refuses a body that inflates beyond DECOMPRESSED_BODY_BYTES_MAX", () => {
  const bomb = compressBody(new Uint8Array(DECOMPRESSED_BODY_BYTES_MAX + 1), "ZLIB", 9);
  assert.ok(bomb.length < 128 * 1024, `${bomb.length} bytes on the wire`);
  assert.throws(
    () => decompressBody(bomb, 0x301),
    (e: unknown) =>
      e instanceof MessageCompressionError &&
      e.message.endsWith(
        `it inflates beyond DECOMPRESSED_BODY_BYTES_MAX ${DECOMPRESSED_BODY_BYTES_MAX}`,
      ),
  );
  const fits = compressBody(new Uint8Array(DECOMPRESSED_BODY_BYTES_MAX), "ZLIB", 9);
  assert.equal(decompressBody(fits, 0x301).length, DECOMPRESSED_BODY_BYTES_MAX);
});

Deno.test("MessageClientIdGenerator lays out ip, pid, seed, month time and counter", () => {
  const clock = new ManualClock(new Date(2024, 4, 3, 10, 0, 0, 0).getTime());
  const ids = new MessageClientIdGenerator({
    clientIP: "10.0.0.5",
    pid: 0x12345,
    clock,
    seed: 0x01020304,
  });
  const first = ids.createUniqID();
  const second = ids.createUniqID();
  assert.equal(first.length, 32);
  assert.equal(first.slice(0, 20), "0A0000052345" + "01020304");
  const sinceMonth = (2 * 24 + 10) * 3600 * 1000;
  assert.equal(Number.parseInt(first.slice(20, 28), 16), sinceMonth);
  assert.equal(first.slice(28), "0000");
  assert.equal(second.slice(28), "0001");
  const v6 = new MessageClientIdGenerator({ clientIP: "[fe80::1]", pid: 1, clock });
  assert.equal(v6.createUniqID().length, 56);
  const msg = new Message({ topic: "T", body: "x" });
  const id = ids.setUniqID(msg);
  assert.equal(ids.setUniqID(msg), id, "a re-sent message keeps its id");
});

Deno.test("createMessageBatch packs entries as message-format.md §7 and enforces RocketMQ's rules", () => {
  const ids = new MessageClientIdGenerator({
    clientIP: "10.0.0.5",
    pid: 1,
    clock: new ManualClock(),
  });
  const messages = [
    new Message({ topic: "T", body: "a", tags: "x", flag: 5 }),
    new Message({ topic: "T", body: "bb", keys: "k" }),
  ];
  const batch = createMessageBatch(messages, { ids, maxMessageSize: 1024 });
  const entries = decodeMessageBatch(batch.body);
  assert.equal(entries.length, 2);
  assert.equal(entries[0].flag, 5);
  assert.deepEqual(entries[1].body, new TextEncoder().encode("bb"));
  assert.ok(entries[0].properties.includes("TAGS\u0001x\u0002"));
  assert.equal(
    entries[0].properties.split("\u0002").find((p) => p.startsWith("UNIQ_KEY"))?.length,
    41,
  );
  const view = new DataView(batch.body.buffer);
  assert.equal(view.getInt32(0), 22 + 1 + new TextEncoder().encode(entries[0].properties).length);
  assert.equal(view.getInt32(4), 0, "MAGICCODE 0");
  assert.equal(batch.uniqIds.split(",").length, 2);
  assert.deepEqual([...batch.properties], [["WAIT", "true"]]);
  const reason = (list: Message[]) => {
    try {
      createMessageBatch(list, { ids, maxMessageSize: 1024 });
    } catch (error) {
      assert.ok(error instanceof MQClientError);
      assert.match(error.message, /^Failed to initiate the MessageBatch/);
      return (error.cause as Error).message;
    }
    assert.fail("expected a refusal");
  };
  assert.equal(
    reason([new Message({ topic: "T", body: "a", delayTimeLevel: 2 })]),
    "TimeDelayLevel is not supported for batching",
  );
  assert.equal(
    reason([new Message({ topic: "%RETRY%G", body: "a" })]),
    "Retry Group is not supported for batching",
  );
  assert.equal(
    reason([new Message({ topic: "T", body: "a" }), new Message({ topic: "U", body: "a" })]),
    "The topic of the messages in one batch should be the same",
  );
  assert.equal(
    reason([
      new Message({ topic: "T", body: "a" }),
      new Message({ topic: "T", body: "a", waitStoreMsgOK: false }),
    ]),
    "The waitStoreMsgOK of the messages in one batch should the same",
  );
});

Deno.test("validators word errors as RocketMQ's Validators", () => {
  const message = (m: () => void) => {
    try {
      m();
    } catch (error) {
      return (error as Error).message;
    }
    return "no error";
  };
  const faq =
    "\nFor more information, please visit the url, https://rocketmq.apache.org/docs/bestPractice/06FAQ";
  assert.equal(message(() => checkTopic(" ")), "The specified topic is blank" + faq);
  assert.equal(
    message(() => checkTopic("a".repeat(128))),
    "The specified topic is longer than topic max length 127." + faq,
  );
  assert.equal(
    message(() => checkTopic("a b")),
    "The specified topic[a b] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$" + faq,
  );
  assert.equal(message(() => checkGroup("")), "the specified group is blank" + faq);
  assert.equal(
    message(() => checkMessage(new Message({ topic: "T", body: "" }), 10)),
    "CODE: 13  DESC: the message body length is zero" + faq,
  );
  assert.equal(
    message(() => checkMessage(new Message({ topic: "T", body: "0123456789x" }), 10)),
    "CODE: 13  DESC: the message body size over max value, MAX: 10" + faq,
  );
  assert.equal(
    message(() => checkMessage(new Message({ topic: "SCHEDULE_TOPIC_XXXX", body: "x" }), 10)),
    "Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden." + faq,
  );
  // Java's flag is an int: a batch would cut anything else, a broker refuse it (a retried code)
  for (const flag of [2 ** 31, -(2 ** 31) - 1, 1.5, Number.NaN]) {
    assert.equal(
      message(() => checkMessage(new Message({ topic: "T", body: "x", flag }), 10)),
      `CODE: 13  DESC: the message flag ${flag} is not an int32` + faq,
    );
  }
  for (const flag of [2 ** 31 - 1, -(2 ** 31), 0]) {
    checkMessage(new Message({ topic: "T", body: "x", flag }), 10);
  }
});

Deno.test("decodeMessages rejects a negative BODYLENGTH as decodePulledMessages does", () => {
  // BODYLENGTH -16 puts the read position back on RECONSUMETIMES: before (found by helper-163),
  // the record decoded, its topic and properties read out of its own header fields
  const tail = new TextEncoder().encode("\u0002TAGS\u0001A\u0002");
  const bytes = new Uint8Array(88 + tail.length);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, bytes.length);
  view.setInt32(4, MESSAGE_MAGIC_CODE_V1);
  bytes.set([1, 0x54], 72); // RECONSUMETIMES' bytes read as topic length 1, topic "T"
  view.setInt16(74, bytes.length - 76); // … and as the properties length, to the end
  view.setInt32(84, -16);
  bytes.set(tail, 88);
  const context = { brokerName: "b", minOffset: 0, maxOffset: 0 };
  assert.throws(() => decodePulledMessages(bytes, context), MessageDecodeError);
  assert.throws(() => decodeMessages(bytes), MessageDecodeError);
  assert.throws(() => decodeMessageAt(bytes, 0), MessageDecodeError);
});

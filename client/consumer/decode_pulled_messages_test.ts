import assert from "node:assert/strict";
import fc from "fast-check";
import { type HostAddress, hostAddress } from "../../store/message_id.ts";
import { encodeProperties } from "../../store/message_properties.ts";
import { MESSAGE_MAGIC_CODE_V2, MessageSysFlag } from "../../store/message_record.ts";
import { MessageRecordEncoder } from "../../store/message_record_encoder.ts";
import type { MessageExt } from "../message.ts";
import { compressBody, compressionSysFlag } from "../message_compression.ts";
import { decodeMessages, MessageDecodeError } from "../message_decoder.ts";
import { decodePulledMessages } from "./decode_pulled_messages.ts";

const SEED = 20261124;
const CONTEXT = { brokerName: "broker-a", minOffset: 3, maxOffset: 1_000_000_007 };

interface RecordSpec {
  topic: string;
  body: Uint8Array;
  properties: Map<string, string>;
  bornHost: HostAddress;
  storeHost: HostAddress;
  zlib: boolean;
  v2: boolean;
}

/**
 * One stored record, written by the store's encoder (V1), rewritten as V2 when asked (V1 cannot
 * hold the topic when it is longer than 127 bytes: the encoder writes a stand-in first).
 */
function encodeRecord(spec: RecordSpec, physicalOffset: number, queueOffset: number): Uint8Array {
  const encoder = new MessageRecordEncoder(spec.storeHost, 1 << 20);
  const body = spec.zlib ? compressBody(spec.body, "ZLIB", 5) : spec.body;
  const size = encoder.prepare({
    topic: spec.v2 ? "-" : spec.topic,
    queueId: 5,
    flag: -7,
    body,
    properties: encodeProperties(spec.properties),
    sysFlag: spec.zlib ? compressionSysFlag("ZLIB") : 0,
    bornTimestamp: 1_700_000_000_000 + queueOffset,
    bornHost: spec.bornHost,
    reconsumeTimes: 2,
    preparedTransactionOffset: 0,
  });
  assert.equal(typeof size, "number", `store encoder refused ${spec.topic}: ${size}`);
  const bytes = new Uint8Array(size as number);
  encoder.write(bytes, new DataView(bytes.buffer), 0, {
    physicalOffset,
    queueOffset,
    storeTimestamp: 1_700_000_000_500 + queueOffset,
  });
  return spec.v2 ? toV2(bytes, new TextEncoder().encode(spec.topic)) : bytes;
}

/**
 * Rewrites a V1 record as V2 with another topic: MAGICCODE V2 and a 2-byte TOPICLENGTH
 * (message-format.md §1).
 */
function toV2(v1: Uint8Array, topic: Uint8Array): Uint8Array {
  const view = new DataView(v1.buffer, v1.byteOffset, v1.byteLength);
  const sysFlag = view.getInt32(36);
  const born = sysFlag & MessageSysFlag.BORNHOST_V6_FLAG ? 20 : 8;
  const store = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8;
  const bodyAt = 48 + born + 8 + store + 4 + 8;
  const topicAt = bodyAt + 4 + view.getInt32(bodyAt);
  const rest = v1.subarray(topicAt + 1 + v1[topicAt]);
  const out = new Uint8Array(topicAt + 2 + topic.length + rest.length);
  out.set(v1.subarray(0, topicAt));
  const outView = new DataView(out.buffer);
  outView.setInt32(0, out.length);
  outView.setInt32(4, MESSAGE_MAGIC_CODE_V2);
  outView.setInt16(topicAt, topic.length);
  out.set(topic, topicAt + 2);
  out.set(rest, topicAt + 2 + topic.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function pullBody(specs: RecordSpec[]): Uint8Array {
  let physicalOffset = 0x1_2345_6789;
  return concat(specs.map((spec, i) => {
    const record = encodeRecord(spec, physicalOffset, 40 + i);
    physicalOffset += record.length;
    return record;
  }));
}

/** Every field a consumer sees, for comparing two decoders. */
function fields(m: MessageExt) {
  return {
    topic: m.topic,
    body: [...m.body],
    flag: m.flag,
    properties: [...m.properties].sort(),
    brokerName: m.brokerName,
    queueId: m.queueId,
    storeSize: m.storeSize,
    queueOffset: m.queueOffset,
    sysFlag: m.sysFlag,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    storeHost: m.storeHost,
    offsetMsgId: m.offsetMsgId,
    msgId: m.msgId,
    commitLogOffset: m.commitLogOffset,
    bodyCRC: m.bodyCRC,
    reconsumeTimes: m.reconsumeTimes,
    preparedTransactionOffset: m.preparedTransactionOffset,
    tags: m.tags,
    keys: m.keys,
  };
}

/** The reference: `decodeMessages`, stamped as RocketMQ's `processPullResult` does. */
function reference(body: Uint8Array) {
  return decodeMessages(body, { brokerName: CONTEXT.brokerName }).map((m) => {
    m.properties.set("MIN_OFFSET", String(CONTEXT.minOffset));
    m.properties.set("MAX_OFFSET", String(CONTEXT.maxOffset));
    return fields(m);
  });
}

const HOSTS = [
  hostAddress("10.0.0.5", 5000),
  hostAddress("10.0.0.6", 5000),
  hostAddress("10.0.0.5", 5001),
  hostAddress("fe80::1:2", 40000),
];

const specArb: fc.Arbitrary<RecordSpec> = fc.record({
  topic: fc.constantFrom("T1", "T1", "T2", "Tópico-ü", "L".repeat(200)),
  body: fc.uint8Array({ maxLength: 64 }),
  properties: fc.dictionary(
    fc.constantFrom("TAGS", "KEYS", "UNIQ_KEY", "a", "ключ", "TRAN_MSG"),
    fc.string({ minLength: 1, maxLength: 12 }).filter((v) =>
      !v.includes("\u0001") && !v.includes("\u0002")
    ),
    { maxKeys: 4 },
  ).map((d) => new Map(Object.entries(d))),
  bornHost: fc.constantFrom(...HOSTS),
  storeHost: fc.constantFrom(...HOSTS),
  zlib: fc.boolean(),
  v2: fc.boolean(),
}).map((s) => ({ ...s, v2: s.v2 || s.topic.length > 127 }));

Deno.test("decodePulledMessages reads every field as decodeMessages does, plus MIN/MAX_OFFSET", () => {
  fc.assert(
    fc.property(fc.array(specArb, { minLength: 1, maxLength: 6 }), (specs) => {
      const body = pullBody(specs);
      assert.deepEqual(decodePulledMessages(body, CONTEXT).map(fields), reference(body));
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("decodePulledMessages gives views of the pull body, copies only inflated bodies", () => {
  const text = new TextEncoder();
  const spec = {
    topic: "T",
    properties: new Map([["UNIQ_KEY", "U1"]]),
    bornHost: HOSTS[0],
    storeHost: HOSTS[0],
    v2: false,
  };
  const body = pullBody([
    { ...spec, body: text.encode("plain"), zlib: false },
    { ...spec, body: text.encode("deflated ".repeat(20)), zlib: true },
  ]);
  const [plain, inflated] = decodePulledMessages(body, CONTEXT);
  assert.equal(plain.body.buffer, body.buffer, "a plain body is a view, not a copy");
  assert.equal(plain.bodyText, "plain");
  assert.notEqual(inflated.body.buffer, body.buffer);
  assert.equal(inflated.bodyText, "deflated ".repeat(20));
  assert.equal(plain.offsetMsgId, "0A000005000013880000000123456789");
  assert.equal(plain.msgId, "U1");
  assert.equal(plain.properties.get("MIN_OFFSET"), "3");
  assert.equal(plain.properties.get("MAX_OFFSET"), "1000000007");
});

Deno.test("decodePulledMessages rejects truncated and corrupt bodies with MessageDecodeError only", () => {
  const body = pullBody([
    {
      topic: "T1",
      body: new Uint8Array(16),
      properties: new Map([["TAGS", "A"]]),
      bornHost: HOSTS[0],
      storeHost: HOSTS[3],
      zlib: false,
      v2: false,
    },
    {
      topic: "T1",
      body: new Uint8Array(8),
      properties: new Map(),
      bornHost: HOSTS[3],
      storeHost: HOSTS[0],
      zlib: true,
      v2: true,
    },
  ]);
  assert.throws(
    () => decodePulledMessages(body.subarray(0, body.length - 1), CONTEXT),
    /^MessageDecodeError: Cannot decode message record at \d+: size \d+ exceeds \d+ bytes$/,
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(body.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.nat(body.length),
      (edits, cut) => {
        const bytes = body.slice(0, Math.max(cut, 1));
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        try {
          const messages = decodePulledMessages(bytes, CONTEXT);
          const sizes = messages.reduce((n, m) => n + m.storeSize, 0);
          assert.equal(sizes, bytes.length, "what decodes covers the body exactly");
        } catch (error) {
          if (!(error instanceof MessageDecodeError)) throw error;
        }
      },
    ),
    { seed: SEED, numRuns: 2000 },
  );
});

Deno.test("decodePulledMessages inflates an LZ4 body (sysFlag 0x101) and reads the record after it", () => {
  const host = hostAddress("10.0.0.1", 10911);
  // `lz4` of "hello " six times without the last space: one compressed block.
  const frame = new Uint8Array([
    ...[4, 34, 77, 24, 100, 64, 167, 16, 0, 0, 0, 111, 104, 101, 108, 108, 111, 32, 6, 0, 5, 80],
    ...[104, 101, 108, 108, 111, 0, 0, 0, 0, 189, 156, 214, 116],
  ]);
  const encoder = new MessageRecordEncoder(host, 1 << 20);
  const records = [[frame, 0x101], [new TextEncoder().encode("next"), 0]] as const;
  let physicalOffset = 0;
  const body = concat(records.map(([stored, sysFlag], i) => {
    const size = encoder.prepare({
      topic: "T",
      queueId: 0,
      flag: 0,
      body: stored,
      properties: "",
      sysFlag,
      bornTimestamp: 1,
      bornHost: host,
    }) as number;
    const bytes = new Uint8Array(size);
    encoder.write(bytes, new DataView(bytes.buffer), 0, {
      physicalOffset,
      queueOffset: i,
      storeTimestamp: 2,
    });
    physicalOffset += size;
    return bytes;
  }));
  const messages = decodePulledMessages(body, { brokerName: "b", minOffset: 0, maxOffset: 2 });
  assert.deepEqual(messages.map((m) => m.bodyText), ["hello ".repeat(6).trim(), "next"]);
});

Deno.test("decodePulledMessages leaves out a record whose body will not inflate and goes on", () => {
  const host = hostAddress("10.0.0.1", 10911);
  const encoder = new MessageRecordEncoder(host, 1 << 20);
  const text = new TextEncoder();
  const records = [
    [text.encode("first"), 0],
    [text.encode("definitely not zlib"), compressionSysFlag("ZLIB")],
    [compressBody(text.encode("third"), "ZLIB", 5), compressionSysFlag("ZLIB")],
  ] as const;
  let physicalOffset = 4096;
  const body = concat(records.map(([stored, sysFlag], i) => {
    const size = encoder.prepare({
      topic: "T",
      queueId: 0,
      flag: 0,
      body: stored,
      properties: "",
      sysFlag,
      bornTimestamp: 1,
      bornHost: host,
    }) as number;
    const bytes = new Uint8Array(size);
    encoder.write(bytes, new DataView(bytes.buffer), 0, {
      physicalOffset,
      queueOffset: i,
      storeTimestamp: 2,
    });
    physicalOffset += size;
    return bytes;
  }));
  const secondAt = 4096 + new DataView(body.buffer).getInt32(0);
  const context = { brokerName: "b", minOffset: 0, maxOffset: 3 };
  assert.throws(
    () => decodePulledMessages(body, context),
    new RegExp(`^MessageDecodeError: Cannot decode message at commit-log offset ${secondAt}: `),
  );
  const dropped: MessageDecodeError[] = [];
  const messages = decodePulledMessages(body, {
    ...context,
    onUndecodableBody: (error) => dropped.push(error),
  });
  assert.deepEqual(messages.map((m) => [m.bodyText, m.queueOffset]), [["first", 0], ["third", 2]]);
  assert.equal(dropped.length, 1);
  assert.match(dropped[0].message, new RegExp(`commit-log offset ${secondAt}: `));
});

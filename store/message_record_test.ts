import assert from "node:assert/strict";
import fc from "fast-check";
import { bodyCrc, crc32, crc32Portable } from "./crc32.ts";
import {
  createOffsetMessageId,
  decodeOffsetMessageId,
  formatHostAddress,
  hostAddress,
  InvalidAddressError,
} from "./message_id.ts";
import {
  computeTagsCode,
  decodeProperties,
  encodeProperties,
  findProperty,
  propertyIs,
} from "./message_properties.ts";
import {
  decodeRecord,
  MESSAGE_MAGIC_CODE_V1,
  MessageSysFlag,
  RecordDecodeError,
  recordSize,
  scanRecord,
} from "./message_record.ts";
import { MessageRecordEncoder } from "./message_record_encoder.ts";
import { makeMessage, TEST_STORE_HOST } from "./_test_messages.ts";
import * as zlib from "node:zlib";

const utf8 = new TextEncoder();

function encodeOne(
  message = makeMessage(),
  storeHost = TEST_STORE_HOST,
  fields = { physicalOffset: 4096, queueOffset: 7, storeTimestamp: 1_700_000_000_123 },
) {
  const encoder = new MessageRecordEncoder(storeHost, 4 * 1024 * 1024);
  const size = encoder.prepare(message);
  assert.equal(typeof size, "number");
  const bytes = new Uint8Array(size as number);
  encoder.write(bytes, new DataView(bytes.buffer), 0, fields);
  return bytes;
}

Deno.test("crc32 matches the IEEE check value and zlib on random data", () => {
  assert.equal(crc32(utf8.encode("123456789")), 0xCBF43926);
  assert.equal(crc32Portable(utf8.encode("123456789")), 0xCBF43926);
  assert.equal(bodyCrc(utf8.encode("123456789")), 0x4BF43926);
  const native = (zlib as unknown as { crc32: (d: Uint8Array) => number }).crc32;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
      assert.equal(crc32Portable(data), native(data) >>> 0);
      assert.equal(crc32(data), native(data) >>> 0);
    }),
    { seed: 42, numRuns: 200 },
  );
});

Deno.test("computeTagsCode is Java String.hashCode over UTF-16 units", () => {
  assert.equal(computeTagsCode("TagA"), 2598919);
  assert.equal(computeTagsCode(undefined), 0);
  assert.equal(computeTagsCode(""), 0);
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE in Java
  assert.equal(computeTagsCode("polygenelubricants"), -2147483648);
  // a surrogate pair hashes as two UTF-16 units: 31 * 0xD83D + 0xDE00
  assert.equal(computeTagsCode("😀"), 31 * 0xD83D + 0xDE00);
});

Deno.test("decodeProperties follows Java's rules for short, nameless and empty pairs", () => {
  const text =
    "TAGS\u0001A\u0002EMPTY\u0001\u0002\u0001x\u0002ab\u0002K\u0001v\u0001w\u0002TAGS\u0001B";
  const map = decodeProperties(text);
  assert.deepEqual([...map], [["TAGS", "B"], ["K", "v\u0001w"]]);
  assert.equal(findProperty(text, "TAGS"), "B");
  assert.equal(findProperty(text, "EMPTY"), undefined);
  assert.equal(findProperty("A\u0001TAGS\u0001x\u0002", "TAGS"), undefined);
  assert.equal(encodeProperties({ A: "1", B: "2" }), "A\u00011\u0002B\u00012\u0002");
  const text1 = fc.string({ minLength: 1 }).filter((s) =>
    !s.includes("\u0001") && !s.includes("\u0002")
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(text1, text1), { selector: (pair) => pair[0] }),
      (pairs) => {
        const map = new Map(pairs);
        const encoded = encodeProperties(map);
        assert.deepEqual([...decodeProperties(encoded)], pairs);
        for (const [name, value] of pairs) assert.equal(findProperty(encoded, name), value);
      },
    ),
    { seed: 7, numRuns: 200 },
  );
});

Deno.test("propertyIs answers as findProperty's value would, on any text", () => {
  const piece = fc.constantFrom(
    "\u0001",
    "\u0002",
    "WAIT",
    "false",
    "fals",
    "falsey",
    "W",
    "x",
    "",
  );
  fc.assert(
    fc.property(
      fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join("")),
      fc.constantFrom("WAIT", "W", "x"),
      fc.constantFrom("false", "fals", "x", ""),
      (text, name, value) => {
        assert.equal(propertyIs(text, name, value), findProperty(text, name) === value);
      },
    ),
    { seed: 11, numRuns: 3000 },
  );
  assert.equal(propertyIs("WAIT\u0001false\u0002", "WAIT", "false"), true);
  assert.equal(propertyIs("WAIT\u0001false\u0002WAIT\u0001true", "WAIT", "false"), false);
  assert.equal(propertyIs("WAIT\u0001falsey\u0002", "WAIT", "false"), false);
});

Deno.test("MessageRecordEncoder writes the documented V1 layout and decodeRecord reads it", () => {
  const message = makeMessage({ bodyText: "hello", properties: { TAGS: "TagA", KEYS: "k1" } });
  const bytes = encodeOne(message);
  const view = new DataView(bytes.buffer);
  const properties = "TAGS\u0001TagA\u0002KEYS\u0001k1\u0002";
  assert.equal(bytes.length, 91 + 5 + "TopicTest".length + properties.length);
  assert.equal(view.getInt32(0), bytes.length);
  assert.equal(view.getUint32(4), 0xDAA320A7);
  assert.equal(view.getInt32(8), bodyCrc(utf8.encode("hello")));
  const record = decodeRecord(bytes);
  assert.equal(record.magicCode, MESSAGE_MAGIC_CODE_V1);
  assert.equal(record.queueOffset, 7);
  assert.equal(record.physicalOffset, 4096);
  assert.equal(record.storeTimestamp, 1_700_000_000_123);
  assert.equal(record.bornTimestamp, 1_700_000_000_000);
  assert.equal(formatHostAddress(record.bornHost), "10.0.0.2:50123");
  assert.equal(formatHostAddress(record.storeHost), "192.168.1.10:10911");
  assert.equal(new TextDecoder().decode(record.body), "hello");
  assert.equal(record.topic, "TopicTest");
  assert.equal(record.propertiesString, properties);
  assert.equal(record.properties.get("KEYS"), "k1");
});

Deno.test("MessageRecordEncoder sets the IPv6 host flags and sizes", () => {
  const v6Store = hostAddress("::1", 10911);
  const message = makeMessage({ bornHost: "2001:db8::7" });
  const bytes = encodeOne(message, v6Store);
  const record = decodeRecord(bytes);
  assert.equal(record.sysFlag & 0x30, 0x30);
  assert.equal(bytes.length, recordSize(5, 9, message.properties.length, 0x30));
  assert.equal(bytes.length, 91 + 24 + 5 + 9 + message.properties.length);
  assert.equal(formatHostAddress(record.bornHost), "2001:db8:0:0:0:0:0:7:50123");
  assert.deepEqual(record.storeHost.address, v6Store.address);
  assert.equal(record.storeHost.port, 10911);
  assert.equal(record.storeTimestamp, 1_700_000_000_123);
});

Deno.test("MessageRecordEncoder refuses long topics, big bodies and big properties", () => {
  const encoder = new MessageRecordEncoder(TEST_STORE_HOST, 100);
  assert.equal(encoder.prepare(makeMessage({ topic: "T".repeat(128) })), "MESSAGE_ILLEGAL");
  assert.equal(encoder.prepare(makeMessage({ body: new Uint8Array(101) })), "MESSAGE_ILLEGAL");
  assert.equal(
    encoder.prepare(makeMessage({ properties: { A: "x".repeat(32_767) } })),
    "PROPERTIES_SIZE_EXCEEDED",
  );
  assert.equal(
    encoder.prepare(makeMessage({ properties: { A: "é".repeat(16_383) } })),
    "PROPERTIES_SIZE_EXCEEDED",
  );
  assert.equal(typeof encoder.prepare(makeMessage({ topic: "T".repeat(127) })), "number");
});

Deno.test("decodeRecord and scanRecord reject torn, stale and bit-rotted records", () => {
  const bytes = encodeOne();
  const view = new DataView(bytes.buffer);
  const options = { checkCrc: true, dispatch: true };
  const ok = scanRecord(bytes, view, 0, 4096, options);
  assert.equal(ok.kind, "message");
  assert.equal(ok.kind === "message" && ok.request?.tagsCode, 2598919);
  assert.equal(ok.kind === "message" && ok.request?.keys, "k1 k2");
  assert.equal(scanRecord(bytes, view, 0, 8192, options).kind, "end", "stale offset");
  assert.throws(() => decodeRecord(bytes.subarray(0, bytes.length - 1)), RecordDecodeError);
  const torn = bytes.slice(0, bytes.length - 3);
  assert.equal(scanRecord(torn, new DataView(torn.buffer), 0, 4096, options).kind, "end");
  const rotten = bytes.slice();
  rotten[90] ^= 0x40; // inside the body (BODY starts at 88 with IPv4 hosts)
  const result = scanRecord(rotten, new DataView(rotten.buffer), 0, 4096, options);
  assert.equal(result.kind, "end");
  assert.match(result.kind === "end" ? result.reason : "", /BODYCRC/);
  assert.equal(
    scanRecord(rotten, new DataView(rotten.buffer), 0, 4096, { ...options, checkCrc: false }).kind,
    "message",
  );
});

Deno.test("decodeRecord never throws anything but RecordDecodeError on random bytes", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.boolean(),
      (data, realMagic) => {
        const bytes = data.slice();
        if (realMagic && bytes.length >= 8) {
          new DataView(bytes.buffer).setInt32(
            4,
            MESSAGE_MAGIC_CODE_V1,
          );
        }
        try {
          decodeRecord(bytes);
        } catch (error) {
          assert.ok(error instanceof RecordDecodeError, String(error));
        }
      },
    ),
    { seed: 11, numRuns: 500 },
  );
});

Deno.test("createOffsetMessageId matches a plain hex rendering whatever the host sequence", () => {
  const hex = (n: number | bigint, digits: number) =>
    n.toString(16).toUpperCase().padStart(digits, "0");
  const reused = new Uint8Array(4); // a caller that rewrites its address bytes in place
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.uint8Array({ minLength: 4, maxLength: 4 }),
            fc.uint8Array({ minLength: 16, maxLength: 16 }),
          ),
          fc.integer({ min: 0, max: 65535 }),
          fc.maxSafeNat(),
          fc.boolean(),
        ),
        { minLength: 1, maxLength: 6 },
      ),
      (ids) => {
        for (const [bytes, port, offset, inPlace] of ids) {
          let address = bytes;
          if (inPlace && bytes.length === 4) {
            reused.set(bytes);
            address = reused;
          }
          const expected = [...address].map((b) => hex(b, 2)).join("") + hex(port, 8) +
            hex(BigInt(offset), 16);
          assert.equal(createOffsetMessageId(address, port, offset), expected);
        }
      },
    ),
    { seed: 7, numRuns: 300 },
  );
});

Deno.test("createOffsetMessageId renders the documented example and round-trips", () => {
  const id = createOffsetMessageId(new Uint8Array([192, 168, 1, 10]), 10911, 1_048_576);
  assert.equal(id, "C0A8010A00002A9F0000000000100000");
  const decoded = decodeOffsetMessageId(id.toLowerCase());
  assert.equal(formatHostAddress(decoded.host), "192.168.1.10:10911");
  assert.equal(decoded.physicalOffset, 1_048_576);
  const big = 2 ** 40 + 12345;
  const v6 = hostAddress("[fe80::1]", 9876);
  const v6Id = createOffsetMessageId(v6.address, v6.port, big);
  assert.equal(v6Id.length, 56);
  assert.equal(decodeOffsetMessageId(v6Id).physicalOffset, big);
  assert.throws(() => decodeOffsetMessageId("XYZ"), InvalidAddressError);
  assert.throws(() => hostAddress("1.2.3.256", 1), InvalidAddressError);
  assert.throws(() => hostAddress("1::2::3", 1), InvalidAddressError);
  assert.deepEqual([...hostAddress("::ffff:1.2.3.4", 1).address], [1, 2, 3, 4], "IPv4-mapped");
  assert.deepEqual([...hostAddress("64:ff9b::1.2.3.4", 1).address.subarray(12)], [1, 2, 3, 4]);
});

Deno.test("MessageSysFlag values match message-format.md §3", () => {
  assert.equal(MessageSysFlag.TRANSACTION_PREPARED_TYPE, 0x4);
  assert.equal(MessageSysFlag.TRANSACTION_ROLLBACK_TYPE, 0xC);
  assert.equal(MessageSysFlag.BORNHOST_V6_FLAG, 0x10);
  assert.equal(MessageSysFlag.STOREHOSTADDRESS_V6_FLAG, 0x20);
});

Deno.test("hostAddress takes an IPv4-mapped IPv6 address for the IPv4 address, as Java does", () => {
  const mapped = hostAddress("::ffff:127.0.0.1", 50000);
  assert.deepEqual([...mapped.address], [127, 0, 0, 1], "4 bytes: no IPv6 born-host flag");
  assert.deepEqual([...hostAddress("[::FFFF:10.0.0.9]", 1).address], [10, 0, 0, 9]);
  assert.equal(hostAddress("::1", 1).address.length, 16, "other IPv6 addresses stay 16 bytes");
  assert.equal(hostAddress("64:ff9b::7f00:1", 1).address.length, 16, "NAT64 is not mapped");
});

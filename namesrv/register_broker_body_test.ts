import assert from "node:assert/strict";
import {
  bodyCrc32,
  decodeDataVersion,
  decodeRegisterBrokerBody,
  encodeCompressedRegisterBrokerBody,
  RegisterBrokerBodyError,
} from "./register_broker_body.ts";
import {
  FILTER_SERVERS_PER_BROKER_MAX,
  REGISTERED_TOPIC_NAME_CHARS_MAX,
  TOPICS_PER_REGISTRATION_MAX,
} from "./limits.ts";

const encoder = new TextEncoder();

/** The body of bodies.md §2, as a 4.9.8 broker writes it. */
const BODY_TEXT =
  '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,' +
  '"timestamp":1732436400000},"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,' +
  '"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}}';

Deno.test("decodeRegisterBrokerBody reads the RegisterBrokerBody of bodies.md §2", () => {
  const body = decodeRegisterBrokerBody(encoder.encode(BODY_TEXT), {
    compressed: false,
    version: 409,
  });
  assert.deepEqual(body.topicConfigWrapper.dataVersion, { counter: 3, timestamp: 1732436400000 });
  assert.deepEqual(body.topicConfigWrapper.topicConfigTable.get("TopicTest"), {
    topicName: "TopicTest",
    readQueueNums: 4,
    writeQueueNums: 4,
    perm: 6,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: 0,
    order: false,
  });
  assert.deepEqual(body.filterServerList, []);
});

Deno.test("decodeRegisterBrokerBody accepts 5.x extras and fills TopicConfig defaults", () => {
  const text =
    '{"filterServerList":["10.0.0.9:3000"],"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,' +
    '"stateVersion":7,"timestamp":5},"mappingDataVersion":{"counter":0,"timestamp":0},"topicConfigTable":{"T":' +
    '{"attributes":{"+message.type":"NORMAL"},"topicName":"T"}},"topicQueueMappingInfoMap":{}}}';
  const body = decodeRegisterBrokerBody(encoder.encode(text), { compressed: false, version: 479 });
  assert.deepEqual(body.topicConfigWrapper.dataVersion, {
    counter: 1,
    timestamp: 5,
    stateVersion: 7,
  });
  const t = body.topicConfigWrapper.topicConfigTable.get("T")!;
  assert.deepEqual([t.readQueueNums, t.writeQueueNums, t.perm, t.topicFilterType], [
    16,
    16,
    6,
    "SINGLE_TAG",
  ]);
  assert.deepEqual(body.filterServerList, ["10.0.0.9:3000"]);
});

Deno.test("decodeRegisterBrokerBody reads fastjson's unquoted integer keys of 5.x static-topic maps", () => {
  const text =
    '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"timestamp":5},' +
    '"topicConfigTable":{"T":{"topicName":"T"}},"topicQueueMappingDetailMap":{"T":{"hostedQueues":{0:[]}}}}}';
  const body = decodeRegisterBrokerBody(encoder.encode(text), { compressed: false, version: 479 });
  assert.ok(body.topicConfigWrapper.topicConfigTable.has("T"));
});

Deno.test("decodeRegisterBrokerBody reads the bare wrapper of brokers before V3_0_11", () => {
  const text =
    '{"dataVersion":{"counter":2,"timestamp":9},"topicConfigTable":{"T":{"topicName":"T","perm":4}}}';
  const body = decodeRegisterBrokerBody(encoder.encode(text), { compressed: false, version: 30 });
  assert.equal(body.topicConfigWrapper.topicConfigTable.get("T")!.perm, 4);
  assert.deepEqual(body.topicConfigWrapper.dataVersion, { counter: 2, timestamp: 9 });
});

Deno.test("decodeRegisterBrokerBody treats a missing body as no topics at version {0, 0}", () => {
  const body = decodeRegisterBrokerBody(undefined, { compressed: false, version: 409 });
  assert.equal(body.topicConfigWrapper.topicConfigTable.size, 0);
  assert.deepEqual(body.topicConfigWrapper.dataVersion, { counter: 0, timestamp: 0 });
});

Deno.test("decodeRegisterBrokerBody round-trips the compressed form", () => {
  const plain = decodeRegisterBrokerBody(encoder.encode(BODY_TEXT), {
    compressed: false,
    version: 409,
  });
  const compressed = encodeCompressedRegisterBrokerBody(plain);
  const body = decodeRegisterBrokerBody(compressed, { compressed: true, version: 409 });
  assert.deepEqual(body, plain);
});

Deno.test("decodeRegisterBrokerBody rejects malformed bodies with a typed error", () => {
  const bad = [
    {
      bytes: encoder.encode("{not json"),
      compressed: false,
      pattern: /RegisterBrokerBody is not valid JSON/,
    },
    {
      bytes: encoder.encode(
        '{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"perm":"x"}}}}',
      ),
      compressed: false,
      pattern: /field topicConfigSerializeWrapper\.topicConfigTable\.T\.perm/,
    },
    { bytes: new Uint8Array([1, 2, 3]), compressed: true, pattern: /does not inflate/ },
  ];
  for (const { bytes, compressed, pattern } of bad) {
    assert.throws(
      () => decodeRegisterBrokerBody(bytes, { compressed, version: 409 }),
      (e: unknown) => {
        assert.ok(e instanceof RegisterBrokerBodyError);
        assert.match(e.message, pattern);
        return true;
      },
    );
  }
});

Deno.test("decodeDataVersion reads QUERY_DATA_VERSION bodies", () => {
  assert.deepEqual(decodeDataVersion(encoder.encode('{"counter":4,"timestamp":8}')), {
    counter: 4,
    timestamp: 8,
  });
  assert.deepEqual(decodeDataVersion(undefined), { counter: 0, timestamp: 0 });
});

Deno.test("bodyCrc32 is the masked CRC-32 of RocketMQ's UtilAll.crc32", () => {
  // CRC-32 of "hello" is 0x3610a686; masking keeps it (bit 31 clear)
  assert.equal(bodyCrc32(encoder.encode("hello")), 0x3610a686);
  // CRC-32 of "a" is 0xe8b7be43; masking clears bit 31
  assert.equal(bodyCrc32(encoder.encode("a")), 0xe8b7be43 & 0x7fffffff);
  assert.equal(bodyCrc32(undefined), 0);
});

Deno.test("decodeRegisterBrokerBody refuses more topics, longer names or more filter servers than its limits", () => {
  const config = (topicName: string) => ({
    topicName,
    readQueueNums: 1,
    writeQueueNums: 1,
    perm: 6,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: 0,
    order: false,
  });
  const body = (names: string[], filterServerList: string[] = []) => ({
    topicConfigWrapper: {
      topicConfigTable: new Map(names.map((name) => [name, config(name)])),
      dataVersion: { counter: 1, timestamp: 1 },
    },
    filterServerList,
  });
  const many = Array.from({ length: TOPICS_PER_REGISTRATION_MAX + 1 }, (_, i) => `T${i}`);
  const longest = "%RETRY%" + "G".repeat(REGISTERED_TOPIC_NAME_CHARS_MAX - 7);
  const servers = Array.from({ length: FILTER_SERVERS_PER_BROKER_MAX + 1 }, (_, i) => `h:${i}`);
  const refused = (value: ReturnType<typeof body>, pattern: RegExp) => {
    const compressed = encodeCompressedRegisterBrokerBody(value);
    assert.throws(
      () => decodeRegisterBrokerBody(compressed, { compressed: true, version: 409 }),
      (e: unknown) => e instanceof RegisterBrokerBodyError && pattern.test(e.message),
    );
    const json = JSON.stringify({
      topicConfigSerializeWrapper: {
        topicConfigTable: Object.fromEntries(value.topicConfigWrapper.topicConfigTable),
        dataVersion: value.topicConfigWrapper.dataVersion,
      },
      filterServerList: value.filterServerList,
    });
    assert.throws(
      () => decodeRegisterBrokerBody(encoder.encode(json), { compressed: false, version: 409 }),
      (e: unknown) => e instanceof RegisterBrokerBodyError && pattern.test(e.message),
    );
  };
  refused(body(many), /100001 topics, expected 0\.\.100000 \(TOPICS_PER_REGISTRATION_MAX\)/);
  refused(body([longest + "G"]), /name of 263 characters .*expected 1\.\.262/);
  refused(body(["T"], servers), /1001 filter servers, expected at most 1000/);
  const fits = encodeCompressedRegisterBrokerBody(body([longest, ...many.slice(2)]));
  const decoded = decodeRegisterBrokerBody(fits, { compressed: true, version: 409 });
  assert.equal(decoded.topicConfigWrapper.topicConfigTable.size, TOPICS_PER_REGISTRATION_MAX);
});

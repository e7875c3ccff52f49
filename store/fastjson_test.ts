import assert from "node:assert/strict";
import fc from "fast-check";
import {
  FastjsonParseError,
  FastjsonStringifyError,
  parseFastjson,
  stringifyFastjson,
} from "./fastjson.ts";

/** consumerOffset.json exactly as in shared/spec/store.md §10. */
const CONSUMER_OFFSET_TEXT =
  '{\n\t"offsetTable":{\n\t\t"TopicTest@G1":{0:250,1:249,2:251,3:250\n\t\t}\n\t}\n}';

Deno.test("parseFastjson reads consumerOffset.json with unquoted integer keys", () => {
  assert.deepEqual(parseFastjson(CONSUMER_OFFSET_TEXT), {
    offsetTable: { "TopicTest@G1": { 0: 250, 1: 249, 2: 251, 3: 250 } },
  });
});

Deno.test("stringifyFastjson writes consumerOffset.json byte for byte", () => {
  const value = { offsetTable: { "TopicTest@G1": { 0: 250, 1: 249, 2: 251, 3: 250 } } };
  assert.equal(stringifyFastjson(value, { unquotedIntegerKeys: true }), CONSUMER_OFFSET_TEXT);
  const map = new Map([[0, 250], [1, 249], [2, 251], [3, 250]]);
  assert.equal(
    stringifyFastjson({ offsetTable: { "TopicTest@G1": map } }),
    CONSUMER_OFFSET_TEXT,
    "Map number keys are Java Integer keys",
  );
});

Deno.test("stringifyFastjson quotes integer-like keys unless asked", () => {
  assert.equal(
    stringifyFastjson({ topicConfigTable: { 123: { perm: 6 } } }),
    '{\n\t"topicConfigTable":{\n\t\t"123":{\n\t\t\t"perm":6\n\t\t}\n\t}\n}',
  );
  assert.equal(
    stringifyFastjson({ a: { 1: 1, x: 2 } }, { unquotedIntegerKeys: true }),
    '{\n\t"a":{\n\t\t"1":1,\n\t\t"x":2\n\t}\n}',
    "mixed keys stay quoted",
  );
});

Deno.test("stringifyFastjson pretty-prints like fastjson PrettyFormat", () => {
  const topics = {
    dataVersion: { counter: 2, timestamp: 1732436400000 },
    topicConfigTable: {
      TopicTest: {
        order: false,
        perm: 6,
        readQueueNums: 4,
        topicFilterType: "SINGLE_TAG",
        topicName: "TopicTest",
      },
    },
    empty: {},
    list: [{}, {}],
    none: [],
    skipped: null,
  };
  assert.equal(
    stringifyFastjson(topics),
    "{\n" +
      '\t"dataVersion":{\n\t\t"counter":2,\n\t\t"timestamp":1732436400000\n\t},\n' +
      '\t"topicConfigTable":{\n\t\t"TopicTest":{\n\t\t\t"order":false,\n\t\t\t"perm":6,\n' +
      '\t\t\t"readQueueNums":4,\n\t\t\t"topicFilterType":"SINGLE_TAG",\n\t\t\t"topicName":"TopicTest"\n\t\t}\n\t},\n' +
      '\t"empty":{},\n\t"list":[\n\t\t{},\n\t\t{}\n\t],\n\t"none":[]\n}',
  );
  const { skipped: _skipped, ...written } = topics;
  assert.deepEqual(parseFastjson(stringifyFastjson(topics)), written);
});

Deno.test("parseFastjson leaves strings alone and accepts negative keys and a BOM", () => {
  const text = '\ufeff{"s":"{0:1,2:3}", "t":"a\\"{1:2",-1 : 5 ,"n":[1,2]}';
  assert.deepEqual(parseFastjson(text), { s: "{0:1,2:3}", t: 'a"{1:2', "-1": 5, n: [1, 2] });
  assert.deepEqual(parseFastjson('{"offsetTable":{1:17,2:0}}'), { offsetTable: { 1: 17, 2: 0 } });
});

Deno.test("parseFastjson rejects broken text with a typed error", () => {
  for (const text of ["", "{", '{"a":1,}', "{0:}", "[1:2]", '{"a":1}x']) {
    assert.throws(() => parseFastjson(text), FastjsonParseError, JSON.stringify(text));
  }
});

Deno.test("stringifyFastjson refuses cycles, NaN and functions", () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.throws(() => stringifyFastjson(cycle), FastjsonStringifyError);
  assert.throws(() => stringifyFastjson({ a: NaN }), FastjsonStringifyError);
  assert.throws(() => stringifyFastjson({ a: () => 1 }), FastjsonStringifyError);
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.throws(() => stringifyFastjson(deep), FastjsonStringifyError);
});

Deno.test("stringifyFastjson and parseFastjson round-trip offset tables", () => {
  const key = fc.stringMatching(/^[%A-Za-z0-9_@|-]{1,12}$/);
  const table = fc.dictionary(key, fc.dictionary(fc.nat(1023).map(String), fc.nat()));
  const nested = fc.record({ offsetTable: table, text: fc.string(), flag: fc.boolean() });
  fc.assert(
    fc.property(nested, fc.boolean(), (value, unquoted) => {
      const text = stringifyFastjson(value, { unquotedIntegerKeys: unquoted });
      assert.deepEqual(parseFastjson(text), JSON.parse(JSON.stringify(value)));
    }),
    { seed: 20241124, numRuns: 300 },
  );
});

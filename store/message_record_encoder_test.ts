import assert from "node:assert/strict";
import { computeTagsCode, findProperty, MessageConst } from "./message_properties.ts";
import type { MessageExtBrokerInner } from "./message_record.ts";
import { MessageRecordEncoder } from "./message_record_encoder.ts";
import { makeMessage, SeededRandom, TEST_STORE_HOST } from "./_test_messages.ts";

const NAMES = ["TAGS", "KEYS", "UNIQ_KEY", "TAG", "XTAGS", "K", "UNIQ", "WAIT", ""];
const VALUES = ["a", "TagA", "é", "😀", "\u0001", "TAGS\u0001x", "", " ", "k1 k2", "\ud800"];

/** A properties string with the separators in odd places, sometimes long or non-ASCII. */
function randomProperties(random: SeededRandom): string {
  const pairs: string[] = [];
  for (let i = random.int(0, 6); i > 0; i--) {
    const name = NAMES[random.int(0, NAMES.length)];
    let value = "";
    for (let j = random.int(0, 4); j > 0; j--) value += VALUES[random.int(0, VALUES.length)];
    if (random.next() < 0.05) value += "v".repeat(random.int(200, 400));
    pairs.push(random.next() < 0.1 ? name + value : `${name}\u0001${value}`);
  }
  return pairs.join("\u0002") + (random.next() < 0.7 ? "\u0002" : "");
}

/** The dispatch fields as three separate lookups would find them. */
function referenceDescribe(text: string) {
  return {
    tagsCode: computeTagsCode(findProperty(text, MessageConst.PROPERTY_TAGS)),
    keys: findProperty(text, MessageConst.PROPERTY_KEYS) ?? "",
    uniqKey: findProperty(text, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
  };
}

function encode(encoder: MessageRecordEncoder, message: MessageExtBrokerInner): Uint8Array {
  const size = encoder.prepare(message);
  assert.equal(typeof size, "number", `prepare refused: ${size}`);
  const target = new Uint8Array(size as number);
  const fields = { physicalOffset: 4096, queueOffset: 7, storeTimestamp: 1_700_000_000_123 };
  encoder.write(target, new DataView(target.buffer), 0, fields);
  return target;
}

Deno.test("MessageRecordEncoder.describe matches findProperty on random properties", () => {
  const seed = 0x5eed_0001;
  const random = new SeededRandom(seed);
  const encoder = new MessageRecordEncoder(TEST_STORE_HOST, 4 * 1024 * 1024);
  for (let run = 0; run < 2000; run++) {
    const text = randomProperties(random);
    const message = { ...makeMessage(), properties: text };
    assert.deepEqual(
      encoder.describe(message),
      referenceDescribe(text),
      `seed ${seed} run ${run}: ${JSON.stringify(text)}`,
    );
    // A lone surrogate decodes as U+FFFD, so compare with the text the bytes hold.
    const utf8 = new TextEncoder().encode(text);
    const decoded = new TextDecoder().decode(utf8);
    const bytes = { ...message, properties: utf8 };
    assert.deepEqual(
      encoder.describe(bytes),
      referenceDescribe(decoded),
      `seed ${seed} run ${run}`,
    );
  }
});

Deno.test("MessageRecordEncoder.describe keeps a tags code the message carries", () => {
  const encoder = new MessageRecordEncoder(TEST_STORE_HOST, 1024);
  const message = { ...makeMessage(), properties: "TAGS\u0001TagA\u0002", tagsCode: 42 };
  assert.equal(encoder.describe(message).tagsCode, 42);
  assert.equal(encoder.describe({ ...message, tagsCode: undefined }).tagsCode, 2598919);
});

Deno.test("MessageRecordEncoder writes the same record for string and UTF-8 properties", () => {
  const seed = 0x5eed_0002;
  const random = new SeededRandom(seed);
  const encoder = new MessageRecordEncoder(TEST_STORE_HOST, 4 * 1024 * 1024);
  for (let run = 0; run < 1000; run++) {
    const text = randomProperties(random);
    const message = {
      ...makeMessage({ body: random.bytes(random.int(0, 300)) }),
      properties: text,
    };
    const fromText = encode(encoder, message);
    const utf8 = new TextEncoder().encode(text);
    const fromBytes = encode(encoder, { ...message, properties: utf8 });
    assert.deepEqual(fromText, fromBytes, `seed ${seed} run ${run}: ${JSON.stringify(text)}`);
  }
});

Deno.test("MessageRecordEncoder writes each properties form whole, a final 0x02 added once", () => {
  const encoder = new MessageRecordEncoder(TEST_STORE_HOST, 1024);
  const utf8 = new TextEncoder();
  // Around the copy thresholds, long before short so reused scratch bytes would show.
  for (const length of [2000, 513, 512, 511, 33, 32, 31, 2, 1, 0, 700, 5]) {
    const pair = length === 0
      ? ""
      : `K\u0001${"v".repeat(Math.max(0, length - 3))}`.slice(0, length);
    for (const ended of [false, true]) {
      const text = ended && length > 0 ? pair.slice(0, -1) + "\u0002" : pair;
      const expected = utf8.encode(
        text.length > 0 && !text.endsWith("\u0002") ? text + "\u0002" : text,
      );
      for (const properties of [text, utf8.encode(text)]) {
        const record = encode(encoder, { ...makeMessage(), properties });
        const field = record.subarray(record.length - expected.length);
        const view = new DataView(record.buffer);
        const what = `${typeof properties} of ${length} bytes, ended ${ended}`;
        assert.equal(view.getInt16(record.length - expected.length - 2), expected.length, what);
        assert.deepEqual(field, expected, what);
      }
    }
  }
});

Deno.test("MessageRecordEncoder.describe answers for the message it is given each time", () => {
  const encoder = new MessageRecordEncoder(TEST_STORE_HOST, 1024);
  const first = encoder.describe({
    ...makeMessage(),
    properties: "KEYS\u0001a\u0002UNIQ_KEY\u0001u\u0002",
  });
  assert.deepEqual({ ...first }, { tagsCode: 0, keys: "a", uniqKey: "u" });
  const second = encoder.describe({ ...makeMessage(), properties: "TAGS\u0001TagA\u0002" });
  assert.deepEqual({ ...second }, { tagsCode: 2598919, keys: "", uniqKey: undefined });
  const mapped = encoder.describe({
    ...makeMessage(),
    propertiesMap: new Map([["KEYS", "m"]]),
  });
  assert.deepEqual({ ...mapped }, { tagsCode: 0, keys: "m", uniqKey: undefined });
});

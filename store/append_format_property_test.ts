/**
 * The commit log's files against an independent reader written from message-format.md §1–§2
 * and §6: random messages, single puts and batches, IPv4 and IPv6 hosts, every sysFlag kind,
 * across a restart with an earlier clock, checked field by field (helper-103's property test).
 */

import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import { createOffsetMessageId, type HostAddress, hostAddress } from "./message_id.ts";
import type { MessageExtBrokerInner } from "./message_record.ts";
import { MessageStore } from "./message_store.ts";
import { SeededRandom } from "./_test_messages.ts";

const V1 = 0xDAA320A7;
const BLANK = 0xCBD43194;
const zlibCrc32 = (zlib as unknown as { crc32: (data: Uint8Array) => number }).crc32;
const enc = new TextEncoder();

interface Expected {
  topic: string;
  queueId: number;
  flag: number;
  body: Uint8Array;
  properties: Uint8Array;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: HostAddress;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  /** filled from the put result */
  msgId?: string;
  minStoreTime: number;
}

interface Read {
  physicalOffset: number;
  queueOffset: number;
  storeTimestamp: number;
  totalSize: number;
  fields: Omit<Expected, "msgId" | "minStoreTime">;
  storeHost: HostAddress;
}

function readHost(bytes: Uint8Array, view: DataView, p: number, v6: boolean): HostAddress {
  const n = v6 ? 16 : 4;
  return { address: bytes.slice(p, p + n), port: view.getInt32(p + n) };
}

/** Independent reader: one segment file. */
function walk(bytes: Uint8Array, from: number): { records: Read[]; blank: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Read[] = [];
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    const totalSize = view.getInt32(pos);
    const magic = view.getUint32(pos + 4);
    if (magic === BLANK) {
      assert.equal(pos + totalSize, bytes.length, `blank at ${from + pos} covers the rest`);
      return { records, blank: true };
    }
    if (totalSize === 0) break;
    assert.equal(magic, V1, `magic at ${from + pos}`);
    const sysFlag = view.getInt32(pos + 36);
    const bornV6 = (sysFlag & 0x10) !== 0;
    const storeV6 = (sysFlag & 0x20) !== 0;
    let p = pos + 48;
    const bornHost = readHost(bytes, view, p, bornV6);
    p += bornV6 ? 20 : 8;
    const storeTimestamp = Number(view.getBigInt64(p));
    p += 8;
    const storeHost = readHost(bytes, view, p, storeV6);
    p += storeV6 ? 20 : 8;
    const reconsumeTimes = view.getInt32(p);
    const preparedTransactionOffset = Number(view.getBigInt64(p + 4));
    const bodyLength = view.getInt32(p + 12);
    const body = bytes.slice(p + 16, p + 16 + bodyLength);
    assert.equal(view.getInt32(pos + 8), (zlibCrc32(body) >>> 0) & 0x7FFFFFFF, "BODYCRC");
    p += 16 + bodyLength;
    const topicLength = view.getInt8(p);
    const topic = new TextDecoder().decode(bytes.subarray(p + 1, p + 1 + topicLength));
    p += 1 + topicLength;
    const propertiesLength = view.getInt16(p);
    const properties = bytes.slice(p + 2, p + 2 + propertiesLength);
    p += 2 + propertiesLength;
    assert.equal(p - pos, totalSize, `TOTALSIZE at ${from + pos}`);
    assert.equal(
      totalSize,
      91 + bodyLength + topicLength + propertiesLength + (bornV6 ? 12 : 0) + (storeV6 ? 12 : 0),
    );
    records.push({
      physicalOffset: Number(view.getBigInt64(pos + 28)),
      queueOffset: Number(view.getBigInt64(pos + 20)),
      storeTimestamp,
      totalSize,
      storeHost,
      fields: {
        topic,
        queueId: view.getInt32(pos + 12),
        flag: view.getInt32(pos + 16),
        body,
        properties,
        sysFlag,
        bornTimestamp: Number(view.getBigInt64(pos + 40)),
        bornHost,
        reconsumeTimes,
        preparedTransactionOffset,
      },
    });
    assert.equal(records.at(-1)!.physicalOffset, from + pos, "PHYSICALOFFSET");
    pos += totalSize;
  }
  return { records, blank: false };
}

const TOPIC_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-%|";
const VALUE_CHARS = ["a", "Z", "9", " ", "é", "中", "😀", "-", "="];

function randomText(r: SeededRandom, chars: readonly string[] | string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += chars[r.int(0, chars.length)];
  return s;
}

function randomHost(r: SeededRandom): HostAddress {
  if (r.next() < 0.5) {
    return hostAddress(`10.${r.int(0, 256)}.${r.int(0, 256)}.${r.int(1, 255)}`, r.int(1, 65536));
  }
  return hostAddress(
    `2001:db8::${r.int(1, 0xffff).toString(16)}:${r.int(0, 0xffff).toString(16)}`,
    r.int(1, 65536),
  );
}

function randomMessage(
  r: SeededRandom,
  topic: string,
  queueId: number,
  bodyMax: number,
  minStoreTime: number,
): { message: MessageExtBrokerInner; expected: Expected } {
  const body = r.bytes(r.int(1, bodyMax));
  let properties = "";
  const pairs = r.int(0, 6);
  for (let i = 0; i < pairs; i++) {
    const name = ["TAGS", "KEYS", "UNIQ_KEY", "P" + r.int(0, 99), "x"][r.int(0, 5)];
    properties += name + "\u0001" + randomText(r, VALUE_CHARS, r.int(1, 40)) + "\u0002";
  }
  // A foreign client may leave out the final separator: the store adds it.
  let stored = properties;
  if (properties.length > 0 && r.next() < 0.3) properties = properties.slice(0, -1);
  const sysFlags = [0, 0x1, 0x301, 0x2, 0x8, 0x4, 0xC, 0x10, 0x20];
  const inputSysFlag = sysFlags[r.int(0, sysFlags.length)];
  const bornHost = randomHost(r);
  const flag = r.int(-0x80000000, 0x7fffffff);
  const bornTimestamp = r.int(0, 2 ** 45);
  const reconsumeTimes = r.int(0, 17);
  const preparedTransactionOffset = r.next() < 0.2 ? r.int(0, 2 ** 40) : 0;
  const message: MessageExtBrokerInner = {
    topic,
    queueId,
    flag,
    body,
    properties: r.next() < 0.5 ? properties : enc.encode(properties),
    sysFlag: inputSysFlag,
    bornTimestamp,
    bornHost,
    reconsumeTimes,
    preparedTransactionOffset,
  };
  if (stored === "" && properties !== "") stored = properties + "\u0002";
  return {
    message,
    expected: {
      topic,
      queueId,
      flag,
      body,
      properties: enc.encode(stored),
      sysFlag: inputSysFlag & ~0x30 | (bornHost.address.length === 16 ? 0x10 : 0), // store bit added below
      bornTimestamp,
      bornHost,
      reconsumeTimes,
      preparedTransactionOffset,
      minStoreTime,
    },
  };
}

async function openStore(dir: string, clock: ManualClock, storeHost: HostAddress, segment: number) {
  const store = new MessageStore({
    fs: new DenoFileSystem(),
    clock,
    storeHost,
    onError: (error) => {
      throw error;
    },
    config: {
      storePathRootDir: `${dir}/store`,
      mappedFileSizeCommitLog: segment,
      mappedFileSizeConsumeQueue: 20 * 1000,
      maxHashSlotNum: 100,
      maxIndexNum: 4000,
    },
  });
  await store.start();
  return store;
}

async function runScenario(
  seed: number,
  storeHost: HostAddress,
  segment: number,
  bodyMax: number,
  ops = 150,
) {
  const r = new SeededRandom(seed);
  const dir = await Deno.makeTempDir({ prefix: "edgemq-append-" });
  try {
    const topics = Array.from(
      { length: 4 },
      (_, i) => i === 0 ? "T".repeat(127) : randomText(r, TOPIC_CHARS, r.int(1, 128)),
    );
    const expected: Expected[] = [];
    const storeBit = storeHost.address.length === 16 ? 0x20 : 0;
    let clock = new ManualClock(1_700_000_000_000);
    let store = await openStore(dir, clock, storeHost, segment);
    const phase = async (ops: number) => {
      for (let op = 0; op < ops; op++) {
        clock.advance(r.int(0, 3));
        const topic = topics[r.int(0, topics.length)];
        const queueId = r.int(0, 3);
        if (r.next() < 0.3) {
          const n = r.int(1, 8);
          // Batches: no transaction types (Java forbids them)
          const batch = Array.from({ length: n }, () => {
            const m = randomMessage(r, topic, queueId, Math.min(bodyMax, 2048), clock.now());
            const message = { ...m.message, sysFlag: m.message.sysFlag & ~0xC };
            m.expected.sysFlag &= ~0xC;
            return { message, expected: m.expected };
          });
          const result = await store.putMessages(batch.map((b) => b.message));
          assert.equal(result.status, "PUT_OK", `seed ${seed} op ${op}: batch ${result.status}`);
          const ids = result.status === "PUT_OK" ? result.appendMessageResult.msgId.split(",") : [];
          assert.equal(ids.length, n);
          batch.forEach((b, i) => {
            b.expected.msgId = ids[i];
            b.expected.sysFlag |= storeBit;
            expected.push(b.expected);
          });
        } else {
          const m = randomMessage(r, topic, queueId, bodyMax, clock.now());
          const result = await store.putMessage(m.message);
          assert.equal(result.status, "PUT_OK", `seed ${seed} op ${op}: ${result.status}`);
          m.expected.msgId = result.status === "PUT_OK" ? result.appendMessageResult.msgId : "";
          m.expected.sysFlag |= storeBit;
          expected.push(m.expected);
        }
      }
    };
    await phase(ops);
    await store.shutdown();
    // Restart with a clock set back by a minute: store times must not go back.
    clock = new ManualClock(1_700_000_000_000 - 60_000);
    store = await openStore(dir, clock, storeHost, segment);
    for (const e of expected) e.minStoreTime = 0;
    await phase(ops);
    await store.shutdown();

    const logDir = `${dir}/store/commitlog`;
    const names = [...Deno.readDirSync(logDir)].map((e) => e.name).sort();
    const all: Read[] = [];
    names.forEach((name, i) => {
      const bytes = Deno.readFileSync(`${logDir}/${name}`);
      assert.equal(Number(name), i * segment);
      assert.equal(bytes.length, segment);
      const { records, blank } = walk(bytes, Number(name));
      assert.equal(blank, i < names.length - 1, `segment ${name} blank`);
      all.push(...records);
    });
    assert.equal(all.length, expected.length, "one record per message");
    console.log(
      `seed ${seed}: ${all.length} records, ${names.length} segments, max ${
        Math.max(...all.map((x) => x.totalSize))
      }`,
    );
    const next = new Map<string, number>();
    let lastStore = 0;
    all.forEach((rec, i) => {
      const e = expected[i];
      const { msgId, minStoreTime, ...fields } = e;
      assert.deepEqual(rec.fields, fields, `seed ${seed} record ${i}`);
      assert.deepEqual(rec.storeHost, storeHost, `record ${i} STOREHOST`);
      assert.equal(
        msgId,
        createOffsetMessageId(storeHost.address, storeHost.port, rec.physicalOffset),
        `record ${i} msgId`,
      );
      const key = `${e.topic}@${e.queueId}`;
      const tx = e.sysFlag & 0xC;
      if (tx === 0x4 || tx === 0xC) {
        assert.equal(rec.queueOffset, 0, `record ${i} prepared/rollback offset 0`);
      } else {
        const want = next.get(key) ?? 0;
        assert.equal(rec.queueOffset, want, `seed ${seed} record ${i} queue offset (${key})`);
        next.set(key, want + 1);
      }
      assert.ok(rec.storeTimestamp >= lastStore, `record ${i} store time went back`);
      assert.ok(rec.storeTimestamp >= minStoreTime);
      lastStore = rec.storeTimestamp;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const seed of [1, 2, 3]) {
  Deno.test(`append: random puts and batches, IPv4 store host, seed ${seed}`, async () => {
    await runScenario(seed, hostAddress("192.168.1.10", 10911), 64 * 1024, 6000);
  });
  Deno.test(`append: random puts and batches, IPv6 store host, seed ${seed}`, async () => {
    await runScenario(seed + 100, hostAddress("fd00::1:2", 10911), 64 * 1024, 6000);
  });
}

Deno.test("append: records larger than a memory chunk, 4 MiB segments", async () => {
  await runScenario(7, hostAddress("fd00::7", 10911), 4 * 1024 * 1024, 1_500_000, 12);
});

function plain(topic: string, body: Uint8Array, properties = ""): MessageExtBrokerInner {
  return {
    topic,
    queueId: 0,
    flag: 0,
    body,
    properties,
    sysFlag: 0,
    bornTimestamp: 1,
    bornHost: hostAddress("10.0.0.1", 1),
  };
}

/** Every segment file of the store in `dir`, walked by the independent reader. */
function segmentsOf(dir: string) {
  const logDir = `${dir}/store/commitlog`;
  const names = [...Deno.readDirSync(logDir)].map((e) => e.name).sort();
  return names.map((name) => walk(Deno.readFileSync(`${logDir}/${name}`), Number(name)));
}

Deno.test("append: a record leaving exactly 8 bytes, the 8-byte blank after a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq-append-" });
  const host = hostAddress("192.168.1.10", 10911);
  try {
    const clock = new ManualClock();
    let store = await openStore(dir, clock, host, 4096);
    // 91 + body + topic(1) = 4096 - 8
    const too = await store.putMessage(plain("T", new Uint8Array(3997)));
    assert.equal(too.status, "MESSAGE_ILLEGAL", "a record + blank header larger than a segment");
    const first = await store.putMessage(plain("T", new Uint8Array(3996).fill(7)));
    assert.equal(first.status, "PUT_OK");
    await store.shutdown();
    store = await openStore(dir, clock, host, 4096);
    const second = await store.putMessage(plain("T", new Uint8Array(10).fill(8)));
    assert.equal(second.status, "PUT_OK");
    assert.equal(second.status === "PUT_OK" && second.appendMessageResult.wroteOffset, 4096);
    assert.equal(second.status === "PUT_OK" && second.appendMessageResult.logicsOffset, 1);
    await store.shutdown();
    store = await openStore(dir, clock, host, 4096);
    const third = await store.putMessage(plain("T", new Uint8Array(10).fill(9)));
    assert.equal(third.status === "PUT_OK" && third.appendMessageResult.logicsOffset, 2);
    const got = await store.getMessage("g", "T", 0, 0, 32);
    assert.equal(got?.messages.length, 3);
    await store.shutdown();
    const segs = segmentsOf(dir);
    assert.equal(segs.length, 2);
    assert.equal(segs[0].blank, true);
    assert.equal(segs[0].records.length, 1);
    assert.deepEqual(segs[1].records.map((r) => r.queueOffset), [1, 2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("append: topic and properties limits (127 topic bytes, 32767 property bytes)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq-append-" });
  const host = hostAddress("192.168.1.10", 10911);
  try {
    const clock = new ManualClock();
    const store = await openStore(dir, clock, host, 128 * 1024);
    const body = new Uint8Array(5);
    assert.equal((await store.putMessage(plain("T".repeat(128), body))).status, "MESSAGE_ILLEGAL");
    assert.equal((await store.putMessage(plain("中".repeat(43), body))).status, "MESSAGE_ILLEGAL");
    assert.equal((await store.putMessage(plain("中".repeat(42) + "a", body))).status, "PUT_OK");
    const at32767 = "A\u0001" + "v".repeat(32767 - 3) + "\u0002";
    assert.equal(enc.encode(at32767).length, 32767);
    assert.equal((await store.putMessage(plain("T", body, at32767))).status, "PUT_OK");
    const no2 = "A\u0001" + "v".repeat(32767 - 2); // 32767 without the final separator
    const r = await store.putMessage(plain("T", body, no2));
    const multi = "A\u0001" + "é".repeat(16383) + "\u0002"; // 2 + 32766 + 1 = 32769 bytes
    const r2 = await store.putMessage(plain("T", body, multi));
    assert.notEqual(r2.status, "PUT_OK");
    await store.shutdown();
    const segs = segmentsOf(dir);
    const records = segs.flatMap((s) => s.records);
    assert.equal(records.length, 2 + (r.status === "PUT_OK" ? 1 : 0));
    for (const rec of records) assert.ok(rec.fields.properties.length <= 32767);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

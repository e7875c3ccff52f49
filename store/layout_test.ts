/**
 * The commit-log files the store writes parse with the documented RocketMQ layout
 * (shared/spec/message-format.md §1–§2, store.md §2), read here by an independent minimal
 * reader: a DataView at the documented offsets, not the store's decoder.
 */

import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { forEachAdapter } from "./_test_adapters.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";

const SEGMENT_BYTES = 4096;
const V1 = 0xDAA320A7;
const BLANK = 0xCBD43194;
const zlibCrc32 = (zlib as unknown as { crc32: (data: Uint8Array) => number }).crc32;

interface Parsed {
  physicalOffset: number;
  queueOffset: number;
  body: string;
  topic: string;
  properties: string;
  storeTimestamp: number;
}

/** Walks one segment file; returns its records and whether it ended with a blank. */
function walkSegment(
  bytes: Uint8Array,
  fileFromOffset: number,
): { records: Parsed[]; blank: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Parsed[] = [];
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    const totalSize = view.getInt32(pos);
    const magic = view.getUint32(pos + 4);
    if (magic === BLANK) {
      assert.equal(pos + totalSize, bytes.length, "the blank covers the rest of the file");
      return { records, blank: true };
    }
    if (totalSize === 0) break;
    assert.equal(magic, V1, `V1 magic at ${fileFromOffset + pos}`);
    const bodyCrc = view.getInt32(pos + 8);
    const queueOffset = Number(view.getBigInt64(pos + 20));
    const physicalOffset = Number(view.getBigInt64(pos + 28));
    const sysFlag = view.getInt32(pos + 36);
    assert.equal(physicalOffset, fileFromOffset + pos, "PHYSICALOFFSET is the record's position");
    const bornHostBytes = sysFlag & 0x10 ? 20 : 8;
    const storeHostBytes = sysFlag & 0x20 ? 20 : 8;
    let p = pos + 48 + bornHostBytes;
    const storeTimestamp = Number(view.getBigInt64(p));
    p += 8 + storeHostBytes + 4 + 8; // STORETIMESTAMP, STOREHOST, RECONSUMETIMES, PREPARED…OFFSET
    const bodyLength = view.getInt32(p);
    const body = bytes.subarray(p + 4, p + 4 + bodyLength);
    assert.equal(
      bodyCrc,
      (zlibCrc32(body) >>> 0) & 0x7FFFFFFF,
      "BODYCRC = crc32(body) & 0x7FFFFFFF",
    );
    p += 4 + bodyLength;
    const topicLength = bytes[p];
    const topic = new TextDecoder().decode(bytes.subarray(p + 1, p + 1 + topicLength));
    p += 1 + topicLength;
    const propertiesLength = view.getInt16(p);
    const properties = new TextDecoder().decode(bytes.subarray(p + 2, p + 2 + propertiesLength));
    p += 2 + propertiesLength;
    assert.equal(p - pos, totalSize, "TOTALSIZE covers exactly the fields");
    assert.equal(
      totalSize,
      91 + bodyLength + topicLength + propertiesLength + (bornHostBytes - 8) + (storeHostBytes - 8),
    );
    records.push({
      physicalOffset,
      queueOffset,
      body: new TextDecoder().decode(body),
      topic,
      properties,
      storeTimestamp,
    });
    pos += totalSize;
  }
  return { records, blank: false };
}

forEachAdapter("Commit-log files follow the documented RocketMQ layout", async (ctx) => {
  const store = await openTestStore({ ...ctx, config: { mappedFileSizeCommitLog: SEGMENT_BYTES } });
  const bodies: string[] = [];
  for (let i = 0; i < 30; i++) {
    bodies.push(`layout-${i}-${"w".repeat((i * 37) % 400)}`);
    ctx.clock.advance(1);
    await store.putMessage(
      makeMessage({ bodyText: bodies[i], bornHost: i % 4 === 3 ? "fe80::9" : "10.0.0.2" }),
    );
  }
  await store.shutdown();
  const dir = `${ctx.dir}/store/commitlog`;
  const names = await ctx.fs.list(dir);
  assert.ok(names.length >= 3);
  const all: Parsed[] = [];
  for (let i = 0; i < names.length; i++) {
    assert.match(names[i], /^\d{20}$/);
    const fileFromOffset = Number(names[i]);
    assert.equal(fileFromOffset, i * SEGMENT_BYTES);
    const file = await ctx.fs.open(`${dir}/${names[i]}`);
    const bytes = new Uint8Array(await file.size());
    await file.readAt(bytes, 0);
    file.close();
    assert.equal(bytes.length, SEGMENT_BYTES, "segments are full size");
    const { records, blank } = walkSegment(bytes, fileFromOffset);
    assert.equal(
      blank,
      i < names.length - 1,
      `segment ${names[i]} ends with a blank unless it is the last`,
    );
    all.push(...records);
  }
  assert.deepEqual(all.map((r) => r.body), bodies);
  assert.deepEqual(all.map((r) => r.queueOffset), bodies.map((_, i) => i));
  assert.ok(all.every((r) => r.topic === "TopicTest"));
  assert.ok(all.every((r) => r.properties === "TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002"));
  assert.equal(all[1].storeTimestamp - all[0].storeTimestamp, 1);
  // The checkpoint is 4096 bytes with int64 physic/logics/index timestamps at 0/8/16.
  const checkpoint = await ctx.fs.open(`${ctx.dir}/store/checkpoint`);
  const page = new Uint8Array(4096);
  assert.equal(await checkpoint.readAt(page, 0), 4096);
  checkpoint.close();
  const view = new DataView(page.buffer);
  assert.equal(Number(view.getBigInt64(0)), all.at(-1)!.storeTimestamp, "physicMsgTimestamp");
  assert.equal(Number(view.getBigInt64(8)), all.at(-1)!.storeTimestamp, "logicsMsgTimestamp");
  assert.equal(
    await ctx.fs.stat(`${ctx.dir}/store/abort`),
    null,
    "a clean shutdown removes the abort file",
  );
});

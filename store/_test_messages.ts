/**
 * Test helpers: build messages for the store tests, read a queue's bodies back, and a seeded
 * PRNG.
 *
 * @module
 */

import assert from "node:assert/strict";
import { hostAddress } from "./message_id.ts";
import { decodeRecord, type MessageExtBrokerInner } from "./message_record.ts";
import { encodeProperties } from "./message_properties.ts";
import type { Clock } from "../common/clock.ts";
import type { DiskUsage, FileSystem } from "./file_system.ts";
import { MessageStore } from "./message_store.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";
import type { MessageArrivedListener } from "./reput_message_service.ts";

/** The store host the tests use. */
export const TEST_STORE_HOST = hostAddress("192.168.1.10", 10911);

/** Fields a test may set; the rest get defaults. */
export interface TestMessageFields {
  readonly topic?: string;
  readonly queueId?: number;
  readonly body?: Uint8Array;
  readonly bodyText?: string;
  readonly properties?: Record<string, string>;
  readonly sysFlag?: number;
  readonly flag?: number;
  readonly bornHost?: string;
  readonly bornTimestamp?: number;
}

/** @returns a message with defaults for unspecified fields */
export function makeMessage(fields: TestMessageFields = {}): MessageExtBrokerInner {
  const body = fields.body ?? new TextEncoder().encode(fields.bodyText ?? "hello");
  return {
    topic: fields.topic ?? "TopicTest",
    queueId: fields.queueId ?? 0,
    flag: fields.flag ?? 0,
    body,
    properties: encodeProperties(fields.properties ?? { TAGS: "TagA", KEYS: "k1 k2" }),
    sysFlag: fields.sysFlag ?? 0,
    bornTimestamp: fields.bornTimestamp ?? 1_700_000_000_000,
    bornHost: hostAddress(fields.bornHost ?? "10.0.0.2", 50123),
  };
}

/** A small seeded PRNG (mulberry32); print the seed on failure. */
export class SeededRandom {
  #state: number;

  /** @param seed any int32 */
  constructor(readonly seed: number) {
    this.#state = seed | 0;
  }

  /** @returns a float in [0, 1) */
  next(): number {
    this.#state = (this.#state + 0x6D2B79F5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** @returns an integer in [min, max) */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min));
  }

  /** @returns `length` random bytes */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 256);
    return out;
  }
}

/** Options for {@linkcode openTestStore}. */
export interface OpenTestStoreOptions {
  readonly fs: FileSystem;
  readonly dir: string;
  readonly clock: Clock;
  readonly config?: Partial<MessageStoreConfigInput>;
  readonly physicalMemoryBytes?: number;
  readonly onMessageArrived?: MessageArrivedListener;
  readonly diskUsage?: (path: string) => Promise<DiskUsage>;
}

/** Creates and starts a store in `<dir>/store` with small files; errors fail the test. */
export async function openTestStore(options: OpenTestStoreOptions): Promise<MessageStore> {
  const store = new MessageStore({
    fs: options.fs,
    clock: options.clock,
    storeHost: TEST_STORE_HOST,
    physicalMemoryBytes: options.physicalMemoryBytes,
    onMessageArrived: options.onMessageArrived,
    diskUsage: options.diskUsage,
    onError: (error) => {
      throw error;
    },
    config: {
      storePathRootDir: `${options.dir}/store`,
      mappedFileSizeCommitLog: 64 * 1024,
      mappedFileSizeConsumeQueue: 20 * 100,
      maxHashSlotNum: 100,
      maxIndexNum: 400,
      ...options.config,
    },
  });
  await store.start();
  return store;
}

/**
 * @returns the bodies queue 0 of `topic` serves, in offset order, failing on an offset that is
 *   not FOUND or a record that does not decode
 */
export async function queueBodies(store: MessageStore, topic = "TopicTest"): Promise<string[]> {
  const out: string[] = [];
  const max = store.getMaxOffsetInQueue(topic, 0);
  for (let offset = 0; offset < max; offset++) {
    const got = (await store.getMessage("G", topic, 0, offset, 1))!;
    assert.equal(got.status, "FOUND", `${topic} offset ${offset} of ${max}`);
    out.push(new TextDecoder().decode(decodeRecord(got.messages[0]).body));
  }
  return out;
}

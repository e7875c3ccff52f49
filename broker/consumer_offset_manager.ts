/**
 * Committed consumer offsets (RocketMQ `ConsumerOffsetManager`): `topic@group` → queueId → the
 * next offset to consume, kept in memory, written whole to `config/consumerOffset.json` in
 * fastjson's form with unquoted integer keys (store.md §10) every `flushConsumerOffsetInterval`
 * (5000 ms, scheduled by the broker controller through {@linkcode ConsumerOffsetManager.persist})
 * and at shutdown.
 *
 * @module
 */
import { ResponseCode } from "../protocol/response_code.ts";
import { parseFastjson, stringifyFastjson } from "../store/fastjson.ts";
import type { FileSystem } from "../store/file_system.ts";
import { MetadataFile } from "./_metadata_file.ts";
import { Mutex } from "./_mutex.ts";
import { BrokerError, tableFullError } from "./broker_error.ts";
import {
  CONSUMER_OFFSET_KEYS_MAX,
  GROUP_NAME_LENGTH_MAX,
  QUEUE_NUMS_MAX,
  RETRY_TOPIC_NAME_LENGTH_MAX,
} from "./limits.ts";
import { isTopicOrGroupIllegal } from "./topic_validator.ts";

/** Joins topic and group in the table key (`TOPIC_GROUP_SEPARATOR`). */
export const TOPIC_GROUP_SEPARATOR = "@";

/** Options for {@linkcode ConsumerOffsetManager}. */
export interface ConsumerOffsetManagerOptions {
  /** where consumerOffset.json lives */
  readonly fs: FileSystem;
  /** path of consumerOffset.json (`StorePaths.consumerOffsetJson`) */
  readonly path: string;
}

/** Options for {@linkcode ConsumerOffsetManager.commitOffset}. */
export interface CommitOffsetOptions {
  /** the committing client's address, for messages */
  readonly clientHost: string;
  /** the consumer group */
  readonly group: string;
  /** the topic */
  readonly topic: string;
  /** the queue */
  readonly queueId: number;
  /** the next offset to consume */
  readonly offset: number;
}

/**
 * The offset table of one broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../common/clock.ts";
 * import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
 * import { ConsumerOffsetManager } from "./consumer_offset_manager.ts";
 * const fs = new MemoryFileSystem({ clock: new ManualClock() });
 * const offsets = new ConsumerOffsetManager({ fs, path: "/store/config/consumerOffset.json" });
 * offsets.commitOffset({ clientHost: "10.0.0.2:50000", group: "G1", topic: "TopicTest", queueId: 0, offset: 250 });
 * assert.equal(offsets.queryOffset("G1", "TopicTest", 0), 250);
 * assert.equal(offsets.queryOffset("G1", "TopicTest", 1), -1);
 * await offsets.persist();
 * ```
 */
export class ConsumerOffsetManager {
  readonly #file: MetadataFile;
  readonly #mutex = new Mutex();
  #table = new Map<string, Map<number, number>>();
  /** counts changes; persist skips the write when nothing changed since the last one */
  #changes = 0;
  /** `#changes` at the last write; -1 before the first */
  #persistedChanges = -1;

  /** @param options file system and path */
  constructor(options: ConsumerOffsetManagerOptions) {
    this.#file = new MetadataFile(options.fs, options.path);
  }

  /**
   * Reads consumerOffset.json (or its .bak); a missing file means no offsets.
   *
   * @throws {Error} when the file and its .bak exist but cannot be parsed
   */
  async load(): Promise<void> {
    const table = await this.#file.load((json) => consumerOffsetsFromJson(json, this.#file.path));
    this.#table = table ?? new Map();
    this.#changes = 0;
    this.#persistedChanges = -1;
  }

  /** the table, `topic@group` → queueId → offset (read-only view) */
  get offsetTable(): ReadonlyMap<string, ReadonlyMap<number, number>> {
    return this.#table;
  }

  /**
   * Records a committed offset (UPDATE_CONSUMER_OFFSET, pull `commitOffset`). Like RocketMQ, any
   * value is stored as given, a negative one or one below the stored offset included (a reset
   * moves offsets back); QUERY_CONSUMER_OFFSET then returns it.
   *
   * @param options group, topic, queue and offset
   * @throws {BrokerError} SYSTEM_ERROR on a topic or group name that is not 1..262 (topic; retry
   *   topics included) or 1..255 (group) characters of `[%|a-zA-Z0-9_-]`, a queue id outside
   *   0..QUEUE_NUMS_MAX-1 or a non-integer offset; SYSTEM_BUSY when a maximum of `limits.ts`
   *   would be passed
   */
  commitOffset(options: CommitOffsetOptions): void {
    const { group, topic, queueId, offset } = options;
    checkName("topic", topic, RETRY_TOPIC_NAME_LENGTH_MAX, options.clientHost);
    checkName("consumerGroup", group, GROUP_NAME_LENGTH_MAX, options.clientHost);
    if (
      !Number.isInteger(queueId) || queueId < 0 || queueId >= QUEUE_NUMS_MAX ||
      !Number.isInteger(offset)
    ) {
      throw new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `Cannot commit offset ${offset} of ${topic}@${group} queue ${queueId} from ${options.clientHost}: ` +
          `queue id must be in 0..${QUEUE_NUMS_MAX - 1} and the offset an integer`,
      );
    }
    const key = topic + TOPIC_GROUP_SEPARATOR + group;
    let queues = this.#table.get(key);
    if (queues === undefined) {
      if (this.#table.size >= CONSUMER_OFFSET_KEYS_MAX) {
        throw tableFullError(
          `Cannot commit offset of ${key}`,
          `table has ${this.#table.size} keys, consumerOffsetKeysMax ${CONSUMER_OFFSET_KEYS_MAX}`,
        );
      }
      queues = new Map();
      this.#table.set(key, queues);
    }
    queues.set(queueId, offset);
    this.#changes++;
  }

  /**
   * @param group the consumer group
   * @param topic the topic
   * @param queueId the queue
   * @returns the committed offset, or -1 when none (the processor answers QUERY_NOT_FOUND)
   */
  queryOffset(group: string, topic: string, queueId: number): number {
    return this.#table.get(topic + TOPIC_GROUP_SEPARATOR + group)?.get(queueId) ?? -1;
  }

  /**
   * The per-queue offsets of a group on a topic (GET_CONSUME_STATS, reset, clone).
   *
   * @param group the consumer group
   * @param topic the topic
   * @returns queueId → offset, or undefined when the group never committed on the topic
   */
  queryOffsets(group: string, topic: string): ReadonlyMap<number, number> | undefined {
    return this.#table.get(topic + TOPIC_GROUP_SEPARATOR + group);
  }

  /** @param group a group @returns the topics it has offsets on */
  whichTopicByConsumer(group: string): Set<string> {
    const topics = new Set<string>();
    for (const key of this.#table.keys()) {
      const parts = splitKey(key);
      if (parts !== null && parts[1] === group) topics.add(parts[0]);
    }
    return topics;
  }

  /** @param topic a topic @returns the groups with offsets on it */
  whichGroupByTopic(topic: string): Set<string> {
    const groups = new Set<string>();
    for (const key of this.#table.keys()) {
      const parts = splitKey(key);
      if (parts !== null && parts[0] === topic) groups.add(parts[1]);
    }
    return groups;
  }

  /**
   * Forgets every offset of a group (DELETE_SUBSCRIPTIONGROUP with `removeOffset`).
   *
   * @param group the group
   * @returns the number of topics removed
   */
  removeOffset(group: string): number {
    let removed = 0;
    for (const key of [...this.#table.keys()]) {
      const parts = splitKey(key);
      if (parts !== null && parts[1] === group) {
        this.#table.delete(key);
        removed++;
      }
    }
    if (removed > 0) this.#changes++;
    return removed;
  }

  /**
   * Forgets the offsets of one group on one topic (topic deletion, 5.x `removeConsumerOffset`).
   *
   * @param topic the topic
   * @param group the group
   * @returns true when there were some
   */
  removeTopicGroupOffset(topic: string, group: string): boolean {
    const removed = this.#table.delete(topic + TOPIC_GROUP_SEPARATOR + group);
    if (removed) this.#changes++;
    return removed;
  }

  /**
   * Copies a group's offsets on a topic to another group (CLONE_GROUP_OFFSET), replacing the
   * destination's.
   *
   * @param srcGroup the group to copy from
   * @param destGroup the group to copy to
   * @param topic the topic
   * @returns true when the source had offsets
   */
  cloneOffset(srcGroup: string, destGroup: string, topic: string): boolean {
    const source = this.#table.get(topic + TOPIC_GROUP_SEPARATOR + srcGroup);
    if (source === undefined) return false;
    const key = topic + TOPIC_GROUP_SEPARATOR + destGroup;
    if (!this.#table.has(key) && this.#table.size >= CONSUMER_OFFSET_KEYS_MAX) {
      throw tableFullError(
        `Cannot clone offsets to ${key}`,
        `consumerOffsetKeysMax ${CONSUMER_OFFSET_KEYS_MAX}`,
      );
    }
    this.#table.set(key, new Map(source));
    this.#changes++;
    return true;
  }

  /**
   * Replaces the whole table (a slave copying its master's GET_ALL_CONSUMER_OFFSET body).
   *
   * @param table the new table
   */
  replaceOffsetTable(table: ReadonlyMap<string, ReadonlyMap<number, number>>): void {
    this.#table = new Map([...table].map(([key, queues]) => [key, new Map(queues)]));
    this.#changes++;
  }

  /**
   * @param pretty fastjson pretty form (file) or compact (GET_ALL_CONSUMER_OFFSET body)
   * @returns `{"offsetTable":{"topic@group":{0:250,…}}}` with unquoted queue ids
   */
  encode(pretty = true): string {
    return encodeConsumerOffsets(this.#table, pretty);
  }

  /**
   * Writes consumerOffset.json unless nothing changed since the last write (the broker controller
   * calls this every `flushConsumerOffsetInterval` and at shutdown; the first call always writes).
   *
   * @returns true when the file was written
   */
  persist(): Promise<boolean> {
    return this.#mutex.run(async () => {
      const changes = this.#changes;
      if (changes === this.#persistedChanges) return false;
      await this.#file.store(this.encode(true));
      this.#persistedChanges = changes;
      return true;
    });
  }
}

/** @returns [topic, group], or null for a key without exactly one `@` */
function splitKey(key: string): [string, string] | null {
  const parts = key.split(TOPIC_GROUP_SEPARATOR);
  return parts.length === 2 ? [parts[0], parts[1]] : null;
}

/**
 * Writes an offset table as RocketMQ's consumerOffset.json / GET_ALL_CONSUMER_OFFSET body:
 * `{"offsetTable":{"T@G":{0:250,1:249}}}`, queue ids unquoted and ascending.
 *
 * @param table `topic@group` → queueId → offset
 * @param pretty fastjson pretty form (TABs, one property per line) or one line
 * @returns the text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeConsumerOffsets } from "./consumer_offset_manager.ts";
 * const table = new Map([["T@G", new Map([[1, 249], [0, 250]])]]);
 * assert.equal(encodeConsumerOffsets(table, false), '{"offsetTable":{"T@G":{0:250,1:249}}}');
 * ```
 */
export function encodeConsumerOffsets(
  table: ReadonlyMap<string, ReadonlyMap<number, number>>,
  pretty: boolean,
): string {
  const offsetTable = new Map<string, Map<number, number>>();
  for (const [key, queues] of table) {
    offsetTable.set(key, new Map([...queues].sort((a, b) => a[0] - b[0])));
  }
  if (pretty) return stringifyFastjson({ offsetTable });
  let out = '{"offsetTable":{';
  let first = true;
  for (const [key, queues] of offsetTable) {
    out += (first ? "" : ",") + JSON.stringify(key) + ":{";
    out += [...queues].map(([queueId, offset]) => `${queueId}:${offset}`).join(",") + "}";
    first = false;
  }
  return out + "}}";
}

/**
 * Reads consumerOffset.json (fastjson or standard JSON; 5.x extra properties ignored).
 *
 * @param text the JSON text
 * @param source what the text came from, for messages
 * @returns `topic@group` → queueId → offset
 * @throws {Error} when the text is not JSON or an entry is not an integer offset
 */
export function decodeConsumerOffsets(
  text: string,
  source: string,
): Map<string, Map<number, number>> {
  return consumerOffsetsFromJson(parseFastjson(text), source);
}

/** {@linkcode decodeConsumerOffsets} on already-parsed JSON. */
function consumerOffsetsFromJson(json: unknown, source: string): Map<string, Map<number, number>> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`Cannot load consumer offsets from ${source}: not a JSON object`);
  }
  const raw = (json as Record<string, unknown>).offsetTable ?? {};
  const table = new Map<string, Map<number, number>>();
  for (const [key, queues] of Object.entries(raw as Record<string, unknown>)) {
    if (queues === null || typeof queues !== "object") {
      throw new Error(`Cannot load consumer offsets of ${key} from ${source}: not an object`);
    }
    const map = new Map<number, number>();
    for (const [queueText, offset] of Object.entries(queues as Record<string, unknown>)) {
      const queueId = Number(queueText);
      if (!Number.isInteger(queueId) || typeof offset !== "number" || !Number.isInteger(offset)) {
        throw new Error(
          `Cannot load consumer offset ${key} queue ${queueText} from ${source}: ${
            JSON.stringify(offset)
          } is not an integer`,
        );
      }
      map.set(queueId, offset);
    }
    table.set(key, map);
  }
  return table;
}

/** @throws {BrokerError} SYSTEM_ERROR naming the field when `name` is not a usable offset key part */
function checkName(field: string, name: string, max: number, clientHost: string): void {
  if (name.length >= 1 && name.length <= max && !isTopicOrGroupIllegal(name)) return;
  throw new BrokerError(
    ResponseCode.SYSTEM_ERROR,
    `Cannot commit offset from ${clientHost}: ${field} ${JSON.stringify(name.slice(0, 40))}${
      name.length > 40 ? "…" : ""
    } (${name.length} characters) must be 1..${max} characters of ^[%|a-zA-Z0-9_-]+$`,
  );
}

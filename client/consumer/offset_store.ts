/**
 * Where a consumer keeps its progress (RocketMQ `OffsetStore`, `ReadOffsetType`,
 * `ControllableOffset`): an in-memory table of the next offset to consume per queue, backed by the
 * broker (clustering, {@linkcode RemoteBrokerOffsetStore}) or a local file (broadcasting,
 * {@linkcode LocalFileOffsetStore}); `shared/spec/features.md` §6.
 *
 * @module
 */

import { type MessageQueue, messageQueueKey } from "../message_queue.ts";

/**
 * Where {@linkcode OffsetStore.readOffset} looks.
 *
 * @example
 * ```ts
 * import type { OffsetStore, ReadOffsetType } from "./offset_store.ts";
 * import type { MessageQueue } from "../message_queue.ts";
 * const from: ReadOffsetType = "MEMORY_FIRST_THEN_STORE"; // ask the broker only when not cached
 * const committed = (store: OffsetStore, mq: MessageQueue) => store.readOffset(mq, from);
 * ```
 */
export type ReadOffsetType = "READ_FROM_MEMORY" | "READ_FROM_STORE" | "MEMORY_FIRST_THEN_STORE";

/**
 * Options of {@linkcode OffsetStore.persistAll}.
 *
 * @example
 * ```ts
 * import type { OffsetStore, PersistOptions } from "./offset_store.ts";
 * import type { MessageQueue } from "../message_queue.ts";
 * const answered: PersistOptions = { oneway: false }; // wait for each commit, e.g. at shutdown
 * const flush = (store: OffsetStore, mqs: MessageQueue[]) => store.persistAll(mqs, answered);
 * ```
 */
export interface PersistOptions {
  /** send broker commits one-way (default true) */
  oneway?: boolean;
}

/**
 * A consumer group's offsets. Offsets are "next to consume" queue offsets (entries).
 *
 * @example
 * ```ts
 * import type { OffsetStore } from "./offset_store.ts";
 * import type { MessageQueue } from "../message_queue.ts";
 * async function consumed(store: OffsetStore, mq: MessageQueue, lastOffset: number) {
 *   store.updateOffset(mq, lastOffset + 1, true); // the next offset to consume; never backwards
 *   await store.persist(mq);
 * }
 * ```
 */
export interface OffsetStore {
  /** Loads persisted offsets (the local file); nothing for the broker store. */
  load(): Promise<void>;
  /**
   * Sets a queue's offset in memory.
   *
   * @param mq the queue
   * @param offset the next offset to consume
   * @param increaseOnly keep the larger of the old and new value
   */
  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** Sets a queue's offset and ignores later updates until it is removed (OFFSET_ILLEGAL fix). */
  updateAndFreezeOffset(mq: MessageQueue, offset: number): void;
  /**
   * @param mq the queue
   * @param type memory, store, or memory first
   * @returns the offset; -1 when none; -2 when the store could not be asked (broker error)
   */
  readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number>;
  /**
   * The in-memory offset, without a round trip (the pull path reads it on every pull).
   *
   * @param mq the queue
   * @returns the offset, or -1 when none
   */
  memoryOffset(mq: MessageQueue): number;
  /**
   * Persists the offsets of these queues; offsets of other queues are dropped from memory (broker
   * store), as RocketMQ's `persistAll` does. Failures are logged per queue.
   *
   * @param mqs the queues the consumer still works on
   * @param options `oneway: false` waits for the broker to answer each commit (default: one-way,
   *   as RocketMQ's periodic persist); the local file is always written before returning
   */
  persistAll(mqs: Iterable<MessageQueue>, options?: PersistOptions): Promise<void>;
  /** Persists one queue's offset; a failure is logged. */
  persist(mq: MessageQueue): Promise<void>;
  /** Forgets a queue's in-memory offset (and unfreezes it). */
  removeOffset(mq: MessageQueue): void;
  /**
   * @param topic only this topic, when given
   * @returns the in-memory offsets
   */
  cloneOffsetTable(topic?: string): Map<MessageQueue, number>;
}

interface Entry {
  readonly mq: MessageQueue;
  offset: number;
  frozen: boolean;
}

/**
 * The in-memory offsets both stores share: queue → offset, with RocketMQ's increase-only and
 * freeze rules (`ControllableOffset`).
 *
 * @example
 * ```ts
 * import { OffsetTable } from "./offset_store.ts";
 * const table = new OffsetTable();
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * table.update(mq, 10, false);
 * table.update(mq, 7, true);
 * if (table.get(mq) !== 10) throw new Error("increase-only keeps 10");
 * ```
 */
export class OffsetTable {
  readonly #entries = new Map<string, Entry>();

  /**
   * @param mq the queue
   * @param offset new value
   * @param increaseOnly keep the larger value
   */
  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const entry = this.#entries.get(messageQueueKey(mq));
    if (entry === undefined) {
      this.#entries.set(messageQueueKey(mq), { mq: copyQueue(mq), offset, frozen: false });
      return;
    }
    if (entry.frozen) return;
    entry.offset = increaseOnly ? Math.max(entry.offset, offset) : offset;
  }

  /**
   * Sets and freezes the value: later {@linkcode OffsetTable.update} calls are ignored.
   *
   * @param mq the queue
   * @param offset the value
   */
  updateAndFreeze(mq: MessageQueue, offset: number): void {
    const key = messageQueueKey(mq);
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#entries.set(key, { mq: copyQueue(mq), offset, frozen: true });
      return;
    }
    entry.offset = offset;
    entry.frozen = true;
  }

  /**
   * @param mq the queue
   * @returns its offset, or undefined
   */
  get(mq: MessageQueue): number | undefined {
    return this.#entries.get(messageQueueKey(mq))?.offset;
  }

  /** @param mq the queue to forget */
  remove(mq: MessageQueue): void {
    this.#entries.delete(messageQueueKey(mq));
  }

  /** @returns every queue and offset */
  *entries(): IterableIterator<[MessageQueue, number]> {
    for (const entry of this.#entries.values()) yield [entry.mq, entry.offset];
  }

  /**
   * @param topic only this topic, when given
   * @returns a copy of the offsets
   */
  clone(topic?: string): Map<MessageQueue, number> {
    const out = new Map<MessageQueue, number>();
    for (const entry of this.#entries.values()) {
      if (topic !== undefined && topic.trim() !== "" && entry.mq.topic !== topic) continue;
      out.set(entry.mq, entry.offset);
    }
    return out;
  }
}

/**
 * The map keys of queues, for membership tests.
 *
 * @param mqs queues
 * @returns their keys
 * @example
 * ```ts
 * import { queueKeySet } from "./offset_store.ts";
 * const held = queueKeySet([{ topic: "T", brokerName: "b", queueId: 0 }]);
 * if (!held.has("T@b@0")) throw new Error();
 * ```
 */
export function queueKeySet(mqs: Iterable<MessageQueue>): Set<string> {
  const keys = new Set<string>();
  for (const mq of mqs) keys.add(messageQueueKey(mq));
  return keys;
}

function copyQueue(mq: MessageQueue): MessageQueue {
  return { topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId };
}

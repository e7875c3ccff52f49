/**
 * The next queue offset of every topic × queueId, assigned under the append (RocketMQ's
 * topicQueueTable, store.md §2). A queue the log has not assigned to yet starts where its
 * consume queue ends.
 *
 * @module
 */

/** The next offset of one queue; the commit log bumps it after each record. */
export interface QueueOffsetEntry {
  /** the queue offset the next record gets */
  next: number;
}

/** See the module doc. */
export class QueueOffsetTable {
  readonly #topics = new Map<string, Map<number, QueueOffsetEntry>>();
  readonly #initial: (topic: string, queueId: number) => number;

  /** @param initial the next offset of a queue seen for the first time (its consume queue's max) */
  constructor(initial: (topic: string, queueId: number) => number) {
    this.#initial = initial;
  }

  /** @returns the entry of a queue, created from `initial` on first use */
  entry(topic: string, queueId: number): QueueOffsetEntry {
    let queues = this.#topics.get(topic);
    if (queues === undefined) {
      queues = new Map();
      this.#topics.set(topic, queues);
    }
    let entry = queues.get(queueId);
    if (entry === undefined) {
      entry = { next: this.#initial(topic, queueId) };
      queues.set(queueId, entry);
    }
    return entry;
  }

  /**
   * Forgets a topic (deleted), or one of its queues (expired): it starts again from its consume
   * queues.
   *
   * @param topic the topic
   * @param queueId only this queue; absent: every queue of the topic
   */
  remove(topic: string, queueId?: number): void {
    if (queueId === undefined) {
      this.#topics.delete(topic);
      return;
    }
    const queues = this.#topics.get(topic);
    queues?.delete(queueId);
    if (queues?.size === 0) this.#topics.delete(topic);
  }

  /** Forgets every queue (after recovery cut the log). */
  clear(): void {
    this.#topics.clear();
  }
}

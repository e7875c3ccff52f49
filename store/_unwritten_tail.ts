/**
 * With `ackAfterWrite`, the queue offsets whose records are appended and dispatched but not in
 * the commit-log file yet: a killed process loses them, and their offsets go to later messages.
 * A queue's committed end (GET_MAX_OFFSET, the offset by time, a corrected pull offset) stops at
 * the first of them, as RocketMQ's consume queues, fed from the mapped file, never count them.
 *
 * Records are dispatched in log order, so one log-ordered list of pending records, cut at its
 * front as the writer moves on, keeps each queue's first pending offset at hand. Only pending
 * records are held: at most what the writer has yet to write.
 *
 * @module
 */

import type { CommitLogDispatcher, DispatchRequest } from "./dispatch_request.ts";
import { MessageSysFlag, transactionType } from "./message_record.ts";

const PREPARED = MessageSysFlag.TRANSACTION_PREPARED_TYPE;
const ROLLBACK = MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;

/** One queue's pending offsets, oldest first from `head`. */
interface QueueTail {
  offsets: number[];
  head: number;
}

/** See the module doc. */
export class UnwrittenTail implements CommitLogDispatcher {
  readonly #written: () => number;
  /** pending records in log order: where each ends in the log, and its queue */
  #ends: number[] = [];
  #queues: QueueTail[] = [];
  #head = 0;
  readonly #byTopic = new Map<string, Map<number, QueueTail>>();

  /** @param written the log offset up to which records are in the file */
  constructor(written: () => number) {
    this.#written = written;
  }

  /** Notes a record just appended (the commit log's appends only: recovery's records are in the file). */
  dispatch(request: DispatchRequest): void {
    // PREPARED and ROLLBACK records take no queue offset (they are in no consume queue).
    const type = transactionType(request.sysFlag);
    if (type === PREPARED || type === ROLLBACK) return;
    this.#cut();
    const end = request.commitLogOffset + request.msgSize;
    if (end <= this.#written()) return;
    let queues = this.#byTopic.get(request.topic);
    if (queues === undefined) this.#byTopic.set(request.topic, queues = new Map());
    let queue = queues.get(request.queueId);
    // Offsets only grow in a queue's life: a lower one is a queue deleted and made again, whose
    // pending records are the old queue's (left in the log-ordered list, they are cut harmlessly).
    if (queue === undefined || request.consumeQueueOffset <= (queue.offsets.at(-1) ?? -1)) {
      queues.set(request.queueId, queue = { offsets: [], head: 0 });
    }
    queue.offsets.push(request.consumeQueueOffset);
    this.#ends.push(end);
    this.#queues.push(queue);
  }

  /**
   * @param maxOffset the queue's end counting every dispatched record
   * @returns the end counting only records in the file
   */
  committedEnd(topic: string, queueId: number, maxOffset: number): number {
    this.#cut();
    const queue = this.#byTopic.get(topic)?.get(queueId);
    if (queue === undefined || queue.head === queue.offsets.length) return maxOffset;
    return Math.min(maxOffset, queue.offsets[queue.head]);
  }

  /** Drops the records the writer has written since the last call. */
  #cut(): void {
    const written = this.#written();
    const ends = this.#ends;
    let head = this.#head;
    while (head < ends.length && ends[head] <= written) {
      const queue = this.#queues[head++];
      queue.head++;
      if (queue.head === queue.offsets.length || compacts(queue.head, queue.offsets.length)) {
        queue.offsets = queue.offsets.slice(queue.head);
        queue.head = 0;
      }
    }
    if (head === ends.length || compacts(head, ends.length)) {
      this.#ends = ends.slice(head);
      this.#queues = this.#queues.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}

/** @returns whether to copy an array down past `head` cut entries (a writer never quite caught up) */
function compacts(head: number, length: number): boolean {
  return head >= 4096 && head * 2 >= length;
}

/**
 * The pull consumer's buffer between its pull tasks and `poll` (RocketMQ `consumeRequestCache`):
 * batches of pulled messages in arrival order; `poll` takes the oldest or waits for one until its
 * deadline or abort. Pull tasks stop pulling while `size × pullBatchSize` exceeds
 * `pullThresholdForAll`, which bounds it.
 *
 * @module
 */

import type { MessageExt } from "../message.ts";
import type { MessageQueue } from "../message_queue.ts";
import type { ProcessQueue } from "./process_queue.ts";

/** setTimeout's largest delay. */
const TIMER_MS_MAX = 2_147_483_647;

/**
 * One pulled batch.
 *
 * @example
 * ```ts
 * import { type ConsumeRequest, ConsumeRequestBuffer } from "./consume_request_buffer.ts";
 * import { ProcessQueue } from "./process_queue.ts";
 * const buffer = new ConsumeRequestBuffer();
 * const messageQueue = { topic: "T", brokerName: "b", queueId: 0 };
 * const request: ConsumeRequest = { messages: [], messageQueue, processQueue: new ProcessQueue() };
 * buffer.put(request);
 * if (await buffer.take(0) !== request) throw new Error("first in, first out");
 * ```
 */
export interface ConsumeRequest {
  /** the messages, queue order */
  readonly messages: MessageExt[];
  /** their queue */
  readonly messageQueue: MessageQueue;
  /** its cache */
  readonly processQueue: ProcessQueue;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts
 * import { ConsumeRequestBuffer } from "./consume_request_buffer.ts";
 * const buffer = new ConsumeRequestBuffer();
 * const none = await buffer.take(0);
 * if (none !== undefined) throw new Error("empty");
 * ```
 */
export class ConsumeRequestBuffer {
  #items: ConsumeRequest[] = [];
  #head = 0;
  readonly #waiters = new Set<(request: ConsumeRequest | undefined) => void>();
  #closed = false;

  /** batches buffered */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** @param request a pulled batch; handed to a waiting `take` if any */
  put(request: ConsumeRequest): void {
    if (this.#closed) return;
    const [waiter] = this.#waiters;
    if (waiter !== undefined) {
      this.#waiters.delete(waiter);
      waiter(request);
      return;
    }
    this.#items.push(request);
  }

  /**
   * Takes the oldest batch, waiting up to `timeoutMs`.
   *
   * @param timeoutMs longest wait, ≥ 0
   * @param signal aborts the wait
   * @returns the batch, or undefined on timeout, abort or close
   */
  take(timeoutMs: number, signal?: AbortSignal): Promise<ConsumeRequest | undefined> {
    if (this.size > 0) return Promise.resolve(this.#shift());
    if (this.#closed || timeoutMs <= 0 || signal?.aborted === true) {
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const done = (request: ConsumeRequest | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(done);
        resolve(request);
      };
      const onAbort = () => done(undefined);
      // setTimeout fires at once past 2^31-1 ms: a longer wait (Infinity too) re-arms in steps.
      const deadline = Date.now() + timeoutMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        const left = deadline - Date.now();
        if (left <= 0) done(undefined);
        else timer = setTimeout(arm, Math.min(left, TIMER_MS_MAX));
      };
      arm();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(done);
    });
  }

  /**
   * Drops the batches of one queue (seek, reassignment).
   *
   * @param mq the queue
   */
  removeQueue(mq: MessageQueue): void {
    const kept = this.#items.slice(this.#head).filter((r) =>
      r.messageQueue.topic !== mq.topic || r.messageQueue.brokerName !== mq.brokerName ||
      r.messageQueue.queueId !== mq.queueId
    );
    this.#items = kept;
    this.#head = 0;
  }

  /** Empties the buffer and releases every waiter with undefined; later puts are dropped. */
  close(): void {
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    for (const waiter of [...this.#waiters]) waiter(undefined);
  }

  #shift(): ConsumeRequest {
    const request = this.#items[this.#head];
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return request;
  }
}

/**
 * Appenders waiting for the flusher, oldest first (internal to it): SYNC_FLUSH ones for a sync,
 * and with `ackAfterWrite` the others for their bytes to reach the file (no deadline).
 *
 * One append waits per SYNC_FLUSH put, so this is the put path: the queue keeps its entries in
 * parallel arrays reused from round to round (no object per waiter, no array regrown per
 * round) and makes each promise with one shared executor (no closure per waiter), which halves
 * what a wait allocates. Resolved entries are cleared at once, and the live part is moved to
 * the front once the resolved prefix is large, so a queue that never empties (a steady stream
 * of appends landing during syncs) stays as long as its live part.
 *
 * @module
 */

import type { AppendMessageResult } from "./append_message_result.ts";
import { SYNC_FLUSH_WAITERS_COMPACT_MIN } from "./limits.ts";

/** How a wait for durability ended. */
export type FlushWaitStatus = "PUT_OK" | "FLUSH_DISK_TIMEOUT" | "UNKNOWN_ERROR";

/** A wait's outcome, shaped as a PutMessageResult so the store can hand it on as is. */
export type FlushWaitResult =
  | {
    readonly status: "PUT_OK" | "FLUSH_DISK_TIMEOUT";
    readonly appendMessageResult: AppendMessageResult;
  }
  | { readonly status: "UNKNOWN_ERROR"; readonly appendMessageResult?: undefined };

type Resolve = (outcome: FlushWaitResult) => void;

/** See the module doc. */
export class FlusherWaiters {
  readonly #ends: number[] = [];
  readonly #deadlines: number[] = [];
  /** when each put began (ms, injected clock), for the put-time stats */
  readonly #begins: number[] = [];
  readonly #results: Array<AppendMessageResult | undefined> = [];
  readonly #resolves: Array<Resolve | undefined> = [];
  #head = 0;
  #tail = 0;
  #captured: Resolve | undefined;
  readonly #capture = (resolve: Resolve): void => {
    this.#captured = resolve;
  };
  /** told each settled waiter's time from its put's start to its outcome (ms), and the time */
  onSettled: (elapsedMs: number, nowMs: number) => void = () => {};

  /** waiters not resolved yet */
  get size(): number {
    return this.#tail - this.#head;
  }

  /** slots held, live or not (tests: the queue does not grow without bound) */
  get capacity(): number {
    return this.#ends.length;
  }

  /** the oldest waiter's deadline (ms, injected clock), undefined when none waits */
  get oldestDeadlineMs(): number | undefined {
    return this.#head < this.#tail ? this.#deadlines[this.#head] : undefined;
  }

  /**
   * Queues an append waiting until `endOffset` is durable or `deadlineMs` passed.
   * @param beginMs when its put began (for {@linkcode onSettled})
   * @returns its outcome, the append result handed back
   */
  add(
    endOffset: number,
    deadlineMs: number,
    result: AppendMessageResult,
    beginMs: number,
  ): Promise<FlushWaitResult> {
    const promise = new Promise<FlushWaitResult>(this.#capture);
    const i = this.#tail++;
    if (i < this.#ends.length) {
      this.#ends[i] = endOffset;
      this.#deadlines[i] = deadlineMs;
      this.#begins[i] = beginMs;
      this.#results[i] = result;
      this.#resolves[i] = this.#captured;
    } else {
      this.#ends.push(endOffset);
      this.#deadlines.push(deadlineMs);
      this.#begins.push(beginMs);
      this.#results.push(result);
      this.#resolves.push(this.#captured);
    }
    this.#captured = undefined;
    return promise;
  }

  /**
   * Resolves, oldest first, every waiter `flushedOffset` covers (PUT_OK) or whose deadline is
   * at or before `nowMs` (FLUSH_DISK_TIMEOUT); stops at the first that is neither.
   */
  settle(flushedOffset: number, nowMs: number): void {
    const ends = this.#ends;
    const deadlines = this.#deadlines;
    const tail = this.#tail;
    let head = this.#head;
    while (head < tail) {
      let status: "PUT_OK" | "FLUSH_DISK_TIMEOUT";
      if (ends[head] <= flushedOffset) status = "PUT_OK";
      else if (deadlines[head] <= nowMs) status = "FLUSH_DISK_TIMEOUT";
      else break;
      this.#take(head)({ status, appendMessageResult: this.#results[head]! });
      this.#results[head] = undefined;
      this.onSettled(nowMs - this.#begins[head], nowMs);
      head++;
    }
    this.#head = head;
    this.#reclaim();
  }

  /** Resolves every waiter with `outcome` (an I/O failure, or a stop). */
  settleAll(outcome: FlushWaitResult): void {
    for (let i = this.#head; i < this.#tail; i++) {
      this.#results[i] = undefined;
      this.#take(i)(outcome);
    }
    this.#head = this.#tail;
    this.#reclaim();
  }

  #take(i: number): Resolve {
    const resolve = this.#resolves[i]!;
    this.#resolves[i] = undefined;
    return resolve;
  }

  /** Starts over when empty; moves the live part to the front once the dead prefix is large. */
  #reclaim(): void {
    const head = this.#head;
    if (head === this.#tail) {
      this.#head = this.#tail = 0;
      return;
    }
    if (head < SYNC_FLUSH_WAITERS_COMPACT_MIN || head * 2 < this.#tail) return;
    const live = this.#tail - head;
    for (
      const slots of [this.#ends, this.#deadlines, this.#begins, this.#results, this.#resolves]
    ) {
      slots.copyWithin(0, head, this.#tail);
      slots.length = live;
    }
    this.#head = 0;
    this.#tail = live;
  }
}

/**
 * Hands every commit-log record to the registered {@linkcode CommitLogDispatcher}s in log order
 * (RocketMQ's ReputMessageService) and tells the arrival listener (long polling).
 *
 * Each dispatcher has its own lane: a record goes to it inline while it answers synchronously
 * (no promise is made on the hot path); once it returns a promise, later records queue in that
 * lane only, so a slow index file creation never delays the consume queues. The arrival
 * listener fires when the first registered dispatcher (the consume queues) has applied a record.
 * A dispatcher error goes to `onError` and the lane moves on to the next record.
 *
 * @module
 */

import type { CommitLogDispatcher, DispatchRequest } from "./dispatch_request.ts";
import { DISPATCH_BACKLOG_MAX } from "./limits.ts";
import { MessageSysFlag, transactionType } from "./message_record.ts";

/** Called after a record reached a consume queue: the queue's new max offset and tag code. */
export type MessageArrivedListener = (
  topic: string,
  queueId: number,
  maxOffset: number,
  tagsCode: number,
) => void;

/** Options of {@linkcode ReputMessageService}. */
export interface ReputMessageServiceOptions {
  /** told about each record the first dispatcher applied (only while `notifying`) */
  readonly onMessageArrived?: MessageArrivedListener;
  /** told about a dispatcher or listener failure */
  readonly onError: (error: Error) => void;
  /**
   * Tag code of a record read back from the commit log (`dispatchAndWait`, the start-up
   * re-dispatch); default the TAGS hash the request carries. The broker's schedule service
   * answers delivery times for SCHEDULE_TOPIC_XXXX (store.md §3).
   */
  readonly tagsCodeOf?: (request: DispatchRequest) => number;
}

/** One dispatcher and the records waiting for it. */
class Lane {
  queue: DispatchRequest[] = [];
  head = 0;
  pending: Promise<void> | null = null;
  appliedOffset = 0;

  constructor(
    readonly dispatcher: CommitLogDispatcher,
    readonly onApplied: (r: DispatchRequest) => void,
  ) {}

  get idle(): boolean {
    return this.pending === null;
  }

  /** records waiting behind the dispatcher's pending one */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  push(request: DispatchRequest, report: (error: unknown) => void): void {
    if (this.pending !== null) {
      this.queue.push(request);
      return;
    }
    const result = this.#apply(request, report);
    if (result !== undefined) this.pending = this.#continue(request, result, report);
  }

  /** @returns the dispatcher's promise when it went asynchronous */
  #apply(
    request: DispatchRequest,
    report: (error: unknown) => void,
  ): PromiseLike<void> | undefined {
    try {
      const result = this.dispatcher.dispatch(request);
      if (result !== undefined) return result;
    } catch (error) {
      report(error);
    }
    this.#applied(request);
    return undefined;
  }

  #applied(request: DispatchRequest): void {
    this.appliedOffset = request.commitLogOffset + request.msgSize;
    this.onApplied(request);
  }

  async #continue(
    first: DispatchRequest,
    promise: PromiseLike<void>,
    report: (error: unknown) => void,
  ): Promise<void> {
    try {
      let request: DispatchRequest | undefined = first;
      let waiting: PromiseLike<void> | undefined = promise;
      while (request !== undefined) {
        if (waiting !== undefined) {
          try {
            await waiting;
          } catch (error) {
            report(error);
          }
          this.#applied(request);
        }
        request = this.#next();
        waiting = request === undefined ? undefined : this.#apply(request, report);
      }
    } finally {
      this.pending = null;
    }
  }

  #next(): DispatchRequest | undefined {
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
      return undefined;
    }
    return this.queue[this.head++];
  }
}

/** The dispatch fan-out; see the module doc. */
export class ReputMessageService {
  readonly #lanes: Lane[] = [];
  readonly #options: ReputMessageServiceOptions;
  readonly #report = (error: unknown) =>
    this.#options.onError(error instanceof Error ? error : new Error(String(error)));
  #baseOffset = 0;
  /** call the arrival listener (off during startup re-dispatch) */
  notifying = false;

  /** @param options listener and error sink */
  constructor(options: ReputMessageServiceOptions) {
    this.#options = options;
  }

  /** Adds a dispatcher; it sees every record dispatched from now on. */
  register(dispatcher: CommitLogDispatcher): void {
    const first = this.#lanes.length === 0;
    const lane = new Lane(dispatcher, first ? (request) => this.#arrived(request) : () => {});
    lane.appliedOffset = this.#baseOffset;
    this.#lanes.push(lane);
  }

  /** offset just past the last record every dispatcher has applied */
  get dispatchedOffset(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const lane of this.#lanes) if (lane.appliedOffset < min) min = lane.appliedOffset;
    return this.#lanes.length === 0 ? this.#baseOffset : min;
  }

  /** Sets where dispatch stands (after recovery, before re-dispatching). */
  set dispatchedOffset(offset: number) {
    this.#baseOffset = offset;
    for (const lane of this.#lanes) lane.appliedOffset = offset;
  }

  /** true when a lane holds DISPATCH_BACKLOG_MAX records: a put then waits for room (`_put_path.ts`) */
  get full(): boolean {
    const lanes = this.#lanes;
    for (let i = 0; i < lanes.length; i++) {
      if (lanes[i].backlog >= DISPATCH_BACKLOG_MAX) return true;
    }
    return false;
  }

  /** Dispatches one record to every lane. */
  dispatch(request: DispatchRequest): void {
    const lanes = this.#lanes;
    for (let i = 0; i < lanes.length; i++) lanes[i].push(request, this.#report);
  }

  /** Dispatches one record read back from the log and waits until every dispatcher applied it. */
  async dispatchAndWait(request: DispatchRequest): Promise<void> {
    const tagsCodeOf = this.#options.tagsCodeOf;
    const tagsCode = tagsCodeOf === undefined ? request.tagsCode : tagsCodeOf(request);
    this.dispatch(tagsCode === request.tagsCode ? request : { ...request, tagsCode });
    await this.drain();
  }

  /** Waits until every queued record is applied in every lane. */
  async drain(): Promise<void> {
    for (const lane of this.#lanes) {
      while (lane.pending !== null) await lane.pending;
    }
  }

  #arrived(request: DispatchRequest): void {
    const listener = this.#options.onMessageArrived;
    if (listener === undefined || !this.notifying) return;
    const type = transactionType(request.sysFlag);
    if (
      type === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      type === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
    ) return;
    try {
      listener(request.topic, request.queueId, request.consumeQueueOffset + 1, request.tagsCode);
    } catch (error) {
      this.#report(error);
    }
  }
}

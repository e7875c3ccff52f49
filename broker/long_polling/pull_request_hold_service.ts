/**
 * Long polling of PULL_MESSAGE (RocketMQ `PullRequestHoldService`, features.md §9): a pull that
 * found nothing and carries the SUSPEND flag is parked per topic and queue, and woken as soon as a
 * matching message is dispatched there, when its hold time ends, when its connection closes or at
 * shutdown. Waking only resolves the park; the pull processor then re-runs the pull once, without
 * suspending again, and answers.
 *
 * Each parked pull has its own deadline timer, so it is answered when its hold ends, not at the next
 * sweep: the client's own timeout (hold + 15 s for Java push consumers) is never reached. The
 * number of parked pulls is bounded; a pull that finds the table full is answered at once.
 *
 * A message can be dispatched after the pull's read found nothing but before the pull is parked;
 * its wake-up then finds no one. Once {@linkcode PullRequestHoldService.start}ed with the store's
 * max offsets, the service closes that window: `suspend` re-checks the queue's max offset right
 * after parking, and every parked queue is re-checked periodically (RocketMQ `checkHoldRequest`:
 * every 5 s with long polling, every `shortPollingTimeMills` without).
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Period of the re-check of parked pulls with long polling (RocketMQ `PullRequestHoldService`
 * waits 5 s between `checkHoldRequest` runs); short polling uses `shortPollingTimeMills`.
 */
export const LONG_POLLING_CHECK_INTERVAL_MS = 5_000;

/** Why a parked pull was woken. */
export type WakeReason = "arrived" | "timeout" | "closed" | "shutdown";

/** The part of a tag filter the hold service needs (`TagMessageFilter`). */
export interface ConsumeQueueMatcher {
  /**
   * @param tagsCode the consume-queue tag code of the new message, or null when unknown
   * @returns whether the message may match the parked pull's subscription
   */
  isMatchedByConsumeQueue(tagsCode: number | null): boolean;
}

/** What to park. */
export interface SuspendPullOptions {
  /** the pull's topic */
  readonly topic: string;
  /** the pull's queue */
  readonly queueId: number;
  /** the queue offset the pull asked for: only a message at or past it wakes the pull */
  readonly pullFromThisOffset: number;
  /** the pull's subscription filter, checked against the new message's tag code */
  readonly filter: ConsumeQueueMatcher;
  /** the connection, so a closed connection frees its parked pulls */
  readonly channelId: number;
  /** longest hold in ms */
  readonly timeoutMs: number;
}

/** Options of {@linkcode PullRequestHoldService.start}. */
export interface HoldCheckOptions {
  /** the message store (only its queues' max offsets are read) */
  readonly store: {
    /**
     * @param committed false here: a pull woken for a message not in the file yet waits for the
     *   write in its read, so no wake-up is missed
     * @returns the queue's max offset (its next queue offset), 0 when unknown
     */
    getMaxOffsetInQueue(topic: string, queueId: number, committed: boolean): number;
  };
  /** the broker's polling settings, read before each periodic re-check */
  readonly config: () => {
    readonly longPollingEnable: boolean;
    readonly shortPollingTimeMills: number;
  };
}

/** Options of {@linkcode PullRequestHoldService}. */
export interface PullRequestHoldServiceOptions {
  /** most pulls parked at once; more are refused (the processor answers PULL_NOT_FOUND at once) */
  readonly heldMax: number;
}

interface HeldPull {
  readonly pullFromThisOffset: number;
  readonly filter: ConsumeQueueMatcher;
  readonly channelId: number;
  readonly topic: string;
  readonly queueId: number;
  readonly resolve: (reason: WakeReason) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The table of parked pulls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PullRequestHoldService } from "./pull_request_hold_service.ts";
 * const service = new PullRequestHoldService({ heldMax: 10 });
 * const all = { isMatchedByConsumeQueue: () => true };
 * const parked = service.suspend({
 *   topic: "T", queueId: 0, pullFromThisOffset: 5, filter: all, channelId: 1, timeoutMs: 15_000,
 * });
 * service.notifyMessageArriving("T", 0, 6, 0);
 * assert.equal(await parked, "arrived");
 * ```
 */
export class PullRequestHoldService {
  readonly #heldMax: number;
  /**
   * topic → queueId → parked pulls, in parking order (two lookups, no key string per arriving
   * message; a set, so releasing one of many parked on a queue costs O(1))
   */
  readonly #table = new Map<string, Map<number, Set<HeldPull>>>();
  readonly #byChannel = new Map<number, Set<HeldPull>>();
  #size = 0;
  #stopped = false;
  #check: HoldCheckOptions | undefined;
  #checkTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #sizeWaiters = new Set<{ count: number; resolve: () => void }>();

  /** @param options the bound */
  constructor(options: PullRequestHoldServiceOptions) {
    assert(options.heldMax >= 0, `heldMax must be >= 0, got ${options.heldMax}`);
    this.#heldMax = options.heldMax;
  }

  /** pulls parked right now */
  get size(): number {
    return this.#size;
  }

  /** whether `heldMax` pulls are parked (a new one is refused) */
  get full(): boolean {
    return this.#size >= this.#heldMax;
  }

  /**
   * Starts re-checking parked pulls against the store (see the module doc). Without it, only
   * arrival notifications, hold ends, closes and `stop` wake parked pulls.
   *
   * @param options the store (its queues' max offsets) and the polling settings
   */
  start(options: HoldCheckOptions): void {
    assert(this.#check === undefined, "PullRequestHoldService started twice");
    if (this.#stopped) return;
    this.#check = options;
    this.#armCheck();
  }

  #armCheck(): void {
    const check = this.#check;
    if (check === undefined || this.#stopped) return;
    const config = check.config();
    const delayMs = config.longPollingEnable
      ? LONG_POLLING_CHECK_INTERVAL_MS
      : Math.max(0, config.shortPollingTimeMills);
    this.#checkTimer = setTimeout(() => {
      this.#checkTimer = undefined;
      this.checkHoldRequest();
      this.#armCheck();
    }, delayMs);
  }

  /**
   * Wakes every parked pull whose queue now holds messages at or past its offset (RocketMQ
   * `checkHoldRequest`); the periodic re-check calls it. Does nothing before `start`.
   */
  checkHoldRequest(): void {
    const check = this.#check;
    if (check === undefined) return;
    for (const [topic, queues] of [...this.#table]) {
      for (const queueId of [...queues.keys()]) {
        const maxOffset = check.store.getMaxOffsetInQueue(topic, queueId, false);
        this.notifyMessageArriving(topic, queueId, maxOffset, null);
      }
    }
  }

  /**
   * Parks a pull until a matching message arrives, its hold ends, its connection closes or the
   * service stops.
   *
   * @param options the pull and its hold
   * @returns a promise of why it woke, or null when the table is full or the service stopped (answer
   *   at once)
   */
  suspend(options: SuspendPullOptions): Promise<WakeReason> | null {
    if (this.#stopped || this.#size >= this.#heldMax) return null;
    assert(options.timeoutMs >= 0, `hold time must be >= 0, got ${options.timeoutMs}`);
    let resolve!: (reason: WakeReason) => void;
    const promise = new Promise<WakeReason>((r) => resolve = r);
    const held: HeldPull = {
      pullFromThisOffset: options.pullFromThisOffset,
      filter: options.filter,
      channelId: options.channelId,
      topic: options.topic,
      queueId: options.queueId,
      resolve,
      timer: undefined,
    };
    let queues = this.#table.get(options.topic);
    if (queues === undefined) this.#table.set(options.topic, queues = new Map());
    let list = queues.get(options.queueId);
    if (list === undefined) queues.set(options.queueId, list = new Set());
    list.add(held);
    let channelSet = this.#byChannel.get(options.channelId);
    if (channelSet === undefined) this.#byChannel.set(options.channelId, channelSet = new Set());
    channelSet.add(held);
    this.#size++;
    for (const waiter of this.#sizeWaiters) {
      if (this.#size >= waiter.count) waiter.resolve();
    }
    held.timer = setTimeout(() => {
      held.timer = undefined;
      this.#release(held, "timeout");
    }, options.timeoutMs);
    // A message dispatched between the pull's read and now woke no one: look at the queue again.
    const maxOffset = this.#check?.store.getMaxOffsetInQueue(options.topic, options.queueId, false);
    if (maxOffset !== undefined && maxOffset > options.pullFromThisOffset) {
      this.#release(held, "arrived");
    }
    return promise;
  }

  /**
   * Resolves once at least `count` pulls are parked (a latch for tests and diagnostics).
   *
   * @param count the awaited number of parked pulls
   * @param timeoutMs deadline
   * @throws {Error} when the deadline passes first
   */
  waitForParked(count: number, timeoutMs: number): Promise<void> {
    if (this.#size >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          this.#sizeWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#sizeWaiters.delete(waiter);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${count} parked pulls (${this.#size} parked)`,
          ),
        );
      }, timeoutMs);
      this.#sizeWaiters.add(waiter);
    });
  }

  /**
   * Wakes the pulls parked on a queue that a new message matches (called for every dispatched
   * message, so it does no work when nothing is parked there).
   *
   * @param topic the message's topic
   * @param queueId the message's queue
   * @param maxOffset the queue's max offset after the message (its queue offset + 1)
   * @param tagsCode the message's consume-queue tag code, or null to wake every pull behind
   *   `maxOffset`
   */
  notifyMessageArriving(
    topic: string,
    queueId: number,
    maxOffset: number,
    tagsCode: number | null,
  ): void {
    const list = this.#table.get(topic)?.get(queueId);
    if (list === undefined) return;
    const woken: HeldPull[] = [];
    for (const held of list) {
      if (maxOffset > held.pullFromThisOffset && held.filter.isMatchedByConsumeQueue(tagsCode)) {
        woken.push(held);
      }
    }
    for (const held of woken) this.#release(held, "arrived");
  }

  /**
   * Wakes every pull parked by a connection that closed (its answer would be dropped anyway).
   *
   * @param channelId the closed connection
   */
  dropChannel(channelId: number): void {
    const set = this.#byChannel.get(channelId);
    if (set === undefined) return;
    for (const held of [...set]) this.#release(held, "closed");
  }

  /** Wakes every parked pull and refuses new ones (shutdown: every parked pull is answered). */
  stop(): void {
    this.#stopped = true;
    if (this.#checkTimer !== undefined) clearTimeout(this.#checkTimer);
    this.#checkTimer = undefined;
    for (const queues of [...this.#table.values()]) {
      for (const list of [...queues.values()]) {
        for (const held of [...list]) this.#release(held, "shutdown");
      }
    }
    assert(this.#size === 0, `${this.#size} parked pulls left after stop`);
  }

  #release(held: HeldPull, reason: WakeReason): void {
    const queues = this.#table.get(held.topic);
    const list = queues?.get(held.queueId);
    if (list === undefined || !list.delete(held)) return;
    if (list.size === 0) {
      queues!.delete(held.queueId);
      if (queues!.size === 0) this.#table.delete(held.topic);
    }
    const channelSet = this.#byChannel.get(held.channelId);
    channelSet?.delete(held);
    if (channelSet?.size === 0) this.#byChannel.delete(held.channelId);
    if (held.timer !== undefined) clearTimeout(held.timer);
    held.timer = undefined;
    this.#size--;
    held.resolve(reason);
  }
}

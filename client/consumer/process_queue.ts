/**
 * The messages a consumer holds for one queue (RocketMQ `ProcessQueue`): pulled but not yet
 * consumed, ordered by queue offset, with their count and body bytes for flow control. The offset
 * to commit is always the smallest offset not yet consumed (or the last cached + 1 when all are),
 * so a committed offset never passes a message that was not consumed (`shared/spec/features.md` §6:
 * "Committed value = next offset to consume").
 *
 * Orderly consumption takes messages from the front into a separate "consuming" set, then commits
 * them (offset = last taken + 1) or puts them back to be consumed again.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../../common/clock.ts";
import { systemClock } from "../../common/clock.ts";
import type { ProcessQueueInfo } from "../consumer_running_info.ts";
import type { MessageExt } from "../message.ts";
import { PULL_MAX_IDLE_TIME_MS, REBALANCE_LOCK_MAX_LIVE_TIME_MS } from "./limits.ts";

/** Compact the offset index when this many dead slots lead it. */
const COMPACT_HEAD_MIN = 1024;

/**
 * See the module doc. Single-threaded (JavaScript), so no locks guard the maps; the orderly
 * "consume lock" of RocketMQ becomes {@linkcode ProcessQueue.consumeIdle}.
 *
 * @example
 * ```ts
 * import { ProcessQueue } from "./process_queue.ts";
 * import { MessageExt } from "../message.ts";
 * const at = (queueOffset: number) => new MessageExt({
 *   topic: "T", body: "x", queueId: 0, storeSize: 0, queueOffset, sysFlag: 0, bornTimestamp: 0,
 *   bornHost: "127.0.0.1:1", storeTimestamp: 0, storeHost: "127.0.0.1:2", offsetMsgId: "",
 *   commitLogOffset: 0, bodyCRC: 0, reconsumeTimes: 0, preparedTransactionOffset: 0,
 * });
 * const pq = new ProcessQueue();
 * const [m5, m6, m7] = [at(5), at(6), at(7)];
 * pq.putMessage([m5, m6, m7]);
 * if (pq.removeMessage([m6]) !== 5) throw new Error("5 is not consumed yet");
 * if (pq.removeMessage([m5]) !== 7) throw new Error("next is 7");
 * if (pq.removeMessage([m7]) !== 8) throw new Error("all consumed: last + 1");
 * ```
 */
export class ProcessQueue {
  readonly #clock: Clock;
  /** offset → message, pulled and not yet consumed (RocketMQ `msgTreeMap`) */
  readonly #msgs = new Map<number, MessageExt>();
  /** offsets ascending from #head; may hold offsets no longer in #msgs */
  #order: number[] = [];
  #head = 0;
  /** orderly: taken, not yet committed (RocketMQ `consumingMsgOrderlyTreeMap`) */
  readonly #consumingOrderly = new Map<number, MessageExt>();
  #msgCount = 0;
  #msgSize = 0;
  #queueOffsetMax = 0;
  #consumeCalls = 0;
  #idleWaiters: (() => void)[] = [];
  /** no longer ours: pulls and consumption stop, results are not committed */
  dropped = false;
  /** orderly: the broker lock is held */
  locked = false;
  /** orderly: when the lock was last confirmed, ms */
  lastLockTimestamp: number;
  /** when the queue was last pulled, ms */
  lastPullTimestamp: number;
  /** when messages were last taken or removed, ms */
  lastConsumeTimestamp: number;
  /** orderly: a consume loop is scheduled or running for the queue */
  consuming = false;
  /** orderly: failed attempts to remove the queue while a listener call was running */
  tryUnlockTimes = 0;

  /** @param clock time source for the lock and pull timestamps */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
    const now = clock.now();
    this.lastLockTimestamp = now;
    this.lastPullTimestamp = now;
    this.lastConsumeTimestamp = now;
  }

  /** messages held: cached plus (orderly) being consumed */
  get msgCount(): number {
    return this.#msgCount;
  }

  /** body bytes held */
  get msgSize(): number {
    return this.#msgSize;
  }

  /** whether the orderly lock is older than `lockMaxLiveTime` (30 s) */
  isLockExpired(): boolean {
    return this.#clock.now() - this.lastLockTimestamp > REBALANCE_LOCK_MAX_LIVE_TIME_MS;
  }

  /** whether the queue has not been pulled for `pullMaxIdleTime` (120 s) */
  isPullExpired(): boolean {
    return this.#clock.now() - this.lastPullTimestamp > PULL_MAX_IDLE_TIME_MS;
  }

  /**
   * Caches pulled messages (a message at an offset already held is replaced, not counted again).
   *
   * @param msgs messages of one pull, in queue order
   * @returns true when an orderly consume loop should be started (messages are cached and none
   *   is running)
   */
  putMessage(msgs: readonly MessageExt[]): boolean {
    for (const msg of msgs) {
      const offset = msg.queueOffset;
      if (!Number.isSafeInteger(offset) || offset < 0) assert.fail(`bad queue offset ${offset}`);
      const fresh = !this.#msgs.has(offset);
      this.#msgs.set(offset, msg);
      if (!fresh) continue;
      this.#insertOffset(offset);
      this.#queueOffsetMax = offset;
      this.#msgCount++;
      this.#msgSize += msg.body.length;
    }
    if (this.#msgs.size > 0 && !this.consuming) {
      this.consuming = true;
      return true;
    }
    return false;
  }

  /**
   * Removes consumed messages and returns the offset to commit: the smallest offset still cached,
   * or the last cached + 1 when none is left.
   *
   * @param msgs the consumed messages
   * @returns the offset to commit, or -1 when nothing was cached
   */
  removeMessage(msgs: readonly MessageExt[]): number {
    this.lastConsumeTimestamp = this.#clock.now();
    if (this.#msgs.size === 0) return -1;
    let result = this.#queueOffsetMax + 1;
    for (const msg of msgs) {
      if (!this.#msgs.delete(msg.queueOffset)) continue;
      this.#msgCount--;
      this.#msgSize -= msg.body.length;
    }
    if (this.#msgCount === 0) this.#msgSize = 0;
    const first = this.firstOffset();
    if (first !== undefined) result = first;
    this.#maybeCompact();
    return result;
  }

  /** @returns the smallest cached offset, if any */
  firstOffset(): number | undefined {
    while (this.#head < this.#order.length && !this.#msgs.has(this.#order[this.#head])) {
      this.#head++;
    }
    return this.#head < this.#order.length ? this.#order[this.#head] : undefined;
  }

  /** @returns the cached message with the smallest offset, if any */
  firstMessage(): MessageExt | undefined {
    const first = this.firstOffset();
    return first === undefined ? undefined : this.#msgs.get(first);
  }

  /** @returns the largest cached offset, if any */
  lastOffset(): number | undefined {
    while (
      this.#order.length > this.#head && !this.#msgs.has(this.#order[this.#order.length - 1])
    ) {
      this.#order.pop();
    }
    return this.#order.length > this.#head ? this.#order[this.#order.length - 1] : undefined;
  }

  /** @returns last − first cached offset, 0 when empty (RocketMQ `getMaxSpan`) */
  maxSpan(): number {
    const first = this.firstOffset();
    const last = this.lastOffset();
    return first === undefined || last === undefined ? 0 : last - first;
  }

  /**
   * @param msg a message
   * @returns whether it is still cached (not consumed, not taken)
   */
  containsMessage(msg: MessageExt): boolean {
    return this.#msgs.has(msg.queueOffset);
  }

  /** @returns whether messages are cached */
  hasTempMessage(): boolean {
    return this.#msgs.size > 0;
  }

  /**
   * Orderly: takes up to `batchSize` messages from the front into the consuming set; when none is
   * left the consume loop ends (`consuming` = false).
   *
   * @param batchSize most messages to take, ≥ 1
   * @returns the messages in queue order
   */
  takeMessages(batchSize: number): MessageExt[] {
    assert(batchSize >= 1, `batchSize ${batchSize} must be >= 1`);
    this.lastConsumeTimestamp = this.#clock.now();
    const result: MessageExt[] = [];
    while (result.length < batchSize) {
      const first = this.firstOffset();
      if (first === undefined) break;
      const msg = this.#msgs.get(first)!;
      this.#msgs.delete(first);
      this.#consumingOrderly.set(first, msg);
      result.push(msg);
    }
    if (result.length === 0) this.consuming = false;
    return result;
  }

  /**
   * Orderly: the taken messages were consumed; forget them.
   *
   * @returns the offset to commit (last taken + 1), or -1 when nothing was taken
   */
  commit(): number {
    let last = -1;
    for (const [offset, msg] of this.#consumingOrderly) {
      if (offset > last) last = offset;
      this.#msgSize -= msg.body.length;
    }
    this.#msgCount -= this.#consumingOrderly.size;
    if (this.#msgCount === 0) this.#msgSize = 0;
    this.#consumingOrderly.clear();
    this.#maybeCompact();
    return last < 0 ? -1 : last + 1;
  }

  /** Orderly: puts every taken message back to be consumed again (RocketMQ `rollback`). */
  rollback(): void {
    this.makeMessageToConsumeAgain([...this.#consumingOrderly.values()]);
  }

  /**
   * Orderly: puts taken messages back in front of the cache.
   *
   * @param msgs messages taken by {@linkcode ProcessQueue.takeMessages}
   */
  makeMessageToConsumeAgain(msgs: readonly MessageExt[]): void {
    for (const msg of msgs) {
      this.#consumingOrderly.delete(msg.queueOffset);
      if (this.#msgs.has(msg.queueOffset)) continue;
      this.#msgs.set(msg.queueOffset, msg);
      this.#insertOffset(msg.queueOffset);
    }
  }

  /** Drops every message (seek, reset). */
  clear(): void {
    this.#msgs.clear();
    this.#consumingOrderly.clear();
    this.#order = [];
    this.#head = 0;
    this.#msgCount = 0;
    this.#msgSize = 0;
    this.#queueOffsetMax = 0;
  }

  /** Orderly: a listener call on this queue begins. */
  beginConsume(): void {
    this.#consumeCalls++;
  }

  /** Orderly: a listener call on this queue ended. */
  endConsume(): void {
    assert(this.#consumeCalls > 0, "endConsume without beginConsume");
    this.#consumeCalls--;
    if (this.#consumeCalls > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** @returns resolves when no listener call is running on this queue */
  consumeIdle(): Promise<void> {
    if (this.#consumeCalls === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * RocketMQ `fillProcessQueueInfo`: the cache, the orderly messages being consumed, the lock
   * and the timestamps, for GET_CONSUMER_RUNNING_INFO.
   *
   * @param commitOffset the queue's committed offset, as the offset store has it
   * @returns the queue's info
   */
  info(commitOffset: number): ProcessQueueInfo {
    const consuming = [...this.#consumingOrderly.keys()];
    return {
      commitOffset,
      cachedMsgMinOffset: this.firstOffset() ?? 0,
      cachedMsgMaxOffset: this.lastOffset() ?? 0,
      cachedMsgCount: this.#msgs.size,
      cachedMsgSizeInMiB: Math.floor(this.#msgSize / (1024 * 1024)),
      transactionMsgMinOffset: consuming.length === 0 ? 0 : Math.min(...consuming),
      transactionMsgMaxOffset: consuming.length === 0 ? 0 : Math.max(...consuming),
      transactionMsgCount: consuming.length,
      locked: this.locked,
      tryUnlockTimes: this.tryUnlockTimes,
      lastLockTimestamp: this.lastLockTimestamp,
      droped: this.dropped,
      lastPullTimestamp: this.lastPullTimestamp,
      lastConsumeTimestamp: this.lastConsumeTimestamp,
    };
  }

  /** Inserts an offset not in the index, keeping [head, end) ascending. */
  #insertOffset(offset: number): void {
    const order = this.#order;
    if (order.length === this.#head || offset > order[order.length - 1]) {
      order.push(offset);
      return;
    }
    let lo = this.#head;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo < order.length && order[lo] === offset) return;
    if (lo === this.#head && this.#head > 0) {
      this.#head--;
      order[this.#head] = offset;
      return;
    }
    order.splice(lo, 0, offset);
  }

  #maybeCompact(): void {
    if (this.#msgs.size === 0 && this.#consumingOrderly.size === 0) {
      this.#order = [];
      this.#head = 0;
      return;
    }
    if (this.#head >= COMPACT_HEAD_MIN && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }
}

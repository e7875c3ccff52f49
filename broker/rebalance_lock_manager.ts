/**
 * Queue locks of orderly consumers (RocketMQ 4.9.8 `RebalanceLockManager`, features.md §7): per
 * consumer group and MessageQueue, the client id holding it and when it last locked it. A lock is
 * granted when the queue is free, already held by the client (refreshing it) or held by another
 * client that has not refreshed it for more than `lockMaxLiveTimeMs` (60 s,
 * `rocketmq.broker.rebalance.lockMaxLiveTime`). Only the holder unlocks. Time comes from the
 * injected clock.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { REBALANCE_LOCK_ENTRIES_MAX } from "./limits.ts";
import type { MessageQueue } from "./processors/admin_bodies.ts";

/** RocketMQ's default `rocketmq.broker.rebalance.lockMaxLiveTime`. */
export const REBALANCE_LOCK_MAX_LIVE_TIME_MS = 60_000;

/** Options of {@linkcode RebalanceLockManager}. */
export interface RebalanceLockManagerOptions {
  /** time source of lock ages */
  readonly clock: Clock;
  /** a lock not refreshed for longer than this may be taken by another client; default 60 000 */
  readonly lockMaxLiveTimeMs?: number;
  /** most (group, queue) entries; default {@linkcode REBALANCE_LOCK_ENTRIES_MAX} */
  readonly entriesMax?: number;
}

interface LockEntry {
  clientId: string;
  lastUpdateTimestamp: number;
}

/**
 * The lock table of one broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../common/clock.ts";
 * import { RebalanceLockManager } from "./rebalance_lock_manager.ts";
 * const clock = new ManualClock();
 * const locks = new RebalanceLockManager({ clock });
 * const mq = { topic: "T", brokerName: "broker-a", queueId: 0 };
 * assert.equal(locks.tryLockBatch("G", [mq], "client-1").length, 1);
 * assert.equal(locks.tryLockBatch("G", [mq], "client-2").length, 0);
 * clock.advance(60_001);
 * assert.equal(locks.tryLockBatch("G", [mq], "client-2").length, 1);
 * ```
 */
export class RebalanceLockManager {
  readonly #clock: Clock;
  readonly #maxLiveTimeMs: number;
  readonly #entriesMax: number;
  readonly #table = new Map<string, Map<string, LockEntry>>();
  #entries = 0;

  /** @param options clock and lock lifetime */
  constructor(options: RebalanceLockManagerOptions) {
    this.#clock = options.clock;
    this.#maxLiveTimeMs = options.lockMaxLiveTimeMs ?? REBALANCE_LOCK_MAX_LIVE_TIME_MS;
    this.#entriesMax = options.entriesMax ?? REBALANCE_LOCK_ENTRIES_MAX;
  }

  /** (group, queue) entries held, live or expired */
  get size(): number {
    return this.#entries;
  }

  /**
   * Locks each queue for the client if it is free, already the client's, or expired
   * (`tryLockBatch`). A queue the table has no room for is left out, as a queue locked by another
   * client is.
   *
   * @param group the consumer group
   * @param mqs the queues (duplicates count once)
   * @param clientId the locking client
   * @returns the queues of `mqs` now locked by the client, in request order
   */
  tryLockBatch(group: string, mqs: Iterable<MessageQueue>, clientId: string): MessageQueue[] {
    const now = this.#clock.now();
    const locked = new Map<string, MessageQueue>();
    let groupTable = this.#table.get(group);
    for (const mq of mqs) {
      const key = queueKey(mq);
      if (locked.has(key)) continue;
      let entry = groupTable?.get(key);
      if (entry === undefined) {
        if (!this.#hasRoom(now)) continue;
        groupTable = this.#table.get(group); // a full table may have dropped it
        if (groupTable === undefined) {
          groupTable = new Map();
          this.#table.set(group, groupTable);
        }
        entry = { clientId, lastUpdateTimestamp: now };
        groupTable.set(key, entry);
        this.#entries++;
      } else if (entry.clientId !== clientId && !this.#isExpired(entry, now)) {
        continue;
      }
      entry.clientId = clientId;
      entry.lastUpdateTimestamp = now;
      locked.set(key, mq);
    }
    return [...locked.values()];
  }

  /**
   * Releases each queue the client holds (`unlockBatch`); queues held by others stay locked.
   *
   * @param group the consumer group
   * @param mqs the queues
   * @param clientId the unlocking client
   * @returns how many locks were released
   */
  unlockBatch(group: string, mqs: Iterable<MessageQueue>, clientId: string): number {
    const groupTable = this.#table.get(group);
    if (groupTable === undefined) return 0;
    let released = 0;
    for (const mq of mqs) {
      const key = queueKey(mq);
      if (groupTable.get(key)?.clientId !== clientId) continue;
      groupTable.delete(key);
      this.#entries--;
      released++;
    }
    if (groupTable.size === 0) this.#table.delete(group);
    return released;
  }

  /**
   * @param group the consumer group
   * @param mq a queue
   * @returns the client holding a live lock on it, or undefined
   */
  lockHolder(group: string, mq: MessageQueue): string | undefined {
    const entry = this.#table.get(group)?.get(queueKey(mq));
    if (entry === undefined || this.#isExpired(entry, this.#clock.now())) return undefined;
    return entry.clientId;
  }

  #isExpired(entry: LockEntry, now: number): boolean {
    return now - entry.lastUpdateTimestamp > this.#maxLiveTimeMs;
  }

  /** Room for one more entry, dropping expired entries when the table is full. */
  #hasRoom(now: number): boolean {
    if (this.#entries < this.#entriesMax) return true;
    for (const [group, groupTable] of this.#table) {
      for (const [key, entry] of groupTable) {
        if (!this.#isExpired(entry, now)) continue;
        groupTable.delete(key);
        this.#entries--;
      }
      if (groupTable.size === 0) this.#table.delete(group);
    }
    return this.#entries < this.#entriesMax;
  }
}

/** RocketMQ `MessageQueue.equals`: topic, broker name and queue id. */
function queueKey(mq: MessageQueue): string {
  return `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
}

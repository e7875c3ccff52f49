/**
 * A push consumer's pull and consume rates per topic (RocketMQ `ConsumerStatsManager`), for the
 * `statusTable` of GET_CONSUMER_RUNNING_INFO: pull round trip and pulled messages, listener time,
 * messages consumed and failed, over the last minute, and failed messages over the last hour.
 *
 * Each figure is a ring of time buckets (10 s for the minute, 1 min for the hour), so memory per
 * topic is fixed and old samples fall out without a timer.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../../common/clock.ts";
import { systemClock } from "../../common/clock.ts";
import type { ConsumeStatus } from "../consumer_running_info.ts";
import { TOPIC_ROUTES_MAX } from "../limits.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** A sum and a count per time bucket, over a fixed window. */
class RollingSum {
  readonly #bucketMs: number;
  readonly #sums: number[];
  readonly #times: number[];
  readonly #slots: number[];

  constructor(windowMs: number, bucketMs: number) {
    assert(windowMs % bucketMs === 0, `window ${windowMs} ms must be whole ${bucketMs} ms buckets`);
    const n = windowMs / bucketMs;
    this.#bucketMs = bucketMs;
    this.#sums = new Array(n).fill(0);
    this.#times = new Array(n).fill(0);
    this.#slots = new Array(n).fill(-1);
  }

  add(nowMs: number, value: number, times: number): void {
    const slot = Math.floor(nowMs / this.#bucketMs);
    const i = slot % this.#slots.length;
    if (this.#slots[i] !== slot) {
      this.#slots[i] = slot;
      this.#sums[i] = 0;
      this.#times[i] = 0;
    }
    this.#sums[i] += value;
    this.#times[i] += times;
  }

  /** @returns sum and count of the buckets within the window ending now */
  total(nowMs: number): { sum: number; times: number } {
    const oldest = Math.floor(nowMs / this.#bucketMs) - this.#slots.length + 1;
    let sum = 0;
    let times = 0;
    for (let i = 0; i < this.#slots.length; i++) {
      if (this.#slots[i] < oldest) continue;
      sum += this.#sums[i];
      times += this.#times[i];
    }
    return { sum, times };
  }
}

class TopicStats {
  readonly pullRT = new RollingSum(MINUTE_MS, 10_000);
  readonly pulled = new RollingSum(MINUTE_MS, 10_000);
  readonly consumeRT = new RollingSum(MINUTE_MS, 10_000);
  readonly consumedOK = new RollingSum(MINUTE_MS, 10_000);
  readonly consumedFailed = new RollingSum(MINUTE_MS, 10_000);
  readonly failedInHour = new RollingSum(HOUR_MS, MINUTE_MS);
}

/**
 * See the module doc. Topics beyond `TOPIC_ROUTES_MAX` (a consumer cannot pull more) are not
 * counted.
 *
 * @example
 * ```ts
 * import { ConsumerStats } from "./consumer_stats.ts";
 * const stats = new ConsumerStats({ now: () => 30_000 });
 * stats.incPullRT("T", 12);
 * stats.incPullTPS("T", 30);
 * stats.incConsumeOKTPS("T", 60);
 * const status = stats.consumeStatus("T");
 * if (status.pullRT !== 12 || status.consumeOKTPS !== 1) throw new Error(JSON.stringify(status));
 * ```
 */
export class ConsumerStats {
  readonly #clock: Clock;
  readonly #topics = new Map<string, TopicStats>();

  /** @param clock the time source */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  #of(topic: string): TopicStats | undefined {
    let stats = this.#topics.get(topic);
    if (stats === undefined && this.#topics.size < TOPIC_ROUTES_MAX) {
      stats = new TopicStats();
      this.#topics.set(topic, stats);
    }
    return stats;
  }

  /**
   * A pull came back (RocketMQ `incPullRT`).
   * @param topic the queue's topic
   * @param rtMs its round trip, ms
   */
  incPullRT(topic: string, rtMs: number): void {
    this.#of(topic)?.pullRT.add(this.#clock.now(), rtMs, 1);
  }

  /**
   * A pull found messages (RocketMQ `incPullTPS`).
   * @param topic the queue's topic
   * @param msgs how many
   */
  incPullTPS(topic: string, msgs: number): void {
    this.#of(topic)?.pulled.add(this.#clock.now(), msgs, 1);
  }

  /**
   * A listener call returned (RocketMQ `incConsumeRT`).
   * @param topic the queue's topic
   * @param rtMs the call's time, ms
   */
  incConsumeRT(topic: string, rtMs: number): void {
    this.#of(topic)?.consumeRT.add(this.#clock.now(), rtMs, 1);
  }

  /**
   * Messages were consumed (RocketMQ `incConsumeOKTPS`).
   * @param topic the queue's topic
   * @param msgs how many
   */
  incConsumeOKTPS(topic: string, msgs: number): void {
    this.#of(topic)?.consumedOK.add(this.#clock.now(), msgs, 1);
  }

  /**
   * Messages failed (RocketMQ `incConsumeFailedTPS`), counted for the minute and the hour.
   * @param topic the queue's topic
   * @param msgs how many
   */
  incConsumeFailedTPS(topic: string, msgs: number): void {
    const stats = this.#of(topic);
    if (stats === undefined) return;
    const now = this.#clock.now();
    stats.consumedFailed.add(now, msgs, 1);
    stats.failedInHour.add(now, msgs, 1);
  }

  /**
   * RocketMQ `consumeStatus`: a topic's rates over the last minute.
   * @param topic a topic
   * @returns the rates; zeros for a topic never counted
   */
  consumeStatus(topic: string): ConsumeStatus {
    const stats = this.#topics.get(topic);
    const now = this.#clock.now();
    const mean = (r: RollingSum | undefined) => {
      const { sum, times } = r?.total(now) ?? { sum: 0, times: 0 };
      return times === 0 ? 0 : sum / times;
    };
    const perSecond = (r: RollingSum | undefined) => (r?.total(now).sum ?? 0) / 60;
    return {
      pullRT: mean(stats?.pullRT),
      pullTPS: perSecond(stats?.pulled),
      consumeRT: mean(stats?.consumeRT),
      consumeOKTPS: perSecond(stats?.consumedOK),
      consumeFailedTPS: perSecond(stats?.consumedFailed),
      consumeFailedMsgs: stats?.failedInHour.total(now).sum ?? 0,
    };
  }
}

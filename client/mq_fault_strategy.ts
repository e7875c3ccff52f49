/**
 * Latency-based fault avoidance for sends (RocketMQ `MQFaultStrategy` and
 * `LatencyFaultToleranceImpl`, 4.9.8 tables): after each send the broker's latency maps to a
 * period during which the broker is avoided; a failed send isolates it as if it had taken 30 s.
 * Off by default (`sendLatencyFaultEnable`), as in RocketMQ; when off, a retry only avoids the
 * broker that just failed.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { TopicPublishInfo } from "./topic_publish_info.ts";

/**
 * Latency thresholds, ms (RocketMQ 4.9.8 `latencyMax`).
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { LATENCY_MAX_DEFAULT, MQFaultStrategy } from "./mq_fault_strategy.ts";
 * const clock = new ManualClock();
 * const strategy = new MQFaultStrategy({ clock, latencyMax: LATENCY_MAX_DEFAULT });
 * if (strategy.computeNotAvailableDuration(90) !== 0) throw new Error("under 550 ms: not avoided");
 * ```
 */
export const LATENCY_MAX_DEFAULT: readonly number[] = [50, 100, 550, 1000, 2000, 3000, 15000];
/**
 * Avoidance per threshold, ms (RocketMQ 4.9.8 `notAvailableDuration`).
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { MQFaultStrategy, NOT_AVAILABLE_DURATION_DEFAULT } from "./mq_fault_strategy.ts";
 * const notAvailableDuration = NOT_AVAILABLE_DURATION_DEFAULT;
 * const strategy = new MQFaultStrategy({ clock: new ManualClock(), notAvailableDuration });
 * if (strategy.computeNotAvailableDuration(2500) !== 120_000) throw new Error("2 s: 2 min");
 * ```
 */
export const NOT_AVAILABLE_DURATION_DEFAULT: readonly number[] = [
  0,
  0,
  30_000,
  60_000,
  120_000,
  180_000,
  600_000,
];
/**
 * Latency a failed send counts as (RocketMQ 4.9.8: `isolation ? 30000 : currentLatency`).
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { ISOLATION_LATENCY_MS, MQFaultStrategy } from "./mq_fault_strategy.ts";
 * const strategy = new MQFaultStrategy({ clock: new ManualClock(), sendLatencyFaultEnable: true });
 * strategy.updateFaultItem("broker-a", 12, true); // a failed send counts as ISOLATION_LATENCY_MS
 * if (strategy.computeNotAvailableDuration(ISOLATION_LATENCY_MS) !== 600_000) throw new Error();
 * if (strategy.latencyFaultTolerance.isAvailable("broker-a")) throw new Error("avoided 10 min");
 * ```
 */
export const ISOLATION_LATENCY_MS = 30_000;

interface FaultItem {
  readonly name: string;
  currentLatency: number;
  startTimestamp: number;
}

/**
 * Which brokers are to be avoided until when. The table holds one item per broker group that ever
 * answered a send, so it is bounded by the route's broker count.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { LatencyFaultTolerance } from "./mq_fault_strategy.ts";
 * const clock = new ManualClock();
 * const tolerance = new LatencyFaultTolerance(clock);
 * tolerance.updateFaultItem("broker-a", 600, 30_000);
 * if (tolerance.isAvailable("broker-a")) throw new Error("avoided for 30 s");
 * clock.advance(30_000);
 * if (!tolerance.isAvailable("broker-a")) throw new Error("available again");
 * ```
 */
export class LatencyFaultTolerance {
  readonly #clock: Clock;
  readonly #items = new Map<string, FaultItem>();
  #worst = 0;

  /**
   * Creates an empty table.
   *
   * @param clock time source
   */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Records a broker's latency and avoids it for `notAvailableDuration` ms from now.
   *
   * @param name broker name
   * @param currentLatency the last latency, ms
   * @param notAvailableDuration how long to avoid it, ms
   */
  updateFaultItem(name: string, currentLatency: number, notAvailableDuration: number): void {
    const startTimestamp = this.#clock.now() + notAvailableDuration;
    const item = this.#items.get(name);
    if (item === undefined) this.#items.set(name, { name, currentLatency, startTimestamp });
    else {
      item.currentLatency = currentLatency;
      item.startTimestamp = startTimestamp;
    }
  }

  /**
   * Whether a broker may be sent to now.
   *
   * @param name broker name
   * @returns whether the broker is not being avoided now
   */
  isAvailable(name: string): boolean {
    const item = this.#items.get(name);
    return item === undefined || this.#clock.now() >= item.startTimestamp;
  }

  /**
   * Forgets a broker.
   *
   * @param name broker name to forget
   */
  remove(name: string): void {
    this.#items.delete(name);
  }

  /**
   * One of the better half of known brokers (available first, then lower latency, then sooner
   * available), rotating (RocketMQ `pickOneAtLeast`).
   *
   * @returns a broker name, or undefined when none is known
   */
  pickOneAtLeast(): string | undefined {
    const now = this.#clock.now();
    const items = [...this.#items.values()].sort((a, b) => {
      const aOk = now >= a.startTimestamp;
      const bOk = now >= b.startTimestamp;
      if (aOk !== bOk) return aOk ? -1 : 1;
      return a.currentLatency - b.currentLatency || a.startTimestamp - b.startTimestamp;
    });
    if (items.length === 0) return undefined;
    const half = Math.floor(items.length / 2);
    if (half <= 0) return items[0].name;
    this.#worst = (this.#worst + 1) & 0x7fffffff;
    return items[this.#worst % half].name;
  }
}

/**
 * Options of {@linkcode MQFaultStrategy}.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { MQFaultStrategy, type MQFaultStrategyOptions } from "./mq_fault_strategy.ts";
 * const options: MQFaultStrategyOptions = {
 *   clock: new ManualClock(), sendLatencyFaultEnable: true,
 *   latencyMax: [100, 1000], notAvailableDuration: [0, 60_000],
 * };
 * if (new MQFaultStrategy(options).computeNotAvailableDuration(1500) !== 60_000) throw new Error();
 * ```
 */
export interface MQFaultStrategyOptions {
  /** time source */
  clock: Clock;
  /** avoid slow or failing brokers (default false, as RocketMQ) */
  sendLatencyFaultEnable?: boolean;
  /** latency thresholds, ascending */
  latencyMax?: readonly number[];
  /** avoidance per threshold */
  notAvailableDuration?: readonly number[];
}

/**
 * Chooses the queue for each send attempt.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { MQFaultStrategy } from "./mq_fault_strategy.ts";
 * const strategy = new MQFaultStrategy({ clock: new ManualClock(), sendLatencyFaultEnable: true });
 * if (strategy.computeNotAvailableDuration(600) !== 30000) throw new Error("550 ms -> 30 s");
 * ```
 */
export class MQFaultStrategy {
  /** whether latency avoidance is on */
  sendLatencyFaultEnable: boolean;
  /** the broker table */
  readonly latencyFaultTolerance: LatencyFaultTolerance;
  readonly #latencyMax: readonly number[];
  readonly #notAvailableDuration: readonly number[];

  /**
   * Creates the strategy; off unless `sendLatencyFaultEnable`.
   *
   * @param options clock, switch and tables
   */
  constructor(options: MQFaultStrategyOptions) {
    this.sendLatencyFaultEnable = options.sendLatencyFaultEnable ?? false;
    this.latencyFaultTolerance = new LatencyFaultTolerance(options.clock);
    this.#latencyMax = options.latencyMax ?? LATENCY_MAX_DEFAULT;
    this.#notAvailableDuration = options.notAvailableDuration ?? NOT_AVAILABLE_DURATION_DEFAULT;
    assert(
      this.#latencyMax.length === this.#notAvailableDuration.length,
      "latencyMax and notAvailableDuration must have the same length",
    );
  }

  /**
   * The queue for the next attempt. Off: round robin skipping `lastBrokerName` when possible. On:
   * an available broker other than the last, then any available broker, then one of the better
   * known brokers, then round robin.
   *
   * @param info the topic's publish info
   * @param lastBrokerName the broker of the previous attempt, if any
   * @returns a queue, or undefined when there is none
   */
  selectOneMessageQueue(info: TopicPublishInfo, lastBrokerName?: string): MessageQueue | undefined {
    if (!this.sendLatencyFaultEnable) {
      // The first attempt (no last broker, the hot path) needs no filter closure.
      if (lastBrokerName === undefined) return info.selectOneMessageQueue();
      return info.selectOneMessageQueue((mq) => mq.brokerName !== lastBrokerName) ??
        info.selectOneMessageQueue();
    }
    const notLast = (mq: MessageQueue) => mq.brokerName !== lastBrokerName;
    const tolerance = this.latencyFaultTolerance;
    const available = (mq: MessageQueue) => tolerance.isAvailable(mq.brokerName);
    const chosen = info.selectOneMessageQueue(available, notLast) ??
      info.selectOneMessageQueue(available);
    if (chosen !== undefined) return chosen;
    const notBest = tolerance.pickOneAtLeast();
    if (notBest !== undefined) {
      const queues = info.messageQueueList.filter((mq) => mq.brokerName === notBest);
      if (queues.length > 0) return info.selectOneMessageQueue((mq) => mq.brokerName === notBest);
      tolerance.remove(notBest);
    }
    return info.selectOneMessageQueue();
  }

  /**
   * Records a send's outcome (RocketMQ `updateFaultItem`); no-op when off.
   *
   * @param brokerName the broker sent to
   * @param currentLatency how long the attempt took, ms
   * @param isolation true when it failed: count it as {@linkcode ISOLATION_LATENCY_MS}
   */
  updateFaultItem(brokerName: string, currentLatency: number, isolation: boolean): void {
    if (!this.sendLatencyFaultEnable) return;
    const duration = this.computeNotAvailableDuration(
      isolation ? ISOLATION_LATENCY_MS : currentLatency,
    );
    this.latencyFaultTolerance.updateFaultItem(brokerName, currentLatency, duration);
  }

  /**
   * How long a latency makes a broker avoided.
   *
   * @param latency a latency, ms
   * @returns the avoidance of the highest threshold it reaches, ms
   */
  computeNotAvailableDuration(latency: number): number {
    for (let i = this.#latencyMax.length - 1; i >= 0; i--) {
      if (latency >= this.#latencyMax[i]) return this.#notAvailableDuration[i];
    }
    return 0;
  }
}

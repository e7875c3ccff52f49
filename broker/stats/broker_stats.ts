/**
 * The broker's traffic counters (RocketMQ `BrokerStatsManager`, `BrokerStats` and the TPS part of
 * `StoreStatsService`): messages and bytes put per topic, messages and bytes handed to consumers
 * per group and topic, the rates GET_BROKER_RUNTIME_INFO reports (`putTps`, `getTransferedTps` over
 * 10, 60 and 600 s), the consume TPS of GET_CONSUME_STATS, and the midnight snapshots behind
 * `msgPutTotalTodayMorning` and friends (config.md §5). The HTTP `/metrics` endpoint reads the same
 * counters.
 *
 * The store's put hook calls {@linkcode BrokerStats.recordPut} once per stored put (a batch counts
 * its messages) under the topic written: sends, send-backs and the re-puts of due delayed messages,
 * so the broker-wide put total is the store's `putMessageTimesTotal`, as RocketMQ's
 * `BrokerStats.getMsgPutTotalTodayNow` reads it, and a delayed message counts once under
 * `SCHEDULE_TOPIC_XXXX` when sent and once under its real topic when delivered, as RocketMQ's
 * send processor and `ScheduleMessageService` count it. The pull processors call
 * {@linkcode BrokerStats.recordGet} once per response that carries messages. Both are O(1) and
 * allocate nothing once a key is known.
 *
 * Put topics, group@topic pairs and the broker-wide counts also keep RocketMQ `StatsItem`'s
 * minute, hour and day history ({@linkcode StatsHistory}), read by
 * {@linkcode BrokerStats.statsData} for VIEW_BROKER_STATS_DATA under RocketMQ's stats names
 * (`BrokerStatsManager`): TOPIC_PUT_NUMS and TOPIC_PUT_SIZE (key: the topic; one call per put),
 * GROUP_GET_NUMS and GROUP_GET_SIZE (key: `topic@group`; one call per pull with messages),
 * BROKER_PUT_NUMS and BROKER_GET_NUMS (key: the cluster name; no calls counted, as RocketMQ),
 * SNDBCK_PUT_NUMS (key: `topic@group`, the topic the message was first sent to; one per stored
 * send-back, {@linkcode BrokerStats.recordSendBack}).
 *
 * @module
 */
import { type Clock, steppedMonotonic, systemClock } from "../../common/clock.ts";
import { RateWindow } from "../../common/rate_window.ts";
import { formatJavaDouble } from "../../common/java_double.ts";
import {
  BROKER_TPS_WINDOW_SECONDS_MAX,
  KEY_TPS_WINDOW_SECONDS,
  STATS_KEYS_MAX,
  STATS_OVERFLOW_KEY,
} from "./limits.ts";
import { type BrokerStatsData, StatsHistory } from "./stats_history.ts";
import { PairTable } from "./_pair_table.ts";

/** The stats names {@linkcode BrokerStats.statsData} answers (RocketMQ `Stats`). */
export const StatsName = {
  TOPIC_PUT_NUMS: "TOPIC_PUT_NUMS",
  TOPIC_PUT_SIZE: "TOPIC_PUT_SIZE",
  GROUP_GET_NUMS: "GROUP_GET_NUMS",
  GROUP_GET_SIZE: "GROUP_GET_SIZE",
  BROKER_PUT_NUMS: "BROKER_PUT_NUMS",
  BROKER_GET_NUMS: "BROKER_GET_NUMS",
  SNDBCK_PUT_NUMS: "SNDBCK_PUT_NUMS",
} as const;

/** The windows, in seconds, of RocketMQ's space-separated TPS texts. */
export const TPS_WINDOWS_SECONDS: readonly number[] = [10, 60, 600];

/** Messages and bytes counted under one key since the broker started. */
export interface TrafficCounters {
  /** messages */
  readonly msgs: number;
  /** bytes (message bodies as stored or transferred) */
  readonly bytes: number;
}

/** One topic's traffic. */
export interface TopicTraffic {
  /** the topic ({@linkcode STATS_OVERFLOW_KEY} for topics past the bound) */
  readonly topic: string;
  /** messages and bytes stored */
  readonly put: TrafficCounters;
  /** messages and bytes handed to consumers, all groups */
  readonly get: TrafficCounters;
}

/** One group's traffic on one topic. */
export interface GroupTraffic {
  /** the consumer group ({@linkcode STATS_OVERFLOW_KEY} past the bound) */
  readonly group: string;
  /** the topic ({@linkcode STATS_OVERFLOW_KEY} past the bound) */
  readonly topic: string;
  /** messages and bytes handed to the group */
  readonly get: TrafficCounters;
}

/** Totals at the two latest local midnights and now (RocketMQ `BrokerStats`). */
export interface DailyTotals {
  /** messages put since start, as of yesterday's midnight */
  readonly msgPutTotalYesterdayMorning: number;
  /** messages put since start, as of today's midnight */
  readonly msgPutTotalTodayMorning: number;
  /** messages put since start */
  readonly msgPutTotalTodayNow: number;
  /** messages got since start, as of yesterday's midnight */
  readonly msgGetTotalYesterdayMorning: number;
  /** messages got since start, as of today's midnight */
  readonly msgGetTotalTodayMorning: number;
  /** messages got since start */
  readonly msgGetTotalTodayNow: number;
}

/** Options for {@linkcode BrokerStats}. */
export interface BrokerStatsOptions {
  /** time source */
  readonly clock: Clock;
  /**
   * The start of the day holding `nowMs` (the midnight RocketMQ snapshots at). Default: local
   * midnight of the process's time zone, as RocketMQ's scheduled `BrokerStats.record()`.
   */
  readonly dayStartOf?: (nowMs: number) => number;
  /** the key of BROKER_PUT_NUMS and BROKER_GET_NUMS (`brokerClusterName`); default DefaultCluster */
  readonly clusterName?: string;
  /**
   * Time of the minute / hour / day history. RocketMQ samples it on fixed-rate timers, which a
   * wall clock set back (after a wrong step forward) does not stop. Default: a
   * {@linkcode monotonicClock} when `clock` is the system clock, else `clock`.
   */
  readonly sampleClock?: Clock;
}

/** Counters of one key: totals, a rate ring for messages and, for some tables, the history. */
class KeyCounters {
  bytes = 0;
  readonly msgs: RateWindow;
  readonly history: StatsHistory | undefined;

  constructor(nowMs: number, sampleMs: number, historyOriginMs: number | undefined) {
    this.msgs = new RateWindow(KEY_TPS_WINDOW_SECONDS, nowMs);
    this.history = historyOriginMs === undefined
      ? undefined
      : new StatsHistory(historyOriginMs, sampleMs);
  }

  add(msgs: number, bytes: number, nowMs: number, sampleMs: number): void {
    this.msgs.add(msgs, nowMs);
    this.bytes += bytes;
    this.history?.add(msgs, bytes, 1, sampleMs);
  }
}

/** The longest local day (25 h, across a DST change): a day's start plus this is in the next day. */
const DAY_LONGEST_MS = 25 * 3600_000;

function localDayStart(nowMs: number): number {
  const date = new Date(nowMs);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/**
 * The broker's traffic statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../../common/clock.ts";
 * import { BrokerStats } from "./broker_stats.ts";
 * const clock = new ManualClock(1_700_000_000_000);
 * const stats = new BrokerStats({ clock });
 * stats.recordPut("TopicTest", 10, 1000);
 * stats.recordGet("G1", "TopicTest", 4, 400);
 * clock.advance(5_000);
 * assert.equal(stats.putTps(), "2.0 2.0 2.0");
 * assert.equal(stats.daily().msgGetTotalTodayNow, 4);
 * ```
 */
export class BrokerStats {
  readonly #clock: Clock;
  readonly #dayStartOf: (nowMs: number) => number;
  readonly #clusterName: string;
  /** the history's time source */
  /** the history's time at a wall-clock reading of `clock` */
  readonly #sampleAt: (nowMs: number) => number;
  /** when the history's sampling started (RocketMQ's timers start with the broker) */
  readonly #originMs: number;
  /** BROKER_PUT_NUMS / BROKER_GET_NUMS, created by the first put / get as RocketMQ does */
  #brokerPutHistory: StatsHistory | undefined;
  #brokerGetHistory: StatsHistory | undefined;
  readonly #putMsgs: RateWindow;
  readonly #getMsgs: RateWindow;
  #putBytes = 0;
  #getBytes = 0;
  readonly #topicPut = new Map<string, KeyCounters>();
  readonly #topicGet = new Map<string, KeyCounters>();
  /** group → topic → counters (RocketMQ keys them `topic@group`) */
  readonly #groupGet = new PairTable<KeyCounters>(STATS_KEYS_MAX, STATS_OVERFLOW_KEY);
  /** group → first topic → send-backs (SNDBCK_PUT_NUMS) */
  readonly #sendBack = new PairTable<StatsHistory>(STATS_KEYS_MAX, STATS_OVERFLOW_KEY);
  #dayStartMs: number;
  /** start of the day after #dayStartMs's */
  #nextDayStartMs: number;
  #putTodayMorning = 0;
  #putYesterdayMorning = 0;
  #getTodayMorning = 0;
  #getYesterdayMorning = 0;

  /** @param options clock and day boundary */
  constructor(options: BrokerStatsOptions) {
    this.#clock = options.clock;
    this.#dayStartOf = options.dayStartOf ?? localDayStart;
    this.#clusterName = options.clusterName ?? "DefaultCluster";
    const sampleClock = options.sampleClock;
    this.#sampleAt = sampleClock !== undefined
      ? () => sampleClock.now()
      : options.clock === systemClock
      ? steppedMonotonic()
      : (nowMs) => nowMs;
    this.#originMs = this.#sampleAt(options.clock.now());
    const nowMs = options.clock.now();
    this.#putMsgs = new RateWindow(BROKER_TPS_WINDOW_SECONDS_MAX, nowMs);
    this.#getMsgs = new RateWindow(BROKER_TPS_WINDOW_SECONDS_MAX, nowMs);
    this.#dayStartMs = this.#dayStartOf(nowMs);
    this.#nextDayStartMs = this.#dayStartOf(this.#dayStartMs + DAY_LONGEST_MS);
  }

  /**
   * Counts messages stored for a topic (send, batch send, send-back, scheduled delivery).
   *
   * @param topic the topic written to
   * @param msgs number of messages (a batch counts each)
   * @param bytes their size as stored
   */
  recordPut(topic: string, msgs: number, bytes: number): void {
    const nowMs = this.#clock.now();
    const sampleMs = this.#sampleAt(nowMs);
    this.#rollDay(nowMs);
    this.#putMsgs.add(msgs, nowMs);
    this.#putBytes += bytes;
    this.#brokerPutHistory ??= new StatsHistory(this.#originMs, sampleMs);
    this.#brokerPutHistory.add(msgs, 0, 0, sampleMs);
    this.#counters(this.#topicPut, topic, nowMs, sampleMs, true).add(msgs, bytes, nowMs, sampleMs);
  }

  /**
   * Counts messages handed to a consumer group (a pull response with messages).
   *
   * @param group the consumer group
   * @param topic the topic read
   * @param msgs number of messages returned
   * @param bytes their size as transferred
   */
  recordGet(group: string, topic: string, msgs: number, bytes: number): void {
    const nowMs = this.#clock.now();
    const sampleMs = this.#sampleAt(nowMs);
    this.#rollDay(nowMs);
    this.#getMsgs.add(msgs, nowMs);
    this.#getBytes += bytes;
    this.#brokerGetHistory ??= new StatsHistory(this.#originMs, sampleMs);
    this.#brokerGetHistory.add(msgs, 0, 0, sampleMs);
    this.#counters(this.#topicGet, topic, nowMs, sampleMs, false).add(msgs, bytes, nowMs, sampleMs);
    this.#groupCounters(group, topic, nowMs, sampleMs).add(msgs, bytes, nowMs, sampleMs);
  }

  /** The group@topic counters, created when new; past the bound, the overflow pair's. */
  #groupCounters(group: string, topic: string, nowMs: number, sampleMs: number): KeyCounters {
    return this.#groupGet.get(group, topic) ??
      this.#groupGet.getOrCreate(
        group,
        topic,
        () => new KeyCounters(nowMs, sampleMs, this.#originMs),
      );
  }

  /**
   * Counts a message a consumer group sent back for retry, once stored (RocketMQ
   * `incSendBackNums`, SNDBCK_PUT_NUMS, read by rocketmq-exporter's send-back metric).
   *
   * @param group the consumer group that sent it back
   * @param topic the topic the message was first sent to (its `RETRY_TOPIC`, else its topic)
   */
  recordSendBack(group: string, topic: string): void {
    const sampleMs = this.#sampleAt(this.#clock.now());
    const history = this.#sendBack.get(group, topic) ??
      this.#sendBack.getOrCreate(group, topic, () => new StatsHistory(this.#originMs, sampleMs));
    history.add(1, 0, 1, sampleMs);
  }

  /** The key's counters, created when new; past the bound, the overflow key's. */
  #counters(
    table: Map<string, KeyCounters>,
    key: string,
    nowMs: number,
    sampleMs: number,
    withHistory: boolean,
  ): KeyCounters {
    let counters = table.get(key);
    if (counters !== undefined) return counters;
    const tracked = table.size - (table.has(STATS_OVERFLOW_KEY) ? 1 : 0); // the overflow key is not counted
    if (tracked >= STATS_KEYS_MAX) key = STATS_OVERFLOW_KEY;
    counters = table.get(key);
    if (counters === undefined) {
      counters = new KeyCounters(nowMs, sampleMs, withHistory ? this.#originMs : undefined);
      table.set(key, counters);
    }
    return counters;
  }

  /** Takes the midnight snapshots for every midnight passed since the last call. */
  #rollDay(nowMs: number): void {
    if (nowMs < this.#nextDayStartMs) return; // the usual case: no date arithmetic per record
    const dayStartMs = this.#dayStartOf(nowMs);
    this.#nextDayStartMs = this.#dayStartOf(dayStartMs + DAY_LONGEST_MS);
    if (dayStartMs <= this.#dayStartMs) return;
    // Nothing was counted since the last call, so the totals now are the totals at the midnight(s).
    const oneDay = dayStartMs - this.#dayStartMs <= DAY_LONGEST_MS; // 23–25 h across DST changes
    this.#putYesterdayMorning = oneDay ? this.#putTodayMorning : this.#putMsgs.total;
    this.#getYesterdayMorning = oneDay ? this.#getTodayMorning : this.#getMsgs.total;
    this.#putTodayMorning = this.#putMsgs.total;
    this.#getTodayMorning = this.#getMsgs.total;
    this.#dayStartMs = dayStartMs;
  }

  /** @returns messages put over the last 10, 60 and 600 s per second, space-separated (`putTps`) */
  putTps(): string {
    return this.#tpsText(this.#putMsgs);
  }

  /**
   * @returns messages handed to consumers over the last 10, 60 and 600 s per second,
   *   space-separated (`getTransferedTps` in 4.x, `getTransferredTps` in 5.x)
   */
  getTransferredTps(): string {
    return this.#tpsText(this.#getMsgs);
  }

  #tpsText(window: RateWindow): string {
    const nowMs = this.#clock.now();
    return TPS_WINDOWS_SECONDS.map((w) => formatJavaDouble(window.rate(w, nowMs))).join(" ");
  }

  /**
   * The consume TPS of a group on a topic over the last minute (RocketMQ `tpsGroupGetNums`).
   *
   * @param group the consumer group
   * @param topic the topic
   * @returns messages per second; 0 when the group never read the topic
   */
  groupGetTps(group: string, topic: string): number {
    const counters = this.#groupGet.get(group, topic);
    return counters === undefined
      ? 0
      : counters.msgs.rate(KEY_TPS_WINDOW_SECONDS, this.#clock.now());
  }

  /**
   * @param topic a topic
   * @returns messages stored per second over the last minute
   */
  topicPutTps(topic: string): number {
    const counters = this.#topicPut.get(topic);
    return counters === undefined
      ? 0
      : counters.msgs.rate(KEY_TPS_WINDOW_SECONDS, this.#clock.now());
  }

  /**
   * One stats item's minute, hour and day windows (RocketMQ `BrokerStatsManager.getStatsItem`
   * read by `StatsItem.getStatsDataIn…`), for VIEW_BROKER_STATS_DATA.
   *
   * @param statsName one of {@linkcode StatsName}
   * @param statsKey the topic (TOPIC_*), `topic@group` (GROUP_*, SNDBCK_*) or the cluster name
   *   (BROKER_*)
   * @returns the windows; undefined when the name is not one of those or the key had no traffic
   *   since the broker started (or its topic or group was deleted since)
   */
  statsData(statsName: string, statsKey: string): BrokerStatsData | undefined {
    const nowMs = this.#sampleAt(this.#clock.now());
    switch (statsName) {
      case StatsName.TOPIC_PUT_NUMS:
      case StatsName.TOPIC_PUT_SIZE: {
        const history = this.#topicPut.get(statsKey)?.history;
        return history?.data(statsName === StatsName.TOPIC_PUT_NUMS ? 0 : 1, nowMs);
      }
      case StatsName.GROUP_GET_NUMS:
      case StatsName.GROUP_GET_SIZE: {
        const at = statsKey.indexOf("@"); // topics and groups cannot hold "@"
        if (at < 0) return undefined;
        const history = this.#groupGet.get(statsKey.slice(at + 1), statsKey.slice(0, at))?.history;
        return history?.data(statsName === StatsName.GROUP_GET_NUMS ? 0 : 1, nowMs);
      }
      case StatsName.SNDBCK_PUT_NUMS: {
        const at = statsKey.indexOf("@");
        if (at < 0) return undefined;
        return this.#sendBack.get(statsKey.slice(at + 1), statsKey.slice(0, at))?.data(0, nowMs);
      }
      case StatsName.BROKER_PUT_NUMS:
      case StatsName.BROKER_GET_NUMS: {
        if (statsKey !== this.#clusterName) return undefined;
        const history = statsName === StatsName.BROKER_PUT_NUMS
          ? this.#brokerPutHistory
          : this.#brokerGetHistory;
        return history?.data(0, nowMs);
      }
    }
    return undefined;
  }

  /** @returns broker-wide totals since start */
  totals(): { put: TrafficCounters; get: TrafficCounters } {
    return {
      put: { msgs: this.#putMsgs.total, bytes: this.#putBytes },
      get: { msgs: this.#getMsgs.total, bytes: this.#getBytes },
    };
  }

  /** @returns the midnight snapshots and current totals of `msgPutTotal…` / `msgGetTotal…` */
  daily(): DailyTotals {
    this.#rollDay(this.#clock.now());
    return {
      msgPutTotalYesterdayMorning: this.#putYesterdayMorning,
      msgPutTotalTodayMorning: this.#putTodayMorning,
      msgPutTotalTodayNow: this.#putMsgs.total,
      msgGetTotalYesterdayMorning: this.#getYesterdayMorning,
      msgGetTotalTodayMorning: this.#getTodayMorning,
      msgGetTotalTodayNow: this.#getMsgs.total,
    };
  }

  /** @returns every topic with traffic, sorted by name */
  topicTraffic(): TopicTraffic[] {
    const topics = new Set([...this.#topicPut.keys(), ...this.#topicGet.keys()]);
    const none: TrafficCounters = { msgs: 0, bytes: 0 };
    const of = (c: KeyCounters | undefined): TrafficCounters =>
      c === undefined ? none : { msgs: c.msgs.total, bytes: c.bytes };
    return [...topics].sort().map((topic) => ({
      topic,
      put: of(this.#topicPut.get(topic)),
      get: of(this.#topicGet.get(topic)),
    }));
  }

  /** @returns every group@topic pair with traffic, sorted by group then topic */
  groupTraffic(): GroupTraffic[] {
    const out: GroupTraffic[] = [];
    for (const [group, topic, c] of this.#groupGet.entries()) {
      out.push({ group, topic, get: { msgs: c.msgs.total, bytes: c.bytes } });
    }
    return out.sort((a, b) => compare(a.group, b.group) || compare(a.topic, b.topic));
  }

  /**
   * Forgets a deleted topic's counters (RocketMQ `onTopicDeleted`); broker totals keep them.
   *
   * @param topic the deleted topic
   */
  onTopicDeleted(topic: string): void {
    this.#topicPut.delete(topic);
    this.#topicGet.delete(topic);
    this.#groupGet.deleteTopic(topic);
    this.#sendBack.deleteTopic(topic);
  }

  /**
   * Forgets a deleted group's counters (RocketMQ `onGroupDeleted`).
   *
   * @param group the deleted consumer group
   */
  onGroupDeleted(group: string): void {
    this.#groupGet.deleteGroup(group);
    this.#sendBack.deleteGroup(group);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

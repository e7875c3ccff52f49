/**
 * The message store's put path (internal to `MessageStore`): refusals, the append and the
 * flush wait (store.md §2, §7).
 *
 * A put is refused at once while the store is not running, is a SLAVE, has a failed flusher or
 * a full disk. A busy store makes it wait instead: SYNC_FLUSH_WAITERS_MAX appenders waiting for
 * a sync, a dispatcher with DISPATCH_BACKLOG_MAX records queued, or every segment buffer waiting
 * for the writer. The put waits up to `osPageCacheBusyTimeOutMills` for the flusher or the
 * dispatchers to make room, then appends; if room does not come in time it gets
 * OS_PAGECACHE_BUSY (SYSTEM_ERROR on the wire, so clients retry). Because a busy put waits for
 * that progress, a caller that retries in a loop lets the flusher and dispatchers run.
 *
 * A SYNC_MASTER answers a stored put whose producer waits (`WAIT` not false) SLAVE_NOT_AVAILABLE:
 * RocketMQ's answer when no slave is connected and in sync, and EdgeMQ has no HA service (store.md
 * §7), so the producer is never told a message is on two machines when it is on one.
 *
 * A put that gets past the refusals is timed from there to its result (flush wait included) into
 * the {@linkcode StoreStatsService}, as RocketMQ's `asyncPutMessage`; a stored one is also reported
 * to the `onPut` hook with the topic it was written to (`SCHEDULE_TOPIC_XXXX` for a delayed message).
 *
 * @module
 */

import { type CleanService, StoreDiskFullError } from "./clean_service.ts";
import type { Clock } from "../common/clock.ts";
import type { AppendMessageResult, AppendOutcome, CommitLog } from "./commit_log.ts";
import type { CommitLogFlusher } from "./commit_log_flusher.ts";
import { SYNC_FLUSH_WAITERS_MAX } from "./limits.ts";
import type { MessageExtBrokerInner } from "./message_record.ts";
import type { MessageStoreConfig } from "./message_store_config.ts";
import { type PutListener, waitStoreMsgOK } from "./message_store_options.ts";
import type { PutMessageResult } from "./put_message_status.ts";
import type { ReputMessageService } from "./reput_message_service.ts";
import type { StoreStatsService } from "./store_stats_service.ts";

/** What the put path works with. */
export interface PutPathOptions {
  readonly config: MessageStoreConfig;
  readonly commitLog: CommitLog;
  readonly flusher: CommitLogFlusher;
  readonly reput: ReputMessageService;
  readonly clean: CleanService;
  readonly clock: Clock;
  /** where put times go */
  readonly statsService: StoreStatsService;
  /** told of every stored put */
  readonly onPut?: PutListener;
  /** answer an ASYNC_FLUSH or WAIT=false put once written to the file (`ackAfterWrite`) */
  readonly ackAfterWrite?: boolean;
  /** the message index: once broken (`failure`), puts are refused */
  readonly index?: { readonly failure: Error | null };
}

/** Put counters for the store's stats. */
export interface PutStats {
  puts: number;
  putBytes: number;
  putFailures: number;
}

/** The store is busy: the put waits for room (see the module doc). */
const BUSY = "busy";
const OS_PAGECACHE_BUSY: PutMessageResult = { status: "OS_PAGECACHE_BUSY" };

/** See the module doc. */
export class PutPath {
  /** counters since the store was made */
  readonly stats: PutStats = { puts: 0, putBytes: 0, putFailures: 0 };
  /** the store takes puts (set by the store as it starts and stops) */
  running = false;
  readonly #config: MessageStoreConfig;
  readonly #commitLog: CommitLog;
  readonly #flusher: CommitLogFlusher;
  readonly #reput: ReputMessageService;
  readonly #clean: CleanService;
  readonly #clock: Clock;
  readonly #statsService: StoreStatsService;
  readonly #onPut: PutListener | undefined;
  readonly #ackAfterWrite: boolean;
  readonly #index: PutPathOptions["index"];

  /** @param options the store's parts */
  constructor(options: PutPathOptions) {
    this.#config = options.config;
    this.#commitLog = options.commitLog;
    this.#flusher = options.flusher;
    this.#reput = options.reput;
    this.#clean = options.clean;
    this.#clock = options.clock;
    this.#statsService = options.statsService;
    this.#onPut = options.onPut;
    this.#ackAfterWrite = options.ackAfterWrite === true;
    this.#index = options.index;
    // A SYNC_FLUSH put's time ends with its wait, settled in the flusher's pass over its waiters
    // (no promise per put for the stats).
    const stats = options.statsService;
    this.#flusher.onWaitEnded = (elapsedMs, nowMs) => stats.onPut(elapsedMs, nowMs);
  }

  /** Stores one message. @returns as `MessageStore.putMessage` */
  putMessage(message: MessageExtBrokerInner): Promise<PutMessageResult> {
    return this.#put((nowMs) => this.#commitLog.append(message, nowMs), message, 1);
  }

  /** Stores a batch of one topic and queue. @returns as `MessageStore.putMessages` */
  putMessages(messages: readonly MessageExtBrokerInner[]): Promise<PutMessageResult> {
    return this.#put(() => this.#commitLog.appendBatch(messages), messages[0], messages.length);
  }

  /**
   * @param append appends, stamped `nowMs` when given (the fast path's one clock reading serves
   *   the store time, the put's start and the flush deadline), else the clock's now
   */
  #put(
    append: (nowMs?: number) => AppendOutcome,
    message: MessageExtBrokerInner | undefined,
    count: number,
  ): Promise<PutMessageResult> {
    const refused = this.#refusal();
    if (refused !== undefined && refused !== BUSY) return Promise.resolve(refused);
    const beginMs = this.#clock.now();
    if (refused === BUSY) return this.#afterRoom(append, message, count, beginMs);
    const outcome = append(beginMs);
    return outcome.status === "OS_PAGECACHE_BUSY"
      ? this.#afterWrites(append, message, count, beginMs)
      : this.#afterAppend(outcome, message, count, beginMs, beginMs);
  }

  /** @returns a refusal (counted), BUSY, or undefined when the put may go ahead */
  #refusal(): PutMessageResult | typeof BUSY | undefined {
    const flusher = this.#flusher;
    if (!this.running || this.#config.brokerRole === "SLAVE" || flusher.failure !== null) {
      return this.#refuse({ status: "SERVICE_NOT_AVAILABLE" });
    }
    try {
      this.#clean.checkWritable();
    } catch (error) {
      if (!(error instanceof StoreDiskFullError)) throw error;
      return this.#refuse({ status: "SERVICE_NOT_AVAILABLE", remark: error.message });
    }
    const indexFailure = this.#index?.failure;
    if (indexFailure) {
      const remark = `the message index is broken (${indexFailure.message}); restart the store`;
      return this.#refuse({ status: "SERVICE_NOT_AVAILABLE", remark });
    }
    if (flusher.waiterCount >= SYNC_FLUSH_WAITERS_MAX || this.#reput.full) return BUSY;
    return undefined;
  }

  #refuse(result: PutMessageResult): PutMessageResult {
    this.stats.putFailures++;
    return result;
  }

  /** Waits (≤ osPageCacheBusyTimeOutMills) until the store is not busy, then appends. */
  #afterRoom(
    append: () => AppendOutcome,
    message: MessageExtBrokerInner | undefined,
    count: number,
    beginMs: number,
  ): Promise<PutMessageResult> {
    return this.#within(async (timedOut) => {
      for (;;) {
        const room = this.#reput.full ? this.#reput.drain() : this.#flusher.nextRound();
        if (!await Promise.race([room.then(() => true), timedOut])) {
          return this.#refuse(OS_PAGECACHE_BUSY);
        }
        const refused = this.#refusal();
        if (refused === undefined) {
          return await this.#afterAppend(append(), message, count, beginMs);
        }
        if (refused !== BUSY) return refused;
      }
    });
  }

  /** Waits (≤ osPageCacheBusyTimeOutMills) for the writer to free a segment buffer, retries once. */
  #afterWrites(
    append: () => AppendOutcome,
    message: MessageExtBrokerInner | undefined,
    count: number,
    beginMs: number,
  ): Promise<PutMessageResult> {
    return this.#within(async (timedOut) => {
      const drained = this.#flusher.drainWrites().then(() => true);
      if (!await Promise.race([drained, timedOut])) return this.#refuse(OS_PAGECACHE_BUSY);
      const refused = this.#refusal(); // the store may have stopped meanwhile
      if (refused === BUSY) return this.#refuse(OS_PAGECACHE_BUSY);
      if (refused !== undefined) return refused;
      return await this.#afterAppend(append(), message, count, beginMs);
    });
  }

  /** Runs `wait` with a promise that resolves false after osPageCacheBusyTimeOutMills. */
  async #within(
    wait: (timedOut: Promise<false>) => Promise<PutMessageResult>,
  ): Promise<PutMessageResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#config.osPageCacheBusyTimeOutMills);
    });
    try {
      return await wait(timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Gives an append's outcome: a refusal, or the flush step then the replication step. */
  #afterAppend(
    outcome: AppendOutcome,
    message: MessageExtBrokerInner | undefined,
    count: number,
    beginMs: number,
    appendedMs?: number,
  ): Promise<PutMessageResult> {
    if (outcome.status !== "PUT_OK") {
      return Promise.resolve(this.#refuse({ status: outcome.status }));
    }
    const flushed = this.#afterStored(outcome.result, message, count, beginMs, appendedMs);
    // SYNC_MASTER: RocketMQ's replication step after the flush step (`submitReplicaRequest`).
    // EdgeMQ has no HA service, so no slave is ever connected and in sync: a message whose
    // producer waits gets SLAVE_NOT_AVAILABLE, stored, as RocketMQ answers with no slave.
    if (
      this.#config.brokerRole !== "SYNC_MASTER" || message === undefined ||
      !waitStoreMsgOK(message)
    ) {
      return flushed;
    }
    return flushed.then((put) =>
      put.appendMessageResult === undefined
        ? put
        : { status: "SLAVE_NOT_AVAILABLE", appendMessageResult: put.appendMessageResult }
    );
  }

  /**
   * Counts an appended put and gives its flush outcome; its time (from `beginMs`) goes to the stats
   * service when known: at once, or when the flush wait ends (no extra promise on the fast path).
   * `appendedMs`, the clock reading the append was stamped with, starts a flush wait's timeout.
   */
  #afterStored(
    result: AppendMessageResult,
    message: MessageExtBrokerInner | undefined,
    count: number,
    beginMs: number,
    appendedMs: number | undefined,
  ): Promise<PutMessageResult> {
    this.stats.puts += count;
    this.stats.putBytes += result.wroteBytes;
    if (message !== undefined) this.#onPut?.(message.topic, count, result.wroteBytes);
    if (
      this.#config.flushDiskType === "ASYNC_FLUSH" ||
      (message !== undefined && !waitStoreMsgOK(message))
    ) {
      if (this.#config.flushDiskType !== "ASYNC_FLUSH") this.#flusher.wakeup();
      const nowMs = this.#clock.now();
      this.#statsService.onPut(nowMs - beginMs, nowMs);
      if (!this.#ackAfterWrite) {
        return Promise.resolve({ status: "PUT_OK", appendMessageResult: result });
      }
      return this.#flusher.waitWritten(result.wroteOffset + result.wroteBytes, result).then((
        written,
      ) => written.status === "PUT_OK" ? written : this.#refuse(written));
    }
    // The flusher tells the stats service when the wait ends (see the constructor).
    const end = result.wroteOffset + result.wroteBytes;
    const flushed = this.#flusher.waitFlushed(end, result, beginMs, appendedMs);
    if (!this.#ackAfterWrite) return flushed;
    // FLUSH_DISK_TIMEOUT says "stored, not yet synced": true only once the bytes are in the file.
    return flushed.then((outcome) =>
      outcome.status !== "FLUSH_DISK_TIMEOUT"
        ? outcome
        : this.#flusher.waitWritten(end, result).then((written) =>
          written.status === "PUT_OK" ? outcome : this.#refuse(written)
        )
    );
  }
}

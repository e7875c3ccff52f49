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
 * @module
 */

import { type CleanService, StoreDiskFullError } from "./clean_service.ts";
import type { AppendOutcome, CommitLog } from "./commit_log.ts";
import type { CommitLogFlusher } from "./commit_log_flusher.ts";
import { SYNC_FLUSH_WAITERS_MAX } from "./limits.ts";
import type { MessageExtBrokerInner } from "./message_record.ts";
import type { MessageStoreConfig } from "./message_store_config.ts";
import { waitStoreMsgOK } from "./message_store_options.ts";
import type { PutMessageResult } from "./put_message_status.ts";
import type { ReputMessageService } from "./reput_message_service.ts";

/** What the put path works with. */
export interface PutPathOptions {
  readonly config: MessageStoreConfig;
  readonly commitLog: CommitLog;
  readonly flusher: CommitLogFlusher;
  readonly reput: ReputMessageService;
  readonly clean: CleanService;
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

  /** @param options the store's parts */
  constructor(options: PutPathOptions) {
    this.#config = options.config;
    this.#commitLog = options.commitLog;
    this.#flusher = options.flusher;
    this.#reput = options.reput;
    this.#clean = options.clean;
  }

  /** Stores one message. @returns as `MessageStore.putMessage` */
  putMessage(message: MessageExtBrokerInner): Promise<PutMessageResult> {
    const refused = this.#refusal();
    if (refused === BUSY) {
      return this.#afterRoom(() => this.#commitLog.append(message), message, 1);
    }
    if (refused !== undefined) return Promise.resolve(refused);
    const outcome = this.#commitLog.append(message);
    if (outcome.status === "OS_PAGECACHE_BUSY") {
      return this.#afterWrites(() => this.#commitLog.append(message), message, 1);
    }
    return this.#afterAppend(outcome, message, 1);
  }

  /** Stores a batch of one topic and queue. @returns as `MessageStore.putMessages` */
  putMessages(messages: readonly MessageExtBrokerInner[]): Promise<PutMessageResult> {
    const append = () => this.#commitLog.appendBatch(messages);
    const refused = this.#refusal();
    if (refused === BUSY) return this.#afterRoom(append, messages[0], messages.length);
    if (refused !== undefined) return Promise.resolve(refused);
    const outcome = append();
    if (outcome.status === "OS_PAGECACHE_BUSY") {
      return this.#afterWrites(append, messages[0], messages.length);
    }
    return this.#afterAppend(outcome, messages[0], messages.length);
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
  ): Promise<PutMessageResult> {
    return this.#within(async (timedOut) => {
      for (;;) {
        const room = this.#reput.full ? this.#reput.drain() : this.#flusher.nextRound();
        if (!await Promise.race([room.then(() => true), timedOut])) {
          return this.#refuse(OS_PAGECACHE_BUSY);
        }
        const refused = this.#refusal();
        if (refused === undefined) return await this.#afterAppend(append(), message, count);
        if (refused !== BUSY) return refused;
      }
    });
  }

  /** Waits (≤ osPageCacheBusyTimeOutMills) for the writer to free a segment buffer, retries once. */
  #afterWrites(
    append: () => AppendOutcome,
    message: MessageExtBrokerInner | undefined,
    count: number,
  ): Promise<PutMessageResult> {
    return this.#within(async (timedOut) => {
      const drained = this.#flusher.drainWrites().then(() => true);
      if (!await Promise.race([drained, timedOut])) return this.#refuse(OS_PAGECACHE_BUSY);
      const refused = this.#refusal(); // the store may have stopped meanwhile
      if (refused === BUSY) return this.#refuse(OS_PAGECACHE_BUSY);
      if (refused !== undefined) return refused;
      return await this.#afterAppend(append(), message, count);
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

  #afterAppend(
    outcome: AppendOutcome,
    message: MessageExtBrokerInner | undefined,
    count: number,
  ): Promise<PutMessageResult> {
    if (outcome.status !== "PUT_OK") {
      return Promise.resolve(this.#refuse({ status: outcome.status }));
    }
    const result = outcome.result;
    this.stats.puts += count;
    this.stats.putBytes += result.wroteBytes;
    if (this.#config.flushDiskType === "ASYNC_FLUSH") {
      return Promise.resolve({ status: "PUT_OK", appendMessageResult: result });
    }
    if (message !== undefined && !waitStoreMsgOK(message)) {
      this.#flusher.wakeup();
      return Promise.resolve({ status: "PUT_OK", appendMessageResult: result });
    }
    return this.#flusher.waitFlushed(result.wroteOffset + result.wroteBytes, result);
  }
}

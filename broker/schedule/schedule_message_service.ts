/**
 * Delivery of delayed messages (RocketMQ 4.9.8 `ScheduleMessageService`, features.md §4). Each
 * delay level reads queue level − 1 of `SCHEDULE_TOPIC_XXXX` from its offset in
 * `config/delayOffset.json`; a unit whose tag code (the delivery time, store.md §3) has come is
 * re-put to its `REAL_TOPIC` / `REAL_QID` (`DELAY` removed, tag code from `TAGS`, no flush wait)
 * and the offset advances; at the first unit not yet due the level's one timer is armed for its
 * delivery time. An idle level has no timer: the store's arrival hook
 * ({@linkcode ScheduleMessageService.onMessageArrived}) arms it when a delayed message is stored.
 * A delivery time further away than now + the level's delay (the clock went back) counts as due;
 * an armed level looks again at least every `SCHEDULE_TIMER_DELAY_MS_MAX`, so a clock that jumps
 * forward makes its messages due within that time.
 *
 * Time comes from the injected clock; timers only decide when to look again, so tests drive
 * deliveries with a `ManualClock` and {@linkcode ScheduleMessageService.deliverDue}.
 *
 * Offsets are kept in memory and written every `flushDelayOffsetInterval` and at shutdown.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { FileSystem } from "../../store/file_system.ts";
import type { MessageStore } from "../../store/message_store.ts";
import { type MessageRecord, RecordDecodeError } from "../../store/message_record.ts";
import { putMessageResponse } from "../../store/put_message_status.ts";
import { MetadataFile } from "../_metadata_file.ts";
import { SCHEDULE_DELIVERIES_PER_RUN_MAX, SCHEDULE_TIMER_DELAY_MS_MAX } from "../limits.ts";
import { RMQ_SYS_SCHEDULE_TOPIC, RMQ_SYS_TRANS_HALF_TOPIC } from "../topic_validator.ts";
import { messageTimeUp } from "./_message_time_up.ts";
import type { DelayLevelTable } from "./delay_level_table.ts";
import { decodeDelayOffsets, encodeDelayOffsets } from "./delay_offset_wrapper.ts";

/** RocketMQ `FIRST_DELAY_TIME`: the first look at every level, after start. */
export const SCHEDULE_FIRST_DELAY_MS = 1000;
/** RocketMQ `DELAY_FOR_A_WHILE`: next look when the queue could not be read. */
export const SCHEDULE_DELAY_FOR_A_WHILE_MS = 100;
/** RocketMQ `DELAY_FOR_A_PERIOD`: next look after a failed re-put or an error. */
export const SCHEDULE_DELAY_FOR_A_PERIOD_MS = 10_000;
/** Consume-queue units read at once. */
const UNITS_PER_READ = 256;

/** Options of {@linkcode ScheduleMessageService}. */
export interface ScheduleMessageServiceOptions {
  /** where the schedule queues are read and due messages re-put */
  readonly store: MessageStore;
  /** the parsed `messageDelayLevel` */
  readonly delayLevels: DelayLevelTable;
  /** file I/O for delayOffset.json */
  readonly fs: FileSystem;
  /** path of delayOffset.json (`StorePaths.delayOffsetJson`) */
  readonly path: string;
  /** time source: what is due */
  readonly clock: Clock;
  /** `flushDelayOffsetInterval`: how often the offsets are written (ms) */
  readonly flushDelayOffsetIntervalMs: number;
  /** where failures are logged */
  readonly logger: RemotingLogger;
}

interface LevelState {
  readonly level: number;
  readonly delayMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** when the armed timer looks again (Infinity: not armed) */
  dueAt: number;
  /**
   * no run before this time after a failure (0: none): the timer wakes an armed level within
   * SCHEDULE_TIMER_DELAY_MS_MAX, sooner than SCHEDULE_DELAY_FOR_A_PERIOD_MS
   */
  retryAt: number;
  /** runs of this level, one after the other */
  chain: Promise<number>;
}

type DeliveryOutcome = "delivered" | "skipped" | "retry";

/**
 * The delivery service of one broker.
 *
 * @example
 * ```ts ignore
 * const service = new ScheduleMessageService({
 *   store, delayLevels, fs, path, clock, flushDelayOffsetIntervalMs: 10_000, logger,
 * });
 * await service.load();
 * service.start();
 * clock.advance(10_000);
 * await service.deliverDue(); // level-3 messages stored 10 s ago are back in their topics
 * await service.shutdown();
 * ```
 */
export class ScheduleMessageService {
  readonly #options: ScheduleMessageServiceOptions;
  readonly #file: MetadataFile;
  readonly #levels: LevelState[];
  #offsets = new Map<number, number>();
  #changes = 0;
  #persistedChanges = -1;
  #started = false;
  #flushTimer: ReturnType<typeof setInterval> | undefined;

  /** @param options store, levels, file, clock and logger */
  constructor(options: ScheduleMessageServiceOptions) {
    this.#options = options;
    this.#file = new MetadataFile(options.fs, options.path);
    this.#levels = options.delayLevels.levels().map((level) => ({
      level,
      delayMs: options.delayLevels.delayMs(level)!,
      timer: undefined,
      dueAt: Infinity,
      retryAt: 0,
      chain: Promise.resolve(0),
    }));
  }

  /** level → next offset of its schedule queue (read-only view) */
  get offsetTable(): ReadonlyMap<number, number> {
    return this.#offsets;
  }

  /** whether deliveries run (started and not shut down) */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Reads delayOffset.json (or its .bak); a missing file means every level starts at 0.
   *
   * @throws {Error} when the file and its .bak exist but cannot be decoded
   */
  async load(): Promise<void> {
    const table = await this.#file.load((json) => decodeDelayOffsets(json, this.#file.path));
    this.#offsets = table ?? new Map();
    this.#changes = 0;
    this.#persistedChanges = -1;
  }

  /** Arms every level for a first look after {@linkcode SCHEDULE_FIRST_DELAY_MS}, and the flush. */
  start(): void {
    if (this.#started) throw new Error("Cannot start ScheduleMessageService: already started");
    this.#started = true;
    this.#correctOffsets();
    const first = this.#options.clock.now() + SCHEDULE_FIRST_DELAY_MS;
    for (const state of this.#levels) this.#arm(state, first);
    this.#flushTimer = setInterval(
      () => void this.#persistLogged(),
      this.#options.flushDelayOffsetIntervalMs,
    );
  }

  /**
   * Stops the timers, waits for running deliveries and writes the offsets. Idempotent.
   */
  async shutdown(): Promise<void> {
    const wasStarted = this.#started;
    this.#started = false;
    clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const state of this.#levels) this.#disarm(state);
    await Promise.all(this.#levels.map((state) => state.chain));
    if (wasStarted) await this.#persistLogged();
  }

  /**
   * The store's arrival hook: a message reached queue `queueId` of the schedule topic. Arms its
   * level for the delivery time unless the level already looks earlier.
   *
   * @param queueId the schedule queue (level − 1)
   * @param deliverAt the unit's tag code, its delivery time
   */
  onMessageArrived(queueId: number, deliverAt: number): void {
    const state = this.#levels[queueId];
    if (state === undefined || !this.#started) return;
    this.#arm(state, this.#correct(state, this.#options.clock.now(), deliverAt));
  }

  /**
   * Delivers now whatever is due on every level (after any run in progress), as the timers do.
   *
   * @returns the messages re-put to their topics
   */
  async deliverDue(): Promise<number> {
    const counts = await Promise.all(this.#levels.map((state) => this.#enqueue(state)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * @param level a delay level
   * @returns when the level's timer looks again, or undefined when it is idle
   */
  scheduledAt(level: number): number | undefined {
    const state = this.#levels[level - 1];
    return state === undefined || state.dueAt === Infinity ? undefined : state.dueAt;
  }

  /**
   * @param pretty fastjson's pretty file form, or one line (GET_ALL_DELAY_OFFSET)
   * @returns `{"offsetTable":{1:17,…}}`
   */
  encode(pretty = false): string {
    return encodeDelayOffsets(this.#offsets, pretty);
  }

  /**
   * Writes delayOffset.json unless nothing changed since the last write (the first call writes).
   *
   * @returns true when the file was written
   */
  async persist(): Promise<boolean> {
    const changes = this.#changes;
    if (changes === this.#persistedChanges) return false;
    await this.#file.store(this.encode(true));
    this.#persistedChanges = changes;
    return true;
  }

  async #persistLogged(): Promise<void> {
    try {
      await this.persist();
    } catch (error) {
      this.#options.logger.error(
        `broker: cannot persist delay offsets to ${this.#file.path}: ${String(error)}`,
      );
    }
  }

  #arm(state: LevelState, at: number): void {
    if (!this.#started || (state.timer !== undefined && state.dueAt <= at)) return;
    clearTimeout(state.timer);
    state.dueAt = at;
    const waitMs = Math.min(
      Math.max(0, at - this.#options.clock.now()),
      SCHEDULE_TIMER_DELAY_MS_MAX,
    );
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.dueAt = Infinity;
      void this.#enqueue(state);
    }, waitMs);
  }

  /** After a failure: the level runs again once SCHEDULE_DELAY_FOR_A_PERIOD_MS passed. */
  #retryLater(state: LevelState): void {
    state.retryAt = this.#options.clock.now() + SCHEDULE_DELAY_FOR_A_PERIOD_MS;
    this.#arm(state, state.retryAt);
  }

  #disarm(state: LevelState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    state.dueAt = Infinity;
  }

  /** Queues one run of a level after the ones in progress; the chain never rejects. */
  #enqueue(state: LevelState): Promise<number> {
    const run = state.chain.then(() => this.#runLogged(state));
    state.chain = run;
    return run;
  }

  async #runLogged(state: LevelState): Promise<number> {
    if (!this.#started) return 0;
    this.#disarm(state); // the run arms the level again for whatever it finds next
    if (this.#options.clock.now() < state.retryAt) {
      this.#arm(state, state.retryAt);
      return 0;
    }
    state.retryAt = 0;
    try {
      return await this.#run(state);
    } catch (error) {
      this.#options.logger.error(
        `broker: delivery of delay level ${state.level} failed, retrying in ${SCHEDULE_DELAY_FOR_A_PERIOD_MS} ms: ${
          String(error)
        }`,
      );
      this.#retryLater(state);
      return 0;
    }
  }

  /** RocketMQ `executeOnTimeup`: re-puts the due units of one level (see the module doc). */
  async #run(state: LevelState): Promise<number> {
    const { store, clock } = this.#options;
    const queue = store.consumeQueueStore.findConsumeQueue(RMQ_SYS_SCHEDULE_TOPIC, state.level - 1);
    if (queue === undefined) return 0;
    let offset = this.#offsets.get(state.level) ?? 0;
    let delivered = 0;
    while (this.#started && offset < queue.maxOffset) {
      if (offset < queue.minOffset) {
        this.#options.logger.warn(
          `broker: delay level ${state.level} offset ${offset} is below the queue's min ${queue.minOffset}, skipping ahead`,
        );
        offset = this.#setOffset(state.level, queue.minOffset);
        continue;
      }
      const units = await queue.readUnits(offset, UNITS_PER_READ);
      if (units === null || units.count === 0) {
        this.#arm(state, clock.now() + SCHEDULE_DELAY_FOR_A_WHILE_MS);
        return delivered;
      }
      for (let i = 0; i < units.count && this.#started; i++) {
        const now = clock.now();
        const deliverAt = this.#correct(state, now, units.tagsCode(i));
        if (deliverAt > now) {
          this.#arm(state, deliverAt);
          return delivered;
        }
        if (delivered >= SCHEDULE_DELIVERIES_PER_RUN_MAX) {
          this.#arm(state, now);
          return delivered;
        }
        if (!units.isBlank(i)) {
          const outcome = await this.#deliver(state, units.physicalOffset(i));
          if (outcome === "retry") {
            this.#retryLater(state);
            return delivered;
          }
          if (outcome === "delivered") delivered++;
        }
        offset = this.#setOffset(state.level, units.startOffset + i + 1);
      }
    }
    return delivered;
  }

  /** RocketMQ `correctDeliverTimestamp`: a time beyond now + delay (clock went back) is now. */
  #correct(state: LevelState, now: number, deliverAt: number): number {
    return deliverAt > now + state.delayMs ? now : deliverAt;
  }

  /**
   * RocketMQ `correctDelayOffset`: a saved offset outside its schedule queue's [min, max] (the
   * store lost its tail in a crash, or was wiped with `config/` kept) is moved inside, or the
   * messages stored below it would never be delivered.
   */
  #correctOffsets(): void {
    for (const [level, offset] of this.#offsets) {
      const queue = this.#options.store.consumeQueueStore.findConsumeQueue(
        RMQ_SYS_SCHEDULE_TOPIC,
        level - 1,
      );
      const corrected = Math.min(Math.max(offset, queue?.minOffset ?? 0), queue?.maxOffset ?? 0);
      if (corrected === offset) continue;
      this.#options.logger.warn(
        `broker: delay level ${level} offset ${offset} is outside its queue [${
          queue?.minOffset ?? 0
        }, ${queue?.maxOffset ?? 0}], corrected to ${corrected}`,
      );
      this.#setOffset(level, corrected);
    }
  }

  #setOffset(level: number, offset: number): number {
    this.#offsets.set(level, offset);
    this.#changes++;
    return offset;
  }

  /** Re-puts one due message; a message that cannot be delivered is dropped, as RocketMQ does. */
  async #deliver(state: LevelState, physicalOffset: number): Promise<DeliveryOutcome> {
    const { store, logger } = this.#options;
    const record = await lookMessage(store, physicalOffset);
    if (record === null) {
      logger.warn(
        `broker: delay level ${state.level}: no message record at commit-log offset ${physicalOffset}, skipped`,
      );
      return "skipped";
    }
    const message = messageTimeUp(record);
    if (typeof message === "string") {
      logger.error(`broker: delay level ${state.level}: ${message}, dropped`);
      return "skipped";
    }
    if (message.topic === RMQ_SYS_TRANS_HALF_TOPIC) {
      logger.error(
        `broker: delay level ${state.level}: message at ${physicalOffset} names the half topic as its real topic, dropped`,
      );
      return "skipped";
    }
    const result = await store.putMessage(message);
    if (putMessageResponse(result.status).stored) return "delivered";
    logger.warn(
      `broker: delay level ${state.level}: cannot re-put message at ${physicalOffset} to ${message.topic}: ${result.status}`,
    );
    return "retry";
  }
}

/** RocketMQ `lookMessageByOffset`: null when no whole message record is there. */
async function lookMessage(
  store: MessageStore,
  physicalOffset: number,
): Promise<MessageRecord | null> {
  try {
    const record = await store.lookMessageByOffset(physicalOffset);
    return record?.physicalOffset === physicalOffset ? record : null;
  } catch (error) {
    if (error instanceof RecordDecodeError) return null;
    throw error;
  }
}

/**
 * The periodic consume-queue flush that also advances the checkpoint (RocketMQ's
 * FlushConsumeQueueService, store.md §3, §5): every `flushIntervalConsumeQueue` ms flush the
 * consume queues (thoroughly every `flushConsumeQueueThoroughInterval`, by the injected clock),
 * then write the checkpoint with the newest durable commit-log, consume-queue and index times.
 * Timestamps only move forward, so a fresh run never makes recovery start later than it must.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { StoreCheckpoint } from "./checkpoint.ts";

/** The keys a running loop takes ({@linkcode CheckpointService.updateSettings}). */
export interface CheckpointFlushSettings {
  readonly flushIntervalConsumeQueue: number;
  readonly flushConsumeQueueLeastPages: number;
  readonly flushConsumeQueueThoroughInterval: number;
}

/** Options of {@linkcode CheckpointService}. */
export interface CheckpointServiceOptions extends CheckpointFlushSettings {
  readonly clock: Clock;
  readonly checkpoint: StoreCheckpoint;
  /** flushes the consume queues (leastPages 0 = everything) */
  readonly flushConsumeQueues: (leastPages: number, thorough: boolean) => Promise<unknown>;
  /** store time of the newest durable commit-log record (0 = none this run) */
  readonly physicTimestamp: () => number;
  /** store time of the newest durable consume-queue unit (0 = none this run) */
  readonly logicsTimestamp: () => number;
  /** store time of the newest durable index entry (0 = none / no index) */
  readonly indexTimestamp: () => number;
  /** told about a failed round (the next round retries) */
  readonly onError: (error: Error) => void;
}

/** The loop; see the module doc. */
export class CheckpointService {
  readonly #o: CheckpointServiceOptions;
  /** the keys in force (the options', then each update's) */
  #s: CheckpointFlushSettings;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;
  #lastThoroughMs: number;
  #stopped = true;

  /** @param options clock, checkpoint, intervals and the flush hooks */
  constructor(options: CheckpointServiceOptions) {
    this.#o = options;
    this.#s = { ...options };
    this.#lastThoroughMs = options.clock.now();
  }

  /**
   * Takes keys changed at runtime (UPDATE_BROKER_CONFIG), as RocketMQ's FlushConsumeQueueService
   * re-reads them each round; a new interval re-arms the waiting timer.
   * @param settings the keys
   */
  updateSettings(settings: CheckpointFlushSettings): void {
    const intervalChanged =
      settings.flushIntervalConsumeQueue !== this.#s.flushIntervalConsumeQueue;
    this.#s = { ...settings };
    if (intervalChanged && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#schedule();
    }
  }

  /** Starts the loop. */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Stops the loop and waits for a running round. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A round that failed was reported by whoever ran it; it must not stop a shutdown.
    if (this.#running !== null) await Promise.allSettled([this.#running]);
  }

  /**
   * Runs one round now.
   * @param thorough flush every dirty unit regardless of leastPages
   */
  async flush(thorough: boolean): Promise<void> {
    while (this.#running !== null) await this.#running;
    this.#running = this.#round(thorough);
    try {
      await this.#running;
    } finally {
      this.#running = null;
    }
  }

  async #round(thorough: boolean): Promise<void> {
    const { checkpoint } = this.#o;
    const physic = this.#o.physicTimestamp();
    await this.#o.flushConsumeQueues(
      thorough ? 0 : this.#s.flushConsumeQueueLeastPages,
      thorough,
    );
    const logics = this.#o.logicsTimestamp();
    const index = this.#o.indexTimestamp();
    if (physic > checkpoint.physicMsgTimestamp) checkpoint.physicMsgTimestamp = physic;
    if (logics > checkpoint.logicsMsgTimestamp) checkpoint.logicsMsgTimestamp = logics;
    if (index > checkpoint.indexMsgTimestamp) checkpoint.indexMsgTimestamp = index;
    await checkpoint.flush();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      const nowMs = this.#o.clock.now();
      const thorough = nowMs - this.#lastThoroughMs >= this.#s.flushConsumeQueueThoroughInterval;
      if (thorough) this.#lastThoroughMs = nowMs;
      try {
        await this.flush(thorough);
      } catch (error) {
        this.#o.onError(error instanceof Error ? error : new Error(String(error)));
      }
      this.#schedule();
    }, this.#s.flushIntervalConsumeQueue);
  }
}

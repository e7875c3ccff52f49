/**
 * The delay levels of `messageDelayLevel` (features.md §4; RocketMQ 4.9.8
 * `ScheduleMessageService.parseDelayLevel`): level n (1-based) waits the n-th duration of the
 * space-separated list, each a decimal number with a unit `s`, `m`, `h` or `d`. A message of level
 * n lives in queue n − 1 of `SCHEDULE_TOPIC_XXXX` until store time + delay (store.md §3).
 *
 * @module
 */
import type { DispatchRequest } from "../../store/dispatch_request.ts";
import { DELAY_LEVEL_MS_MAX, DELAY_LEVELS_MAX } from "../limits.ts";
import { RMQ_SYS_SCHEDULE_TOPIC } from "../topic_validator.ts";

/** Thrown when a `messageDelayLevel` text cannot be parsed. */
export class DelayLevelError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "DelayLevelError";
  }
}

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
};

/** Delivery time of a level RocketMQ has no duration for (`computeDeliverTimestamp`). */
const UNKNOWN_LEVEL_DELAY_MS = 1000;

/**
 * The parsed delay levels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DelayLevelTable } from "./delay_level_table.ts";
 * const levels = DelayLevelTable.parse("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h");
 * assert.equal(levels.maxLevel, 18);
 * assert.equal(levels.delayMs(3), 10_000);
 * assert.equal(levels.clamp(99), 18);
 * assert.equal(levels.computeDeliverTimestamp(5, 1_700_000_000_000), 1_700_000_060_000);
 * ```
 */
export class DelayLevelTable {
  readonly #delays: readonly number[];

  /** @param delaysMs the delay of level 1, 2, … in ms */
  private constructor(delaysMs: readonly number[]) {
    this.#delays = delaysMs;
  }

  /**
   * Parses `messageDelayLevel`.
   *
   * @param text e.g. `1s 5s 10s 30s 1m 2m … 2h`
   * @returns the table
   * @throws {DelayLevelError} on an empty list, a bad entry, more than DELAY_LEVELS_MAX levels or
   *   a delay above DELAY_LEVEL_MS_MAX
   */
  static parse(text: string): DelayLevelTable {
    const entries = text.trim().split(/\s+/).filter((entry) => entry.length > 0);
    if (entries.length === 0) {
      throw new DelayLevelError(`Cannot parse messageDelayLevel "${text}": no level`);
    }
    if (entries.length > DELAY_LEVELS_MAX) {
      throw new DelayLevelError(
        `Cannot parse messageDelayLevel: ${entries.length} levels exceed delayLevelsMax ${DELAY_LEVELS_MAX}`,
      );
    }
    const delays = entries.map((entry, index) => {
      const match = /^(\d{1,15})([smhd])$/.exec(entry);
      if (match === null) {
        throw new DelayLevelError(
          `Cannot parse messageDelayLevel level ${
            index + 1
          } "${entry}": expected a number and a unit s, m, h or d`,
        );
      }
      const delayMs = Number(match[1]) * UNIT_MS[match[2]];
      if (delayMs > DELAY_LEVEL_MS_MAX) {
        throw new DelayLevelError(
          `Cannot parse messageDelayLevel level ${
            index + 1
          } "${entry}": ${delayMs} ms exceeds delayLevelMsMax ${DELAY_LEVEL_MS_MAX}`,
        );
      }
      return delayMs;
    });
    return new DelayLevelTable(delays);
  }

  /** the highest level (the number of levels) */
  get maxLevel(): number {
    return this.#delays.length;
  }

  /** the levels 1…maxLevel */
  levels(): number[] {
    return this.#delays.map((_, index) => index + 1);
  }

  /**
   * @param level 1…maxLevel
   * @returns the level's delay in ms, or undefined for a level outside the table
   */
  delayMs(level: number): number | undefined {
    return this.#delays[level - 1];
  }

  /**
   * RocketMQ's rule for a level above the table: it is treated as the highest level.
   *
   * @param level a level > 0
   * @returns min(level, maxLevel)
   */
  clamp(level: number): number {
    return Math.min(level, this.maxLevel);
  }

  /**
   * RocketMQ `computeDeliverTimestamp`: store time + the level's delay (+ 1 s for an unknown
   * level).
   *
   * @param level the delay level
   * @param storeTimestamp the message's store time (ms)
   * @returns the delivery time (ms), the consume-queue tag code of the schedule topic
   */
  computeDeliverTimestamp(level: number, storeTimestamp: number): number {
    return storeTimestamp + (this.delayMs(level) ?? UNKNOWN_LEVEL_DELAY_MS);
  }

  /**
   * The consume-queue tag code of a record read back from the commit log (start-up re-dispatch):
   * for `SCHEDULE_TOPIC_XXXX` the delivery time computed from the store time and the level of
   * its queue (queue id + 1, store.md §3), as RocketMQ's `checkMessageAndReturnSize` does; else
   * the tag hash the request carries.
   *
   * @param request the re-dispatched record
   * @returns its tag code
   */
  redispatchTagsCode(request: DispatchRequest): number {
    if (request.topic !== RMQ_SYS_SCHEDULE_TOPIC) return request.tagsCode;
    return this.computeDeliverTimestamp(this.clamp(request.queueId + 1), request.storeTimestamp);
  }
}

/**
 * Where a consumer starts on a queue newly assigned to it (RocketMQ
 * `RebalancePushImpl.computePullFromWhereWithException`, `shared/spec/features.md` §6): the group's
 * committed offset when the store has one; otherwise by `consumeFromWhere`:
 *
 * | consumeFromWhere | no committed offset (−1) |
 * |---|---|
 * | LAST_OFFSET (and the deprecated MIN/MAX/…BOOT_FIRST) | retry topic → 0; else the queue's max offset |
 * | FIRST_OFFSET | 0 (an OFFSET_ILLEGAL answer later moves it to the min offset) |
 * | TIMESTAMP | retry topic → max offset; else SEARCH_OFFSET_BY_TIMESTAMP at `consumeTimestamp` |
 *
 * Any other store answer (−2: the broker could not be asked) fails, so the queue is retried at
 * the next rebalance instead of starting at a guessed offset.
 *
 * @module
 */

import { ResponseCode } from "../../protocol/response_code.ts";
import { MQClientError } from "../client_error.ts";
import type { ConsumeFromWhere } from "../heartbeat_data.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../message_const.ts";
import type { MessageQueue } from "../message_queue.ts";
import { checkConsumeTimestamp } from "./consume_timestamp.ts";

/**
 * The lookups {@linkcode computePullFromWhere} makes.
 *
 * @example
 * ```ts
 * import { computePullFromWhere, type PullFromWhereSource } from "./compute_pull_from_where.ts";
 * const source: PullFromWhereSource = {
 *   readStoreOffset: () => Promise.resolve(42), // the group committed 42
 *   maxOffset: () => Promise.resolve(250),
 *   searchOffset: () => Promise.resolve(100),
 * };
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * const from = { consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET", consumeTimestamp: "" } as const;
 * if (await computePullFromWhere(mq, from, source) !== 42) throw new Error("committed wins");
 * ```
 */
export interface PullFromWhereSource {
  /** the committed offset from the store: ≥ 0, −1 none, other negative = failure */
  readStoreOffset(mq: MessageQueue): Promise<number>;
  /** the queue's max offset (GET_MAX_OFFSET) */
  maxOffset(mq: MessageQueue): Promise<number>;
  /** the offset at a store time (SEARCH_OFFSET_BY_TIMESTAMP) */
  searchOffset(mq: MessageQueue, timestamp: number): Promise<number>;
}

/**
 * The consumer settings {@linkcode computePullFromWhere} follows.
 *
 * @example
 * ```ts
 * import { computePullFromWhere, type PullFromWhereSettings } from "./compute_pull_from_where.ts";
 * const settings: PullFromWhereSettings = {
 *   consumeFromWhere: "CONSUME_FROM_TIMESTAMP", consumeTimestamp: "20240101000000",
 * };
 * const source = {
 *   readStoreOffset: () => Promise.resolve(-1), // nothing committed yet
 *   maxOffset: () => Promise.resolve(250),
 *   searchOffset: () => Promise.resolve(100),
 * };
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * if (await computePullFromWhere(mq, settings, source) !== 100) throw new Error("by timestamp");
 * ```
 */
export interface PullFromWhereSettings {
  /** start position without a committed offset */
  consumeFromWhere: ConsumeFromWhere;
  /** `yyyyMMddHHmmss`, for CONSUME_FROM_TIMESTAMP */
  consumeTimestamp: string;
}

/**
 * See the module doc.
 *
 * @param mq the newly assigned queue
 * @param settings consumeFromWhere and consumeTimestamp
 * @param source offset store and broker lookups
 * @returns the offset to pull from, ≥ 0
 * @throws {MQClientError} QUERY_NOT_FOUND (22) when the store could not be read, SYSTEM_ERROR (1)
 *   for a negative result; lookup errors propagate
 * @example
 * ```ts
 * import { computePullFromWhere } from "./compute_pull_from_where.ts";
 * const source = {
 *   readStoreOffset: () => Promise.resolve(-1),
 *   maxOffset: () => Promise.resolve(250),
 *   searchOffset: () => Promise.resolve(100),
 * };
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * const settings = { consumeFromWhere: "CONSUME_FROM_LAST_OFFSET" as const, consumeTimestamp: "" };
 * if (await computePullFromWhere(mq, settings, source) !== 250) throw new Error();
 * ```
 */
export async function computePullFromWhere(
  mq: MessageQueue,
  settings: PullFromWhereSettings,
  source: PullFromWhereSource,
): Promise<number> {
  const lastOffset = await source.readStoreOffset(mq);
  let result: number;
  if (lastOffset >= 0) {
    result = lastOffset;
  } else if (lastOffset !== -1) {
    throw new MQClientError("Failed to query consume offset from offset store", {
      responseCode: ResponseCode.QUERY_NOT_FOUND,
      codeInMessage: true,
    });
  } else {
    result = await startWithoutOffset(mq, settings, source);
  }
  if (result < 0) {
    throw new MQClientError(`Found unexpected result ${result}`, {
      responseCode: ResponseCode.SYSTEM_ERROR,
      codeInMessage: true,
    });
  }
  return result;
}

async function startWithoutOffset(
  mq: MessageQueue,
  settings: PullFromWhereSettings,
  source: PullFromWhereSource,
): Promise<number> {
  const retry = mq.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
  switch (settings.consumeFromWhere) {
    case "CONSUME_FROM_FIRST_OFFSET":
      return 0;
    case "CONSUME_FROM_TIMESTAMP":
      if (retry) return await source.maxOffset(mq);
      return await source.searchOffset(mq, checkConsumeTimestamp(settings.consumeTimestamp));
    default:
      return retry ? 0 : await source.maxOffset(mq);
  }
}

/**
 * Resetting a consumer group's offsets to a point in time (RocketMQ `mqadmin resetOffsetByTime`):
 * each broker of the topic is asked to tell the group's online consumers
 * (INVOKE_BROKER_TO_RESET_OFFSET); when the group is not online, the offsets are written here
 * instead (RocketMQ's `resetOffsetByTimestampOld`). Internal to the admin client.
 *
 * @module
 */

import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import {
  decodeConsumeStats,
  decodeResetOffsetBody,
  decodeTopicStatsTable,
} from "./admin_bodies.ts";
import { MQBrokerError } from "./client_error.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { MQClientAPI } from "./mq_client_api.ts";

/**
 * One queue of an offline reset (RocketMQ `RollbackStats`).
 *
 * @example
 * ```ts
 * import type { RollbackStats } from "./_admin_reset_offset.ts";
 * const row: RollbackStats = {
 *   mq: { topic: "T", brokerName: "broker-a", queueId: 0 },
 *   brokerOffset: 9,
 *   consumerOffset: 5,
 *   timestampOffset: 2,
 *   rollbackOffset: 2, // moved back; unforced, a later time would have kept 5
 * };
 * if (row.rollbackOffset > row.consumerOffset) throw new Error();
 * ```
 */
export interface RollbackStats {
  /** the queue */
  readonly mq: MessageQueue;
  /** the queue's max offset */
  readonly brokerOffset: number;
  /** the group's offset before the reset */
  readonly consumerOffset: number;
  /** the offset found for the time */
  readonly timestampOffset: number;
  /** the offset the group has now (unchanged when not forced and the time lies ahead) */
  readonly rollbackOffset: number;
}

/**
 * What a reset did.
 *
 * @example
 * ```ts
 * import type { ResetOffsetResult } from "./_admin_reset_offset.ts";
 * function describe(result: ResetOffsetResult): string {
 *   return result.online
 *     ? `${result.offsets.length} queues told to the online consumers`
 *     : `${result.rollbacks.length} queues written for the offline group`;
 * }
 * if (describe({ online: true, offsets: [] }) !== "0 queues told to the online consumers") {
 *   throw new Error();
 * }
 * ```
 */
export type ResetOffsetResult =
  /** the group was online: its consumers were told these offsets, and move there themselves */
  | { readonly online: true; readonly offsets: readonly [MessageQueue, number][] }
  /** the group was offline: the offsets were written to the brokers */
  | { readonly online: false; readonly rollbacks: readonly RollbackStats[] };

/**
 * The parameters of {@linkcode resetOffsetByTime}.
 *
 * @example
 * ```ts
 * import type { ResetOffsetRequest } from "./_admin_reset_offset.ts";
 * const yesterday: ResetOffsetRequest = {
 *   group: "CG",
 *   topic: "TopicTest",
 *   timestamp: Date.now() - 86_400_000,
 *   force: true,
 * };
 * if (yesterday.timestamp <= 0) throw new Error();
 * ```
 */
export interface ResetOffsetRequest {
  readonly group: string;
  readonly topic: string;
  /** ms since the epoch; -1 for the newest offset */
  readonly timestamp: number;
  /** also move offsets forward */
  readonly force: boolean;
  /**
   * Ask as a C++ admin (`mqadmin resetOffsetByTime -c`): the request says language `CPP`, which a
   * RocketMQ 4.9.8 broker reads as "send the consumers the C++ body" (EdgeMQ's broker sends each
   * consumer the form its own language reads either way); default false
   */
  readonly cplus?: boolean;
}

/**
 * Resets a group's offsets on a topic (see the module doc).
 *
 * @param api the admin client's API
 * @param timeoutMs each request's deadline
 * @param brokers the master (else any member) of each broker group of the topic's route
 * @param reset group, topic, time and force
 * @returns the offsets told to online consumers, or the offsets written for an offline group
 */
export async function resetOffsetByTime(
  api: MQClientAPI,
  timeoutMs: number,
  brokers: readonly { addr: string; brokerName: string }[],
  reset: ResetOffsetRequest,
): Promise<ResetOffsetResult> {
  const offsets: [MessageQueue, number][] = [];
  for (const { addr } of brokers) {
    const request = api.request(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
      topic: reset.topic,
      group: reset.group,
      timestamp: reset.timestamp,
      isForce: reset.force,
    });
    // RocketMQ `invokeBrokerToResetOffset(…, isC)`: only the request's language changes.
    if (reset.cplus === true) request.language = "CPP";
    try {
      offsets.push(
        ...decodeResetOffsetBody((await api.invokeBroker(addr, request, timeoutMs)).body),
      );
    } catch (error) {
      if (!(error instanceof MQBrokerError)) throw error;
      if (error.responseCode !== ResponseCode.CONSUMER_NOT_ONLINE) throw error;
      return { online: false, rollbacks: await resetOffline(api, timeoutMs, brokers, reset) };
    }
  }
  return { online: true, offsets };
}

/** RocketMQ `resetOffsetByTimestampOld`: writes the offsets of an offline group itself. */
async function resetOffline(
  api: MQClientAPI,
  timeoutMs: number,
  brokers: readonly { addr: string; brokerName: string }[],
  reset: ResetOffsetRequest,
): Promise<RollbackStats[]> {
  const { group, topic, timestamp, force } = reset;
  const out: RollbackStats[] = [];
  for (const { addr, brokerName } of brokers) {
    const statsRequest = api.request(RequestCode.GET_CONSUME_STATS, { consumerGroup: group });
    const stats = decodeConsumeStats((await api.invokeBroker(addr, statsRequest, timeoutMs)).body);
    let queues = stats.offsetTable.filter((o) => o.mq.topic === topic);
    if (queues.length === 0) {
      // Never consumed here: every queue, from its min offset (RocketMQ reads the topic stats).
      const request = api.request(RequestCode.GET_TOPIC_STATS_INFO, { topic });
      const bounds = decodeTopicStatsTable((await api.invokeBroker(addr, request, timeoutMs)).body);
      queues = bounds.filter((b) => b.mq.brokerName === brokerName).map((b) => ({
        mq: b.mq,
        brokerOffset: b.maxOffset,
        consumerOffset: b.minOffset,
        lastTimestamp: 0,
      }));
    }
    for (const { mq, brokerOffset, consumerOffset } of queues) {
      const header = { topic, queueId: mq.queueId, timestamp };
      const timestampOffset = timestamp === -1
        ? await api.queueBound(addr, "max", header, timeoutMs)
        : await api.queueBound(addr, "search", header, timeoutMs);
      let rollbackOffset = consumerOffset;
      if (force || timestampOffset <= consumerOffset) {
        rollbackOffset = timestampOffset;
        await api.updateConsumerOffset(addr, {
          consumerGroup: group,
          topic,
          queueId: mq.queueId,
          commitOffset: timestampOffset,
        }, timeoutMs);
      }
      out.push({ mq, brokerOffset, consumerOffset, timestampOffset, rollbackOffset });
    }
  }
  return out;
}

/**
 * RocketMQ's default allocation, `AllocateMessageQueueAveragely` (`AVG`): consecutive blocks of
 * queues, the first `n % c` clients taking one more (`shared/spec/features.md` §8).
 *
 * @module
 */

import type { MessageQueue } from "../message_queue.ts";
import {
  type AllocateMessageQueueStrategy,
  checkAllocateArguments,
} from "./allocate_message_queue_strategy.ts";

/**
 * Consecutive blocks: with n queues and c clients, client i takes `n/c + 1` queues when
 * `i < n % c`, else `n/c` (at least one when n ≤ c, so clients past n get nothing).
 *
 * @example
 * ```ts
 * import { AllocateMessageQueueAveragely } from "./allocate_message_queue_averagely.ts";
 * const mqs = [0, 1, 2, 3, 4].map((queueId) => ({ topic: "T", brokerName: "b", queueId }));
 * const mine = new AllocateMessageQueueAveragely().allocate("G", "c2", mqs, ["c1", "c2"]);
 * if (mine.map((mq) => mq.queueId).join() !== "3,4") throw new Error();
 * ```
 */
export class AllocateMessageQueueAveragely implements AllocateMessageQueueStrategy {
  /** RocketMQ's name */
  readonly name = "AVG";

  /** See {@linkcode AllocateMessageQueueStrategy.allocate}. */
  allocate(
    _consumerGroup: string,
    currentCID: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocateArguments(currentCID, mqAll, cidAll)) return [];
    const index = cidAll.indexOf(currentCID);
    const n = mqAll.length;
    const c = cidAll.length;
    const mod = n % c;
    const quotient = Math.floor(n / c);
    const bigger = mod > 0 && index < mod;
    const averageSize = n <= c ? 1 : bigger ? quotient + 1 : quotient;
    const startIndex = bigger ? index * averageSize : index * averageSize + mod;
    const range = Math.min(averageSize, n - startIndex);
    const result: MessageQueue[] = [];
    for (let i = 0; i < range; i++) result.push(mqAll[startIndex + i]);
    return result;
  }
}

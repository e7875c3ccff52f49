/**
 * RocketMQ `AllocateMessageQueueAveragelyByCircle` (`AVG_BY_CIRCLE`): queues dealt round-robin
 * (`shared/spec/features.md` §8).
 *
 * @module
 */

import type { MessageQueue } from "../message_queue.ts";
import {
  type AllocateMessageQueueStrategy,
  checkAllocateArguments,
} from "./allocate_message_queue_strategy.ts";

/**
 * Round-robin: client i takes the queues j with `j % c == i`.
 *
 * @example
 * ```ts
 * import { AllocateMessageQueueAveragelyByCircle } from "./allocate_message_queue_averagely_by_circle.ts";
 * const mqs = [0, 1, 2, 3, 4].map((queueId) => ({ topic: "T", brokerName: "b", queueId }));
 * const mine = new AllocateMessageQueueAveragelyByCircle().allocate("G", "c2", mqs, ["c1", "c2"]);
 * if (mine.map((mq) => mq.queueId).join() !== "1,3") throw new Error();
 * ```
 */
export class AllocateMessageQueueAveragelyByCircle implements AllocateMessageQueueStrategy {
  /** RocketMQ's name */
  readonly name = "AVG_BY_CIRCLE";

  /** See {@linkcode AllocateMessageQueueStrategy.allocate}. */
  allocate(
    _consumerGroup: string,
    currentCID: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocateArguments(currentCID, mqAll, cidAll)) return [];
    const index = cidAll.indexOf(currentCID);
    const result: MessageQueue[] = [];
    for (let i = index; i < mqAll.length; i += cidAll.length) result.push(mqAll[i]);
    return result;
  }
}

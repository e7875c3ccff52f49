/**
 * RocketMQ `AllocateMessageQueueByConfig` (`CONFIG`): a fixed list of queues, whatever the inputs
 * (`shared/spec/features.md` §8).
 *
 * @module
 */

import type { MessageQueue } from "../message_queue.ts";
import type { AllocateMessageQueueStrategy } from "./allocate_message_queue_strategy.ts";

/**
 * Always the configured queues (a copy); the group's queues and members are ignored, as in
 * RocketMQ, which runs no argument check for this strategy. Unset, the list is empty.
 *
 * @example
 * ```ts
 * import { AllocateMessageQueueByConfig } from "./allocate_message_queue_by_config.ts";
 * const mq = { topic: "T", brokerName: "b", queueId: 3 };
 * const strategy = new AllocateMessageQueueByConfig([mq]);
 * if (strategy.allocate("G", "c1", [], []).length !== 1) throw new Error();
 * ```
 */
export class AllocateMessageQueueByConfig implements AllocateMessageQueueStrategy {
  /** RocketMQ's name */
  readonly name = "CONFIG";
  #messageQueueList: MessageQueue[];

  /** @param messageQueueList the queues this client consumes */
  constructor(messageQueueList: readonly MessageQueue[] = []) {
    this.#messageQueueList = [...messageQueueList];
  }

  /** the configured queues */
  get messageQueueList(): readonly MessageQueue[] {
    return this.#messageQueueList;
  }

  /** replaces the configured queues */
  set messageQueueList(list: readonly MessageQueue[]) {
    this.#messageQueueList = [...list];
  }

  /** See {@linkcode AllocateMessageQueueStrategy.allocate}. */
  allocate(
    _consumerGroup: string,
    _currentCID: string,
    _mqAll: readonly MessageQueue[],
    _cidAll: readonly string[],
  ): MessageQueue[] {
    return [...this.#messageQueueList];
  }
}

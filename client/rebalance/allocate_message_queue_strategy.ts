/**
 * The contract of a queue allocation strategy (RocketMQ `AllocateMessageQueueStrategy`) and the
 * argument check every built-in strategy runs first (RocketMQ
 * `AbstractAllocateMessageQueueStrategy.check`, `shared/spec/features.md` §8).
 *
 * @module
 */

import { MQClientError, suggestTodo } from "../client_error.ts";
import type { MessageQueue } from "../message_queue.ts";

/**
 * Splits a topic's queues among the members of a consumer group. Every member runs the same
 * strategy on the same sorted inputs, so the parts are disjoint and cover every queue.
 *
 * @example
 * ```ts
 * import type { AllocateMessageQueueStrategy } from "./allocate_message_queue_strategy.ts";
 * const firstClientTakesAll: AllocateMessageQueueStrategy = {
 *   name: "FIRST",
 *   allocate: (_group, currentCID, mqAll, cidAll) => currentCID === cidAll[0] ? [...mqAll] : [],
 * };
 * const mqs = [{ topic: "T", brokerName: "b", queueId: 0 }];
 * if (firstClientTakesAll.allocate("CG", "c2", mqs, ["c1", "c2"]).length !== 0) throw new Error();
 * ```
 */
export interface AllocateMessageQueueStrategy {
  /** RocketMQ's strategy name, e.g. `AVG` (also sent to 5.x brokers for server-side rebalance) */
  readonly name: string;
  /**
   * @param consumerGroup the group
   * @param currentCID this client's id
   * @param mqAll every readable queue of the topic, sorted by (topic, brokerName, queueId)
   * @param cidAll every client id of the group, sorted
   * @returns the queues this client consumes
   * @throws {AllocateArgumentError} when an input is empty
   */
  allocate(
    consumerGroup: string,
    currentCID: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[];
}

/**
 * Bad allocation input (RocketMQ throws `IllegalArgumentException` with the same text).
 *
 * @example
 * ```ts
 * import { AllocateArgumentError } from "./allocate_message_queue_strategy.ts";
 * import { AllocateMessageQueueAveragely } from "./allocate_message_queue_averagely.ts";
 * try {
 *   new AllocateMessageQueueAveragely().allocate("CG", "c1", [], ["c1"]);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof AllocateArgumentError)) throw error; // mqAll is null or mqAll empty
 * }
 * ```
 */
export class AllocateArgumentError extends Error {
  /** @param message RocketMQ's wording, e.g. `cidAll is null or cidAll empty` */
  constructor(message: string) {
    super(message);
    this.name = "AllocateArgumentError";
  }
}

/**
 * RocketMQ `AbstractAllocateMessageQueueStrategy.check`.
 *
 * @param currentCID this client's id
 * @param mqAll the queues
 * @param cidAll the group's client ids
 * @returns false when this client is not in `cidAll` (it then gets nothing), else true
 * @throws {AllocateArgumentError} `currentCID is empty`, `mqAll is null or mqAll empty` or
 *   `cidAll is null or cidAll empty`
 * @example
 * ```ts
 * import { checkAllocateArguments } from "./allocate_message_queue_strategy.ts";
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * if (checkAllocateArguments("c9", [mq], ["c1"])) throw new Error("c9 is not a member");
 * ```
 */
export function checkAllocateArguments(
  currentCID: string,
  mqAll: readonly MessageQueue[],
  cidAll: readonly string[],
): boolean {
  if (currentCID === "") throw new AllocateArgumentError("currentCID is empty");
  if (mqAll.length === 0) throw new AllocateArgumentError("mqAll is null or mqAll empty");
  if (cidAll.length === 0) throw new AllocateArgumentError("cidAll is null or cidAll empty");
  return cidAll.includes(currentCID);
}

/**
 * Returns the strategy, or throws RocketMQ's start-up error when there is none (as
 * `DefaultMQPushConsumerImpl.checkConfig` and the lite pull consumer do).
 *
 * @param strategy the configured strategy
 * @returns the strategy
 * @throws {MQClientError} `allocateMessageQueueStrategy is null` with the FAQ suffix
 * @example
 * ```ts
 * import { requireAllocateStrategy } from "./allocate_message_queue_strategy.ts";
 * try {
 *   requireAllocateStrategy(null);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error as Error).message.startsWith("allocateMessageQueueStrategy is null")) throw error;
 * }
 * ```
 */
export function requireAllocateStrategy(
  strategy: AllocateMessageQueueStrategy | null | undefined,
): AllocateMessageQueueStrategy {
  if (strategy === null || strategy === undefined) {
    throw new MQClientError(`allocateMessageQueueStrategy is null${suggestTodo()}`);
  }
  return strategy;
}

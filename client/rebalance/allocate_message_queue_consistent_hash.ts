/**
 * RocketMQ `AllocateMessageQueueConsistentHash` (`CONSISTENT_HASH`): queues routed on a
 * consistent-hash ring of the group's clients, so a member joining or leaving moves few queues
 * (`shared/spec/features.md` §8).
 *
 * @module
 */

import { type MessageQueue, messageQueueToString } from "../message_queue.ts";
import {
  type AllocateMessageQueueStrategy,
  checkAllocateArguments,
} from "./allocate_message_queue_strategy.ts";
import { ConsistentHashRouter, type HashFunction, md5Hash } from "./consistent_hash_router.ts";

/**
 * RocketMQ's default virtual nodes per client.
 *
 * @example
 * ```ts
 * import {
 *   AllocateMessageQueueConsistentHash,
 *   CONSISTENT_HASH_VIRTUAL_NODES_DEFAULT,
 * } from "./allocate_message_queue_consistent_hash.ts";
 * const strategy = new AllocateMessageQueueConsistentHash();
 * if (strategy.virtualNodeCnt !== CONSISTENT_HASH_VIRTUAL_NODES_DEFAULT) throw new Error("10");
 * ```
 */
export const CONSISTENT_HASH_VIRTUAL_NODES_DEFAULT = 10;

/**
 * Each client gets `virtualNodeCnt` ring positions (`clientId-k`); a queue, keyed by RocketMQ's
 * `MessageQueue.toString()`, goes to the client at the first position at or after its hash.
 *
 * @example
 * ```ts
 * import { AllocateMessageQueueConsistentHash } from "./allocate_message_queue_consistent_hash.ts";
 * const mqs = [0, 1, 2, 3].map((queueId) => ({ topic: "T", brokerName: "b", queueId }));
 * const strategy = new AllocateMessageQueueConsistentHash();
 * const a = strategy.allocate("G", "c1", mqs, ["c1", "c2"]);
 * const b = strategy.allocate("G", "c2", mqs, ["c1", "c2"]);
 * if (a.length + b.length !== 4) throw new Error("every queue has exactly one owner");
 * ```
 */
export class AllocateMessageQueueConsistentHash implements AllocateMessageQueueStrategy {
  /** RocketMQ's name */
  readonly name = "CONSISTENT_HASH";
  /** virtual nodes per client */
  readonly virtualNodeCnt: number;
  readonly #hash: HashFunction;

  /**
   * @param virtualNodeCnt virtual nodes per client (default 10), ≥ 0
   * @param hash ring hash (default RocketMQ's MD5 hash)
   * @throws {RangeError} `illegal virtualNodeCnt :<n>` for a negative count
   */
  constructor(
    virtualNodeCnt: number = CONSISTENT_HASH_VIRTUAL_NODES_DEFAULT,
    hash: HashFunction = md5Hash,
  ) {
    if (!(virtualNodeCnt >= 0)) throw new RangeError(`illegal virtualNodeCnt :${virtualNodeCnt}`);
    this.virtualNodeCnt = virtualNodeCnt;
    this.#hash = hash;
  }

  /** See {@linkcode AllocateMessageQueueStrategy.allocate}. */
  allocate(
    _consumerGroup: string,
    currentCID: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocateArguments(currentCID, mqAll, cidAll)) return [];
    const nodes = cidAll.map((key) => ({ key }));
    const router = new ConsistentHashRouter(nodes, this.virtualNodeCnt, this.#hash);
    return mqAll.filter((mq) => router.routeNode(messageQueueToString(mq))?.key === currentCID);
  }
}

/**
 * RocketMQ `AllocateMessageQueueByMachineRoom` (`MACHINE_ROOM`): only queues of brokers named
 * `room@name` whose room is configured take part (`shared/spec/features.md` §8).
 *
 * @module
 */

import type { MessageQueue } from "../message_queue.ts";
import {
  type AllocateMessageQueueStrategy,
  checkAllocateArguments,
} from "./allocate_message_queue_strategy.ts";

/**
 * Java `String.split("@")`: split on every `@`, trailing empty parts dropped (so `"r1@b@"` has two
 * parts and `"r1@"` one), which decides which broker names count as `room@name`.
 *
 * @param text a broker name
 * @returns its parts
 */
function javaSplitAt(text: string): string[] {
  const parts = text.split("@");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/**
 * The m eligible queues (brokerName `room@name`, room configured) are split into `m / c`-sized
 * blocks, client i taking block i plus the leftover queue `c·(m/c) + i` when `i < m % c`.
 *
 * @example
 * ```ts
 * import { AllocateMessageQueueByMachineRoom } from "./allocate_message_queue_by_machine_room.ts";
 * const mqs = [
 *   { topic: "T", brokerName: "hz@broker-a", queueId: 0 },
 *   { topic: "T", brokerName: "sh@broker-b", queueId: 0 },
 * ];
 * const strategy = new AllocateMessageQueueByMachineRoom(["hz"]);
 * if (strategy.allocate("G", "c1", mqs, ["c1"]).length !== 1) throw new Error();
 * ```
 */
export class AllocateMessageQueueByMachineRoom implements AllocateMessageQueueStrategy {
  /** RocketMQ's name */
  readonly name = "MACHINE_ROOM";
  #consumeridcs: Set<string>;

  /** @param consumeridcs the rooms (RocketMQ `consumeridcs`) whose queues this group consumes */
  constructor(consumeridcs: Iterable<string> = []) {
    this.#consumeridcs = new Set(consumeridcs);
  }

  /** the configured rooms */
  get consumeridcs(): ReadonlySet<string> {
    return this.#consumeridcs;
  }

  /** replaces the configured rooms */
  set consumeridcs(rooms: Iterable<string>) {
    this.#consumeridcs = new Set(rooms);
  }

  /** See {@linkcode AllocateMessageQueueStrategy.allocate}. */
  allocate(
    _consumerGroup: string,
    currentCID: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocateArguments(currentCID, mqAll, cidAll)) return [];
    const currentIndex = cidAll.indexOf(currentCID);
    const premqAll = mqAll.filter((mq) => {
      const parts = javaSplitAt(mq.brokerName);
      return parts.length === 2 && this.#consumeridcs.has(parts[0]);
    });
    const mod = Math.floor(premqAll.length / cidAll.length);
    const rem = premqAll.length % cidAll.length;
    const startIndex = mod * currentIndex;
    const result = premqAll.slice(startIndex, startIndex + mod);
    if (rem > currentIndex) result.push(premqAll[currentIndex + mod * cidAll.length]);
    return result;
  }
}

/**
 * Choosing the queue of an ordered send (RocketMQ `MessageQueueSelector` and its built-in
 * `SelectMessageQueueByHash`, `features.md` §7): messages with the same key go to the same queue
 * as long as the queue list does not change, and to the same queue a Java producer would pick.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { MessageQueue } from "./message_queue.ts";

/**
 * Picks one of the topic's publishable queues (route order: brokers by name, queues 0…n−1).
 *
 * @param mqs the queues
 * @param message the message being sent
 * @param arg the caller's argument (e.g. an order id)
 * @returns one of `mqs`
 * @example
 * ```ts
 * import type { MessageQueueSelector } from "./message_queue_selector.ts";
 * import type { Producer } from "./producer.ts";
 * const byOrderId: MessageQueueSelector = (mqs, _message, arg) => mqs[Number(arg) % mqs.length];
 * async function sendStep(producer: Producer, orderId: number, step: string) {
 *   const message = { topic: "OrderTopic", body: step };
 *   return await producer.send(message, { selector: byOrderId, arg: orderId });
 * }
 * ```
 */
export type MessageQueueSelector = (
  mqs: readonly MessageQueue[],
  message: Message,
  arg: unknown,
) => MessageQueue;

/**
 * Java `hashCode()` of a selector argument: `String.hashCode` for strings, the value for int32
 * numbers, `(int)(v ^ (v >>> 32))` for other integer numbers and for bigints within 64 bits
 * (`Long.hashCode`: a bigint is what a Java `long` id such as a snowflake id becomes here),
 * `BigInteger.hashCode` for larger bigints, the string form's hash otherwise.
 *
 * @param arg a key
 * @returns an int32
 * @example
 * ```ts
 * import { javaHashCode } from "./message_queue_selector.ts";
 * if (javaHashCode("TagA") !== 2598919 || javaHashCode(-7) !== -7) throw new Error();
 * ```
 */
export function javaHashCode(arg: unknown): number {
  if (typeof arg === "number" && Number.isSafeInteger(arg)) {
    if ((arg | 0) === arg) return arg;
    return longHashCode(BigInt(arg));
  }
  if (typeof arg === "bigint") {
    return BigInt.asIntN(64, arg) === arg ? longHashCode(arg) : bigIntegerHashCode(arg);
  }
  const text = typeof arg === "string" ? arg : String(arg);
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Java `Long.hashCode`: `(int)(v ^ (v >>> 32))`. */
function longHashCode(value: bigint): number {
  const bits = BigInt.asUintN(64, value);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}

/** Java `BigInteger.hashCode`: 31-polynomial over the magnitude's int words, times the sign. */
function bigIntegerHashCode(value: bigint): number {
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  const words: number[] = []; // least significant first
  for (; magnitude > 0n; magnitude >>= 32n) words.push(Number(magnitude & 0xffffffffn));
  let hash = 0;
  for (let i = words.length - 1; i >= 0; i--) hash = (Math.imul(31, hash) + words[i]) | 0;
  return negative ? -hash | 0 : hash;
}

/**
 * RocketMQ `SelectMessageQueueByHash`: `abs(arg.hashCode() % n)`.
 *
 * @param mqs the queues
 * @param _message the message (unused)
 * @param arg the sharding key
 * @returns the queue for the key
 * @example
 * ```ts
 * import { selectMessageQueueByHash } from "./message_queue_selector.ts";
 * import { Message } from "./message.ts";
 * const mqs = [0, 1, 2, 3].map((queueId) => ({ topic: "T", brokerName: "b", queueId }));
 * const m = new Message({ topic: "T", body: "x" });
 * if (selectMessageQueueByHash(mqs, m, 6).queueId !== 2) throw new Error();
 * ```
 */
export const selectMessageQueueByHash: MessageQueueSelector = (mqs, _message, arg) => {
  return mqs[Math.abs(javaHashCode(arg) % mqs.length)];
};

/**
 * RocketMQ `SelectMessageQueueByRandom`.
 *
 * @param mqs the queues
 * @returns a random queue
 * @example
 * ```ts
 * import { Message } from "./message.ts";
 * import { selectMessageQueueByRandom } from "./message_queue_selector.ts";
 * const mqs = [0, 1, 2, 3].map((queueId) => ({ topic: "T", brokerName: "b", queueId }));
 * const mq = selectMessageQueueByRandom(mqs, new Message({ topic: "T", body: "x" }), undefined);
 * if (!mqs.includes(mq)) throw new Error();
 * ```
 */
export const selectMessageQueueByRandom: MessageQueueSelector = (mqs) => {
  return mqs[Math.floor(Math.random() * mqs.length)];
};

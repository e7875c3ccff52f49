/**
 * A message queue: a queue of a topic on one broker group (RocketMQ `MessageQueue`,
 * `shared/spec/bodies.md` §0), with RocketMQ's order and text form.
 *
 * @module
 */

/**
 * One queue of a topic on one broker group.
 *
 * @example
 * ```ts
 * import { compareMessageQueue, type MessageQueue } from "./message_queue.ts";
 * const queues: MessageQueue[] = [
 *   { topic: "T", brokerName: "broker-b", queueId: 0 },
 *   { topic: "T", brokerName: "broker-a", queueId: 1 },
 * ];
 * if (queues.sort(compareMessageQueue)[0].brokerName !== "broker-a") throw new Error();
 * ```
 */
export interface MessageQueue {
  /** the topic */
  readonly topic: string;
  /** the broker group */
  readonly brokerName: string;
  /** the queue id within the group */
  readonly queueId: number;
}

/**
 * Java `String.compareTo` order (UTF-16 code units), which is JavaScript's `<` on strings.
 *
 * @param a a string
 * @param b another
 * @returns negative, zero or positive
 * @example
 * ```ts
 * import { compareStrings } from "./message_queue.ts";
 * const names = ["broker-b", "Broker-c", "broker-a"].sort(compareStrings);
 * if (names.join() !== "Broker-c,broker-a,broker-b") throw new Error("UTF-16 order");
 * ```
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * RocketMQ `MessageQueue.compareTo`: by topic, then broker name, then queue id.
 *
 * @param a a queue
 * @param b another
 * @returns negative, zero or positive
 * @example
 * ```ts
 * import { compareMessageQueue } from "./message_queue.ts";
 * const a = { topic: "T", brokerName: "broker-a", queueId: 1 };
 * const b = { topic: "T", brokerName: "broker-b", queueId: 0 };
 * if (compareMessageQueue(a, b) >= 0) throw new Error("broker-a sorts first");
 * ```
 */
export function compareMessageQueue(a: MessageQueue, b: MessageQueue): number {
  return compareStrings(a.topic, b.topic) || compareStrings(a.brokerName, b.brokerName) ||
    a.queueId - b.queueId;
}

/**
 * A map key for a queue.
 *
 * @param mq a queue
 * @returns `topic@brokerName@queueId`
 * @example
 * ```ts
 * import { messageQueueKey } from "./message_queue.ts";
 * const offsets = new Map<string, number>();
 * offsets.set(messageQueueKey({ topic: "T", brokerName: "b", queueId: 2 }), 42);
 * if (offsets.get("T@b@2") !== 42) throw new Error();
 * ```
 */
export function messageQueueKey(mq: MessageQueue): string {
  return `${mq.topic}@${mq.brokerName}@${mq.queueId}`;
}

/**
 * RocketMQ `MessageQueue.toString`, which consistent-hash allocation hashes.
 *
 * @param mq a queue
 * @returns `MessageQueue [topic=T, brokerName=B, queueId=Q]`
 * @example
 * ```ts
 * import { messageQueueToString } from "./message_queue.ts";
 * const text = messageQueueToString({ topic: "T", brokerName: "b", queueId: 2 });
 * if (text !== "MessageQueue [topic=T, brokerName=b, queueId=2]") throw new Error(text);
 * ```
 */
export function messageQueueToString(mq: MessageQueue): string {
  return `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
}

/**
 * The JSON form of a queue, properties alphabetical as fastjson writes them (also the bare-object
 * map key form, bodies.md §0).
 *
 * @param mq a queue
 * @returns `{"brokerName":…,"queueId":…,"topic":…}`
 * @example
 * ```ts
 * import { messageQueueJson } from "./message_queue.ts";
 * const json = messageQueueJson({ topic: "T", brokerName: "b", queueId: 2 });
 * if (json !== '{"brokerName":"b","queueId":2,"topic":"T"}') throw new Error(json);
 * ```
 */
export function messageQueueJson(mq: MessageQueue): string {
  return `{"brokerName":${JSON.stringify(mq.brokerName)},"queueId":${mq.queueId},"topic":${
    JSON.stringify(mq.topic)
  }}`;
}

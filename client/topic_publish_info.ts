/**
 * What producers and consumers derive from a route (RocketMQ `TopicPublishInfo`,
 * `MQClientInstance.topicRouteData2TopicPublishInfo` / `topicRouteData2TopicSubscribeInfo`,
 * `shared/spec/bodies.md` §1): writable queues of brokers with a master, in broker-name order, and
 * the round-robin queue choice; readable queues for consumers.
 *
 * @module
 */

import { MASTER_ID, PERM_READ, PERM_WRITE } from "../namesrv/route_types.ts";
import type { MessageQueue } from "./message_queue.ts";
import { compareMessageQueue, compareStrings } from "./message_queue.ts";
import type { TopicRouteData } from "./topic_route.ts";

/**
 * A test on a queue; all filters given to a selection must pass.
 *
 * @example
 * ```ts
 * import { type QueueFilter, TopicPublishInfo } from "./topic_publish_info.ts";
 * const queues = [0, 1].map((queueId) => ({ topic: "T", brokerName: "a", queueId }));
 * const notQueue0: QueueFilter = (mq) => mq.queueId !== 0;
 * const info = new TopicPublishInfo(queues);
 * if (info.selectOneMessageQueue(notQueue0)?.queueId !== 1) throw new Error();
 * ```
 */
export type QueueFilter = (mq: MessageQueue) => boolean;

/**
 * A topic's publishable queues and the send-side round-robin index.
 *
 * @example
 * ```ts
 * import { TopicPublishInfo } from "./topic_publish_info.ts";
 * const info = new TopicPublishInfo([
 *   { topic: "T", brokerName: "a", queueId: 0 },
 *   { topic: "T", brokerName: "b", queueId: 0 },
 * ], { startIndex: 0 });
 * const first = info.selectOneMessageQueue()!;
 * const second = info.selectOneMessageQueue()!;
 * if (first.brokerName === second.brokerName) throw new Error("round robin");
 * ```
 */
export class TopicPublishInfo {
  /** the queues to send to, in route order */
  readonly messageQueueList: readonly MessageQueue[];
  /** whether the route carried `orderTopicConf` */
  orderTopic = false;
  /** whether the name server had a route for the topic itself */
  haveTopicRouterInfo = false;
  /** the route these queues come from */
  topicRouteData: TopicRouteData | undefined;
  #index: number;

  /**
   * Wraps a queue list.
   *
   * @param queues the queues
   * @param options `startIndex` for the round robin; default random, as RocketMQ's
   *   `ThreadLocalIndex`
   */
  constructor(queues: readonly MessageQueue[] = [], options: { startIndex?: number } = {}) {
    this.messageQueueList = queues;
    this.#index = options.startIndex ?? Math.floor(Math.random() * 0x7fffffff);
  }

  /**
   * Whether there is a queue to send to.
   *
   * @returns whether there is at least one queue (RocketMQ `ok()`)
   */
  ok(): boolean {
    return this.messageQueueList.length > 0;
  }

  /** Restarts the round robin at a random position (RocketMQ `resetIndex`). */
  resetIndex(): void {
    this.#index = Math.floor(Math.random() * 0x7fffffff);
  }

  #next(): number {
    this.#index = (this.#index + 1) & 0x7fffffff;
    return this.#index;
  }

  /**
   * The next queue in round-robin order that passes every filter.
   *
   * @param filters tests a queue must pass; none = any queue
   * @returns a queue, or undefined when the list is empty or no queue passes
   */
  selectOneMessageQueue(...filters: QueueFilter[]): MessageQueue | undefined {
    const list = this.messageQueueList;
    if (list.length === 0) return undefined;
    if (filters.length === 0) return list[this.#next() % list.length];
    for (let i = 0; i < list.length; i++) {
      const mq = list[this.#next() % list.length];
      if (filters.every((f) => f(mq))) return mq;
    }
    return undefined;
  }

  /**
   * A broker group's write queue count in the route.
   *
   * @param brokerName a broker group
   * @returns its write queue count in the route, or -1
   */
  getWriteQueueNumsByBroker(brokerName: string): number {
    const data = this.topicRouteData?.queueDatas.find((q) => q.brokerName === brokerName);
    return data?.writeQueueNums ?? -1;
  }
}

/**
 * RocketMQ `topicRouteData2TopicPublishInfo`: with `orderTopicConf` (`broker-a:4;broker-b:4`) the
 * queues it lists; otherwise `writeQueueNums` queues of each writable broker group that has a
 * master, groups sorted by name.
 *
 * @param topic the topic
 * @param route its route
 * @returns the publish info (not yet marked `haveTopicRouterInfo`)
 * @example
 * ```ts
 * import type { TopicRouteData } from "./topic_route.ts";
 * import { topicRouteData2TopicPublishInfo } from "./topic_publish_info.ts";
 * const queueData = { brokerName: "b", readQueueNums: 2, writeQueueNums: 2 };
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * const route: TopicRouteData = {
 *   queueDatas: [{ ...queueData, perm: 6, topicSysFlag: 0 }], filterServerTable: new Map(),
 *   brokerDatas: [{ cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false }],
 * };
 * const info = topicRouteData2TopicPublishInfo("T", route);
 * if (info.messageQueueList.length !== 2 || !info.ok()) throw new Error("2 write queues");
 * ```
 */
export function topicRouteData2TopicPublishInfo(
  topic: string,
  route: TopicRouteData,
): TopicPublishInfo {
  const queues: MessageQueue[] = [];
  let orderTopic = false;
  if (route.orderTopicConf !== undefined && route.orderTopicConf.length > 0) {
    for (const item of route.orderTopicConf.split(";")) {
      const [brokerName, nums] = item.split(":");
      const count = Number.parseInt(nums ?? "", 10);
      if (brokerName === undefined || !Number.isInteger(count)) continue;
      for (let i = 0; i < count; i++) queues.push({ topic, brokerName, queueId: i });
    }
    orderTopic = true;
  } else {
    const sorted = [...route.queueDatas].sort((a, b) => compareStrings(a.brokerName, b.brokerName));
    for (const qd of sorted) {
      if ((qd.perm & PERM_WRITE) === 0) continue;
      const broker = route.brokerDatas.find((b) => b.brokerName === qd.brokerName);
      if (broker === undefined || !broker.brokerAddrs.has(MASTER_ID)) continue;
      for (let i = 0; i < qd.writeQueueNums; i++) {
        queues.push({ topic, brokerName: qd.brokerName, queueId: i });
      }
    }
  }
  const info = new TopicPublishInfo(queues);
  info.orderTopic = orderTopic;
  info.topicRouteData = route;
  return info;
}

/**
 * RocketMQ `topicRouteData2TopicSubscribeInfo`: `readQueueNums` queues of each readable broker
 * group, sorted by (topic, broker name, queue id) as allocation expects (features.md §8).
 *
 * @param topic the topic
 * @param route its route
 * @returns the readable queues
 * @example
 * ```ts
 * import type { TopicRouteData } from "./topic_route.ts";
 * import { topicRouteData2TopicSubscribeInfo } from "./topic_publish_info.ts";
 * const queueData = { brokerName: "b", readQueueNums: 2, writeQueueNums: 2 };
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * const route: TopicRouteData = {
 *   queueDatas: [{ ...queueData, perm: 6, topicSysFlag: 0 }], filterServerTable: new Map(),
 *   brokerDatas: [{ cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false }],
 * };
 * const queues = topicRouteData2TopicSubscribeInfo("T", route);
 * if (queues.map((mq) => mq.queueId).join() !== "0,1") throw new Error("2 read queues");
 * ```
 */
export function topicRouteData2TopicSubscribeInfo(
  topic: string,
  route: TopicRouteData,
): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const qd of route.queueDatas) {
    if ((qd.perm & PERM_READ) === 0) continue;
    for (let i = 0; i < qd.readQueueNums; i++) {
      queues.push({ topic, brokerName: qd.brokerName, queueId: i });
    }
  }
  return queues.sort(compareMessageQueue);
}

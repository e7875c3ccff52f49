/**
 * Queue bounds a consumer asks a broker for (RocketMQ `MQAdminImpl.maxOffset` / `minOffset` /
 * `searchOffset`, `shared/spec/headers.md` §3): GET_MAX_OFFSET, GET_MIN_OFFSET and
 * SEARCH_OFFSET_BY_TIMESTAMP to the queue's master, refreshing the route once when the broker is
 * unknown.
 *
 * @module
 */

import { MQClientError } from "../client_error.ts";
import type { MessageQueue } from "../message_queue.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";

/**
 * What the queries need of a client instance.
 *
 * @example
 * ```ts
 * import type { MQClientInstance } from "../mq_client_instance.ts";
 * import { type QueueOffsetClient, QueueOffsetQueries } from "./queue_offset_queries.ts";
 * const queriesOf = (instance: MQClientInstance) => {
 *   const client: QueueOffsetClient = instance; // any client instance will do
 *   return new QueueOffsetQueries(client);
 * };
 * ```
 */
export type QueueOffsetClient = Pick<
  MQClientInstance,
  "api" | "brokers" | "config" | "updateTopicRouteInfoFromNameServer"
>;

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const queries = new QueueOffsetQueries(instance);
 * const end = await queries.maxOffset({ topic: "T", brokerName: "broker-a", queueId: 0 });
 * ```
 */
export class QueueOffsetQueries {
  readonly #client: QueueOffsetClient;

  /** @param client the client instance */
  constructor(client: QueueOffsetClient) {
    this.#client = client;
  }

  /**
   * @param mq the queue
   * @returns its end offset (next offset to be written)
   * @throws {MQClientError} `The broker[<name>] not exist`; the broker's error otherwise
   */
  async maxOffset(mq: MessageQueue): Promise<number> {
    return await this.#query(mq, "max");
  }

  /**
   * @param mq the queue
   * @returns its first offset still stored
   * @throws {MQClientError} `The broker[<name>] not exist`; the broker's error otherwise
   */
  async minOffset(mq: MessageQueue): Promise<number> {
    return await this.#query(mq, "min");
  }

  /**
   * @param mq the queue
   * @param timestamp store time, ms
   * @returns the offset of the message stored at (or nearest) that time
   * @throws {MQClientError} `The broker[<name>] not exist`; the broker's error otherwise
   */
  async searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return await this.#query(mq, "search", timestamp);
  }

  async #query(mq: MessageQueue, kind: "max" | "min" | "search", timestamp?: number) {
    const addr = await this.#masterOf(mq);
    const header = { topic: mq.topic, queueId: mq.queueId, timestamp };
    return await this.#client.api.queueBound(
      addr,
      kind,
      header,
      this.#client.config.mqClientApiTimeout,
    );
  }

  async #masterOf(mq: MessageQueue): Promise<string> {
    let addr = this.#client.brokers.findBrokerAddressInPublish(mq.brokerName);
    if (addr === undefined) {
      await this.#client.updateTopicRouteInfoFromNameServer(mq.topic);
      addr = this.#client.brokers.findBrokerAddressInPublish(mq.brokerName);
    }
    if (addr === undefined) throw new MQClientError(`The broker[${mq.brokerName}] not exist`);
    return addr;
  }
}

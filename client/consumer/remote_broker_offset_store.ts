/**
 * Clustering offsets kept by the broker (RocketMQ `RemoteBrokerOffsetStore`,
 * `shared/spec/features.md` §6, `headers.md` §3): read with QUERY_CONSUMER_OFFSET (QUERY_NOT_FOUND
 * ⇒ −1), committed with UPDATE_CONSUMER_OFFSET — one-way for the periodic `persistAll`, as
 * RocketMQ does — to the master of the queue's broker group.
 *
 * @module
 */

import type { MQClientInstance } from "../mq_client_instance.ts";
import { MQClientError } from "../client_error.ts";
import { MASTER_ID } from "../message_const.ts";
import { type MessageQueue, messageQueueToString } from "../message_queue.ts";
import { OFFSET_RPC_TIMEOUT_MS } from "./limits.ts";
import {
  type OffsetStore,
  OffsetTable,
  type PersistOptions,
  queueKeySet,
  type ReadOffsetType,
} from "./offset_store.ts";
import { messageQueueKey } from "../message_queue.ts";

/**
 * What the broker store needs of a client instance.
 *
 * @example
 * ```ts
 * import type { MQClientInstance } from "../mq_client_instance.ts";
 * import * as remote from "./remote_broker_offset_store.ts";
 * const storeOf = (instance: MQClientInstance, consumerGroup: string) => {
 *   const client: remote.BrokerOffsetClient = instance; // any client instance will do
 *   return new remote.RemoteBrokerOffsetStore(client, consumerGroup);
 * };
 * ```
 */
export type BrokerOffsetClient = Pick<
  MQClientInstance,
  "clientId" | "api" | "brokers" | "config" | "updateTopicRouteInfoFromNameServer"
>;

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const store = new RemoteBrokerOffsetStore(instance, "G1");
 * const offset = await store.readOffset(mq, "READ_FROM_STORE"); // -1: the group has none yet
 * store.updateOffset(mq, 42, true);
 * await store.persistAll([mq]);
 * ```
 */
export class RemoteBrokerOffsetStore implements OffsetStore {
  readonly #client: BrokerOffsetClient;
  readonly #group: string;
  readonly #table = new OffsetTable();

  /**
   * @param client the client instance
   * @param groupName the consumer group
   */
  constructor(client: BrokerOffsetClient, groupName: string) {
    this.#client = client;
    this.#group = groupName;
  }

  /** Nothing to load: offsets live on the broker. */
  load(): Promise<void> {
    return Promise.resolve();
  }

  /** See {@linkcode OffsetStore.updateOffset}. */
  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    this.#table.update(mq, offset, increaseOnly);
  }

  /** See {@linkcode OffsetStore.updateAndFreezeOffset}. */
  updateAndFreezeOffset(mq: MessageQueue, offset: number): void {
    this.#table.updateAndFreeze(mq, offset);
  }

  /** See {@linkcode OffsetStore.memoryOffset}. */
  memoryOffset(mq: MessageQueue): number {
    return this.#table.get(mq) ?? -1;
  }

  /**
   * See {@linkcode OffsetStore.readOffset}. Reading from the store also replaces the in-memory
   * value.
   */
  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== "READ_FROM_STORE") {
      const offset = this.#table.get(mq);
      if (offset !== undefined) return offset;
      if (type === "READ_FROM_MEMORY") return -1;
    }
    try {
      const brokerOffset = await this.fetchConsumeOffsetFromBroker(mq);
      if (brokerOffset < 0) return -1;
      this.#table.update(mq, brokerOffset, false);
      return brokerOffset;
    } catch (error) {
      this.#client.config.logger.warn(
        `Cannot fetch consume offset of ${messageQueueToString(mq)} for group ${this.#group}: ${
          (error as Error).message
        }`,
      );
      return -2;
    }
  }

  /** See {@linkcode OffsetStore.persistAll}. */
  async persistAll(mqs: Iterable<MessageQueue>, options: PersistOptions = {}): Promise<void> {
    const keep = queueKeySet(mqs);
    if (keep.size === 0) return;
    const unused: MessageQueue[] = [];
    const calls: Promise<void>[] = [];
    for (const [mq, offset] of this.#table.entries()) {
      if (keep.has(messageQueueKey(mq))) {
        calls.push(this.#persistLogged(mq, offset, options.oneway ?? true));
      } else unused.push(mq);
    }
    await Promise.all(calls);
    for (const mq of unused) this.#table.remove(mq);
  }

  /** See {@linkcode OffsetStore.persist}. */
  async persist(mq: MessageQueue): Promise<void> {
    const offset = this.#table.get(mq);
    if (offset !== undefined) await this.#persistLogged(mq, offset, true);
  }

  /** See {@linkcode OffsetStore.removeOffset}. */
  removeOffset(mq: MessageQueue): void {
    this.#table.remove(mq);
  }

  /** See {@linkcode OffsetStore.cloneOffsetTable}. */
  cloneOffsetTable(topic?: string): Map<MessageQueue, number> {
    return this.#table.clone(topic);
  }

  async #persistLogged(mq: MessageQueue, offset: number, oneway: boolean): Promise<void> {
    try {
      await this.updateConsumeOffsetToBroker(mq, offset, oneway);
    } catch (error) {
      this.#client.config.logger.error(
        `Cannot update consume offset of ${messageQueueToString(mq)} for group ${this.#group}: ${
          (error as Error).message
        }`,
      );
    }
  }

  /**
   * UPDATE_CONSUMER_OFFSET to the queue's master (route refreshed once when it is unknown).
   *
   * @param mq the queue
   * @param offset the offset to commit
   * @param oneway send without waiting for an answer
   * @throws {MQClientError} `The broker[<name>] not exist` when no address is known
   */
  async updateConsumeOffsetToBroker(
    mq: MessageQueue,
    offset: number,
    oneway: boolean,
  ): Promise<void> {
    const addr = await this.#findMaster(mq, false);
    const header = {
      consumerGroup: this.#group,
      topic: mq.topic,
      queueId: mq.queueId,
      commitOffset: offset,
    };
    await this.#client.api.updateConsumerOffset(addr, header, OFFSET_RPC_TIMEOUT_MS, oneway);
  }

  /**
   * QUERY_CONSUMER_OFFSET to the queue's master.
   *
   * @param mq the queue
   * @returns the committed offset, or -1 when the broker has none (QUERY_NOT_FOUND)
   * @throws {MQClientError} when no broker address is known; the broker's error otherwise
   */
  async fetchConsumeOffsetFromBroker(mq: MessageQueue): Promise<number> {
    const addr = await this.#findMaster(mq, true);
    const header = { consumerGroup: this.#group, topic: mq.topic, queueId: mq.queueId };
    return await this.#client.api.queryConsumerOffset(addr, header, OFFSET_RPC_TIMEOUT_MS);
  }

  async #findMaster(mq: MessageQueue, onlyThisBroker: boolean): Promise<string> {
    const brokers = this.#client.brokers;
    let found = brokers.findBrokerAddressInSubscribe(mq.brokerName, MASTER_ID, onlyThisBroker);
    if (found === undefined) {
      await this.#client.updateTopicRouteInfoFromNameServer(mq.topic);
      found = brokers.findBrokerAddressInSubscribe(mq.brokerName, MASTER_ID, false);
    }
    if (found === undefined) throw new MQClientError(`The broker[${mq.brokerName}] not exist`);
    return found.brokerAddr;
  }
}

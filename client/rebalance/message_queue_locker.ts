/**
 * Broker-side queue locks of orderly clustering consumers (RocketMQ `RebalanceImpl.lock` /
 * `lockAll` / `unlock` / `unlockAll`, `shared/spec/features.md` §7, `bodies.md` §6):
 * LOCK_BATCH_MQ / UNLOCK_BATCH_MQ to the master of each broker group, 1 s deadline.
 *
 * A broker that answers REQUEST_CODE_NOT_SUPPORTED has no lock table; for it the locker falls
 * back to local per-queue serialization: every queue asked for counts as locked (the consumer
 * still consumes each queue one batch at a time), and the fallback is logged once per broker.
 * Order across a rebalance then relies on the committed offset, as with any at-least-once move.
 *
 * @module
 */

import { ResponseCode } from "../../protocol/response_code.ts";
import { MQBrokerError } from "../client_error.ts";
import { MASTER_ID } from "../message_const.ts";
import { type MessageQueue, messageQueueToString } from "../message_queue.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";
import { LOCK_BATCH_TIMEOUT_MS } from "../consumer/limits.ts";

/**
 * What the locker needs of a client instance.
 *
 * @example
 * ```ts
 * import type { MQClientInstance } from "../mq_client_instance.ts";
 * import { type LockClient, MessageQueueLocker } from "./message_queue_locker.ts";
 * function lockerFor(instance: MQClientInstance, consumerGroup: string): MessageQueueLocker {
 *   const client: LockClient = instance; // any MQClientInstance will do
 *   return new MessageQueueLocker(client, consumerGroup);
 * }
 * ```
 */
export type LockClient = Pick<MQClientInstance, "clientId" | "api" | "brokers" | "config">;

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const locker = new MessageQueueLocker(instance, "G1");
 * const locked = await locker.lockBatch("broker-a", [mq]); // queues now held, or undefined
 * ```
 */
export class MessageQueueLocker {
  readonly #client: LockClient;
  readonly #group: string;
  readonly #unsupported = new Set<string>();

  /**
   * @param client the client instance
   * @param consumerGroup the group locking
   */
  constructor(client: LockClient, consumerGroup: string) {
    this.#client = client;
    this.#group = consumerGroup;
  }

  /**
   * @param brokerName a broker group
   * @returns whether its master answered REQUEST_CODE_NOT_SUPPORTED to LOCK_BATCH_MQ
   */
  isFallback(brokerName: string): boolean {
    const addr = this.#master(brokerName);
    return addr !== undefined && this.#unsupported.has(addr);
  }

  /**
   * LOCK_BATCH_MQ for queues of one broker group.
   *
   * @param brokerName the group
   * @param mqs its queues
   * @returns the queues now held by this client (all of them under the fallback); undefined when
   *   the master is unknown or the call failed (logged)
   */
  async lockBatch(
    brokerName: string,
    mqs: readonly MessageQueue[],
  ): Promise<MessageQueue[] | undefined> {
    const addr = this.#master(brokerName);
    if (addr === undefined) return undefined;
    if (this.#unsupported.has(addr)) return [...mqs];
    try {
      return await this.#client.api.lockBatchMQ(addr, this.#body(mqs), LOCK_BATCH_TIMEOUT_MS);
    } catch (error) {
      if (this.#noticeUnsupported(addr, error)) return [...mqs];
      this.#client.config.logger.error(
        `lockBatchMQ exception, ${mqs.map(messageQueueToString).join(", ")}: ${
          (error as Error).message
        }`,
      );
      return undefined;
    }
  }

  /**
   * UNLOCK_BATCH_MQ for queues of one broker group; failures are logged.
   *
   * @param brokerName the group
   * @param mqs its queues
   * @param oneway send without waiting for an answer
   * @returns true when the broker took the request (or has no lock table)
   */
  async unlockBatch(
    brokerName: string,
    mqs: readonly MessageQueue[],
    oneway: boolean,
  ): Promise<boolean> {
    const addr = this.#master(brokerName);
    if (addr === undefined) return false;
    if (this.#unsupported.has(addr)) return true;
    try {
      await this.#client.api.unlockBatchMQ(addr, this.#body(mqs), LOCK_BATCH_TIMEOUT_MS, oneway);
      return true;
    } catch (error) {
      if (this.#noticeUnsupported(addr, error)) return true;
      this.#client.config.logger.error(
        `unlockBatchMQ exception, ${mqs.map(messageQueueToString).join(", ")}: ${
          (error as Error).message
        }`,
      );
      return false;
    }
  }

  #body(mqs: readonly MessageQueue[]) {
    return { clientId: this.#client.clientId, consumerGroup: this.#group, mqSet: mqs };
  }

  #master(brokerName: string): string | undefined {
    return this.#client.brokers.findBrokerAddressInSubscribe(brokerName, MASTER_ID, true)
      ?.brokerAddr;
  }

  #noticeUnsupported(addr: string, error: unknown): boolean {
    if (!(error instanceof MQBrokerError)) return false;
    if (error.responseCode !== ResponseCode.REQUEST_CODE_NOT_SUPPORTED) return false;
    this.#unsupported.add(addr);
    this.#client.config.logger.warn(
      `Broker ${addr} does not support queue locks (REQUEST_CODE_NOT_SUPPORTED); group ${this.#group} falls back to local per-queue serialization`,
    );
    return true;
  }
}

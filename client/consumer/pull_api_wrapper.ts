/**
 * The pull call of consumers (RocketMQ `PullAPIWrapper`): PULL_MESSAGE to the broker member the
 * last answer suggested (`suggestWhichBrokerId`, master by default; `shared/spec/headers.md` §2),
 * then the client-side half of filtering (`features.md` §1): records decoded by
 * {@linkcode decodePulledMessages} (bodies decompressed, each message stamped with its broker name
 * and the queue's `MIN_OFFSET` / `MAX_OFFSET`), messages whose tag is not in the subscription's
 * `tagsSet` dropped. A record whose body cannot be decompressed is dropped with a warning and the
 * rest of the pull delivered, so one bad message does not stop its queue.
 *
 * @module
 */

import { PullSysFlag } from "../../protocol/headers/pull_message_header.ts";
import { MQClientError } from "../client_error.ts";
import type { SubscriptionData } from "../heartbeat_data.ts";
import type { MessageExt } from "../message.ts";
import { MASTER_ID, MessageConst } from "../message_const.ts";
import { type MessageQueue, messageQueueKey } from "../message_queue.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";
import type { PullStatus } from "../pull_result.ts";
import { decodePulledMessages } from "./decode_pulled_messages.ts";

/**
 * What the wrapper needs of a client instance.
 *
 * @example
 * ```ts
 * import type { MQClientInstance } from "../mq_client_instance.ts";
 * import { type PullClient, PullAPIWrapper } from "./pull_api_wrapper.ts";
 * const wrapperOf = (instance: MQClientInstance, consumerGroup: string) => {
 *   const client: PullClient = instance; // any client instance will do
 *   return new PullAPIWrapper(client, consumerGroup);
 * };
 * ```
 */
export type PullClient = Pick<
  MQClientInstance,
  "api" | "brokers" | "updateTopicRouteInfoFromNameServer" | "config"
>;

/**
 * One pull (RocketMQ `pullKernelImpl` arguments).
 *
 * @example
 * ```ts
 * import { PullSysFlag } from "../../protocol/headers/pull_message_header.ts";
 * import type { PullKernelRequest } from "./pull_api_wrapper.ts";
 * const request: PullKernelRequest = {
 *   mq: { topic: "T", brokerName: "b", queueId: 0 }, subExpression: undefined,
 *   expressionType: "TAG", subVersion: 0, offset: 100, maxNums: 32,
 *   sysFlag: PullSysFlag.SUSPEND, commitOffset: 0, // long-poll, commit nothing
 *   brokerSuspendMaxTimeMillis: 15_000, timeoutMillis: 30_000,
 * };
 * ```
 */
export interface PullKernelRequest {
  /** the queue */
  mq: MessageQueue;
  /** expression to send (only with PullSysFlag SUBSCRIPTION) */
  subExpression: string | undefined;
  /** TAG or SQL92 */
  expressionType: string;
  /** the subscription's version */
  subVersion: number;
  /** first offset wanted */
  offset: number;
  /** messages wanted at most */
  maxNums: number;
  /** PullSysFlag bits */
  sysFlag: number;
  /** offset to commit with COMMIT_OFFSET */
  commitOffset: number;
  /** long-poll hold asked of the broker */
  brokerSuspendMaxTimeMillis: number;
  /** client deadline of the call */
  timeoutMillis: number;
}

/**
 * A processed pull (RocketMQ `PullResult` after `processPullResult`).
 *
 * @example
 * ```ts
 * import type { PulledMessages } from "./pull_api_wrapper.ts";
 * function nextOffset(pulled: PulledMessages, offset: number): number {
 *   if (pulled.pullStatus === "OFFSET_ILLEGAL") return pulled.minOffset; // moved: restart there
 *   for (const msg of pulled.msgFoundList) console.log(msg.queueOffset, msg.bodyText);
 *   return pulled.pullStatus === "NO_NEW_MSG" ? offset : pulled.nextBeginOffset;
 * }
 * ```
 */
export interface PulledMessages {
  /** FOUND, NO_NEW_MSG, NO_MATCHED_MSG or OFFSET_ILLEGAL */
  pullStatus: PullStatus;
  /** the offset to pull next */
  nextBeginOffset: number;
  /** the queue's first offset */
  minOffset: number;
  /** the queue's end offset */
  maxOffset: number;
  /** the messages that passed the tag re-check, in queue order (FOUND only) */
  msgFoundList: MessageExt[];
}

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const wrapper = new PullAPIWrapper(instance, "G1");
 * const result = await wrapper.pull(request, subscription);
 * ```
 */
export class PullAPIWrapper {
  readonly #client: PullClient;
  readonly #group: string;
  readonly #pullFromWhichNode = new Map<string, number>();

  /**
   * @param client the client instance
   * @param consumerGroup the group pulling
   */
  constructor(client: PullClient, consumerGroup: string) {
    this.#client = client;
    this.#group = consumerGroup;
  }

  /**
   * Pulls and processes (see the module doc).
   *
   * @param request what to pull
   * @param subscription the subscription whose tags re-filter the messages
   * @returns the processed result
   * @throws {MQClientError} `The broker[<name>] not exist`; broker and transport errors propagate
   */
  async pull(request: PullKernelRequest, subscription: SubscriptionData): Promise<PulledMessages> {
    const mq = request.mq;
    const { brokerAddr, slave } = await this.#findBroker(mq);
    const sysFlag = slave ? request.sysFlag & ~PullSysFlag.COMMIT_OFFSET : request.sysFlag;
    const result = await this.#client.api.pullMessage(brokerAddr, {
      consumerGroup: this.#group,
      topic: mq.topic,
      queueId: mq.queueId,
      queueOffset: request.offset,
      maxMsgNums: request.maxNums,
      sysFlag,
      commitOffset: request.commitOffset,
      suspendTimeoutMillis: request.brokerSuspendMaxTimeMillis,
      subscription: request.subExpression,
      subVersion: request.subVersion,
      expressionType: request.expressionType,
    }, request.timeoutMillis);
    this.#pullFromWhichNode.set(messageQueueKey(mq), result.suggestWhichBrokerId);
    const pulled: PulledMessages = {
      pullStatus: result.pullStatus,
      nextBeginOffset: result.nextBeginOffset,
      minOffset: result.minOffset,
      maxOffset: result.maxOffset,
      msgFoundList: [],
    };
    if (result.pullStatus === "FOUND" && result.messageBinary !== undefined) {
      pulled.msgFoundList = this.#filter(mq, result.messageBinary, pulled, subscription);
    }
    return pulled;
  }

  #filter(
    mq: MessageQueue,
    body: Uint8Array,
    pulled: PulledMessages,
    subscription: SubscriptionData,
  ): MessageExt[] {
    const decoded = decodePulledMessages(body, {
      brokerName: mq.brokerName,
      minOffset: pulled.minOffset,
      maxOffset: pulled.maxOffset,
      onUndecodableBody: (error) =>
        this.#client.config.logger.warn(
          `Dropped a message of ${mq.topic} queue ${mq.queueId} (${mq.brokerName}): ${error.message}`,
        ),
    });
    const tags = subscription.tagsSet;
    const kept = tags.length === 0 || subscription.classFilterMode
      ? decoded
      : decoded.filter((msg) => msg.tags !== undefined && tags.includes(msg.tags));
    for (const msg of kept) {
      if (msg.properties.get(MessageConst.PROPERTY_TRANSACTION_PREPARED) === "true") {
        msg.transactionId = msg.properties.get(
          MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
        );
      }
    }
    return kept;
  }

  async #findBroker(mq: MessageQueue) {
    const brokerId = this.#pullFromWhichNode.get(messageQueueKey(mq)) ?? MASTER_ID;
    const brokers = this.#client.brokers;
    let found = brokers.findBrokerAddressInSubscribe(mq.brokerName, brokerId, false);
    if (found === undefined) {
      await this.#client.updateTopicRouteInfoFromNameServer(mq.topic);
      found = brokers.findBrokerAddressInSubscribe(mq.brokerName, brokerId, false);
    }
    if (found === undefined) throw new MQClientError(`The broker[${mq.brokerName}] not exist`);
    return found;
  }
}

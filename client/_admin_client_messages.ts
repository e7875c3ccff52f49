/**
 * The message half of the admin client: messages by key or unique key (QUERY_MESSAGE on every
 * broker of a topic), one message by its offset id (VIEW_MESSAGE_BY_ID), and a stored message
 * handed to one consumer of a group (CONSUME_MESSAGE_DIRECTLY, RocketMQ
 * `DefaultMQAdminExtImpl.consumeMessageDirectly`, `mqadmin queryMsgById -g -d`). Internal; the
 * public class is `AdminClient` (`admin_client.ts`), which extends it; it extends the queue half.
 *
 * @module
 */

import { AssertionError } from "node:assert/strict";
import { RequestCode } from "../protocol/request_code.ts";
import { decodeOffsetMessageId } from "../store/message_id.ts";
import { AdminClientQueues } from "./_admin_client_queues.ts";
import { MQClientError } from "./client_error.ts";
import {
  type ConsumeMessageDirectlyResult,
  decodeConsumeMessageDirectlyResult,
} from "./consumer_running_info.ts";
import { QUERY_MAX_NUM_DEFAULT } from "./limits.ts";
import type { MessageExt } from "./message.ts";

/**
 * What {@linkcode AdminClient.queryMessageByKey} takes.
 *
 * @example
 * ```ts
 * import type { AdminClient, QueryMessageOptions } from "./admin_client.ts";
 * const lastHour: QueryMessageOptions = { maxNum: 16, beginTimestamp: Date.now() - 3_600_000 };
 * async function ordersOfLastHour(admin: AdminClient, orderId: string) {
 *   return await admin.queryMessageByKey("TopicTest", orderId, lastHour);
 * }
 * ```
 */
export interface QueryMessageOptions {
  /** at most this many per broker; default 32 */
  maxNum?: number;
  /** earliest store time, ms; default 0 */
  beginTimestamp?: number;
  /** latest store time, ms; default now */
  endTimestamp?: number;
}

/**
 * RocketMQ's admin waits three times its RPC timeout for a consumer's answer relayed by a broker
 * (`getConsumerRunningInfo`, `consumeMessageDirectly` in 4.9.8's `DefaultMQAdminExtImpl`).
 */
export const CONSUMER_CALL_TIMEOUT_FACTOR = 3;

/**
 * The message reads of {@linkcode AdminClient}. Internal: use `AdminClient`.
 */
export class AdminClientMessages extends AdminClientQueues {
  /**
   * Messages of a topic with a key, from every broker of its route (RocketMQ `queryMessage`):
   * results are re-checked against `KEYS`, as RocketMQ's client does.
   *
   * @param topic the topic
   * @param key a key the producer set
   * @param options count and time range
   * @returns the matching messages
   */
  async queryMessageByKey(
    topic: string,
    key: string,
    options: QueryMessageOptions = {},
  ): Promise<MessageExt[]> {
    const found = await this.#query(topic, key, false, options);
    // The index answers hash collisions across topics too: key and topic must both match.
    return found.filter((m) => m.topic === topic && (m.keys ?? "").split(" ").includes(key));
  }

  /**
   * Messages with a `UNIQ_KEY` (RocketMQ `queryMessageByUniqKey`).
   *
   * @param topic the topic
   * @param uniqKey the client message id
   * @returns the matching messages (normally one)
   */
  async queryMessageByUniqKey(topic: string, uniqKey: string): Promise<MessageExt[]> {
    const found = await this.#query(topic, uniqKey, true, {});
    return found.filter((m) => m.msgId === uniqKey); // as RocketMQ: a unique key needs no topic
  }

  async #query(
    topic: string,
    key: string,
    uniqueKey: boolean,
    o: QueryMessageOptions,
  ): Promise<MessageExt[]> {
    const masters = this.masters(await this.topicRoute(topic));
    // Every broker at once; one that fails (crashed, still in the route) is logged and the
    // others' messages returned, as RocketMQ's MQAdminImpl.queryMessage does.
    const results = await Promise.allSettled(masters.map((addr) =>
      this.api.queryMessage(addr, {
        topic,
        key,
        maxNum: o.maxNum ?? QUERY_MAX_NUM_DEFAULT,
        beginTimestamp: o.beginTimestamp ?? 0,
        endTimestamp: o.endTimestamp ?? Number.MAX_SAFE_INTEGER,
        uniqueKey,
      }, this.timeoutMs)
    ));
    const out: MessageExt[] = [];
    const failures: unknown[] = [];
    results.forEach((result, i) => {
      if (result.status === "fulfilled") {
        out.push(...result.value.messages);
      } else {
        failures.push(result.reason);
        this.config.logger.warn(
          `queryMessage of ${topic} from ${masters[i]} failed: ${(result.reason as Error).message}`,
        );
      }
    });
    if (failures.length > 0 && failures.length === results.length) throw failures[0];
    return out;
  }

  /**
   * The message at an offset message id: VIEW_MESSAGE_BY_ID to the broker named in the id.
   *
   * @param offsetMsgId the broker's message id (32 or 56 hex chars)
   * @returns the message
   */
  viewMessage(offsetMsgId: string): Promise<MessageExt> {
    const { host, physicalOffset } = decodeOffsetMessageId(offsetMsgId);
    const a = host.address;
    const ip = a.length === 4
      ? `${a[0]}.${a[1]}.${a[2]}.${a[3]}`
      : `[${
        [...Array(8).keys()].map((i) => ((a[2 * i] << 8) | a[2 * i + 1]).toString(16)).join(":")
      }]`;
    return this.api.viewMessage(`${ip}:${host.port}`, physicalOffset, this.timeoutMs);
  }

  /**
   * RocketMQ `viewMessage(topic, msgId)`: the id as an offset id first; when that names no
   * message, as a unique key of `topic` (the first stored of those found).
   *
   * @param topic the topic the unique key is looked up in
   * @param msgId an offset message id or a client message id (`UNIQ_KEY`)
   * @returns the message
   * @throws {MQClientError} when the id is neither, naming both failures
   */
  async viewMessageInTopic(topic: string, msgId: string): Promise<MessageExt> {
    let viewError: Error;
    try {
      return await this.viewMessage(msgId);
    } catch (error) {
      if (!(error instanceof Error) || error instanceof AssertionError) throw error;
      viewError = error;
    }
    const found = await this.queryMessageByUniqKey(topic, msgId);
    found.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
    if (found.length === 0) {
      throw new MQClientError(
        `Cannot find message ${msgId} in topic ${topic} (offset id: ${
          viewError.message.split("\n")[0]
        })`,
        { cause: viewError },
      );
    }
    return found[0];
  }

  /**
   * Hands a stored message to one consumer of a group, which runs its listener on it and
   * reports how that went (RocketMQ `consumeMessageDirectly`): the message is found first (by
   * offset id, or with `topic` also as a unique key), then CONSUME_MESSAGE_DIRECTLY goes to the
   * broker that stored it with the message's offset id; that broker loads the record and relays
   * it to the client. Nothing is acknowledged: offsets do not move.
   *
   * @param consumerGroup the group
   * @param clientId the client of the group (`mqadmin consumerConnection` lists them)
   * @param msgId an offset message id, or with `topic` a client message id
   * @param topic the message's topic, to look the id up as a unique key
   * @returns the consumer's answer
   * @throws {MQBrokerError} when the broker or client refuses (client not online, no such group)
   */
  async consumeMessageDirectly(
    consumerGroup: string,
    clientId: string,
    msgId: string,
    topic?: string,
  ): Promise<ConsumeMessageDirectlyResult> {
    const msg = topic === undefined
      ? await this.viewMessage(msgId)
      : await this.viewMessageInTopic(topic, msgId);
    const request = this.api.request(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
      consumerGroup,
      clientId,
      msgId: msg.offsetMsgId,
      ...(topic === undefined ? {} : { topic }), // 5.x sends the topic too
    });
    const response = await this.api.invokeBroker(
      msg.storeHost,
      request,
      this.timeoutMs * CONSUMER_CALL_TIMEOUT_FACTOR,
    );
    return decodeConsumeMessageDirectlyResult(response.body);
  }
}

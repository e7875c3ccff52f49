/**
 * Typed client calls to name servers and brokers (RocketMQ `MQClientAPIImpl`,
 * `shared/spec/headers.md`): routes, send, pull, heartbeat, unregister, offsets, consumer lists,
 * queue bounds, send-back, queue locks, query and view, and the consumer start's client check.
 * Errors follow RocketMQ: a name server error is an {@linkcode MQClientError}, a broker error an
 * {@linkcode MQBrokerError}, a transport failure the remoting error.
 *
 * @module
 */

import { z } from "zod";
import { decodeHeader } from "../protocol/headers/header_codec.ts";
import {
  GetMaxOffsetResponseHeader,
  QueryConsumerOffsetResponseHeader,
} from "../protocol/headers/offset_headers.ts";
import { QueryMessageResponseHeader } from "../protocol/headers/query_message_headers.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { MQClientAPIBase } from "./_mq_client_api_base.ts";

export type { RequestHeader } from "./_mq_client_api_base.ts";
import { MQBrokerError, MQClientError } from "./client_error.ts";
import { type CheckClientRequestBody, encodeCheckClientRequestBody } from "./heartbeat_data.ts";
import type { MessageExt } from "./message.ts";
import { decodeMessages } from "./message_decoder.ts";
import { type MessageQueue, messageQueueJson } from "./message_queue.ts";
import { decodeJsonBody } from "./topic_route.ts";

/**
 * What QUERY_MESSAGE returned from one broker.
 *
 * @example
 * ```ts
 * import type { MQClientAPI, QueryMessageResult } from "./mq_client_api.ts";
 * async function byKey(api: MQClientAPI, addr: string, key: string): Promise<QueryMessageResult> {
 *   const query = { topic: "T", key, maxNum: 32, beginTimestamp: 0, endTimestamp: Date.now() };
 *   return await api.queryMessage(addr, { ...query, uniqueKey: false }, 3000);
 * }
 * ```
 */
export interface QueryMessageResult {
  /** the matching messages (unfiltered: the caller re-checks keys) */
  messages: MessageExt[];
  /** when the broker's index was last updated */
  indexLastUpdateTimestamp: number;
  /** commit-log offset the index covers */
  indexLastUpdatePhyoffset: number;
}

/**
 * Body of LOCK_BATCH_MQ / UNLOCK_BATCH_MQ (bodies.md §6).
 *
 * @example
 * ```ts
 * import type { LockBatchRequest, MQClientAPI } from "./mq_client_api.ts";
 * async function lockQueue(api: MQClientAPI, brokerAddr: string, clientId: string) {
 *   const body: LockBatchRequest = {
 *     clientId, consumerGroup: "CG", mqSet: [{ topic: "T", brokerName: "b", queueId: 0 }],
 *   };
 *   return await api.lockBatchMQ(brokerAddr, body, 1000); // the queues locked
 * }
 * ```
 */
export interface LockBatchRequest {
  /** the locking client */
  clientId: string;
  /** its group */
  consumerGroup: string;
  /** the queues */
  mqSet: readonly MessageQueue[];
}

const consumerIdListSchema = z.object({ consumerIdList: z.array(z.string()).nullish() });
const mqSchema = z.object({ topic: z.string(), brokerName: z.string(), queueId: z.number().int() });
const lockResponseSchema = z.object({ lockOKMQSet: z.array(mqSchema).nullish() });

const utf8 = new TextEncoder();

/**
 * The client's typed remote calls over one {@linkcode RemotingClient}: the primitives of
 * {@linkcode MQClientAPIBase} plus offsets, consumer lists, queue bounds, send-back, queue locks,
 * query and view.
 *
 * @example
 * ```ts
 * import { MQClientAPI } from "./mq_client_api.ts";
 * import { resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" }, { env: staticClientEnv({ pid: 1 }) });
 * const api = new MQClientAPI(config);
 * await api.shutdown();
 * ```
 */
export class MQClientAPI extends MQClientAPIBase {
  /**
   * QUERY_CONSUMER_OFFSET.
   *
   * @param addr broker `host:port`
   * @param header group, topic, queue
   * @param timeoutMs deadline
   * @returns the committed offset, or -1 when none (QUERY_NOT_FOUND)
   */
  async queryConsumerOffset(
    addr: string,
    header: { consumerGroup: string; topic: string; queueId: number; setZeroIfNotFound?: boolean },
    timeoutMs: number,
  ): Promise<number> {
    const request = this.request(RequestCode.QUERY_CONSUMER_OFFSET, header);
    const response = await this.invokeBroker(addr, request, timeoutMs, [
      ResponseCode.QUERY_NOT_FOUND,
    ]);
    if (response.code === ResponseCode.QUERY_NOT_FOUND) return -1;
    return decodeHeader(QueryConsumerOffsetResponseHeader, response).offset ?? -1;
  }

  /**
   * UPDATE_CONSUMER_OFFSET, answered or one-way (the periodic commit is one-way).
   *
   * @param addr broker `host:port`
   * @param header group, topic, queue, offset
   * @param timeoutMs deadline
   * @param oneway send without waiting for an answer
   */
  async updateConsumerOffset(
    addr: string,
    header: { consumerGroup: string; topic: string; queueId: number; commitOffset: number },
    timeoutMs: number,
    oneway = false,
  ): Promise<void> {
    const request = this.request(RequestCode.UPDATE_CONSUMER_OFFSET, header);
    if (oneway) await this.remotingClient.invokeOneway(addr, request, timeoutMs);
    else await this.invokeBroker(addr, request, timeoutMs);
  }

  /**
   * GET_CONSUMER_LIST_BY_GROUP.
   *
   * @param addr broker `host:port`
   * @param consumerGroup the group
   * @param timeoutMs deadline
   * @returns the group's client ids
   */
  async getConsumerIdListByGroup(
    addr: string,
    consumerGroup: string,
    timeoutMs: number,
  ): Promise<string[]> {
    const request = this.request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup });
    const response = await this.invokeBroker(addr, request, timeoutMs);
    return decodeJsonBody("consumer id list", consumerIdListSchema, response.body).consumerIdList ??
      [];
  }

  /**
   * GET_MAX_OFFSET / GET_MIN_OFFSET / SEARCH_OFFSET_BY_TIMESTAMP / GET_EARLIEST_MSG_STORETIME.
   *
   * @param addr broker `host:port`
   * @param kind which bound
   * @param header topic, queue (and timestamp for "search")
   * @param timeoutMs deadline
   * @returns the offset (or store time for "earliest")
   */
  async queueBound(
    addr: string,
    kind: "max" | "min" | "search" | "earliest",
    header: { topic: string; queueId: number; timestamp?: number },
    timeoutMs: number,
  ): Promise<number> {
    const code = kind === "max"
      ? RequestCode.GET_MAX_OFFSET
      : kind === "min"
      ? RequestCode.GET_MIN_OFFSET
      : kind === "search"
      ? RequestCode.SEARCH_OFFSET_BY_TIMESTAMP
      : RequestCode.GET_EARLIEST_MSG_STORETIME;
    const response = await this.invokeBroker(addr, this.request(code, header), timeoutMs);
    if (kind === "earliest") {
      const value = Number(response.extFields?.timestamp);
      if (!Number.isSafeInteger(value)) {
        throw new MQBrokerError(
          ResponseCode.SYSTEM_ERROR,
          "Cannot read timestamp of response",
          addr,
        );
      }
      return value;
    }
    return decodeHeader(GetMaxOffsetResponseHeader, response).offset;
  }

  /**
   * CONSUMER_SEND_MSG_BACK: hands a failed message back for retry or the DLQ.
   *
   * @param addr broker `host:port`
   * @param message the failed message
   * @param options group, delay level (0 = broker decides, < 0 = DLQ), max reconsume times
   * @param timeoutMs deadline
   */
  async consumerSendMessageBack(
    addr: string,
    message: MessageExt,
    options: { group: string; delayLevel: number; maxReconsumeTimes: number; unitMode?: boolean },
    timeoutMs: number,
  ): Promise<void> {
    const request = this.request(RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: message.commitLogOffset,
      group: options.group,
      delayLevel: options.delayLevel,
      originMsgId: message.msgId,
      originTopic: message.topic,
      unitMode: options.unitMode ?? false,
      maxReconsumeTimes: options.maxReconsumeTimes,
    });
    await this.invokeBroker(addr, request, timeoutMs);
  }

  /**
   * LOCK_BATCH_MQ.
   *
   * @param addr a master `host:port`
   * @param body client id, group and queues
   * @param timeoutMs deadline
   * @returns the queues now locked by this client
   */
  async lockBatchMQ(
    addr: string,
    body: LockBatchRequest,
    timeoutMs: number,
  ): Promise<MessageQueue[]> {
    const request = this.request(RequestCode.LOCK_BATCH_MQ, undefined, lockBody(body));
    const response = await this.invokeBroker(addr, request, timeoutMs);
    return decodeJsonBody("LockBatchResponseBody", lockResponseSchema, response.body).lockOKMQSet ??
      [];
  }

  /**
   * UNLOCK_BATCH_MQ, answered or one-way.
   *
   * @param addr a master `host:port`
   * @param body client id, group and queues
   * @param timeoutMs deadline
   * @param oneway send without waiting for an answer
   */
  async unlockBatchMQ(
    addr: string,
    body: LockBatchRequest,
    timeoutMs: number,
    oneway = false,
  ): Promise<void> {
    const request = this.request(RequestCode.UNLOCK_BATCH_MQ, undefined, lockBody(body));
    if (oneway) await this.remotingClient.invokeOneway(addr, request, timeoutMs);
    else await this.invokeBroker(addr, request, timeoutMs);
  }

  /**
   * VIEW_MESSAGE_BY_ID.
   *
   * @param addr the broker named in the offset id
   * @param offset commit-log offset
   * @param timeoutMs deadline
   * @returns the message
   */
  async viewMessage(addr: string, offset: number, timeoutMs: number): Promise<MessageExt> {
    const response = await this.invokeBroker(
      addr,
      this.request(RequestCode.VIEW_MESSAGE_BY_ID, { offset }),
      timeoutMs,
    );
    const [message] = decodeMessages(response.body ?? new Uint8Array());
    if (message === undefined) {
      throw new MQBrokerError(ResponseCode.SYSTEM_ERROR, `No message at offset ${offset}`, addr);
    }
    return message;
  }

  /**
   * QUERY_MESSAGE on one broker.
   *
   * @param addr broker `host:port`
   * @param query topic, key, count, time range; `uniqueKey` for `UNIQ_KEY` lookups
   * @param timeoutMs deadline
   * @returns the messages found (empty on QUERY_NOT_FOUND)
   */
  async queryMessage(
    addr: string,
    query: {
      topic: string;
      key: string;
      maxNum: number;
      beginTimestamp: number;
      endTimestamp: number;
      uniqueKey: boolean;
    },
    timeoutMs: number,
  ): Promise<QueryMessageResult> {
    const request = this.request(RequestCode.QUERY_MESSAGE, {
      topic: query.topic,
      key: query.key,
      maxNum: query.maxNum,
      beginTimestamp: query.beginTimestamp,
      endTimestamp: query.endTimestamp,
      _UNIQUE_KEY_QUERY: query.uniqueKey,
    });
    const response = await this.invokeBroker(addr, request, timeoutMs, [
      ResponseCode.QUERY_NOT_FOUND,
    ]);
    if (response.code === ResponseCode.QUERY_NOT_FOUND) {
      return { messages: [], indexLastUpdateTimestamp: 0, indexLastUpdatePhyoffset: 0 };
    }
    const header = decodeHeader(QueryMessageResponseHeader, response);
    return { messages: decodeMessages(response.body ?? new Uint8Array()), ...header };
  }

  /**
   * CHECK_CLIENT_CONFIG: asks a broker whether it can filter by a subscription (RocketMQ
   * `MQClientAPIImpl.checkClientInBroker`).
   *
   * @param addr broker `host:port` (the VIP address when the VIP channel is on)
   * @param body client id, group and subscription
   * @param timeoutMs deadline
   * @throws {MQClientError} `CODE: <code>  DESC: <remark>` when the broker answers other than
   *   SUCCESS, as RocketMQ throws `MQClientException(code, remark)`
   */
  async checkClientInBroker(
    addr: string,
    body: CheckClientRequestBody,
    timeoutMs: number,
  ): Promise<void> {
    const request = this.request(
      RequestCode.CHECK_CLIENT_CONFIG,
      undefined,
      encodeCheckClientRequestBody(body),
    );
    const response = await this.remotingClient.invoke(addr, request, timeoutMs);
    if (response.code === ResponseCode.SUCCESS) return;
    throw new MQClientError(response.remark ?? "null", {
      responseCode: response.code,
      codeInMessage: true,
    });
  }

  /** Closes every connection. */
  shutdown(): Promise<void> {
    return this.remotingClient.shutdown();
  }
}

function lockBody(
  body: LockBatchRequest,
) {
  const mqs = body.mqSet.map(messageQueueJson).join(",");
  return utf8.encode(
    `{"clientId":${JSON.stringify(body.clientId)},"consumerGroup":${
      JSON.stringify(body.consumerGroup)
    },"mqSet":[${mqs}]}`,
  );
}

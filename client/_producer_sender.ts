/**
 * The send paths of a producer (RocketMQ `DefaultMQProducerImpl.sendDefaultImpl`,
 * `sendSelectImpl`, `sendKernelImpl`, `tryToFindTopicPublishInfo`): route lookup with TBW102
 * fallback, queue choice with fault avoidance, retries, compression, header building. Internal;
 * the public face is `Producer`.
 *
 * @module
 */

import type { SendMessageRequestHeader } from "../protocol/headers/send_message_header.ts";
import type { RemotingCommand } from "../protocol/remoting_command.ts";
import { RemotingInvokeError, RemotingTimeoutError } from "../protocol/remoting_error.ts";
import { encodeProperties } from "../store/message_properties.ts";
import { brokerVIPChannel } from "./client_config.ts";
import { ClientErrorCode, MQBrokerError, MQClientError, suggestTodo } from "./client_error.ts";
import { TOPIC_ROUTES_MAX } from "./limits.ts";
import type { Message } from "./message.ts";
import type { MessageBatch } from "./message_batch.ts";
import { compressBody, compressionSysFlag } from "./message_compression.ts";
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "./message_const.ts";
import type { MessageQueue } from "./message_queue.ts";
import type { MessageQueueSelector } from "./message_queue_selector.ts";
import type { MQProducerInner } from "./mq_client_inner.ts";
import type { MQClientInstance } from "./mq_client_instance.ts";
import { MQFaultStrategy } from "./mq_fault_strategy.ts";
import type { ProducerConfig } from "./producer_config.ts";
import { processSendResponse, type SendResult } from "./send_result.ts";
import { TopicPublishInfo } from "./topic_publish_info.ts";

const TRANSACTION_PREPARED_TYPE = 0x4;

/** A single message or a packed batch, as the send paths carry it. */
export type Outgoing = { kind: "message"; message: Message } | {
  kind: "batch";
  batch: MessageBatch;
};

function topicOf(out: Outgoing): string {
  return out.kind === "message" ? out.message.topic : out.batch.topic;
}

function noRouteError(topic: string): MQClientError {
  return new MQClientError(`No route info of this topic: ${topic}${suggestTodo()}`, {
    responseCode: ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION,
  });
}

/** The brokers-sent list of a failure message: the first attempt's broker, then nulls. */
function brokersList(timesTotal: number, first: string | null): (string | null)[] {
  const list: (string | null)[] = new Array(timesTotal).fill(null);
  list[0] = first;
  return list;
}

/** Reads the response of a {@linkcode DirectSend} to `mq`. */
function readDirect(response: RemotingCommand, direct: DirectSend, mq: MessageQueue): SendResult {
  return processSendResponse(response, {
    brokerName: mq.brokerName,
    topic: mq.topic,
    uniqMsgId: direct.uniqMsgId,
    brokerAddr: direct.addr,
  });
}

/** A built two-way send (see `ProducerSender.#direct`). */
interface DirectSend {
  addr: string;
  header: SendMessageRequestHeader;
  body: Uint8Array;
  batch: boolean;
  uniqMsgId: string;
}

/** Sends for one producer; registered on the client instance as its `MQProducerInner`. */
export class ProducerSender implements MQProducerInner {
  readonly faultStrategy: MQFaultStrategy;
  readonly #config: ProducerConfig;
  readonly #instance: MQClientInstance;
  readonly #publishInfo = new Map<string, TopicPublishInfo>();

  constructor(config: ProducerConfig, instance: MQClientInstance) {
    this.#config = config;
    this.#instance = instance;
    this.faultStrategy = new MQFaultStrategy({
      clock: config.client.clock,
      sendLatencyFaultEnable: config.sendLatencyFaultEnable,
      latencyMax: config.latencyMax,
      notAvailableDuration: config.notAvailableDuration,
    });
    this.#publishInfo.set(config.createTopicKey, new TopicPublishInfo());
  }

  publishTopicList(): Iterable<string> {
    return this.#publishInfo.keys();
  }

  isPublishTopicNeedUpdate(topic: string): boolean {
    const info = this.#publishInfo.get(topic);
    return info === undefined || !info.ok();
  }

  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void {
    this.#publishInfo.set(topic, info);
  }

  /** RocketMQ `tryToFindTopicPublishInfo`: cached, else the topic's route, else the template's. */
  async findPublishInfo(topic: string): Promise<TopicPublishInfo> {
    let info = this.#publishInfo.get(topic);
    if (info === undefined || !info.ok()) {
      if (info === undefined) {
        if (this.#publishInfo.size >= TOPIC_ROUTES_MAX) {
          throw new MQClientError(
            `Cannot send to topic ${topic}: ${TOPIC_ROUTES_MAX} topics in use`,
          );
        }
        this.#publishInfo.set(topic, new TopicPublishInfo());
      }
      await this.#instance.updateTopicRouteInfoFromNameServer(topic);
      info = this.#publishInfo.get(topic)!;
    }
    if (info.haveTopicRouterInfo || info.ok()) return info;
    await this.#instance.updateTopicRouteInfoFromNameServer(topic, {
      isDefault: true,
      createTopicKey: this.#config.createTopicKey,
      defaultTopicQueueNums: this.#config.defaultTopicQueueNums,
    });
    return this.#publishInfo.get(topic)!;
  }

  /** RocketMQ `sendDefaultImpl`: retries (sync only) preferring another broker. */
  async sendDefault(
    out: Outgoing,
    timeoutMs: number,
    oneway: boolean,
    signal?: AbortSignal,
  ): Promise<SendResult | undefined> {
    const clock = this.#config.client.clock;
    const begin = clock.now();
    const topic = topicOf(out);
    let info = this.#publishInfo.get(topic);
    // The first attempt reuses `begin` (one clock read per send) unless a route lookup ran: its
    // time counts against the budget, not as the broker's latency. Retries read the clock again.
    let beginFresh = true;
    if (info === undefined || !info.ok()) {
      info = await this.findPublishInfo(topic);
      beginFresh = false;
    }
    if (!info.ok()) throw noRouteError(topic);
    const timesTotal = oneway ? 1 : 1 + this.#config.retryTimesWhenSendFailed;
    let brokersSent: (string | null)[] | undefined; // filled once a retry happens, for the error
    let mq: MessageQueue | undefined;
    let lastError: unknown;
    let lastResult: SendResult | undefined;
    let times = 0;
    let callTimeout = false;
    for (; times < timesTotal; times++) {
      signal?.throwIfAborted();
      const selected = this.faultStrategy.selectOneMessageQueue(info, mq?.brokerName);
      if (selected === undefined) break;
      if (times > 0) {
        (brokersSent ??= brokersList(timesTotal, mq!.brokerName))[times] = selected.brokerName;
      }
      mq = selected;
      const start = beginFresh ? begin : clock.now();
      beginFresh = false;
      const remainingMs = timeoutMs - (start - begin);
      if (remainingMs < 0) {
        callTimeout = true;
        break;
      }
      const faults = this.faultStrategy;
      try {
        const direct = this.#direct(out, mq, oneway, start);
        const result = direct === undefined
          ? await this.sendKernel(out, mq, remainingMs, oneway, start)
          : readDirect(
            await this.#instance.api.sendMessageRequest(direct.addr, direct, remainingMs),
            direct,
            mq,
          );
        // updateFaultItem is a no-op when latency avoidance is off: skip the clock read then.
        if (faults.sendLatencyFaultEnable) {
          faults.updateFaultItem(mq.brokerName, clock.now() - start, false);
        }
        if (result === undefined) return undefined;
        if (result.sendStatus !== "SEND_OK" && this.#config.retryAnotherBrokerWhenNotStoreOK) {
          lastResult = result;
          continue;
        }
        return result;
      } catch (error) {
        if (faults.sendLatencyFaultEnable) {
          faults.updateFaultItem(mq.brokerName, clock.now() - start, true);
        }
        lastError = error;
        if (this.#retryable(error)) continue;
        if (error instanceof MQBrokerError && lastResult !== undefined) return lastResult;
        throw error;
      }
    }
    if (lastResult !== undefined) return lastResult;
    brokersSent ??= brokersList(timesTotal, mq?.brokerName ?? null);
    throw this.#failure({ times, begin, topic, brokersSent, lastError, callTimeout });
  }

  /** Whether {@linkcode sendDefault} tries again after `error` (RocketMQ's rules). */
  #retryable(error: unknown): boolean {
    if (error instanceof MQBrokerError) {
      return this.#config.retryResponseCodes.has(error.responseCode);
    }
    return error instanceof MQClientError || error instanceof RemotingInvokeError;
  }

  #failure(f: {
    times: number;
    begin: number;
    topic: string;
    brokersSent: (string | null)[];
    lastError: unknown;
    callTimeout: boolean;
  }): MQClientError {
    if (f.callTimeout) {
      return new MQClientError("sendDefaultImpl call timeout", {
        responseCode: ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION,
        cause: f.lastError,
      });
    }
    const cost = this.#config.client.clock.now() - f.begin;
    const text = `Send [${f.times}] times, still failed, cost [${cost}]ms, Topic: ${f.topic}, ` +
      `BrokersSent: [${f.brokersSent.join(", ")}]${suggestTodo()}`;
    const e = f.lastError;
    const responseCode = e instanceof MQBrokerError
      ? e.responseCode
      : e instanceof RemotingTimeoutError
      ? ClientErrorCode.ACCESS_BROKER_TIMEOUT
      : e instanceof RemotingInvokeError
      ? ClientErrorCode.CONNECT_BROKER_EXCEPTION
      : e instanceof MQClientError
      ? ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION
      : -1;
    return new MQClientError(text, { responseCode, cause: e });
  }

  /**
   * RocketMQ `sendSelectImpl`: one attempt to the selector's queue (ordered sends).
   *
   * @param out the message or batch to send
   * @param message what the selector is shown (a batch's first message)
   */
  async sendSelect(
    out: Outgoing,
    message: Message,
    selector: MessageQueueSelector,
    arg: unknown,
    timeoutMs: number,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    const begin = this.#config.client.clock.now();
    const info = await this.findPublishInfo(message.topic);
    if (!info.ok()) throw new MQClientError(`No route info for this topic, ${message.topic}`);
    let mq: MessageQueue | undefined;
    try {
      mq = selector(info.messageQueueList, message, arg);
    } catch (error) {
      throw new MQClientError("select message queue threw exception.", { cause: error });
    }
    if (mq === undefined || mq === null) {
      throw new MQClientError("select message queue return null.");
    }
    const cost = this.#config.client.clock.now() - begin;
    if (cost > timeoutMs) {
      throw new MQClientError("sendSelectImpl call timeout", {
        responseCode: ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION,
      });
    }
    return await this.sendKernel(out, mq, timeoutMs - cost, oneway);
  }

  /**
   * RocketMQ `sendKernelImpl`: one request to the queue's master. Not `async`: with the broker's
   * address known it hands back the API's promise as is (no extra promise per send).
   *
   * @param nowMs the current time when the caller has read it (born timestamp, unique id)
   */
  sendKernel(
    out: Outgoing,
    mq: MessageQueue,
    timeoutMs: number,
    oneway: boolean,
    nowMs?: number,
  ): Promise<SendResult | undefined> {
    const addr = this.#instance.brokers.findBrokerAddressInPublish(mq.brokerName);
    if (addr === undefined) return this.#sendKernelRouting(out, mq, timeoutMs, oneway);
    try {
      return this.#sendTo(addr, out, mq, timeoutMs, oneway, nowMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The request of a two-way send to a known broker, built for {@linkcode sendDefault} to send and
   * read itself (its own `await`, no async frame per send here); undefined when it must go through
   * {@linkcode sendKernel} (oneway, or the broker's address not known yet).
   */
  #direct(out: Outgoing, mq: MessageQueue, oneway: boolean, nowMs: number): DirectSend | undefined {
    if (oneway) return undefined;
    const brokerAddr = this.#instance.brokers.findBrokerAddressInPublish(mq.brokerName);
    if (brokerAddr === undefined) return undefined;
    const addr = brokerVIPChannel(this.#config.client.vipChannelEnabled, brokerAddr);
    const { header, body, uniqMsgId } = this.#build(out, mq, nowMs);
    return { addr, header, body, batch: out.kind === "batch", uniqMsgId };
  }

  /** {@linkcode sendKernel} when the broker's address is unknown: routes the topic first. */
  async #sendKernelRouting(
    out: Outgoing,
    mq: MessageQueue,
    timeoutMs: number,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    const clock = this.#config.client.clock;
    const begin = clock.now();
    await this.findPublishInfo(mq.topic);
    const addr = this.#instance.brokers.findBrokerAddressInPublish(mq.brokerName);
    if (addr === undefined) throw new MQClientError(`The broker[${mq.brokerName}] not exist`);
    const now = clock.now();
    if (now - begin > timeoutMs) { // RocketMQ sendKernelImpl's costTimeSync check
      throw new MQClientError("sendKernelImpl call timeout", {
        responseCode: ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION,
      });
    }
    return await this.#sendTo(addr, out, mq, timeoutMs - (now - begin), oneway, now);
  }

  #sendTo(
    brokerAddr: string,
    out: Outgoing,
    mq: MessageQueue,
    timeoutMs: number,
    oneway: boolean,
    nowMs: number | undefined,
  ): Promise<SendResult | undefined> {
    const addr = brokerVIPChannel(this.#config.client.vipChannelEnabled, brokerAddr);
    const { header, body, uniqMsgId } = this.#build(
      out,
      mq,
      nowMs ?? this.#config.client.clock.now(),
    );
    return this.#instance.api.sendMessage(
      addr,
      {
        brokerName: mq.brokerName,
        header,
        body,
        batch: out.kind === "batch",
        uniqMsgId,
      },
      timeoutMs,
      oneway,
    );
  }

  #build(
    out: Outgoing,
    mq: MessageQueue,
    nowMs: number,
  ): { header: SendMessageRequestHeader; body: Uint8Array; uniqMsgId: string } {
    const c = this.#config;
    let sysFlag = 0;
    let body: Uint8Array;
    let uniqMsgId: string;
    let properties: Map<string, string>;
    let flag = 0;
    if (out.kind === "batch") {
      body = out.batch.body;
      uniqMsgId = out.batch.uniqIds;
      properties = out.batch.properties;
    } else {
      const message = out.message;
      uniqMsgId = this.#instance.messageIds.setUniqID(message, nowMs);
      body = message.body;
      flag = message.flag;
      properties = message.properties;
      if (body.length >= c.compressMsgBodyOverHowmuch) {
        body = compressBody(body, c.compressType, c.compressLevel);
        sysFlag |= compressionSysFlag(c.compressType);
      }
      if (properties.get(MessageConst.PROPERTY_TRANSACTION_PREPARED) === "true") {
        sysFlag |= TRANSACTION_PREPARED_TYPE;
      }
    }
    const header: SendMessageRequestHeader = {
      producerGroup: c.producerGroup,
      topic: mq.topic,
      defaultTopic: c.createTopicKey,
      defaultTopicQueueNums: c.defaultTopicQueueNums,
      queueId: mq.queueId,
      sysFlag,
      bornTimestamp: nowMs,
      flag,
      reconsumeTimes: 0,
      unitMode: c.client.unitMode,
      batch: out.kind === "batch",
      brokerName: mq.brokerName,
    };
    if (mq.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      properties = this.#retryFields(header, properties);
    }
    header.properties = encodeProperties(properties);
    return { header, body, uniqMsgId };
  }

  /** Moves RECONSUME_TIME / MAX_RECONSUME_TIMES of a retry-topic message into header `j` / `l`. */
  #retryFields(
    header: SendMessageRequestHeader,
    properties: Map<string, string>,
  ): Map<string, string> {
    const copy = new Map(properties);
    const reconsume = copy.get(MessageConst.PROPERTY_RECONSUME_TIME);
    if (reconsume !== undefined) {
      header.reconsumeTimes = Number.parseInt(reconsume, 10) || 0;
      copy.delete(MessageConst.PROPERTY_RECONSUME_TIME);
    }
    const max = copy.get(MessageConst.PROPERTY_MAX_RECONSUME_TIMES);
    if (max !== undefined) {
      header.maxReconsumeTimes = Number.parseInt(max, 10) || 0;
      copy.delete(MessageConst.PROPERTY_MAX_RECONSUME_TIMES);
    }
    return copy;
  }
}

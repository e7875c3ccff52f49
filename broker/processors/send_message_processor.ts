/**
 * SEND_MESSAGE (10, long-name header), SEND_MESSAGE_V2 (310, one-letter header) and
 * SEND_BATCH_MESSAGE (320) (RocketMQ 4.9.8 `SendMessageProcessor`, headers.md §1,
 * message-format.md §4 and §7): checks the topic (auto-creating it through its template), the queue
 * and the permissions, builds the stored message (born host from the TCP peer, CLUSTER added, WAIT
 * dropped), appends it and answers with the offset message id, queue and queue offset.
 *
 * Every response carries `MSG_REGION` and `TRACE_ON`, as RocketMQ's `preSend` adds them before any
 * check; a stored message (PUT_OK and the flush/replication timeouts) also carries `msgId`,
 * `queueId`, `queueOffset` and `transactionId`.
 *
 * @module
 */

import {
  decodeSendMessageHeader,
  type SendMessageRequestHeader,
} from "../../protocol/headers/send_message_header.ts";
import type { RemotingChannel } from "../../protocol/remoting_channel.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BATCH_MESSAGES_MAX, PROPERTIES_BYTES_MAX } from "../../store/limits.ts";
import type { HostAddress } from "../../store/message_id.ts";
import type { MessageExtBrokerInner } from "../../store/message_record.ts";
import { MessageSysFlag, transactionType } from "../../store/message_record.ts";
import { putMessageResponse, type PutMessageResult } from "../../store/put_message_status.ts";
import { BrokerError } from "../broker_error.ts";
import { SENDS_AWAITING_STORE_MAX } from "../limits.ts";
import { buildTopicSysFlag, isWriteable, PermName, type TopicConfig } from "../topic_config.ts";
import { checkSendAllowed, RETRY_GROUP_TOPIC_PREFIX, validateTopic } from "../topic_validator.ts";
import type { CoreContext, ProcessorRegistry } from "./core_context.ts";
import { APPLY_TOPIC_URL, guardProcessor, suggestTodo } from "./_processor_support.ts";
import {
  appendProperty,
  bornHostOf,
  buildStoredProperties,
  decodeBatchBody,
  dlqTargetOf,
  joinBatchProperties,
  maxReconsumeTimesOf,
  PROPERTY_CLUSTER,
  requireSubscriptionGroup,
  type SendTarget,
  topicConfigToString,
  withoutDelay,
} from "./_send_message_support.ts";

const EMPTY = new Uint8Array(0);

/** One send, decoded from the wire (or built by the HTTP admin). */
export interface SendInput {
  /** SEND_BATCH_MESSAGE: `body` is a packed batch */
  readonly batch: boolean;
  /** the long-form header */
  readonly header: SendMessageRequestHeader;
  /** the message body or the packed batch */
  readonly body: Uint8Array;
  /** BORNHOST: the producer's TCP peer address */
  readonly bornHost: HostAddress;
  /** the producer's `ip:port`, for remarks and logs */
  readonly producerAddress: string;
  /** the request's MQVersion ordinal */
  readonly version: number;
}

/** What a send came to: the response code and remark, and where it was stored. */
export interface SendOutcome {
  /** response code (SUCCESS, FLUSH_DISK_TIMEOUT, … or a refusal) */
  readonly code: number;
  /** response remark, for refusals */
  readonly remark?: string;
  /** offset message id(s), when stored */
  readonly msgId?: string;
  /** the queue written, when stored */
  readonly queueId?: number;
  /** queue offset of the (first) message, when stored */
  readonly queueOffset?: number;
  /** the message's UNIQ_KEY (single sends) */
  readonly transactionId?: string;
  /**
   * a SYSTEM_ERROR refusal caused by the broker's state (not accepting yet, page cache busy, a
   * file it could not create), not by the request: a later retry may succeed
   */
  readonly serverSide?: boolean;
}

/**
 * Handles the three send request codes.
 *
 * Overload protection: at most {@linkcode SENDS_AWAITING_STORE_MAX} sends wait for the store at
 * once; more are answered SYSTEM_BUSY at once (RocketMQ's full send queue), never queued.
 */
export class SendMessageProcessor {
  readonly #context: CoreContext;
  #awaitingStore = 0;

  /** @param context broker state */
  constructor(context: CoreContext) {
    this.#context = context;
  }

  /** sends waiting for the store right now */
  get awaitingStore(): number {
    return this.#awaitingStore;
  }

  /**
   * Processes one send request.
   *
   * @param request SEND_MESSAGE, SEND_MESSAGE_V2 or SEND_BATCH_MESSAGE
   * @param channel the producer's connection
   * @returns the response
   * @throws {HeaderDecodeError} on a bad header (answered SYSTEM_ERROR with the field named)
   */
  async processRequest(
    request: RemotingCommand,
    channel: RemotingChannel,
  ): Promise<RemotingCommand> {
    const { config } = this.#context;
    const header = decodeSendMessageHeader(request);
    const outcome = await this.send({
      // The header's batch flag (`m`) too: rocketmq-client-cpp sends its batches as
      // SEND_MESSAGE_V2 with m=true, which RocketMQ routes by the flag.
      batch: request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch === true,
      header,
      body: request.body ?? EMPTY,
      bornHost: bornHostOf(channel),
      producerAddress: channel.remoteAddress,
      version: request.version,
    });
    const extFields: Record<string, string> = {
      MSG_REGION: config.regionId,
      TRACE_ON: String(config.traceOn),
    };
    if (outcome.msgId !== undefined) {
      extFields.msgId = outcome.msgId;
      extFields.queueId = String(outcome.queueId);
      extFields.queueOffset = String(outcome.queueOffset);
      if (outcome.transactionId !== undefined) extFields.transactionId = outcome.transactionId;
    }
    return createResponse(request, outcome.code, outcome.remark, extFields);
  }

  /**
   * Sends one message or batch through every check of the wire path (also used by the HTTP admin).
   *
   * @param input the decoded send
   * @returns the response code and remark, and the stored position when stored
   */
  async send(input: SendInput): Promise<SendOutcome> {
    const refused = this.#preCheck(input);
    if (refused !== null) return refused;
    if (this.#awaitingStore >= SENDS_AWAITING_STORE_MAX) {
      return {
        code: ResponseCode.SYSTEM_BUSY,
        remark:
          `[OVERLOAD]system busy, start flow control for a while: ${this.#awaitingStore} sends wait for the store, sendsAwaitingStoreMax ${SENDS_AWAITING_STORE_MAX}`,
      };
    }
    try {
      // An existing non-retry topic resolves synchronously: no promise hop per send.
      const resolving = this.#resolveTarget(input);
      const target = resolving instanceof Promise ? await resolving : resolving;
      let result: PutMessageResult;
      let uniqKey: string | undefined;
      if (input.batch) {
        this.#awaitingStore++;
        try {
          result = await this.#putBatch(input, target);
        } finally {
          this.#awaitingStore--;
        }
      } else {
        const message = this.#messageOf(input, target);
        uniqKey = message.uniqKey;
        this.#awaitingStore++;
        try {
          result = await this.#context.store.putMessage(message.inner);
        } finally {
          this.#awaitingStore--;
        }
      }
      return this.#outcome(target, result, uniqKey);
    } catch (error) {
      if (error instanceof BrokerError) return { code: error.code, remark: error.remark };
      throw error;
    }
  }

  /** Cheap checks before touching any table (no message built yet). */
  #preCheck(input: SendInput): SendOutcome | null {
    const { config, clock } = this.#context;
    const { header } = input;
    const acceptFrom = config.startAcceptSendRequestTimeStamp;
    if (acceptFrom > 0 && acceptFrom > clock.now()) { // 0 (the default): no clock read per send
      return {
        code: ResponseCode.SYSTEM_ERROR,
        remark: `broker unable to service, until ${new Date(acceptFrom).toISOString()}`,
        serverSide: true,
      };
    }
    // A read-only (draining) broker still takes what stale producers send, except to ordered
    // topics (RocketMQ msgCheck); a topic's own perm only steers the routes.
    if (
      !isWriteable(config.brokerPermission) &&
      this.#context.topicConfigManager.isOrderTopic(header.topic)
    ) {
      return {
        code: ResponseCode.NO_PERMISSION,
        remark: `the broker[${config.brokerIP1}] sending message is forbidden`,
      };
    }
    const invalid = validateTopic(header.topic) ?? checkSendAllowed(header.topic);
    if (invalid !== null) return { code: invalid.code, remark: invalid.remark };
    const txType = transactionType(header.sysFlag);
    if (input.batch) {
      if (header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
        return {
          code: ResponseCode.MESSAGE_ILLEGAL,
          remark: `batch request does not support retry group ${header.topic}`,
        };
      }
      if (txType !== MessageSysFlag.TRANSACTION_NOT_TYPE) {
        return {
          code: ResponseCode.MESSAGE_ILLEGAL,
          remark: `batch request does not support transaction messages (sysFlag ${header.sysFlag})`,
        };
      }
    } else if (
      // Such a record never reaches a consume queue, and nothing here would commit it.
      txType === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      txType === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
    ) {
      return { code: ResponseCode.NO_PERMISSION, remark: transactionForbidden(config.brokerIP1) };
    }
    // The whole batch too (RocketMQ `checkMessages`), not only each message in it.
    if (
      input.body.length > config.maxMessageSize ||
      (header.properties?.length ?? 0) > PROPERTIES_BYTES_MAX
    ) {
      return {
        code: ResponseCode.MESSAGE_ILLEGAL,
        remark: messageIllegalRemark(config.maxMessageSize),
      };
    }
    return null;
  }

  /**
   * Topic (auto-created if allowed), queue id, retry/DLQ redirection (RocketMQ `msgCheck`); a
   * promise only when a table must be touched (topic creation, retry topics).
   */
  #resolveTarget(input: SendInput): SendTarget | Promise<SendTarget> {
    const topicConfig = this.#context.topicConfigManager.selectTopicConfig(input.header.topic);
    if (topicConfig === undefined) return this.#createThenCheck(input);
    return this.#checkTarget(input, topicConfig);
  }

  async #createThenCheck(input: SendInput): Promise<SendTarget> {
    const topicConfig = await this.#createTopic(input.header, input.producerAddress);
    return await this.#checkTarget(input, topicConfig);
  }

  #checkTarget(input: SendInput, topicConfig: TopicConfig): SendTarget | Promise<SendTarget> {
    const { header, producerAddress } = input;
    const topic = header.topic;
    const idValid = Math.max(topicConfig.writeQueueNums, topicConfig.readQueueNums);
    if (header.queueId >= idValid) {
      throw new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `request queueId[${header.queueId}] is illegal, ${
          topicConfigToString(topicConfig)
        } Producer: ${producerAddress}`,
      );
    }
    let queueId = header.queueId;
    if (queueId < 0) {
      if (topicConfig.writeQueueNums <= 0) {
        throw new BrokerError(
          ResponseCode.SYSTEM_ERROR,
          `Cannot pick a queue of topic ${topic}: it has no write queue`,
        );
      }
      queueId = Math.floor(this.#context.random() * topicConfig.writeQueueNums);
    }
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      return this.#retryOrDlq(input, topicConfig, queueId);
    }
    return { topic, queueId, topicConfig };
  }

  async #createTopic(
    header: SendMessageRequestHeader,
    producerAddress: string,
  ): Promise<TopicConfig> {
    const { topicConfigManager, logger } = this.#context;
    const topic = header.topic;
    const retry = topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
    const topicSysFlag = header.unitMode === true ? buildTopicSysFlag(!retry, retry) : 0;
    logger.info(`broker: topic ${topic} does not exist, producer ${producerAddress}`);
    let created = await topicConfigManager.createTopicInSendMessageMethod({
      topic,
      defaultTopic: header.defaultTopic,
      remoteAddress: producerAddress,
      clientDefaultTopicQueueNums: header.defaultTopicQueueNums,
      topicSysFlag,
    });
    if (created === null && retry) {
      created = await topicConfigManager.createTopicInSendMessageBackMethod({
        topic,
        clientDefaultTopicQueueNums: 1,
        perm: PermName.PERM_READ | PermName.PERM_WRITE,
        topicSysFlag,
      });
    }
    if (created === null) {
      throw new BrokerError(
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${topic}] not exist, apply first please!${suggestTodo(APPLY_TOPIC_URL)}`,
      );
    }
    return created;
  }

  /** RocketMQ `handleRetryAndDLQ`: a retry send past its max reconsume times goes to `%DLQ%group`. */
  async #retryOrDlq(
    input: SendInput,
    topicConfig: TopicConfig,
    queueId: number,
  ): Promise<SendTarget> {
    const { header } = input;
    const group = header.topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
    const groupConfig = await requireSubscriptionGroup(this.#context, group);
    const maxReconsumeTimes = maxReconsumeTimesOf(
      groupConfig,
      input.version,
      header.maxReconsumeTimes,
    );
    if ((header.reconsumeTimes ?? 0) < maxReconsumeTimes) {
      return { topic: header.topic, queueId, topicConfig };
    }
    return await dlqTargetOf(this.#context, group);
  }

  /** The stored message of a single send; throws for a transactional one (not supported). */
  #messageOf(
    input: SendInput,
    target: SendTarget,
  ): { inner: MessageExtBrokerInner; uniqKey: string | undefined } {
    const { config } = this.#context;
    const { header } = input;
    const stored = buildStoredProperties(header.properties, config.brokerClusterName);
    if (stored.transactional) {
      throw new BrokerError(ResponseCode.NO_PERMISSION, transactionForbidden(config.brokerIP1));
    }
    const toDlq = target.topic !== header.topic &&
      header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
    const message: MessageExtBrokerInner = {
      topic: target.topic,
      queueId: target.queueId,
      flag: header.flag,
      body: input.body,
      properties: toDlq ? withoutDelay(stored.text) : stored.text,
      sysFlag: this.#sysFlag(header, target),
      bornTimestamp: header.bornTimestamp,
      bornHost: input.bornHost,
      reconsumeTimes: header.reconsumeTimes ?? 0,
      // WAIT is not stored, but steers the flush wait (4.9.8 puts it back into the map for that)
      waitStoreMsgOK: stored.waitStoreMsgOK,
    };
    return { inner: message, uniqKey: stored.uniqKey };
  }

  async #putBatch(input: SendInput, target: SendTarget): Promise<PutMessageResult> {
    const { config, store } = this.#context;
    const { header } = input;
    const batchProperties = appendProperty(
      header.properties ?? "",
      PROPERTY_CLUSTER,
      config.brokerClusterName,
    );
    const sysFlag = this.#sysFlag(header, target);
    const messages: MessageExtBrokerInner[] = [];
    for (const entry of decodeBatchBody(input.body, BATCH_MESSAGES_MAX)) {
      if (entry.body.length > config.maxMessageSize) {
        throw new BrokerError(
          ResponseCode.MESSAGE_ILLEGAL,
          messageIllegalRemark(config.maxMessageSize),
        );
      }
      messages.push({
        topic: target.topic,
        queueId: target.queueId,
        flag: entry.flag,
        body: entry.body,
        properties: joinBatchProperties(entry.properties, batchProperties),
        sysFlag,
        bornTimestamp: header.bornTimestamp,
        bornHost: input.bornHost,
        reconsumeTimes: header.reconsumeTimes ?? 0,
      });
    }
    return await store.putMessages(messages);
  }

  #sysFlag(header: SendMessageRequestHeader, target: SendTarget): number {
    const multiTag = target.topicConfig.topicFilterType === "MULTI_TAG"
      ? MessageSysFlag.MULTI_TAGS_FLAG
      : 0;
    return header.sysFlag | multiTag;
  }

  #outcome(target: SendTarget, result: PutMessageResult, uniqKey: string | undefined): SendOutcome {
    const response = putMessageResponse(result.status);
    const append = result.appendMessageResult;
    if (!response.stored || append === undefined) {
      // The store's own reason (DELAY, disk use) says more than the status's fixed wording.
      return {
        code: response.code,
        remark: result.remark ?? response.remark ?? undefined,
        serverSide: response.code === ResponseCode.SYSTEM_ERROR, // the store's own trouble
      };
    }
    // brokerStats counted the put already: the store's put hook sees every stored put.
    return {
      code: response.code,
      msgId: append.msgId,
      queueId: target.queueId,
      queueOffset: append.logicsOffset,
      transactionId: uniqKey,
    };
  }
}

/** RocketMQ's remark when `rejectTransactionMessage` refuses a send. */
function transactionForbidden(brokerIP1: string): string {
  return `the broker[${brokerIP1}] sending transaction message is forbidden`;
}

/** RocketMQ 4.9.8's remark for MESSAGE_ILLEGAL, with the configured body limit. */
function messageIllegalRemark(maxMessageSize: number): string {
  return `the message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.`;
}

/**
 * Registers SEND_MESSAGE, SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE.
 *
 * @param registry the remoting server
 * @param context broker state
 * @returns the processor (for its `awaitingStore` figure)
 */
export function registerSendMessageProcessors(
  registry: ProcessorRegistry,
  context: CoreContext,
): SendMessageProcessor {
  const processor = new SendMessageProcessor(context);
  const handler = guardProcessor(
    context.logger,
    (request, channel) => processor.processRequest(request, channel),
  );
  registry.registerProcessor(RequestCode.SEND_MESSAGE, handler);
  registry.registerProcessor(RequestCode.SEND_MESSAGE_V2, handler);
  registry.registerProcessor(RequestCode.SEND_BATCH_MESSAGE, handler);
  return processor;
}

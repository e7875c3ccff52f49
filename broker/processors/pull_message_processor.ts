/**
 * PULL_MESSAGE (11) (RocketMQ 4.9.8 `PullMessageProcessor`, headers.md §2, store.md §8,
 * features.md §1 and §9): checks the broker, group, topic and queue, picks the subscription (the
 * pull's own expression when sysFlag has SUBSCRIPTION, else the one the group's heartbeat
 * registered), reads from the store with the tag filter, and answers with the exact stored records
 * back to back. A pull that finds nothing and carries SUSPEND is parked in the
 * {@linkcode PullRequestHoldService} and re-run once when a matching message arrives or its hold
 * ends. The consumer's offset rides along when sysFlag has COMMIT_OFFSET (masters only).
 *
 * Every response carries `suggestWhichBrokerId`, `nextBeginOffset`, `minOffset` and `maxOffset`;
 * the remark is the store status name (`FOUND`, `OFFSET_OVERFLOW_ONE`, …).
 *
 * @module
 */

import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  PullMessageRequestHeader,
  PullSysFlag,
} from "../../protocol/headers/pull_message_header.ts";
import type { RemotingChannel } from "../../protocol/remoting_channel.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { GetMessageResult } from "../../store/get_message_result.ts";
import { putMessageResponse } from "../../store/put_message_status.ts";
import { BrokerError } from "../broker_error.ts";
import { offsetMovedEventMessage } from "./_offset_moved_event.ts";
import {
  buildSubscriptionData,
  checkExpressionSupported,
  type SubscriptionData,
  TagMessageFilter,
} from "../filter/mod.ts";
import { PULL_SUSPEND_TIMEOUT_MS_MAX } from "../limits.ts";
import type { SubscriptionGroupConfig } from "../subscription_group_config.ts";
import { isReadable } from "../topic_config.ts";
import type { CoreContext, ProcessorRegistry } from "./core_context.ts";
import {
  APPLY_TOPIC_URL,
  guardProcessor,
  SAME_GROUP_DIFFERENT_TOPIC_URL,
  SUBSCRIPTION_GROUP_NOT_EXIST_URL,
  suggestTodo,
} from "./_processor_support.ts";

/** RocketMQ `MixAll.MASTER_ID`. */
const MASTER_ID = 0;

/** A pull whose checks passed: what to read and how to filter. */
interface CheckedPull {
  readonly header: PullMessageRequestHeader;
  readonly groupConfig: SubscriptionGroupConfig;
  readonly filter: TagMessageFilter;
}

/** Handles PULL_MESSAGE. */
export class PullMessageProcessor {
  readonly #context: CoreContext;

  /** @param context broker state */
  constructor(context: CoreContext) {
    this.#context = context;
  }

  /**
   * Processes one pull. A parked pull's promise settles when it is woken and re-run.
   *
   * @param request the PULL_MESSAGE request
   * @param channel the consumer's connection
   * @returns the response, or null when the connection closed while the pull was parked
   * @throws {HeaderDecodeError} on a bad header
   */
  async processRequest(
    request: RemotingCommand,
    channel: RemotingChannel,
  ): Promise<RemotingCommand | null> {
    if (channel.localPort !== this.#context.listenPort()) {
      return createResponse(
        request,
        ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
        ` request type ${request.code} not supported`,
      );
    }
    const header = decodeHeader(PullMessageRequestHeader, request);
    // Synchronous for known groups, so the piggy-backed offset below is committed in arrival
    // order: a later UPDATE_CONSUMER_OFFSET on this connection must not be overwritten by it.
    let checked = this.#check(header, channel);
    if (checked instanceof Promise) checked = await checked;
    if (checked instanceof BrokerError) {
      return createResponse(request, checked.code, checked.remark);
    }
    const storeOffset = (header.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 &&
      this.#context.config.brokerRole !== "SLAVE";
    if (storeOffset) {
      try {
        this.#context.consumerOffsetManager.commitOffset({
          clientHost: channel.remoteAddress,
          group: header.consumerGroup,
          topic: header.topic,
          queueId: header.queueId,
          offset: header.commitOffset,
        });
      } catch (error) {
        // The pull goes on (RocketMQ's piggy-backed commit never fails a pull); the offset
        // table's bound refused a new key.
        if (!(error instanceof BrokerError)) throw error;
        this.#context.logger.warn(`Pull kept, its commit refused: ${error.message}`);
      }
    }
    const response = await this.#pull(request, checked);
    if (
      response.code !== ResponseCode.PULL_NOT_FOUND || (header.sysFlag & PullSysFlag.SUSPEND) === 0
    ) {
      return response;
    }
    return await this.#suspend(request, response, checked, channel);
  }

  /**
   * Parks the pull and re-runs it once, checks included, when woken (RocketMQ
   * `executeRequestWhenWakeup`).
   */
  async #suspend(
    request: RemotingCommand,
    notFound: RemotingCommand,
    checked: CheckedPull,
    channel: RemotingChannel,
  ): Promise<RemotingCommand | null> {
    const { config, holdService } = this.#context;
    const { header } = checked;
    const holdMs = config.longPollingEnable
      ? Math.min(Math.max(header.suspendTimeoutMillis, 0), PULL_SUSPEND_TIMEOUT_MS_MAX)
      : config.shortPollingTimeMills;
    // A connection that closed while this pull was read (its close handling already freed its
    // parked pulls) is not parked: it would hold a slot for nothing.
    if (channel.closed) return null;
    const parked = holdService.suspend({
      topic: header.topic,
      queueId: header.queueId,
      pullFromThisOffset: header.queueOffset,
      filter: checked.filter,
      channelId: channel.id,
      timeoutMs: holdMs,
    });
    if (parked === null && holdService.full) {
      // Not "no new message": a Java consumer re-pulls that at once; SYSTEM_BUSY backs it off.
      return createResponse(
        request,
        ResponseCode.SYSTEM_BUSY,
        `[PULL_HOLD_FULL] the broker holds ${holdService.size} pulls (PULL_REQUESTS_HELD_MAX), try again later`,
      );
    }
    if (parked === null) return notFound;
    const reason = await parked;
    if (reason === "closed" || channel.closed) return null;
    // RocketMQ re-runs the whole request (brokerAllowSuspend=false): a group disabled, a topic
    // made unreadable or a subscription replaced while the pull was parked is seen now.
    let again = this.#check(header, channel);
    if (again instanceof Promise) again = await again;
    if (again instanceof BrokerError) return createResponse(request, again.code, again.remark);
    return await this.#pull(request, again);
  }

  /** The checks of RocketMQ's `processRequest` before the read; a failure is returned, not thrown. */
  #check(
    header: PullMessageRequestHeader,
    channel: RemotingChannel,
  ): CheckedPull | BrokerError | Promise<CheckedPull | BrokerError> {
    const { config, subscriptionGroupManager } = this.#context;
    if (!isReadable(config.brokerPermission)) {
      return new BrokerError(
        ResponseCode.NO_PERMISSION,
        `the broker[${config.brokerIP1}] pulling message is forbidden`,
      );
    }
    const known = subscriptionGroupManager.getSubscriptionGroupConfig(header.consumerGroup);
    if (known !== undefined) return this.#checkWithGroup(header, known, channel);
    return subscriptionGroupManager.findSubscriptionGroupConfig(header.consumerGroup)
      .then((created) => this.#checkWithGroup(header, created, channel));
  }

  #checkWithGroup(
    header: PullMessageRequestHeader,
    groupConfig: SubscriptionGroupConfig | null,
    channel: RemotingChannel,
  ): CheckedPull | BrokerError {
    const { config, topicConfigManager } = this.#context;
    const group = header.consumerGroup;
    if (groupConfig === null) {
      return new BrokerError(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${group}] does not exist, ${
          suggestTodo(SUBSCRIPTION_GROUP_NOT_EXIST_URL)
        }`,
      );
    }
    if (!groupConfig.consumeEnable) {
      return new BrokerError(
        ResponseCode.NO_PERMISSION,
        `subscription group no permission, ${group}`,
      );
    }
    const topicConfig = topicConfigManager.selectTopicConfig(header.topic);
    if (topicConfig === undefined) {
      return new BrokerError(
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${header.topic}] not exist, apply first please! ${suggestTodo(APPLY_TOPIC_URL)}`,
      );
    }
    if (!isReadable(topicConfig.perm)) {
      return new BrokerError(
        ResponseCode.NO_PERMISSION,
        `the topic[${header.topic}] pulling message is forbidden`,
      );
    }
    if (header.queueId < 0 || header.queueId >= topicConfig.readQueueNums) {
      return new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topicConfig.readQueueNums}] consumer:[${channel.remoteAddress}]`,
      );
    }
    const subscription = this.#subscription(header, groupConfig);
    if (subscription instanceof BrokerError) return subscription;
    // The same answer CHECK_CLIENT_CONFIG gives a starting consumer.
    const unsupported = checkExpressionSupported(subscription, config.enablePropertyFilter);
    if (unsupported !== null) return new BrokerError(unsupported.code, unsupported.remark);
    return { header, groupConfig, filter: new TagMessageFilter(subscription) };
  }

  /** The pull's own expression (SUBSCRIPTION flag) or the group's registered subscription. */
  #subscription(
    header: PullMessageRequestHeader,
    groupConfig: SubscriptionGroupConfig,
  ): SubscriptionData | BrokerError {
    if ((header.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0) {
      try {
        return buildSubscriptionData({
          topic: header.topic,
          subString: header.subscription,
          expressionType: header.expressionType,
          subVersion: header.subVersion,
        });
      } catch (error) {
        if (!(error instanceof BrokerError)) throw error;
        return new BrokerError(
          ResponseCode.SUBSCRIPTION_PARSE_FAILED,
          "parse the consumer's subscription failed",
        );
      }
    }
    const groupInfo = this.#context.consumerManager.getConsumerGroupInfo(header.consumerGroup);
    if (groupInfo === undefined) {
      return new BrokerError(
        ResponseCode.SUBSCRIPTION_NOT_EXIST,
        `the consumer's group info not exist${suggestTodo(SAME_GROUP_DIFFERENT_TOPIC_URL)}`,
      );
    }
    if (!groupConfig.consumeBroadcastEnable && groupInfo.messageModel === "BROADCASTING") {
      return new BrokerError(
        ResponseCode.NO_PERMISSION,
        `the consumer group[${header.consumerGroup}] can not consume by broadcast way`,
      );
    }
    const subscription = groupInfo.findSubscriptionData(header.topic);
    if (subscription === undefined) {
      return new BrokerError(
        ResponseCode.SUBSCRIPTION_NOT_EXIST,
        `the consumer's subscription not exist${suggestTodo(SAME_GROUP_DIFFERENT_TOPIC_URL)}`,
      );
    }
    if (subscription.subVersion < header.subVersion) {
      return new BrokerError(
        ResponseCode.SUBSCRIPTION_NOT_LATEST,
        "the consumer's subscription not latest",
      );
    }
    return subscription;
  }

  /** Reads once and maps the store status to the response (store.md §8). */
  async #pull(request: RemotingCommand, checked: CheckedPull): Promise<RemotingCommand> {
    const { header, groupConfig, filter } = checked;
    const { config, store } = this.#context;
    const result = await store.getMessage(
      header.consumerGroup,
      header.topic,
      header.queueId,
      header.queueOffset,
      header.maxMsgNums,
      filter,
    );
    if (result === null) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, "store getMessage return null");
    }
    const suggest = config.slaveReadEnable
      ? (result.suggestPullingFromSlave
        ? groupConfig.whichBrokerWhenConsumeSlowly
        : groupConfig.brokerId)
      : MASTER_ID;
    const extFields = {
      suggestWhichBrokerId: String(suggest),
      nextBeginOffset: String(result.nextBeginOffset),
      minOffset: String(result.minOffset),
      maxOffset: String(result.maxOffset),
    };
    let code = pullResponseCode(result, header.queueOffset);
    // A slave answers what it found (4.9.8 sets PULL_RETRY_IMMEDIATELY for slaveReadEnable=false,
    // then the status switch overwrites it; 5.x keeps FOUND): a found batch dropped with its
    // nextBeginOffset would make the consumer skip it. Without offsetCheckInSlave a slave does
    // not move the offset: the client retries, on the group's broker.
    if (
      code === ResponseCode.PULL_OFFSET_MOVED && config.brokerRole === "SLAVE" &&
      !store.config.offsetCheckInSlave
    ) {
      code = ResponseCode.PULL_RETRY_IMMEDIATELY;
      extFields.suggestWhichBrokerId = String(groupConfig.brokerId);
    }
    if (code === ResponseCode.PULL_OFFSET_MOVED && config.brokerRole !== "SLAVE") {
      await this.#recordOffsetMoved(header, result.nextBeginOffset);
    }
    let body: Uint8Array | undefined;
    if (code === ResponseCode.SUCCESS) {
      body = concatRecords(result);
      this.#context.brokerStats.recordGet(
        header.consumerGroup,
        header.topic,
        result.messages.length,
        body.length,
      );
    }
    return createResponse(request, code, result.status, extFields, body);
  }

  /**
   * Stores the OffsetMovedEvent (RocketMQ `generateOffsetMovedEvent`); a failed put only logs, as
   * there, and never fails the pull. A slave's store takes no puts, so only masters record it.
   */
  async #recordOffsetMoved(header: PullMessageRequestHeader, offsetNew: number): Promise<void> {
    const { config, clock, logger, storeHost, store } = this.#context;
    const event = {
      consumerGroup: header.consumerGroup,
      brokerName: config.brokerName,
      topic: header.topic,
      queueId: header.queueId,
      offsetRequest: header.queueOffset,
      offsetNew,
    };
    const failed = (why: string) =>
      logger.warn(`Cannot store the OffsetMovedEvent ${JSON.stringify(event)}: ${why}`);
    try {
      const result = await store.putMessage(offsetMovedEventMessage(event, storeHost, clock.now()));
      if (!putMessageResponse(result.status).stored) failed(result.status);
    } catch (error) {
      failed(error instanceof Error ? error.message : String(error));
    }
  }
}

/**
 * Maps a store status to the pull response code (store.md §8).
 *
 * @param result the store's answer
 * @param requestedOffset the pull's `queueOffset`
 * @returns the response code
 */
export function pullResponseCode(result: GetMessageResult, requestedOffset: number): number {
  switch (result.status) {
    case "FOUND":
      return ResponseCode.SUCCESS;
    case "MESSAGE_WAS_REMOVING":
    case "NO_MATCHED_MESSAGE":
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case "NO_MATCHED_LOGIC_QUEUE":
    case "NO_MESSAGE_IN_QUEUE":
      return requestedOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case "OFFSET_FOUND_NULL":
    case "OFFSET_OVERFLOW_ONE":
      return ResponseCode.PULL_NOT_FOUND;
    case "OFFSET_OVERFLOW_BADLY":
    case "OFFSET_TOO_SMALL":
      return ResponseCode.PULL_OFFSET_MOVED;
  }
}

/** The found records back to back, one copy (RocketMQ `readGetMessageResult`, transferMsgByHeap). */
function concatRecords(result: GetMessageResult): Uint8Array {
  const buffers = result.messages;
  if (buffers.length === 1) return buffers[0];
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  const body = new Uint8Array(total);
  let position = 0;
  for (const buffer of buffers) {
    body.set(buffer, position);
    position += buffer.length;
  }
  return body;
}

/**
 * Registers PULL_MESSAGE and LITE_PULL_MESSAGE (361, which RocketMQ 5.x clients send for pulls with
 * the lite flag and 5.x brokers serve the same way). The processor answers REQUEST_CODE_NOT_SUPPORTED on the VIP port: pulls
 * exist only on the main port (remoting.md §8).
 *
 * @param registry the remoting server
 * @param context broker state
 * @returns the processor
 */
export function registerPullMessageProcessor(
  registry: ProcessorRegistry,
  context: CoreContext,
): PullMessageProcessor {
  const processor = new PullMessageProcessor(context);
  const handler = guardProcessor(
    context.logger,
    (request, channel) => processor.processRequest(request, channel),
  );
  registry.registerProcessor(RequestCode.PULL_MESSAGE, handler);
  // A 5.x lite pull consumer's pulls (LITE_PULL_MESSAGE): the same request, another code.
  registry.registerProcessor(RequestCode.LITE_PULL_MESSAGE, handler);
  return processor;
}

/**
 * Client management (RocketMQ `ClientManageProcessor`, headers.md §4): HEART_BEAT registers a
 * connection's producer and consumer groups and creates each consumer group's `%RETRY%` topic;
 * UNREGISTER_CLIENT removes them; CHECK_CLIENT_CONFIG tells a starting consumer whether this
 * broker can filter by its subscription. Membership changes are pushed to the group's members
 * with NOTIFY_CONSUMER_IDS_CHANGED by {@linkcode ConsumerIdsChangedNotifier}.
 *
 * @module
 */

import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  type NotifyConsumerIdsChangedRequestHeader,
  UnregisterClientRequestHeader,
} from "../../protocol/headers/client_headers.ts";
import { encodeHeader } from "../../protocol/headers/header_codec.ts";
import type { RemotingChannel } from "../../protocol/remoting_channel.ts";
import {
  createRequest,
  createResponse,
  type RemotingCommand,
} from "../../protocol/remoting_command.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import type { ConsumerGroupEvent, ConsumerIdsChangeListener } from "../consumer_manager.ts";
import { NOTIFY_CONSUMER_IDS_CHANGED_TIMEOUT_MS } from "../limits.ts";
import { buildTopicSysFlag, PermName } from "../topic_config.ts";
import { checkExpressionSupported } from "../filter/mod.ts";
import { retryTopic } from "../topic_validator.ts";
import type { CoreContext, ProcessorRegistry } from "./core_context.ts";
import { decodeCheckClientRequestBody, decodeHeartbeatData } from "./_heartbeat_data.ts";
import { type BrokerClientChannel, clientChannelOf, guardProcessor } from "./_processor_support.ts";

/**
 * Handles HEART_BEAT: each consumer group gets its settings looked up (created when
 * `autoCreateSubscriptionGroup`), its retry topic created, and its connection and subscriptions
 * registered; each producer group its connection.
 *
 * @param context broker state
 * @param request the request (body HeartbeatData)
 * @param channel the client's connection
 * @returns SUCCESS
 * @throws {BrokerError} on a bad body, or when a limit refused a group (the others registered)
 */
export function heartBeat(
  context: CoreContext,
  request: RemotingCommand,
  channel: RemotingChannel,
): Promise<RemotingCommand> {
  const heartbeat = decodeHeartbeatData(request.body);
  const done = applyHeartbeat(context, request, channel, heartbeat);
  // UNREGISTER_CLIENT on this connection waits for it, and for any earlier one still running.
  const earlier = heartbeatsInProgress.get(channel);
  const settled = done.then(noop, noop);
  heartbeatsInProgress.set(channel, earlier === undefined ? settled : earlier.then(() => settled));
  return done;
}

/**
 * The heartbeat being applied per connection: its group settings and retry topics are written to
 * disk before the client is registered, and an UNREGISTER_CLIENT sent right after it must not
 * run first, or the registration would come after the removal and leave a ghost member.
 */
const heartbeatsInProgress = new WeakMap<RemotingChannel, Promise<void>>();

function noop(): void {}

async function applyHeartbeat(
  context: CoreContext,
  request: RemotingCommand,
  channel: RemotingChannel,
  heartbeat: ReturnType<typeof decodeHeartbeatData>,
): Promise<RemotingCommand> {
  const registration = {
    channel: clientChannelOf(channel),
    clientId: heartbeat.clientID,
    language: request.language,
    version: request.version,
  };
  // Every wait first (group settings, retry topics on disk) ...
  // A group without settings (autoCreateSubscriptionGroup=false) is not registered, as RocketMQ
  // 5.x skips it: it cannot pull, and made-up groups would fill the consumer table's bound.
  const notifyOf = new Map<string, boolean>();
  for (const data of heartbeat.consumerDataSet) {
    const groupConfig = await context.subscriptionGroupManager.findSubscriptionGroupConfig(
      data.groupName,
    );
    if (groupConfig !== null) {
      notifyOf.set(data.groupName, groupConfig.notifyConsumerIdsChangedEnable);
      await context.topicConfigManager.createTopicInSendMessageBackMethod({
        topic: retryTopic(data.groupName),
        clientDefaultTopicQueueNums: groupConfig.retryQueueNums,
        perm: PermName.PERM_READ | PermName.PERM_WRITE,
        topicSysFlag: data.unitMode ? buildTopicSysFlag(false, true) : 0,
      });
    }
  }
  // ... then no wait: a connection that closed meanwhile (its close handling already ran) is not
  // registered, or it would stay listed until the channel expiry.
  if (channel.closed) return createResponse(request, ResponseCode.SUCCESS);
  // A group a limit refuses does not keep the heartbeat's other groups from registering.
  const refused: BrokerError[] = [];
  const each = (register: () => void, onRefused?: () => void) => {
    try {
      register();
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      refused.push(error);
      onRefused?.();
    }
  };
  for (const data of heartbeat.consumerDataSet) {
    const notify = notifyOf.get(data.groupName);
    if (notify === undefined) continue;
    // A member refused now leaves the group: its old entry, never refreshed, would expire and
    // have the connection closed, with the groups that did register. A connection that never
    // joined has nothing to leave: its refusal changes no membership, so no member is notified
    // (at channelsPerGroupMax each refused heartbeat would make every member rebalance).
    const leave = () => {
      const info = context.consumerManager.getConsumerGroupInfo(data.groupName);
      if (info?.findChannelInfo(registration.channel.id) === undefined) return;
      context.consumerManager.unregisterConsumer(data.groupName, registration.channel, notify);
    };
    each(() => {
      const changed = context.consumerManager.registerConsumer({
        group: data.groupName,
        registration,
        consumeType: data.consumeType,
        messageModel: data.messageModel,
        consumeFromWhere: data.consumeFromWhere,
        subscriptions: data.subscriptionDataSet,
        notifyConsumerIdsChangedEnable: notify,
      });
      if (changed) {
        context.logger.info(
          `broker: consumer group ${data.groupName} changed by ${heartbeat.clientID} from ${channel.remoteAddress}`,
        );
      }
    }, leave);
  }
  for (const group of heartbeat.producerGroups) {
    each(() => context.producerManager.registerProducer(group, registration));
  }
  if (refused.length > 0) {
    const remarks = refused.map((error) => error.remark);
    throw new BrokerError(
      refused[0].code,
      `${remarks.join("; ")} (the heartbeat's other groups were registered)`,
    );
  }
  return createResponse(request, ResponseCode.SUCCESS);
}

/**
 * Handles UNREGISTER_CLIENT: removes the connection from the named producer and consumer groups.
 *
 * @param context broker state
 * @param request the request (header clientID, producerGroup, consumerGroup)
 * @param channel the client's connection
 * @returns SUCCESS
 * @throws {HeaderDecodeError} when clientID is missing
 */
export async function unregisterClient(
  context: CoreContext,
  request: RemotingCommand,
  channel: RemotingChannel,
): Promise<RemotingCommand> {
  const header = decodeHeader(UnregisterClientRequestHeader, request);
  await heartbeatsInProgress.get(channel); // a heartbeat sent before it registers first
  const clientChannel = clientChannelOf(channel);
  if (header.producerGroup !== undefined) {
    context.producerManager.unregisterProducer(header.producerGroup, clientChannel);
  }
  if (header.consumerGroup !== undefined) {
    const groupConfig = context.subscriptionGroupManager.getSubscriptionGroupConfig(
      header.consumerGroup,
    );
    const notify = groupConfig?.notifyConsumerIdsChangedEnable ?? true;
    context.consumerManager.unregisterConsumer(header.consumerGroup, clientChannel, notify);
  }
  return createResponse(request, ResponseCode.SUCCESS);
}

/**
 * Handles CHECK_CLIENT_CONFIG, which RocketMQ clients send at consumer start for each subscription
 * that is not a tag expression: no body or no subscription, or a TAG one, is SUCCESS; any other
 * gets the answer a pull with that subscription gets ({@linkcode checkExpressionSupported}), so
 * the consumer's start fails with the broker's reason instead of every pull failing later.
 *
 * @param context broker state
 * @param request the request (body CheckClientRequestBody)
 * @returns SUCCESS, or SYSTEM_ERROR / SUBSCRIPTION_PARSE_FAILED with the reason
 * @throws {BrokerError} SYSTEM_ERROR on a body that is not a CheckClientRequestBody
 */
export function checkClientConfig(context: CoreContext, request: RemotingCommand): RemotingCommand {
  const body = decodeCheckClientRequestBody(request.body);
  const subscription = body?.subscriptionData;
  if (subscription === undefined) return createResponse(request, ResponseCode.SUCCESS);
  const unsupported = checkExpressionSupported(subscription, context.config.enablePropertyFilter);
  if (unsupported === null) return createResponse(request, ResponseCode.SUCCESS);
  context.logger.warn(
    `broker: client ${body?.clientId} of group ${body?.group} cannot filter topic ${subscription.topic} by ${subscription.expressionType} "${subscription.subString}": ${unsupported.remark}`,
  );
  return createResponse(request, unsupported.code, unsupported.remark);
}

/**
 * Removes a closed connection from every consumer and producer group (RocketMQ
 * `ClientHousekeepingService` on close) and frees its parked pulls.
 *
 * @param context broker state
 * @param channel the closed connection
 */
export function onClientChannelClosed(context: CoreContext, channel: RemotingChannel): void {
  const id = String(channel.id);
  context.consumerManager.doChannelCloseEvent(id);
  context.producerManager.doChannelCloseEvent(id);
  context.holdService.dropChannel(channel.id);
}

/**
 * Pushes NOTIFY_CONSUMER_IDS_CHANGED (oneway, header `consumerGroup`) to the members of a group
 * whose membership changed (RocketMQ `DefaultConsumerIdsChangeListener` + `Broker2Client`), so
 * they rebalance at once instead of within 20 s. A member that cannot be reached is logged and
 * skipped.
 */
export class ConsumerIdsChangedNotifier implements ConsumerIdsChangeListener<BrokerClientChannel> {
  readonly #logger: RemotingLogger;
  readonly #enabled: () => boolean;

  /**
   * @param logger where failed pushes are logged
   * @param enabled BrokerConfig `notifyConsumerIdsChangedEnable`, read at each event
   */
  constructor(logger: RemotingLogger, enabled: () => boolean) {
    this.#logger = logger;
    this.#enabled = enabled;
  }

  /** @param event a consumer group event; only CHANGE pushes */
  handle(event: ConsumerGroupEvent<BrokerClientChannel>): void {
    if (event.kind !== "CHANGE" || !this.#enabled()) return;
    const extFields = encodeHeader(
      { consumerGroup: event.group } satisfies NotifyConsumerIdsChangedRequestHeader,
    );
    for (const member of event.channels) {
      const channel = member.remoting;
      if (channel.closed) continue;
      const request = createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, {
        extFields,
        oneway: true,
      });
      channel.invokeOneway(request, NOTIFY_CONSUMER_IDS_CHANGED_TIMEOUT_MS).catch((error) => {
        this.#logger.warn(
          `broker: cannot notify ${channel.remoteAddress} that group ${event.group} changed: ${
            String(error)
          }`,
        );
      });
    }
  }
}

/**
 * Registers HEART_BEAT, UNREGISTER_CLIENT and CHECK_CLIENT_CONFIG.
 *
 * @param registry the remoting server
 * @param context broker state
 */
export function registerClientManageProcessors(
  registry: ProcessorRegistry,
  context: CoreContext,
): void {
  registry.registerProcessor(
    RequestCode.HEART_BEAT,
    guardProcessor(context.logger, (request, channel) => heartBeat(context, request, channel)),
  );
  registry.registerProcessor(
    RequestCode.UNREGISTER_CLIENT,
    guardProcessor(
      context.logger,
      (request, channel) => unregisterClient(context, request, channel),
    ),
  );
  registry.registerProcessor(
    RequestCode.CHECK_CLIENT_CONFIG,
    guardProcessor(context.logger, (request) => checkClientConfig(context, request)),
  );
}

/**
 * The pull loop of a push consumer (RocketMQ `DefaultMQPushConsumerImpl.pullMessage` and
 * `PullMessageService`): one long poll in flight per assigned queue (`shared/spec/features.md`
 * §9, `headers.md` §2):
 *
 * - flow control first: over `pullThresholdForQueue` messages or `pullThresholdSizeForQueue` MiB
 *   cached (or, concurrently, a cached offset span over `consumeConcurrentlyMaxSpan`) the next pull
 *   is scheduled 50 ms later instead;
 * - orderly queues pull only while locked; the first pull after locking re-reads the committed
 *   offset;
 * - PULL_MESSAGE carries SUSPEND (hold `brokerSuspendMaxTimeMillis`, 15 s), and in CLUSTERING
 *   COMMIT_OFFSET with the in-memory offset when it is > 0;
 * - FOUND → cache and consume, pull again at once; NO_NEW_MSG / NO_MATCHED_MSG → move to
 *   `nextBeginOffset` (and, with nothing cached, to the offset store), pull again at once;
 *   OFFSET_ILLEGAL → drop the queue, then 10 s later store `nextBeginOffset` and let the next
 *   rebalance re-create it; errors → retry after `pullTimeDelayMillsWhenException`.
 *
 * @module
 */

import type { Clock } from "../../common/clock.ts";
import { PullSysFlag } from "../../protocol/headers/pull_message_header.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { MQBrokerError } from "../client_error.ts";
import type { MessageModel } from "../heartbeat_data.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../message_const.ts";
import { messageQueueToString } from "../message_queue.ts";
import type { RebalanceImpl } from "../rebalance/rebalance_impl.ts";
import type { ConsumerStats } from "./consumer_stats.ts";
import type { ConsumerTimers } from "./consumer_timers.ts";
import {
  OFFSET_ILLEGAL_FIX_DELAY_MS,
  PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL,
  PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL,
  PULL_TIME_DELAY_MILLS_WHEN_SUSPEND,
} from "./limits.ts";
import type { OffsetStore } from "./offset_store.ts";
import type { PullAPIWrapper, PulledMessages } from "./pull_api_wrapper.ts";
import type { ProcessQueue } from "./process_queue.ts";
import type { PullRequest } from "./pull_request.ts";

const MIB = 1024 * 1024;

/**
 * The push consumer settings the puller follows.
 *
 * @example
 * ```ts
 * import { flowControlReason, type PullSettings } from "./push_message_puller.ts";
 * import { ProcessQueue } from "./process_queue.ts";
 * const settings: PullSettings = {
 *   pullBatchSize: 32, pullThresholdForQueue: 1000, pullThresholdSizeForQueue: 100,
 *   consumeConcurrentlyMaxSpan: 2000, pullInterval: 0, pullTimeDelayMillsWhenException: 3000,
 *   brokerSuspendMaxTimeMillis: 15_000, consumerTimeoutMillisWhenSuspend: 30_000,
 *   postSubscriptionWhenPull: false,
 * };
 * if (flowControlReason(new ProcessQueue(), settings, false) !== undefined) throw new Error();
 * ```
 */
export interface PullSettings {
  /** messages per pull */
  pullBatchSize: number;
  /** cached messages per queue before flow control */
  pullThresholdForQueue: number;
  /** cached MiB per queue before flow control */
  pullThresholdSizeForQueue: number;
  /** cached offset span before flow control (concurrently) */
  consumeConcurrentlyMaxSpan: number;
  /** pause between pulls of one queue, ms (0 = none) */
  pullInterval: number;
  /** delay after a failed pull, ms */
  pullTimeDelayMillsWhenException: number;
  /** long-poll hold asked of the broker, ms */
  brokerSuspendMaxTimeMillis: number;
  /** client deadline of a long poll, ms */
  consumerTimeoutMillisWhenSuspend: number;
  /** send the expression with each pull (PullSysFlag SUBSCRIPTION) */
  postSubscriptionWhenPull: boolean;
}

/**
 * Why a queue must not be pulled now (RocketMQ's flow-control checks of `pullMessage`): more than
 * `pullThresholdForQueue` messages or `pullThresholdSizeForQueue` MiB cached, or (concurrently) a
 * cached offset span over `consumeConcurrentlyMaxSpan`.
 *
 * @param pq the queue's cache
 * @param settings the thresholds
 * @param consumeOrderly orderly consumers skip the span check
 * @returns the reason, or undefined when the queue may be pulled
 * @example
 * ```ts
 * import { flowControlReason } from "./push_message_puller.ts";
 * import { ProcessQueue } from "./process_queue.ts";
 * const settings = { pullThresholdForQueue: 1000, pullThresholdSizeForQueue: 100, consumeConcurrentlyMaxSpan: 2000 };
 * if (flowControlReason(new ProcessQueue(), settings, false) !== undefined) throw new Error();
 * ```
 */
export function flowControlReason(
  pq: ProcessQueue,
  settings: Pick<
    PullSettings,
    "pullThresholdForQueue" | "pullThresholdSizeForQueue" | "consumeConcurrentlyMaxSpan"
  >,
  consumeOrderly: boolean,
): string | undefined {
  if (pq.msgCount > settings.pullThresholdForQueue) {
    return `the cached message count exceeds the threshold ${settings.pullThresholdForQueue}`;
  }
  if (pq.msgSize / MIB > settings.pullThresholdSizeForQueue) {
    return `the cached message size exceeds the threshold ${settings.pullThresholdSizeForQueue} MiB`;
  }
  if (!consumeOrderly && pq.maxSpan() > settings.consumeConcurrentlyMaxSpan) {
    return `the queue's messages, span too long ${pq.maxSpan()}`;
  }
  return undefined;
}

/**
 * Construction options of {@linkcode PushMessagePuller}.
 *
 * @example
 * ```ts
 * import { PushMessagePuller, type PushMessagePullerOptions } from "./push_message_puller.ts";
 * import type { PullRequest } from "./pull_request.ts";
 * function startPulling(options: PushMessagePullerOptions, requests: readonly PullRequest[]) {
 *   const puller = new PushMessagePuller(options);
 *   for (const request of requests) puller.executePullRequestImmediately(request);
 *   return puller;
 * }
 * ```
 */
export interface PushMessagePullerOptions {
  /** the group */
  consumerGroup: string;
  /** clustering or broadcasting */
  messageModel: MessageModel;
  /** orderly consumer */
  consumeOrderly: boolean;
  /** settings, read at every pull (rebalance may adjust thresholds) */
  settings: PullSettings;
  /** subscriptions and queue removal */
  rebalance: RebalanceImpl;
  /** offsets */
  offsetStore: OffsetStore;
  /** the pull call */
  wrapper: PullAPIWrapper;
  /** hands pulled messages to consumption (after they were cached) */
  consume: (pulled: PulledMessages, request: PullRequest, dispatchToConsume: boolean) => void;
  /** re-reads the committed offset of a newly locked orderly queue */
  computePullFromWhere: (request: PullRequest) => Promise<number>;
  /** asks the instance for a rebalance now */
  rebalanceImmediately: () => void;
  /** whether the consumer is suspended */
  isPause: () => boolean;
  /** delayed pulls; stop at shutdown */
  timers: ConsumerTimers;
  /** time source of pull timestamps */
  clock: Clock;
  /** where problems are logged */
  logger: RemotingLogger;
  /** pull round trips and pulled messages per topic (RocketMQ `ConsumerStatsManager`) */
  stats?: ConsumerStats;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts ignore
 * const puller = new PushMessagePuller({ consumerGroup: "G", ... });
 * puller.executePullRequestImmediately(request);
 * ```
 */
export class PushMessagePuller {
  readonly #o: PushMessagePullerOptions;
  #stopped = false;
  #flowControlTimes = 0;
  #inFlight = 0;

  /** @param options group, model, settings, rebalance, offsets, wrapper, consumption, timers */
  constructor(options: PushMessagePullerOptions) {
    this.#o = options;
  }

  /** pulls waiting for an answer */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Stops scheduling pulls; answers still arriving are ignored. */
  stop(): void {
    this.#stopped = true;
  }

  /** @param request the queue to pull now */
  executePullRequestImmediately(request: PullRequest): void {
    if (this.#stopped) return;
    this.#pullMessage(request).catch((error) => {
      this.#o.logger.error(
        `Pull of ${messageQueueToString(request.messageQueue)} failed: ${(error as Error).message}`,
      );
      this.executePullRequestLater(request, this.#o.settings.pullTimeDelayMillsWhenException);
    });
  }

  /**
   * @param request the queue to pull
   * @param delayMs when
   */
  executePullRequestLater(request: PullRequest, delayMs: number): void {
    if (this.#stopped) return;
    this.#o.timers.schedule(delayMs, () => this.executePullRequestImmediately(request));
  }

  async #pullMessage(request: PullRequest): Promise<void> {
    const pq = request.processQueue;
    if (pq.dropped) return;
    pq.lastPullTimestamp = this.#o.clock.now();
    const s = this.#o.settings;
    if (this.#o.isPause()) {
      this.executePullRequestLater(request, PULL_TIME_DELAY_MILLS_WHEN_SUSPEND);
      return;
    }
    if (this.#flowControlled(request)) {
      this.executePullRequestLater(request, PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL);
      return;
    }
    if (this.#o.consumeOrderly && !(await this.#orderlyReady(request))) return;
    const mq = request.messageQueue;
    const subscription = this.#o.rebalance.subscriptionInner.get(mq.topic);
    if (subscription === undefined) {
      this.#o.logger.warn(`find the consumer's subscription failed, ${messageQueueToString(mq)}`);
      this.executePullRequestLater(request, s.pullTimeDelayMillsWhenException);
      return;
    }
    const commitOffsetValue = this.#o.messageModel === "CLUSTERING"
      ? this.#o.offsetStore.memoryOffset(mq)
      : 0;
    const subExpression = s.postSubscriptionWhenPull && !subscription.classFilterMode
      ? subscription.subString
      : undefined;
    const sysFlag = (commitOffsetValue > 0 ? PullSysFlag.COMMIT_OFFSET : 0) | PullSysFlag.SUSPEND |
      (subExpression !== undefined ? PullSysFlag.SUBSCRIPTION : 0) |
      (subscription.classFilterMode ? PullSysFlag.CLASS_FILTER : 0);
    let pulled: PulledMessages;
    const beginMs = this.#o.clock.now();
    this.#inFlight++;
    try {
      pulled = await this.#o.wrapper.pull({
        mq,
        subExpression,
        expressionType: subscription.expressionType,
        subVersion: subscription.subVersion,
        offset: request.nextOffset,
        maxNums: s.pullBatchSize,
        sysFlag,
        commitOffset: Math.max(commitOffsetValue, 0),
        brokerSuspendMaxTimeMillis: s.brokerSuspendMaxTimeMillis,
        timeoutMillis: s.consumerTimeoutMillisWhenSuspend,
      }, subscription);
    } catch (error) {
      this.#onException(request, error);
      return;
    } finally {
      this.#inFlight--;
    }
    // A queue dropped meanwhile (rebalance, reset) is someone else's now, or made again with a
    // new cache: its answer must not move that one's offset (RocketMQ's reset waits 10 s for it).
    if (this.#stopped || pq.dropped) return;
    // As RocketMQ's pull callback: RT for pulls that found messages only (an empty long poll
    // would report the hold time), TPS for those that kept some after the tag re-check.
    if (pulled.pullStatus === "FOUND") {
      this.#o.stats?.incPullRT(mq.topic, this.#o.clock.now() - beginMs);
      if (pulled.msgFoundList.length > 0) {
        this.#o.stats?.incPullTPS(mq.topic, pulled.msgFoundList.length);
      }
    }
    this.#onSuccess(request, pulled);
  }

  #flowControlled(request: PullRequest): boolean {
    const pq = request.processQueue;
    const reason = flowControlReason(pq, this.#o.settings, this.#o.consumeOrderly);
    if (reason === undefined) return false;
    if (this.#flowControlTimes++ % 1000 === 0) {
      this.#o.logger.warn(
        `${reason}, so do flow control, count=${pq.msgCount}, size=${pq.msgSize} bytes, ${
          messageQueueToString(request.messageQueue)
        }, flowControlTimes=${this.#flowControlTimes}`,
      );
    }
    return true;
  }

  /** @returns whether an orderly queue may be pulled now (else a later pull is scheduled) */
  async #orderlyReady(request: PullRequest): Promise<boolean> {
    const s = this.#o.settings;
    if (!request.processQueue.locked) {
      this.executePullRequestLater(request, s.pullTimeDelayMillsWhenException);
      return false;
    }
    if (request.previouslyLocked) return true;
    let offset: number;
    try {
      offset = await this.#o.computePullFromWhere(request);
    } catch (error) {
      this.#o.logger.error(
        `Failed to compute pull offset of ${messageQueueToString(request.messageQueue)}: ${
          (error as Error).message
        }`,
      );
      this.executePullRequestLater(request, s.pullTimeDelayMillsWhenException);
      return false;
    }
    request.previouslyLocked = true;
    request.nextOffset = offset;
    return true;
  }

  #onSuccess(request: PullRequest, pulled: PulledMessages): void {
    const pq = request.processQueue;
    switch (pulled.pullStatus) {
      case "FOUND": {
        request.nextOffset = pulled.nextBeginOffset;
        if (pulled.msgFoundList.length === 0) {
          this.#correctTagsOffset(request);
          this.executePullRequestImmediately(request);
          return;
        }
        const dispatchToConsume = pq.putMessage(pulled.msgFoundList);
        this.#o.consume(pulled, request, dispatchToConsume);
        const interval = this.#o.settings.pullInterval;
        if (interval > 0) this.executePullRequestLater(request, interval);
        else this.executePullRequestImmediately(request);
        return;
      }
      case "NO_NEW_MSG":
      case "NO_MATCHED_MSG":
        request.nextOffset = pulled.nextBeginOffset;
        this.#correctTagsOffset(request);
        this.executePullRequestImmediately(request);
        return;
      case "OFFSET_ILLEGAL":
        this.#onOffsetIllegal(request, pulled);
        return;
    }
  }

  #onOffsetIllegal(request: PullRequest, pulled: PulledMessages): void {
    const mq = request.messageQueue;
    this.#o.logger.warn(
      `the pull request offset illegal, ${
        messageQueueToString(mq)
      } offset ${request.nextOffset}, next ${pulled.nextBeginOffset}`,
    );
    request.nextOffset = pulled.nextBeginOffset;
    request.processQueue.dropped = true;
    this.#o.timers.schedule(OFFSET_ILLEGAL_FIX_DELAY_MS, async () => {
      this.#o.offsetStore.updateAndFreezeOffset(mq, request.nextOffset);
      await this.#o.offsetStore.persist(mq);
      await this.#o.rebalance.removeProcessQueue(mq);
      this.#o.rebalanceImmediately();
      this.#o.logger.warn(`fix the pull request offset, ${messageQueueToString(mq)}`);
    });
  }

  #correctTagsOffset(request: PullRequest): void {
    if (request.processQueue.msgCount === 0) {
      this.#o.offsetStore.updateOffset(request.messageQueue, request.nextOffset, true);
    }
  }

  #onException(request: PullRequest, error: unknown): void {
    if (this.#stopped) return;
    const mq = request.messageQueue;
    const flowControl = error instanceof MQBrokerError &&
      error.responseCode === ResponseCode.FLOW_CONTROL;
    if (!mq.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      const notLatest = error instanceof MQBrokerError &&
        error.responseCode === ResponseCode.SUBSCRIPTION_NOT_LATEST;
      this.#o.logger.warn(
        notLatest
          ? `the subscription is not latest, group=${this.#o.consumerGroup}, messageQueue=${
            messageQueueToString(mq)
          }`
          : `execute the pull request exception, group=${this.#o.consumerGroup}, messageQueue=${
            messageQueueToString(mq)
          }: ${(error as Error).message}`,
      );
    }
    this.executePullRequestLater(
      request,
      flowControl
        ? PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL
        : this.#o.settings.pullTimeDelayMillsWhenException,
    );
  }
}

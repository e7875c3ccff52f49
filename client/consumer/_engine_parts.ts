/**
 * The parts the push and pull consumer engines build and use the same way: the task timers, the
 * offset store, the rebalance, and fetching routes for a (new) subscription.
 *
 * @module
 */

import type { FileSystem } from "../../store/file_system.ts";
import type { ClientConfig } from "../client_config.ts";
import type { MessageModel } from "../heartbeat_data.ts";
import type { MQClientInstance } from "../mq_client_instance.ts";
import type { AllocateMessageQueueStrategy } from "../rebalance/allocate_message_queue_strategy.ts";
import { MessageQueueLocker } from "../rebalance/message_queue_locker.ts";
import { type RebalanceHooks, RebalanceImpl } from "../rebalance/rebalance_impl.ts";
import { ConsumerTimers } from "./consumer_timers.ts";
import { createOffsetStore } from "./create_offset_store.ts";
import type { OffsetStore } from "./offset_store.ts";

/** The engine options every part reads (both engines' options have them). */
export interface EnginePartsOptions {
  /** the resolved consumer options */
  config: { consumerGroup: string; messageModel: MessageModel; readonly client: ClientConfig };
  /** the shared client instance */
  instance: MQClientInstance;
  /** the allocation strategy */
  strategy: AllocateMessageQueueStrategy;
  /** file system of the broadcasting offsets */
  fs: FileSystem;
  /** folder of the broadcasting offsets */
  localOffsetStoreDir: string;
}

/**
 * @param options the engine's options
 * @returns timers whose failing tasks are logged with the group
 */
export function createEngineTimers(options: EnginePartsOptions): ConsumerTimers {
  const group = options.config.consumerGroup;
  const logger = options.config.client.logger;
  return new ConsumerTimers((error) =>
    logger.error(`Consumer ${group} task failed: ${(error as Error).message}`)
  );
}

/**
 * @param options the engine's options
 * @returns the broker (CLUSTERING) or local file (BROADCASTING) offset store
 */
export function createEngineOffsetStore(options: EnginePartsOptions): OffsetStore {
  const { config } = options;
  return createOffsetStore({
    messageModel: config.messageModel,
    groupName: config.consumerGroup,
    client: options.instance,
    fs: options.fs,
    localOffsetStoreDir: options.localOffsetStoreDir,
    logger: config.client.logger,
  });
}

/**
 * @param options the engine's options
 * @param hooks the consumer kind's rebalance hooks
 * @returns the group's rebalance
 */
export function createEngineRebalance(
  options: EnginePartsOptions,
  hooks: RebalanceHooks,
): RebalanceImpl {
  const { config, instance } = options;
  const group = config.consumerGroup;
  return new RebalanceImpl({
    consumerGroup: group,
    messageModel: config.messageModel,
    strategy: options.strategy,
    client: instance,
    locker: new MessageQueueLocker(instance, group),
    hooks,
    clock: config.client.clock,
    logger: config.client.logger,
  });
}

/**
 * Fetches a topic's route from the name server; a failure is logged (the next periodic update
 * retries).
 *
 * @param options the engine's options
 * @param topic the topic
 */
export async function updateRouteLogged(options: EnginePartsOptions, topic: string): Promise<void> {
  try {
    await options.instance.updateTopicRouteInfoFromNameServer(topic);
  } catch (error) {
    options.config.client.logger.warn(
      `Cannot fetch the route of ${topic}: ${(error as Error).message}`,
    );
  }
}

/**
 * In the background: fetches a new subscription's route, tells the brokers and rebalances at once;
 * a failure is logged.
 *
 * @param options the engine's options
 * @param topic the subscribed topic
 */
export function announceSubscription(options: EnginePartsOptions, topic: string): void {
  const instance = options.instance;
  (async () => {
    await updateRouteLogged(options, topic);
    await instance.sendHeartbeatToAllBrokerWithLock();
    instance.rebalanceImmediately();
  })().catch((error) => {
    options.config.client.logger.warn(
      `Announcing the subscription of ${topic} failed: ${(error as Error).message}`,
    );
  });
}

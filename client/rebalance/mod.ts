/**
 * Queue allocation and rebalance of consumer groups (RocketMQ `consumer/rebalance/*`,
 * `RebalanceImpl`, `shared/spec/features.md` §8): the allocation strategies, the consistent-hash
 * ring, orderly queue locks, and the rebalance engine with its push and pull consumer hooks.
 *
 * @module
 */

/** Allocation strategies. */
export {
  AllocateArgumentError,
  type AllocateMessageQueueStrategy,
  checkAllocateArguments,
  requireAllocateStrategy,
} from "./allocate_message_queue_strategy.ts";
export { AllocateMessageQueueAveragely } from "./allocate_message_queue_averagely.ts";
export { AllocateMessageQueueAveragelyByCircle } from "./allocate_message_queue_averagely_by_circle.ts";
export {
  AllocateMessageQueueConsistentHash,
  CONSISTENT_HASH_VIRTUAL_NODES_DEFAULT,
} from "./allocate_message_queue_consistent_hash.ts";
export { AllocateMessageQueueByConfig } from "./allocate_message_queue_by_config.ts";
export { AllocateMessageQueueByMachineRoom } from "./allocate_message_queue_by_machine_room.ts";
export {
  ConsistentHashRouter,
  type HashFunction,
  type HashNode,
  md5Hash,
} from "./consistent_hash_router.ts";

/** Rebalance. */
export {
  type RebalanceHooks,
  RebalanceImpl,
  type RebalanceImplOptions,
  type RebalanceOutcome,
} from "./rebalance_impl.ts";
export {
  type PushThresholds,
  type RebalancePushContext,
  RebalancePushHooks,
  UNLOCK_DELAY_TIME_MILLS,
} from "./rebalance_push_impl.ts";
export {
  type RebalanceLitePullContext,
  RebalanceLitePullHooks,
} from "./rebalance_lite_pull_impl.ts";
export { type LockClient, MessageQueueLocker } from "./message_queue_locker.ts";

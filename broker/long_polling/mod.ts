/**
 * Long polling of PULL_MESSAGE: parked pulls woken by arriving messages (features.md §9).
 *
 * @module
 */
export {
  type ConsumeQueueMatcher,
  PullRequestHoldService,
  type PullRequestHoldServiceOptions,
  type SuspendPullOptions,
  type WakeReason,
} from "./pull_request_hold_service.ts";

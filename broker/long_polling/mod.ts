/**
 * Long polling of PULL_MESSAGE: parked pulls woken by arriving messages (features.md §9).
 *
 * @module
 */
export {
  type ConsumeQueueMatcher,
  type HoldCheckOptions,
  LONG_POLLING_CHECK_INTERVAL_MS,
  PullRequestHoldService,
  type PullRequestHoldServiceOptions,
  type SuspendPullOptions,
  type WakeReason,
} from "./pull_request_hold_service.ts";

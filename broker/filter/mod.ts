/**
 * Subscription expressions and message filtering by tag (features.md §1).
 *
 * @module
 */
export {
  buildSubscriptionData,
  type BuildSubscriptionDataOptions,
  checkExpressionSupported,
  ExpressionType,
  isTagType,
  SUB_ALL,
  type SubscriptionData,
  type UnsupportedExpression,
} from "./subscription_data.ts";
export { TagMessageFilter } from "./tag_message_filter.ts";

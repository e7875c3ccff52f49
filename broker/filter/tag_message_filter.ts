/**
 * Tag filtering on the pull path (RocketMQ `ExpressionMessageFilter` for TAG expressions,
 * features.md §1): the broker keeps a consume-queue unit when its tag hash is in the
 * subscription's code set; hash collisions pass and the client re-checks the tag string itself
 * ({@linkcode TagMessageFilter.isMatchedByTags} does the same check).
 *
 * @module
 */
import { SUB_ALL, type SubscriptionData } from "./subscription_data.ts";

/**
 * Decides per consume-queue unit whether a message reaches the consumer. Built once per pull from
 * the subscription; the per-unit test is one Set lookup, with no allocation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSubscriptionData } from "./subscription_data.ts";
 * import { TagMessageFilter } from "./tag_message_filter.ts";
 * const filter = new TagMessageFilter(buildSubscriptionData({ topic: "T", subString: "TagA" }));
 * assert.equal(filter.isMatchedByConsumeQueue(2598919), true);
 * assert.equal(filter.isMatchedByConsumeQueue(0), false);
 * assert.equal(filter.isMatchedByTags("TagA"), true);
 * ```
 */
export class TagMessageFilter {
  /** true when every unit passes (no subscription, class filter, `*`) */
  readonly #all: boolean;
  readonly #codes: ReadonlySet<number>;
  readonly #tags: ReadonlySet<string>;
  readonly #checkTags: boolean;

  /**
   * @param subscription the consumer's subscription; null (none registered) lets everything pass,
   *   as RocketMQ does
   */
  constructor(subscription: SubscriptionData | null) {
    this.#all = subscription === null || subscription.classFilterMode ||
      subscription.subString === SUB_ALL;
    this.#codes = new Set(subscription?.codeSet ?? []);
    this.#tags = new Set(subscription?.tagsSet ?? []);
    this.#checkTags = subscription !== null && !subscription.classFilterMode && this.#tags.size > 0;
  }

  /**
   * The broker-side test by the tag hash stored in the consume-queue unit.
   *
   * @param tagsCode the unit's tag code (int64 read from the consume queue; compared as its low 32
   *   bits, Java `Long.intValue()`), or null when the unit has none
   * @returns true when the unit passes the filter
   */
  isMatchedByConsumeQueue(tagsCode: number | null): boolean {
    if (this.#all || tagsCode === null) return true;
    return this.#codes.has(tagsCode | 0);
  }

  /**
   * The exact check RocketMQ clients apply after a pull (`PullAPIWrapper.processPullResult`): with
   * a non-empty tag set, only messages whose TAGS equal one of the tags pass, untagged ones do not.
   *
   * @param tags the message's TAGS property, undefined when absent
   * @returns true when the message passes
   */
  isMatchedByTags(tags: string | undefined): boolean {
    if (!this.#checkTags) return true;
    return tags !== undefined && this.#tags.has(tags);
  }
}

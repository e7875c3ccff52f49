/**
 * A consumer's subscription to one topic (RocketMQ `SubscriptionData`, bodies.md §5) and how the
 * broker builds one from an expression, as RocketMQ's `FilterAPI.build` does (features.md §1):
 * `*` or empty = every message; otherwise tags separated by `||`, trimmed as Java trims, empty
 * parts dropped ({@linkcode splitTagExpression}), each with its Java `String.hashCode` in
 * `codeSet`. Both lists are sets in RocketMQ (duplicates merged); here they are arrays in
 * first-seen order without duplicates.
 *
 * @module
 */
import { computeTagsCode } from "../../store/message_properties.ts";
import { splitTagExpression } from "../../common/tag_expression.ts";
import { ResponseCode, type ResponseCodeValue } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { SUBSCRIPTION_EXPRESSION_LENGTH_MAX } from "../limits.ts";

/** The expression that selects every message (`SubscriptionData.SUB_ALL`). */
export const SUB_ALL = "*";

/** RocketMQ `ExpressionType` names. */
export const ExpressionType = {
  /** tag list, `TagA || TagB`; the default */
  TAG: "TAG",
  /** SQL92 selector over message properties; needs `enablePropertyFilter` */
  SQL92: "SQL92",
} as const;

/**
 * One subscription as clients send it in heartbeats and the broker keeps it per group. Field names
 * are RocketMQ's JSON properties (bodies.md §5).
 */
export interface SubscriptionData {
  /** the subscribed topic */
  readonly topic: string;
  /** the expression as given (`*` when empty) */
  readonly subString: string;
  /** the tags of a TAG expression (empty for `*` and SQL92) */
  readonly tagsSet: readonly string[];
  /** Java `String.hashCode` of the tags, without duplicates (two tags may share a code) */
  readonly codeSet: readonly number[];
  /** client time (ms) the subscription was made; newer replaces older */
  readonly subVersion: number;
  /** `TAG` or `SQL92` (other names are kept as given and refused when used) */
  readonly expressionType: string;
  /** obsolete class-filter mode: when true the broker does not filter */
  readonly classFilterMode: boolean;
}

/** Options for {@linkcode buildSubscriptionData}. */
export interface BuildSubscriptionDataOptions {
  /** the subscribed topic */
  readonly topic: string;
  /** the expression; undefined or "" means `*` */
  readonly subString?: string | null;
  /** `TAG` when undefined, null or "TAG" */
  readonly expressionType?: string | null;
  /** the subscription version (pull header `subVersion`, or the client's); default 0 */
  readonly subVersion?: number;
}

/**
 * @returns true for a TAG expression type (`TAG`, empty or absent), as `ExpressionType.isTagType`
 * @param type the expression type as received
 */
export function isTagType(type: string | null | undefined): boolean {
  return type === undefined || type === null || type === "" || type === ExpressionType.TAG;
}

/**
 * Builds a subscription from an expression (RocketMQ `FilterAPI.build`). A SQL92 expression is
 * kept as text with no tags: whether the broker accepts it is {@linkcode checkExpressionSupported}'s
 * question.
 *
 * @param options topic, expression, type and version
 * @returns the subscription
 * @throws {BrokerError} SUBSCRIPTION_PARSE_FAILED when the expression cannot be parsed (only `||`,
 *   empty SQL92, or longer than `SUBSCRIPTION_EXPRESSION_LENGTH_MAX`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSubscriptionData } from "./subscription_data.ts";
 * const sub = buildSubscriptionData({ topic: "TopicTest", subString: "TagA || TagB" });
 * assert.deepEqual(sub.tagsSet, ["TagA", "TagB"]);
 * assert.deepEqual(sub.codeSet, [2598919, 2598920]);
 * ```
 */
export function buildSubscriptionData(options: BuildSubscriptionDataOptions): SubscriptionData {
  const { topic } = options;
  const subString = options.subString ?? "";
  const subVersion = options.subVersion ?? 0;
  if (subString.length > SUBSCRIPTION_EXPRESSION_LENGTH_MAX) {
    throw parseFailed(
      `expression of ${subString.length} characters exceeds subscriptionExpressionLengthMax ` +
        SUBSCRIPTION_EXPRESSION_LENGTH_MAX,
      topic,
    );
  }
  if (!isTagType(options.expressionType)) {
    const type = options.expressionType as string;
    if (subString.length === 0) {
      throw parseFailed(`expression can't be null for type ${type}`, topic);
    }
    return { ...empty(topic, subString, subVersion), expressionType: type };
  }
  if (subString.length === 0 || subString === SUB_ALL) return empty(topic, SUB_ALL, subVersion);
  const tags = splitTagExpression(subString);
  if (tags === null) throw parseFailed(`cannot split "${subString}" into tags`, topic);
  return {
    ...empty(topic, subString, subVersion),
    tagsSet: tags,
    codeSet: [...new Set(tags.map((tag) => computeTagsCode(tag)))],
  };
}

/** A subscription without tags. */
function empty(topic: string, subString: string, subVersion: number): SubscriptionData {
  return {
    topic,
    subString,
    tagsSet: [],
    codeSet: [],
    subVersion,
    expressionType: ExpressionType.TAG,
    classFilterMode: false,
  };
}

function parseFailed(detail: string, topic: string): BrokerError {
  return new BrokerError(
    ResponseCode.SUBSCRIPTION_PARSE_FAILED,
    `Cannot parse the subscription of topic ${topic}: ${detail}`,
  );
}

/** Why a subscription's expression type cannot be served, as response code and remark. */
export interface UnsupportedExpression {
  /** the response code to answer with */
  readonly code: ResponseCodeValue;
  /** the response remark */
  readonly remark: string;
}

/**
 * Checks that this broker can filter by the subscription's expression type. TAG always works. Any
 * other type with `enablePropertyFilter=false` gets RocketMQ's own answer (SYSTEM_ERROR, "The broker
 * does not support consumer to filter message by SQL92"); with it true we still cannot, because
 * EdgeMQ has no SQL92 evaluator yet, and say so with SUBSCRIPTION_PARSE_FAILED (the code RocketMQ
 * answers for an expression it cannot compile). PULL_MESSAGE and CHECK_CLIENT_CONFIG both answer
 * with it, so a consumer's start fails for the same reason its pulls would.
 *
 * @param subscription the subscription to check
 * @param enablePropertyFilter the broker's `enablePropertyFilter`
 * @returns null when supported, else the code and remark to answer with
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSubscriptionData, checkExpressionSupported } from "./subscription_data.ts";
 * const sql = buildSubscriptionData({ topic: "T", subString: "a > 1", expressionType: "SQL92" });
 * assert.equal(checkExpressionSupported(sql, false)?.code, 1);
 * ```
 */
export function checkExpressionSupported(
  subscription: SubscriptionData,
  enablePropertyFilter: boolean,
): UnsupportedExpression | null {
  const type = subscription.expressionType;
  if (isTagType(type)) return null;
  if (!enablePropertyFilter) {
    return {
      code: ResponseCode.SYSTEM_ERROR,
      remark: `The broker does not support consumer to filter message by ${type}`,
    };
  }
  return {
    code: ResponseCode.SUBSCRIPTION_PARSE_FAILED,
    remark:
      `Cannot filter topic ${subscription.topic} by ${type}: this broker supports TAG expressions only`,
  };
}

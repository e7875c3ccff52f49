/**
 * Headers of PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361) (`shared/spec/headers.md` §2).
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** PullSysFlag bits of `sysFlag`. */
export const PullSysFlag = {
  /** commit `commitOffset` for the group (masters only) */
  COMMIT_OFFSET: 0x1,
  /** long-poll for `suspendTimeoutMillis` when nothing is there */
  SUSPEND: 0x2,
  /** `subscription` carries the expression to use */
  SUBSCRIPTION: 0x4,
  /** obsolete class filter */
  CLASS_FILTER: 0x8,
  /** sent by lite pull consumers */
  LITE_PULL: 0x10,
} as const;

/** PullMessageRequestHeader. */
export const PullMessageRequestHeader = z.object({
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  queueOffset: f.long(),
  maxMsgNums: f.int(),
  sysFlag: f.int(),
  commitOffset: f.long(),
  suspendTimeoutMillis: f.long(),
  subscription: f.string().optional(),
  subVersion: f.clampedLong(), // a Go client's versions are UnixNano, past 2^53
  expressionType: f.string().optional(),
  /** 5.x */
  maxMsgBytes: f.int().optional(),
  /** 5.x proxy */
  requestSource: f.int().optional(),
  /** 5.x proxy, spelled as in RocketMQ */
  proxyFrowardClientId: f.string().optional(),
});
/** Decoded PullMessageRequestHeader. */
export type PullMessageRequestHeader = z.output<typeof PullMessageRequestHeader>;

/** PullMessageResponseHeader. */
export const PullMessageResponseHeader = z.object({
  suggestWhichBrokerId: f.long(),
  nextBeginOffset: f.long(),
  minOffset: f.long(),
  maxOffset: f.long(),
  /** 5.x */
  offsetDelta: f.long().optional(),
  /** 5.x */
  topicSysFlag: f.int().optional(),
  /** 5.x */
  groupSysFlag: f.int().optional(),
  /** 5.x */
  forbiddenType: f.int().optional(),
});
/** Decoded PullMessageResponseHeader. */
export type PullMessageResponseHeader = z.output<typeof PullMessageResponseHeader>;

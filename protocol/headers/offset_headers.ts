/**
 * Headers of consumer offsets and queue metadata (`shared/spec/headers.md` §3): QUERY_CONSUMER_OFFSET
 * (14), UPDATE_CONSUMER_OFFSET (15), SEARCH_OFFSET_BY_TIMESTAMP (29), GET_MAX_OFFSET (30),
 * GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32), GET_CONSUMER_LIST_BY_GROUP (38).
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** QueryConsumerOffsetRequestHeader (14). */
export const QueryConsumerOffsetRequestHeader = z.object({
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  /** 5.x */
  setZeroIfNotFound: f.bool().optional(),
});
/** Decoded QueryConsumerOffsetRequestHeader. */
export type QueryConsumerOffsetRequestHeader = z.output<typeof QueryConsumerOffsetRequestHeader>;

/** QueryConsumerOffsetResponseHeader (14); `offset` is absent with QUERY_NOT_FOUND. */
export const QueryConsumerOffsetResponseHeader = z.object({ offset: f.long().optional() });
/** Decoded QueryConsumerOffsetResponseHeader. */
export type QueryConsumerOffsetResponseHeader = z.output<typeof QueryConsumerOffsetResponseHeader>;

/** UpdateConsumerOffsetRequestHeader (15). */
export const UpdateConsumerOffsetRequestHeader = z.object({
  consumerGroup: f.string(),
  topic: f.string(),
  queueId: f.int(),
  commitOffset: f.long(),
});
/** Decoded UpdateConsumerOffsetRequestHeader. */
export type UpdateConsumerOffsetRequestHeader = z.output<typeof UpdateConsumerOffsetRequestHeader>;

/** SearchOffsetRequestHeader (29). */
export const SearchOffsetRequestHeader = z.object({
  topic: f.string(),
  queueId: f.int(),
  timestamp: f.clampedLong(),
  /** 5.x: "lower" (default) or "upper" */
  boundaryType: f.string().optional(),
});
/** Decoded SearchOffsetRequestHeader. */
export type SearchOffsetRequestHeader = z.output<typeof SearchOffsetRequestHeader>;

/** SearchOffsetResponseHeader (29). */
export const SearchOffsetResponseHeader = z.object({ offset: f.long() });
/** Decoded SearchOffsetResponseHeader. */
export type SearchOffsetResponseHeader = z.output<typeof SearchOffsetResponseHeader>;

/** GetMaxOffsetRequestHeader (30). */
export const GetMaxOffsetRequestHeader = z.object({
  topic: f.string(),
  queueId: f.int(),
  /** 5.x, default true */
  committed: f.bool().optional(),
});
/** Decoded GetMaxOffsetRequestHeader. */
export type GetMaxOffsetRequestHeader = z.output<typeof GetMaxOffsetRequestHeader>;

/** GetMaxOffsetResponseHeader (30). */
export const GetMaxOffsetResponseHeader = z.object({ offset: f.long() });
/** Decoded GetMaxOffsetResponseHeader. */
export type GetMaxOffsetResponseHeader = z.output<typeof GetMaxOffsetResponseHeader>;

/** GetMinOffsetRequestHeader (31). */
export const GetMinOffsetRequestHeader = z.object({ topic: f.string(), queueId: f.int() });
/** Decoded GetMinOffsetRequestHeader. */
export type GetMinOffsetRequestHeader = z.output<typeof GetMinOffsetRequestHeader>;

/** GetMinOffsetResponseHeader (31). */
export const GetMinOffsetResponseHeader = z.object({ offset: f.long() });
/** Decoded GetMinOffsetResponseHeader. */
export type GetMinOffsetResponseHeader = z.output<typeof GetMinOffsetResponseHeader>;

/** GetEarliestMsgStoretimeRequestHeader (32). */
export const GetEarliestMsgStoretimeRequestHeader = z.object({
  topic: f.string(),
  queueId: f.int(),
});
/** Decoded GetEarliestMsgStoretimeRequestHeader. */
export type GetEarliestMsgStoretimeRequestHeader = z.output<
  typeof GetEarliestMsgStoretimeRequestHeader
>;

/** GetEarliestMsgStoretimeResponseHeader (32). */
export const GetEarliestMsgStoretimeResponseHeader = z.object({ timestamp: f.long() });
/** Decoded GetEarliestMsgStoretimeResponseHeader. */
export type GetEarliestMsgStoretimeResponseHeader = z.output<
  typeof GetEarliestMsgStoretimeResponseHeader
>;

/** GetConsumerListByGroupRequestHeader (38); the answer is a JSON body. */
export const GetConsumerListByGroupRequestHeader = z.object({ consumerGroup: f.string() });
/** Decoded GetConsumerListByGroupRequestHeader. */
export type GetConsumerListByGroupRequestHeader = z.output<
  typeof GetConsumerListByGroupRequestHeader
>;

/**
 * Headers of QUERY_MESSAGE (12) and VIEW_MESSAGE_BY_ID (33) (`shared/spec/headers.md` §7).
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** Loose QUERY_MESSAGE key: "true" = query by unique key (`UNIQ_KEY`). */
export const UNIQUE_KEY_QUERY = "_UNIQUE_KEY_QUERY";

/** QueryMessageRequestHeader (12), plus the loose `_UNIQUE_KEY_QUERY` flag. */
export const QueryMessageRequestHeader = z.object({
  topic: f.string(),
  key: f.string(),
  maxNum: f.int(),
  beginTimestamp: f.clampedLong(),
  endTimestamp: f.clampedLong(), // Java's unique-key query and mqadmin send Long.MAX_VALUE
  [UNIQUE_KEY_QUERY]: f.bool().optional(),
});
/** Decoded QueryMessageRequestHeader. */
export type QueryMessageRequestHeader = z.output<typeof QueryMessageRequestHeader>;

/** QueryMessageResponseHeader (12). */
export const QueryMessageResponseHeader = z.object({
  indexLastUpdateTimestamp: f.long(),
  indexLastUpdatePhyoffset: f.long(),
});
/** Decoded QueryMessageResponseHeader. */
export type QueryMessageResponseHeader = z.output<typeof QueryMessageResponseHeader>;

/** ViewMessageRequestHeader (33). */
export const ViewMessageRequestHeader = z.object({
  /** commit-log offset */
  offset: f.long(),
  /** 5.x */
  topic: f.string().optional(),
});
/** Decoded ViewMessageRequestHeader. */
export type ViewMessageRequestHeader = z.output<typeof ViewMessageRequestHeader>;

/**
 * Header of CONSUMER_SEND_MSG_BACK (36): a failed message goes to retry or DLQ
 * (`shared/spec/headers.md` §6).
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** ConsumerSendMsgBackRequestHeader (36). */
export const ConsumerSendMsgBackRequestHeader = z.object({
  /** commit-log offset of the failed message */
  offset: f.long(),
  group: f.string(),
  /** 0: broker uses 3 + reconsumeTimes; < 0: DLQ now */
  delayLevel: f.int(),
  originMsgId: f.string().optional(),
  originTopic: f.string().optional(),
  unitMode: f.bool().optional(),
  maxReconsumeTimes: f.int().optional(),
});
/** Decoded ConsumerSendMsgBackRequestHeader. */
export type ConsumerSendMsgBackRequestHeader = z.output<typeof ConsumerSendMsgBackRequestHeader>;

/**
 * Headers of transactions (`shared/spec/headers.md` §5): END_TRANSACTION (37), client → broker,
 * and CHECK_TRANSACTION_STATE (39), broker → producer; both one-way.
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** `commitOrRollback` values (MessageSysFlag transaction types). */
export const TransactionType = {
  /** unknown: ignored, no response */
  NOT_TYPE: 0,
  COMMIT: 8,
  ROLLBACK: 12,
} as const;

/** EndTransactionRequestHeader (37). */
export const EndTransactionRequestHeader = z.object({
  producerGroup: f.string(),
  tranStateTableOffset: f.long(),
  commitLogOffset: f.long(),
  commitOrRollback: f.int(),
  fromTransactionCheck: f.bool().optional(),
  msgId: f.string(),
  transactionId: f.string().optional(),
  /** 5.x */
  topic: f.string().optional(),
});
/** Decoded EndTransactionRequestHeader. */
export type EndTransactionRequestHeader = z.output<typeof EndTransactionRequestHeader>;

/** CheckTransactionStateRequestHeader (39); body = the re-encoded half message. */
export const CheckTransactionStateRequestHeader = z.object({
  tranStateTableOffset: f.long(),
  commitLogOffset: f.long(),
  msgId: f.string().optional(),
  transactionId: f.string().optional(),
  offsetMsgId: f.string().optional(),
  /** 5.x */
  topic: f.string().optional(),
  /** 5.x */
  bname: f.string().optional(),
});
/** Decoded CheckTransactionStateRequestHeader. */
export type CheckTransactionStateRequestHeader = z.output<
  typeof CheckTransactionStateRequestHeader
>;

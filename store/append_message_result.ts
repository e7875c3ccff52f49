/**
 * What an append did (RocketMQ's AppendMessageResult) and the outcome type of
 * `CommitLog.append`.
 *
 * @module
 */

import { createOffsetMessageId, type HostAddress } from "./message_id.ts";
import type { EncodeRefusal } from "./message_record_encoder.ts";

/** What a successful append did (RocketMQ's AppendMessageResult). */
export class AppendMessageResult {
  /** @internal */
  constructor(
    /** commit-log offset of the first record */
    readonly wroteOffset: number,
    /** bytes of all records */
    readonly wroteBytes: number,
    /** STORETIMESTAMP of the records */
    readonly storeTimestamp: number,
    /** queue offset of the first record */
    readonly logicsOffset: number,
    /** records written */
    readonly msgNum: number,
    readonly offsets: readonly number[] | undefined,
    readonly storeHost: HostAddress,
  ) {}

  /** offset message id(s) (message-format.md §6), made on first use; a batch joins them with `,` */
  get msgId(): string {
    const { address, port } = this.storeHost;
    if (this.offsets === undefined) return createOffsetMessageId(address, port, this.wroteOffset);
    return this.offsets.map((offset) => createOffsetMessageId(address, port, offset)).join(",");
  }
}

/** Outcome of an append. */
export type AppendOutcome =
  | { readonly status: "PUT_OK"; readonly result: AppendMessageResult }
  | { readonly status: EncodeRefusal | "OS_PAGECACHE_BUSY" };

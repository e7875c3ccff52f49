/**
 * RocketMQ's GetMessageStatus and GetMessageResult (store.md §8): what a pull finds.
 *
 * @module
 */

/** Outcome names of a read, as RocketMQ spells them. */
export const GetMessageStatus = {
  FOUND: "FOUND",
  NO_MATCHED_MESSAGE: "NO_MATCHED_MESSAGE",
  MESSAGE_WAS_REMOVING: "MESSAGE_WAS_REMOVING",
  OFFSET_FOUND_NULL: "OFFSET_FOUND_NULL",
  OFFSET_OVERFLOW_BADLY: "OFFSET_OVERFLOW_BADLY",
  OFFSET_OVERFLOW_ONE: "OFFSET_OVERFLOW_ONE",
  OFFSET_TOO_SMALL: "OFFSET_TOO_SMALL",
  NO_MATCHED_LOGIC_QUEUE: "NO_MATCHED_LOGIC_QUEUE",
  NO_MESSAGE_IN_QUEUE: "NO_MESSAGE_IN_QUEUE",
} as const;

/** One of {@linkcode GetMessageStatus}. */
export type GetMessageStatus = typeof GetMessageStatus[keyof typeof GetMessageStatus];

/** What `MessageStore.getMessage` returns. */
export interface GetMessageResult {
  readonly status: GetMessageStatus;
  /** where the consumer continues (counts every scanned unit, filtered ones too) */
  readonly nextBeginOffset: number;
  /** the queue's min offset (0 when the queue is unknown) */
  readonly minOffset: number;
  /** the queue's max offset (0 when the queue is unknown) */
  readonly maxOffset: number;
  /** the stored records, exact bytes, in queue order (copies the caller owns) */
  readonly messages: readonly Uint8Array[];
  /** queue offset of each returned record */
  readonly messageQueueOffsets: readonly number[];
  /** total bytes of `messages` */
  readonly bufferTotalSize: number;
  /** the data lies farther behind the log end than accessMessageInMemoryMaxRatio of RAM */
  readonly suggestPullingFromSlave: boolean;
}

/**
 * Decides per consume-queue unit whether a record is wanted (tag filter); an object may also
 * look at the record itself (SQL92 filters on properties).
 */
export type MessageFilter =
  | ((tagsCode: number) => boolean)
  | {
    /** @returns false to skip the unit without reading the record */
    isMatchedByConsumeQueue(tagsCode: number): boolean;
    /** @returns false to skip the record after reading it */
    isMatchedByCommitLog?(record: Uint8Array): boolean;
  };

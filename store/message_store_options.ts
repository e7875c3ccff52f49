/**
 * The shapes around `MessageStore`: its options, query result and stats, and the
 * WAIT rule of a put (store.md §7).
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { FlushStats } from "./commit_log_flusher.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import type { RecoveryReport } from "./commit_log_recovery.ts";
import type { DiskUsage, FileSystem } from "./file_system.ts";
import type { HostAddress } from "./message_id.ts";
import { MessageConst, propertyIs } from "./message_properties.ts";
import type { MessageExtBrokerInner } from "./message_record.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";
import type { MessageArrivedListener } from "./reput_message_service.ts";

const utf8Decoder = new TextDecoder();

/**
 * Told of every stored put, as it is appended (before any flush wait): the topic written (for a
 * delayed message the schedule topic), the messages (a batch counts each) and their bytes. Called
 * inside the put path, so it must be quick and must not throw.
 */
export type PutListener = (topic: string, msgs: number, bytes: number) => void;

/** Options of {@linkcode MessageStore}. */
export interface MessageStoreOptions {
  /** all file I/O */
  readonly fs: FileSystem;
  /** time source (default the system clock) */
  readonly clock?: Clock;
  /** MessageStoreConfig keys; `storePathRootDir` is required */
  readonly config: MessageStoreConfigInput;
  /** broker address and main port: STOREHOST and offset message ids */
  readonly storeHost: HostAddress;
  /** RAM size for accessMessageInMemoryMaxRatio (default 8 GiB; main.ts passes the real one) */
  readonly physicalMemoryBytes?: number;
  /** long-polling hook: a record reached a consume queue */
  readonly onMessageArrived?: MessageArrivedListener;
  /** put hook (the broker's traffic counters): every stored put, as it is appended */
  readonly onPut?: PutListener;
  /**
   * true: an ASYNC_FLUSH (or WAIT=false) put answers PUT_OK once its bytes reached the file (the
   * OS page cache), not once appended in memory, and `getMessage` serves only what is in the
   * file, so a killed process loses nothing it acknowledged or served, as a RocketMQ broker's
   * mapped file does. The broker sets it; default false.
   */
  readonly ackAfterWrite?: boolean;
  /** background failures (flush, dispatch, checkpoint, retention); default console.error */
  readonly onError?: (error: Error) => void;
  /**
   * Consume-queue tag code of a record re-dispatched from the commit log at start; default its
   * TAGS hash. The broker returns delivery times for SCHEDULE_TOPIC_XXXX (store.md §3), which a
   * record does not carry (RocketMQ computes them in `checkMessageAndReturnSize`).
   */
  readonly tagsCodeOf?: (request: DispatchRequest) => number;
  /**
   * where retention reads the use of the commit-log and consume-queue volumes (default
   * `fs.diskUsage`); e.g. a quota smaller than the volume
   */
  readonly diskUsage?: (path: string) => Promise<DiskUsage>;
}

/** What `queryMessage` returns (RocketMQ's QueryMessageResult). */
export interface QueryMessageResult {
  /** the records found, exact bytes (hash collisions possible: the client filters) */
  readonly messages: readonly Uint8Array[];
  readonly indexLastUpdateTimestamp: number;
  readonly indexLastUpdatePhyoffset: number;
  readonly bufferTotalSize: number;
}

/** Runtime figures for metrics. */
export interface MessageStoreStats {
  readonly putMessageTimesTotal: number;
  readonly putMessageSizeTotal: number;
  readonly putMessageFailedTimes: number;
  readonly getMessageTimesTotal: number;
  readonly getMessageTransferredMsgCount: number;
  readonly commitLogMinOffset: number;
  readonly commitLogMaxOffset: number;
  readonly flushedOffset: number;
  /** commit-log bytes not yet handed to the dispatchers */
  readonly dispatchBehindBytes: number;
  readonly flush: FlushStats;
  /** the last start's recovery */
  readonly recovery: RecoveryReport | null;
  /** the reput on start re-dispatched this many bytes */
  readonly reputBytes: number;
}

/**
 * RocketMQ's isWaitStoreMsgOK: the message's `waitStoreMsgOK` when set, else WAIT absent or
 * anything but "false".
 * @returns true when the producer waits for the flush
 */
export function waitStoreMsgOK(message: MessageExtBrokerInner): boolean {
  if (message.waitStoreMsgOK !== undefined) return message.waitStoreMsgOK;
  const key = MessageConst.PROPERTY_WAIT_STORE_MSG_OK;
  if (message.propertiesMap !== undefined) return message.propertiesMap.get(key) !== "false";
  const text = typeof message.properties === "string"
    ? message.properties
    : utf8Decoder.decode(message.properties);
  return !propertyIs(text, key, "false");
}

/**
 * RocketMQ's PutMessageStatus and the one table that maps it to a send response
 * (SendMessageProcessor.handlePutMessageResult, codes.md).
 *
 * @module
 */

import { ResponseCode } from "../protocol/response_code.ts";
import type { AppendMessageResult } from "./commit_log.ts";

/** Outcome names of a put, as RocketMQ spells them. */
export const PutMessageStatus = {
  PUT_OK: "PUT_OK",
  FLUSH_DISK_TIMEOUT: "FLUSH_DISK_TIMEOUT",
  FLUSH_SLAVE_TIMEOUT: "FLUSH_SLAVE_TIMEOUT",
  SLAVE_NOT_AVAILABLE: "SLAVE_NOT_AVAILABLE",
  SERVICE_NOT_AVAILABLE: "SERVICE_NOT_AVAILABLE",
  CREATE_MAPEDFILE_FAILED: "CREATE_MAPEDFILE_FAILED",
  MESSAGE_ILLEGAL: "MESSAGE_ILLEGAL",
  PROPERTIES_SIZE_EXCEEDED: "PROPERTIES_SIZE_EXCEEDED",
  OS_PAGECACHE_BUSY: "OS_PAGECACHE_BUSY",
  UNKNOWN_ERROR: "UNKNOWN_ERROR",
} as const;

/** One of {@linkcode PutMessageStatus}. */
export type PutMessageStatus = typeof PutMessageStatus[keyof typeof PutMessageStatus];

/** Result of `MessageStore.putMessage` / `putMessages`. */
export type PutMessageResult =
  | {
    /** the message is stored (the flush or replication wait may have timed out) */
    readonly status:
      | "PUT_OK"
      | "FLUSH_DISK_TIMEOUT"
      | "FLUSH_SLAVE_TIMEOUT"
      | "SLAVE_NOT_AVAILABLE";
    readonly appendMessageResult: AppendMessageResult;
    readonly remark?: undefined;
  }
  | {
    /** nothing was stored */
    readonly status: Exclude<
      PutMessageStatus,
      "PUT_OK" | "FLUSH_DISK_TIMEOUT" | "FLUSH_SLAVE_TIMEOUT" | "SLAVE_NOT_AVAILABLE"
    >;
    readonly appendMessageResult?: undefined;
    /** why, when the store knows more than the status (e.g. the disk use that refused it) */
    readonly remark?: string;
  };

/** How a status is answered on the wire. */
export interface PutMessageResponse {
  /** RemotingCommand response code */
  readonly code: number;
  /** remark sent with it (null on success) */
  readonly remark: string | null;
  /** true when the message was stored (SendResult is built from the append result) */
  readonly stored: boolean;
}

/** THE table: PutMessageStatus → response code and remark (RocketMQ's wording). */
export const PUT_MESSAGE_RESPONSES: Readonly<Record<PutMessageStatus, PutMessageResponse>> = {
  PUT_OK: { code: ResponseCode.SUCCESS, remark: null, stored: true },
  FLUSH_DISK_TIMEOUT: { code: ResponseCode.FLUSH_DISK_TIMEOUT, remark: null, stored: true },
  FLUSH_SLAVE_TIMEOUT: { code: ResponseCode.FLUSH_SLAVE_TIMEOUT, remark: null, stored: true },
  SLAVE_NOT_AVAILABLE: { code: ResponseCode.SLAVE_NOT_AVAILABLE, remark: null, stored: true },
  SERVICE_NOT_AVAILABLE: {
    code: ResponseCode.SERVICE_NOT_AVAILABLE,
    remark:
      "service not available now. It may be caused by one of the following reasons: the broker's disk is full, messages are put to the slave, message store has been shut down, etc.",
    stored: false,
  },
  CREATE_MAPEDFILE_FAILED: {
    code: ResponseCode.SYSTEM_ERROR,
    remark: "create mapped file failed, server is busy or broken.",
    stored: false,
  },
  MESSAGE_ILLEGAL: {
    code: ResponseCode.MESSAGE_ILLEGAL,
    remark:
      "the message is illegal, maybe msg body or properties length not matched. msg body length limit 4m, msg properties length limit 32k.",
    stored: false,
  },
  PROPERTIES_SIZE_EXCEEDED: {
    code: ResponseCode.MESSAGE_ILLEGAL,
    remark:
      "the message is illegal, maybe msg body or properties length not matched. msg body length limit 4m, msg properties length limit 32k.",
    stored: false,
  },
  OS_PAGECACHE_BUSY: {
    code: ResponseCode.SYSTEM_ERROR,
    remark: "[PC_SYNCHRONIZED]broker busy, start flow control for a while",
    stored: false,
  },
  UNKNOWN_ERROR: { code: ResponseCode.SYSTEM_ERROR, remark: "UNKNOWN_ERROR", stored: false },
};

/**
 * @param status a put outcome
 * @returns the response code, remark and whether the message was stored
 * @example
 * ```ts
 * import { putMessageResponse } from "./put_message_status.ts";
 * console.assert(putMessageResponse("FLUSH_DISK_TIMEOUT").code === 10);
 * ```
 */
export function putMessageResponse(status: PutMessageStatus): PutMessageResponse {
  return PUT_MESSAGE_RESPONSES[status];
}

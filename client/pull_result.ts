/**
 * The outcome of a pull (RocketMQ `PullResult` / `PullStatus`, `shared/spec/codes.md` "How clients
 * read them"): SUCCESS = FOUND, PULL_NOT_FOUND = NO_NEW_MSG, PULL_RETRY_IMMEDIATELY = NO_MATCHED_MSG,
 * PULL_OFFSET_MOVED = OFFSET_ILLEGAL; anything else is a {@linkcode MQBrokerError}.
 *
 * @module
 */

import { decodeHeader } from "../protocol/headers/header_codec.ts";
import { PullMessageResponseHeader } from "../protocol/headers/pull_message_header.ts";
import type { RemotingCommand } from "../protocol/remoting_command.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { MQBrokerError } from "./client_error.ts";

/**
 * RocketMQ `PullStatus`.
 *
 * @example
 * ```ts
 * import type { PullResult, PullStatus } from "./pull_result.ts";
 * function nextOffset(result: PullResult, offset: number): number {
 *   const status: PullStatus = result.pullStatus;
 *   if (status === "OFFSET_ILLEGAL") return result.minOffset;
 *   return status === "NO_NEW_MSG" ? offset : result.nextBeginOffset;
 * }
 * ```
 */
export type PullStatus = "FOUND" | "NO_NEW_MSG" | "NO_MATCHED_MSG" | "OFFSET_ILLEGAL";

/**
 * A pull response, before the messages are decoded and filtered.
 *
 * @example
 * ```ts
 * import { createRequest, createResponse } from "../protocol/remoting_command.ts";
 * import { processPullResponse, type PullResult } from "./pull_result.ts";
 * const offsets = { nextBeginOffset: "7", minOffset: "0", maxOffset: "7" };
 * const header = { suggestWhichBrokerId: "0", ...offsets };
 * const response = createResponse(createRequest(11), 19, undefined, header); // PULL_NOT_FOUND
 * const result: PullResult = processPullResponse(response, "10.0.0.1:10911");
 * if (result.pullStatus !== "NO_NEW_MSG" || result.messageBinary !== undefined) throw new Error();
 * ```
 */
export interface PullResult {
  /** what the broker found */
  pullStatus: PullStatus;
  /** the offset to pull next */
  nextBeginOffset: number;
  /** the queue's first offset */
  minOffset: number;
  /** the queue's end offset */
  maxOffset: number;
  /** the broker id to pull from next (0 = master) */
  suggestWhichBrokerId: number;
  /** the stored records (FOUND only); decode with `decodeMessages` */
  messageBinary: Uint8Array | undefined;
}

const STATUS_BY_CODE: ReadonlyMap<number, PullStatus> = new Map([
  [ResponseCode.SUCCESS, "FOUND"],
  [ResponseCode.PULL_NOT_FOUND, "NO_NEW_MSG"],
  [ResponseCode.PULL_RETRY_IMMEDIATELY, "NO_MATCHED_MSG"],
  [ResponseCode.PULL_OFFSET_MOVED, "OFFSET_ILLEGAL"],
]);

/**
 * Reads a PULL_MESSAGE response.
 *
 * @param response the broker's response
 * @param brokerAddr the broker, for errors
 * @returns the pull result
 * @throws {MQBrokerError} for other codes or a header missing its fields
 * @example
 * ```ts
 * import { createRequest, createResponse } from "../protocol/remoting_command.ts";
 * import { processPullResponse } from "./pull_result.ts";
 * const offsets = { nextBeginOffset: "5", minOffset: "0", maxOffset: "9" };
 * const header = { suggestWhichBrokerId: "0", ...offsets };
 * const response = createResponse(createRequest(11), 0, undefined, header, new Uint8Array(0));
 * const result = processPullResponse(response, "10.0.0.1:10911");
 * if (result.pullStatus !== "FOUND" || result.nextBeginOffset !== 5) throw new Error();
 * ```
 */
export function processPullResponse(response: RemotingCommand, brokerAddr: string): PullResult {
  const pullStatus = STATUS_BY_CODE.get(response.code);
  if (pullStatus === undefined) throw new MQBrokerError(response.code, response.remark, brokerAddr);
  let header: PullMessageResponseHeader;
  try {
    header = decodeHeader(PullMessageResponseHeader, response);
  } catch (error) {
    throw new MQBrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot read pull response: ${(error as Error).message}`,
      brokerAddr,
    );
  }
  return {
    pullStatus,
    nextBeginOffset: header.nextBeginOffset,
    minOffset: header.minOffset,
    maxOffset: header.maxOffset,
    suggestWhichBrokerId: header.suggestWhichBrokerId,
    messageBinary: pullStatus === "FOUND" ? response.body : undefined,
  };
}

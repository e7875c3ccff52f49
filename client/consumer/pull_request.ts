/**
 * A queue's pull cursor (RocketMQ `PullRequest`): which queue, its {@linkcode ProcessQueue} and
 * the next offset to pull. One exists per assigned queue; a new one replaces it when the queue is
 * re-assigned.
 *
 * @module
 */

import type { MessageQueue } from "../message_queue.ts";
import type { ProcessQueue } from "./process_queue.ts";

/**
 * See the module doc.
 *
 * @example
 * ```ts
 * import type { PullRequest } from "./pull_request.ts";
 * function advance(request: PullRequest, nextBeginOffset: number): void {
 *   request.nextOffset = nextBeginOffset; // from the pull result; the next pull starts there
 * }
 * ```
 */
export interface PullRequest {
  /** the consumer group */
  readonly consumerGroup: string;
  /** the queue */
  readonly messageQueue: MessageQueue;
  /** its cache */
  readonly processQueue: ProcessQueue;
  /** the next offset to pull */
  nextOffset: number;
  /** orderly: the first pull after locking re-read the committed offset */
  previouslyLocked: boolean;
}

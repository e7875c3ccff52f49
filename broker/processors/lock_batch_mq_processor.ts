/**
 * LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42) (RocketMQ 4.9.8 `AdminBrokerProcessor.lockBatchMQ` /
 * `unlockBatchMQ`, headers.md §4, bodies.md §6): an orderly consumer locks the queues it was
 * assigned and unlocks those it drops, through the {@linkcode RebalanceLockManager}.
 *
 * Request body (Lock/UnlockBatchRequestBody): `{"clientId":…,"consumerGroup":…,"mqSet":[MessageQueue…]}`
 * plus 5.x `onlyThisBroker`, which changes nothing here (there is no other broker of the group to
 * forward to). LOCK answers `{"lockOKMQSet":[MessageQueue…]}`, the requested queues now held by the
 * client; UNLOCK answers SUCCESS, or nothing when sent one-way.
 *
 * @module
 */
import { z } from "zod";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import { createResponse, isOneway, type RemotingCommand } from "../../protocol/remoting_command.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { RequestCode, requestCodeName } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import {
  BROKER_NAME_LENGTH_MAX,
  CLIENT_ID_LENGTH_MAX,
  GROUP_NAME_LENGTH_MAX,
  LOCK_BATCH_MQ_SET_MAX,
  RETRY_TOPIC_NAME_LENGTH_MAX,
} from "../limits.ts";
import type { RebalanceLockManager } from "../rebalance_lock_manager.ts";
import { guardProcessor } from "./_processor_support.ts";
import { type MessageQueue, messageQueueJson } from "./admin_bodies.ts";
import { decodeJsonBody } from "./admin_group_processors.ts";
import type { ProcessorRegistry } from "./core_context.ts";

const messageQueueSchema = z.object({
  topic: z.string().min(1).max(RETRY_TOPIC_NAME_LENGTH_MAX),
  brokerName: z.string().min(1).max(BROKER_NAME_LENGTH_MAX),
  queueId: z.number().int(),
});

/** Lock/UnlockBatchRequestBody (bodies.md §6); unknown fields are ignored. */
const lockBatchRequestBodySchema = z.object({
  consumerGroup: z.string().min(1).max(GROUP_NAME_LENGTH_MAX),
  clientId: z.string().min(1).max(CLIENT_ID_LENGTH_MAX),
  onlyThisBroker: z.boolean().nullish(),
  mqSet: z.array(messageQueueSchema).max(LOCK_BATCH_MQ_SET_MAX).nullish(),
});

/** A decoded Lock/UnlockBatchRequestBody. */
export interface LockBatchRequestBody {
  /** the consumer group */
  readonly consumerGroup: string;
  /** the client locking or unlocking */
  readonly clientId: string;
  /** 5.x: do not forward to the other brokers of the group */
  readonly onlyThisBroker: boolean;
  /** the queues */
  readonly mqSet: readonly MessageQueue[];
}

/**
 * Decodes a LOCK_BATCH_MQ or UNLOCK_BATCH_MQ body.
 *
 * @param request the request
 * @returns the body
 * @throws {BrokerError} SYSTEM_ERROR when the body is missing, not JSON or not a request body
 *   (a field missing or too long, more than LOCK_BATCH_MQ_SET_MAX queues)
 */
export function decodeLockBatchRequestBody(request: RemotingCommand): LockBatchRequestBody {
  const parsed = lockBatchRequestBodySchema.safeParse(decodeJsonBody(request));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot decode ${requestCodeName(request.code)} body: ${
        issue.path.join(".")
      } ${issue.message}`,
    );
  }
  const body = parsed.data;
  return {
    consumerGroup: body.consumerGroup,
    clientId: body.clientId,
    onlyThisBroker: body.onlyThisBroker ?? false,
    mqSet: body.mqSet ?? [],
  };
}

/**
 * Encodes a LockBatchResponseBody as fastjson writes it.
 *
 * @param lockOKMQSet the queues held by the requester
 * @returns `{"lockOKMQSet":[{"brokerName":…,"queueId":…,"topic":…},…]}` in UTF-8
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeLockBatchResponseBody } from "./lock_batch_mq_processor.ts";
 * const body = encodeLockBatchResponseBody([{ topic: "T", brokerName: "b", queueId: 1 }]);
 * assert.equal(new TextDecoder().decode(body), '{"lockOKMQSet":[{"brokerName":"b","queueId":1,"topic":"T"}]}');
 * ```
 */
export function encodeLockBatchResponseBody(lockOKMQSet: readonly MessageQueue[]): Uint8Array {
  return utf8.encode(`{"lockOKMQSet":[${lockOKMQSet.map(messageQueueJson).join(",")}]}`);
}

const utf8 = new TextEncoder();

/** What the lock processors use. */
export interface LockBatchContext {
  /** the lock table */
  readonly rebalanceLockManager: RebalanceLockManager;
  /** where unexpected failures go */
  readonly logger: RemotingLogger;
}

/**
 * Registers LOCK_BATCH_MQ and UNLOCK_BATCH_MQ.
 *
 * @param registry the remoting server
 * @param context the lock table and logger
 */
export function registerLockBatchProcessors(
  registry: ProcessorRegistry,
  context: LockBatchContext,
): void {
  const register = (code: number, body: RemotingProcessor) =>
    registry.registerProcessor(code, guardProcessor(context.logger, body));

  register(RequestCode.LOCK_BATCH_MQ, (request) => {
    const body = decodeLockBatchRequestBody(request);
    const locked = context.rebalanceLockManager.tryLockBatch(
      body.consumerGroup,
      body.mqSet,
      body.clientId,
    );
    return createResponse(
      request,
      ResponseCode.SUCCESS,
      undefined,
      undefined,
      encodeLockBatchResponseBody(locked),
    );
  });

  register(RequestCode.UNLOCK_BATCH_MQ, (request) => {
    const body = decodeLockBatchRequestBody(request);
    context.rebalanceLockManager.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return isOneway(request) ? null : createResponse(request, ResponseCode.SUCCESS);
  });
}

/**
 * GET_ALL_DELAY_OFFSET (45) (RocketMQ 4.9.8 `AdminBrokerProcessor.getAllDelayOffset`): the delay
 * level offsets, as delayOffset.json holds them but on one line, `{"offsetTable":{1:17,2:0}}`
 * (store.md §10). Slaves copy them from their master; mqadmin shows them.
 *
 * @module
 */
import { createResponse } from "../../protocol/remoting_command.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import type { ScheduleMessageService } from "../schedule/schedule_message_service.ts";
import { guardProcessor } from "./_processor_support.ts";
import type { ProcessorRegistry } from "./core_context.ts";

const utf8 = new TextEncoder();

/** What the processor uses. */
export interface DelayOffsetContext {
  /** the delivery service holding the offsets */
  readonly scheduleMessageService: ScheduleMessageService;
  /** where unexpected failures go */
  readonly logger: RemotingLogger;
}

/**
 * Registers GET_ALL_DELAY_OFFSET.
 *
 * @param registry the remoting server
 * @param context the delivery service and logger
 */
export function registerDelayOffsetProcessor(
  registry: ProcessorRegistry,
  context: DelayOffsetContext,
): void {
  registry.registerProcessor(
    RequestCode.GET_ALL_DELAY_OFFSET,
    guardProcessor(context.logger, (request) => {
      const body = utf8.encode(context.scheduleMessageService.encode(false));
      return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
    }),
  );
}

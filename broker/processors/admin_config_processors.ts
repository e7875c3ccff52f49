/**
 * Broker configuration and runtime admin request processors: GET_BROKER_CONFIG (26),
 * UPDATE_BROKER_CONFIG (25), GET_BROKER_RUNTIME_INFO (28) (`shared/spec/config.md` §1, §5,
 * `shared/spec/bodies.md` §7), DELETE_EXPIRED_COMMITLOG (329) and VIEW_BROKER_STATS_DATA (315,
 * one stats item's minute, hour and day windows: `mqadmin statsAll`, the dashboard's TPS).
 *
 * @module
 */
import { parseProperties } from "../../common/properties.ts";
import { decodeHeader } from "../../protocol/headers/header_codec.ts";
import { ViewBrokerStatsDataRequestHeader } from "../../protocol/headers/admin_headers.ts";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import { createResponse } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { guardProcessor } from "./_processor_support.ts";
import { encodeBrokerStatsData, encodeKvTable } from "./admin_bodies.ts";
import { brokerConfigOf, updateBrokerConfig } from "./admin_config_operations.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import { buildRuntimeInfo } from "./admin_runtime_info.ts";
import type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a properties-text body.
 *
 * @param body the request body (UTF-8)
 * @returns the entries
 * @throws {BrokerError} SYSTEM_ERROR when the body is not UTF-8 or has a bad escape
 */
export function decodePropertiesBody(body: Uint8Array): Map<string, string> {
  try {
    return parseProperties(utf8Decoder.decode(body));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot decode UPDATE_BROKER_CONFIG body: ${reason}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Registers the configuration and runtime processors.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerConfigAdminProcessors(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  const register = (code: number, body: RemotingProcessor) =>
    registry.registerProcessor(code, guardProcessor(context.logger, body));

  register(RequestCode.GET_BROKER_CONFIG, (request) => {
    const { text, version } = brokerConfigOf(context);
    return createResponse(request, ResponseCode.SUCCESS, undefined, { version }, utf8.encode(text));
  });

  register(RequestCode.UPDATE_BROKER_CONFIG, async (request, channel) => {
    // RocketMQ answers SUCCESS to an update without a body; so do we.
    if (request.body === undefined || request.body.length === 0) {
      return createResponse(request, ResponseCode.SUCCESS);
    }
    const properties = decodePropertiesBody(request.body);
    context.logger.info(`broker admin: UPDATE_BROKER_CONFIG from ${channel.remoteAddress}`);
    const { warnings } = await updateBrokerConfig(context, properties);
    for (const warning of warnings) context.logger.warn(`broker admin: ${warning}`);
    // Unknown, renamed and ignored keys are told to the caller, as the name server does.
    return createResponse(request, ResponseCode.SUCCESS, warnings.join("; ") || undefined);
  });

  register(RequestCode.GET_BROKER_RUNTIME_INFO, async (request) => {
    const body = encodeKvTable(await buildRuntimeInfo(context));
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
  });

  // RocketMQ answers an unknown name or a key without traffic with SYSTEM_ERROR and this remark.
  register(RequestCode.VIEW_BROKER_STATS_DATA, (request) => {
    const { statsName, statsKey } = decodeHeader(ViewBrokerStatsDataRequestHeader, request);
    const data = context.brokerStats.statsData(statsName, statsKey);
    if (data === undefined) {
      throw new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `The stats <${statsName}> <${statsKey}> not exist`,
      );
    }
    const body = encodeBrokerStatsData(data);
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
  });

  // `mqadmin deleteExpiredCommitLog` (RocketMQ executeDeleteFilesManually): expired files go at
  // any hour for the next passes. Answered at once, as RocketMQ does; a failed pass is logged.
  register(RequestCode.DELETE_EXPIRED_COMMITLOG, (request, channel) => {
    context.logger.info(`broker admin: DELETE_EXPIRED_COMMITLOG from ${channel.remoteAddress}`);
    context.messageStore.deleteExpiredFiles().catch((error) =>
      context.logger.warn(`broker admin: deleting expired files failed: ${String(error)}`)
    );
    return createResponse(request, ResponseCode.SUCCESS);
  });
}

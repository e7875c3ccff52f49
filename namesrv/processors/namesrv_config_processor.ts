/**
 * Name server config requests: UPDATE_NAMESRV_CONFIG (318) and GET_NAMESRV_CONFIG (319), the wire
 * side of `mqadmin updateNamesrvConfig` / `getNamesrvConfig`. Bodies are properties text
 * (`shared/spec/config.md` §1, §5); blacklisted keys answer NO_PERMISSION.
 *
 * @module
 */
import { ConfigError } from "../../common/config_loader.ts";
import { parseProperties, PropertiesSyntaxError } from "../../common/properties.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { ConfigBlackListError } from "../namesrv_configuration.ts";
import { guarded, type NamesrvContext, type ProcessorRegistry } from "./namesrv_context.ts";

const encoder = new TextEncoder();

async function updateConfig(
  ctx: NamesrvContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  if (request.body === undefined || request.body.length === 0) {
    return createResponse(request, ResponseCode.SUCCESS);
  }
  let properties: Map<string, string>;
  try {
    properties = parseProperties(new TextDecoder().decode(request.body));
  } catch (error) {
    if (!(error instanceof PropertiesSyntaxError)) throw error;
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      `string2Properties error: ${error.message}`,
    );
  }
  try {
    const { warnings, appliedKeys } = await ctx.configuration.update(properties);
    for (const warning of warnings) ctx.logger.warn(`UPDATE_NAMESRV_CONFIG: ${warning}`);
    ctx.logger.info(`UPDATE_NAMESRV_CONFIG applied ${appliedKeys.join(", ") || "nothing"}`);
    const remark = warnings.length > 0 ? warnings.join("; ") : undefined;
    return createResponse(request, ResponseCode.SUCCESS, remark);
  } catch (error) {
    if (error instanceof ConfigBlackListError) {
      return createResponse(
        request,
        ResponseCode.NO_PERMISSION,
        "Can not update config in black list.",
      );
    }
    if (error instanceof ConfigError) {
      return createResponse(request, ResponseCode.INVALID_PARAMETER, error.message);
    }
    throw error;
  }
}

function getConfig(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const body = encoder.encode(ctx.configuration.toProperties());
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
}

/**
 * Registers the config processors.
 *
 * @param server where to register
 * @param ctx shared name server state
 */
export function registerNamesrvConfigProcessors(
  server: ProcessorRegistry,
  ctx: NamesrvContext,
): void {
  server.registerProcessor(
    RequestCode.UPDATE_NAMESRV_CONFIG,
    guarded("UPDATE_NAMESRV_CONFIG", ctx.logger, (r) => updateConfig(ctx, r)),
  );
  server.registerProcessor(
    RequestCode.GET_NAMESRV_CONFIG,
    guarded("GET_NAMESRV_CONFIG", ctx.logger, (r) => getConfig(ctx, r)),
  );
}

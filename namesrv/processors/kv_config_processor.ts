/**
 * KV config requests: PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102) and
 * GET_KVLIST_BY_NAMESPACE (219) (`shared/spec/headers.md` §8). Missing entries answer
 * QUERY_NOT_FOUND with RocketMQ's remark.
 *
 * @module
 */
import { decodeHeader, encodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  DeleteKVConfigRequestHeader,
  GetKVConfigRequestHeader,
  GetKVListByNamespaceRequestHeader,
  PutKVConfigRequestHeader,
} from "../../protocol/headers/namesrv_headers.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { encodeKvTable } from "../route_json.ts";
import { guarded, type NamesrvContext, type ProcessorRegistry } from "./namesrv_context.ts";

const encoder = new TextEncoder();

async function putKvConfig(
  ctx: NamesrvContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const { namespace, key, value } = decodeHeader(PutKVConfigRequestHeader, request);
  await ctx.kvConfigManager.putKVConfig(namespace, key, value);
  return createResponse(request, ResponseCode.SUCCESS);
}

function getKvConfig(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const { namespace, key } = decodeHeader(GetKVConfigRequestHeader, request);
  const value = ctx.kvConfigManager.getKVConfig(namespace, key);
  if (value === undefined) {
    return createResponse(
      request,
      ResponseCode.QUERY_NOT_FOUND,
      `No config item, Namespace: ${namespace} Key: ${key}`,
    );
  }
  return createResponse(request, ResponseCode.SUCCESS, undefined, encodeHeader({ value }));
}

async function deleteKvConfig(
  ctx: NamesrvContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const { namespace, key } = decodeHeader(DeleteKVConfigRequestHeader, request);
  await ctx.kvConfigManager.deleteKVConfig(namespace, key);
  return createResponse(request, ResponseCode.SUCCESS);
}

function getKvListByNamespace(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const { namespace } = decodeHeader(GetKVListByNamespaceRequestHeader, request);
  const table = ctx.kvConfigManager.getKVListByNamespace(namespace);
  if (table === undefined) {
    return createResponse(
      request,
      ResponseCode.QUERY_NOT_FOUND,
      `No config item, Namespace: ${namespace}`,
    );
  }
  return createResponse(
    request,
    ResponseCode.SUCCESS,
    undefined,
    undefined,
    encoder.encode(encodeKvTable(table)),
  );
}

/**
 * Registers the KV config processors.
 *
 * @param server where to register
 * @param ctx shared name server state
 */
export function registerKvConfigProcessors(server: ProcessorRegistry, ctx: NamesrvContext): void {
  const log = ctx.logger;
  server.registerProcessor(
    RequestCode.PUT_KV_CONFIG,
    guarded("PUT_KV_CONFIG", log, (r) => putKvConfig(ctx, r)),
  );
  server.registerProcessor(
    RequestCode.GET_KV_CONFIG,
    guarded("GET_KV_CONFIG", log, (r) => getKvConfig(ctx, r)),
  );
  server.registerProcessor(
    RequestCode.DELETE_KV_CONFIG,
    guarded("DELETE_KV_CONFIG", log, (r) => deleteKvConfig(ctx, r)),
  );
  server.registerProcessor(
    RequestCode.GET_KVLIST_BY_NAMESPACE,
    guarded("GET_KVLIST_BY_NAMESPACE", log, (r) => getKvListByNamespace(ctx, r)),
  );
}

/**
 * Broker registration requests: REGISTER_BROKER (103), UNREGISTER_BROKER (104), QUERY_DATA_VERSION
 * (322), 5.x BROKER_HEARTBEAT (904) and GET_BROKER_MEMBER_GROUP (901) (`shared/spec/headers.md`
 * §8, `features.md` §12).
 *
 * @module
 */
import { decodeHeader, encodeHeader } from "../../protocol/headers/header_codec.ts";
import {
  QueryDataVersionRequestHeader,
  RegisterBrokerRequestHeader,
  UnRegisterBrokerRequestHeader,
  ZONE_NAME,
} from "../../protocol/headers/namesrv_headers.ts";
import type { RemotingChannel } from "../../protocol/remoting_channel.ts";
import { createResponse, type RemotingCommand } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerHeartbeatRequestHeader, GetBrokerMemberGroupRequestHeader } from "../headers.ts";
import { NAMESPACE_ORDER_TOPIC_CONFIG } from "../kv_config_manager.ts";
import { bodyCrc32, decodeDataVersion, decodeRegisterBrokerBody } from "../register_broker_body.ts";
import { encodeBrokerMemberGroup, encodeDataVersion, encodeKvTable } from "../route_json.ts";
import { guarded, type NamesrvContext, type ProcessorRegistry } from "./namesrv_context.ts";

const encoder = new TextEncoder();

/** REGISTER_BROKER: checks the CRC, decodes the body, records the broker, answers slaves. */
function registerBroker(
  ctx: NamesrvContext,
  request: RemotingCommand,
  channel: RemotingChannel,
): RemotingCommand {
  const header = decodeHeader(RegisterBrokerRequestHeader, request);
  const crc = header.bodyCrc32 ?? 0;
  if (crc !== 0 && bodyCrc32(request.body) !== crc) {
    ctx.logger.warn(`REGISTER_BROKER from ${channel.remoteAddress}: crc32 not match`);
    return createResponse(request, ResponseCode.SYSTEM_ERROR, "crc32 not match");
  }
  const body = decodeRegisterBrokerBody(request.body, {
    compressed: header.compressed === true,
    version: request.version,
  });
  const result = ctx.routeInfoManager.registerBroker({
    clusterName: header.clusterName,
    brokerAddr: header.brokerAddr,
    brokerName: header.brokerName,
    brokerId: header.brokerId,
    haServerAddr: header.haServerAddr,
    zoneName: header[ZONE_NAME],
    heartbeatTimeoutMillis: header.heartbeatTimeoutMillis,
    enableActingMaster: header.enableActingMaster,
    topicConfigWrapper: body.topicConfigWrapper,
    filterServerList: body.filterServerList,
    channel,
  });
  if (result === null) {
    return createResponse(request, ResponseCode.SYSTEM_ERROR, "register broker failed");
  }
  let responseBody: Uint8Array | undefined;
  if (ctx.configuration.config.returnOrderTopicConfigToBroker) {
    const table = ctx.kvConfigManager.getKVListByNamespace(NAMESPACE_ORDER_TOPIC_CONFIG);
    if (table !== undefined) responseBody = encoder.encode(encodeKvTable(table));
  }
  const ext = encodeHeader({ haServerAddr: result.haServerAddr, masterAddr: result.masterAddr });
  return createResponse(request, ResponseCode.SUCCESS, undefined, ext, responseBody);
}

/** UNREGISTER_BROKER: removes the broker (a leaving group drops its topics). */
function unregisterBroker(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const header = decodeHeader(UnRegisterBrokerRequestHeader, request);
  ctx.routeInfoManager.unregisterBroker(header);
  return createResponse(request, ResponseCode.SUCCESS);
}

/** QUERY_DATA_VERSION: has the broker's topic config changed since it last registered? */
function queryDataVersion(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const header = decodeHeader(QueryDataVersionRequestHeader, request);
  const dataVersion = decodeDataVersion(request.body);
  const manager = ctx.routeInfoManager;
  const changed = manager.isBrokerTopicConfigChanged(
    header.clusterName,
    header.brokerAddr,
    dataVersion,
  );
  manager.updateBrokerInfoUpdateTimestamp(header.clusterName, header.brokerAddr);
  const held = manager.queryBrokerTopicConfig(header.clusterName, header.brokerAddr);
  const body = held === undefined ? undefined : encoder.encode(encodeDataVersion(held));
  return createResponse(request, ResponseCode.SUCCESS, undefined, encodeHeader({ changed }), body);
}

/** BROKER_HEARTBEAT (5.x): refreshes liveness only. */
function brokerHeartbeat(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const header = decodeHeader(BrokerHeartbeatRequestHeader, request);
  ctx.routeInfoManager.updateBrokerInfoUpdateTimestamp(header.clusterName, header.brokerAddr);
  return createResponse(request, ResponseCode.SUCCESS);
}

/**
 * GET_BROKER_MEMBER_GROUP (5.x): the members of a broker group, which a broker with
 * `enableSlaveActingMaster` asks for to find its group's lowest live broker id.
 */
function brokerMemberGroup(ctx: NamesrvContext, request: RemotingCommand): RemotingCommand {
  const { clusterName, brokerName } = decodeHeader(GetBrokerMemberGroupRequestHeader, request);
  const addrs = ctx.routeInfoManager.tables.brokerAddrTable.get(brokerName)?.brokerAddrs ??
    new Map<number, string>();
  const body = encoder.encode(encodeBrokerMemberGroup(clusterName, brokerName, addrs));
  return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
}

/**
 * Registers the broker registration processors.
 *
 * @param server where to register
 * @param ctx shared name server state
 */
export function registerBrokerRegistrationProcessors(
  server: ProcessorRegistry,
  ctx: NamesrvContext,
): void {
  const log = ctx.logger;
  server.registerProcessor(
    RequestCode.REGISTER_BROKER,
    guarded("REGISTER_BROKER", log, (request, channel) => registerBroker(ctx, request, channel)),
  );
  server.registerProcessor(
    RequestCode.UNREGISTER_BROKER,
    guarded("UNREGISTER_BROKER", log, (request) => unregisterBroker(ctx, request)),
  );
  server.registerProcessor(
    RequestCode.QUERY_DATA_VERSION,
    guarded("QUERY_DATA_VERSION", log, (request) => queryDataVersion(ctx, request)),
  );
  server.registerProcessor(
    RequestCode.BROKER_HEARTBEAT,
    guarded("BROKER_HEARTBEAT", log, (request) => brokerHeartbeat(ctx, request)),
  );
  server.registerProcessor(
    RequestCode.GET_BROKER_MEMBER_GROUP,
    guarded("GET_BROKER_MEMBER_GROUP", log, (request) => brokerMemberGroup(ctx, request)),
  );
}

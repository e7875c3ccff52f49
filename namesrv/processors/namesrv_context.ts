/**
 * What the name server's request processors share: the registry, the KV store, the configuration,
 * the route body cache, a clock and a logger; and the one method of `RemotingServer` they use.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import { errorResponse } from "../../protocol/headers/header_codec.ts";
import type { RemotingChannel, RemotingProcessor } from "../../protocol/remoting_channel.ts";
import type { RemotingCommand } from "../../protocol/remoting_command.ts";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { KvConfigManager } from "../kv_config_manager.ts";
import type { NamesrvConfiguration } from "../namesrv_configuration.ts";
import type { RouteBodyCache } from "../route_body_cache.ts";
import type { RouteInfoManager } from "../route_info_manager.ts";

/** The name server state processors read and write. */
export interface NamesrvContext {
  /** the route registry */
  readonly routeInfoManager: RouteInfoManager;
  /** the KV store */
  readonly kvConfigManager: KvConfigManager;
  /** the running configuration */
  readonly configuration: NamesrvConfiguration;
  /** encoded route bodies */
  readonly routeBodyCache: RouteBodyCache;
  /** time source */
  readonly clock: Clock;
  /** when the name server started, ms (for `needWaitForService`) */
  readonly startTimeMs: number;
  /** where processors log */
  readonly logger: RemotingLogger;
}

/** The part of `RemotingServer` processors register with. */
export interface ProcessorRegistry {
  /**
   * @param code request code
   * @param processor its handler
   */
  registerProcessor(code: number, processor: RemotingProcessor): void;
}

/** A processor body that may throw. */
export type ProcessorBody = (
  request: RemotingCommand,
  channel: RemotingChannel,
) => Promise<RemotingCommand> | RemotingCommand;

/**
 * Wraps a processor so any error becomes an error response in the request's serialization: a bad
 * header keeps its code and remark, anything else is SYSTEM_ERROR with the error text (as a Java
 * name server answers an exception), and is logged.
 *
 * @param name request name for the log line
 * @param logger where failures are logged
 * @param body the processor
 * @returns a processor that never throws
 */
export function guarded(
  name: string,
  logger: RemotingLogger,
  body: ProcessorBody,
): RemotingProcessor {
  const fail = (
    request: RemotingCommand,
    channel: RemotingChannel,
    error: unknown,
  ): RemotingCommand => {
    const text = error instanceof Error ? error.message : String(error);
    logger.warn(`${name} from ${channel.remoteAddress} failed: ${text}`);
    return errorResponse(request, error);
  };
  return (request, channel) => {
    try {
      const out = body(request, channel);
      if (out instanceof Promise) return out.catch((error) => fail(request, channel, error));
      return out;
    } catch (error) {
      return fail(request, channel, error);
    }
  };
}

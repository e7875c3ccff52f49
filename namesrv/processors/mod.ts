/**
 * The name server's request processors, one file per request family, and `registerAllProcessors`
 * which wires them all on a remoting server.
 *
 * @module
 */
import { registerBrokerRegistrationProcessors } from "./broker_registration_processor.ts";
import { registerKvConfigProcessors } from "./kv_config_processor.ts";
import type { NamesrvContext, ProcessorRegistry } from "./namesrv_context.ts";
import { registerNamesrvConfigProcessors } from "./namesrv_config_processor.ts";
import { registerRouteProcessors } from "./route_processor.ts";
import { registerTopicListProcessors } from "./topic_list_processor.ts";

export { registerBrokerRegistrationProcessors } from "./broker_registration_processor.ts";
export { registerKvConfigProcessors } from "./kv_config_processor.ts";
export {
  guarded,
  type NamesrvContext,
  type ProcessorBody,
  type ProcessorRegistry,
} from "./namesrv_context.ts";
export { registerNamesrvConfigProcessors } from "./namesrv_config_processor.ts";
export { registerRouteProcessors, topicNotExistRemark, VERSION_V4_9_4 } from "./route_processor.ts";
export { registerTopicListProcessors } from "./topic_list_processor.ts";

/**
 * Registers every name server request code on a server.
 *
 * @param server the remoting server (or any registry)
 * @param ctx shared name server state
 */
export function registerAllProcessors(server: ProcessorRegistry, ctx: NamesrvContext): void {
  registerBrokerRegistrationProcessors(server, ctx);
  registerRouteProcessors(server, ctx);
  registerTopicListProcessors(server, ctx);
  registerKvConfigProcessors(server, ctx);
  registerNamesrvConfigProcessors(server, ctx);
}

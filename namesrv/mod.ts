/**
 * The EdgeMQ name server: RocketMQ's route registry (REGISTER_BROKER, GET_ROUTEINFO_BY_TOPIC, …),
 * KV config, runtime configuration and an HTTP admin API. Start one with
 * {@linkcode NamesrvController} (embedded) or `deno task namesrv` (`main.ts`).
 *
 * @module
 */

// controller and configuration
export {
  type HttpServerHandle,
  NamesrvController,
  type NamesrvControllerOptions,
  type ServeHttp,
} from "./namesrv_controller.ts";
export {
  configBlackListOf,
  createNamesrvConfigSchema,
  DEFAULT_CONFIG_BLACK_LIST,
  loadNamesrvConfig,
  NAMESRV_CONFIG_KEYS,
  NAMESRV_NO_EFFECT_KEYS,
  type NamesrvConfig,
  type NamesrvConfigSchema,
  type NamesrvEnv,
} from "./namesrv_config.ts";
export {
  ConfigBlackListError,
  type ConfigUpdateResult,
  NamesrvConfiguration,
  type NamesrvConfigurationOptions,
} from "./namesrv_configuration.ts";
export { serveDenoHttp } from "./adapters/deno_http.ts";
export { createAdminApp } from "./admin_app.ts";

// state
export { RouteInfoManager, type RouteInfoManagerOptions } from "./route_info_manager.ts";
export * from "./route_queries.ts";
export * from "./route_types.ts";
export {
  KvConfigLimitError,
  KvConfigLoadError,
  KvConfigManager,
  type KvConfigManagerOptions,
  NAMESPACE_ORDER_TOPIC_CONFIG,
} from "./kv_config_manager.ts";
export { RouteBodyCache, type RouteBodyCacheOptions } from "./route_body_cache.ts";

// wire bodies and headers
export * from "./route_json.ts";
export * from "./register_broker_body.ts";
export * from "./register_broker_request.ts";
export * from "./headers.ts";
export * from "./processors/mod.ts";
export * from "./limits.ts";

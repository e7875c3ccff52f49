/**
 * The name server's configuration: RocketMQ's `NamesrvConfig` and `NettyServerConfig` keys
 * (4.9.8 and 5.x, `shared/spec/config.md` §2) with their defaults, plus EdgeMQ's own keys, as
 * one zod schema. Keys that only tune Java/Netty internals are accepted and reported as having
 * no effect ({@linkcode NAMESRV_NO_EFFECT_KEYS}).
 *
 * @module
 */
import { nettyServerConfigShape } from "../common/netty_server_config.ts";
import { z } from "zod";
import {
  type ConfigLoadResult,
  loadConfig,
  type PropertiesInput,
} from "../common/config_loader.ts";
import { JAVA_INT_MAX } from "./limits.ts";

/** Where the default paths come from; main.ts reads them from the environment. */
export interface NamesrvEnv {
  /** the user's home folder (`user.home` in Java): default folder of kvConfig.json and namesrv.properties */
  readonly home: string;
  /** `ROCKETMQ_HOME`, if set */
  readonly rocketmqHome?: string;
}

const int = (min: number, max: number, fallback: number) =>
  z.int().min(min).max(max).default(fallback);
const port = (fallback: number) => int(0, 65535, fallback);
const count = (fallback: number) => int(0, JAVA_INT_MAX, fallback);
const positive = (fallback: number) => int(1, JAVA_INT_MAX, fallback);
/** A duration in ms, bound at 2^31 − 1 (24.8 days): a longer timer fires at once (every ms). */
const millis = (fallback: number) => int(1, JAVA_INT_MAX, fallback);

/** `listenPort` as `mqnamesrv` presets it before reading the config file. */
const NAMESRV_LISTEN_PORT_DEFAULT = 9876;

/** RocketMQ's default `configBlackList`: keys UPDATE_NAMESRV_CONFIG may never change. */
export const DEFAULT_CONFIG_BLACK_LIST = "configBlackList;configStorePath;kvConfigPath";

/**
 * Builds the schema; the path defaults depend on the home folder.
 *
 * @param env home folder and ROCKETMQ_HOME
 * @returns zod object schema, one field per config key, in RocketMQ's field order
 */
export function createNamesrvConfigSchema(env: NamesrvEnv) {
  const dir = `${env.home.replace(/\/+$/, "")}/namesrv`;
  return z.object({
    // NamesrvConfig
    rocketmqHome: env.rocketmqHome === undefined
      ? z.string().optional()
      : z.string().optional().default(env.rocketmqHome),
    kvConfigPath: z.string().min(1).default(`${dir}/kvConfig.json`),
    configStorePath: z.string().min(1).default(`${dir}/namesrv.properties`),
    productEnvName: z.string().default("center"),
    clusterTest: z.boolean().default(false),
    orderMessageEnable: z.boolean().default(false),
    returnOrderTopicConfigToBroker: z.boolean().default(true),
    clientRequestThreadPoolNums: positive(8),
    defaultThreadPoolNums: positive(16),
    clientRequestThreadPoolQueueCapacity: positive(50000),
    defaultThreadPoolQueueCapacity: positive(10000),
    scanNotActiveBrokerInterval: millis(10_000),
    unRegisterBrokerQueueCapacity: positive(3000),
    supportActingMaster: z.boolean().default(false),
    enableAllTopicList: z.boolean().default(true),
    enableTopicList: z.boolean().default(true),
    notifyMinBrokerIdChanged: z.boolean().default(false),
    enableControllerInNamesrv: z.boolean().default(false),
    needWaitForService: z.boolean().default(false),
    waitSecondsForService: count(45),
    deleteTopicWithBrokerRegistration: z.boolean().default(false),
    configBlackList: z.string().default(DEFAULT_CONFIG_BLACK_LIST),
    ...nettyServerConfigShape(NAMESRV_LISTEN_PORT_DEFAULT),
    // EdgeMQ
    httpAdminPort: port(9880).describe(
      "an integer between 0 and 65535 (0 turns the HTTP admin off)",
    ),
    brokerChannelExpiredTime: millis(120_000),
  }).superRefine((c, ctx) => {
    if (c.httpAdminPort !== 0 && c.httpAdminPort === c.listenPort) {
      ctx.addIssue({
        code: "custom",
        path: ["httpAdminPort"],
        message: "a port other than listenPort",
      });
    }
  });
}

/** Every config key the name server knows, in RocketMQ's field order. */
export const NAMESRV_CONFIG_KEYS: readonly string[] = Object.keys(
  createNamesrvConfigSchema({ home: "/" }).shape,
);

/** The schema type. */
export type NamesrvConfigSchema = ReturnType<typeof createNamesrvConfigSchema>;

/** The effective name server configuration. */
export type NamesrvConfig = z.output<NamesrvConfigSchema>;

/**
 * Keys accepted for compatibility with RocketMQ config files that change nothing here: thread
 * pools, Netty selector/allocator/socket tuning (Deno's event loop and TCP stack decide these),
 * and RocketMQ features EdgeMQ's name server does not implement (cluster test, acting master,
 * embedded controller).
 */
export const NAMESRV_NO_EFFECT_KEYS: ReadonlySet<string> = new Set([
  "rocketmqHome",
  "productEnvName",
  "clusterTest",
  "clientRequestThreadPoolNums",
  "defaultThreadPoolNums",
  "clientRequestThreadPoolQueueCapacity",
  "defaultThreadPoolQueueCapacity",
  "unRegisterBrokerQueueCapacity",
  "supportActingMaster",
  "notifyMinBrokerIdChanged",
  "enableControllerInNamesrv",
  "serverWorkerThreads",
  "serverCallbackExecutorThreads",
  "serverSelectorThreads",
  "serverSocketSndBufSize",
  "serverSocketRcvBufSize",
  "writeBufferHighWaterMark",
  "writeBufferLowWaterMark",
  "serverSocketBacklog",
  "serverNettyWorkerGroupEnable",
  "serverPooledByteBufAllocatorEnable",
  "enableShutdownGracefully",
  "shutdownWaitTimeSeconds",
  "useEpollNativeSelector",
]);

/** Keys that RocketMQ always refuses to change over the wire, whatever `configBlackList` says. */
const ALWAYS_BLACKLISTED = ["configBlackList", "configStorePath", "kvConfigPath", "rocketmqHome"];

/**
 * The keys UPDATE_NAMESRV_CONFIG (and PATCH /config) refuse with NO_PERMISSION: the fixed
 * RocketMQ set plus the `;`-separated `configBlackList`.
 *
 * @param config the current configuration
 * @returns the blacklisted keys
 */
export function configBlackListOf(config: NamesrvConfig): Set<string> {
  const keys = new Set(ALWAYS_BLACKLISTED);
  for (const key of config.configBlackList.split(";")) {
    if (key.trim() !== "") keys.add(key.trim());
  }
  return keys;
}

/**
 * Applies properties to the name server schema.
 *
 * @param properties key/value text (config file, wire body, admin request)
 * @param env home folder and ROCKETMQ_HOME for the path defaults
 * @param base values applied before the properties (e.g. the running config on update)
 * @returns config, warnings, applied and unknown keys
 * @throws {ConfigError} naming each bad key, value and expectation
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadNamesrvConfig } from "./namesrv_config.ts";
 * const { config } = loadNamesrvConfig({ listenPort: "9877" }, { home: "/home/mq" });
 * assert.equal(config.listenPort, 9877);
 * assert.equal(config.kvConfigPath, "/home/mq/namesrv/kvConfig.json");
 * ```
 */
export function loadNamesrvConfig(
  properties: PropertiesInput,
  env: NamesrvEnv,
  base?: Partial<NamesrvConfig>,
): ConfigLoadResult<NamesrvConfig> {
  return loadConfig(createNamesrvConfigSchema(env), properties, {
    noEffectKeys: NAMESRV_NO_EFFECT_KEYS,
    base,
  });
}

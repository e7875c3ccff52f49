/**
 * Loads the broker's configuration the way `mqbroker` does (config.md §1): defaults, then the
 * `-c` properties file, then command-line options (`-n`), then RocketMQ's start-up rules (masters
 * get brokerId 0, a SLAVE needs brokerId > 0, `haListenPort = listenPort + 1` unless set, the
 * 5.x rule), validated by zod with warnings for unknown, renamed and no-effect keys.
 *
 * @module
 */
import { nettyServerConfigShape } from "../common/netty_server_config.ts";
import { z } from "zod";
import {
  ConfigError,
  type ConfigIssue,
  configToProperties,
  loadConfig,
  type PropertiesInput,
} from "../common/config_loader.ts";
import {
  BROKER_IMPORTANT_KEYS,
  BROKER_NO_EFFECT_KEYS,
  BROKER_RENAMED_KEYS,
  brokerConfigShape,
  type BrokerEnv,
  messageStoreConfigShape,
  nettyClientConfigShape,
} from "./broker_config_schema.ts";
import { NAMESRV_ADDRS_MAX } from "./limits.ts";
import { INDEX_FILE_BYTES_MAX } from "../store/limits.ts";
import {
  MessageStoreConfigError,
  resolveMessageStoreConfig,
} from "../store/message_store_config.ts";
import {
  clampToRange,
  DISK_CLEAN_FORCIBLY_RATIO_RANGE,
  DISK_MAX_USED_SPACE_RATIO_RANGE,
  DISK_WARNING_LEVEL_RATIO_RANGE,
} from "../store/limits.ts";

/** `listenPort` as `mqbroker` presets it before reading the config file. */
const BROKER_LISTEN_PORT_DEFAULT = 10911;

/**
 * Builds the merged schema of the four RocketMQ config objects.
 *
 * @param env defaults from the environment
 * @returns one zod object schema, one field per key
 */
export function createBrokerConfigSchema(env: BrokerEnv) {
  return z.object({
    ...brokerConfigShape(env),
    ...nettyServerConfigShape(BROKER_LISTEN_PORT_DEFAULT),
    ...nettyClientConfigShape(env),
    ...messageStoreConfigShape(env),
  });
}

/** The effective broker configuration: every key of the four RocketMQ config objects. */
export type BrokerConfig = z.output<ReturnType<typeof createBrokerConfigSchema>>;

const KEY_ENV: BrokerEnv = { HOME: "/" };

/** The keys of each RocketMQ config object, in RocketMQ's field order. */
export const BROKER_CONFIG_OBJECT_KEYS: Readonly<Record<string, readonly string[]>> = {
  BrokerConfig: Object.keys(brokerConfigShape(KEY_ENV)),
  NettyServerConfig: Object.keys(nettyServerConfigShape(BROKER_LISTEN_PORT_DEFAULT)),
  NettyClientConfig: Object.keys(nettyClientConfigShape(KEY_ENV)),
  MessageStoreConfig: Object.keys(messageStoreConfigShape(KEY_ENV)),
};

/** Options for {@linkcode loadBrokerConfig}. */
export interface LoadBrokerConfigOptions {
  /** the `-c` file's properties (empty without one) */
  readonly properties: PropertiesInput;
  /** HOME, NAMESRV_ADDR, host name and the like, read by main.ts */
  readonly env: BrokerEnv;
  /** command-line options, applied after the file (they win) */
  readonly overrides?: { readonly namesrvAddr?: string };
}

/** What {@linkcode loadBrokerConfig} produced. */
export interface BrokerConfigLoadResult {
  /** the validated, effective configuration */
  readonly config: BrokerConfig;
  /** one line per unknown, renamed or no-effect key and per start-up adjustment */
  readonly warnings: string[];
  /** keys set by the file or the command line, in input order */
  readonly appliedKeys: string[];
  /** keys no config object knows, with their values (kept in the config output, as RocketMQ does) */
  readonly unknown: Map<string, string>;
}

/**
 * Loads and validates the broker configuration.
 *
 * @param options properties, environment and command-line overrides
 * @returns the configuration and the warnings to log
 * @throws {ConfigError} naming every invalid key, value and what it expects
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadBrokerConfig } from "./broker_config.ts";
 * const { config } = loadBrokerConfig({
 *   properties: new Map([["brokerName", "broker-a"], ["listenPort", "10921"]]),
 *   env: { HOME: "/home/mq", NAMESRV_ADDR: "127.0.0.1:9876", hostname: "host1" },
 * });
 * assert.equal(config.brokerName, "broker-a");
 * assert.equal(config.haListenPort, 10922);
 * assert.equal(config.storePathRootDir, "/home/mq/store");
 * assert.equal(config.namesrvAddr, "127.0.0.1:9876");
 * ```
 */
export function loadBrokerConfig(options: LoadBrokerConfigOptions): BrokerConfigLoadResult {
  const pairs = toPairs(options.properties);
  if (options.overrides?.namesrvAddr !== undefined) {
    pairs.push(["namesrvAddr", options.overrides.namesrvAddr]);
  }
  const loaded = loadConfig(createBrokerConfigSchema(options.env), pairs, {
    noEffectKeys: BROKER_NO_EFFECT_KEYS,
    renamedKeys: BROKER_RENAMED_KEYS,
  });
  const warnings = [...loaded.warnings];
  const config = applyStartupRules(loaded.config, loaded.appliedKeys, warnings);
  return { config, warnings, appliedKeys: loaded.appliedKeys, unknown: loaded.unknown };
}

function toPairs(input: PropertiesInput): [string, string][] {
  if (input instanceof Map) return [...input];
  if (Symbol.iterator in Object(input)) {
    return [...(input as Iterable<readonly [string, string]>)].map(([k, v]) => [k, v]);
  }
  return Object.entries(input as Record<string, string>);
}

/**
 * `BrokerStartup`'s rules after the file is applied, and the cross-key checks zod cannot do per
 * key. Collects every problem before throwing.
 *
 * @param input the validated keys
 * @param appliedKeys the keys the file (or update) set; haListenPort follows listenPort unless set
 * @param warnings receives what a rule changed
 * @returns the configuration the broker runs with
 * @throws {ConfigError} naming every key that breaks a rule
 */
export function applyStartupRules(
  input: BrokerConfig,
  appliedKeys: readonly string[],
  warnings: string[],
): BrokerConfig {
  const config = { ...input };
  const issues: ConfigIssue[] = [];
  if (config.brokerRole === "SLAVE") {
    if (config.brokerId <= 0) {
      issues.push({
        key: "brokerId",
        value: String(config.brokerId),
        expected: "an integer > 0 for a SLAVE",
      });
    }
  } else if (config.brokerId !== 0) {
    warnings.push(
      `Config key brokerId ${config.brokerId} ignored: a ${config.brokerRole} always has brokerId 0`,
    );
    config.brokerId = 0;
  }
  if (config.brokerRole === "SYNC_MASTER") {
    warnings.push(
      "Config key brokerRole SYNC_MASTER: this broker has no HA service, so a send that waits for the store is answered SLAVE_NOT_AVAILABLE (stored on this broker only)",
    );
  }
  if (!appliedKeys.includes("haListenPort")) {
    config.haListenPort = config.listenPort === 0 ? 0 : config.listenPort + 1;
    if (config.haListenPort > 65535) {
      issues.push({
        key: "listenPort",
        value: String(config.listenPort),
        expected: "a port below 65535 (haListenPort is listenPort + 1)",
      });
    }
  }
  checkPorts(config, issues);
  const roundedCq = Math.ceil(config.mappedFileSizeConsumeQueue / 20) * 20;
  if (roundedCq !== config.mappedFileSizeConsumeQueue) {
    warnings.push(
      `Config key mappedFileSizeConsumeQueue ${config.mappedFileSizeConsumeQueue} rounded up to ${roundedCq} (a multiple of 20)`,
    );
    config.mappedFileSizeConsumeQueue = roundedCq;
  }
  const ranges = [
    ["diskMaxUsedSpaceRatio", DISK_MAX_USED_SPACE_RATIO_RANGE],
    ["diskSpaceWarningLevelRatio", DISK_WARNING_LEVEL_RATIO_RANGE],
    ["diskSpaceCleanForciblyRatio", DISK_CLEAN_FORCIBLY_RATIO_RANGE],
  ] as const;
  for (const [key, range] of ranges) {
    const value = config[key];
    const used = clampToRange(value, range);
    if (used !== value) {
      const [low, high] = range;
      warnings.push(
        `Config key ${key} ${value} is used as ${used} (RocketMQ keeps it in ${low}..${high})`,
      );
    }
  }
  if (config.maxMessageSize >= config.mappedFileSizeCommitLog) {
    issues.push({
      key: "maxMessageSize",
      value: String(config.maxMessageSize),
      expected: `a size below mappedFileSizeCommitLog ${config.mappedFileSizeCommitLog}`,
    });
  }
  checkIndexLayout(config, issues);
  if (config.namesrvAddr !== undefined) checkNamesrvAddr(config.namesrvAddr, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

function checkPorts(config: BrokerConfig, issues: ConfigIssue[]): void {
  const { listenPort, haListenPort, httpAdminPort } = config;
  if (haListenPort !== 0 && haListenPort === listenPort) {
    issues.push({
      key: "haListenPort",
      value: String(haListenPort),
      expected: "a port other than listenPort",
    });
  }
  const vipPort = listenPort === 0 ? 0 : listenPort - 2; // RocketMQ's fast (VIP) channel
  if (
    httpAdminPort !== 0 &&
    (httpAdminPort === listenPort || httpAdminPort === haListenPort || httpAdminPort === vipPort)
  ) {
    issues.push({
      key: "httpAdminPort",
      value: String(httpAdminPort),
      expected:
        "a port other than listenPort, the VIP port (listenPort - 2) and haListenPort (0 turns the HTTP admin off)",
    });
  }
}

/** An index file must hold two entries and stay within INDEX_FILE_BYTES_MAX (the store's check). */
function checkIndexLayout(config: BrokerConfig, issues: ConfigIssue[]): void {
  const { storePathRootDir, maxHashSlotNum, maxIndexNum } = config;
  try {
    resolveMessageStoreConfig({ storePathRootDir, maxHashSlotNum, maxIndexNum });
  } catch (error) {
    if (!(error instanceof MessageStoreConfigError)) throw error;
    issues.push({
      key: "maxIndexNum",
      value: String(maxIndexNum),
      expected:
        `at least 2, and with maxHashSlotNum ${maxHashSlotNum} an index file of at most ${INDEX_FILE_BYTES_MAX} bytes (40 + 4 × maxHashSlotNum + 20 × maxIndexNum)`,
    });
  }
}

const ADDRESS = /^[^:;\s]+:(\d{1,5})$/;

/** RocketMQ exits when an address does not parse: `127.0.0.1:9876;192.168.0.1:9876`. */
function checkNamesrvAddr(value: string, issues: ConfigIssue[]): void {
  const addresses = value.split(";").map((a) => a.trim()).filter((a) => a.length > 0);
  const bad = addresses.length === 0 || addresses.length > NAMESRV_ADDRS_MAX ||
    addresses.some((a) => {
      const match = ADDRESS.exec(a);
      return match === null || Number(match[1]) < 1 || Number(match[1]) > 65535;
    });
  if (bad) {
    issues.push({
      key: "namesrvAddr",
      value,
      expected:
        `1 to ${NAMESRV_ADDRS_MAX} host:port addresses separated by ;, e.g. 127.0.0.1:9876;192.168.0.1:9876`,
    });
  }
}

/**
 * @param config the broker configuration
 * @returns the name server addresses of `namesrvAddr` (empty when unset)
 */
export function namesrvAddressList(config: BrokerConfig): string[] {
  return (config.namesrvAddr ?? "").split(";").map((a) => a.trim()).filter((a) => a.length > 0);
}

/** Options for {@linkcode brokerConfigToProperties}. */
export interface BrokerConfigToPropertiesOptions {
  /** only RocketMQ's `@ImportantField` keys (`mqbroker -m`) */
  readonly importantOnly?: boolean;
  /** further entries (unknown keys of the start-up file); config values win */
  readonly extra?: Iterable<readonly [string, string]>;
}

/**
 * Writes the configuration as sorted `key=value` lines, unset keys skipped: the output of
 * `mqbroker -p` / `-m` and the body of GET_BROKER_CONFIG.
 *
 * @param config the configuration
 * @param options important keys only, extra entries
 * @returns `key=value\n` lines sorted by key
 */
export function brokerConfigToProperties(
  config: BrokerConfig,
  options: BrokerConfigToPropertiesOptions = {},
): string {
  const source: Record<string, unknown> = options.importantOnly === true
    ? Object.fromEntries(Object.entries(config).filter(([key]) => BROKER_IMPORTANT_KEYS.has(key)))
    : config;
  return configToProperties(source, options.importantOnly === true ? [] : options.extra ?? []);
}

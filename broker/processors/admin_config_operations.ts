/**
 * Broker configuration administration shared by GET/UPDATE_BROKER_CONFIG and `GET|PATCH /config`
 * (`shared/spec/config.md` §1, §5): the properties text and its version, and updates refused for
 * `configBlackList` keys (NO_PERMISSION), validated, applied and persisted.
 *
 * @module
 */
import { ConfigError } from "../../common/config_loader.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { BROKER_RENAMED_KEYS } from "../broker_config_schema.ts";
import { dataVersionToJson } from "../data_version.ts";
import type {
  AdminBrokerConfig,
  AdminConfigUpdateResult,
  BrokerAdminContext,
} from "./admin_context.ts";

/** RocketMQ's remark for an update naming a blacklisted key. */
export const CONFIG_BLACK_LIST_REMARK = "Can not update config in black list.";

/** Thrown for an update naming `configBlackList` keys: NO_PERMISSION with RocketMQ's remark. */
export class ConfigBlackListError extends BrokerError {
  /** @param keys the blacklisted keys the update named */
  constructor(readonly keys: readonly string[]) {
    super(ResponseCode.NO_PERMISSION, CONFIG_BLACK_LIST_REMARK);
    this.name = "ConfigBlackListError";
  }
}

/** Keys never changed at runtime whatever `configBlackList` says (RocketMQ's initConfigBlackList). */
const ALWAYS_BLACKLISTED = ["brokerConfigPath", "rocketmqHome", "configBlackList"];

/**
 * @param config the broker configuration
 * @returns the keys UPDATE_BROKER_CONFIG refuses: brokerConfigPath, rocketmqHome and
 *   configBlackList itself, as RocketMQ always adds them, then the keys of `configBlackList`
 *   (`;`-separated, blanks trimmed)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configBlackListOf } from "./admin_config_operations.ts";
 * const keys = configBlackListOf({ configBlackList: "storePathRootDir" } as never);
 * assert.deepEqual([...keys], [
 *   "brokerConfigPath",
 *   "rocketmqHome",
 *   "configBlackList",
 *   "storePathRootDir",
 * ]);
 * ```
 */
export function configBlackListOf(config: Pick<AdminBrokerConfig, "configBlackList">): Set<string> {
  const configured = config.configBlackList.split(";").map((k) => k.trim());
  return new Set([...ALWAYS_BLACKLISTED, ...configured.filter((k) => k.length > 0)]);
}

/**
 * The GET_BROKER_CONFIG answer: the properties text and the configuration's DataVersion JSON.
 *
 * @param context the broker
 * @returns `text` (sorted `key=value\n` lines) and `version` (e.g. `{"counter":1,"timestamp":…}`)
 */
export function brokerConfigOf(context: BrokerAdminContext): { text: string; version: string } {
  const configuration = context.configuration;
  return {
    text: configuration.toProperties(),
    version: JSON.stringify(dataVersionToJson(configuration.dataVersion)),
  };
}

/**
 * Applies a configuration update (RocketMQ `updateBrokerConfig`): refuses it whole when it names a
 * blacklisted key, applies and persists it, and re-registers with the name servers when
 * `brokerPermission` changed (routes carry the broker's permission).
 *
 * @param context the broker
 * @param properties the keys to change, text values
 * @returns warnings and the applied keys
 * @throws {ConfigBlackListError} NO_PERMISSION when a key is blacklisted
 * @throws {BrokerError} SYSTEM_ERROR naming every invalid value
 */
export async function updateBrokerConfig(
  context: BrokerAdminContext,
  properties: ReadonlyMap<string, string>,
): Promise<AdminConfigUpdateResult> {
  const blackList = configBlackListOf(context.configuration.config);
  // An old spelling (mapedFile…) names the same key: it is as blacklisted as the new one.
  const refused = [...properties.keys()].filter((key) =>
    blackList.has(key) || blackList.has(BROKER_RENAMED_KEYS[key] ?? key)
  );
  if (refused.length > 0) throw new ConfigBlackListError(refused);
  let result: AdminConfigUpdateResult;
  try {
    result = await context.configuration.update(properties);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new BrokerError(
        ResponseCode.SYSTEM_ERROR,
        `Cannot update broker config: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  context.logger.info(
    `broker admin: updated broker config keys ${[...properties.keys()].join(", ")}`,
  );
  if (properties.has("brokerPermission")) {
    // A new data version, or name servers that hold the topics skip their changed permission.
    await context.topicConfigManager.nextDataVersion();
    await context.notifyTopicChanged({ kind: "permission" }); // as 4.9.8 registers before answering
  }
  return result;
}

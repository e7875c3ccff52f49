/**
 * The broker's consumer group settings (RocketMQ `SubscriptionGroupManager`): RocketMQ's built-in
 * groups created at start, groups auto-created on first use when `autoCreateSubscriptionGroup`,
 * admin changes, all persisted to `config/subscriptionGroup.json` (store.md §10) and versioned by a
 * {@linkcode DataVersion}. Every change is written before it becomes visible; changes run one at a
 * time.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { parseFastjson, stringifyFastjson } from "../store/fastjson.ts";
import type { FileSystem } from "../store/file_system.ts";
import { MetadataFile } from "./_metadata_file.ts";
import { Mutex } from "./_mutex.ts";
import { BrokerError, tableFullError } from "./broker_error.ts";
import {
  type DataVersion,
  dataVersionSchema,
  dataVersionToJson,
  initialDataVersion,
  nextDataVersion,
} from "./data_version.ts";
import { SUBSCRIPTION_GROUPS_MAX } from "./limits.ts";
import {
  createSubscriptionGroupConfig,
  type SubscriptionGroupConfig,
  subscriptionGroupConfigFileSchema,
  subscriptionGroupConfigSchema,
  subscriptionGroupConfigToJson,
} from "./subscription_group_config.ts";
import { isSysConsumerGroup, validateGroup } from "./topic_validator.ts";
import type { RemotingLogger } from "../protocol/remoting_logger.ts";

/** Group of the mqadmin tools (`MixAll.TOOLS_CONSUMER_GROUP`). */
export const TOOLS_CONSUMER_GROUP = "TOOLS_CONSUMER";
/** `MixAll.FILTERSRV_CONSUMER_GROUP`. */
export const FILTERSRV_CONSUMER_GROUP = "FILTERSRV_CONSUMER";
/** `MixAll.SELF_TEST_CONSUMER_GROUP`. */
export const SELF_TEST_CONSUMER_GROUP = "SELF_TEST_C_GROUP";
/** `MixAll.ONS_HTTP_PROXY_GROUP`. */
export const ONS_HTTP_PROXY_GROUP = "CID_ONS-HTTP-PROXY";
/** `MixAll.CID_ONSAPI_PULL_GROUP`. */
export const CID_ONSAPI_PULL_GROUP = "CID_ONSAPI_PULL";
/** `MixAll.CID_ONSAPI_PERMISSION_GROUP`. */
export const CID_ONSAPI_PERMISSION_GROUP = "CID_ONSAPI_PERMISSION";
/** `MixAll.CID_ONSAPI_OWNER_GROUP`. */
export const CID_ONSAPI_OWNER_GROUP = "CID_ONSAPI_OWNER";
/** Transaction check progress group (`MixAll.CID_SYS_RMQ_TRANS`; note the value's word order). */
export const CID_SYS_RMQ_TRANS = "CID_RMQ_SYS_TRANS";

/** The groups RocketMQ's `SubscriptionGroupManager` creates at start, in its order. */
export const SYSTEM_SUBSCRIPTION_GROUPS: readonly string[] = [
  TOOLS_CONSUMER_GROUP,
  FILTERSRV_CONSUMER_GROUP,
  SELF_TEST_CONSUMER_GROUP,
  ONS_HTTP_PROXY_GROUP,
  CID_ONSAPI_PULL_GROUP,
  CID_ONSAPI_PERMISSION_GROUP,
  CID_ONSAPI_OWNER_GROUP,
  CID_SYS_RMQ_TRANS,
];

/** Options for {@linkcode SubscriptionGroupManager}. */
export interface SubscriptionGroupManagerOptions {
  /**
   * BrokerConfig `autoCreateSubscriptionGroup`: create unknown groups on first use; a function is
   * read at each lookup, so a runtime update (UPDATE_BROKER_CONFIG) applies at once, as in RocketMQ
   */
  readonly autoCreateSubscriptionGroup: boolean | (() => boolean);
  /** where subscriptionGroup.json lives */
  readonly fs: FileSystem;
  /** path of subscriptionGroup.json (`StorePaths.subscriptionGroupJson`) */
  readonly path: string;
  /** time source for data versions */
  readonly clock: Clock;
  /** told when a group created on first use is kept though the file could not be written */
  readonly logger?: Pick<RemotingLogger, "error">;
}

/** The table and version as GET_ALL_SUBSCRIPTIONGROUP_CONFIG sends them (bodies.md §6). */
export interface SubscriptionGroupWrapper {
  /** every group */
  readonly subscriptionGroupTable: ReadonlyMap<string, SubscriptionGroupConfig>;
  /** the table version */
  readonly dataVersion: DataVersion;
}

/**
 * The consumer group settings of one broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../common/clock.ts";
 * import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
 * import { SubscriptionGroupManager } from "./subscription_group_manager.ts";
 * const clock = new ManualClock();
 * const manager = new SubscriptionGroupManager({ autoCreateSubscriptionGroup: true,
 *   fs: new MemoryFileSystem({ clock }), path: "/store/config/subscriptionGroup.json", clock });
 * await manager.load();
 * const config = await manager.findSubscriptionGroupConfig("G1");
 * assert.equal(config?.retryQueueNums, 1);
 * ```
 */
export class SubscriptionGroupManager {
  readonly #autoCreate: () => boolean;
  readonly #file: MetadataFile;
  readonly #clock: Clock;
  readonly #mutex = new Mutex();
  #table = new Map<string, SubscriptionGroupConfig>();
  #dataVersion: DataVersion;
  /** 5.x `forbiddenTable`, kept as read */
  #forbiddenTable: unknown = undefined;

  /** @param options auto-creation, file and clock */
  constructor(options: SubscriptionGroupManagerOptions) {
    const autoCreate = options.autoCreateSubscriptionGroup;
    this.#autoCreate = typeof autoCreate === "function" ? autoCreate : () => autoCreate;
    const logger = options.logger ?? console;
    this.#file = new MetadataFile(
      options.fs,
      options.path,
      (e) => logger.error(`broker: ${e.message}`),
    );
    this.#clock = options.clock;
    this.#dataVersion = initialDataVersion(options.clock.now());
  }

  /**
   * Creates the built-in groups, then applies subscriptionGroup.json (its entries win).
   *
   * @throws {Error} when the file and its .bak exist but cannot be parsed
   */
  async load(): Promise<void> {
    const table = new Map<string, SubscriptionGroupConfig>();
    for (const name of SYSTEM_SUBSCRIPTION_GROUPS) {
      table.set(name, createSubscriptionGroupConfig(name));
    }
    const loaded = await this.#file.load((json) =>
      subscriptionGroupWrapperFromJson(json, this.#file.path)
    );
    if (loaded !== null) {
      for (const [name, config] of loaded.subscriptionGroupTable) table.set(name, config);
      if (loaded.dataVersion !== null) this.#dataVersion = loaded.dataVersion;
      this.#forbiddenTable = loaded.forbiddenTable;
    }
    this.#table = table;
  }

  /** the table version */
  get dataVersion(): DataVersion {
    return this.#dataVersion;
  }

  /** the group table (read-only view; replaced, not mutated, on change) */
  get subscriptionGroupTable(): ReadonlyMap<string, SubscriptionGroupConfig> {
    return this.#table;
  }

  /**
   * Looks a group up without creating it; the pull path calls this first and only falls back to
   * {@linkcode findSubscriptionGroupConfig} when it returns undefined.
   *
   * @param group the group
   * @returns its settings, if present
   */
  getSubscriptionGroupConfig(group: string): SubscriptionGroupConfig | undefined {
    return this.#table.get(group);
  }

  /** @param group a group @returns true when the broker has settings for it */
  containsSubscriptionGroup(group: string): boolean {
    return this.#table.has(group);
  }

  /**
   * @param group a group
   * @returns true when the broker has settings for it or would create them on first use
   *   (`autoCreateSubscriptionGroup`, or a `CID_RMQ_SYS_` group)
   */
  acceptsGroup(group: string): boolean {
    return this.#table.has(group) || this.#autoCreate() || isSysConsumerGroup(group);
  }

  /**
   * Returns a group's settings, creating them with the defaults when absent and
   * `autoCreateSubscriptionGroup` is on or the group is a `CID_RMQ_SYS_` group (RocketMQ
   * `findSubscriptionGroupConfig`).
   *
   * @param group the group
   * @returns its settings, or null when absent and not creatable (the processor answers
   *   SUBSCRIPTION_GROUP_NOT_EXIST)
   * @throws {BrokerError} SYSTEM_BUSY when the table is full. A file that cannot be written is
   *   logged and the group kept, as RocketMQ's `persist` does: a heartbeat naming it (and the
   *   client's other groups in it) must not be refused; the file's next write takes it along.
   */
  findSubscriptionGroupConfig(group: string): Promise<SubscriptionGroupConfig | null> {
    const existing = this.#table.get(group);
    if (existing !== undefined) return Promise.resolve(existing);
    if (!this.acceptsGroup(group)) return Promise.resolve(null);
    if (validateGroup(group) !== null) return Promise.resolve(null);
    return this.#mutex.run(async () => {
      const found = this.#table.get(group);
      if (found !== undefined) return found;
      const config = createSubscriptionGroupConfig(group);
      await this.#commit(config.groupName, config, true);
      return config;
    });
  }

  /**
   * Creates or replaces a group's settings (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, slave sync).
   *
   * @param config the settings (validated here; missing fields take the defaults)
   * @returns the stored settings
   * @throws {BrokerError} SYSTEM_ERROR on invalid settings, SYSTEM_BUSY on a full table
   */
  updateSubscriptionGroupConfig(config: unknown): Promise<SubscriptionGroupConfig> {
    const parsed = subscriptionGroupConfigSchema.safeParse(config);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
      return Promise.reject(
        new BrokerError(ResponseCode.SYSTEM_ERROR, `Cannot update subscription group: ${detail}`),
      );
    }
    const failure = validateGroup(parsed.data.groupName);
    if (failure !== null) return Promise.reject(new BrokerError(failure.code, failure.remark));
    return this.#mutex.run(async () => {
      await this.#commit(parsed.data.groupName, parsed.data);
      return parsed.data;
    });
  }

  /**
   * Turns consumption off for a group (`disableConsumeIfConsumerReadSlowly`).
   *
   * @param group the group
   * @returns true when the group existed and was enabled
   */
  disableConsume(group: string): Promise<boolean> {
    return this.#mutex.run(async () => {
      const old = this.#table.get(group);
      if (old === undefined || !old.consumeEnable) return false;
      await this.#commit(group, { ...old, consumeEnable: false });
      return true;
    });
  }

  /**
   * Removes a group's settings (DELETE_SUBSCRIPTIONGROUP); its offsets are the offset manager's.
   *
   * @param group the group
   * @returns true when it existed
   */
  deleteSubscriptionGroupConfig(group: string): Promise<boolean> {
    return this.#mutex.run(async () => {
      if (!this.#table.has(group)) return false;
      await this.#commit(group, null);
      return true;
    });
  }

  /** @returns the table and version for GET_ALL_SUBSCRIPTIONGROUP_CONFIG */
  buildSubscriptionGroupWrapper(): SubscriptionGroupWrapper {
    return { subscriptionGroupTable: this.#table, dataVersion: this.#dataVersion };
  }

  /**
   * @param pretty fastjson pretty form (file) or compact (wire)
   * @returns `{"dataVersion":{…},"subscriptionGroupTable":{…}}`
   */
  encode(pretty = true): string {
    return encodeSubscriptionGroupWrapper(
      this.#table,
      this.#dataVersion,
      this.#forbiddenTable,
      pretty,
    );
  }

  /** Writes subscriptionGroup.json now (normally every change writes it). */
  persist(): Promise<void> {
    return this.#mutex.run(() => this.#file.store(this.encode(true)));
  }

  /**
   * Writes the file when a change created on first use could not be written (the broker calls it
   * periodically and at shutdown, as RocketMQ persists its tables at shutdown).
   * @returns true when it wrote
   */
  async persistIfUnsaved(): Promise<boolean> {
    if (!this.#file.unsaved) return false;
    await this.persist();
    return true;
  }

  /**
   * Writes the table with one group set (or removed when `config` is null), then publishes it;
   * `lenient` publishes it also when the write fails (logged).
   */
  async #commit(group: string, config: SubscriptionGroupConfig | null, lenient = false) {
    if (config !== null && !this.#table.has(group) && this.#table.size >= SUBSCRIPTION_GROUPS_MAX) {
      throw tableFullError(
        `Cannot create subscription group ${group}`,
        `broker has ${this.#table.size} groups, subscriptionGroupsMax ${SUBSCRIPTION_GROUPS_MAX}`,
      );
    }
    const table = new Map(this.#table);
    if (config === null) table.delete(group);
    else table.set(group, config);
    const dataVersion = nextDataVersion(this.#dataVersion, this.#clock.now());
    const text = encodeSubscriptionGroupWrapper(table, dataVersion, this.#forbiddenTable, true);
    await (lenient ? this.#file.storeOrKeep(text, `group ${group}`) : this.#file.store(text));
    this.#table = table;
    this.#dataVersion = dataVersion;
  }
}

/**
 * Writes a group table as RocketMQ's SubscriptionGroupManager JSON.
 *
 * @param table the groups
 * @param dataVersion the version
 * @param forbiddenTable 5.x forbidden table, written back when present
 * @param pretty fastjson pretty form or compact
 * @returns the JSON text
 */
export function encodeSubscriptionGroupWrapper(
  table: ReadonlyMap<string, SubscriptionGroupConfig>,
  dataVersion: DataVersion,
  forbiddenTable: unknown,
  pretty: boolean,
): string {
  const groups: Record<string, unknown> = {};
  for (const [name, config] of table) groups[name] = subscriptionGroupConfigToJson(config);
  const value: Record<string, unknown> = { dataVersion: dataVersionToJson(dataVersion) };
  if (forbiddenTable !== undefined && forbiddenTable !== null) {
    value.forbiddenTable = forbiddenTable;
  }
  value.subscriptionGroupTable = groups;
  return pretty ? stringifyFastjson(value) : JSON.stringify(value);
}

/**
 * Reads subscriptionGroup.json (standard JSON or fastjson's form).
 *
 * @param text the JSON text
 * @param source what the text came from, for messages
 * @returns the groups, the version (null when absent) and the 5.x forbidden table
 * @throws {Error} when the text is not JSON or an entry is invalid
 */
export function decodeSubscriptionGroupWrapper(
  text: string,
  source: string,
): DecodedSubscriptionGroups {
  return subscriptionGroupWrapperFromJson(parseFastjson(text), source);
}

/** What {@linkcode decodeSubscriptionGroupWrapper} returns. */
export interface DecodedSubscriptionGroups {
  /** the groups */
  readonly subscriptionGroupTable: Map<string, SubscriptionGroupConfig>;
  /** the version, null when absent */
  readonly dataVersion: DataVersion | null;
  /** the 5.x forbidden table, as read */
  readonly forbiddenTable: unknown;
}

/** {@linkcode decodeSubscriptionGroupWrapper} on already-parsed JSON. */
function subscriptionGroupWrapperFromJson(
  json: unknown,
  source: string,
): DecodedSubscriptionGroups {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`Cannot load subscription groups from ${source}: not a JSON object`);
  }
  const raw = json as Record<string, unknown>;
  const subscriptionGroupTable = new Map<string, SubscriptionGroupConfig>();
  for (
    const [name, entry] of Object.entries(
      (raw.subscriptionGroupTable ?? {}) as Record<string, unknown>,
    )
  ) {
    const parsed = subscriptionGroupConfigFileSchema.safeParse({
      groupName: name,
      ...(entry as object),
    });
    if (!parsed.success) {
      throw new Error(
        `Cannot load subscription group ${name} from ${source}: ${parsed.error.message}`,
      );
    }
    subscriptionGroupTable.set(name, parsed.data);
  }
  const dataVersion = raw.dataVersion === undefined
    ? null
    : dataVersionSchema.parse(raw.dataVersion);
  return { subscriptionGroupTable, dataVersion, forbiddenTable: raw.forbiddenTable };
}

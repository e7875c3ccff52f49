/**
 * The running broker configuration (RocketMQ `Configuration` for the broker): the effective values,
 * the startup file's unknown keys (kept and reported, as RocketMQ does), a DataVersion, and updates
 * (UPDATE_BROKER_CONFIG, `PATCH /config`) that are validated, applied and persisted whole to the
 * broker's config file. It satisfies {@linkcode AdminConfiguration}; the broker controller may use
 * it as is.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import { loadConfig, type PropertiesInput } from "../../common/config_loader.ts";
import type { FileSystem } from "../../store/file_system.ts";
import { MetadataFile } from "../_metadata_file.ts";
import { Mutex } from "../_mutex.ts";
import {
  applyStartupRules,
  type BrokerConfig,
  type BrokerConfigLoadResult,
  brokerConfigToProperties,
  createBrokerConfigSchema,
} from "../broker_config.ts";
import {
  BROKER_NO_EFFECT_KEYS,
  BROKER_RENAMED_KEYS,
  type BrokerEnv,
} from "../broker_config_schema.ts";
import { type DataVersion, initialDataVersion, nextDataVersion } from "../data_version.ts";
import type { AdminConfigUpdateResult, AdminConfiguration } from "./admin_context.ts";

/** Options for {@linkcode AdminBrokerConfiguration}. */
export interface AdminBrokerConfigurationOptions {
  /** where the config file is written */
  readonly fs: FileSystem;
  /** the file updates are persisted to: the `-c` file, else `<storePathRootDir>/config/broker.properties` */
  readonly path: string;
  /** the environment the startup configuration was loaded with (defaults) */
  readonly env: BrokerEnv;
  /** the startup result */
  readonly initial: BrokerConfigLoadResult;
  /** time source for the DataVersion */
  readonly clock: Clock;
}

type Listener = (config: BrokerConfig) => void;

/**
 * The running broker configuration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../../common/clock.ts";
 * import { MemoryFileSystem } from "../../store/adapters/memory_file_system.ts";
 * import { loadBrokerConfig } from "../broker_config.ts";
 * import { AdminBrokerConfiguration } from "./admin_broker_configuration.ts";
 * const env = { HOME: "/home/mq", hostname: "host1" };
 * const clock = new ManualClock();
 * const configuration = new AdminBrokerConfiguration({
 *   fs: new MemoryFileSystem({ clock }), path: "/home/mq/broker.conf", env, clock,
 *   initial: loadBrokerConfig({ properties: new Map([["brokerName", "broker-a"]]), env }),
 * });
 * await configuration.update(new Map([["defaultTopicQueueNums", "4"]]));
 * assert.equal(configuration.config.defaultTopicQueueNums, 4);
 * assert.equal(configuration.dataVersion.counter, 1);
 * ```
 */
export class AdminBrokerConfiguration implements AdminConfiguration {
  readonly #env: BrokerEnv;
  readonly #clock: Clock;
  readonly #file: MetadataFile;
  readonly #mutex = new Mutex();
  #extra: Map<string, string>;
  readonly #listeners: Listener[] = [];
  #config: BrokerConfig;
  #dataVersion: DataVersion;

  /** @param options file, environment, startup result and clock */
  constructor(options: AdminBrokerConfigurationOptions) {
    this.#env = options.env;
    this.#clock = options.clock;
    this.#file = new MetadataFile(options.fs, options.path);
    this.#extra = new Map(options.initial.unknown);
    this.#config = options.initial.config;
    this.#dataVersion = initialDataVersion(options.clock.now());
  }

  /** the effective configuration (replaced, never mutated, on update) */
  get config(): BrokerConfig {
    return this.#config;
  }

  /** the configuration's version, bumped by each update */
  get dataVersion(): DataVersion {
    return this.#dataVersion;
  }

  /** the file updates are persisted to */
  get path(): string {
    return this.#file.path;
  }

  /** @param listener called with the new configuration after each update */
  onChange(listener: Listener): void {
    this.#listeners.push(listener);
  }

  /** @returns every non-null key plus the startup file's unknown keys, as sorted `key=value\n` lines */
  toProperties(): string {
    return brokerConfigToProperties(this.#config, { extra: this.#extra });
  }

  /**
   * Applies keys and persists the whole configuration (RocketMQ `Configuration.update`): values are
   * checked first and a bad one refuses the whole update; unknown keys are reported and kept only
   * when the startup file had them; start-up rules (brokerId of masters, haListenPort) apply again.
   *
   * @param properties the keys to change, text values
   * @returns warnings and the applied keys
   * @throws {ConfigError} naming every invalid value; nothing changes
   * @throws when the file cannot be written; nothing changes
   */
  update(properties: PropertiesInput): Promise<AdminConfigUpdateResult> {
    return this.#mutex.run(async () => {
      const schema = createBrokerConfigSchema(this.#env);
      const patched = loadConfig(schema, properties, {
        base: this.#config,
        noEffectKeys: BROKER_NO_EFFECT_KEYS,
        renamedKeys: BROKER_RENAMED_KEYS,
      });
      const warnings = [...patched.warnings];
      // Every key counts as set, as in the file the update persists (haListenPort stays).
      const config = applyStartupRules(patched.config, Object.keys(patched.config), warnings);
      const extra = new Map(this.#extra);
      for (const [key, value] of patched.unknown) if (extra.has(key)) extra.set(key, value);
      // The file first: an update that cannot be persisted changes nothing.
      await this.#file.store(brokerConfigToProperties(config, { extra }));
      this.#extra = extra;
      this.#config = config;
      this.#dataVersion = nextDataVersion(this.#dataVersion, this.#clock.now());
      for (const listener of this.#listeners) listener(config);
      return { warnings, appliedKeys: patched.appliedKeys };
    });
  }
}

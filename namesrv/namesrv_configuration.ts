/**
 * The running name server configuration (RocketMQ `Configuration`): the effective values, the
 * startup file's unknown keys (RocketMQ keeps and reports them), a data version, runtime updates
 * (UPDATE_NAMESRV_CONFIG, `PATCH /config`) refused for blacklisted keys and persisted to
 * `configStorePath` (the previous version kept as `.bak`, as RocketMQ does).
 *
 * @module
 */
import { configToProperties, type PropertiesInput } from "../common/config_loader.ts";
import type { FileSystem } from "../store/file_system.ts";
import { ConfigFile } from "../store/config_file.ts";
import {
  configBlackListOf,
  loadNamesrvConfig,
  type NamesrvConfig,
  type NamesrvEnv,
} from "./namesrv_config.ts";
import type { DataVersion } from "./route_types.ts";

/** Thrown when an update names a blacklisted key; the answer is NO_PERMISSION. */
export class ConfigBlackListError extends Error {
  /** @param keys the blacklisted keys the update named */
  constructor(readonly keys: readonly string[]) {
    super(`Can not update config in black list: ${keys.join(", ")}`);
    this.name = "ConfigBlackListError";
  }
}

/** Options of {@linkcode NamesrvConfiguration}. */
export interface NamesrvConfigurationOptions {
  /** where `configStorePath` is written */
  fs: FileSystem;
  /** home folder and ROCKETMQ_HOME (path defaults) */
  env: NamesrvEnv;
  /** the startup configuration */
  config: NamesrvConfig;
  /** keys of the startup file the schema does not know (kept and reported, as RocketMQ does) */
  extra?: ReadonlyMap<string, string>;
  /** clock for the data version timestamp */
  now: () => number;
}

/** What an update did. */
export interface ConfigUpdateResult {
  /** unknown or no-effect keys named by the update */
  warnings: string[];
  /** keys whose values were applied */
  appliedKeys: string[];
}

type Listener = (config: NamesrvConfig) => void;

/** The running configuration. */
export class NamesrvConfiguration {
  readonly #options: NamesrvConfigurationOptions;
  #config: NamesrvConfig;
  #extra: Map<string, string>;
  readonly #dataVersion: DataVersion;
  readonly #listeners: Listener[] = [];
  #tail: Promise<void> = Promise.resolve();

  /** @param options file system, env, startup result and clock */
  constructor(options: NamesrvConfigurationOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#extra = new Map(options.extra);
    this.#dataVersion = { counter: 0, timestamp: options.now() };
  }

  /** The effective configuration (replaced, never mutated, on update). */
  get config(): NamesrvConfig {
    return this.#config;
  }

  /** Version of the configuration, bumped by each update. */
  get dataVersion(): DataVersion {
    return { ...this.#dataVersion };
  }

  /** The data version counter alone (cheap; caches key on it). */
  get version(): number {
    return this.#dataVersion.counter;
  }

  /** @param listener called with the new configuration after each update */
  onChange(listener: Listener): void {
    this.#listeners.push(listener);
  }

  /**
   * The GET_NAMESRV_CONFIG body: every non-null key, plus the startup file's unknown keys, sorted.
   *
   * @returns `key=value\n` lines
   */
  toProperties(): string {
    return configToProperties(this.#config, this.#extra);
  }

  /**
   * Applies an update and persists the whole configuration to `configStorePath`, as RocketMQ's
   * `Configuration.update`: blacklisted keys refuse the whole update, unknown keys are reported
   * (and kept when the startup file had them), bad values refuse the whole update.
   *
   * @param properties the keys to change (text values)
   * @returns warnings and the applied keys
   * @throws {ConfigBlackListError} when a key is blacklisted
   * @throws {ConfigError} when a value is invalid
   * @throws when persisting fails; nothing changes
   */
  update(properties: PropertiesInput): Promise<ConfigUpdateResult> {
    // Whole updates in turn, each from the configuration the previous one left (RocketMQ holds
    // its write lock across merge and persist): two at once must not both start from the same.
    return this.#serial(() => this.#update(properties));
  }

  /** Writes the configuration to `configStorePath` (after any update or write in progress). */
  persist(): Promise<void> {
    return this.#serial(() =>
      this.#file(this.#config.configStorePath).writeText(this.toProperties())
    );
  }

  async #update(properties: PropertiesInput): Promise<ConfigUpdateResult> {
    const pairs = properties instanceof Map
      ? [...properties]
      : Symbol.iterator in Object(properties)
      ? [...(properties as Iterable<readonly [string, string]>)]
      : Object.entries(properties);
    const blackList = configBlackListOf(this.#config);
    const refused = pairs.map(([k]) => k).filter((k) => blackList.has(k));
    if (refused.length > 0) throw new ConfigBlackListError(refused);
    const result = loadNamesrvConfig(pairs, this.#options.env, this.#config);
    const extra = new Map(this.#extra);
    for (const [key, value] of result.unknown) if (extra.has(key)) extra.set(key, value);
    // The file first: an update that cannot be persisted changes nothing.
    await this.#file(result.config.configStorePath).writeText(
      configToProperties(result.config, extra),
    );
    this.#extra = extra;
    this.#config = result.config;
    this.#dataVersion.counter++;
    this.#dataVersion.timestamp = this.#options.now();
    for (const listener of this.#listeners) listener(this.#config);
    return { warnings: result.warnings, appliedKeys: result.appliedKeys };
  }

  #file(path: string): ConfigFile {
    return new ConfigFile({ fs: this.#options.fs, path });
  }

  /** Runs `task` after every earlier update and write; its failure reaches only its caller. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task);
    this.#tail = run.then(noop, noop);
    return run;
  }
}

function noop(): void {}

/**
 * The broker's topic table (RocketMQ `TopicConfigManager`): system topics created at start, topics
 * auto-created by sends through the `TBW102` template (features.md §11), retry topics created for
 * consumer groups, admin changes, all persisted to `config/topics.json` (store.md §10) and versioned
 * by a {@linkcode DataVersion} that name servers compare on registration.
 *
 * Every change is written to the file before it becomes visible: a send never uses a topic that a
 * crash could forget. Changes run one at a time.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import type { FileSystem } from "../store/file_system.ts";
import { Mutex } from "./_mutex.ts";
import { MetadataFile } from "./_metadata_file.ts";
import { BrokerError, tableFullError } from "./broker_error.ts";
import { type DataVersion, initialDataVersion, nextDataVersion } from "./data_version.ts";
import { TOPICS_PER_BROKER_MAX } from "./limits.ts";
import {
  announcedOrLater,
  checkQueueNums,
  checkTopicName,
  type CreateTopicInSendBackOptions,
  type CreateTopicInSendOptions,
} from "./_topic_config_support.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import type { RemotingLogger } from "../protocol/remoting_logger.ts";
import { isInherited, PermName, type TopicConfig, topicConfigSchema } from "./topic_config.ts";
import { buildSystemTopics, type SystemTopicSettings } from "./topic_config_manager_system.ts";
import {
  encodeTopicConfigWrapper,
  type TopicConfigSerializeWrapper,
  topicConfigWrapperFromJson,
} from "./topic_config_manager_wrapper.ts";
import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
  SYSTEM_TOPIC_PREFIX,
  SYSTEM_TOPICS,
} from "./topic_validator.ts";

export type {
  CreateTopicInSendBackOptions,
  CreateTopicInSendOptions,
} from "./_topic_config_support.ts";
export {
  decodeTopicConfigWrapper,
  encodeTopicConfigWrapper,
  type TopicConfigSerializeWrapper,
  topicConfigWrapperFromJson,
} from "./topic_config_manager_wrapper.ts";

/** Options for {@linkcode TopicConfigManager}. */
export interface TopicConfigManagerOptions {
  /**
   * the BrokerConfig keys that decide the system topics and auto-creation; a function is read
   * at each use, so a runtime `autoCreateTopicEnable` update (UPDATE_BROKER_CONFIG) applies to
   * the next send, as in RocketMQ
   */
  readonly brokerConfig: SystemTopicSettings | (() => SystemTopicSettings);
  /** where topics.json lives */
  readonly fs: FileSystem;
  /** path of topics.json (`StorePaths.topicsJson`) */
  readonly path: string;
  /** time source for data versions */
  readonly clock: Clock;
  /** told when a topic created on first use is kept though the file could not be written */
  readonly logger?: Pick<RemotingLogger, "error">;
}

/** A committed change of the topic table, reported after it was persisted. */
export interface TopicConfigChange {
  /** `create` (new topic), `update` (changed topic) or `delete` */
  readonly kind: "create" | "update" | "delete";
  /** the topic's config (for `delete`: the removed one) */
  readonly topicConfig: TopicConfig;
  /** the table version after the change */
  readonly dataVersion: DataVersion;
}

/**
 * Receives committed changes; the broker controller re-registers with the name servers. A returned
 * promise (which must not reject) is awaited by the topic creations of the send paths, up to
 * SEND_TOPIC_ANNOUNCE_WAIT_MS, so a producer's first SEND_OK to a new topic normally comes after
 * the name servers know the topic, and a silent name server does not hold it (RocketMQ registers
 * such a topic oneway); other changes do not wait for it.
 */
export type TopicConfigChangeListener = (change: TopicConfigChange) => unknown;

/**
 * The topic table of one broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../common/clock.ts";
 * import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
 * import { TopicConfigManager } from "./topic_config_manager.ts";
 * const clock = new ManualClock();
 * const fs = new MemoryFileSystem({ clock });
 * await fs.mkdir("/store/config");
 * const manager = new TopicConfigManager({
 *   brokerConfig: { brokerClusterName: "DefaultCluster", brokerName: "broker-a", autoCreateTopicEnable: true,
 *     defaultTopicQueueNums: 8, clusterTopicEnable: true, brokerTopicEnable: true, traceTopicEnable: false,
 *     msgTraceTopicName: "RMQ_SYS_TRACE_TOPIC" },
 *   fs, path: "/store/config/topics.json", clock,
 * });
 * await manager.load();
 * const created = await manager.createTopicInSendMessageMethod({ topic: "TopicTest", defaultTopic: "TBW102",
 *   remoteAddress: "10.0.0.2:50000", clientDefaultTopicQueueNums: 4, topicSysFlag: 0 });
 * assert.equal(created?.writeQueueNums, 4);
 * assert.equal(created?.perm, 6);
 * ```
 */
export class TopicConfigManager {
  readonly #settings: () => SystemTopicSettings;
  readonly #file: MetadataFile;
  readonly #clock: Clock;
  readonly #mutex = new Mutex();
  readonly #listeners = new Set<TopicConfigChangeListener>();
  readonly #systemTopics: Set<string> = new Set(SYSTEM_TOPICS);
  #table = new Map<string, TopicConfig>();
  #dataVersion: DataVersion;

  /** @param options broker settings, file and clock */
  constructor(options: TopicConfigManagerOptions) {
    const settings = options.brokerConfig;
    this.#settings = typeof settings === "function" ? settings : () => settings;
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
   * Creates the system topics, then applies topics.json (its entries and version win over the
   * built-in ones, as RocketMQ's `load()` after `init()`).
   *
   * @throws {Error} when the file (and its .bak) exists but cannot be parsed
   */
  async load(): Promise<void> {
    const table = new Map<string, TopicConfig>();
    for (const config of buildSystemTopics(this.#settings())) {
      table.set(config.topicName, config);
      this.#systemTopics.add(config.topicName);
    }
    const loaded = await this.#file.load((json) =>
      topicConfigWrapperFromJson(json, this.#file.path)
    );
    if (loaded !== null) {
      for (const [name, config] of loaded.topicConfigTable) table.set(name, config);
      if (loaded.dataVersion !== null) this.#dataVersion = loaded.dataVersion;
    }
    this.#table = table;
  }

  /** Registers a listener for committed changes. @returns a function that removes it */
  onChange(listener: TopicConfigChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** the table version */
  get dataVersion(): DataVersion {
    return this.#dataVersion;
  }

  /** the topic table (read-only view; replaced, not mutated, on change) */
  get topicConfigTable(): ReadonlyMap<string, TopicConfig> {
    return this.#table;
  }

  /**
   * @param topic a topic
   * @returns its config, if the broker has it
   */
  selectTopicConfig(topic: string): TopicConfig | undefined {
    return this.#table.get(topic);
  }

  /**
   * @param topic a topic
   * @returns true for built-in topics and those created at start (cluster, broker, trace, reply)
   *   and names starting with `rmq_sys_` (RocketMQ `TopicValidator.isSystemTopic`)
   */
  isSystemTopic(topic: string): boolean {
    return this.#systemTopics.has(topic) || topic.startsWith(SYSTEM_TOPIC_PREFIX);
  }

  /** @returns the system topics (RocketMQ `TopicValidator.getSystemTopicSet`), sorted */
  systemTopicList(): string[] {
    return [...this.#systemTopics].sort();
  }

  /** @param topic a topic @returns true when it exists and is ordered */
  isOrderTopic(topic: string): boolean {
    return this.#table.get(topic)?.order === true;
  }

  /**
   * Creates an unknown topic from the template the producer named (RocketMQ
   * `createTopicInSendMessageMethod`, features.md §11): the template must exist here and have
   * PERM_INHERIT; queues = min(client's, template's write queues); perm = template's without
   * INHERIT. With `autoCreateTopicEnable` off, `TBW102` loses INHERIT, so the send fails with
   * TOPIC_NOT_EXIST and the client reports "No route info of this topic".
   *
   * @param options topic, template, producer and its queue count
   * @returns the topic's config (existing or new), or null when it cannot be created
   * @throws {BrokerError} on an invalid name or a full table (a file that cannot be written is
   *   logged and the topic kept, as RocketMQ's `persist` does)
   */
  async createTopicInSendMessageMethod(
    options: CreateTopicInSendOptions,
  ): Promise<TopicConfig | null> {
    const created = await this.#mutex.run(async (): Promise<Created | null> => {
      const existing = this.#table.get(options.topic);
      if (existing !== undefined) return { config: existing, announced: undefined };
      checkTopicName(options.topic, false);
      const template = this.#templateFor(options.defaultTopic);
      if (template === undefined || !isInherited(template.perm)) return null;
      const queueNums = Math.max(
        0,
        Math.min(options.clientDefaultTopicQueueNums, template.writeQueueNums),
      );
      const config: TopicConfig = {
        topicName: options.topic,
        readQueueNums: queueNums,
        writeQueueNums: queueNums,
        perm: template.perm & ~PermName.PERM_INHERIT,
        topicFilterType: template.topicFilterType,
        topicSysFlag: options.topicSysFlag,
        order: false,
      };
      const { announced } = await this.#commit("create", config, true);
      return { config, announced };
    });
    if (created === null) return null;
    await announcedOrLater(created.announced);
    return created.config;
  }

  /** The template, with TBW102's INHERIT dropped (in memory) when auto-creation is off. */
  #templateFor(defaultTopic: string): TopicConfig | undefined {
    const template = this.#table.get(defaultTopic);
    if (
      template !== undefined && defaultTopic === AUTO_CREATE_TOPIC_KEY_TOPIC &&
      !this.#settings().autoCreateTopicEnable &&
      template.perm !== (PermName.PERM_READ | PermName.PERM_WRITE)
    ) {
      const stripped = { ...template, perm: PermName.PERM_READ | PermName.PERM_WRITE };
      // Memory only, no version bump (as RocketMQ); a new map keeps earlier snapshots unchanged.
      this.#table = new Map(this.#table).set(defaultTopic, stripped);
      return stripped;
    }
    return template;
  }

  /**
   * Returns a retry / dead-letter (or other broker-made) topic, creating it when absent (RocketMQ
   * `createTopicInSendMessageBackMethod`); these topics are always creatable.
   *
   * @param options topic, queue count, perm and flags of a new topic
   * @returns the topic's config
   * @throws {BrokerError} on an invalid name or a full table (a file that cannot be written is
   *   logged and the topic kept, as RocketMQ's `persist` does)
   */
  async createTopicInSendMessageBackMethod(
    options: CreateTopicInSendBackOptions,
  ): Promise<TopicConfig> {
    const existing = this.#table.get(options.topic);
    if (existing !== undefined) return existing;
    const created = await this.#mutex.run(async (): Promise<Created> => {
      const found = this.#table.get(options.topic);
      if (found !== undefined) return { config: found, announced: undefined };
      checkTopicName(options.topic, true);
      checkQueueNums(
        options.topic,
        options.clientDefaultTopicQueueNums,
        options.clientDefaultTopicQueueNums,
      );
      const config: TopicConfig = {
        topicName: options.topic,
        readQueueNums: options.clientDefaultTopicQueueNums,
        writeQueueNums: options.clientDefaultTopicQueueNums,
        perm: options.perm,
        topicFilterType: "SINGLE_TAG",
        topicSysFlag: options.topicSysFlag,
        order: false,
      };
      const { announced } = await this.#commit("create", config, true);
      return { config, announced };
    });
    await announcedOrLater(created.announced);
    return created.config;
  }

  /**
   * Returns `TRANS_CHECK_MAX_TIME_TOPIC`, creating it when absent (transactions checked too often).
   *
   * @param queueNums queues of a new topic
   * @param perm permission bits of a new topic
   * @returns the topic's config
   */
  createTopicOfTranCheckMaxTime(queueNums: number, perm: number): Promise<TopicConfig> {
    return this.createTopicInSendMessageBackMethod({
      topic: RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
      clientDefaultTopicQueueNums: queueNums,
      perm,
      topicSysFlag: 0,
    });
  }

  /**
   * Creates or replaces a topic (UPDATE_AND_CREATE_TOPIC, slave sync). The processor checks the
   * name against {@linkcode validateTopic} and {@linkcode isSystemTopic} first, as RocketMQ does.
   *
   * @param config the new config (validated here)
   * @returns the stored config
   * @throws {BrokerError} SYSTEM_ERROR on an invalid config, SYSTEM_BUSY on a full table
   */
  updateTopicConfig(config: TopicConfig): Promise<TopicConfig> {
    return this.#mutex.run(async () => {
      const parsed = topicConfigSchema.safeParse(config);
      if (!parsed.success) {
        throw new BrokerError(
          ResponseCode.SYSTEM_ERROR,
          `Cannot update topic ${config.topicName}: ${
            parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")
          }`,
        );
      }
      checkTopicName(parsed.data.topicName, true);
      await this.#commit(this.#table.has(parsed.data.topicName) ? "update" : "create", parsed.data);
      return parsed.data;
    });
  }

  /**
   * Sets the order flags from the name server's `ORDER_TOPIC_CONFIG` (RocketMQ
   * `updateOrderTopicConfig`): the topics listed are ordered, every other topic is not.
   *
   * @param orderTopics topics that are ordered
   * @returns the number of topics changed
   */
  updateOrderTopicConfig(orderTopics: Iterable<string>): Promise<number> {
    return this.#mutex.run(async () => {
      const ordered = new Set(orderTopics);
      const changes: TopicChange[] = [];
      for (const [topic, config] of this.#table) {
        if (config.order !== ordered.has(topic)) {
          changes.push({ kind: "update", config: { ...config, order: !config.order } });
        }
      }
      if (changes.length > 0) await this.#commitAll(changes);
      return changes.length;
    });
  }

  /**
   * Removes a topic (DELETE_TOPIC_IN_BROKER).
   *
   * @param topic the topic
   * @returns true when it existed
   */
  deleteTopicConfig(topic: string): Promise<boolean> {
    return this.#mutex.run(async () => {
      const old = this.#table.get(topic);
      if (old === undefined) return false;
      await this.#commit("delete", old);
      return true;
    });
  }

  /**
   * The topic table and its version, for REGISTER_BROKER and GET_ALL_TOPIC_CONFIG bodies.
   *
   * @returns a snapshot; later changes do not alter it
   */
  buildTopicConfigSerializeWrapper(): TopicConfigSerializeWrapper {
    return { topicConfigTable: this.#table, dataVersion: this.#dataVersion };
  }

  /**
   * The table as RocketMQ writes topics.json (`prettyFormat=true`) or the wire body (`false`).
   *
   * @param pretty TAB-indented, one property per line
   * @returns `{"dataVersion":{…},"topicConfigTable":{…}}`
   */
  encode(pretty = true): string {
    return encodeTopicConfigWrapper(this.buildTopicConfigSerializeWrapper(), pretty);
  }

  /** Writes topics.json now (normally every change writes it). */
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
   * Steps the data version (persisted) without changing a topic: RocketMQ's
   * `getDataVersion().nextVersion()` when the broker's permission changes, so the next
   * registration makes name servers re-read every topic's (now masked) permission.
   */
  nextDataVersion(): Promise<void> {
    return this.#mutex.run(async () => {
      await this.#commitAll([]);
    });
  }

  /** Applies one change; see {@linkcode #commitAll}. */
  #commit(kind: TopicConfigChange["kind"], config: TopicConfig, lenient = false) {
    return this.#commitAll([{ kind, config }], lenient);
  }

  /**
   * Applies changes as one version step: writes the changed table, then publishes it and tells
   * the listeners. A failed write leaves the table as it was, unless `lenient` (a topic created
   * on first use): then it is logged, and the file's next write takes the change along.
   *
   * @returns the listeners' promises, wrapped so the caller may await them outside the mutex
   */
  async #commitAll(changes: readonly TopicChange[], lenient = false): Promise<Announcement> {
    const table = new Map(this.#table);
    for (const { kind, config } of changes) {
      if (kind === "create" && table.size >= TOPICS_PER_BROKER_MAX) {
        throw tableFullError(
          `Cannot create topic ${config.topicName}`,
          `broker has ${table.size} topics, topicsPerBrokerMax ${TOPICS_PER_BROKER_MAX}`,
        );
      }
      if (kind === "delete") table.delete(config.topicName);
      else table.set(config.topicName, config);
    }
    const dataVersion = nextDataVersion(this.#dataVersion, this.#clock.now());
    const text = encodeTopicConfigWrapper({ topicConfigTable: table, dataVersion }, true);
    await (lenient ? this.#file.storeOrKeep(text, `the change`) : this.#file.store(text));
    this.#table = table;
    this.#dataVersion = dataVersion;
    const announcements: Promise<unknown>[] = [];
    for (const { kind, config } of changes) {
      const change: TopicConfigChange = { kind, topicConfig: config, dataVersion };
      for (const listener of this.#listeners) {
        const result = listener(change);
        if (result instanceof Promise) announcements.push(result);
      }
    }
    return { announced: Promise.all(announcements).then(() => undefined) };
  }
}

/** The listeners' work on a committed change (name server registration), not yet awaited. */
interface Announcement {
  readonly announced: Promise<void>;
}

/** A topic a send path created (or found), with the announcement to await outside the mutex. */
interface Created {
  readonly config: TopicConfig;
  readonly announced: Promise<void> | undefined;
}

/** One change of the table, before it is committed. */
interface TopicChange {
  readonly kind: TopicConfigChange["kind"];
  readonly config: TopicConfig;
}

/**
 * The name server's key/value store (RocketMQ `KVConfigManager`): namespaces of string pairs,
 * e.g. `ORDER_TOPIC_CONFIG` → topic → `broker-a:4;broker-b:4`. Persisted after every change to
 * `kvConfigPath` as `{"configTable":{namespace:{key:value}}}` (RocketMQ's kvConfig.json), loaded
 * at start. Like RocketMQ, the previous version is kept as `kvConfig.json.bak` and read when the
 * file itself is missing, empty or unreadable (store.md §1).
 *
 * @module
 */
import { ConfigFile, ConfigFileCorruptError } from "../store/config_file.ts";
import type { FileSystem } from "../store/file_system.ts";
import {
  KV_ENTRIES_MAX,
  KV_NAMESPACE_BYTES_MAX,
  KV_TEXT_CHARS_MAX,
  KV_TOTAL_BYTES_MAX,
} from "./limits.ts";

/** RocketMQ's namespace of ordered-topic configs (`NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG`). */
export const NAMESPACE_ORDER_TOPIC_CONFIG = "ORDER_TOPIC_CONFIG";

/** Thrown when kvConfig.json exists but cannot be read; starting would overwrite it. */
export class KvConfigLoadError extends Error {
  /**
   * @param path the file
   * @param detail what is wrong
   * @param options cause
   */
  constructor(readonly path: string, detail: string, options?: { cause?: unknown }) {
    super(`Cannot load KV config from ${path}: ${detail}`, options);
    this.name = "KvConfigLoadError";
  }
}

/** Thrown when a put would exceed a KV limit. */
export class KvConfigLimitError extends Error {
  /** @param message what exceeds which limit */
  constructor(message: string) {
    super(message);
    this.name = "KvConfigLimitError";
  }
}

/** Options of {@linkcode KvConfigManager}. */
export interface KvConfigManagerOptions {
  /** where kvConfig.json lives */
  fs: FileSystem;
  /** path of kvConfig.json (`kvConfigPath`) */
  path: string;
}

/** The KV store. Reads are synchronous; changes resolve once persisted. */
export class KvConfigManager {
  readonly #table = new Map<string, Map<string, string>>();
  readonly #options: KvConfigManagerOptions;
  readonly #file: ConfigFile;
  #entries = 0;
  /** JSON bytes per namespace and in all (KV_NAMESPACE_BYTES_MAX, KV_TOTAL_BYTES_MAX) */
  readonly #namespaceBytes = new Map<string, number>();
  #totalBytes = 0;
  #version = 0;
  #tail: Promise<void> = Promise.resolve();

  /** @param options file system and path */
  constructor(options: KvConfigManagerOptions) {
    this.#options = options;
    this.#file = new ConfigFile({ fs: options.fs, path: options.path });
  }

  /** Bumped on every change; route caches that include `orderTopicConf` key on it. */
  get version(): number {
    return this.#version;
  }

  /**
   * Loads kvConfig.json if it exists (a missing file is an empty store).
   *
   * @throws {KvConfigLoadError} when the file is not valid
   */
  async load(): Promise<void> {
    const { path } = this.#options;
    let table: Record<string, Record<string, string>> | null;
    try {
      table = await this.#file.read((value) => decodeConfigTable(path, value));
    } catch (e) {
      if (!(e instanceof ConfigFileCorruptError)) throw e;
      throw new KvConfigLoadError(path, e.message.replace(`Cannot load ${path}: `, ""), {
        cause: e,
      });
    }
    if (table === null) return;
    for (const [namespace, kv] of Object.entries(table)) {
      for (const [key, value] of Object.entries(kv)) this.#set(namespace, key, value);
    }
    this.#version++;
  }

  /**
   * Sets a value and persists the store (PUT_KV_CONFIG).
   *
   * @param namespace namespace
   * @param key key
   * @param value value
   * @throws {KvConfigLimitError} when a text, the entry count, or the JSON bytes of the namespace
   *   or of the store would exceed its limit (nothing changes)
   * @throws when persisting fails (the value stays set in memory)
   */
  async putKVConfig(namespace: string, key: string, value: string): Promise<void> {
    for (const [name, text] of [["namespace", namespace], ["key", key], ["value", value]]) {
      if (text.length > KV_TEXT_CHARS_MAX) {
        throw new KvConfigLimitError(
          `Cannot put KV ${name} of ${text.length} chars: exceeds ${KV_TEXT_CHARS_MAX}`,
        );
      }
    }
    const old = this.getKVConfig(namespace, key);
    if (old === undefined && this.#entries >= KV_ENTRIES_MAX) {
      throw new KvConfigLimitError(
        `Cannot put KV ${namespace}/${key}: store holds ${KV_ENTRIES_MAX} entries`,
      );
    }
    const grows = pairBytes(key, value) - (old === undefined ? 0 : pairBytes(key, old));
    const inNamespace = (this.#namespaceBytes.get(namespace) ?? 0) + grows;
    if (grows > 0 && inNamespace > KV_NAMESPACE_BYTES_MAX) {
      throw new KvConfigLimitError(
        `Cannot put KV ${namespace}/${key}: namespace ${namespace} would hold ${inNamespace} bytes, over ${KV_NAMESPACE_BYTES_MAX}`,
      );
    }
    if (grows > 0 && this.#totalBytes + grows > KV_TOTAL_BYTES_MAX) {
      throw new KvConfigLimitError(
        `Cannot put KV ${namespace}/${key}: the store would hold ${
          this.#totalBytes + grows
        } bytes, over ${KV_TOTAL_BYTES_MAX}`,
      );
    }
    this.#set(namespace, key, value);
    this.#version++;
    await this.#persist();
  }

  #set(namespace: string, key: string, value: string): void {
    let kv = this.#table.get(namespace);
    if (kv === undefined) {
      kv = new Map();
      this.#table.set(namespace, kv);
    }
    const old = kv.get(key);
    if (old === undefined) this.#entries++;
    this.#addBytes(
      namespace,
      pairBytes(key, value) - (old === undefined ? 0 : pairBytes(key, old)),
    );
    kv.set(key, value);
  }

  #addBytes(namespace: string, bytes: number): void {
    const held = (this.#namespaceBytes.get(namespace) ?? 0) + bytes;
    if (held === 0) this.#namespaceBytes.delete(namespace);
    else this.#namespaceBytes.set(namespace, held);
    this.#totalBytes += bytes;
  }

  /**
   * Removes a value and persists the store (DELETE_KV_CONFIG); an empty namespace vanishes.
   *
   * @param namespace namespace
   * @param key key
   * @returns true when the key existed
   */
  async deleteKVConfig(namespace: string, key: string): Promise<boolean> {
    const kv = this.#table.get(namespace);
    const old = kv?.get(key);
    if (kv === undefined || old === undefined) return false;
    kv.delete(key);
    this.#entries--;
    this.#addBytes(namespace, -pairBytes(key, old));
    // An emptied ORDER_TOPIC_CONFIG stays (as RocketMQ keeps every namespace): registration
    // answers then carry an empty table, which tells brokers no topic is ordered any more.
    // Other emptied namespaces go, so put-delete cycles cannot pile up empty ones.
    if (kv.size === 0 && namespace !== NAMESPACE_ORDER_TOPIC_CONFIG) this.#table.delete(namespace);
    this.#version++;
    await this.#persist();
    return true;
  }

  /** @returns the value, or `undefined` when absent (GET_KV_CONFIG) */
  getKVConfig(namespace: string, key: string): string | undefined {
    return this.#table.get(namespace)?.get(key);
  }

  /** @returns a copy of a namespace's pairs, or `undefined` when it has none (GET_KVLIST_BY_NAMESPACE) */
  getKVListByNamespace(namespace: string): Map<string, string> | undefined {
    const kv = this.#table.get(namespace);
    return kv === undefined ? undefined : new Map(kv);
  }

  /** @returns the namespace names, sorted */
  namespaces(): string[] {
    return [...this.#table.keys()].sort();
  }

  /** @returns the kvConfig.json text for the current state */
  toJson(): string {
    const configTable: Record<string, Record<string, string>> = {};
    for (const [namespace, kv] of this.#table) configTable[namespace] = Object.fromEntries(kv);
    return JSON.stringify({ configTable });
  }

  /**
   * Writes the current state after any write in progress; writes never interleave. Each caller
   * gets its own write's outcome through the returned promise; the tail only orders writes.
   */
  #persist(): Promise<void> {
    const write = this.#tail.then(() => this.#file.writeText(this.toJson()));
    this.#tail = write.then(
      () => undefined,
      () => undefined, // the error reaches the caller through `write`
    );
    return write;
  }
}

const utf8 = new TextEncoder();

/** @returns the UTF-8 bytes of `"key":"value",` as JSON writes the pair */
function pairBytes(key: string, value: string): number {
  return utf8.encode(JSON.stringify(key)).length + utf8.encode(JSON.stringify(value)).length + 2;
}

/** Checks the shape of a parsed kvConfig.json; throws a KvConfigLoadError naming what is wrong. */
function decodeConfigTable(path: string, parsed: unknown): Record<string, Record<string, string>> {
  const table = (parsed as { configTable?: unknown } | null)?.configTable ?? {};
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    throw new KvConfigLoadError(path, "configTable is not an object");
  }
  for (const [namespace, kv] of Object.entries(table)) {
    if (typeof kv !== "object" || kv === null || Array.isArray(kv)) {
      throw new KvConfigLoadError(path, `namespace ${namespace} is not an object`);
    }
    for (const [key, value] of Object.entries(kv)) {
      if (typeof value !== "string") {
        throw new KvConfigLoadError(path, `${namespace}/${key} is not a string`);
      }
    }
  }
  return table as Record<string, Record<string, string>>;
}

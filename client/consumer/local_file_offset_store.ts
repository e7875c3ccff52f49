/**
 * Broadcasting offsets kept by the client in a local file (RocketMQ `LocalFileOffsetStore`,
 * `shared/spec/features.md` §6): `<localOffsetStoreDir>/<clientId>/<group>/offsets.json`, where
 * `localOffsetStoreDir` defaults to `~/.rocketmq_offsets`. The file is RocketMQ's
 * `OffsetSerializeWrapper` as fastjson writes it, queues as bare-object map keys
 * (`bodies.md` §0): `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:12}}`. Writes go
 * through `<file>.tmp` and keep the previous version as `<file>.bak` (RocketMQ
 * `MixAll.string2File`); reads fall back to `.bak`.
 *
 * @module
 */

import { z } from "zod";
import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import { ConfigFile } from "../../store/config_file.ts";
import { FileNotFoundError, type FileSystem } from "../../store/file_system.ts";
import { AsyncLock } from "../_async_lock.ts";
import { readFastjson } from "../../common/fastjson_reader.ts";
import { MQClientError, suggestTodo } from "../client_error.ts";
import {
  compareMessageQueue,
  type MessageQueue,
  messageQueueJson,
  messageQueueKey,
} from "../message_queue.ts";
import { type OffsetStore, OffsetTable, type ReadOffsetType } from "./offset_store.ts";

/**
 * Default folder name under the user's home (RocketMQ `LOCAL_OFFSET_STORE_DIR`).
 *
 * @example
 * ```ts
 * import * as local from "./local_file_offset_store.ts";
 * const dir = local.defaultLocalOffsetStoreDir(undefined, "/home/u");
 * if (dir !== `/home/u/${local.LOCAL_OFFSET_STORE_DIR_NAME}`) throw new Error(dir);
 * ```
 */
export const LOCAL_OFFSET_STORE_DIR_NAME = ".rocketmq_offsets";
/**
 * Java system property naming the folder (`rocketmq.client.localOffsetStoreDir`).
 *
 * @example
 * ```ts
 * import { staticClientEnv } from "../client_env.ts";
 * import * as local from "./local_file_offset_store.ts";
 * const name = local.LOCAL_OFFSET_STORE_DIR_PROPERTY;
 * const env = staticClientEnv({ pid: 1, properties: { [name]: "/data/offsets" } });
 * const dir = local.defaultLocalOffsetStoreDir(env.systemProperty(name), "/home/u");
 * if (dir !== "/data/offsets") throw new Error(dir);
 * ```
 */
export const LOCAL_OFFSET_STORE_DIR_PROPERTY = "rocketmq.client.localOffsetStoreDir";
/** Largest offsets file read: a million queues' entries fit easily. */
const OFFSETS_FILE_BYTES_MAX = 64 * 1024 * 1024;

const queueSchema = z.object({
  topic: z.string(),
  brokerName: z.string(),
  queueId: z.number().int(),
});
const wrapperSchema = z.object({
  offsetTable: z.record(z.string(), z.number().int()).nullish(),
});

/**
 * Options of {@linkcode LocalFileOffsetStore}.
 *
 * @example
 * ```ts
 * import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
 * import { MemoryFileSystem } from "../../store/adapters/memory_file_system.ts";
 * import * as local from "./local_file_offset_store.ts";
 * const options: local.LocalFileOffsetStoreOptions = {
 *   fs: new MemoryFileSystem(), localOffsetStoreDir: "/home/u/.rocketmq_offsets",
 *   clientId: "10.0.0.5@1#2", groupName: "CG", logger: silentRemotingLogger,
 * };
 * const store = new local.LocalFileOffsetStore(options);
 * await store.load(); // no file yet: no offsets
 * ```
 */
export interface LocalFileOffsetStoreOptions {
  /** all file I/O goes through it */
  fs: FileSystem;
  /** the folder holding every client's offsets, e.g. `/home/u/.rocketmq_offsets` */
  localOffsetStoreDir: string;
  /** this client's id (a path segment) */
  clientId: string;
  /** the consumer group (a path segment) */
  groupName: string;
  /** where failures are logged */
  logger: RemotingLogger;
}

/**
 * See the module doc.
 *
 * @example
 * ```ts
 * import { LocalFileOffsetStore } from "./local_file_offset_store.ts";
 * import { MemoryFileSystem } from "../../store/adapters/memory_file_system.ts";
 * import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
 * const options = {
 *   fs: new MemoryFileSystem(), localOffsetStoreDir: "/home/u/.rocketmq_offsets",
 *   clientId: "10.0.0.5@1#2", groupName: "G", logger: silentRemotingLogger,
 * };
 * const mq = { topic: "T", brokerName: "b", queueId: 0 };
 * const store = new LocalFileOffsetStore(options);
 * store.updateOffset(mq, 12, false);
 * await store.persistAll([mq]);
 * const again = new LocalFileOffsetStore(options);
 * await again.load();
 * if (again.memoryOffset(mq) !== 12) throw new Error();
 * ```
 */
export class LocalFileOffsetStore implements OffsetStore {
  /** the offsets file */
  readonly storePath: string;
  readonly #options: LocalFileOffsetStoreOptions;
  readonly #file: ConfigFile;
  readonly #table = new OffsetTable();
  /** read-merge-write runs one at a time, so concurrent persists do not drop each other's queues */
  readonly #merging = new AsyncLock();

  /** @param options file system, folder, client id, group, logger */
  constructor(options: LocalFileOffsetStoreOptions) {
    this.#options = options;
    const dir = options.localOffsetStoreDir.replace(/\/+$/, "");
    this.storePath = `${dir}/${options.clientId}/${options.groupName}/offsets.json`;
    this.#file = new ConfigFile({ fs: options.fs, path: this.storePath });
  }

  /**
   * Loads the file (or its `.bak`) into memory.
   *
   * @throws {MQClientError} when both the file and its `.bak` are unreadable
   */
  async load(): Promise<void> {
    const offsets = await this.#readLocalOffset();
    for (const [mq, offset] of offsets?.values() ?? []) this.#table.update(mq, offset, false);
  }

  /** See {@linkcode OffsetStore.updateOffset}. */
  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    this.#table.update(mq, offset, increaseOnly);
  }

  /** See {@linkcode OffsetStore.updateAndFreezeOffset}. */
  updateAndFreezeOffset(mq: MessageQueue, offset: number): void {
    this.#table.updateAndFreeze(mq, offset);
  }

  /** See {@linkcode OffsetStore.memoryOffset}. */
  memoryOffset(mq: MessageQueue): number {
    return this.#table.get(mq) ?? -1;
  }

  /** See {@linkcode OffsetStore.readOffset}; an unreadable file reads as −1 (logged). */
  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== "READ_FROM_STORE") {
      const offset = this.#table.get(mq);
      if (offset !== undefined) return offset;
      if (type === "READ_FROM_MEMORY") return -1;
    }
    let offsets: Map<string, [MessageQueue, number]> | undefined;
    try {
      offsets = await this.#readLocalOffset();
    } catch (error) {
      this.#options.logger.warn(`Cannot read ${this.storePath}: ${(error as Error).message}`);
      return -1;
    }
    const found = offsets?.get(messageQueueKey(mq));
    if (found === undefined) return -1;
    this.#table.update(mq, found[1], false);
    return found[1];
  }

  /**
   * Writes the offsets of `mqs` into the file, keeping the file's other entries (RocketMQ merges
   * into what it read). A failure is logged.
   */
  async persistAll(mqs: Iterable<MessageQueue>): Promise<void> {
    const wanted = [...mqs];
    if (wanted.length === 0) return;
    await this.#merge(wanted);
  }

  /** See {@linkcode OffsetStore.persist}. */
  async persist(mq: MessageQueue): Promise<void> {
    if (this.#table.get(mq) === undefined) return;
    await this.#merge([mq]);
  }

  /** See {@linkcode OffsetStore.removeOffset}. */
  removeOffset(mq: MessageQueue): void {
    this.#table.remove(mq);
  }

  /** See {@linkcode OffsetStore.cloneOffsetTable}. */
  cloneOffsetTable(topic?: string): Map<MessageQueue, number> {
    return this.#table.clone(topic);
  }

  #merge(mqs: readonly MessageQueue[]): Promise<void> {
    return this.#merging.run(() => this.#mergeNow(mqs));
  }

  async #mergeNow(mqs: readonly MessageQueue[]): Promise<void> {
    let offsets: Map<string, [MessageQueue, number]>;
    try {
      offsets = await this.#readLocalOffset() ?? new Map();
    } catch (error) {
      this.#options.logger.error(`Cannot read ${this.storePath}: ${(error as Error).message}`);
      return;
    }
    for (const mq of mqs) {
      const offset = this.#table.get(mq);
      if (offset !== undefined) offsets.set(messageQueueKey(mq), [mq, offset]);
    }
    try {
      await this.#file.writeText(encodeOffsetTable(offsets.values()));
    } catch (error) {
      this.#options.logger.error(
        `Cannot persist consumer offsets to ${this.storePath}: ${(error as Error).message}`,
      );
    }
  }

  /** @returns the file's offsets by queue key, or undefined when neither version exists */
  async #readLocalOffset(): Promise<Map<string, [MessageQueue, number]> | undefined> {
    const main = await this.#readText(this.storePath);
    if (main !== undefined && main.length > 0) {
      try {
        return decodeOffsetTable(main);
      } catch (error) {
        this.#options.logger.warn(
          `Cannot parse ${this.storePath}, trying ${this.#file.bakPath}: ${
            (error as Error).message
          }`,
        );
        this.#file.markMainUnreadable(); // the next persist keeps the good .bak
      }
    }
    const bak = await this.#readText(this.#file.bakPath);
    if (bak === undefined || bak.length === 0) return undefined;
    try {
      return decodeOffsetTable(bak);
    } catch (error) {
      throw new MQClientError(
        `readLocalOffset Exception, maybe fastjson version too low${suggestTodo()}`,
        { cause: error },
      );
    }
  }

  async #readText(path: string): Promise<string | undefined> {
    let handle;
    try {
      handle = await this.#options.fs.open(path);
    } catch (error) {
      if (error instanceof FileNotFoundError) return undefined;
      throw error;
    }
    try {
      const size = await handle.size();
      if (size > OFFSETS_FILE_BYTES_MAX) {
        throw new MQClientError(
          `Cannot read ${path}: ${size} bytes exceed ${OFFSETS_FILE_BYTES_MAX}`,
        );
      }
      const bytes = new Uint8Array(size);
      const read = await handle.readAt(bytes, 0);
      return new TextDecoder().decode(bytes.subarray(0, read));
    } finally {
      handle.close();
    }
  }
}

/**
 * Writes an `OffsetSerializeWrapper` as fastjson's pretty form does: the map with queue keys on
 * one line, queues in RocketMQ order.
 *
 * @param offsets queues and offsets
 * @returns the file text
 * @example
 * ```ts
 * import { encodeOffsetTable } from "./local_file_offset_store.ts";
 * const text = encodeOffsetTable([[{ topic: "T", brokerName: "b", queueId: 0 }, 12]]);
 * if (!text.includes('{{"brokerName":"b","queueId":0,"topic":"T"}:12')) throw new Error(text);
 * ```
 */
export function encodeOffsetTable(offsets: Iterable<readonly [MessageQueue, number]>): string {
  const sorted = [...offsets].sort((a, b) => compareMessageQueue(a[0], b[0]));
  if (sorted.length === 0) return '{\n\t"offsetTable":{}\n}';
  const entries = sorted.map(([mq, offset]) => `${messageQueueJson(mq)}:${offset}`).join(",");
  return `{\n\t"offsetTable":{${entries}\n\t}\n}`;
}

/**
 * Reads an `OffsetSerializeWrapper` in any form RocketMQ or we write: bare-object keys, quoted
 * JSON-string keys, pretty or compact.
 *
 * @param text the file text
 * @returns offsets by queue key
 * @throws {Error} when the text is not such a wrapper
 * @example
 * ```ts
 * import { decodeOffsetTable } from "./local_file_offset_store.ts";
 * const text = '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:12}}';
 * const [[mq, offset]] = decodeOffsetTable(text).values();
 * if (mq.queueId !== 0 || offset !== 12) throw new Error();
 * ```
 */
export function decodeOffsetTable(text: string): Map<string, [MessageQueue, number]> {
  const wrapper = wrapperSchema.parse(readFastjson(text));
  const out = new Map<string, [MessageQueue, number]>();
  for (const [key, offset] of Object.entries(wrapper.offsetTable ?? {})) {
    const mq = queueSchema.parse(JSON.parse(key));
    out.set(messageQueueKey(mq), [mq, offset]);
  }
  return out;
}

/**
 * The default offsets folder: the `rocketmq.client.localOffsetStoreDir` property, else
 * `<home>/.rocketmq_offsets`.
 *
 * @param property the property value, if set
 * @param home the user's home folder
 * @returns the folder
 * @example
 * ```ts
 * import { defaultLocalOffsetStoreDir } from "./local_file_offset_store.ts";
 * const dir = defaultLocalOffsetStoreDir(undefined, "/home/u/");
 * if (dir !== "/home/u/.rocketmq_offsets") throw new Error(dir);
 * if (defaultLocalOffsetStoreDir("/data/x", "/home/u") !== "/data/x") throw new Error("property");
 * ```
 */
export function defaultLocalOffsetStoreDir(property: string | undefined, home: string): string {
  return property ?? `${home.replace(/\/+$/, "")}/${LOCAL_OFFSET_STORE_DIR_NAME}`;
}

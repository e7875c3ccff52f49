/**
 * One broker metadata JSON file (topics.json, subscriptionGroup.json, consumerOffset.json) with
 * its `.bak` copy (store.md §10), through the store's {@linkcode ConfigFile}: written atomically,
 * read from the file, else from the `.bak` when the file is missing, empty or does not decode.
 *
 * Internal to broker/: the managers' only door to these files.
 *
 * @module
 */
import { ConfigFile } from "../store/config_file.ts";
import type { FileSystem } from "../store/file_system.ts";

/** A metadata file at a fixed path; writes are serialized by the underlying ConfigFile. */
export class MetadataFile {
  /** path of the file */
  readonly path: string;
  readonly #file: ConfigFile;
  readonly #onError: (error: Error) => void;
  #unsaved = false;

  /**
   * @param fs the file system
   * @param path the file's path; its folder is created on the first write
   * @param onError told of a write that stands but whose folder sync failed, and of a write
   *   {@linkcode storeOrKeep} could not make (default console.error)
   */
  constructor(fs: FileSystem, path: string, onError?: (error: Error) => void) {
    this.path = path;
    this.#onError = onError ?? ((error) => console.error(error));
    this.#file = new ConfigFile({ fs, path, onError: this.#onError });
  }

  /** true after {@linkcode storeOrKeep} could not write, until a write succeeds */
  get unsaved(): boolean {
    return this.#unsaved;
  }

  /**
   * Reads and decodes the file, falling back to `<file>.bak`.
   *
   * @param decode turns the parsed JSON (fastjson form accepted) into a value; throws when invalid
   * @returns the decoded value, or null when neither file exists (or both are empty)
   * @throws {ConfigFileCorruptError} when the file and its `.bak` both fail to decode
   */
  load<T>(decode: (json: unknown) => T): Promise<T | null> {
    return this.#file.read(decode);
  }

  /**
   * Replaces the file's content atomically, keeping the previous content as `<file>.bak`.
   *
   * @param text the new content
   */
  async store(text: string): Promise<void> {
    await this.#file.writeText(text);
    this.#unsaved = false;
  }

  /**
   * {@linkcode store}, but a failed write is reported and noted ({@linkcode unsaved}) rather than
   * thrown: the caller keeps its change in memory, as RocketMQ's `ConfigManager.persist` only
   * logs, and a later write takes it along.
   *
   * @param text the new content
   * @param kept what the caller keeps, for the report
   */
  async storeOrKeep(text: string, kept: string): Promise<void> {
    try {
      await this.store(text);
    } catch (error) {
      this.#unsaved = true;
      const reason = error instanceof Error ? error.message : String(error);
      this.#onError(
        new Error(`cannot write ${this.path}, ${kept} kept: ${reason}`, { cause: error }),
      );
    }
  }
}

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

  /**
   * @param fs the file system
   * @param path the file's path; its folder is created on the first write
   * @param onError told of a write that stands but whose folder sync failed
   */
  constructor(fs: FileSystem, path: string, onError?: (error: Error) => void) {
    this.path = path;
    this.#file = new ConfigFile({ fs, path, onError });
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
  store(text: string): Promise<void> {
    return this.#file.writeText(text);
  }
}

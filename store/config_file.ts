/**
 * A metadata JSON file (topics.json, consumerOffset.json, subscriptionGroup.json,
 * delayOffset.json, …; `shared/spec/store.md` §1, §10) persisted so that a crash at any point
 * leaves either the old or the new version readable, never a half-written one:
 *
 * 1. write `<file>.tmp` and sync it;
 * 2. copy the current `<file>` to `<file>.bak` (through `<file>.bak.tmp`, synced, renamed), but
 *    only when it is a readable version: one this instance wrote or loaded, or else one that is
 *    not blank and parses (when the new version is fastjson). A `<file>` that this instance
 *    found unreadable (it loaded `.bak`) is not copied, so a good `.bak` is never replaced by a
 *    damaged file;
 * 3. rename `<file>.tmp` over `<file>` (atomic: `<file>` always exists, so a reader without the
 *    `.bak` fallback — the name server reading its `-c` file — never misses it);
 * 4. sync the folder (a failure here is reported, not thrown: the new version is the file).
 *
 * Loading reads `<file>`; when it is missing, empty, unparsable or rejected by the caller's
 * decoder, it falls back to `<file>.bak` (RocketMQ `ConfigManager.load`/`loadBak`).
 *
 * @module
 */

import { parseFastjson, stringifyFastjson, type StringifyFastjsonOptions } from "./fastjson.ts";
import { FileNotFoundError, type FileSystem } from "./file_system.ts";
import { CONFIG_FILE_BYTES_MAX } from "./limits.ts";
import { parentPath } from "./store_paths.ts";

/** Thrown when neither a config file nor its `.bak` can be read. */
export class ConfigFileCorruptError extends Error {
  /**
   * @param path the config file
   * @param reason what is wrong with both versions
   * @param cause the error of the main file
   */
  constructor(readonly path: string, reason: string, cause?: unknown) {
    super(`Cannot load ${path}: ${reason}`, { cause });
    this.name = "ConfigFileCorruptError";
  }
}

/** Construction options of {@linkcode ConfigFile}. */
export interface ConfigFileOptions {
  /** all I/O goes through it */
  readonly fs: FileSystem;
  /** the file, e.g. `StorePaths.consumerOffsetJson` */
  readonly path: string;
  /** told of a folder sync that failed after the new version took the file's name (default console.error) */
  readonly onError?: (error: Error) => void;
}

/** Where a loaded value came from. */
export type ConfigFileSource = "file" | "bak";

/**
 * See the module doc. Writes through one instance are serialised.
 *
 * @example
 * ```ts
 * import { ConfigFile } from "./config_file.ts";
 * import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
 * const file = new ConfigFile({ fs: new MemoryFileSystem(), path: "/store/config/delayOffset.json" });
 * await file.write({ offsetTable: { 1: 17, 2: 0 } }, { unquotedIntegerKeys: true });
 * const loaded = await file.read() as { offsetTable: Record<string, number> };
 * console.assert(loaded.offsetTable["1"] === 17);
 * ```
 */
export class ConfigFile {
  /** the file */
  readonly path: string;
  readonly #fs: FileSystem;
  readonly #onError: (error: Error) => void;
  #writing: Promise<unknown> = Promise.resolve();
  /**
   * what this instance knows of `<file>`: "good" after writing it or loading from it, "bad"
   * after loading fell back to `.bak` (or failed), "unknown" before either
   */
  #main: "good" | "bad" | "unknown" = "unknown";

  /** @param options file system and path */
  constructor(options: ConfigFileOptions) {
    this.#fs = options.fs;
    this.path = options.path;
    this.#onError = options.onError ?? ((error) => console.error(error));
  }

  /** `<file>.bak`: the previous version */
  get bakPath(): string {
    return `${this.path}.bak`;
  }

  /** `<file>.tmp`: the version being written */
  get tmpPath(): string {
    return `${this.path}.tmp`;
  }

  /**
   * Loads and decodes the file, falling back to `.bak`.
   * @param decode validates the parsed fastjson value (e.g. a zod `parse`); a throw counts as
   *   an unreadable version
   * @returns the value, or null when neither version exists (or the file is empty without `.bak`)
   * @throws {ConfigFileCorruptError} when the file is unreadable and `.bak` is missing or unreadable
   */
  async read<T = unknown>(
    decode: (value: unknown) => T = (value) => value as T,
  ): Promise<T | null> {
    return (await this.readWithSource(decode))?.value ?? null;
  }

  /**
   * Like {@linkcode read}, also telling which version was used.
   * @returns the value and its source, or null
   */
  async readWithSource<T = unknown>(
    decode: (value: unknown) => T = (value) => value as T,
  ): Promise<{ value: T; source: ConfigFileSource } | null> {
    const main = await this.#readVersion(this.path, decode);
    if (main.ok) {
      this.#main = "good";
      return { value: main.value, source: "file" };
    }
    this.#main = "bad";
    const bak = await this.#readVersion(this.bakPath, decode);
    if (bak.ok) return { value: bak.value, source: "bak" };
    if (main.error === undefined && bak.error === undefined) {
      this.#main = "unknown";
      return null;
    }
    const reason = main.error === undefined
      ? `${this.bakPath} is unreadable (${message(bak.error)})`
      : `${message(main.error)}; ${this.bakPath} is ${
        bak.error === undefined ? "missing" : `unreadable (${message(bak.error)})`
      }`;
    throw new ConfigFileCorruptError(this.path, reason, main.error ?? bak.error);
  }

  /** @returns ok with the value, or not ok with an error (absent or empty: no error) */
  async #readVersion<T>(
    path: string,
    decode: (value: unknown) => T,
  ): Promise<{ ok: true; value: T } | { ok: false; error?: unknown }> {
    let text;
    try {
      text = await this.#readText(path);
    } catch (error) {
      // Too large to be ours: an unreadable version. Other I/O errors are not about the content.
      if (error instanceof ConfigFileCorruptError) return { ok: false, error };
      throw error;
    }
    if (text === null || text.trim() === "") return { ok: false };
    try {
      return { ok: true, value: decode(parseFastjson(text)) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * Tells the file that its caller, reading `<file>` with its own decoder, found it unreadable
   * and used `.bak`: the next write then keeps that `.bak` instead of copying `<file>` over it.
   */
  markMainUnreadable(): void {
    this.#main = "bad";
  }

  /**
   * @param previous the current `<file>`
   * @param next the version being written
   * @returns whether `previous` is worth keeping as `.bak`: what this instance learned of it,
   *   else it is not blank and, when `next` is fastjson, parses too (other formats, such as a
   *   properties file or RocketMQ's client offsets with object keys, are only checked for
   *   blankness)
   */
  #keepable(previous: Uint8Array, next: Uint8Array): boolean {
    if (this.#main !== "unknown") return this.#main === "good";
    const text = new TextDecoder().decode(previous);
    if (text.trim() === "") return false;
    return !parses(new TextDecoder().decode(next)) || parses(text);
  }

  async #writeSynced(path: string, bytes: Uint8Array): Promise<void> {
    const handle = await this.#fs.open(path, { create: true });
    try {
      await handle.truncate(0);
      await handle.writeAt(bytes, 0);
      await handle.sync();
    } finally {
      handle.close();
    }
  }

  async #readText(path: string): Promise<string | null> {
    const bytes = await this.#readBytes(path);
    return bytes === null ? null : new TextDecoder().decode(bytes);
  }

  /** @returns the file's bytes, or null when it does not exist */
  async #readBytes(path: string): Promise<Uint8Array | null> {
    let handle;
    try {
      handle = await this.#fs.open(path);
    } catch (error) {
      if (error instanceof FileNotFoundError) return null;
      throw error;
    }
    try {
      const size = await handle.size();
      if (size > CONFIG_FILE_BYTES_MAX) {
        throw new ConfigFileCorruptError(
          path,
          `size ${size} exceeds CONFIG_FILE_BYTES_MAX ${CONFIG_FILE_BYTES_MAX}`,
        );
      }
      const bytes = new Uint8Array(size);
      const read = await handle.readAt(bytes, 0);
      return bytes.subarray(0, read);
    } finally {
      handle.close();
    }
  }

  /**
   * Serialises `value` in fastjson's pretty form and persists it (see the module doc).
   * @param value the content
   * @param options integer-key handling (true for consumerOffset.json and delayOffset.json)
   */
  write(value: unknown, options: StringifyFastjsonOptions = {}): Promise<void> {
    return this.writeText(stringifyFastjson(value, options));
  }

  /**
   * Persists `text` as the new version (see the module doc).
   * @param text the full file content
   */
  writeText(text: string): Promise<void> {
    const run = this.#writing.then(() => this.#persist(new TextEncoder().encode(text)));
    this.#writing = run.then(noop, noop);
    return run;
  }

  async #persist(bytes: Uint8Array): Promise<void> {
    if (bytes.length > CONFIG_FILE_BYTES_MAX) {
      throw new RangeError(
        `Cannot write ${this.path}: ${bytes.length} bytes exceed CONFIG_FILE_BYTES_MAX ${CONFIG_FILE_BYTES_MAX}`,
      );
    }
    const dir = parentPath(this.path);
    await this.#fs.mkdir(dir);
    await this.#writeSynced(this.tmpPath, bytes);
    let previous: Uint8Array | null = null;
    try {
      previous = await this.#readBytes(this.path);
    } catch (error) {
      if (!(error instanceof ConfigFileCorruptError)) throw error; // too large: not kept
    }
    if (previous !== null && this.#keepable(previous, bytes)) {
      await this.#writeSynced(`${this.bakPath}.tmp`, previous);
      await this.#fs.rename(`${this.bakPath}.tmp`, this.bakPath);
    }
    await this.#fs.rename(this.tmpPath, this.path);
    this.#main = "good";
    // The new version is the file now, so the write stands: a caller told otherwise would keep
    // the old content in memory while the next start reads the new. The next write syncs again.
    await this.#fs.syncDir(dir).catch((error) => {
      this.#onError(
        new Error(
          `Wrote ${this.path}, but cannot sync its folder (a power loss may undo it): ${
            message(error)
          }`,
          { cause: error },
        ),
      );
    });
  }
}

function noop(): void {}

function parses(text: string): boolean {
  try {
    parseFastjson(text);
    return true;
  } catch {
    return false;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Open read handles kept across reads, at most `capacity` at once (least recently used closed
 * first): a pull of older consume-queue units would otherwise open and close a file per call,
 * and an open is an async round trip that costs more than the read.
 *
 * @module
 */

import { type FileHandle, FileNotFoundError, type FileSystem } from "./file_system.ts";

interface Entry {
  readonly opening: Promise<FileHandle | null>;
  users: number;
  forgotten: boolean;
}

/** See the module doc. */
export class FileHandleCache {
  readonly #fs: FileSystem;
  readonly #capacity: number;
  /** path → entry, least recently used first */
  readonly #entries = new Map<string, Entry>();

  /**
   * @param fs opens the files
   * @param capacity handles kept open at most (more may be open while in use)
   */
  constructor(fs: FileSystem, capacity: number) {
    this.#fs = fs;
    this.#capacity = capacity;
  }

  /**
   * Reads up to `buffer.length` bytes at `position` of `path`.
   * @returns the bytes read, or null when the file does not exist
   * @throws the file system's error for any other failure
   */
  async read(path: string, buffer: Uint8Array, position: number): Promise<number | null> {
    const entry = this.#use(path);
    try {
      const handle = await entry.opening;
      if (handle === null) {
        this.#drop(path, entry); // absent now; a later file of that name is opened afresh
        return null;
      }
      return await handle.readAt(buffer, position);
    } catch (error) {
      this.#drop(path, entry);
      throw error;
    } finally {
      entry.users--;
      if (entry.users === 0 && entry.forgotten) await this.#close(entry);
      this.#evict();
    }
  }

  #use(path: string): Entry {
    let entry = this.#entries.get(path);
    if (entry !== undefined) {
      this.#entries.delete(path); // re-inserted as the most recently used
    } else {
      const opening = this.#fs.open(path).catch((error) => {
        if (error instanceof FileNotFoundError) return null;
        throw error;
      });
      entry = { opening, users: 0, forgotten: false };
    }
    this.#entries.set(path, entry);
    entry.users++;
    return entry;
  }

  /** Closes least recently used idle handles beyond the capacity. */
  #evict(): void {
    if (this.#entries.size <= this.#capacity) return;
    for (const [path, entry] of this.#entries) {
      if (this.#entries.size <= this.#capacity) break;
      if (entry.users > 0) continue;
      this.#entries.delete(path);
      entry.forgotten = true;
      void this.#close(entry);
    }
  }

  #drop(path: string, entry: Entry): void {
    if (this.#entries.get(path) === entry) this.#entries.delete(path);
    entry.forgotten = true;
  }

  /** Closes the handle of `path` (before the file is removed or replaced). */
  async forget(path: string): Promise<void> {
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    this.#entries.delete(path);
    entry.forgotten = true;
    if (entry.users === 0) await this.#close(entry);
  }

  /** Closes every handle (the owner closes). */
  async close(): Promise<void> {
    for (const path of [...this.#entries.keys()]) await this.forget(path);
  }

  async #close(entry: Entry): Promise<void> {
    const [outcome] = await Promise.allSettled([entry.opening]);
    // A failed open was already reported to the read that awaited it.
    if (outcome.status === "fulfilled") outcome.value?.close();
  }
}

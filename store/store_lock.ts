/**
 * The store folder's lock, RocketMQ's `<storePathRootDir>/lock`: a store holds it from start to
 * stop, so two brokers given one folder (two configs left on the default `$HOME/store`) cannot
 * both append at the same offsets and each take the other's abort file for a crash.
 *
 * @module
 */

import type { FileLock, FileSystem } from "./file_system.ts";

/** Thrown when another store, in this process or another, holds the folder's lock. */
export class StoreLockedError extends Error {
  /** @param lockPath the lock file */
  constructor(readonly lockPath: string) {
    super(
      `Cannot lock ${lockPath}: another broker (or store) is using this store folder; ` +
        `give each broker its own storePathRootDir`,
    );
    this.name = "StoreLockedError";
  }
}

/**
 * @param fs the store's file system
 * @param lockPath the folder's lock file
 * @returns the lock, held until released (or the process ends)
 * @throws {StoreLockedError} when someone else holds it
 * @example
 * ```ts
 * import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
 * import { lockStoreFolder, StoreLockedError } from "./store_lock.ts";
 * const fs = new MemoryFileSystem();
 * const lock = await lockStoreFolder(fs, "/lock");
 * const second = await lockStoreFolder(fs, "/lock").catch((error) => error);
 * if (!(second instanceof StoreLockedError)) throw new Error("one holder at a time");
 * await lock.release();
 * ```
 */
export async function lockStoreFolder(fs: FileSystem, lockPath: string): Promise<FileLock> {
  const lock = await fs.tryLock(lockPath);
  if (lock === null) throw new StoreLockedError(lockPath);
  return lock;
}

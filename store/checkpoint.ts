/**
 * The checkpoint file (store.md §5): 4096 bytes, int64 big-endian physicMsgTimestamp at 0,
 * logicsMsgTimestamp at 8, indexMsgTimestamp at 16, masterFlushedOffset at 24 and
 * confirmPhyOffset at 32 (5.x). Abnormal recovery starts from the segment whose first record is
 * older than {@linkcode StoreCheckpoint.minTimestamp}.
 *
 * @module
 */

import type { FileHandle, FileSystem } from "./file_system.ts";
import { getInt64, setInt64 } from "./message_record.ts";
import { CHECKPOINT_FILE_BYTES, CHECKPOINT_SAFETY_MARGIN_MS } from "./limits.ts";

/** The checkpoint; see the module doc. */
export class StoreCheckpoint {
  /** store time of the last flushed commit-log record */
  physicMsgTimestamp = 0;
  /** store time of the last flushed consume-queue entry */
  logicsMsgTimestamp = 0;
  /** store time of the last flushed index entry */
  indexMsgTimestamp = 0;
  /** 5.x: flushed offset of the master (HA) */
  masterFlushedOffset = 0;
  /** 5.x: confirmed physical offset (HA) */
  confirmPhyOffset = 0;
  readonly #fs: FileSystem;
  readonly #path: string;
  readonly #page = new Uint8Array(CHECKPOINT_FILE_BYTES);
  #handle: FileHandle | null = null;

  /**
   * @param fs the file system
   * @param path `<storePathRootDir>/checkpoint`
   */
  constructor(fs: FileSystem, path: string) {
    this.#fs = fs;
    this.#path = path;
  }

  /** Opens (creating a zeroed file if absent) and reads the checkpoint. */
  async load(): Promise<void> {
    this.#handle = await this.#fs.open(this.#path, { create: true });
    const n = await this.#handle.readAt(this.#page, 0);
    this.#page.fill(0, n);
    const view = new DataView(this.#page.buffer);
    this.physicMsgTimestamp = getInt64(view, 0);
    this.logicsMsgTimestamp = getInt64(view, 8);
    this.indexMsgTimestamp = getInt64(view, 16);
    this.masterFlushedOffset = getInt64(view, 24);
    this.confirmPhyOffset = getInt64(view, 32);
  }

  /**
   * Recovery's "min timestamp": min(physic, logics) − 3000 ms, also min with the index time
   * when `messageIndexSafe` (store.md §5), never below 0.
   * @param messageIndexSafe include the index timestamp
   * @returns ms since the epoch
   */
  minTimestamp(messageIndexSafe = false): number {
    let min = Math.min(this.physicMsgTimestamp, this.logicsMsgTimestamp);
    if (messageIndexSafe) min = Math.min(min, this.indexMsgTimestamp);
    return Math.max(0, min - CHECKPOINT_SAFETY_MARGIN_MS);
  }

  /** Writes all fields and syncs the file. */
  async flush(): Promise<void> {
    if (this.#handle === null) throw new Error(`Cannot flush checkpoint ${this.#path}: not loaded`);
    const view = new DataView(this.#page.buffer);
    setInt64(view, 0, this.physicMsgTimestamp);
    setInt64(view, 8, this.logicsMsgTimestamp);
    setInt64(view, 16, this.indexMsgTimestamp);
    setInt64(view, 24, this.masterFlushedOffset);
    setInt64(view, 32, this.confirmPhyOffset);
    await this.#handle.writeAt(this.#page, 0);
    await this.#handle.sync();
  }

  /** Closes the file. */
  close(): void {
    this.#handle?.close();
    this.#handle = null;
  }
}

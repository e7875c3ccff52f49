/**
 * An index flush that fails while writing the hash slots does not forget them: the next flush
 * writes them again, or the keys would be lost once the file is read from disk (RocketMQ's
 * mapped index file keeps its dirty pages until a flush forces them).
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import type { FileHandle, FileSystem } from "./file_system.ts";
import { MessageStore } from "./message_store.ts";
import { makeMessage, TEST_STORE_HOST } from "./_test_messages.ts";
import { ForwardingFileSystem, ForwardingHandle } from "./_test_forwarding_fs.ts";
import { INDEX_HASH_SLOT_BYTES, INDEX_HEADER_BYTES } from "./limits.ts";

const SLOTS = 100;

/** Fails the next write into an index file's slot table (an EIO/ENOSPC), once armed. */
class FailingSlotWriteFs extends ForwardingFileSystem {
  armed = false;
  failures = 0;
  protected override wrap(handle: FileHandle): FileHandle {
    if (!handle.path.includes("/index/")) return handle;
    // deno-lint-ignore no-this-alias
    const fs = this;
    return new class extends ForwardingHandle {
      override writeAt(data: Uint8Array, position: number): Promise<void> {
        const inSlots = position >= INDEX_HEADER_BYTES &&
          position < INDEX_HEADER_BYTES + SLOTS * INDEX_HASH_SLOT_BYTES;
        if (fs.armed && inSlots) {
          fs.armed = false;
          fs.failures++;
          return Promise.reject(new Error("EIO: injected slot write failure"));
        }
        return super.writeAt(data, position);
      }
    }(handle);
  }
}

function openStore(fs: FileSystem, dir: string, clock: ManualClock, errors: Error[]) {
  return new MessageStore({
    fs,
    clock,
    storeHost: TEST_STORE_HOST,
    onError: (error) => errors.push(error),
    config: {
      storePathRootDir: `${dir}/store`,
      mappedFileSizeCommitLog: 64 * 1024,
      maxHashSlotNum: SLOTS,
      maxIndexNum: 400,
      flushIntervalConsumeQueue: 60_000,
    },
  });
}

Deno.test("index keys survive a failed slot write followed by a successful flush", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq-index-flush-" });
  try {
    const clock = new ManualClock();
    const errors: Error[] = [];
    const fs = new FailingSlotWriteFs(new DenoFileSystem());
    const store = openStore(fs, dir, clock, errors);
    await store.start();
    // A first message and a full flush: the index file exists and has synced once.
    await store.putMessage(makeMessage({ bodyText: "first", properties: { KEYS: "k-first" } }));
    await store.waitDispatched();
    await store.flushLogics(true);
    // The next key's slot write fails once (a transient I/O error); the next round succeeds.
    await store.putMessage(makeMessage({ bodyText: "second", properties: { KEYS: "k-second" } }));
    await store.waitDispatched();
    fs.armed = true;
    await assert.rejects(store.flushLogics(true), /injected/);
    assert.equal(fs.failures, 1);
    await store.flushLogics(true);
    await store.shutdown();

    // A clean restart reads the slot table from disk.
    const again = openStore(new DenoFileSystem(), dir, clock, errors);
    await again.start();
    const first = await again.queryMessage("TopicTest", "k-first", 32, 0, Number.MAX_SAFE_INTEGER);
    const second = await again.queryMessage(
      "TopicTest",
      "k-second",
      32,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    await again.shutdown();
    assert.equal(first.messages.length, 1, "k-first");
    assert.equal(second.messages.length, 1, "k-second was stored and reported indexed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

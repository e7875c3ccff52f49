/**
 * The store when the disk fails part-way (real temp files, or the memory adapter where a power
 * loss is simulated; a wrapper fails chosen calls with an EIO): the process survives, a failed
 * step is retried rather than forgotten, and the store starts again afterwards with everything
 * it acknowledged.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import type { FileSystem } from "./file_system.ts";
import { MessageStore } from "./message_store.ts";
import type { MessageStoreConfigInput } from "./message_store_config.ts";
import { FaultyFileSystem } from "./_test_faulty_fs.ts";
import { makeMessage, TEST_STORE_HOST } from "./_test_messages.ts";

function openStore(
  fs: FileSystem,
  clock: ManualClock,
  config: Partial<MessageStoreConfigInput> & { storePathRootDir: string },
): MessageStore {
  return new MessageStore({
    fs,
    clock,
    storeHost: TEST_STORE_HOST,
    ackAfterWrite: true, // as the broker runs it
    onError: () => {},
    config: { mappedFileSizeCommitLog: 4096, ...config },
  });
}

Deno.test("a disk that fails during a burst rolling the commit log leaves no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (event: PromiseRejectionEvent) => {
    unhandled.push(event.reason);
    event.preventDefault(); // Deno's default ends the process: the broker would die
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  const dir = await Deno.makeTempDir();
  const fs = new FaultyFileSystem(new DenoFileSystem());
  const store = openStore(fs, new ManualClock(), { storePathRootDir: dir });
  await store.start();
  try {
    fs.failing = () => true; // the volume went read-only
    // One burst, appended before the writer runs, spans three segments.
    const results = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) => store.putMessage(makeMessage({ bodyText: `m${i}-${"x".repeat(200)}` })),
      ),
    );
    assert.ok(results.every((result) => result.status !== "PUT_OK"), "nothing acknowledged");
    assert.ok(
      fs.failed.some((call) => call.startsWith("create ") && call.includes("/commitlog/")),
      `the burst rolled to a new segment file, which could not be created: ${fs.failed}`,
    );
    // Unhandled rejections are reported at the end of an event-loop turn.
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    await store.halt();
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
    await Deno.remove(dir, { recursive: true });
  }
});

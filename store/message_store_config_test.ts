import assert from "node:assert/strict";
import { MessageStoreConfigError, resolveMessageStoreConfig } from "./message_store_config.ts";

Deno.test("resolveMessageStoreConfig refuses index layouts no index file can have", () => {
  const base = { storePathRootDir: "/s" };
  assert.equal(resolveMessageStoreConfig({ ...base, maxIndexNum: 2 }).maxIndexNum, 2);
  assert.throws(
    () => resolveMessageStoreConfig({ ...base, maxIndexNum: 1 }),
    (error: unknown) =>
      error instanceof MessageStoreConfigError &&
      /maxIndexNum 1: Cannot use maxIndexNum 1: expected an integer >= 2/.test(error.message),
  );
  assert.throws(
    () =>
      resolveMessageStoreConfig({ ...base, maxHashSlotNum: 50_000_000, maxIndexNum: 100_000_000 }),
    /Cannot use an index file of 2200000040 bytes/,
  );
});

/**
 * A put's fast path reads the clock once to begin: that reading stamps the record, starts the
 * put's time and a SYNC_FLUSH wait's timeout. An ASYNC_FLUSH put reads it again when it ends
 * (its time for the stats); a SYNC_FLUSH round reads it once for all the waiters it ends. (A
 * reading is ~40 ns, a few percent of an append: two more per put cost ~6 % of the store
 * bench's ASYNC_FLUSH rate.)
 */

import assert from "node:assert/strict";
import { type Clock, ManualClock } from "../common/clock.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import { makeMessage, openTestStore } from "./_test_messages.ts";

/** A manual clock that counts its readings. */
class CountingClock implements Clock {
  readings = 0;
  readonly #clock = new ManualClock(1_700_000_000_000);
  now(): number {
    this.readings++;
    return this.#clock.now();
  }
}

for (const flushDiskType of ["ASYNC_FLUSH", "SYNC_FLUSH"] as const) {
  const readings = flushDiskType === "ASYNC_FLUSH" ? 2 : 1;
  Deno.test(`a ${flushDiskType} put reads the clock ${readings} time(s)`, async () => {
    const clock = new CountingClock();
    const store = await openTestStore({
      fs: new MemoryFileSystem(),
      dir: "/t",
      clock,
      config: { flushDiskType, flushIntervalCommitLog: 60_000 },
    });
    try {
      const warm = await store.putMessage(makeMessage());
      assert.equal(warm.status, "PUT_OK");
      const puts = 256;
      const before = clock.readings;
      const results = await Promise.all(
        Array.from({ length: puts }, () => store.putMessage(makeMessage())),
      );
      assert.ok(results.every((r) => r.status === "PUT_OK"));
      const perPut = (clock.readings - before) / puts;
      assert.ok(perPut < readings + 0.1, `${perPut} clock readings per put`);
    } finally {
      await store.shutdown();
    }
  });
}

/**
 * Run with TZ=America/New_York by `index_service_test.ts`: an index file rolls during the hour
 * that repeats when daylight saving time ends, then the index is loaded again. Prints JSON.
 *
 * @module
 */
import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import type { DispatchRequest } from "./dispatch_request.ts";
import { IndexService } from "./index_service.ts";

const dir = Deno.args[0];
const EDT_0130 = Date.UTC(2024, 10, 3, 5, 30); // 01:30 EDT, before the clocks go back
const EST_0110 = Date.UTC(2024, 10, 3, 6, 10); // 01:10 EST, 40 minutes later
const clock = new ManualClock(EDT_0130);
const layout = { fs: new DenoFileSystem(), dir, clock, maxHashSlotNum: 8, maxIndexNum: 4 };
const record = (offset: number, storeTimestamp: number): DispatchRequest => ({
  topic: "T",
  queueId: 0,
  commitLogOffset: offset,
  msgSize: 100,
  tagsCode: 0,
  storeTimestamp,
  consumeQueueOffset: offset / 100,
  keys: "order",
  sysFlag: 0,
  preparedTransactionOffset: 0,
});
const index = new IndexService(layout);
await index.load();
for (const offset of [0, 100, 200]) await index.dispatch(record(offset, EDT_0130 + offset));
clock.set(EST_0110);
await index.dispatch(record(300, EST_0110)); // the first file is full: a new file
const query = (service: IndexService) =>
  service.queryOffsets("T", "order", 32, EST_0110 - 1000, Number.MAX_SAFE_INTEGER);
const before = (await query(index)).phyOffsets;
const namesBefore = index.fileNames;
await index.close();
const again = new IndexService(layout);
await again.load();
const after = (await query(again)).phyOffsets;
console.log(JSON.stringify({ namesBefore, namesAfter: again.fileNames, before, after }));
await again.close();

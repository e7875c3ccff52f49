/**
 * Child process of `store/crash_recovery_test.ts`: appends messages under SYNC_FLUSH with the
 * Deno file system and prints `ack <queueOffset> <index>` for every append the store reported
 * durable, until it is killed. Usage:
 * `deno run -A crash_child.ts <storeRoot> <appenders> [warm]` (`warm`: warmMapedFileEnable).
 *
 * @module
 */

import { DenoFileSystem } from "../adapters/deno_file_system.ts";
import { MessageStore } from "../message_store.ts";
import { hostAddress } from "../message_id.ts";
import { encodeProperties } from "../message_properties.ts";
import { crashChildBody } from "./crash_child_body.ts";

const [root, appendersText, warm] = Deno.args;
const appenders = Number(appendersText ?? "8");
const store = new MessageStore({
  fs: new DenoFileSystem(),
  storeHost: hostAddress("127.0.0.1", 10911),
  config: {
    storePathRootDir: root,
    mappedFileSizeCommitLog: 64 * 1024,
    mappedFileSizeConsumeQueue: 20 * 1000,
    flushDiskType: "SYNC_FLUSH",
    warmMapedFileEnable: warm === "warm",
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
  },
  onError: (error) => {
    console.error(error);
    Deno.exit(2);
  },
});
await store.start();
const encoder = new TextEncoder();
const out = Deno.stdout;
await out.write(encoder.encode("ready\n"));
let next = 0;

async function appender(): Promise<void> {
  while (true) {
    const index = next++;
    const result = await store.putMessage({
      topic: "CrashTopic",
      queueId: 0,
      flag: 0,
      body: encoder.encode(crashChildBody(index)),
      properties: encodeProperties({ KEYS: `k${index}` }),
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: hostAddress("127.0.0.1", 40000),
    });
    if (result.status !== "PUT_OK") throw new Error(`Append ${index} failed: ${result.status}`);
    await out.write(encoder.encode(`ack ${result.appendMessageResult.logicsOffset} ${index}\n`));
  }
}

await Promise.all(Array.from({ length: appenders }, () => appender()));

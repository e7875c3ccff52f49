/**
 * Child process of `store/crash_fuzz_test.ts`, killed by it with SIGKILL. Usage:
 * `deno run -A crash_fuzz_child.ts <root> <mode> <seed> <role>` (mode: a `FuzzMode`).
 *
 * Roles `write` and `write-retain` open the store as the broker runs it (`ackAfterWrite`), print
 * `ready`, then run until killed:
 * - six appenders put single messages and batches with KEYS to every topic and queue, printing
 *   `ok <topic> <queueId> <queueOffset> <key>` for each message acknowledged PUT_OK;
 * - a consumer reads every queue on, printing `max <topic> <queueId> <maxOffset>` for each max
 *   offset it was told and `served <topic> <queueId> <queueOffset> <key>` for each message;
 * - with `write-retain`, a retention pass runs every few ms, every file but the newest expired.
 *
 * Role `recover` prints `recovering`, then `d <commitLogOffset>` for each record recovery
 * dispatches, then `ready` once started, and idles.
 *
 * A store error is printed to stderr as `ONERROR <message>` and the run goes on, as a broker's
 * does; the parent fails the test on it.
 *
 * @module
 */

import { DenoFileSystem } from "../adapters/deno_file_system.ts";
import { MessageStore } from "../message_store.ts";
import { hostAddress } from "../message_id.ts";
import { decodeRecord } from "../message_record.ts";
import { makeMessage, SeededRandom } from "../_test_messages.ts";
import {
  EVERY_HOUR,
  FUZZ_QUEUES,
  FUZZ_TOPICS,
  fuzzBody,
  fuzzConfig,
  type FuzzMode,
} from "./crash_fuzz_config.ts";

const [root, mode, seedText, role] = Deno.args;
const encoder = new TextEncoder();
const print = (line: string): void => {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
};

const store = new MessageStore({
  fs: new DenoFileSystem(),
  storeHost: hostAddress("127.0.0.1", 10911),
  ackAfterWrite: true,
  config: fuzzConfig(
    root,
    mode as FuzzMode,
    role === "write-retain" ? { fileReservedTime: 0, deleteWhen: EVERY_HOUR } : {},
  ),
  onError: (error) => console.error(`ONERROR ${error.message.split("\n")[0]}`),
});

if (role === "recover") {
  store.registerDispatcher({ dispatch: (request) => print(`d ${request.commitLogOffset}`) });
  print("recovering");
  await store.start();
  print("ready");
  await new Promise(() => {});
}

await store.start();
print("ready");
const random = new SeededRandom(Number(seedText));
// Keys are unique across the children of one test, which share the store.
const keyPrefix = `k${seedText}-${Date.now()}`;
let nextKey = 0;

async function appender(): Promise<void> {
  while (true) {
    const topic = FUZZ_TOPICS[random.int(0, FUZZ_TOPICS.length)];
    const queueId = random.int(0, FUZZ_QUEUES);
    const count = random.int(0, 4) === 0 ? random.int(2, 8) : 1;
    const keys = Array.from({ length: count }, () => `${keyPrefix}-${nextKey++}`);
    const messages = keys.map((key) =>
      makeMessage({
        topic,
        queueId,
        bodyText: fuzzBody(key, random.int(0, 600)),
        properties: { KEYS: key, TAGS: "T" },
        bornTimestamp: Date.now(),
      })
    );
    const result = count === 1
      ? await store.putMessage(messages[0])
      : await store.putMessages(messages);
    if (result.status !== "PUT_OK") {
      console.error(`put: ${result.status}`);
      continue;
    }
    const first = result.appendMessageResult!.logicsOffset;
    keys.forEach((key, i) => print(`ok ${topic} ${queueId} ${first + i} ${key}`));
  }
}

async function consumer(): Promise<void> {
  const nextOffsets = new Map<string, number>();
  while (true) {
    for (const topic of FUZZ_TOPICS) {
      for (let queueId = 0; queueId < FUZZ_QUEUES; queueId++) {
        print(`max ${topic} ${queueId} ${store.getMaxOffsetInQueue(topic, queueId)}`);
        const id = `${topic}/${queueId}`;
        const from = Math.max(nextOffsets.get(id) ?? 0, store.getMinOffsetInQueue(topic, queueId));
        const got = await store.getMessage("G", topic, queueId, from, 8);
        if (got === null) continue;
        for (const bytes of got.messages) {
          const record = decodeRecord(bytes);
          print(
            `served ${topic} ${queueId} ${record.queueOffset} ${record.properties.get("KEYS")}`,
          );
        }
        nextOffsets.set(id, got.nextBeginOffset);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function retention(): Promise<void> {
  while (true) {
    await store.deleteExpiredFiles();
    await new Promise((resolve) => setTimeout(resolve, random.int(0, 30)));
  }
}

await Promise.all([
  ...Array.from({ length: 6 }, () => appender()),
  consumer(),
  ...(role === "write-retain" ? [retention()] : []),
]);

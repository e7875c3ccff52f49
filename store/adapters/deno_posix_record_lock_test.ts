/**
 * The store lock against the lock a RocketMQ broker takes (`DefaultMessageStore.start`:
 * `FileChannel.tryLock(0, 1, false)`, a POSIX record lock on Linux). Both brokers default to
 * `$HOME/store`; neither may start on a folder the other holds. A child process makes Java's
 * exact `fcntl` call (`_test_fcntl_locker.ts`); where `java` is installed, a real JVM does too.
 */

import assert from "node:assert/strict";
import { ManualClock } from "../../common/clock.ts";
import { MessageStore } from "../message_store.ts";
import { StoreLockedError } from "../store_lock.ts";
import { TEST_STORE_HOST } from "../_test_messages.ts";
import { DenoFileSystem } from "./deno_file_system.ts";

const LOCKER = new URL("./_test_fcntl_locker.ts", import.meta.url).pathname;
const ANSWER_WAIT_MS = 60_000;
const LINUX = Deno.build.os === "linux";
const HAS_JAVA = LINUX && await new Deno.Command("java", { args: ["-version"], stderr: "null" })
  .output().then((out) => out.success, () => false);

const JAVA_LOCKER = `
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
public class Locker {
  public static void main(String[] args) throws Exception {
    RandomAccessFile file = new RandomAccessFile(args[0], "rw");
    FileLock lock = file.getChannel().tryLock(0, 1, false);
    System.out.println(lock != null ? "locked" : "refused");
    System.out.flush();
    System.in.read();
  }
}
`;

/** A child holding (or refused) the RocketMQ-style lock until {@linkcode Holder.stop}. */
interface Holder {
  readonly answer: string;
  stop(): Promise<void>;
}

async function hold(command: string, args: string[]): Promise<Holder> {
  const child = new Deno.Command(command, { args, stdin: "piped", stdout: "piped" }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const timer = setTimeout(() => lines.cancel(), ANSWER_WAIT_MS);
  try {
    while (!seen.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      seen += value;
    }
  } finally {
    clearTimeout(timer);
  }
  return {
    answer: seen.trim(),
    stop: async () => {
      await child.stdin.close();
      await lines.cancel();
      await child.status;
    },
  };
}

const holders = {
  fcntl: (lockPath: string) => hold(Deno.execPath(), ["run", "-A", LOCKER, lockPath]),
  java: async (lockPath: string, dir: string) => {
    await Deno.writeTextFile(`${dir}/Locker.java`, JAVA_LOCKER);
    return hold("java", [`${dir}/Locker.java`, lockPath]);
  },
};

function openStore(root: string): MessageStore {
  return new MessageStore({
    fs: new DenoFileSystem(),
    clock: new ManualClock(),
    storeHost: TEST_STORE_HOST,
    onError: (error) => {
      throw error;
    },
    config: { storePathRootDir: root, mappedFileSizeCommitLog: 64 * 1024 },
  });
}

for (const [kind, ignore] of [["fcntl", !LINUX], ["java", !HAS_JAVA]] as const) {
  Deno.test({
    name: `a store folder a RocketMQ broker holds is refused, and the reverse (${kind})`,
    ignore,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "edgemq-lock-" });
      const root = `${dir}/store`;
      await Deno.mkdir(root);
      const lockPath = `${root}/lock`;
      try {
        // RocketMQ first: EdgeMQ is refused, until RocketMQ stops.
        const rocketmq = await holders[kind](lockPath, dir);
        assert.equal(rocketmq.answer, "locked");
        const refused = await openStore(root).start().then(() => null, (error) => error);
        await rocketmq.stop();
        assert.ok(refused instanceof StoreLockedError, `EdgeMQ started anyway: ${refused}`);
        // EdgeMQ first: RocketMQ is refused; after EdgeMQ stops it gets the lock.
        const store = openStore(root);
        await store.start();
        const second = await holders[kind](lockPath, dir);
        await second.stop();
        await store.shutdown();
        assert.equal(second.answer, "refused", "RocketMQ got the lock of a folder EdgeMQ holds");
        const after = await holders[kind](lockPath, dir);
        await after.stop();
        assert.equal(after.answer, "locked", "the lock was released at shutdown");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/**
 * A user's `deno check` of the documented consumer code passes: the root module's example (an
 * `async` listener, as RocketMQ users write `consumeMessage`) and typical listeners written with
 * the status constants, importing only `mod.ts`. Before, TypeScript widened the `return
 * "CONSUME_SUCCESS"` of an async listener to `Promise<string>` (microsoft/TypeScript#30185:
 * `T | Promise<T>` is no promise context), so the front-page example failed `deno check` and
 * `deno test`, and there were no `ConsumeConcurrentlyStatus.CONSUME_SUCCESS` constants to write
 * it as RocketMQ's Java API does.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const MOD = new URL("mod.ts", ROOT);
const CHECK_TIMEOUT_MS = 60_000;

async function moduleExample(): Promise<string> {
  const text = await Deno.readTextFile(MOD);
  const block = text.match(/```ts ignore\n([\s\S]*?)```/);
  assert.ok(block !== null, "mod.ts has no ```ts ignore example");
  return block[1].split("\n").map((line) => line.replace(/^ \* ?/, "")).join("\n");
}

const TYPICAL = `
import {
  ConsumeConcurrentlyStatus,
  ConsumeOrderlyStatus,
  type MessageExt,
  PushConsumer,
} from "./mod.ts";

const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
consumer.subscribe("TopicTest", "*");
consumer.registerMessageListener(async (msgs) => {
  await Promise.resolve(msgs.length);
  return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
});
consumer.registerMessageListener((msgs: MessageExt[]) =>
  msgs.length > 0 ? ConsumeConcurrentlyStatus.RECONSUME_LATER : "CONSUME_SUCCESS"
);
consumer.registerOrderlyListener(async (msgs, context) => {
  context.suspendCurrentQueueTimeMillis = msgs.length;
  return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
});
consumer.registerOrderlyListener(() => "SUCCESS");
`;

async function denoCheck(source: string): Promise<{ code: number; stderr: string }> {
  // Outside the repository, so that no `deno fmt --check` or `deno lint` of the checkout sees the
  // file (unformatted, and left behind if the test is killed); `./mod.ts` and the import map
  // resolve as in a user's checkout.
  const dir = await Deno.makeTempDir({ prefix: "edgemq_listener_types_" });
  const file = `${dir}/listener_types.ts`;
  try {
    await Deno.writeTextFile(file, source.replaceAll('"./mod.ts"', JSON.stringify(MOD.href)));
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", new URL("deno.json", ROOT).pathname, file],
      cwd: ROOT.pathname,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    }).output();
    return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mod.ts example with an async listener passes deno check", async () => {
  const { code, stderr } = await denoCheck(await moduleExample());
  assert.equal(code, 0, stderr);
});

Deno.test("listeners written with the status constants from mod.ts pass deno check", async () => {
  const { code, stderr } = await denoCheck(TYPICAL);
  assert.equal(code, 0, stderr);
});

/**
 * The README's produce/consume example runs as written: the first `ts` block of README.md is
 * run in a child Deno process against a live name server and broker.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "./broker_test_env.ts";

const ROOT = new URL("../", import.meta.url);
const EXAMPLE_TIMEOUT_MS = 60_000;

async function readmeExample(): Promise<string> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const block = readme.match(/```ts\n([\s\S]*?)```/);
  assert.ok(block !== null, "README.md has no ```ts block");
  assert.match(block[1], /from "\.\/mod\.ts"/, "the example imports ./mod.ts");
  return block[1];
}

Deno.test("README example produces and consumes through a live name server and broker", async () => {
  const example = await readmeExample();
  const env = await startTestBroker();
  // Written inside the repository, as the README says, so `./mod.ts` resolves unchanged.
  const file = new URL(`.readme_example_${crypto.randomUUID()}.ts`, ROOT);
  try {
    await Deno.writeTextFile(file, example);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", file.pathname],
      cwd: ROOT.pathname,
      env: { NAMESRV_ADDR: env.namesrvAddr! },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(EXAMPLE_TIMEOUT_MS),
    });
    const output = await child.output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    const context = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    assert.equal(output.code, 0, context);
    const sent = stdout.split("\n").filter((line) => line.startsWith("SEND_OK "));
    assert.equal(sent.length, 10, context);
    const received = stdout.split("\n").filter((line) => line.startsWith("received "));
    assert.equal(received.length, 10, context);
    for (let i = 0; i < 10; i++) {
      assert.ok(received.includes(`received order-${i} hello ${i}`), context);
    }
  } finally {
    await Deno.remove(file);
    await env.close();
  }
});

import assert from "node:assert/strict";
import { startTestBroker } from "../tests/broker_test_env.ts";

const ROOT = new URL("../", import.meta.url);

/** Runs `deno run -A tools/main.ts ...args` to the end. */
async function runMain(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("tools/main.ts", ROOT).pathname, ...args],
    cwd: ROOT.pathname,
    env: { NAMESRV_ADDR: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

Deno.test("tools/main.ts prints the commands with -h, runs a command and exits 1 on failures", async () => {
  const env = await startTestBroker();
  try {
    const ns = env.namesrvAddr!;
    const [help, config, fromEnv, refused, unknown] = await Promise.all([
      runMain(["-h"]),
      runMain(["getNamesrvConfig", "-n", ns]),
      runMain(["topicList"], { NAMESRV_ADDR: ns }),
      runMain(["topicList", "-n", "127.0.0.1:1"]),
      runMain(["noSuchCommand"]),
    ]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^ {3}getNamesrvConfig +Get configs of name server$/m);

    assert.equal(config.code, 0, config.stderr);
    assert.ok(config.stdout.startsWith(`============${ns}============\n`), config.stdout);
    assert.ok(config.stdout.includes(`\norderMessageEnable${" ".repeat(32)}=  false\n`));

    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.ok(fromEnv.stdout.split("\n").includes("TBW102"), fromEnv.stdout);

    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, /^Cannot connect to name server 127\.0\.0\.1:1: .+\n$/);

    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      "Cannot find command noSuchCommand: run mqadmin -h to list the commands\n",
    );
  } finally {
    await env.close();
  }
});

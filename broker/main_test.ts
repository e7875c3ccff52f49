import assert from "node:assert/strict";
import { spawnMain } from "../tests/broker_test_env.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("broker main exits 1 with the reason on a bad config value, before binding", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_main_" });
  try {
    await Deno.writeTextFile(
      `${dir}/broker.conf`,
      `listenPort=abc\nstorePathRootDir=${dir}/store\n`,
    );
    const result = await run(["-c", `${dir}/broker.conf`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Invalid value for listenPort: "abc"/);
    assert.equal(result.stdout.includes("listening"), false);
    const missing = await run(["-c", `${dir}/absent.conf`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Cannot read config file .*absent\.conf/m);
    const option = await run(["-x"]);
    assert.equal(option.code, 1);
    assert.match(option.stderr, /Unrecognized option: -x/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("broker main prints usage and config items", async () => {
  const help = await run(["-h"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: mqbroker/);
  const important = await run(["-m", "-n", "127.0.0.1:9876"]);
  assert.equal(important.code, 0);
  assert.match(important.stdout, /^namesrvAddr=127\.0\.0\.1:9876$/m);
  assert.equal(/^listenPort=/m.test(important.stdout), false, "-m prints only the important keys");
});

Deno.test("broker main serves, prints its addresses and stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_main_" });
  try {
    await Deno.writeTextFile(
      `${dir}/broker.conf`,
      `listenPort=0\nbindAddress=127.0.0.1\nbrokerIP1=127.0.0.1\nhttpAdminPort=0\nstorePathRootDir=${dir}/store\n`,
    );
    const broker = await spawnMain(
      "broker/main.ts",
      ["-c", `${dir}/broker.conf`],
      /Data folder: (.*)$/,
    );
    assert.equal(broker.match[1], `${dir}/store`);
    assert.ok(
      broker.lines.some((line) =>
        /^EdgeMQ broker listening on 127\.0\.0\.1:\d+ \(bind 127\.0\.0\.1, VIP port \d+\)$/.test(
          line,
        )
      ),
    );
    // A second broker on the same store folder (two confs left on the default $HOME/store)
    // must not start: both would write the same commit log at the same offsets.
    const second = await run(["-c", `${dir}/broker.conf`]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /Cannot lock .*\/store\/lock: another broker/);
    assert.equal(second.stdout.includes("listening"), false);
    assert.ok(await Deno.stat(`${dir}/store/abort`), "the running broker's abort file is kept");
    assert.equal(await broker.stop(), 0);
    assert.equal(
      await Deno.stat(`${dir}/store/abort`).then(() => true, () => false),
      false,
      "clean shutdown removes abort",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { parseProperties } from "../common/properties.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { bodyText, testClient } from "./_namesrv_testing.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
const DEADLINE_MS = 30_000;
/** The child gets a temporary HOME, so point it at the parent's module cache explicitly. */
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "namesrv_main_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function command(args: string[], home: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT,
    env: { HOME: home, DENO_DIR, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
}

async function run(args: string[], home: string) {
  const out = await command(args, home).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("namesrv main -p prints the effective config with the file's overrides and exits 0", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/namesrv.properties`;
    await Deno.writeTextFile(
      file,
      "listenPort=19876\norderMessageEnable=true\nproductEnvName = test \nmapedFoo=1\n" +
        "configStorePath=/old-box/namesrv.properties\n", // a copied file names its old place
    );
    const { code, stdout, stderr } = await run(["-c", file, "-p"], dir);
    assert.equal(code, 0, stderr);
    const printed = parseProperties(stdout);
    assert.equal(printed.get("listenPort"), "19876");
    assert.equal(printed.get("orderMessageEnable"), "true");
    assert.equal(printed.get("productEnvName"), "test");
    assert.equal(
      printed.get("configStorePath"),
      file,
      "the -c file is where updates persist, as in RocketMQ",
    );
    assert.equal(printed.get("kvConfigPath"), `${dir}/namesrv/kvConfig.json`);
    assert.match(stderr, /WARN Unknown config key mapedFoo ignored/);
    assert.match(
      stderr,
      /WARN Config key configStorePath \/old-box\/namesrv\.properties is replaced by the -c file /,
    );
    assert.match(
      stderr,
      /WARN Config key productEnvName is accepted but has no effect on this runtime/,
    );
  });
});

Deno.test("namesrv main exits 1 on a bad value before binding any port", async () => {
  await withTempDir(async (dir) => {
    using held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (held.addr as Deno.NetAddr).port;
    const file = `${dir}/bad.properties`;
    await Deno.writeTextFile(
      file,
      `bindAddress=127.0.0.1\nlistenPort=${port}\nserverAsyncSemaphoreValue=lots\n`,
    );
    const { code, stdout, stderr } = await run(["-c", file], dir);
    assert.equal(code, 1);
    assert.equal(
      stderr.trim(),
      'Invalid value for serverAsyncSemaphoreValue: "lots" (expected an integer between 1 and 2147483647)',
      "the config error comes first; a bind attempt on the held port would have failed differently",
    );
    assert.doesNotMatch(stdout, /listening/);
  });
});

Deno.test("namesrv main reads --configFile=file and refuses -c followed by another option", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/namesrv.properties`;
    await Deno.writeTextFile(file, "listenPort=19877\n");
    const long = await run([`--configFile=${file}`, "-p"], dir);
    assert.equal(long.code, 0, long.stderr);
    assert.equal(parseProperties(long.stdout).get("listenPort"), "19877");
    const missing = await run(["-c", "-p"], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Missing argument for option: c\nusage:/);
    assert.doesNotMatch(missing.stdout, /listenPort=/);
  });
});

Deno.test("namesrv main prints usage for -h and refuses unknown options", async () => {
  await withTempDir(async (dir) => {
    const help = await run(["-h"], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: deno task namesrv \[-c <file>\] \[-p\] \[-h\]/);
    const bad = await run(["--bogus"], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Unrecognized option: --bogus\nusage:/);
    const missing = await run(["-c", `${dir}/absent.properties`], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Cannot read config file .*absent\.properties: /);
  });
});

/** Reads a child's stdout until `pattern` matches, within the deadline. */
async function readUntil(
  stream: ReadableStream<Uint8Array>,
  pattern: RegExp,
): Promise<RegExpMatchArray> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + DEADLINE_MS;
  try {
    for (;;) {
      const left = deadline - Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`No ${pattern} in ${DEADLINE_MS} ms; got:\n${text}`)),
          left,
        );
      });
      const chunk = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error(`Output ended without ${pattern}:\n${text}`);
      text += chunk.value;
      const match = text.match(pattern);
      if (match) return match;
    }
  } finally {
    await reader.cancel();
  }
}

Deno.test("namesrv main honours every overridden key and reports it in GET_NAMESRV_CONFIG", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/namesrv.properties`;
    const overrides: Record<string, string> = {
      bindAddress: "127.0.0.1",
      listenPort: "0",
      httpAdminPort: "0",
      kvConfigPath: `${dir}/kv/kvConfig.json`,
      orderMessageEnable: "true",
      scanNotActiveBrokerInterval: "7000",
      serverChannelMaxIdleTimeSeconds: "90",
      brokerChannelExpiredTime: "60000",
      productEnvName: "edge",
    };
    await Deno.writeTextFile(
      file,
      Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join("\n"),
    );
    const child = command(["-c", file], dir).spawn();
    const client = testClient();
    try {
      const match = await readUntil(child.stdout, /Name server listening on 127\.0\.0\.1:(\d+)/);
      const addr = `127.0.0.1:${match[1]}`;
      const response = await client.invoke(
        addr,
        createRequest(RequestCode.GET_NAMESRV_CONFIG),
        5000,
      );
      const reported = parseProperties(bodyText(response));
      for (const [key, value] of Object.entries(overrides)) {
        assert.equal(reported.get(key), value, key);
      }
      assert.equal(reported.get("configStorePath"), file);
    } finally {
      await client.shutdown();
      child.kill("SIGTERM");
      const status = await child.status;
      await child.stderr.cancel();
      assert.equal(status.code, 0, "SIGTERM shuts down gracefully");
    }
  });
});

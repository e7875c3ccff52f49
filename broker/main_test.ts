import assert from "node:assert/strict";
import { spawnMain } from "../tests/broker_test_env.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;

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

Deno.test("broker main says an empty brokerName must be non-empty", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_main_" });
  try {
    await Deno.writeTextFile(`${dir}/broker.conf`, `brokerName=\nstorePathRootDir=${dir}/store\n`);
    const result = await run(["-c", `${dir}/broker.conf`, "-p"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^Invalid value for brokerName: "" \(expected a non-empty string\)$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("broker main names every bad value of its config file in one run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_main_" });
  try {
    await Deno.writeTextFile(
      `${dir}/broker.conf`,
      `brokerRole=master\nlistenPort=10911 \nflushDiskType=SYNC\nstorePathRootDir=${dir}/store\n`,
    );
    const result = await run(["-c", `${dir}/broker.conf`]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'Invalid value for brokerRole: "master" (expected one of ASYNC_MASTER, SYNC_MASTER, SLAVE); ' +
        'Invalid value for listenPort: "10911 " (expected an integer between 0 and 65535); ' +
        'Invalid value for flushDiskType: "SYNC" (expected one of ASYNC_FLUSH, SYNC_FLUSH)\n',
    );
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

Deno.test("broker main serves, prints its addresses, refuses a second broker on its store and stops on SIGHUP", async () => {
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
    // A closed terminal stops it cleanly too, as a JVM's shutdown hooks run on SIGHUP.
    assert.equal(await broker.stop("SIGHUP"), 0);
    assert.ok(broker.lines.includes("Received SIGHUP, shutting down"));
    assert.equal(
      await Deno.stat(`${dir}/store/abort`).then(() => true, () => false),
      false,
      "clean shutdown removes abort",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("broker main takes its default store folder from the account's home, not the working folder", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "edgemq_main_cwd_" });
  try {
    // A service started without HOME (a systemd system unit, `env -i`), in some folder.
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "-p"],
      clearEnv: true,
      env: { DENO_DIR }, // the parent's module cache, wherever the account's home is
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const root = new TextDecoder().decode(output.stdout).match(/^storePathRootDir=(.*)$/m)?.[1];
    const home = await new Deno.Command(Deno.execPath(), {
      args: ["eval", 'import { homedir } from "node:os"; console.log(homedir())'],
      clearEnv: true,
      cwd,
      stdout: "piped",
    }).output();
    const accountHome = new TextDecoder().decode(home.stdout).trim();
    assert.notEqual(accountHome, cwd);
    assert.equal(root, `${accountHome}/store`);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("broker main stops cleanly on SIGTERM during its start (no abort file left)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_sigterm_" });
  // A name server that accepts and never answers: the start waits on its first registration.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = Promise.withResolvers<void>();
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      accepted.resolve();
    }
  })();
  const file = `${dir}/broker.conf`;
  await Deno.writeTextFile(
    file,
    [
      "brokerName=broker-sigterm",
      "listenPort=0",
      "bindAddress=127.0.0.1",
      "brokerIP1=127.0.0.1",
      "httpAdminPort=0",
      `storePathRootDir=${dir}/store`,
      `mappedFileSizeCommitLog=${16 * 1024 * 1024}`,
      `namesrvAddr=127.0.0.1:${listener.addr.port}`,
      "registerBrokerTimeoutMills=60000",
      "",
    ].join("\n"),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "-c", file],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const reached = await Promise.race([
      accepted.promise.then(() => "registering"),
      child.status.then((s) => `exited ${s.code}`),
      new Promise<string>((resolve) => timer = setTimeout(() => resolve("timeout"), 30_000)),
    ]);
    clearTimeout(timer);
    assert.equal(reached, "registering", "the start waits on the silent name server");
    assert.ok(await exists(`${dir}/store/abort`), "the store is open");
    child.kill("SIGTERM");
    // Bounded by the test: the start is interrupted, not waited out (60 s).
    const status = await Promise.race([
      child.status,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error("no exit")), 20_000)
      ),
    ]);
    clearTimeout(timer);
    assert.deepEqual(
      { code: status.code, signal: status.signal, abortLeft: await exists(`${dir}/store/abort`) },
      { code: 0, signal: null, abortLeft: false },
    );
  } finally {
    clearTimeout(timer);
    if ((await Promise.race([child.status, Promise.resolve(undefined)])) === undefined) {
      child.kill("SIGKILL");
    }
    await child.status;
    listener.close();
    for (const conn of conns) conn.close();
    await accepting;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("broker main starts with brokerIP1 set to a host name the system resolves", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_main_" });
  try {
    await Deno.writeTextFile(
      `${dir}/broker.conf`,
      `listenPort=0\nbindAddress=127.0.0.1\nbrokerIP1=localhost\nhttpAdminPort=0\nstorePathRootDir=${dir}/store\n`,
    );
    const broker = await spawnMain(
      "broker/main.ts",
      ["-c", `${dir}/broker.conf`],
      /EdgeMQ broker listening on localhost:(\d+)/,
    );
    assert.equal(await broker.stop(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("broker main names the address it cannot bind, and leaves its store clean", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_main_bind_" });
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = taken.addr.port;
    const base = `bindAddress=127.0.0.1\nbrokerIP1=127.0.0.1\nstorePathRootDir=${dir}/store\n`;
    // The remoting port: before the store opens.
    await Deno.writeTextFile(`${dir}/main.conf`, `${base}listenPort=${port}\nhttpAdminPort=0\n`);
    const main = await run(["-c", `${dir}/main.conf`]);
    assert.equal(main.code, 1);
    assert.match(
      main.stderr,
      new RegExp(`^Cannot start the broker: .*127\\.0\\.0\\.1:${port}\\b`, "m"),
    );
    // The HTTP admin port: after the store opened, which is closed cleanly again.
    await Deno.writeTextFile(`${dir}/http.conf`, `${base}listenPort=0\nhttpAdminPort=${port}\n`);
    const http = await run(["-c", `${dir}/http.conf`]);
    assert.equal(http.code, 1);
    assert.match(
      http.stderr,
      new RegExp(`^Cannot start the broker: .*127\\.0\\.0\\.1:${port}\\b`, "m"),
    );
    assert.equal(await Deno.stat(`${dir}/store/abort`).then(() => true, () => false), false);
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

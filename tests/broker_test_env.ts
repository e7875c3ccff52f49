/**
 * Test support: an in-process name server and broker on 127.0.0.1 with ephemeral ports and a
 * real temp store folder, plus helpers to run `namesrv/main.ts` and `broker/main.ts` as child
 * processes and learn their ports from the lines they print.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createRegisterBrokerRequest } from "../namesrv/register_broker_request.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import type { Clock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import type { FileSystem } from "../store/file_system.ts";
import { loadBrokerConfig } from "../broker/broker_config.ts";
import { BrokerController } from "../broker/broker_controller.ts";
import { loadNamesrvConfig } from "../namesrv/namesrv_config.ts";
import { NamesrvController } from "../namesrv/namesrv_controller.ts";

/** A running in-process name server and broker. */
export interface TestBroker {
  readonly broker: BrokerController;
  readonly namesrv: NamesrvController | undefined;
  /** broker `127.0.0.1:port` */
  readonly address: string;
  /** name server `127.0.0.1:port`, when started */
  readonly namesrvAddr: string | undefined;
  /** the store root */
  readonly dir: string;
  /** Stops the broker (and name server); removes the folder unless `keepDir`. */
  close(keepDir?: boolean): Promise<void>;
}

/** Options of {@linkcode startTestBroker}. */
export interface TestBrokerOptions {
  /** broker config keys over the test defaults */
  properties?: Record<string, string>;
  /** also start a name server and register with it; default true */
  withNamesrv?: boolean;
  /** reuse a store folder (restart tests); default a fresh temp folder */
  dir?: string;
  /** reuse a running name server */
  namesrvAddr?: string;
  /** the broker's clock; default the system clock */
  clock?: Clock;
  /** RAM the in-memory read window is a share of; default the machine's */
  physicalMemoryBytes?: number;
  /** most pulls parked at once; default the broker's */
  pullRequestsHeldMax?: number;
  /** the broker's file system; default the Deno one */
  fs?: FileSystem;
}

/**
 * The broker keys of every in-process test broker: name `broker-test`, ephemeral ports on
 * 127.0.0.1, HTTP admin off, 16 MiB commit-log segments.
 *
 * @param storeRoot `storePathRootDir`
 * @returns the properties, for `loadBrokerConfig`
 */
export function testBrokerProperties(storeRoot: string): Record<string, string> {
  return {
    brokerName: "broker-test",
    listenPort: "0",
    bindAddress: "127.0.0.1",
    brokerIP1: "127.0.0.1",
    httpAdminPort: "0",
    storePathRootDir: storeRoot,
    mappedFileSizeCommitLog: String(16 * 1024 * 1024),
  };
}

/**
 * Starts a broker (and by default a name server) in this process.
 *
 * @param options config keys, name server, folder
 * @returns the running pair
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "edgemq_broker_" });
  const transport = new DenoTcpTransport();
  let namesrv: NamesrvController | undefined;
  let namesrvAddr = options.namesrvAddr;
  if (options.withNamesrv !== false && namesrvAddr === undefined) {
    const env = { home: dir };
    const { config } = loadNamesrvConfig(
      {
        listenPort: "0",
        bindAddress: "127.0.0.1",
        httpAdminPort: "0",
        kvConfigPath: `${dir}/namesrv/kvConfig.json`,
      },
      env,
    );
    namesrv = new NamesrvController({
      config,
      env,
      fs: new DenoFileSystem(),
      transport,
      logger: silentRemotingLogger,
      periodicScan: false,
    });
    await namesrv.start();
    namesrvAddr = `127.0.0.1:${namesrv.port}`;
  }
  const properties: Record<string, string> = {
    ...testBrokerProperties(dir),
    ...(namesrvAddr === undefined ? {} : { namesrvAddr }),
    ...options.properties,
  };
  const { config } = loadBrokerConfig({ properties, env: { HOME: dir, hostname: "test-host" } });
  const broker = new BrokerController({
    config,
    transport,
    fs: options.fs ?? new DenoFileSystem(),
    logger: silentRemotingLogger,
    clock: options.clock,
    physicalMemoryBytes: options.physicalMemoryBytes,
    pullRequestsHeldMax: options.pullRequestsHeldMax,
  });
  try {
    await broker.start();
  } catch (error) {
    await namesrv?.shutdown();
    throw error;
  }
  return {
    broker,
    namesrv,
    address: `127.0.0.1:${broker.port}`,
    namesrvAddr,
    dir,
    async close(keepDir = false) {
      await broker.shutdown();
      await namesrv?.shutdown();
      if (!keepDir && options.dir === undefined) await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A child process started by {@linkcode spawnMain}. */
export interface SpawnedMain {
  readonly child: Deno.ChildProcess;
  /** the first match of the awaited pattern */
  readonly match: RegExpMatchArray;
  /** every stdout line read so far */
  readonly lines: string[];
  /** Sends `signal` (default SIGTERM) and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Sends SIGKILL and waits. */
  kill(): Promise<number>;
}

const ROOT = new URL("../", import.meta.url);

/**
 * Runs `deno run -A <script> ...args` and waits (bounded) for a stdout line matching `pattern`.
 * The rest of stdout and stderr are drained so the child never blocks.
 *
 * @param script path from the repository root, e.g. `broker/main.ts`
 * @param args arguments
 * @param pattern the line to wait for
 * @param timeoutMs longest wait
 * @returns the running child and the match
 * @throws when the child exits or the time runs out first (with its output)
 */
export async function spawnMain(
  script: string,
  args: string[],
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<SpawnedMain> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(script, ROOT).pathname, ...args],
    cwd: new URL(".", ROOT).pathname,
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  const lines: string[] = [];
  const errors: string[] = [];
  const stderrDone = drainLines(child.stderr, errors);
  let resolveMatch!: (m: RegExpMatchArray) => void;
  const matched = new Promise<RegExpMatchArray>((resolve) => resolveMatch = resolve);
  const stdoutDone = drainLines(child.stdout, lines, (line) => {
    const m = line.match(pattern);
    if (m !== null) resolveMatch(m);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = Promise.race([
    child.status.then((s) => `exited with code ${s.code}`),
    new Promise<string>((resolve) =>
      timer = setTimeout(() => resolve(`no match after ${timeoutMs} ms`), timeoutMs)
    ),
  ]);
  const outcome = await Promise.race([matched, failed]);
  clearTimeout(timer);
  const finish = async (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // already exited
    }
    const status = await child.status;
    await Promise.all([stdoutDone, stderrDone]);
    return status.code;
  };
  if (typeof outcome === "string") {
    await finish("SIGKILL");
    throw new Error(
      `${script} ${outcome}\nstdout:\n${lines.join("\n")}\nstderr:\n${errors.join("\n")}`,
    );
  }
  return {
    child,
    match: outcome,
    lines,
    stop: (signal = "SIGTERM") => finish(signal),
    kill: () => finish("SIGKILL"),
  };
}

/** A `namesrv/main.ts` or `broker/main.ts` child process and the address it listens on. */
export interface SpawnedServer {
  readonly process: SpawnedMain;
  /** `127.0.0.1:port` */
  readonly address: string;
}

/**
 * Writes `<dir>/namesrv.conf` (ephemeral ports on 127.0.0.1) and runs `namesrv/main.ts` with it.
 *
 * @param dir a temp folder the caller removes
 * @returns the running name server
 * @throws as {@linkcode spawnMain}
 */
export async function spawnNamesrv(dir: string): Promise<SpawnedServer> {
  const file = `${dir}/namesrv.conf`;
  await Deno.writeTextFile(
    file,
    `listenPort=0\nbindAddress=127.0.0.1\nhttpAdminPort=0\nkvConfigPath=${dir}/namesrv/kvConfig.json\n`,
  );
  const process = await spawnMain(
    "namesrv/main.ts",
    ["-c", file],
    /Name server listening on [\d.]+:(\d+)/,
  );
  return { process, address: `127.0.0.1:${process.match[1]}` };
}

/** Options of {@linkcode spawnBroker}. */
export interface SpawnBrokerOptions {
  /** a temp folder the caller removes; the store goes to `<dir>/store` */
  dir: string;
  /** name server `host:port` to register with; none by default */
  namesrvAddr?: string;
  /** `brokerName` config key; the broker's default when absent */
  brokerName?: string;
  /** `mappedFileSizeCommitLog` config key, bytes; the default when absent */
  mappedFileSizeCommitLog?: number;
  /** more broker.conf keys */
  properties?: Record<string, string>;
}

/**
 * Writes `<dir>/broker.conf` (ephemeral ports on 127.0.0.1) and runs `broker/main.ts` with it.
 *
 * @param options folder, name server and the keys that differ per test
 * @returns the running broker
 * @throws as {@linkcode spawnMain}
 */
export async function spawnBroker(options: SpawnBrokerOptions): Promise<SpawnedServer> {
  const file = `${options.dir}/broker.conf`;
  const keys: Record<string, string | number | undefined> = {
    brokerName: options.brokerName,
    listenPort: 0,
    bindAddress: "127.0.0.1",
    brokerIP1: "127.0.0.1",
    httpAdminPort: 0,
    storePathRootDir: `${options.dir}/store`,
    mappedFileSizeCommitLog: options.mappedFileSizeCommitLog,
    ...options.properties,
  };
  const lines = Object.entries(keys).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `${k}=${v}`
  );
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  const namesrv = options.namesrvAddr === undefined ? [] : ["-n", options.namesrvAddr];
  const process = await spawnMain(
    "broker/main.ts",
    ["-c", file, ...namesrv],
    /EdgeMQ broker listening on 127\.0\.0\.1:(\d+)/,
  );
  return { process, address: `127.0.0.1:${process.match[1]}` };
}

async function drainLines(
  stream: ReadableStream<Uint8Array>,
  into: string[],
  onLine?: (line: string) => void,
): Promise<void> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      into.push(line);
      onLine?.(line);
      newline = pending.indexOf("\n");
    }
  }
  if (pending.length > 0) {
    into.push(pending);
    onLine?.(pending);
  }
}

/**
 * Registers a broker's topics with the name server as REGISTER_BROKER does. The connection stays
 * open until the returned close: the name server drops a broker whose registering channel closes.
 * For stand-in brokers (scripted, failing) in a real cluster.
 *
 * @param namesrvAddr the name server
 * @param broker its name and address (cluster DefaultCluster, a master)
 * @param topics what it claims to serve
 * @returns the close
 */
export async function registerRoute(
  namesrvAddr: string,
  broker: { brokerName: string; brokerAddr: string },
  topics: { name: string; queues: number; perm: number }[],
): Promise<() => Promise<void>> {
  const client = new RemotingClient({
    transport: new DenoTcpTransport(),
    logger: silentRemotingLogger,
  });
  {
    const registered = await client.invoke(
      namesrvAddr,
      createRegisterBrokerRequest({
        clusterName: "DefaultCluster",
        ...broker,
        brokerId: 0,
        haServerAddr: broker.brokerAddr,
        topics: topics.map((t) => ({
          topicName: t.name,
          readQueueNums: t.queues,
          writeQueueNums: t.queues,
          perm: t.perm,
          topicFilterType: "SINGLE_TAG",
          topicSysFlag: 0,
          order: false,
        })),
        dataVersion: { counter: 1_000_000, timestamp: Date.now() },
      }),
      3000,
    );
    assert.equal(registered.code, ResponseCode.SUCCESS, registered.remark);
  }
  return () => client.shutdown();
}

/** A peer that accepts and reads but never answers (a stalled name server process). */
export interface SilentPeer {
  /** `127.0.0.1:port` */
  readonly addr: string;
  /** Stops accepting and closes what it accepted. */
  close(): Promise<void>;
}

/**
 * Starts a {@linkcode SilentPeer} on a free loopback port.
 * @returns the peer; close it when done
 */
export function startSilentPeer(): SilentPeer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // What each connection ended with: itself while open, its reader's error once that failed.
  const held: (Deno.Conn | Error)[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      held.push(conn);
      conn.readable.pipeTo(new WritableStream()).catch((error) => held.push(error));
    }
  })();
  return {
    addr: `127.0.0.1:${listener.addr.port}`,
    async close() {
      listener.close();
      for (const conn of held) {
        if (conn instanceof Error) continue;
        try {
          conn.close();
        } catch (error) {
          if (!(error instanceof Deno.errors.BadResource)) throw error; // its reader closed it
        }
      }
      await accepting;
    },
  };
}

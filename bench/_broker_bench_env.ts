/**
 * Broker benchmark support: a name server and a broker as child processes with a fresh temp
 * store (each run starts from an empty folder), their ports learnt from the lines they print, and
 * CPU accounting from `/proc/<pid>/stat` as the peer scripts do it. Internal to `bench/main.ts`.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const START_TIMEOUT_MS = 30_000;
/** `sysconf(_SC_CLK_TCK)` on Linux x86_64 and arm64 */
const CLK_TCK = 100;

/** A child `deno run` process and the lines it printed. */
export interface BenchChild {
  readonly child: Deno.ChildProcess;
  readonly pid: number;
  readonly lines: string[];
  /** SIGTERM, then wait; SIGKILL after 10 s */
  stop(): Promise<number>;
}

/** A running name server + broker pair. */
export interface BenchBroker {
  readonly namesrvAddr: string;
  readonly brokerAddr: string;
  readonly broker: BenchChild;
  readonly namesrv: BenchChild;
  readonly dir: string;
  close(): Promise<void>;
}

/** How to start a bench broker. */
export interface BenchBrokerOptions {
  /** ASYNC_FLUSH or SYNC_FLUSH */
  flushDiskType: "ASYNC_FLUSH" | "SYNC_FLUSH";
  /** more broker properties */
  properties?: Record<string, string>;
  /** extra `deno run` flags for the broker (e.g. `--v8-flags=--prof`) */
  denoFlags?: string[];
  /** parent of the temp store; default the system temp folder */
  tempRoot?: string;
}

async function drain(
  stream: ReadableStream<Uint8Array>,
  lines: string[],
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (lines.length < 2000) lines.push(line);
      onLine(line);
      newline = pending.indexOf("\n");
    }
  }
}

/**
 * Runs `deno run -A <flags> <script> ...args` and waits for a stdout line matching `pattern`.
 *
 * @returns the child and the match
 * @throws when the child exits or START_TIMEOUT_MS passes first
 */
export async function spawnBenchChild(
  script: string,
  args: string[],
  pattern: RegExp,
  denoFlags: string[] = [],
): Promise<{ process: BenchChild; match: RegExpMatchArray }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...denoFlags, new URL(script, ROOT).pathname, ...args],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let resolveMatch!: (m: RegExpMatchArray) => void;
  const matched = new Promise<RegExpMatchArray>((resolve) => resolveMatch = resolve);
  const onLine = (line: string) => {
    const m = line.match(pattern);
    if (m !== null) resolveMatch(m);
  };
  const done = Promise.all([
    drain(child.stdout, lines, onLine),
    drain(child.stderr, lines, onLine),
  ]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = Promise.race([
    child.status.then((s) => `exited with code ${s.code}`),
    new Promise<string>((resolve) =>
      timer = setTimeout(
        () => resolve(`printed no ${pattern} in ${START_TIMEOUT_MS} ms`),
        START_TIMEOUT_MS,
      )
    ),
  ]);
  const outcome = await Promise.race([matched, failed]);
  clearTimeout(timer);
  const stop = async (): Promise<number> => {
    const kill = (signal: Deno.Signal) => {
      try {
        child.kill(signal);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error; // already exited
      }
    };
    kill("SIGTERM");
    const hard = setTimeout(() => kill("SIGKILL"), 10_000);
    const status = await child.status;
    clearTimeout(hard);
    await done;
    return status.code;
  };
  if (typeof outcome === "string") {
    await stop();
    throw new Error(`Cannot start ${script}: ${outcome}\n${lines.join("\n")}`);
  }
  return { process: { child, pid: child.pid, lines, stop }, match: outcome };
}

/**
 * Starts `namesrv/main.ts` and `broker/main.ts` on 127.0.0.1 with ephemeral ports and a fresh
 * temp store.
 *
 * @param options flush type, extra properties and flags
 * @returns the running pair
 */
export async function startBenchBroker(options: BenchBrokerOptions): Promise<BenchBroker> {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_bench_", dir: options.tempRoot });
  await Deno.writeTextFile(
    `${dir}/namesrv.conf`,
    `listenPort=0\nbindAddress=127.0.0.1\nhttpAdminPort=0\nkvConfigPath=${dir}/namesrv/kvConfig.json\n`,
  );
  const ns = await spawnBenchChild(
    "namesrv/main.ts",
    ["-c", `${dir}/namesrv.conf`],
    /Name server listening on [\d.]+:(\d+)/,
  );
  const namesrvAddr = `127.0.0.1:${ns.match[1]}`;
  const properties: Record<string, string> = {
    brokerName: "broker-bench",
    listenPort: "0",
    bindAddress: "127.0.0.1",
    brokerIP1: "127.0.0.1",
    httpAdminPort: "0",
    storePathRootDir: `${dir}/store`,
    flushDiskType: options.flushDiskType,
    ...options.properties,
  };
  await Deno.writeTextFile(
    `${dir}/broker.conf`,
    Object.entries(properties).map(([k, v]) => `${k}=${v}\n`).join(""),
  );
  let broker: { process: BenchChild; match: RegExpMatchArray };
  try {
    broker = await spawnBenchChild(
      "broker/main.ts",
      ["-c", `${dir}/broker.conf`, "-n", namesrvAddr],
      /EdgeMQ broker listening on 127\.0\.0\.1:(\d+)/,
      options.denoFlags,
    );
  } catch (error) {
    await ns.process.stop();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  return {
    namesrvAddr,
    brokerAddr: `127.0.0.1:${broker.match[1]}`,
    broker: broker.process,
    namesrv: ns.process,
    dir,
    async close() {
      await broker.process.stop();
      await ns.process.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * CPU seconds (user + system) a process has used, from `/proc/<pid>/stat`.
 *
 * @param pid the process; `self` for this one
 * @returns seconds, or null where /proc is missing
 */
export function procCpuSeconds(pid: number | "self"): number | null {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Measures CPU % (100 = one core) of the broker and of this process over a section. */
export function cpuMeter(brokerPid: number): { stop(wallSeconds: number): CpuUse } {
  const b0 = procCpuSeconds(brokerPid);
  const s0 = procCpuSeconds("self");
  return {
    stop(wallSeconds: number): CpuUse {
      const b1 = procCpuSeconds(brokerPid);
      const s1 = procCpuSeconds("self");
      const pct = (a: number | null, b: number | null) =>
        a === null || b === null ? null : Math.round(((b - a) / wallSeconds) * 100);
      return { brokerCpuPct: pct(b0, b1), benchCpuPct: pct(s0, s1) };
    },
  };
}

/** CPU % of the broker and the bench over a section. */
export interface CpuUse {
  brokerCpuPct: number | null;
  benchCpuPct: number | null;
}

/**
 * `deno task bench`: EdgeMQ's producer / consumer benchmark, in the manner of RocketMQ's own
 * (concurrency, message size, duration; TPS and average / p50 / p99 / max latency, a progress line
 * each second). For each flush type a fresh name server and broker run as child processes with a
 * temp store; the benchmark drives them through the project's client library (Producer,
 * PullConsumer). `--peers` then runs `../shared/bench/peers/run-all.sh` with the same sizes,
 * window, count, time cap and latency schedule, and prints EdgeMQ's figures as ratios of theirs.
 *
 *   deno task bench [--size 1024[,128]] [--window 512] [--count 1000000] [--max-seconds 20]
 *     [--rate 1000] [--latency-count 10000] [--batch 1024] [--flush ASYNC_FLUSH,SYNC_FLUSH]
 *     [--scenarios produce,consume,latency] [--peers] [--peer-reps 1] [--peer-systems "..."]
 *     [--serialize JSON|ROCKETMQ] [--broker-property key=value]... [--cpu-prof DIR] [--json FILE]
 *
 * @module
 */

import { ratioRows, runPeers } from "./_broker_bench_peers.ts";
import { groupDigits } from "./_broker_bench_load.ts";
import { type BenchBroker, startBenchBroker } from "./_broker_bench_env.ts";
import type { Producer } from "../client/mod.ts";
import {
  createBenchTopic,
  runConsume,
  runLatency,
  runProduce,
  type ScenarioResult,
  startBenchProducer,
} from "./_broker_bench_scenarios.ts";

interface Options {
  sizes: number[];
  window: number;
  count: number;
  maxSeconds: number;
  rate: number;
  latencyCount: number;
  batch: number;
  flushTypes: ("ASYNC_FLUSH" | "SYNC_FLUSH")[];
  scenarios: Set<string>;
  peers: boolean;
  peerReps: number;
  peerSystems: string | undefined;
  brokerProperties: Record<string, string>;
  /** request header serialization of the bench's clients (RocketMQ's default: JSON) */
  serialize: "JSON" | "ROCKETMQ";
  cpuProf: string | undefined;
  json: string | undefined;
}

const USAGE = `usage: deno task bench [--size 1024,128] [--window 512] [--count 1000000]
  [--max-seconds 20] [--rate 1000] [--latency-count 10000] [--batch 1024]
  [--flush ASYNC_FLUSH,SYNC_FLUSH] [--scenarios produce,consume,latency]
  [--peers] [--peer-reps 1] [--peer-systems "nats redis-everysec redis-always"]
  [--serialize JSON|ROCKETMQ] [--broker-property key=value]... [--cpu-prof DIR] [--json FILE]`;

function defaultOptions(): Options {
  return {
    sizes: [1024],
    window: 512,
    count: 1_000_000,
    maxSeconds: 20,
    rate: 1000,
    latencyCount: 10_000,
    batch: 1024,
    flushTypes: ["ASYNC_FLUSH", "SYNC_FLUSH"],
    scenarios: new Set(["produce", "consume", "latency"]),
    peers: false,
    peerReps: 1,
    peerSystems: undefined,
    brokerProperties: {},
    serialize: "JSON",
    cpuProf: undefined,
    json: undefined,
  };
}

function parseOptions(argv: string[]): Options {
  const o = defaultOptions();
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) {
      throw new Error(`Cannot parse ${flag}: ${v} is not a positive integer\n${USAGE}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case "--size":
        o.sizes = (value() ?? "").split(",").map((s) => int(flag, s));
        break;
      case "--window":
        o.window = int(flag, value());
        break;
      case "--count":
        o.count = int(flag, value());
        break;
      case "--max-seconds":
        o.maxSeconds = int(flag, value());
        break;
      case "--rate":
        o.rate = int(flag, value());
        break;
      case "--latency-count":
        o.latencyCount = int(flag, value());
        break;
      case "--batch":
        o.batch = int(flag, value());
        break;
      case "--flush":
        o.flushTypes = (value() ?? "").split(",").map((f) => {
          if (f !== "ASYNC_FLUSH" && f !== "SYNC_FLUSH") {
            throw new Error(`Cannot parse --flush: ${f}\n${USAGE}`);
          }
          return f;
        });
        break;
      case "--scenarios":
        o.scenarios = new Set((value() ?? "").split(","));
        break;
      case "--peers":
        o.peers = true;
        break;
      case "--peer-reps":
        o.peerReps = int(flag, value());
        break;
      case "--peer-systems":
        o.peerSystems = value();
        break;
      case "--serialize": {
        const type = value();
        if (type !== "JSON" && type !== "ROCKETMQ") {
          throw new Error(`Cannot parse --serialize: ${type} is not JSON or ROCKETMQ\n${USAGE}`);
        }
        o.serialize = type;
        break;
      }
      case "--broker-property": {
        const pair = value() ?? "";
        const eq = pair.indexOf("=");
        if (eq <= 0) {
          throw new Error(`Cannot parse --broker-property: ${pair} is not key=value\n${USAGE}`);
        }
        o.brokerProperties[pair.slice(0, eq)] = pair.slice(eq + 1);
        break;
      }
      case "--cpu-prof":
        o.cpuProf = value();
        break;
      case "--json":
        o.json = value();
        break;
      default:
        throw new Error(`Cannot parse option ${flag}\n${USAGE}`);
    }
  }
  return o;
}

/** Produce then consume one message size on a running broker. */
async function benchThroughput(
  o: Options,
  c: {
    env: BenchBroker;
    producer: Producer;
    flushDiskType: "ASYNC_FLUSH" | "SYNC_FLUSH";
    size: number;
    report: (r: ScenarioResult) => void;
  },
): Promise<void> {
  const { env, producer, flushDiskType, size, report } = c;
  const topic = `BenchTopic_${size}`;
  await createBenchTopic(env, producer, topic);
  let produced = 0;
  if (o.scenarios.has("produce") || o.scenarios.has("consume")) {
    const r = await runProduce({
      env,
      producer,
      topic,
      flushDiskType,
      size,
      window: o.window,
      count: o.count,
      maxSeconds: o.maxSeconds,
    });
    produced = r.messages;
    if (o.scenarios.has("produce")) report(r);
  }
  if (o.scenarios.has("consume")) {
    report(
      await runConsume({
        env,
        topic,
        flushDiskType,
        size,
        count: produced,
        batch: o.batch,
        maxSeconds: o.maxSeconds,
        serializeType: o.serialize,
      }),
    );
  }
}

/** Runs every scenario against one fresh broker of a flush type. */
async function benchFlushType(
  o: Options,
  flushDiskType: "ASYNC_FLUSH" | "SYNC_FLUSH",
): Promise<ScenarioResult[]> {
  const env = await startBenchBroker({
    flushDiskType,
    properties: {
      maxTransferCountOnMessageInMemory: String(o.batch),
      maxTransferBytesOnMessageInMemory: String(4 * 1024 * 1024),
      maxTransferCountOnMessageInDisk: String(o.batch),
      maxTransferBytesOnMessageInDisk: String(4 * 1024 * 1024),
      ...o.brokerProperties,
    },
    denoFlags: o.cpuProf === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${o.cpuProf}`],
  });
  console.error(`== ${flushDiskType}: broker pid ${env.broker.pid} at ${env.brokerAddr}`);
  const results: ScenarioResult[] = [];
  const report = (r: ScenarioResult) => {
    results.push(r);
    console.error(`  ${JSON.stringify(r)}`);
  };
  const producer = await startBenchProducer(env, o.window, o.serialize);
  try {
    for (const size of o.sizes) {
      await benchThroughput(o, { env, producer, flushDiskType, size, report });
    }
    if (o.scenarios.has("latency")) {
      for (const size of o.sizes) {
        const topic = `BenchLatency_${size}`;
        await createBenchTopic(env, producer, topic);
        report(
          await runLatency({
            env,
            producer,
            topic,
            flushDiskType,
            size,
            rate: o.rate,
            count: o.latencyCount,
          }),
        );
      }
    }
  } finally {
    await producer.shutdown();
    await env.close();
  }
  return results;
}

const fmt = (n: number | undefined): string =>
  n === undefined || n === null ? "–" : groupDigits(Math.round(n));

function printResults(o: Options, results: ScenarioResult[]): void {
  console.log(
    `\nEdgeMQ broker benchmark (window ${o.window}, count ${o.count}, max ${o.maxSeconds} s, ` +
      `latency ${o.latencyCount} at ${o.rate}/s, pull batch ${o.batch}, ${o.serialize} headers); ` +
      `latencies in µs\n`,
  );
  console.log(
    "| scenario | flush | size B | msgs | msg/s | MB/s | avg | p50 | p99 | max | sched p99 | broker CPU % | bench CPU % | errors |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const l = r.latency;
    console.log(
      `| ${r.scenario} | ${r.flushDiskType} | ${r.size} | ${fmt(r.messages)} | ${
        fmt(r.msgsPerSec)
      } | ${((r.msgsPerSec * r.size) / 1e6).toFixed(1)} | ${fmt(l?.avgUs)} | ${fmt(l?.p50Us)} | ${
        fmt(l?.p99Us)
      } | ${fmt(l?.maxUs)} | ${fmt(r.scheduledP99Us)} | ${r.brokerCpuPct ?? "–"} | ${
        r.benchCpuPct ?? "–"
      } | ${r.errors}${r.firstError ? ` (${r.firstError.slice(0, 80)})` : ""} |`,
    );
  }
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (o.cpuProf !== undefined) await Deno.mkdir(o.cpuProf, { recursive: true });
  const results: ScenarioResult[] = [];
  for (const flush of o.flushTypes) results.push(...await benchFlushType(o, flush));
  printResults(o, results);
  if (o.json !== undefined) {
    await Deno.writeTextFile(o.json, results.map((r) => JSON.stringify(r)).join("\n") + "\n");
  }
  if (!o.peers) return 0;
  const peers = await runPeers({
    script: new URL("../../shared/bench/peers/run-all.sh", import.meta.url).pathname,
    sizes: o.sizes,
    window: o.window,
    count: o.count,
    maxSeconds: o.maxSeconds,
    rate: o.rate,
    reps: o.peerReps,
    systems: o.peerSystems,
  });
  printResults(o, results);
  console.log("\n| EdgeMQ vs peer | EdgeMQ | peer | ratio | target |");
  console.log("|---|---|---|---|---|");
  for (const size of o.sizes) {
    for (const row of ratioRows(results, peers, size)) {
      console.log(
        `| ${row.what} | ${fmt(row.edgemq)} | ${fmt(row.peer)} | ${
          row.ratio === undefined ? "–" : row.ratio.toFixed(2)
        } | ${row.target} |`,
      );
    }
  }
  return 0;
}

Deno.exit(await main());

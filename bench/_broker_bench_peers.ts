/**
 * Runs the peer benchmarks (`../shared/bench/peers/run-all.sh`: NATS JetStream, Redis Streams
 * everysec / always) with EdgeMQ's settings, reads their JSONL results and prints EdgeMQ's
 * figures as ratios of theirs. Internal to `bench/main.ts`.
 *
 * @module
 */

import type { ScenarioResult } from "./_broker_bench_scenarios.ts";

/** One line of the peers' JSONL output (the fields used here). */
export interface PeerResult {
  system: string;
  label?: string;
  mode: string;
  ack?: string;
  size?: number;
  msgs_per_s?: number;
  p50_us?: number;
  p99_us?: number;
  server_cpu_pct?: number;
}

/** Settings passed to the peer scripts. */
export interface PeerSettings {
  script: string;
  sizes: number[];
  window: number;
  count: number;
  maxSeconds: number;
  rate: number;
  reps: number;
  systems?: string;
}

/**
 * Runs `run-all.sh` (its output goes to this process's stderr) and returns its results.
 *
 * @throws when the script fails or writes no results
 */
export async function runPeers(s: PeerSettings): Promise<PeerResult[]> {
  const out = await Deno.makeTempFile({ prefix: "edgemq_peers_", suffix: ".jsonl" });
  const env: Record<string, string> = {
    SIZES: s.sizes.join(" "),
    WINDOW: String(s.window),
    COUNT: String(s.count),
    MAXS: String(s.maxSeconds),
    RATE: String(s.rate),
    REPS: String(s.reps),
    CROSSCHECK: "0",
    OUT: out,
  };
  if (s.systems !== undefined) env.SYSTEMS = s.systems;
  console.error(`== peers: bash ${s.script} (${JSON.stringify(env)})`);
  const status = await new Deno.Command("bash", {
    args: [s.script],
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  const text = await Deno.readTextFile(out);
  await Deno.remove(out);
  if (!status.success) throw new Error(`Cannot run peers: ${s.script} exited ${status.code}`);
  const rows = text.trim().split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l) as PeerResult
  );
  if (rows.length === 0) throw new Error(`Cannot read peers results: ${s.script} wrote none`);
  return rows;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median of a peer figure for one label, mode and size. */
export function peerFigure(
  rows: PeerResult[],
  query: { label: string; mode: string; size: number; ack?: string },
  field: "msgs_per_s" | "p99_us" | "p50_us",
): number | undefined {
  const hits = rows.filter((r) =>
    (r.label ?? r.system) === query.label && r.mode === query.mode &&
    Math.abs((r.size ?? -1) - query.size) <= 1 && // consume rows carry the average size
    (query.ack === undefined || r.ack === query.ack) &&
    (query.mode !== "consume" || query.ack !== undefined || r.ack !== "all")
  );
  return median(hits.map((r) => r[field]).filter((x): x is number => typeof x === "number"));
}

/** A ratio row: EdgeMQ figure, peer figure, ratio and the target. */
export interface RatioRow {
  what: string;
  edgemq: number | undefined;
  peer: number | undefined;
  ratio: number | undefined;
  target: string;
}

function find(
  results: ScenarioResult[],
  scenario: string,
  flush: string,
  size: number,
): ScenarioResult | undefined {
  return results.find((r) =>
    r.scenario === scenario && r.flushDiskType === flush &&
    (scenario === "consume" ? true : r.size === size) && r.errors === 0
  );
}

/** Builds the ratio table for one message size. */
export function ratioRows(
  results: ScenarioResult[],
  peers: PeerResult[],
  size: number,
): RatioRow[] {
  const row = (
    what: string,
    edgemq: number | undefined,
    peer: number | undefined,
    target: string,
  ): RatioRow => ({
    what,
    edgemq,
    peer,
    ratio: edgemq === undefined || peer === undefined || peer === 0 ? undefined : edgemq / peer,
    target,
  });
  const produce = (flush: string) => find(results, "produce", flush, size)?.msgsPerSec;
  const consume = results.find((r) =>
    r.scenario === "consume" && r.flushDiskType === "ASYNC_FLUSH" && r.errors === 0 &&
    Math.abs(r.size - size) <= 1
  )?.msgsPerSec;
  const lat = (flush: string) => find(results, "latency", flush, size)?.latency?.p99Us;
  const nats = { label: "nats", size };
  return [
    row(
      `produce ASYNC_FLUSH / NATS JetStream, ${size} B`,
      produce("ASYNC_FLUSH"),
      peerFigure(peers, { ...nats, mode: "produce" }, "msgs_per_s"),
      size === 1024 ? "≥ 0.6 (aim > 1)" : "",
    ),
    row(
      `produce ASYNC_FLUSH / redis-everysec, ${size} B`,
      produce("ASYNC_FLUSH"),
      peerFigure(peers, { label: "redis-everysec", mode: "produce", size }, "msgs_per_s"),
      "",
    ),
    row(
      `produce SYNC_FLUSH / redis-always, ${size} B`,
      produce("SYNC_FLUSH"),
      peerFigure(peers, { label: "redis-always", mode: "produce", size }, "msgs_per_s"),
      size === 1024 ? "≥ 1 (aim 2)" : "",
    ),
    row(
      `consume / NATS ack-256, ${size} B`,
      consume,
      peerFigure(peers, { ...nats, mode: "consume", ack: "all" }, "msgs_per_s"),
      size === 1024 ? "≥ 150,000 msg/s absolute; aim > 1" : "",
    ),
    row(
      `latency p99 µs ASYNC_FLUSH / NATS, ${size} B (lower is better)`,
      lat("ASYNC_FLUSH"),
      peerFigure(peers, { ...nats, mode: "latency" }, "p99_us"),
      size === 1024 ? "EdgeMQ p99 ≤ 1000 µs" : "",
    ),
    row(
      `latency p99 µs SYNC_FLUSH / redis-always, ${size} B (lower is better)`,
      lat("SYNC_FLUSH"),
      peerFigure(peers, { label: "redis-always", mode: "latency", size }, "p99_us"),
      size === 1024 ? "EdgeMQ p99 ≤ 2000 µs" : "",
    ),
  ];
}

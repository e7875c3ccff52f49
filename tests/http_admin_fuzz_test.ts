/**
 * Property-based fuzz of the HTTP admins of a real in-process name server and broker (Hono on
 * `Deno.serve`, ephemeral ports, real `fetch` and raw TCP): random and adversarial paths, query
 * strings, headers, bodies and methods on every route. Each case must be answered within a bound,
 * never with a 5xx other than 503, and a 4xx must be a JSON `{"error": …}`. State (topics, groups,
 * broker config, name server KV and config) may only change on a 2xx to a mutating method. Both
 * servers must answer `GET /health` after every case, and at the end still take a produce over
 * HTTP, read it back and serve its route from the name server.
 *
 * Seeded and bounded: `FUZZ_RUNS` cases per server (default 300), `FUZZ_SEED` (default 20240611).
 * Findings are collected (deduplicated by route, status and message, smallest request kept) and
 * reported together.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { loadBrokerConfig } from "../broker/broker_config.ts";
import { BrokerController } from "../broker/broker_controller.ts";
import { serveDenoHttp } from "../namesrv/adapters/deno_http.ts";
import { loadNamesrvConfig } from "../namesrv/namesrv_config.ts";
import { NamesrvController } from "../namesrv/namesrv_controller.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import {
  BROKER_FIELDS,
  BROKER_ROUTES,
  LIVE_TOPIC,
  NAMESRV_FIELDS,
  NAMESRV_ROUTES,
  RAW_CASES,
  type Req,
  requestArb,
  sendRaw,
} from "./_http_admin_fuzz_arbitraries.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? "300");
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? "20240611");
const ANSWER_BOUND_MS = 4000;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// ------------------------------------------------------------------------------------------------
// servers
// ------------------------------------------------------------------------------------------------

interface Servers {
  namesrv: NamesrvController;
  broker: BrokerController;
  nsBase: string;
  brokerBase: string;
  close(): Promise<void>;
}

async function startServers(): Promise<Servers> {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_httpfuzz_" });
  const transport = new DenoTcpTransport();
  const serveHttp = (o: Parameters<typeof serveDenoHttp>[0]) => serveDenoHttp({ ...o, port: 0 });
  const env = { home: dir };
  const ns = loadNamesrvConfig(
    { listenPort: "0", bindAddress: "127.0.0.1", httpAdminPort: "1" },
    env,
  );
  const namesrv = new NamesrvController({
    config: ns.config,
    env,
    fs: new MemoryFileSystem(),
    transport,
    serveHttp,
    logger: silentRemotingLogger,
    periodicScan: false,
  });
  await namesrv.start();
  const properties = {
    brokerName: "broker-fuzz",
    listenPort: "0",
    bindAddress: "127.0.0.1",
    brokerIP1: "127.0.0.1",
    httpAdminPort: "1",
    storePathRootDir: dir,
    mappedFileSizeCommitLog: String(16 * 1024 * 1024),
    namesrvAddr: `127.0.0.1:${namesrv.port}`,
  };
  const { config } = loadBrokerConfig({ properties, env: { HOME: dir, hostname: "fuzz-host" } });
  const broker = new BrokerController({
    config,
    transport,
    fs: new DenoFileSystem(),
    serveHttp,
    logger: silentRemotingLogger,
  });
  await broker.start();
  return {
    namesrv,
    broker,
    nsBase: `http://127.0.0.1:${namesrv.httpPort}`,
    brokerBase: `http://127.0.0.1:${broker.httpPort}`,
    async close() {
      await broker.shutdown();
      await namesrv.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const mapsAsEntries = (_k: string, v: unknown) => (v instanceof Map ? [...v] : v);

function brokerState(s: Servers): string {
  const ctx = s.broker.adminContext!;
  return JSON.stringify({
    topics: [...ctx.topicConfigManager.topicConfigTable].sort(),
    groups: [...ctx.subscriptionGroupManager.subscriptionGroupTable].sort(),
    config: ctx.configuration.toProperties(),
  }, mapsAsEntries);
}

function namesrvState(s: Servers): string {
  return JSON.stringify({
    kv: s.namesrv.context.kvConfigManager.toJson(),
    config: s.namesrv.configuration.config,
  }, mapsAsEntries);
}

// ------------------------------------------------------------------------------------------------
// checks
// ------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  text: string;
}

async function sendFetch(base: string, req: Req): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (req.contentType !== undefined) headers["content-type"] = req.contentType;
  const response = await fetch(base + req.path, {
    method: req.method,
    headers,
    body: req.body,
    signal: AbortSignal.timeout(ANSWER_BOUND_MS),
  });
  return { status: response.status, text: await response.text() };
}

class Findings {
  readonly #found = new Map<string, { problem: string; request: string }>();
  add(problem: string, request: string): void {
    const known = this.#found.get(problem);
    if (known === undefined || request.length < known.request.length) {
      this.#found.set(problem, { problem, request });
    }
  }
  get list() {
    return [...this.#found.values()];
  }
}

function describe(req: Req): string {
  const body = req.body === undefined
    ? ""
    : ` body=${JSON.stringify(req.body.length > 120 ? req.body.slice(0, 120) + "…" : req.body)}` +
      ` (${req.body.length} chars)`;
  const path = req.path.length > 200 ? req.path.slice(0, 200) + "…" : req.path;
  return `${req.method} ${path}${
    req.contentType === undefined ? "" : ` ct=${req.contentType}`
  }${body}`;
}

/** The route shape of a path, to group findings: `/topics/*\/messages`. */
function shape(path: string): string {
  return path.split("?")[0].split("/").map((s, i) =>
    i === 0 || ["topics", "kv", "groups", "messages", "route", "stats", "progress"].includes(s)
      ? s
      : "*"
  ).join("/");
}

function checkAnswer(req: Req, answer: Answer, findings: Findings): void {
  const where = `${req.method} ${shape(req.path)}`;
  if (answer.status >= 500 && answer.status !== 503) {
    findings.add(`${where} -> ${answer.status} ${answer.text.slice(0, 100)}`, describe(req));
  }
  if (answer.status >= 400 && answer.status < 500 && req.method !== "HEAD") {
    let error: unknown;
    try {
      error = JSON.parse(answer.text).error;
    } catch (_notJson) {
      error = undefined;
    }
    if (typeof error !== "string" || error.length === 0) {
      findings.add(
        `${where} -> ${answer.status} without JSON error: ${answer.text.slice(0, 80)}`,
        describe(req),
      );
    }
  }
}

async function health(base: string): Promise<number> {
  const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
  await response.body?.cancel();
  return response.status;
}

async function fuzzServer(
  s: Servers,
  base: string,
  arb: fc.Arbitrary<Req>,
  state: () => string,
  findings: Findings,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      const before = state();
      let answer: Answer;
      try {
        answer = await sendFetch(base, req);
      } catch (error) {
        findings.add(
          `${req.method} ${shape(req.path)} -> no answer: ${
            (error as Error).message.slice(0, 120)
          }`,
          describe(req),
        );
        return;
      }
      checkAnswer(req, answer, findings);
      const after = state();
      const mayChange = MUTATING.has(req.method) && answer.status >= 200 && answer.status < 300;
      if (before !== after && !mayChange) {
        findings.add(
          `${req.method} ${shape(req.path)} -> ${answer.status} changed state`,
          describe(req),
        );
      }
      for (const b of [s.brokerBase, s.nsBase]) {
        const status = await health(b);
        if (status !== 200) findings.add(`GET /health -> ${status} after a case`, describe(req));
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
}

// ------------------------------------------------------------------------------------------------
// the test
// ------------------------------------------------------------------------------------------------

async function finalChecks(s: Servers): Promise<void> {
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ANSWER_BOUND_MS),
    });
  const topic = "FuzzFinalTopic";
  const created = await post(`${s.brokerBase}/topics`, {
    topic,
    readQueueNums: 2,
    writeQueueNums: 2,
  });
  assert.equal(created.status, 201, await created.text());
  const sent = await post(`${s.brokerBase}/topics/${topic}/messages`, {
    body: "after fuzz",
    keys: "k1",
  });
  const sentText = await sent.text();
  assert.equal(sent.status, 201, sentText);
  const { msgId } = JSON.parse(sentText);
  const read = await fetch(`${s.brokerBase}/messages/${msgId}`, {
    signal: AbortSignal.timeout(ANSWER_BOUND_MS),
  });
  const readText = await read.text();
  assert.equal(read.status, 200, readText);
  assert.equal(JSON.parse(readText).body, "after fuzz");
  await s.broker.registration!.registerNow();
  const route = await fetch(`${s.nsBase}/topics/${topic}/route`, {
    signal: AbortSignal.timeout(ANSWER_BOUND_MS),
  });
  const routeText = await route.text();
  assert.equal(route.status, 200, routeText);
  assert.equal(JSON.parse(routeText).brokerDatas[0].brokerName, "broker-fuzz");
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype polluted");
}

function assertNoFindings(findings: Findings): void {
  const list = findings.list;
  const text = list.map((f) => `${f.problem}\n    ${f.request}`).join("\n");
  assert.deepEqual(list, [], `${list.length} findings:\n${text}`);
}

Deno.test({
  name: "HTTP admin fuzz: both servers answer every request well and keep their state",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startServers();
    const findings = new Findings();
    try {
      const sent = await fetch(`${s.brokerBase}/topics/${LIVE_TOPIC}/messages`, {
        method: "POST",
        body: JSON.stringify({ body: "sentinel" }),
        signal: AbortSignal.timeout(ANSWER_BOUND_MS),
      });
      assert.equal(sent.status, 201, await sent.text());
      await s.broker.registration!.registerNow();
      const brokerReqs = requestArb(BROKER_ROUTES, BROKER_FIELDS);
      await fuzzServer(s, s.brokerBase, brokerReqs, () => brokerState(s), findings);
      const namesrvReqs = requestArb(NAMESRV_ROUTES, NAMESRV_FIELDS);
      await fuzzServer(s, s.nsBase, namesrvReqs, () => namesrvState(s), findings);
      await finalChecks(s);
    } finally {
      await s.close();
    }
    assertNoFindings(findings);
  },
});

Deno.test({
  name: "HTTP admin fuzz: raw requests fetch cannot send (framing, truncated bodies, long lines)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startServers();
    const findings = new Findings();
    try {
      const servers = [[s.broker.httpPort!, s.brokerBase, "broker"], [
        s.namesrv.httpPort!,
        s.nsBase,
        "namesrv",
      ]] as const;
      for (const [port, base, name] of servers) {
        for (const raw of RAW_CASES) {
          const before = name === "broker" ? brokerState(s) : namesrvState(s);
          const { status, head } = await sendRaw(port, raw, ANSWER_BOUND_MS);
          const repro = JSON.stringify(raw.slice(0, 300));
          if (status !== null && status >= 500 && status !== 503) {
            const body = head.split("\r\n\r\n")[1]?.slice(0, 100);
            findings.add(`${name} raw ${status}: ${body}`, repro);
          }
          const after = name === "broker" ? brokerState(s) : namesrvState(s);
          if (before !== after && (status === null || status >= 300)) {
            findings.add(`${name} raw ${status} changed state`, repro);
          }
          const ok = await health(base);
          if (ok !== 200) findings.add(`${name} /health ${ok} after raw`, repro);
        }
      }
      await finalChecks(s);
    } finally {
      await s.close();
    }
    assertNoFindings(findings);
  },
});

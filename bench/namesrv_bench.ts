/**
 * Name server GET_ROUTEINFO_BY_TOPIC requests per second over loopback, beside the transport's raw
 * round-trip rate measured in the same run with the same layout.
 *
 * A child process runs the name server and, on a second port, a bare RemotingServer whose processor
 * answers GET_ROUTEINFO_BY_TOPIC with a fixed body of the same size as a real route (no lookup, no
 * encoding). The parent registers 10,000 topics from 20 brokers (two clusters of ten masters, each
 * topic on two brokers, each broker on its own connection, JSON RegisterBrokerBody as a 4.9.8 broker
 * sends it), then 16 requesters on one connection ask for random topics (seeded) for a fixed time,
 * first against the name server, then against the bare server. Target: name server ≥ 60 % of raw.
 *
 * Run: `npx deno run -A bench/namesrv_bench.ts [durationMs] [requesters]`
 *
 * @module
 */
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest, createResponse } from "../protocol/remoting_command.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import { loadNamesrvConfig } from "../namesrv/namesrv_config.ts";
import { NamesrvController } from "../namesrv/namesrv_controller.ts";
import { createRegisterBrokerRequest } from "../namesrv/register_broker_request.ts";
import { encodeTopicRouteData } from "../namesrv/route_json.ts";
import type { TopicConfig } from "../namesrv/route_types.ts";

const TOPICS = 10_000;
const BROKERS = 20;
const SEED = 20241124;
const WARMUP_MS = 500;
const ROUNDS = 3;

const topicName = (i: number) => `BenchTopic-${String(i).padStart(5, "0")}`;

/** xorshift32, seeded: the same topic sequence every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

async function serve(routeBodyBytes: number): Promise<void> {
  const env = { home: "/nonexistent" };
  const { config } = loadNamesrvConfig({
    listenPort: "0",
    bindAddress: "127.0.0.1",
    httpAdminPort: "0",
  }, env);
  const namesrv = new NamesrvController({
    config,
    env,
    fs: new MemoryFileSystem(),
    transport: new DenoTcpTransport(),
    logger: silentRemotingLogger,
    periodicScan: false,
  });
  await namesrv.start();
  const raw = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  const body = new TextEncoder().encode("x".repeat(routeBodyBytes));
  raw.registerProcessor(
    RequestCode.GET_ROUTEINFO_BY_TOPIC,
    (request) => createResponse(request, 0, undefined, undefined, body),
  );
  await raw.start();
  console.log(`${namesrv.port} ${raw.port}`);
  for await (const _ of Deno.stdin.readable) {
    // the parent never writes; the loop ends when it closes our stdin
  }
  await raw.shutdown({ gracefulTimeoutMs: 100 });
  await namesrv.shutdown();
}

interface Child {
  namesrvPort: number;
  rawPort: number;
  stop(): Promise<void>;
}

async function spawnChild(routeBodyBytes: number): Promise<Child> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--serve", String(routeBodyBytes)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("Cannot start the bench server: it exited before printing its ports");
    text += value;
  }
  const [namesrvPort, rawPort] = text.split("\n")[0].split(" ").map(Number);
  return {
    namesrvPort,
    rawPort,
    async stop() {
      await child.stdin.close();
      await reader.cancel();
      await child.status;
    },
  };
}

function topicsOf(broker: number): TopicConfig[] {
  const out: TopicConfig[] = [];
  for (let i = 0; i < TOPICS; i++) {
    if (i % BROKERS !== broker && (i + 1) % BROKERS !== broker) continue;
    out.push({
      topicName: topicName(i),
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicFilterType: "SINGLE_TAG",
      topicSysFlag: 0,
      order: false,
    });
  }
  return out;
}

/**
 * Registers every broker over its own connection, kept open (a closed broker connection removes the
 * broker at once).
 *
 * @returns the elapsed ms and the broker clients, to shut down at the end
 */
async function registerBrokers(addr: string): Promise<{ ms: number; clients: RemotingClient[] }> {
  const start = performance.now();
  const clients = Array.from(
    { length: BROKERS },
    () => new RemotingClient({ transport: new DenoTcpTransport(), logger: silentRemotingLogger }),
  );
  await Promise.all(clients.map(async (client, b) => {
    const cluster = b < BROKERS / 2 ? "BenchClusterA" : "BenchClusterB";
    const response = await client.invoke(
      addr,
      createRegisterBrokerRequest({
        clusterName: cluster,
        brokerName: `broker-${b}`,
        brokerAddr: `10.0.${b}.1:10911`,
        brokerId: 0,
        haServerAddr: `10.0.${b}.1:10912`,
        topics: topicsOf(b),
        dataVersion: { counter: 1, timestamp: Date.now() },
      }),
      30_000,
    );
    if (response.code !== 0) {
      throw new Error(`REGISTER_BROKER failed: ${response.code} ${response.remark}`);
    }
  }));
  return { ms: performance.now() - start, clients };
}

/** `requesters` loops asking for random topics over one client for `durationMs`; returns requests/s. */
async function measure(
  addr: string,
  requesters: number,
  durationMs: number,
): Promise<{ rate: number; bytes: number }> {
  const client = new RemotingClient({
    transport: new DenoTcpTransport(),
    logger: silentRemotingLogger,
  });
  let phase: "warmup" | "measure" | "stop" = "warmup";
  let count = 0;
  let bytes = 0;
  const loop = async (seed: number) => {
    const next = prng(seed);
    while (phase !== "stop") {
      const request = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        extFields: { topic: topicName(next() % TOPICS) },
        language: "JAVA",
      });
      const response = await client.invoke(addr, request, 10_000);
      if (response.code !== 0) {
        throw new Error(`GET_ROUTEINFO_BY_TOPIC failed: ${response.code} ${response.remark}`);
      }
      if (phase === "measure") {
        count++;
        bytes += response.body?.length ?? 0;
      }
    }
  };
  const loops = Array.from({ length: requesters }, (_, i) => loop(SEED + i));
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  phase = "measure";
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const elapsed = performance.now() - start;
  const measured = count;
  phase = "stop";
  await Promise.all(loops);
  await client.shutdown();
  return { rate: (measured / elapsed) * 1000, bytes: measured === 0 ? 0 : bytes / measured };
}

/** Bytes of a route of one bench topic (two single-master groups, standard JSON). */
function routeBodyBytes(): number {
  const group = (b: number) => ({
    cluster: "BenchClusterA",
    brokerName: `broker-${b}`,
    brokerAddrs: new Map([[0, `10.0.${b}.1:10911`]]),
    enableActingMaster: false,
  });
  const queues = (b: number) => ({
    brokerName: `broker-${b}`,
    readQueueNums: 8,
    writeQueueNums: 8,
    perm: 6,
    topicSysFlag: 0,
  });
  const text = encodeTopicRouteData({
    queueDatas: [queues(10), queues(11)],
    brokerDatas: [group(10), group(11)],
    filterServerTable: new Map(),
  }, "standard");
  return new TextEncoder().encode(text).length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const durationMs = Number(Deno.args[0] ?? 3000);
  const requesters = Number(Deno.args[1] ?? 16);
  const child = await spawnChild(routeBodyBytes());
  const brokers: RemotingClient[] = [];
  try {
    const namesrv = `127.0.0.1:${child.namesrvPort}`;
    const registered = await registerBrokers(namesrv);
    brokers.push(...registered.clients);
    console.log(
      `registered ${TOPICS} topics from ${BROKERS} brokers in ${registered.ms.toFixed(0)} ms`,
    );
    const routeRates: number[] = [];
    const rawRates: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const routes = await measure(namesrv, requesters, durationMs);
      const raw = await measure(`127.0.0.1:${child.rawPort}`, requesters, durationMs);
      routeRates.push(routes.rate);
      rawRates.push(raw.rate);
      console.log(
        `round ${round}: GET_ROUTEINFO_BY_TOPIC ${routes.rate.toFixed(0)} req/s (body ${
          routes.bytes.toFixed(0)
        } B), ` +
          `raw transport ${raw.rate.toFixed(0)} req/s (body ${raw.bytes.toFixed(0)} B)`,
      );
    }
    const ratio = median(routeRates) / median(rawRates);
    console.log(
      `GET_ROUTEINFO_BY_TOPIC ${median(routeRates).toFixed(0)} req/s vs raw ${
        median(rawRates).toFixed(0)
      } req/s: ` +
        `${
          (ratio * 100).toFixed(1)
        } % of raw (target >= 60 %); ${requesters} requesters on one connection, ` +
        `${durationMs} ms per measurement, medians of ${ROUNDS} rounds`,
    );
  } finally {
    for (const broker of brokers) await broker.shutdown();
    await child.stop();
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--serve") await serve(Number(Deno.args[1]));
  else await main();
}

/**
 * Broker benchmark scenarios, driven through the project's client library (`client/mod.ts`):
 * produce (Producer.send with a window of sends in flight), consume (PULL_MESSAGE through
 * MQClientAPI on every queue, records decoded by the client, the offset committed with each pull
 * as RocketMQ's push consumer does) and latency (one send at a time on a fixed schedule).
 * Internal to `bench/main.ts`.
 *
 * @module
 */

import {
  AdminClient,
  decodeMessages,
  Message,
  MQClientAPI,
  MQClientManager,
  Producer,
  resolveClientConfig,
} from "../client/mod.ts";
import { PullSysFlag } from "../protocol/headers/pull_message_header.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { type BenchBroker, cpuMeter, type CpuUse } from "./_broker_bench_env.ts";
import {
  fixedRate,
  type LatencySummary,
  latencySummary,
  progressLine,
  windowed,
} from "./_broker_bench_load.ts";

/** Queues of the bench topic (RocketMQ's `mqadmin updateTopic` default). */
export const BENCH_QUEUES = 8;
const ROUTE_WAIT_MS = 10_000;
const PULL_SUSPEND_MS = 1_000;

/** One scenario's figures. */
export interface ScenarioResult extends CpuUse {
  scenario: "produce" | "consume" | "latency";
  flushDiskType: string;
  size: number;
  messages: number;
  seconds: number;
  msgsPerSec: number;
  errors: number;
  firstError?: string;
  latency?: LatencySummary;
  scheduledP99Us?: number;
}

/** A payload of `size` bytes, the same bytes the peer scripts send. */
export function payload(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = 97 + (i * 7 + 3) % 26;
  return b;
}

let groupCounter = 0;

/** Starts a producer with its own client instance and at most `window` sends in flight. */
export async function startBenchProducer(env: BenchBroker, window: number): Promise<Producer> {
  groupCounter++;
  const producer = new Producer({
    producerGroup: `PG_BENCH_${groupCounter}`,
    namesrvAddr: env.namesrvAddr,
    clientIP: "127.0.0.1",
    instanceName: `bench-${Deno.pid}-${groupCounter}`,
    maxInFlight: Math.max(window, 1),
    logger: silentRemotingLogger,
    clientManager: new MQClientManager(),
  });
  await producer.start();
  return producer;
}

/** Creates `topic` with BENCH_QUEUES queues and waits until the producer routes to all of them. */
export async function createBenchTopic(
  env: BenchBroker,
  producer: Producer,
  topic: string,
): Promise<void> {
  const admin = new AdminClient({
    namesrvAddr: env.namesrvAddr,
    clientIP: "127.0.0.1",
    logger: silentRemotingLogger,
  });
  try {
    await admin.createTopic(env.brokerAddr, {
      topicName: topic,
      readQueueNums: BENCH_QUEUES,
      writeQueueNums: BENCH_QUEUES,
    });
    // The broker re-registers with the name server shortly after; wait for the route there
    // before the producer looks (it caches what it finds).
    const deadline = Date.now() + ROUTE_WAIT_MS;
    for (;;) {
      const route = await admin.topicRoute(topic).catch((error) => {
        if (Date.now() > deadline) throw error;
        return undefined;
      });
      if (route?.queueDatas.some((q) => q.writeQueueNums === BENCH_QUEUES)) break;
      if (Date.now() > deadline) {
        throw new Error(`No route with ${BENCH_QUEUES} queues for ${topic}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // bench only: another process
    }
  } finally {
    await admin.shutdown();
  }
  const queues = await producer.fetchPublishMessageQueues(topic);
  if (queues.length !== BENCH_QUEUES) {
    throw new Error(`Producer routes ${topic} to ${queues.length} queues, not ${BENCH_QUEUES}`);
  }
  // The producer caches routes: one send refreshes it to the created topic.
  await producer.send(new Message({ topic, body: payload(16) }));
}

/** Options of the produce scenario. */
export interface ProduceOptions {
  env: BenchBroker;
  producer: Producer;
  topic: string;
  flushDiskType: string;
  size: number;
  window: number;
  count: number;
  maxSeconds: number;
}

/** Sends up to `count` messages with `window` in flight; returns TPS and per-send latency. */
export async function runProduce(o: ProduceOptions): Promise<ScenarioResult> {
  const body = payload(o.size);
  let acked = 0;
  const progress = progressLine(`produce ${o.flushDiskType} ${o.size} B`, () => acked);
  const cpu = cpuMeter(o.env.broker.pid);
  const r = await windowed({
    window: o.window,
    count: o.count,
    maxSeconds: o.maxSeconds,
    send: () => o.producer.send(new Message({ topic: o.topic, body })).then(() => acked++),
  });
  const use = cpu.stop(r.seconds);
  progress.stop();
  return {
    scenario: "produce",
    flushDiskType: o.flushDiskType,
    size: o.size,
    messages: r.acked,
    seconds: r.seconds,
    msgsPerSec: Math.round(r.acked / r.seconds),
    errors: r.errors,
    firstError: r.firstError,
    latency: r.latency,
    ...use,
  };
}

/** Options of the consume scenario. */
export interface ConsumeOptions {
  env: BenchBroker;
  topic: string;
  flushDiskType: string;
  size: number;
  /** messages to read (what produce stored) */
  count: number;
  /** most messages per pull */
  batch: number;
  maxSeconds: number;
}

/**
 * Reads the topic from offset 0 on every queue with one pull in flight per queue; each pull
 * commits the previous offset (RocketMQ's COMMIT_OFFSET flag), so commits are batched.
 */
export async function runConsume(o: ConsumeOptions): Promise<ScenarioResult> {
  const config = resolveClientConfig(
    { namesrvAddr: o.env.namesrvAddr, clientIP: "127.0.0.1", instanceName: `bench-c-${Deno.pid}` },
    { logger: silentRemotingLogger },
  );
  const api = new MQClientAPI(config);
  const group = `CG_BENCH_${++groupCounter}`;
  let consumed = 0;
  let bytes = 0;
  let errors = 0;
  let firstError: string | undefined;
  const progress = progressLine(`consume ${o.flushDiskType} ${o.size} B`, () => consumed);
  const cpu = cpuMeter(o.env.broker.pid);
  const t0 = performance.now();
  const deadline = t0 + o.maxSeconds * 1000;
  const queue = async (queueId: number) => {
    let offset = 0;
    while (consumed < o.count && performance.now() < deadline) {
      const result = await api.pullMessage(o.env.brokerAddr, {
        consumerGroup: group,
        topic: o.topic,
        queueId,
        queueOffset: offset,
        maxMsgNums: o.batch,
        sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION |
          (offset > 0 ? PullSysFlag.COMMIT_OFFSET : 0),
        commitOffset: offset,
        suspendTimeoutMillis: PULL_SUSPEND_MS,
        subscription: "*",
        subVersion: 0,
        expressionType: "TAG",
      }, PULL_SUSPEND_MS + 5_000);
      if (result.pullStatus === "FOUND") {
        const messages = decodeMessages(result.messageBinary!);
        consumed += messages.length;
        for (const m of messages) bytes += m.body.length;
      }
      offset = result.nextBeginOffset;
      if (offset >= result.maxOffset) return; // drained: produce has stopped, nothing more comes
    }
  };
  await Promise.all(
    Array.from({ length: BENCH_QUEUES }, (_, q) =>
      queue(q).catch((error) => {
        errors++;
        firstError ??= String(error);
      })),
  );
  const seconds = (performance.now() - t0) / 1000;
  const use = cpu.stop(seconds);
  progress.stop();
  await api.shutdown();
  return {
    scenario: "consume",
    flushDiskType: o.flushDiskType,
    size: consumed === 0 ? 0 : Math.round(bytes / consumed),
    messages: consumed,
    seconds,
    msgsPerSec: Math.round(consumed / seconds),
    errors,
    firstError,
    ...use,
  };
}

/** Options of the latency scenario. */
export interface LatencyOptions {
  env: BenchBroker;
  producer: Producer;
  topic: string;
  flushDiskType: string;
  size: number;
  rate: number;
  count: number;
}

/** One send at a time on an open-loop `rate`/s schedule, after 200 unmeasured sends. */
export async function runLatency(o: LatencyOptions): Promise<ScenarioResult> {
  const body = payload(o.size);
  for (let i = 0; i < 200; i++) await o.producer.send(new Message({ topic: o.topic, body }));
  let done = 0;
  const progress = progressLine(`latency ${o.flushDiskType} ${o.size} B`, () => done);
  const cpu = cpuMeter(o.env.broker.pid);
  const r = await fixedRate({
    rate: o.rate,
    count: o.count,
    maxSeconds: o.count / o.rate + 5,
    send: () => o.producer.send(new Message({ topic: o.topic, body })).then(() => done++),
  });
  const use = cpu.stop(r.seconds);
  progress.stop();
  return {
    scenario: "latency",
    flushDiskType: o.flushDiskType,
    size: o.size,
    messages: r.latency.n,
    seconds: r.seconds,
    msgsPerSec: Math.round(r.latency.n / r.seconds),
    errors: r.errors,
    firstError: r.firstError,
    latency: r.latency,
    scheduledP99Us: r.scheduledLatency.p99Us,
    ...use,
  };
}

export { latencySummary };

/**
 * Broker benchmark scenarios, driven through the project's client library (`client/mod.ts`):
 * produce (Producer.send with a window of sends in flight), consume (a PullConsumer polling every
 * queue of the topic, offsets committed in batches) and latency (one send at a time on a fixed
 * schedule).
 * Internal to `bench/main.ts`.
 *
 * @module
 */

import { AdminClient, Message, MQClientManager, Producer, PullConsumer } from "../client/mod.ts";
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
/** Auto-commit period of the consume scenario (RocketMQ's shortest, `MIN_AUTOCOMMIT_INTERVAL_MILLIS`). */
const AUTO_COMMIT_MS = 1_000;
/** Longest wait of one poll in the consume scenario. */
const POLL_MS = 1_000;

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
export async function startBenchProducer(
  env: BenchBroker,
  window: number,
  serializeType: "JSON" | "ROCKETMQ" = "JSON",
): Promise<Producer> {
  groupCounter++;
  const producer = new Producer({
    serializeType,
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
  /** the consumer's header serialization (RocketMQ's default: JSON) */
  serializeType?: "JSON" | "ROCKETMQ";
}

/**
 * Reads the topic from its first offset through the library's {@linkcode PullConsumer}, as an
 * application would: subscribe, CONSUME_FROM_FIRST_OFFSET, `poll` batches of up to `batch`
 * messages (pulled in the background, one pull in flight per queue, RocketMQ's default cache
 * thresholds). Offsets are auto-committed every second and persisted to the broker every second
 * (UPDATE_CONSUMER_OFFSET per queue), then committed once more at the end: batched commits.
 */
export async function runConsume(o: ConsumeOptions): Promise<ScenarioResult> {
  const consumer = new PullConsumer({
    serializeType: o.serializeType ?? "JSON",
    consumerGroup: `CG_BENCH_${++groupCounter}`,
    namesrvAddr: o.env.namesrvAddr,
    clientIP: "127.0.0.1",
    instanceName: `bench-c-${Deno.pid}-${groupCounter}`,
    logger: silentRemotingLogger,
    clientManager: new MQClientManager(),
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    pullBatchSize: o.batch,
    autoCommit: true,
    autoCommitIntervalMillis: AUTO_COMMIT_MS,
    persistConsumerOffsetInterval: AUTO_COMMIT_MS,
  });
  consumer.subscribe(o.topic, "*");
  let consumed = 0;
  let bytes = 0;
  let errors = 0;
  let firstError: string | undefined;
  const progress = progressLine(`consume ${o.flushDiskType} ${o.size} B`, () => consumed);
  const cpu = cpuMeter(o.env.broker.pid);
  const t0 = performance.now();
  const deadline = t0 + o.maxSeconds * 1000;
  try {
    await consumer.start();
    while (consumed < o.count) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      const messages = await consumer.poll({ timeoutMs: Math.min(left, POLL_MS) });
      if (messages.length === 0 && consumed > 0) break; // drained: produce stored fewer
      consumed += messages.length;
      for (const m of messages) bytes += m.body.length;
    }
    await consumer.commit();
  } catch (error) {
    errors++;
    firstError = String(error);
  }
  const seconds = (performance.now() - t0) / 1000;
  const use = cpu.stop(seconds);
  progress.stop();
  if (errors === 0) {
    const offsets = await Promise.all(consumer.assignment().map((mq) => consumer.committed(mq)));
    const committed = offsets.reduce((sum, offset) => sum + Math.max(offset, 0), 0);
    if (committed !== consumed) {
      errors++;
      firstError = `Committed ${committed} offsets for ${consumed} consumed messages`;
    }
  }
  await consumer.shutdown();
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

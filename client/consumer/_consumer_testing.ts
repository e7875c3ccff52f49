/**
 * Test support for the consumers: an in-process name server and broker with a topic of N queues,
 * consumers and producers with their own instance registries and fast timers, and waits with
 * deadlines that re-check a condition on every event (no sleeps). Internal.
 *
 * @module
 */

import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import { startTestBroker, type TestBroker } from "../../tests/broker_test_env.ts";
import { startTestProducer, testClientOptions } from "../_client_testing.ts";
import { AdminClient } from "../admin_client.ts";
import { staticClientEnv } from "../client_env.ts";
import type { MessageQueue } from "../message_queue.ts";
import { MQClientManager } from "../mq_client_manager.ts";
import type { Producer } from "../producer.ts";
import { PullConsumer } from "../pull_consumer.ts";
import type { PullConsumerOptions } from "../pull_consumer_options.ts";
import { PushConsumer } from "../push_consumer.ts";
import type { PushConsumerOptions } from "../push_consumer_options.ts";

/** A broker with a name server, an admin client and a producer. */
export interface ConsumerTestEnv {
  /** the broker pair */
  readonly env: TestBroker;
  /** the name server address */
  readonly namesrvAddr: string;
  /** an admin client */
  readonly admin: AdminClient;
  /** a started producer */
  readonly producer: Producer;
  /** Creates a topic with `queues` read and write queues and registers it now. */
  createTopic(topic: string, queues: number): Promise<void>;
  /** Stops everything. */
  close(): Promise<void>;
}

/**
 * Starts a broker, name server, admin client and producer.
 *
 * @param properties broker config keys
 * @returns the environment
 */
export async function startConsumerTestEnv(
  properties: Record<string, string> = {},
): Promise<ConsumerTestEnv> {
  const env = await startTestBroker({ properties });
  const namesrvAddr = env.namesrvAddr!;
  const admin = new AdminClient({
    ...testClientOptions(namesrvAddr),
    env: staticClientEnv({ pid: 4242 }),
    logger: silentRemotingLogger,
  });
  const producer = await startTestProducer(namesrvAddr, { pollNameServerInterval: 50 });
  return {
    env,
    namesrvAddr,
    admin,
    producer,
    async createTopic(topic, queues) {
      await admin.createTopic(env.address, {
        topicName: topic,
        readQueueNums: queues,
        writeQueueNums: queues,
      });
      await env.broker.registration!.registerNow();
    },
    async close() {
      await producer.shutdown();
      await admin.shutdown();
      await env.close();
    },
  };
}

/**
 * Runs `fn` with a fresh environment and always closes it.
 *
 * @param fn the test body
 * @param properties broker config keys
 */
export async function withConsumerTestEnv(
  fn: (t: ConsumerTestEnv) => Promise<void>,
  properties: Record<string, string> = {},
): Promise<void> {
  const t = await startConsumerTestEnv(properties);
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

/**
 * A push consumer for tests: loopback client IP, a unique instance name, its own instance
 * registry, quiet logs, fast route polls, heartbeats and rebalances.
 *
 * @param namesrvAddr the name server
 * @param options consumer options (group required)
 * @returns the consumer, not started
 */
export function testPushConsumer(
  namesrvAddr: string,
  options: Partial<PushConsumerOptions> & { consumerGroup: string },
): PushConsumer {
  return new PushConsumer(testPushConsumerOptions(namesrvAddr, options));
}

/**
 * @param namesrvAddr the name server
 * @param options consumer options (group required)
 * @returns the options {@linkcode testPushConsumer} uses (for a subclass of PushConsumer)
 */
export function testPushConsumerOptions(
  namesrvAddr: string,
  options: Partial<PushConsumerOptions> & { consumerGroup: string },
): PushConsumerOptions {
  return {
    ...testClientOptions(namesrvAddr),
    pollNameServerInterval: 100,
    heartbeatBrokerInterval: 1000,
    rebalanceInterval: 500,
    awaitTerminationMillisWhenShutdown: 5000,
    // Short long-poll holds keep shutdowns and re-pulls quick; the broker re-checks a pull's queue
    // when parking it, so a message arriving just before the park is not missed.
    brokerSuspendMaxTimeMillis: 1000,
    consumerTimeoutMillisWhenSuspend: 5000,
    env: staticClientEnv({ pid: 4242 }),
    logger: silentRemotingLogger,
    clientManager: new MQClientManager(),
    ...options,
  };
}

/**
 * Waits until `condition()` holds, re-checking it whenever `subscribe` reports, or fails after
 * `timeoutMs`.
 *
 * @param what for the failure message
 * @param condition the state waited for
 * @param subscribe registers a callback for state changes; returns its remover
 * @param timeoutMs the deadline
 */
export function waitUntil(
  what: string,
  condition: () => boolean,
  subscribe: (changed: () => void) => () => void,
  timeoutMs = 10_000,
): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let remove: () => void = () => undefined;
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    remove = subscribe(() => {
      if (!condition()) return;
      clearTimeout(timer);
      remove();
      resolve();
    });
  });
}

/** A set of callbacks fired by {@linkcode Signal.fire}: a change notification for waits. */
export class Signal {
  readonly #listeners = new Set<() => void>();

  /** Calls every listener. */
  fire(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * @param listener called on every fire
   * @returns its remover
   */
  subscribe = (listener: () => void): () => void => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
}

/**
 * Fires `signal` whenever one of the consumers' assignments changes.
 *
 * @param consumers push consumers
 * @param signal the signal
 * @returns a function that removes the listeners
 */
export function onAssignmentChange(consumers: readonly PushConsumer[], signal: Signal): () => void {
  const removers = consumers.map((c) => c.on("messageQueueChanged", () => signal.fire()));
  return () => removers.forEach((remove) => remove());
}

/**
 * @param consumers consumers of one group
 * @param topic a topic
 * @param queues the topic's queue count
 * @returns whether each queue is held by exactly one consumer and every consumer holds some
 */
export function evenlyAssigned(
  consumers: readonly PushConsumer[],
  topic: string,
  queues: number,
): boolean {
  const seen = new Set<string>();
  for (const c of consumers) {
    const mine = c.assignedQueues(topic);
    if (mine.length === 0) return false;
    for (const mq of mine) {
      const key = `${mq.brokerName}@${mq.queueId}`;
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return seen.size === queues;
}

/**
 * @param topic the topic
 * @param brokerName its broker
 * @param n queue count
 * @returns its queues 0…n−1
 */
export function queuesOf(topic: string, brokerName: string, n: number): MessageQueue[] {
  return Array.from({ length: n }, (_, queueId) => ({ topic, brokerName, queueId }));
}

/**
 * A pull consumer for tests (same defaults as {@linkcode testPushConsumer}).
 *
 * @param namesrvAddr the name server
 * @param options consumer options (group required)
 * @returns the consumer, not started
 */
export function testPullConsumer(
  namesrvAddr: string,
  options: Partial<PullConsumerOptions> & { consumerGroup: string },
): PullConsumer {
  return new PullConsumer({
    ...testClientOptions(namesrvAddr),
    pollNameServerInterval: 100,
    heartbeatBrokerInterval: 1000,
    rebalanceInterval: 500,
    brokerSuspendMaxTimeMillis: 1000,
    consumerTimeoutMillisWhenSuspend: 5000,
    env: staticClientEnv({ pid: 4242 }),
    logger: silentRemotingLogger,
    clientManager: new MQClientManager(),
    ...options,
  });
}

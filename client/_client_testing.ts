/**
 * Test support for the client: real name servers and brokers in this process (through
 * `tests/broker_test_env.ts`), producers and instances with fast timers, long-poll pulls that
 * wait for a message instead of sleeping, and an event latch with a deadline. Internal.
 *
 * @module
 */

import { PullSysFlag } from "../protocol/headers/pull_message_header.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import type { ClientConfigInput } from "./client_config.ts";
import { resolveClientConfig } from "./client_config.ts";
import { staticClientEnv } from "./client_env.ts";
import type { MessageExt } from "./message.ts";
import { decodeMessages } from "./message_decoder.ts";
import type { MQClientAPI } from "./mq_client_api.ts";
import { MQClientInstance } from "./mq_client_instance.ts";
import { MQClientManager } from "./mq_client_manager.ts";
import { Producer } from "./producer.ts";
import type { ProducerOptions } from "./producer_config.ts";

let instanceCounter = 0;

/** Client options for tests: loopback IP, a unique instance name, quiet logs. */
export function testClientOptions(namesrvAddr: string): ClientConfigInput {
  instanceCounter++;
  return { namesrvAddr, clientIP: "127.0.0.1", instanceName: `test-${instanceCounter}` };
}

/** A client instance on `namesrvAddr` with fast timers (not started). */
export function testInstance(
  namesrvAddr: string,
  options: Partial<ClientConfigInput> = {},
): MQClientInstance {
  const config = resolveClientConfig(
    {
      ...testClientOptions(namesrvAddr),
      pollNameServerInterval: 50,
      heartbeatBrokerInterval: 50,
      ...options,
    },
    { env: staticClientEnv({ pid: 4242 }), logger: silentRemotingLogger },
  );
  return new MQClientInstance(config);
}

/** A started producer with its own instance registry (no sharing across tests). */
export async function startTestProducer(
  namesrvAddr: string,
  options: Partial<ProducerOptions> = {},
): Promise<Producer> {
  const producer = new Producer({
    producerGroup: "PG_TEST",
    ...testClientOptions(namesrvAddr),
    env: staticClientEnv({ pid: 4242 }),
    logger: silentRemotingLogger,
    clientManager: new MQClientManager(),
    ...options,
  });
  await producer.start();
  return producer;
}

/**
 * Pulls with long polling until `count` messages arrived from `queueOffset` on (the broker holds
 * the pull until a message comes, so nothing sleeps).
 *
 * @returns the messages, in queue order
 * @throws when a pull comes back without messages `rounds` times
 */
export async function pullMessages(
  api: MQClientAPI,
  brokerAddr: string,
  query: { topic: string; queueId: number; queueOffset?: number; count: number },
  rounds = 10,
): Promise<MessageExt[]> {
  const messages: MessageExt[] = [];
  let offset = query.queueOffset ?? 0;
  for (let round = 0; messages.length < query.count; round++) {
    if (round >= rounds) {
      throw new Error(`Pulled ${messages.length} of ${query.count} messages of ${query.topic}`);
    }
    const result = await api.pullMessage(brokerAddr, {
      consumerGroup: "CG_PULL_TEST",
      topic: query.topic,
      queueId: query.queueId,
      queueOffset: offset,
      maxMsgNums: 32,
      sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: 5000,
      subscription: "*",
      subVersion: 0,
      expressionType: "TAG",
    }, 8000);
    if (result.pullStatus === "FOUND") messages.push(...decodeMessages(result.messageBinary!));
    offset = result.nextBeginOffset;
  }
  return messages;
}

/**
 * Resolves with the first value `subscribe` reports that passes `accept`, or rejects after
 * `timeoutMs` (no sleeps in tests).
 */
export function waitFor<T>(
  subscribe: (report: (value: T) => void) => () => void,
  accept: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unsubscribe = (): void => undefined;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    unsubscribe = subscribe((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

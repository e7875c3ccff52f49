/**
 * Producer options as RocketMQ's `DefaultMQProducer` names them, validated with zod, on top of the
 * client options of `client_config.ts`.
 *
 * @module
 */

import { z } from "zod";
import { ResponseCode } from "../protocol/response_code.ts";
import {
  type ClientConfig,
  clientConfigShape,
  type ClientIo,
  parseOptions,
  resolveClientConfig,
} from "./client_config.ts";
import {
  DEFAULT_TOPIC_QUEUE_NUMS_MAX,
  MAX_MESSAGE_SIZE_CEILING,
  MAX_MESSAGE_SIZE_DEFAULT,
  RETRY_TIMES_MAX,
  SEND_IN_FLIGHT_MAX_CEILING,
  SEND_IN_FLIGHT_MAX_DEFAULT,
} from "./limits.ts";
import { ClientConfigError } from "./client_error.ts";
import { AUTO_CREATE_TOPIC_KEY_TOPIC } from "./message_const.ts";
import { LATENCY_MAX_DEFAULT, NOT_AVAILABLE_DURATION_DEFAULT } from "./mq_fault_strategy.ts";
import type { MQClientManager } from "./mq_client_manager.ts";

/**
 * Response codes a synchronous send retries on, preferring another broker (RocketMQ
 * `DefaultMQProducer.retryResponseCodes`, codes.md "How clients read them"): TOPIC_NOT_EXIST,
 * SERVICE_NOT_AVAILABLE, SYSTEM_ERROR, SYSTEM_BUSY, NO_PERMISSION, NO_BUYER_ID, NOT_IN_CURRENT_UNIT.
 * Never MESSAGE_ILLEGAL.
 *
 * @example
 * ```ts
 * import { ResponseCode } from "../protocol/response_code.ts";
 * import { RETRY_RESPONSE_CODES_DEFAULT } from "./producer_config.ts";
 * if (!RETRY_RESPONSE_CODES_DEFAULT.includes(ResponseCode.SYSTEM_BUSY)) throw new Error();
 * if (RETRY_RESPONSE_CODES_DEFAULT.includes(ResponseCode.MESSAGE_ILLEGAL)) throw new Error();
 * ```
 */
export const RETRY_RESPONSE_CODES_DEFAULT: readonly number[] = [
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.NO_PERMISSION,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT,
];

const latencyTable = z.array(z.number().int().min(0)).min(1).max(32);

/** The producer's own options with RocketMQ's defaults. */
export const producerConfigShape = {
  producerGroup: z.string().min(1).describe("a non-empty producer group name"),
  createTopicKey: z.string().min(1).default(AUTO_CREATE_TOPIC_KEY_TOPIC),
  defaultTopicQueueNums: z.number().int().min(1).max(DEFAULT_TOPIC_QUEUE_NUMS_MAX).default(4),
  compressMsgBodyOverHowmuch: z.number().int().min(0).default(4096),
  compressLevel: z.number().int().min(-1).max(22).default(5),
  compressType: z.enum(["ZLIB", "ZSTD"]).default("ZLIB"),
  retryTimesWhenSendFailed: z.number().int().min(0).max(RETRY_TIMES_MAX).default(2),
  retryAnotherBrokerWhenNotStoreOK: z.boolean().default(false),
  retryResponseCodes: z.array(z.number().int()).default([...RETRY_RESPONSE_CODES_DEFAULT]),
  maxMessageSize: z.number().int().min(1).max(MAX_MESSAGE_SIZE_CEILING).default(
    MAX_MESSAGE_SIZE_DEFAULT,
  ),
  sendLatencyFaultEnable: z.boolean().default(false),
  latencyMax: latencyTable.default([...LATENCY_MAX_DEFAULT]),
  notAvailableDuration: latencyTable.default([...NOT_AVAILABLE_DURATION_DEFAULT]),
  maxInFlight: z.number().int().min(1).max(SEND_IN_FLIGHT_MAX_CEILING).default(
    SEND_IN_FLIGHT_MAX_DEFAULT,
  ),
} as const;

const ProducerConfigSchema = z.strictObject({ ...clientConfigShape, ...producerConfigShape });

/**
 * Producer data options as given (client options included).
 *
 * @example
 * ```ts
 * import type { ProducerConfigInput } from "./producer_config.ts";
 * import { Producer } from "./producer.ts";
 * const input: ProducerConfigInput = {
 *   producerGroup: "PG", namesrvAddr: "127.0.0.1:9876", retryTimesWhenSendFailed: 4,
 * };
 * if (new Producer(input).config.retryTimesWhenSendFailed !== 4) throw new Error();
 * ```
 */
export type ProducerConfigInput = z.input<typeof ProducerConfigSchema>;

/**
 * Everything a `Producer` is built from: data options, I/O and the client-instance registry.
 *
 * @example
 * ```ts
 * import { MQClientManager } from "./mq_client_manager.ts";
 * import type { ProducerOptions } from "./producer_config.ts";
 * import { Producer } from "./producer.ts";
 * const options: ProducerOptions = {
 *   producerGroup: "PG", namesrvAddr: "127.0.0.1:9876", clientManager: new MQClientManager(),
 * };
 * const producer = new Producer(options); // its client instance will live in the given manager
 * ```
 */
export interface ProducerOptions extends ProducerConfigInput, ClientIo {
  /** where client instances are shared; default the process-wide `defaultMQClientManager` */
  clientManager?: MQClientManager;
}

/**
 * Resolved producer options.
 *
 * @example
 * ```ts
 * import { type ProducerConfig, resolveProducerConfig } from "./producer_config.ts";
 * const options = { producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" };
 * const config: ProducerConfig = resolveProducerConfig(options);
 * if (config.compressMsgBodyOverHowmuch !== 4096) throw new Error("RocketMQ's default");
 * if (config.client.sendMsgTimeout !== 3000) throw new Error("RocketMQ's default");
 * ```
 */
export interface ProducerConfig {
  /** the client part */
  readonly client: ClientConfig;
  /** the producer group */
  readonly producerGroup: string;
  /** template topic for auto-creation (header `c`) */
  readonly createTopicKey: string;
  /** queues per broker for auto-created topics (header `d`) */
  readonly defaultTopicQueueNums: number;
  /** compress bodies of at least this many bytes */
  readonly compressMsgBodyOverHowmuch: number;
  /** compression level */
  readonly compressLevel: number;
  /** compression type */
  readonly compressType: "ZLIB" | "ZSTD";
  /** extra attempts of a synchronous send */
  readonly retryTimesWhenSendFailed: number;
  /** retry when the broker stored the message but not as asked (FLUSH_*_TIMEOUT, SLAVE_NOT_AVAILABLE) */
  readonly retryAnotherBrokerWhenNotStoreOK: boolean;
  /** broker response codes that trigger a retry */
  readonly retryResponseCodes: ReadonlySet<number>;
  /** largest body */
  readonly maxMessageSize: number;
  /** latency fault avoidance on */
  readonly sendLatencyFaultEnable: boolean;
  /** latency thresholds */
  readonly latencyMax: readonly number[];
  /** avoidance per threshold */
  readonly notAvailableDuration: readonly number[];
  /** sends in flight at most; more wait */
  readonly maxInFlight: number;
}

/**
 * Validates producer options and resolves the client part.
 *
 * @param options the options
 * @returns the producer config
 * @throws {ClientConfigError} naming each bad option and what it expects
 * @example
 * ```ts
 * import { resolveProducerConfig } from "./producer_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const config = resolveProducerConfig({
 *   producerGroup: "PG", namesrvAddr: "127.0.0.1:9876", env: staticClientEnv({ pid: 1 }),
 * });
 * if (config.retryTimesWhenSendFailed !== 2 || config.maxInFlight !== 1024) throw new Error();
 * ```
 */
export function resolveProducerConfig(options: ProducerOptions): ProducerConfig {
  const { transport, clock, logger, env, clientManager: _manager, ...data } = options;
  const parsed = parseOptions(ProducerConfigSchema, data);
  const clientInput: Record<string, unknown> = {};
  const producerInput: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key in clientConfigShape) clientInput[key] = value;
    else producerInput[key] = value;
  }
  const p = producerInput as z.output<z.ZodObject<typeof producerConfigShape>>;
  if (p.latencyMax.length !== p.notAvailableDuration.length) {
    throw new ClientConfigError([{
      option: "notAvailableDuration",
      value: p.notAvailableDuration,
      expected: `as many entries as latencyMax (${p.latencyMax.length})`,
    }]);
  }
  if (p.compressType === "ZLIB" && p.compressLevel > 9) {
    // zlib takes -1..9; found now rather than at the first body over the compression threshold
    throw new ClientConfigError([{
      option: "compressLevel",
      value: p.compressLevel,
      expected: "-1..9 with compressType ZLIB (-1..22 with ZSTD)",
    }]);
  }
  return {
    ...p,
    client: resolveClientConfig(clientInput, { transport, clock, logger, env }),
    retryResponseCodes: new Set(p.retryResponseCodes),
  };
}

/**
 * Client options shared by producers, consumers and the admin client, as RocketMQ's `ClientConfig`
 * names them: name servers, instance name and client id, periodic intervals, header serialization,
 * the VIP channel and timeouts (`shared/spec/remoting.md` §8–§9, `features.md` §10). Options are
 * validated with zod; a bad one is a {@linkcode ClientConfigError} naming it and what it expects.
 *
 * @module
 */

import { z } from "zod";
import type { Clock } from "../common/clock.ts";
import { systemClock } from "../common/clock.ts";
import { describeExpected } from "../common/config_loader.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import type { RemotingLogger } from "../protocol/remoting_logger.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import type { SerializeType } from "../protocol/remoting_command.ts";
import {
  resolveSerializeType,
  SERIALIZE_TYPE_ENV,
  SERIALIZE_TYPE_PROPERTY,
} from "../protocol/serialize_type.ts";
import type { Transport } from "../protocol/transport.ts";
import { parseAddress } from "../protocol/transport.ts";
import { denoClientEnv } from "./adapters/deno_client_env.ts";
import { ClientConfigError, type ClientConfigIssue } from "./client_error.ts";
import { chooseLocalAddress, type ClientEnv } from "./client_env.ts";
import {
  INTERVAL_MS_MAX,
  INTERVAL_MS_MIN,
  NAMESRV_ADDRS_MAX,
  REBALANCE_INTERVAL_MS_DEFAULT,
  TIMEOUT_MS_MAX,
  TIMEOUT_MS_MIN,
} from "./limits.ts";

/**
 * RocketMQ's default instance name, replaced by `<pid>#<nanoTime>` at start.
 *
 * @example
 * ```ts
 * import { DEFAULT_INSTANCE_NAME, resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const env = staticClientEnv({ pid: 42, nanoTime: 7n });
 * const input = { namesrvAddr: "127.0.0.1:9876", instanceName: DEFAULT_INSTANCE_NAME };
 * const config = resolveClientConfig(input, { env });
 * if (config.instanceName !== "42#7") throw new Error("DEFAULT becomes <pid>#<nanoTime>");
 * ```
 */
export const DEFAULT_INSTANCE_NAME = "DEFAULT";
/** Java system property giving the default instance name. */
export const CLIENT_NAME_PROPERTY = "rocketmq.client.name";
/** Java system property enabling the VIP channel by default. */
export const VIP_CHANNEL_PROPERTY = "com.rocketmq.sendMessageWithVIPChannel";
/** Java system property with the name server list. */
export const NAMESRV_ADDR_PROPERTY = "rocketmq.namesrv.addr";
/** Environment variable with the name server list. */
export const NAMESRV_ADDR_ENV = "NAMESRV_ADDR";

const NAMESRV_EXPECTED =
  `a ;-separated list of up to ${NAMESRV_ADDRS_MAX} host:port name server addresses`;

const interval = (fallback: number) =>
  z.number().int().min(INTERVAL_MS_MIN).max(INTERVAL_MS_MAX).default(fallback);
const timeout = (fallback: number) =>
  z.number().int().min(TIMEOUT_MS_MIN).max(TIMEOUT_MS_MAX).default(fallback);

/** The data options of every client, with RocketMQ's defaults. */
export const clientConfigShape = {
  namesrvAddr: z.string().describe(NAMESRV_EXPECTED).optional(),
  instanceName: z.string().min(1).describe("a non-empty string").optional(),
  unitName: z.string().optional(),
  clientIP: z.string().min(1).describe("a non-empty IP address").optional(),
  pollNameServerInterval: interval(30_000),
  heartbeatBrokerInterval: interval(30_000),
  persistConsumerOffsetInterval: interval(5_000),
  rebalanceInterval: interval(REBALANCE_INTERVAL_MS_DEFAULT),
  serializeType: z.enum(["JSON", "ROCKETMQ"]).optional(),
  vipChannelEnabled: z.boolean().optional(),
  mqClientApiTimeout: timeout(3000),
  sendMsgTimeout: timeout(3000),
  unitMode: z.boolean().default(false),
  language: z.string().min(1).describe("a RocketMQ LanguageCode name, e.g. OTHER").default(
    "OTHER",
  ),
} as const;

/**
 * zod schema of the client options.
 *
 * @example
 * ```ts
 * import { ClientConfigSchema } from "./client_config.ts";
 * const options = ClientConfigSchema.parse({ namesrvAddr: "127.0.0.1:9876" });
 * if (options.heartbeatBrokerInterval !== 30_000) throw new Error("RocketMQ's default heartbeat");
 * if (ClientConfigSchema.safeParse({ sendMsgTimeout: -1 }).success) throw new Error();
 * ```
 */
export const ClientConfigSchema: z.ZodObject<typeof clientConfigShape, z.core.$strict> = z
  .strictObject(clientConfigShape);

/**
 * Client options as given.
 *
 * @example
 * ```ts
 * import { type ClientConfigInput, resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const input: ClientConfigInput = { namesrvAddr: "10.0.0.1:9876;10.0.0.2:9876", unitName: "u" };
 * const config = resolveClientConfig(input, { env: staticClientEnv({ pid: 1 }) });
 * if (config.namesrvAddrs.length !== 2) throw new Error();
 * ```
 */
export type ClientConfigInput = z.input<typeof ClientConfigSchema>;

/**
 * I/O a client runs on; each has a default.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { MemoryTransport } from "../protocol/adapters/memory_transport.ts";
 * import { type ClientIo, resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const io: ClientIo = {
 *   transport: new MemoryTransport(), clock: new ManualClock(), env: staticClientEnv({ pid: 1 }),
 * };
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" }, io);
 * if (config.transport !== io.transport) throw new Error();
 * ```
 */
export interface ClientIo {
  /** how to connect; default {@linkcode DenoTcpTransport} */
  transport?: Transport;
  /** time source; default the system clock */
  clock?: Clock;
  /** log sink; default silent but errors */
  logger?: RemotingLogger;
  /** pid, addresses, variables; default the Deno process ({@linkcode denoClientEnv}) */
  env?: ClientEnv;
}

/**
 * Resolved client options: defaults applied, instance name and client id fixed.
 *
 * @example
 * ```ts
 * import { type ClientConfig, resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const env = staticClientEnv({ pid: 9, nanoTime: 1n });
 * const input = { namesrvAddr: "127.0.0.1:9876", clientIP: "10.0.0.5" };
 * const config: ClientConfig = resolveClientConfig(input, { env });
 * if (config.clientId !== "10.0.0.5@9#1" || config.sendMsgTimeout !== 3000) throw new Error();
 * ```
 */
export interface ClientConfig {
  /** name server addresses, in the given order */
  readonly namesrvAddrs: readonly string[];
  /** the instance name in effect (`<pid>#<nanoTime>` in place of DEFAULT) */
  readonly instanceName: string;
  /** unit name, or undefined */
  readonly unitName: string | undefined;
  /** this client's IP as brokers see it in ids */
  readonly clientIP: string;
  /** `clientIP@instanceName[@unitName]` */
  readonly clientId: string;
  /** route poll period, ms */
  readonly pollNameServerInterval: number;
  /** heartbeat period, ms */
  readonly heartbeatBrokerInterval: number;
  /** consumer offset persist period, ms */
  readonly persistConsumerOffsetInterval: number;
  /** consumer rebalance period, ms */
  readonly rebalanceInterval: number;
  /** header serialization of requests */
  readonly serializeType: SerializeType;
  /** send to the broker's VIP port (port − 2) */
  readonly vipChannelEnabled: boolean;
  /** metadata RPC timeout, ms */
  readonly mqClientApiTimeout: number;
  /** send timeout, ms */
  readonly sendMsgTimeout: number;
  /** unit mode flag sent in headers and heartbeats */
  readonly unitMode: boolean;
  /** language name sent in request headers */
  readonly language: string;
  /** the I/O in effect */
  readonly transport: Transport;
  /** time source */
  readonly clock: Clock;
  /** log sink */
  readonly logger: RemotingLogger;
  /** process facts */
  readonly env: ClientEnv;
}

/**
 * Validates options with a zod object schema and turns issues into a {@linkcode ClientConfigError}
 * naming each bad option and what it expects.
 *
 * @param schema the options schema
 * @param input the options
 * @returns the parsed options
 * @throws {ClientConfigError} when an option is invalid or unknown
 */
export function parseOptions<S extends z.ZodObject>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const values = (input ?? {}) as Record<string, unknown>;
  const shape = schema.shape as Record<string, z.ZodType>;
  const issues: ClientConfigIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ option: key, value: values[key], expected: "no such option" });
      }
      continue;
    }
    const option = String(issue.path[0] ?? "options");
    const field = shape[option];
    const expected = field === undefined ? issue.message : describeExpected(field);
    issues.push({ option, value: values[option], expected });
  }
  throw new ClientConfigError(issues);
}

/**
 * Splits a `;`-separated name server list (RocketMQ `namesrvAddr`).
 *
 * @param text e.g. `"10.0.0.1:9876;10.0.0.2:9876"`
 * @returns the addresses
 * @throws {ClientConfigError} naming `namesrvAddr` when empty, too long or not host:port
 * @example
 * ```ts
 * import { parseNamesrvAddr } from "./client_config.ts";
 * const addrs = parseNamesrvAddr("10.0.0.1:9876; 10.0.0.2:9876");
 * if (addrs.join(",") !== "10.0.0.1:9876,10.0.0.2:9876") throw new Error();
 * ```
 */
export function parseNamesrvAddr(text: string): string[] {
  const addrs = text.split(";").map((s) => s.trim()).filter((s) => s.length > 0);
  const bad = addrs.length === 0 || addrs.length > NAMESRV_ADDRS_MAX ||
    addrs.some((a) => !isHostPort(a));
  if (bad) {
    throw new ClientConfigError([{
      option: "namesrvAddr",
      value: text,
      expected: NAMESRV_EXPECTED,
    }]);
  }
  return addrs;
}

function isHostPort(address: string): boolean {
  try {
    const { hostname, port } = parseAddress(address);
    return hostname.length > 0 && port > 0;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/**
 * RocketMQ `ClientConfig.buildMQClientId`: `clientIP@instanceName[@unitName]`.
 *
 * @param clientIP the client IP
 * @param instanceName the instance name in effect
 * @param unitName the unit name, if any
 * @returns the client id
 * @example
 * ```ts
 * import { buildMQClientId } from "./client_config.ts";
 * if (buildMQClientId("10.0.0.5", "77#5") !== "10.0.0.5@77#5") throw new Error();
 * if (buildMQClientId("10.0.0.5", "app", "unitA") !== "10.0.0.5@app@unitA") throw new Error();
 * ```
 */
export function buildMQClientId(clientIP: string, instanceName: string, unitName?: string): string {
  const unit = unitName !== undefined && unitName.trim() !== "" ? `@${unitName}` : "";
  return `${clientIP}@${instanceName}${unit}`;
}

/**
 * Resolves client options: validates them, fills RocketMQ's defaults from the environment
 * (`NAMESRV_ADDR`, `rocketmq.client.name`, `ROCKETMQ_SERIALIZE_TYPE`, …) and applies
 * `changeInstanceNameToPID`: an instance name of `DEFAULT` becomes `<pid>#<nanoTime>`, as RocketMQ
 * 4.9+ does at start (features.md §10), so two clients of one process get distinct ids unless they
 * name an instance.
 *
 * @param input the options
 * @param io transport, clock, logger and environment
 * @param rules `changeInstanceNameToPID: false` keeps `DEFAULT` (RocketMQ's broadcasting
 *   consumers, whose local offsets file is named after the client id)
 * @returns the resolved config
 * @throws {ClientConfigError} naming the first bad options
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const config = resolveClientConfig(
 *   { namesrvAddr: "127.0.0.1:9876", clientIP: "10.0.0.5" },
 *   { env: staticClientEnv({ pid: 77, nanoTime: 5n }) },
 * );
 * if (config.clientId !== "10.0.0.5@77#5") throw new Error(config.clientId);
 * ```
 */
export function resolveClientConfig(
  input: ClientConfigInput,
  io: ClientIo = {},
  rules: { changeInstanceNameToPID?: boolean } = {},
): ClientConfig {
  const options = parseOptions(ClientConfigSchema, input);
  const env = io.env ?? denoClientEnv();
  const namesrvText = options.namesrvAddr ?? env.systemProperty(NAMESRV_ADDR_PROPERTY) ??
    env.getEnv(NAMESRV_ADDR_ENV);
  if (namesrvText === undefined) {
    throw new ClientConfigError([{
      option: "namesrvAddr",
      value: undefined,
      expected: `${NAMESRV_EXPECTED} (or ${NAMESRV_ADDR_ENV} set)`,
    }]);
  }
  let instanceName = options.instanceName ?? env.systemProperty(CLIENT_NAME_PROPERTY) ??
    DEFAULT_INSTANCE_NAME;
  if (instanceName === DEFAULT_INSTANCE_NAME && rules.changeInstanceNameToPID !== false) {
    instanceName = `${env.pid}#${env.nanoTime()}`;
  }
  const clientIP = options.clientIP ?? chooseLocalAddress(env.networkAddresses());
  const serializeType = options.serializeType ?? serializeTypeFromEnv(env);
  const vipProperty = env.systemProperty(VIP_CHANNEL_PROPERTY);
  return {
    namesrvAddrs: parseNamesrvAddr(namesrvText),
    instanceName,
    unitName: options.unitName,
    clientIP,
    clientId: buildMQClientId(clientIP, instanceName, options.unitName),
    pollNameServerInterval: options.pollNameServerInterval,
    heartbeatBrokerInterval: options.heartbeatBrokerInterval,
    persistConsumerOffsetInterval: options.persistConsumerOffsetInterval,
    rebalanceInterval: options.rebalanceInterval,
    serializeType,
    vipChannelEnabled: options.vipChannelEnabled ?? vipProperty?.toLowerCase() === "true",
    mqClientApiTimeout: options.mqClientApiTimeout,
    sendMsgTimeout: options.sendMsgTimeout,
    unitMode: options.unitMode,
    language: options.language,
    transport: io.transport ?? new DenoTcpTransport(),
    clock: io.clock ?? systemClock,
    logger: io.logger ?? silentRemotingLogger,
    env,
  };
}

function serializeTypeFromEnv(env: ClientEnv): SerializeType {
  const sources = {
    property: env.systemProperty(SERIALIZE_TYPE_PROPERTY),
    env: env.getEnv(SERIALIZE_TYPE_ENV),
  };
  try {
    return resolveSerializeType(sources);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ClientConfigError([{
      option: `serializeType (from ${SERIALIZE_TYPE_PROPERTY} / ${SERIALIZE_TYPE_ENV})`,
      value: sources.property ?? sources.env,
      expected: "JSON or ROCKETMQ",
    }]);
  }
}

/**
 * RocketMQ `MixAll.brokerVIPChannel`: the broker's VIP address (port − 2) when the VIP channel is
 * on, else the address unchanged.
 *
 * @param enabled `vipChannelEnabled`
 * @param brokerAddr the broker's main `host:port`
 * @returns the address to call
 * @example
 * ```ts
 * import { brokerVIPChannel } from "./client_config.ts";
 * if (brokerVIPChannel(true, "10.0.0.1:10911") !== "10.0.0.1:10909") throw new Error();
 * ```
 */
export function brokerVIPChannel(enabled: boolean, brokerAddr: string): string {
  if (!enabled) return brokerAddr;
  const colon = brokerAddr.lastIndexOf(":");
  const port = Number(brokerAddr.slice(colon + 1));
  return `${brokerAddr.slice(0, colon)}:${port - 2}`;
}

/**
 * `deno task broker [-c broker.conf] [-n namesrvAddr] [-p] [-m] [-h]`: runs a broker the way
 * `mqbroker` does. `-c` applies a Java properties file over RocketMQ's defaults, `-n` sets the name
 * servers (wins over the file), `-p` / `-m` print all / the important config keys and exit, `-h`
 * prints usage. A bad value exits 1 before any port is bound. Once up it prints
 * `EdgeMQ broker listening on <ip>:<port>` (tests parse this line), the VIP and HTTP ports and the
 * data folder. SIGINT / SIGTERM / SIGHUP shut down gracefully (unregister, answer parked pulls,
 * persist offsets, close the store).
 *
 * The helpers are exported for the root `main.ts`, which runs a name server and a broker in one
 * process.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { exitOnSignals, homeDirectory } from "../common/adapters/deno_process.ts";
import { ConfigError } from "../common/config_loader.ts";
import { parseProperties, PropertiesSyntaxError } from "../common/properties.ts";
import { serveDenoHttp } from "../namesrv/adapters/deno_http.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { parseBrokerArgs } from "./broker_cli.ts";
import {
  type BrokerConfigLoadResult,
  brokerConfigToProperties,
  loadBrokerConfig,
} from "./broker_config.ts";
import type { BrokerEnv } from "./broker_config_schema.ts";
import { BrokerController } from "./broker_controller.ts";

export { exitOnSignals };

/** A start-up failure: printed, then exit 1. */
export class BrokerStartupError extends Error {
  /** @param message what to print */
  constructor(message: string) {
    super(message);
    this.name = "BrokerStartupError";
  }
}

/** @returns the first non-loopback IPv4 address of this host (RocketMQ's default brokerIP1), if any */
export function localIpv4Address(): string | undefined {
  try {
    const found = Deno.networkInterfaces().find((i) =>
      i.family === "IPv4" && !i.address.startsWith("127.")
    );
    return found?.address;
  } catch (error) {
    console.error(`WARN Cannot list network interfaces: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Reads the environment the broker defaults depend on.
 *
 * @returns HOME, NAMESRV_ADDR, host name, local address, ROCKETMQ_HOME and CPU count
 */
export function readBrokerEnv(): BrokerEnv {
  let hostname: string | undefined;
  try {
    hostname = Deno.hostname();
  } catch (error) {
    console.error(`WARN Cannot read the host name: ${(error as Error).message}`);
  }
  return {
    HOME: homeDirectory(),
    NAMESRV_ADDR: Deno.env.get("NAMESRV_ADDR"),
    hostname,
    localAddress: localIpv4Address() ?? "127.0.0.1",
    ROCKETMQ_HOME: Deno.env.get("ROCKETMQ_HOME"),
    availableProcessors: navigator.hardwareConcurrency,
  };
}

/**
 * Reads the `-c` file (if any) and loads the configuration.
 *
 * @param env the environment
 * @param configFile the `-c` file
 * @param namesrvAddr the `-n` value
 * @param overrides keys applied after the file and before `-n` (the root main's defaults)
 * @returns the configuration and warnings
 * @throws {BrokerStartupError} with the message to print
 */
export async function loadBrokerStartupConfig(
  env: BrokerEnv,
  configFile: string | undefined,
  namesrvAddr: string | undefined,
  overrides: ReadonlyMap<string, string> = new Map(),
): Promise<BrokerConfigLoadResult> {
  let properties = new Map<string, string>(overrides);
  if (configFile !== undefined) {
    try {
      properties = new Map([...overrides, ...parseProperties(await Deno.readTextFile(configFile))]);
    } catch (error) {
      const why = error instanceof PropertiesSyntaxError ? "load" : "read";
      throw new BrokerStartupError(
        `Cannot ${why} config file ${configFile}: ${(error as Error).message}`,
      );
    }
  }
  try {
    return loadBrokerConfig({
      properties,
      env,
      overrides: namesrvAddr === undefined ? {} : { namesrvAddr },
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new BrokerStartupError(error.message);
    throw error;
  }
}

/**
 * Builds and starts a broker on Deno's TCP, file system and HTTP server.
 *
 * @param loaded the configuration
 * @param configFile the `-c` file (where config updates are persisted)
 * @param env the environment
 * @param beforeStart given the broker before it starts (to stop it on a signal during the start)
 * @returns the running broker
 * @throws {BrokerStartupError} when it cannot start (ports, files)
 */
export async function startDenoBroker(
  loaded: BrokerConfigLoadResult,
  configFile: string | undefined,
  env: BrokerEnv,
  beforeStart?: (broker: BrokerController) => void,
): Promise<BrokerController> {
  const broker = new BrokerController({
    config: loaded.config,
    transport: new DenoTcpTransport(),
    fs: new DenoFileSystem(),
    serveHttp: serveDenoHttp,
    env,
    configFilePath: configFile,
    unknownProperties: loaded.unknown,
    physicalMemoryBytes: Deno.systemMemoryInfo().total,
    resolveHost: resolveHostName,
  });
  beforeStart?.(broker);
  try {
    await broker.start();
  } catch (error) {
    throw new BrokerStartupError(`Cannot start the broker: ${(error as Error).message}`);
  }
  return broker;
}

/**
 * The system resolver (`/etc/hosts`, DNS), IPv4 first as Java's `InetAddress` prefers it.
 *
 * @param name a host name
 * @returns one of its addresses
 */
async function resolveHostName(name: string): Promise<string> {
  try {
    return (await lookup(name, { family: 4 })).address;
  } catch {
    return (await lookup(name)).address;
  }
}

/**
 * Prints where a started broker listens and keeps its data.
 *
 * @param broker the running broker
 */
export function printBrokerAddresses(broker: BrokerController): void {
  const config = broker.configuration.config;
  console.log(
    `The broker[${config.brokerName}, ${broker.brokerAddr}] boot success. serializeType=JSON and name server is ${
      config.namesrvAddr ?? "(none)"
    }`,
  );
  console.log(
    `EdgeMQ broker listening on ${broker.brokerAddr} (bind ${config.bindAddress}, VIP port ${broker.vipPort})`,
  );
  const httpPort = broker.httpPort;
  console.log(
    httpPort === undefined
      ? "HTTP admin off"
      : `HTTP admin on http://${config.bindAddress}:${httpPort}`,
  );
  console.log(`Data folder: ${broker.paths.rootDir}`);
}

function fail(message: string): never {
  console.error(message);
  Deno.exit(1);
}

async function main(): Promise<void> {
  const plan = parseBrokerArgs(Deno.args);
  if (plan.action === "help") return void console.log(plan.usage);
  if (plan.action === "error") fail(`${plan.message}\n${plan.usage}`);
  const env = readBrokerEnv();
  let loaded: BrokerConfigLoadResult;
  try {
    loaded = await loadBrokerStartupConfig(env, plan.configFile, plan.namesrvAddr);
  } catch (error) {
    if (error instanceof BrokerStartupError) fail(error.message);
    throw error;
  }
  if (plan.configFile !== undefined) {
    console.log(`load config properties file OK, ${plan.configFile}`);
  }
  for (const warning of loaded.warnings) console.error(`WARN ${warning}`);
  if (plan.action === "print") {
    const text = brokerConfigToProperties(loaded.config, {
      importantOnly: plan.importantOnly,
      extra: loaded.unknown,
    });
    return void console.log(text);
  }
  let broker: BrokerController;
  try {
    // A signal during the start (a long recovery) shuts down what started, as RocketMQ's
    // shutdown hook, registered before its start, does.
    broker = await startDenoBroker(
      loaded,
      plan.configFile,
      env,
      (created) => exitOnSignals(() => created.shutdown()),
    );
  } catch (error) {
    if (error instanceof BrokerStartupError) fail(error.message);
    throw error;
  }
  printBrokerAddresses(broker);
}

if (import.meta.main) await main();

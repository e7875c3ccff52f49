/**
 * `deno task start [-c broker.conf] [-n namesrvAddr] [-p] [-m] [-h]`: a name server and a broker in
 * one process, on RocketMQ's defaults (name server 9876, broker 10911 and VIP 10909, HTTP admins
 * 9880 and 10880, auto-created topics on). The broker registers with the embedded name server
 * unless `-n` names others; its data lives in `storePathRootDir` (default `$HOME/store`, or what
 * `-c` sets), the name server's in `$HOME/namesrv`. Point any RocketMQ 4.x client at the printed
 * name server address. SIGINT / SIGTERM / SIGHUP stop both gracefully.
 *
 * @module
 */

import { parseBrokerArgs } from "./broker/broker_cli.ts";
import { brokerConfigToProperties } from "./broker/broker_config.ts";
import type { BrokerController } from "./broker/broker_controller.ts";
import {
  BrokerStartupError,
  exitOnSignals,
  loadBrokerStartupConfig,
  printBrokerAddresses,
  readBrokerEnv,
  startDenoBroker,
} from "./broker/main.ts";
import { ConfigError } from "./common/config_loader.ts";
import { serveDenoHttp } from "./namesrv/adapters/deno_http.ts";
import { loadNamesrvConfig } from "./namesrv/namesrv_config.ts";
import { NamesrvController } from "./namesrv/namesrv_controller.ts";
import { DenoTcpTransport } from "./protocol/adapters/deno_tcp_transport.ts";
import { DenoFileSystem } from "./store/adapters/deno_file_system.ts";

function fail(message: string): never {
  console.error(message);
  Deno.exit(1);
}

async function startNamesrv(
  home: string,
  beforeStart: (namesrv: NamesrvController) => void,
): Promise<NamesrvController> {
  const env = { home, rocketmqHome: Deno.env.get("ROCKETMQ_HOME") };
  let namesrv: NamesrvController;
  try {
    const { config } = loadNamesrvConfig(new Map(), env);
    namesrv = new NamesrvController({
      config,
      env,
      fs: new DenoFileSystem(),
      transport: new DenoTcpTransport(),
      serveHttp: serveDenoHttp,
    });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  beforeStart(namesrv);
  try {
    await namesrv.start();
  } catch (error) {
    await namesrv.shutdown();
    fail(`Cannot start the name server: ${(error as Error).message}`);
  }
  const config = namesrv.configuration.config;
  console.log(`EdgeMQ name server listening on ${config.bindAddress}:${namesrv.port}`);
  const httpPort = namesrv.httpPort;
  console.log(
    httpPort === undefined
      ? "Name server HTTP admin off"
      : `Name server HTTP admin on http://${config.bindAddress}:${httpPort}`,
  );
  console.log(`Name server data: ${config.kvConfigPath}`);
  return namesrv;
}

async function main(): Promise<void> {
  const plan = parseBrokerArgs(Deno.args);
  if (plan.action === "help") {
    return void console.log(plan.usage.replace("mqbroker", "deno task start"));
  }
  if (plan.action === "error") fail(`${plan.message}\n${plan.usage}`);
  const env = readBrokerEnv();
  if (plan.action === "print") {
    try {
      const loaded = await loadBrokerStartupConfig(env, plan.configFile, plan.namesrvAddr);
      return void console.log(
        brokerConfigToProperties(loaded.config, { importantOnly: plan.importantOnly }),
      );
    } catch (error) {
      if (error instanceof BrokerStartupError) fail(error.message);
      throw error;
    }
  }
  // Validate the broker configuration before binding anything.
  try {
    await loadBrokerStartupConfig(env, plan.configFile, plan.namesrvAddr);
  } catch (error) {
    if (error instanceof BrokerStartupError) fail(error.message);
    throw error;
  }
  // Signals are handled from the first start on, so one during a start (a long recovery) shuts
  // down what started, as RocketMQ's shutdown hooks, registered before the starts, do.
  const servers: { namesrv?: NamesrvController; broker?: BrokerController } = {};
  let stopping = false;
  exitOnSignals(async () => {
    stopping = true;
    await servers.broker?.shutdown();
    await servers.namesrv?.shutdown();
  });
  const namesrv = await startNamesrv(env.HOME, (created) => servers.namesrv = created);
  const namesrvAddr = plan.namesrvAddr ?? `127.0.0.1:${namesrv.port}`;
  let broker: BrokerController;
  try {
    const loaded = await loadBrokerStartupConfig(env, plan.configFile, namesrvAddr);
    for (const warning of loaded.warnings) console.error(`WARN ${warning}`);
    if (stopping) return; // a signal came during the name server's start
    broker = await startDenoBroker(
      loaded,
      plan.configFile,
      env,
      (created) => servers.broker = created,
    );
  } catch (error) {
    await namesrv.shutdown();
    if (error instanceof BrokerStartupError) fail(error.message);
    throw error;
  }
  printBrokerAddresses(broker);
  console.log(`Point RocketMQ clients at the name server ${namesrvAddr}`);
}

if (import.meta.main) await main();

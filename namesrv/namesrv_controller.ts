/**
 * The name server: wires the configuration, the route registry, the KV store, the remoting
 * server with its processors, the periodic scan for silent brokers and the HTTP admin. It holds
 * no logic of its own. Embeddable: `deno task start` runs one beside a broker in one process.
 *
 * @module
 */
import { type Clock, systemClock } from "../common/clock.ts";
import { Lifecycle } from "../common/lifecycle.ts";
import type { RemotingChannel } from "../protocol/remoting_channel.ts";
import { consoleRemotingLogger, type RemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";
import type { Transport } from "../protocol/transport.ts";
import type { FileSystem } from "../store/file_system.ts";
import { createAdminApp } from "./admin_app.ts";
import { KvConfigManager } from "./kv_config_manager.ts";
import { HTTP_SHUTDOWN_WAIT_MS } from "./limits.ts";
import type { NamesrvConfig, NamesrvEnv } from "./namesrv_config.ts";
import { NamesrvConfiguration } from "./namesrv_configuration.ts";
import { registerAllProcessors } from "./processors/mod.ts";
import type { NamesrvContext } from "./processors/namesrv_context.ts";
import { RouteBodyCache } from "./route_body_cache.ts";
import { type BrokerLiveInfo, RouteInfoManager } from "./route_info_manager.ts";

/** A running HTTP server, as {@linkcode ServeHttp} returns it. */
export interface HttpServerHandle {
  /** the bound port */
  readonly port: number;
  /** Stops accepting and finishes in-flight requests. */
  shutdown(): Promise<void>;
}

/** Starts an HTTP server for a fetch handler (Deno: `adapters/deno_http.ts`). */
export type ServeHttp = (options: {
  /** interface to bind */
  hostname: string;
  /** port; 0 = ephemeral */
  port: number;
  /** the request handler */
  fetch: (request: Request) => Response | Promise<Response>;
}) => Promise<HttpServerHandle>;

/** Options of {@linkcode NamesrvController}. */
export interface NamesrvControllerOptions {
  /** the effective configuration (see `loadNamesrvConfig`) */
  config: NamesrvConfig;
  /** unknown keys of the startup file, reported by GET_NAMESRV_CONFIG as RocketMQ does */
  extraProperties?: ReadonlyMap<string, string>;
  /** home folder and ROCKETMQ_HOME (defaults of later config updates) */
  env: NamesrvEnv;
  /** where kvConfig.json and namesrv.properties live */
  fs: FileSystem;
  /** how the remoting server listens */
  transport: Transport;
  /** starts the HTTP admin; without it `httpAdminPort` is ignored */
  serveHttp?: ServeHttp;
  /** time source; default the system clock */
  clock?: Clock;
  /** log sink; default console */
  logger?: RemotingLogger;
  /** run `scanNotActiveBroker` every `scanNotActiveBrokerInterval` ms; default true (tests call it by hand) */
  periodicScan?: boolean;
}

/**
 * The name server.
 *
 * @example
 * ```ts
 * import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
 * import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
 * import { loadNamesrvConfig } from "./namesrv_config.ts";
 * import { NamesrvController } from "./namesrv_controller.ts";
 * const env = { home: "/tmp/mq" };
 * const { config } = loadNamesrvConfig({ bindAddress: "127.0.0.1", listenPort: "0", httpAdminPort: "0" }, env);
 * const namesrv = new NamesrvController({ config, env, fs: new MemoryFileSystem(), transport: new DenoTcpTransport() });
 * await namesrv.start();
 * if (namesrv.port === 0) throw new Error("listening on an ephemeral port");
 * await namesrv.shutdown();
 * ```
 */
export class NamesrvController {
  /** the running configuration */
  readonly configuration: NamesrvConfiguration;
  /** the route registry */
  readonly routeInfoManager: RouteInfoManager;
  /** the KV store */
  readonly kvConfigManager: KvConfigManager;
  /** the remoting server (processors registered) */
  readonly remotingServer: RemotingServer;
  /** the state shared by processors and the HTTP admin */
  readonly context: NamesrvContext;
  readonly #options: NamesrvControllerOptions;
  readonly #logger: RemotingLogger;
  #http: HttpServerHandle | undefined;
  #scanTimer: ReturnType<typeof setInterval> | undefined;
  readonly #life = new Lifecycle("NamesrvController", {
    start: () => this.#startParts(),
    stop: () => this.#doShutdown(),
  });

  /** @param options configuration and I/O */
  constructor(options: NamesrvControllerOptions) {
    this.#options = options;
    const clock = options.clock ?? systemClock;
    const logger = this.#logger = options.logger ?? consoleRemotingLogger;
    const config = options.config;
    this.configuration = new NamesrvConfiguration({
      fs: options.fs,
      env: options.env,
      config,
      extra: options.extraProperties,
      now: () => clock.now(),
    });
    this.routeInfoManager = new RouteInfoManager({
      clock,
      brokerChannelExpiredTimeMs: () => this.configuration.config.brokerChannelExpiredTime,
      deleteTopicWithBrokerRegistration: () =>
        this.configuration.config.deleteTopicWithBrokerRegistration,
    });
    this.kvConfigManager = new KvConfigManager({ fs: options.fs, path: config.kvConfigPath });
    const routeBodyCache = new RouteBodyCache({
      routeInfoManager: this.routeInfoManager,
      kvConfigManager: this.kvConfigManager,
      configuration: this.configuration,
    });
    this.context = {
      routeInfoManager: this.routeInfoManager,
      kvConfigManager: this.kvConfigManager,
      configuration: this.configuration,
      routeBodyCache,
      clock,
      startTimeMs: clock.now(),
      logger,
    };
    this.remotingServer = new RemotingServer({
      transport: options.transport,
      hostname: config.bindAddress,
      listenPort: config.listenPort,
      serverAsyncSemaphoreValue: config.serverAsyncSemaphoreValue,
      serverOnewaySemaphoreValue: config.serverOnewaySemaphoreValue,
      serverChannelMaxIdleTimeSeconds: config.serverChannelMaxIdleTimeSeconds,
      clock,
      logger,
    });
    registerAllProcessors(this.remotingServer, this.context);
    this.remotingServer.on("close", (channel) => this.#onChannelClose(channel));
    this.configuration.onChange(() => this.#rescheduleScan());
  }

  /** The remoting port (after {@linkcode NamesrvController.start}). */
  get port(): number {
    return this.remotingServer.port;
  }

  /** The HTTP admin port, or `undefined` when it is off. */
  get httpPort(): number | undefined {
    return this.#http?.port;
  }

  /**
   * Loads the KV store, binds the remoting port, then the HTTP admin port, and starts the scan.
   * On failure everything started is stopped again.
   *
   * @throws {KvConfigLoadError} when kvConfig.json is unreadable
   * @throws when a port cannot be bound
   */
  start(): Promise<void> {
    return this.#life.start();
  }

  async #startParts(): Promise<void> {
    await this.kvConfigManager.load();
    await this.remotingServer.start();
    await this.#startHttp();
    this.#rescheduleScan();
  }

  async #startHttp(): Promise<void> {
    const { httpAdminPort, bindAddress } = this.configuration.config;
    const serveHttp = this.#options.serveHttp;
    if (serveHttp === undefined || httpAdminPort === 0) return;
    const app = createAdminApp(this.context);
    this.#http = await serveHttp({ hostname: bindAddress, port: httpAdminPort, fetch: app.fetch });
  }

  #rescheduleScan(): void {
    if (this.#scanTimer !== undefined) clearInterval(this.#scanTimer);
    this.#scanTimer = undefined;
    if (!this.#life.started || this.#life.stopping || this.#options.periodicScan === false) {
      return;
    }
    const interval = this.configuration.config.scanNotActiveBrokerInterval;
    this.#scanTimer = setInterval(() => this.scanNotActiveBroker(), interval);
  }

  /**
   * Removes brokers silent for longer than their timeout and closes their connections. Runs
   * every `scanNotActiveBrokerInterval` ms; tests call it directly with a manual clock.
   *
   * @returns the removed brokers
   */
  scanNotActiveBroker(): BrokerLiveInfo[] {
    const expired = this.routeInfoManager.scanNotActiveBroker();
    for (const live of expired) {
      this.#logger.warn(
        `The broker channel expired, ${live.clusterName} ${live.brokerAddr} ${
          live.heartbeatTimeoutMillis ?? this.configuration.config.brokerChannelExpiredTime
        }ms`,
      );
      const channel = live.channel as RemotingChannel | undefined;
      if (channel !== undefined && typeof channel.close === "function") {
        channel.close("broker channel expired");
      }
    }
    return expired;
  }

  #onChannelClose(channel: RemotingChannel): void {
    const live = this.routeInfoManager.onChannelDestroy(channel);
    if (live !== undefined) {
      this.#logger.info(
        `The broker's channel destroyed, ${live.clusterName} ${live.brokerAddr}, removed at once`,
      );
    }
  }

  /**
   * Stops the scan, the HTTP admin and the remoting server. Idempotent; during a start it waits
   * for the start first.
   */
  shutdown(): Promise<void> {
    return this.#life.shutdown();
  }

  async #doShutdown(): Promise<void> {
    if (this.#scanTimer !== undefined) clearInterval(this.#scanTimer);
    this.#scanTimer = undefined;
    const http = this.#http;
    this.#http = undefined;
    const httpDone = http === undefined
      ? Promise.resolve()
      : withDeadline(http.shutdown(), HTTP_SHUTDOWN_WAIT_MS);
    await Promise.all([httpDone, this.remotingServer.shutdown()]);
  }
}

/** Waits for a promise, but no longer than `ms` (its later outcome is then ignored by design). */
async function withDeadline(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

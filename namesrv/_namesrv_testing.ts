/**
 * Test support: a name server on 127.0.0.1 with an ephemeral port, a client to call it, and
 * topic builders. Internal; used by the name server's tests.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import {
  createRequest,
  type RemotingCommand,
  type SerializeType,
} from "../protocol/remoting_command.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import type { FileSystem } from "../store/file_system.ts";
import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
import { serveDenoHttp } from "./adapters/deno_http.ts";
import { loadNamesrvConfig } from "./namesrv_config.ts";
import { NamesrvController } from "./namesrv_controller.ts";
import type { TopicConfig } from "./route_types.ts";

/** Options of {@linkcode startTestNamesrv}. */
export interface TestNamesrvOptions {
  /** config keys over the test defaults (listenPort 0 on 127.0.0.1, HTTP admin on) */
  properties?: Record<string, string>;
  /** default: a fresh memory file system */
  fs?: FileSystem;
  /** default: the system clock */
  clock?: Clock;
  /** home folder for path defaults; default "/home/mq" */
  home?: string;
  /** run the periodic scan; default false (tests call `scanNotActiveBroker`) */
  periodicScan?: boolean;
}

/** A running test name server and a client. */
export interface TestNamesrv {
  readonly controller: NamesrvController;
  readonly client: RemotingClient;
  /** "127.0.0.1:port" */
  readonly addr: string;
  /** base URL of the HTTP admin */
  readonly httpBase: string;
  /** Sends a request and returns the response. */
  call(code: number, options?: CallOptions): Promise<RemotingCommand>;
  /** Stops client and server. */
  close(): Promise<void>;
}

/** Options of {@linkcode TestNamesrv.call}. */
export interface CallOptions {
  extFields?: Record<string, string>;
  body?: Uint8Array;
  version?: number;
  serializeType?: SerializeType;
  client?: RemotingClient;
}

/** @returns a client on the Deno transport that logs nothing */
export function testClient(serializeType?: SerializeType): RemotingClient {
  return new RemotingClient({
    transport: new DenoTcpTransport(),
    logger: silentRemotingLogger,
    serializeType,
  });
}

/**
 * Starts a name server for a test; the HTTP admin binds an ephemeral port.
 *
 * @param options config overrides and I/O
 * @returns the server, a client and helpers
 */
export async function startTestNamesrv(options: TestNamesrvOptions = {}): Promise<TestNamesrv> {
  const env = { home: options.home ?? "/home/mq" };
  const { config, unknown } = loadNamesrvConfig(
    { listenPort: "0", bindAddress: "127.0.0.1", ...options.properties },
    env,
  );
  const controller = new NamesrvController({
    config,
    extraProperties: unknown,
    env,
    fs: options.fs ?? new MemoryFileSystem(),
    transport: new DenoTcpTransport(),
    serveHttp: (o) => serveDenoHttp({ ...o, port: 0 }),
    clock: options.clock,
    logger: silentRemotingLogger,
    periodicScan: options.periodicScan ?? false,
  });
  await controller.start();
  const client = testClient();
  const addr = `127.0.0.1:${controller.port}`;
  return {
    controller,
    client,
    addr,
    httpBase: controller.httpPort === undefined ? "" : `http://127.0.0.1:${controller.httpPort}`,
    call: (code, o = {}) => {
      const request = createRequest(code, {
        extFields: o.extFields,
        body: o.body,
        version: o.version,
        serializeType: o.serializeType,
        language: "JAVA",
      });
      return (o.client ?? client).invoke(addr, request, 5000);
    },
    close: async () => {
      await client.shutdown();
      await controller.shutdown();
    },
  };
}

/**
 * @param name topic name
 * @param queues read and write queue count
 * @returns a TopicConfig with RocketMQ's defaults
 */
export function topicConfig(name: string, queues = 4): TopicConfig {
  return {
    topicName: name,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm: 6,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: 0,
    order: false,
  };
}

/** System topics every broker registers (features.md §11), so a registration is never single-topic. */
export function systemTopics(cluster: string, brokerName: string): TopicConfig[] {
  return [
    { ...topicConfig("TBW102", 8), perm: 7 },
    topicConfig("SELF_TEST_TOPIC", 1),
    topicConfig("OFFSET_MOVED_EVENT", 1),
    { ...topicConfig(cluster, 16), perm: 7 },
    { ...topicConfig(brokerName, 1), perm: 7 },
  ];
}

/** @returns the body as text */
export function bodyText(command: RemotingCommand): string {
  return new TextDecoder().decode(command.body ?? new Uint8Array());
}

/**
 * Resolves when `subscribe` calls back, or rejects after `timeoutMs` (no sleeps in tests).
 *
 * @param subscribe registers the callback, returns an unsubscribe function
 * @param timeoutMs deadline
 * @param what description for the timeout error
 */
export function waitFor<T>(
  subscribe: (done: (value: T) => void) => () => void,
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
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

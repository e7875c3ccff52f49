/**
 * The broker's calls to name servers (RocketMQ `BrokerOuterAPI`, headers.md §8, bodies.md §2):
 * REGISTER_BROKER with the whole topic table to every name server, and UNREGISTER_BROKER at
 * shutdown. Each name server is called on its own; one failing never stops the others.
 *
 * @module
 */

import { deflateSync } from "node:zlib";
import { encodeHeader } from "../protocol/headers/header_codec.ts";
import type {
  RegisterBrokerRequestHeader,
  UnRegisterBrokerRequestHeader,
} from "../protocol/headers/namesrv_headers.ts";
import { createRequest, type RemotingCommand } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { bodyCrc } from "../store/crc32.ts";
import { dataVersionToJson } from "./data_version.ts";
import { REGISTER_BODY_UNCOMPRESSED_BYTES_MAX } from "./limits.ts";
import {
  encodeTopicConfigWrapper,
  type TopicConfigSerializeWrapper,
} from "./topic_config_manager.ts";

/** Who the broker is, as REGISTER_BROKER and UNREGISTER_BROKER name it. */
export interface BrokerIdentity {
  /** `brokerClusterName` */
  readonly clusterName: string;
  /** `brokerName` */
  readonly brokerName: string;
  /** 0 for a master */
  readonly brokerId: number;
  /** main listener `brokerIP1:listenPort` */
  readonly brokerAddr: string;
  /** `brokerIP2:haListenPort` */
  readonly haServerAddr: string;
}

/** What one name server answered to REGISTER_BROKER. */
export interface RegisterBrokerResult {
  /** the name server */
  readonly namesrvAddr: string;
  /** the master's HA address (answers to slaves) */
  readonly haServerAddr?: string;
  /** the master's address (answers to slaves) */
  readonly masterAddr?: string;
  /** the name server's `ORDER_TOPIC_CONFIG` KV namespace: topic → `broker:queues;…`; absent: none sent */
  readonly orderTopicConfig: ReadonlyMap<string, string> | undefined;
}

/** The part of `RemotingClient` the outer API uses. */
export interface OuterApiClient {
  /**
   * @param address `host:port`
   * @param request the request
   * @param timeoutMs longest wait
   * @returns the response
   */
  invoke(address: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
}

/** One name server's failure. */
export interface NamesrvCallFailure {
  /** the name server */
  readonly namesrvAddr: string;
  /** what went wrong */
  readonly error: Error;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Builds the RegisterBrokerBody JSON exactly as a 4.9.8 broker sends it uncompressed:
 * `{"filterServerList":[…],"topicConfigSerializeWrapper":{"dataVersion":…,"topicConfigTable":…}}`.
 *
 * @param wrapper the topic table and its version
 * @param filterServerList filter servers (normally empty)
 * @returns the body bytes
 */
export function encodeRegisterBrokerBody(
  wrapper: TopicConfigSerializeWrapper,
  filterServerList: readonly string[] = [],
): Uint8Array {
  const text = `{"filterServerList":${
    JSON.stringify(filterServerList)
  },"topicConfigSerializeWrapper":${encodeTopicConfigWrapper(wrapper, false)}}`;
  return utf8.encode(text);
}

/**
 * Builds the RegisterBrokerBody in RocketMQ's compressed form (`compressedRegister=true`,
 * `RegisterBrokerBody.encode(true)`, bodies.md §2), deflated: int32-length DataVersion JSON, int32
 * topic count, an int32-length `name read write perm filterType` line per topic (sysFlag and
 * order are not carried, as in Java), int32-length filter server JSON. A table of tens of
 * thousands of topics then stays far below the 16 MiB frame.
 *
 * @param wrapper the topic table and its version
 * @param filterServerList filter servers (normally empty)
 * @returns the deflated bytes
 */
export function encodeCompressedRegisterBrokerBody(
  wrapper: TopicConfigSerializeWrapper,
  filterServerList: readonly string[] = [],
): Uint8Array {
  const blocks: Uint8Array[] = [];
  const int = (n: number) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, n);
    blocks.push(bytes);
  };
  const block = (text: string) => {
    const bytes = utf8.encode(text);
    int(bytes.length);
    blocks.push(bytes);
  };
  block(JSON.stringify(dataVersionToJson(wrapper.dataVersion)));
  int(wrapper.topicConfigTable.size);
  for (const t of wrapper.topicConfigTable.values()) {
    block(`${t.topicName} ${t.readQueueNums} ${t.writeQueueNums} ${t.perm} ${t.topicFilterType}`);
  }
  block(JSON.stringify(filterServerList));
  const raw = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const b of blocks) {
    raw.set(b, offset);
    offset += b.length;
  }
  return new Uint8Array(deflateSync(raw, { level: 9 }));
}

/**
 * Builds one REGISTER_BROKER request (RocketMQ `registerBroker`): header brokerAddr, brokerId,
 * brokerName, clusterName, haServerAddr, compressed, bodyCrc32 = masked CRC-32 of the body as
 * sent.
 *
 * @param identity the broker
 * @param body the RegisterBrokerBody bytes
 * @param compressed whether `body` is the compressed form
 * @returns the request
 */
export function createRegisterBrokerRequest(
  identity: BrokerIdentity,
  body: Uint8Array,
  compressed = false,
): RemotingCommand {
  const header: RegisterBrokerRequestHeader = {
    brokerAddr: identity.brokerAddr,
    brokerId: identity.brokerId,
    brokerName: identity.brokerName,
    clusterName: identity.clusterName,
    haServerAddr: identity.haServerAddr,
    compressed,
    bodyCrc32: bodyCrc(body),
  };
  return createRequest(RequestCode.REGISTER_BROKER, { extFields: encodeHeader(header), body });
}

/**
 * The broker's client side towards name servers.
 *
 * @example
 * ```ts ignore
 * const api = new BrokerOuterApi({ client, timeoutMs: 6000 });
 * const { results, failures } = await api.registerBrokerAll(["127.0.0.1:9876"], identity, wrapper);
 * ```
 */
export class BrokerOuterApi {
  readonly #client: OuterApiClient;
  readonly #timeoutMs: () => number;
  readonly #compressed: () => boolean;

  /**
   * @param options the remoting client, the per-call timeout (`registerBrokerTimeoutMills`) and
   *   whether registrations are compressed (`compressedRegister`, read per round)
   */
  constructor(
    options: {
      client: OuterApiClient;
      timeoutMs: number | (() => number);
      compressed?: () => boolean;
    },
  ) {
    this.#client = options.client;
    this.#compressed = options.compressed ?? (() => false);
    const timeoutMs = options.timeoutMs;
    // A function is read per call: `registerBrokerTimeoutMills` updated at runtime applies to the
    // next round, as RocketMQ's doRegisterBrokerAll reads it each time.
    this.#timeoutMs = typeof timeoutMs === "function" ? timeoutMs : () => timeoutMs;
  }

  /**
   * Registers with every name server at once; a body over REGISTER_BODY_UNCOMPRESSED_BYTES_MAX
   * goes compressed even without `compressedRegister`.
   *
   * @param namesrvAddrs the name servers
   * @param identity the broker
   * @param wrapper the topic table to announce
   * @returns the answers of the name servers that accepted, and the failures
   */
  async registerBrokerAll(
    namesrvAddrs: readonly string[],
    identity: BrokerIdentity,
    wrapper: TopicConfigSerializeWrapper,
  ): Promise<{ results: RegisterBrokerResult[]; failures: NamesrvCallFailure[] }> {
    let compressed = this.#compressed();
    let body = compressed
      ? encodeCompressedRegisterBrokerBody(wrapper)
      : encodeRegisterBrokerBody(wrapper);
    if (!compressed && body.length > REGISTER_BODY_UNCOMPRESSED_BYTES_MAX) {
      compressed = true;
      body = encodeCompressedRegisterBrokerBody(wrapper);
    }
    const settled = await Promise.allSettled(
      namesrvAddrs.map((address) => this.#registerOne(address, identity, body, compressed)),
    );
    return collect(namesrvAddrs, settled);
  }

  async #registerOne(
    address: string,
    identity: BrokerIdentity,
    body: Uint8Array,
    compressed: boolean,
  ): Promise<RegisterBrokerResult> {
    const response = await this.#client.invoke(
      address,
      createRegisterBrokerRequest(identity, body, compressed),
      this.#timeoutMs(),
    );
    if (response.code !== ResponseCode.SUCCESS) {
      throw new Error(
        `Cannot register broker with ${address}: code ${response.code}, ${response.remark ?? ""}`,
      );
    }
    const result: { -readonly [K in keyof RegisterBrokerResult]: RegisterBrokerResult[K] } = {
      namesrvAddr: address,
      orderTopicConfig: decodeKvTable(response.body),
    };
    if (response.extFields?.haServerAddr) result.haServerAddr = response.extFields.haServerAddr;
    if (response.extFields?.masterAddr) result.masterAddr = response.extFields.masterAddr;
    return result;
  }

  /**
   * Unregisters from every name server at once (shutdown).
   *
   * @param namesrvAddrs the name servers
   * @param identity the broker
   * @returns the failures (empty when every name server answered SUCCESS)
   */
  async unregisterBrokerAll(
    namesrvAddrs: readonly string[],
    identity: BrokerIdentity,
  ): Promise<NamesrvCallFailure[]> {
    const header: UnRegisterBrokerRequestHeader = {
      brokerAddr: identity.brokerAddr,
      brokerId: identity.brokerId,
      brokerName: identity.brokerName,
      clusterName: identity.clusterName,
    };
    const settled = await Promise.allSettled(namesrvAddrs.map(async (address) => {
      const request = createRequest(RequestCode.UNREGISTER_BROKER, {
        extFields: encodeHeader(header),
      });
      const response = await this.#client.invoke(address, request, this.#timeoutMs());
      if (response.code !== ResponseCode.SUCCESS) {
        throw new Error(
          `Cannot unregister broker from ${address}: code ${response.code}, ${
            response.remark ?? ""
          }`,
        );
      }
    }));
    return collect(namesrvAddrs, settled).failures;
  }
}

function collect<T>(
  addresses: readonly string[],
  settled: PromiseSettledResult<T>[],
): { results: T[]; failures: NamesrvCallFailure[] } {
  const results: T[] = [];
  const failures: NamesrvCallFailure[] = [];
  settled.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") results.push(outcome.value);
    else {
      const error = outcome.reason instanceof Error
        ? outcome.reason
        : new Error(String(outcome.reason));
      failures.push({ namesrvAddr: addresses[i], error });
    }
  });
  return { results, failures };
}

/**
 * Reads the KVTable body `{"table":{…}}` of a REGISTER_BROKER answer: undefined without a body
 * (the name server has no such namespace, or does not return it), else the table.
 */
function decodeKvTable(body: Uint8Array | undefined): Map<string, string> | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const table = new Map<string, string>();
  let json: unknown;
  try {
    json = JSON.parse(utf8Decoder.decode(body));
  } catch (error) {
    throw new Error(`Cannot decode REGISTER_BROKER answer: ${String(error)}`, { cause: error });
  }
  const raw = (json as { table?: unknown } | null)?.table;
  if (raw !== null && typeof raw === "object") {
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value === "string") table.set(key, value);
    }
  }
  return table;
}

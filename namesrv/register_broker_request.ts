/**
 * Builds REGISTER_BROKER requests exactly as a RocketMQ broker does (`shared/spec/bodies.md` §2,
 * `headers.md` §8): fastjson-ordered RegisterBrokerBody JSON (or the compressed form), header
 * fields as strings, `bodyCrc32` over the body as sent. For brokers, tests and benchmarks.
 *
 * @module
 */
import { encodeHeader } from "../protocol/headers/header_codec.ts";
import {
  createRequest,
  type RemotingCommand,
  type SerializeType,
} from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { bodyCrc32, encodeCompressedRegisterBrokerBody } from "./register_broker_body.ts";
import type { DataVersion, TopicConfig } from "./route_types.ts";

/** What a broker registers. */
export interface RegisterBrokerRequestOptions {
  /** `brokerClusterName` */
  clusterName: string;
  /** `brokerName` */
  brokerName: string;
  /** main `ip:port` */
  brokerAddr: string;
  /** 0 master, > 0 slave */
  brokerId: number;
  /** `brokerIP2:haPort` */
  haServerAddr: string;
  /** every topic of the broker, system topics included */
  topics: readonly TopicConfig[];
  /** version of the topic table */
  dataVersion: DataVersion;
  /** filter servers; default none */
  filterServerList?: readonly string[];
  /** `compressedRegister`; default false */
  compressed?: boolean;
  /** MQVersion ordinal of the broker; default 409 (V4_9_8) */
  version?: number;
  /** header serialization; default JSON */
  serializeType?: SerializeType;
  /** send one-way (as brokers do after topic auto-create) */
  oneway?: boolean;
}

/** fastjson writes bean properties alphabetically. */
function topicConfigJson(t: TopicConfig): string {
  return `{"order":${t.order},"perm":${t.perm},"readQueueNums":${t.readQueueNums},` +
    `"topicFilterType":${JSON.stringify(t.topicFilterType)},"topicName":${
      JSON.stringify(t.topicName)
    },` +
    `"topicSysFlag":${t.topicSysFlag},"writeQueueNums":${t.writeQueueNums}}`;
}

/**
 * Writes a RegisterBrokerBody as a 4.9.8 broker's fastjson does.
 *
 * @param topics the broker's topics
 * @param dataVersion their version
 * @param filterServerList filter servers
 * @returns the JSON text
 */
export function encodeRegisterBrokerBodyJson(
  topics: readonly TopicConfig[],
  dataVersion: DataVersion,
  filterServerList: readonly string[] = [],
): string {
  const state = dataVersion.stateVersion === undefined
    ? ""
    : `"stateVersion":${dataVersion.stateVersion},`;
  const version = `{"counter":${dataVersion.counter},${state}"timestamp":${dataVersion.timestamp}}`;
  const table = topics.map((t) => `${JSON.stringify(t.topicName)}:${topicConfigJson(t)}`).join(",");
  return `{"filterServerList":${JSON.stringify(filterServerList)},"topicConfigSerializeWrapper":` +
    `{"dataVersion":${version},"topicConfigTable":{${table}}}}`;
}

/**
 * Builds a REGISTER_BROKER request.
 *
 * @param options the broker and its topics
 * @returns the request, CRC set
 * @example
 * ```ts
 * import { createRegisterBrokerRequest } from "./register_broker_request.ts";
 * const request = createRegisterBrokerRequest({
 *   clusterName: "DefaultCluster", brokerName: "broker-a", brokerAddr: "10.0.0.1:10911", brokerId: 0,
 *   haServerAddr: "10.0.0.1:10912", topics: [], dataVersion: { counter: 0, timestamp: 0 },
 * });
 * if (request.extFields?.compressed !== "false") throw new Error("uncompressed by default");
 * ```
 */
export function createRegisterBrokerRequest(
  options: RegisterBrokerRequestOptions,
): RemotingCommand {
  const compressed = options.compressed === true;
  const body = compressed
    ? encodeCompressedRegisterBrokerBody({
      topicConfigWrapper: {
        topicConfigTable: new Map(options.topics.map((t) => [t.topicName, t])),
        dataVersion: options.dataVersion,
      },
      filterServerList: [...(options.filterServerList ?? [])],
    })
    : new TextEncoder().encode(
      encodeRegisterBrokerBodyJson(options.topics, options.dataVersion, options.filterServerList),
    );
  const extFields = encodeHeader({
    brokerAddr: options.brokerAddr,
    brokerId: options.brokerId,
    brokerName: options.brokerName,
    clusterName: options.clusterName,
    compressed,
    haServerAddr: options.haServerAddr,
    bodyCrc32: bodyCrc32(body),
  });
  return createRequest(RequestCode.REGISTER_BROKER, {
    extFields,
    body,
    language: "JAVA",
    version: options.version ?? 409,
    serializeType: options.serializeType,
    oneway: options.oneway,
  });
}

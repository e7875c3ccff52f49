/**
 * The name-server half of the admin client (RocketMQ `DefaultMQAdminExtImpl` /
 * `MQClientAPIImpl` name server calls, `shared/spec/headers.md` §8): cluster info, topic lists and
 * routes, topic deletion, KV config, name server config and write permission. Calls that change
 * state go to every name server, as RocketMQ sends them. Internal; the public face is
 * `AdminClient`.
 *
 * @module
 */

import { AssertionError } from "node:assert/strict";
import { parseProperties, stringifyProperties } from "../common/properties.ts";
import { decodeHeader } from "../protocol/headers/header_codec.ts";
import {
  AddWritePermOfBrokerResponseHeader,
  WipeWritePermOfBrokerResponseHeader,
} from "../protocol/headers/namesrv_headers.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { MQClientError } from "./client_error.ts";
import { decodeKVTable, decodeTopicList, type TopicList, warningsOf } from "./admin_bodies.ts";
import type { MQClientAPI } from "./mq_client_api.ts";
import { type ClusterInfo, decodeClusterInfo, type TopicRouteData } from "./topic_route.ts";

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Name server calls of the admin client. */
export class AdminNamesrv {
  readonly #api: MQClientAPI;
  readonly #timeoutMs: number;

  constructor(api: MQClientAPI, timeoutMs: number) {
    this.#api = api;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends to one specific name server and checks SUCCESS. */
  async #invokeAt(
    addr: string,
    code: number,
    header?: Record<string, string | number | boolean>,
    body?: Uint8Array,
    accept: number[] = [],
  ) {
    const response = await this.#api.remotingClient.invoke(
      addr,
      this.#api.request(code, header, body),
      this.#timeoutMs,
    );
    if (response.code === ResponseCode.SUCCESS || accept.includes(response.code)) return response;
    throw new MQClientError(response.remark ?? "null", {
      responseCode: response.code,
      codeInMessage: true,
    });
  }

  async #invoke(
    code: number,
    header?: Record<string, string | number | boolean>,
    accept: number[] = [],
  ) {
    return await this.#api.invokeNameServer(
      this.#api.request(code, header),
      this.#timeoutMs,
      accept,
    );
  }

  #all(addrs?: readonly string[]): readonly string[] {
    return addrs ?? this.#api.namesrv.namesrvAddrs;
  }

  async clusterInfo(): Promise<ClusterInfo> {
    return decodeClusterInfo((await this.#invoke(RequestCode.GET_BROKER_CLUSTER_INFO)).body);
  }

  async topicList(code: number, header?: Record<string, string>): Promise<TopicList> {
    return decodeTopicList((await this.#invoke(code, header)).body);
  }

  topicRoute(topic: string): Promise<TopicRouteData> {
    return this.#api.getTopicRouteInfoFromNameServer(topic, this.#timeoutMs);
  }

  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    for (const addr of this.#all()) {
      await this.#invokeAt(
        addr,
        RequestCode.DELETE_TOPIC_IN_NAMESRV,
        clusterName === undefined ? { topic } : { topic, clusterName },
      );
    }
  }

  /**
   * Sends one request to every name server, going on past a failing one, and throws the last
   * failure after the loop (RocketMQ `putKVConfigValue` / `deleteKVConfigValue` go on past an error
   * response and throw the last; they stop at an unreachable one, this goes on past that too): one
   * broken name server does not keep the others stale.
   */
  async #invokeEach(code: number, header: Record<string, string>): Promise<void> {
    let failure: unknown;
    let failed = false;
    for (const addr of this.#all()) {
      try {
        await this.#invokeAt(addr, code, header);
      } catch (error) {
        if (error instanceof AssertionError) throw error;
        failure = error;
        failed = true;
      }
    }
    if (failed) throw failure;
  }

  async putKVConfig(namespace: string, key: string, value: string): Promise<void> {
    await this.#invokeEach(RequestCode.PUT_KV_CONFIG, { namespace, key, value });
  }

  getKVConfig(namespace: string, key: string): Promise<string | undefined> {
    return this.#api.getKVConfigValue(namespace, key, this.#timeoutMs);
  }

  async deleteKVConfig(namespace: string, key: string): Promise<void> {
    await this.#invokeEach(RequestCode.DELETE_KV_CONFIG, { namespace, key });
  }

  async kvListByNamespace(namespace: string): Promise<Map<string, string>> {
    const response = await this.#invoke(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace }, [
      ResponseCode.QUERY_NOT_FOUND,
    ]);
    return response.code === ResponseCode.QUERY_NOT_FOUND
      ? new Map()
      : decodeKVTable(response.body);
  }

  async getNamesrvConfig(addrs?: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (const addr of this.#all(addrs)) {
      const response = await this.#invokeAt(addr, RequestCode.GET_NAMESRV_CONFIG);
      out.set(addr, parseProperties(utf8.decode(response.body ?? new Uint8Array())));
    }
    return out;
  }

  async updateNamesrvConfig(
    properties: ReadonlyMap<string, string>,
    addrs?: readonly string[],
  ): Promise<Map<string, string[]>> {
    const body = utf8Encoder.encode(stringifyProperties(properties));
    const warnings = new Map<string, string[]>();
    for (const addr of this.#all(addrs)) {
      const response = await this.#invokeAt(
        addr,
        RequestCode.UPDATE_NAMESRV_CONFIG,
        undefined,
        body,
      );
      warnings.set(addr, warningsOf(response.remark));
    }
    return warnings;
  }

  async writePerm(
    kind: "wipe" | "add",
    brokerName: string,
    addrs?: readonly string[],
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const addr of this.#all(addrs)) {
      const code = kind === "wipe"
        ? RequestCode.WIPE_WRITE_PERM_OF_BROKER
        : RequestCode.ADD_WRITE_PERM_OF_BROKER;
      const response = await this.#invokeAt(addr, code, { brokerName });
      out.set(
        addr,
        kind === "wipe"
          ? decodeHeader(WipeWritePermOfBrokerResponseHeader, response).wipeTopicCount
          : decodeHeader(AddWritePermOfBrokerResponseHeader, response).addTopicCount,
      );
    }
    return out;
  }
}

/**
 * The primitives of the client's remote calls (RocketMQ `MQClientAPIImpl`,
 * `shared/spec/headers.md`): request building, name server and broker invocation, routes, send,
 * pull, heartbeat and unregister. Errors follow RocketMQ: a name server error is an
 * {@linkcode MQClientError}, a broker error an {@linkcode MQBrokerError}, a transport failure the
 * remoting error. Internal: the public class is `MQClientAPI`.
 *
 * @module
 */

import type { HeaderValue } from "../protocol/headers/header_codec.ts";
import { decodeHeader, encodeHeader } from "../protocol/headers/header_codec.ts";
import { GetKVConfigResponseHeader } from "../protocol/headers/namesrv_headers.ts";
import type { PullMessageRequestHeader } from "../protocol/headers/pull_message_header.ts";
import {
  encodeSendMessageHeaderV2,
  type SendMessageRequestHeader,
} from "../protocol/headers/send_message_header.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { createRequest, type RemotingCommand } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import type { ClientConfig } from "./client_config.ts";
import { MQBrokerError, MQClientError } from "./client_error.ts";
import { encodeHeartbeatData, type HeartbeatData } from "./heartbeat_data.ts";
import { AUTO_CREATE_TOPIC_KEY_TOPIC } from "./message_const.ts";
import { NamesrvInvoker } from "./namesrv_invoker.ts";
import { processPullResponse, type PullResult } from "./pull_result.ts";
import { processSendResponse, type SendResult } from "./send_result.ts";
import { decodeTopicRouteData, type TopicRouteData } from "./topic_route.ts";

/**
 * Header fields of a request, encoded by {@linkcode encodeHeader}.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { MQClientAPI, type RequestHeader } from "./mq_client_api.ts";
 * const api = new MQClientAPI(resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" }));
 * const header: RequestHeader = { topic: "T", queueId: 0, consumerGroup: "CG" };
 * const request = api.request(14, header); // QUERY_CONSUMER_OFFSET
 * if (request.extFields?.queueId !== "0") throw new Error("header values travel as strings");
 * await api.shutdown();
 * ```
 */
export type RequestHeader = { readonly [key: string]: HeaderValue };

/**
 * The primitives of {@linkcode MQClientAPI}: request building, name server and broker invocation,
 * routes, send, pull, heartbeat and unregister.
 */
export class MQClientAPIBase {
  /** the remoting client every call goes through */
  readonly remotingClient: RemotingClient;
  /** name server selection */
  readonly namesrv: NamesrvInvoker;
  readonly #config: ClientConfig;

  /**
   * @param config resolved client config (transport, serialize type, name servers)
   * @param remotingClient an existing client to call through; default a new one
   */
  constructor(config: ClientConfig, remotingClient?: RemotingClient) {
    this.#config = config;
    this.remotingClient = remotingClient ?? new RemotingClient({
      transport: config.transport,
      serializeType: config.serializeType,
      clock: config.clock,
      logger: config.logger,
    });
    this.namesrv = new NamesrvInvoker({
      remotingClient: this.remotingClient,
      namesrvAddrs: config.namesrvAddrs,
      clock: config.clock,
    });
  }

  /**
   * Builds a request with this client's language and serialization.
   *
   * @param code request code
   * @param header header fields (null/undefined skipped)
   * @param body payload
   * @returns the request
   */
  request(code: number, header?: RequestHeader, body?: Uint8Array): RemotingCommand {
    return createRequest(code, {
      extFields: header === undefined ? undefined : encodeHeader(header),
      body,
      language: this.#config.language,
      serializeType: this.#config.serializeType,
    });
  }

  /**
   * Sends a request to a name server (rotating on failure) and checks for SUCCESS.
   *
   * @param request the request
   * @param timeoutMs deadline
   * @param accept response codes besides SUCCESS to return instead of throwing
   * @returns the response
   * @throws {MQClientError} `CODE: <code>  DESC: <remark>` for other codes
   */
  async invokeNameServer(
    request: RemotingCommand,
    timeoutMs: number,
    accept: readonly number[] = [],
  ): Promise<RemotingCommand> {
    const response = await this.namesrv.invoke(request, timeoutMs);
    if (response.code === ResponseCode.SUCCESS || accept.includes(response.code)) return response;
    throw new MQClientError(response.remark ?? "null", {
      responseCode: response.code,
      codeInMessage: true,
    });
  }

  /**
   * Sends a request to a broker and checks for SUCCESS.
   *
   * @param addr broker `host:port`
   * @param request the request
   * @param timeoutMs deadline
   * @param accept response codes besides SUCCESS to return instead of throwing
   * @returns the response
   * @throws {MQBrokerError} for other codes
   */
  async invokeBroker(
    addr: string,
    request: RemotingCommand,
    timeoutMs: number,
    accept: readonly number[] = [],
  ): Promise<RemotingCommand> {
    const response = await this.remotingClient.invoke(addr, request, timeoutMs);
    if (response.code === ResponseCode.SUCCESS || accept.includes(response.code)) return response;
    throw new MQBrokerError(response.code, response.remark, addr);
  }

  /**
   * GET_ROUTEINFO_BY_TOPIC. Asks for standard JSON (`acceptStandardJsonOnly`) yet reads either form.
   *
   * @param topic the topic
   * @param timeoutMs deadline
   * @returns the route
   * @throws {MQClientError} with responseCode TOPIC_NOT_EXIST (17) when the name server has none
   */
  async getTopicRouteInfoFromNameServer(topic: string, timeoutMs: number): Promise<TopicRouteData> {
    const request = this.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      topic,
      acceptStandardJsonOnly: true,
    });
    const response = await this.invokeNameServer(request, timeoutMs);
    return decodeTopicRouteData(response.body);
  }

  /**
   * The route of the auto-create template `TBW102` (RocketMQ `getDefaultTopicRouteInfoFromNameServer`).
   *
   * @param timeoutMs deadline
   * @returns its route
   */
  getDefaultTopicRouteInfoFromNameServer(timeoutMs: number): Promise<TopicRouteData> {
    return this.getTopicRouteInfoFromNameServer(AUTO_CREATE_TOPIC_KEY_TOPIC, timeoutMs);
  }

  /**
   * GET_KV_CONFIG.
   *
   * @param namespace KV namespace
   * @param key the key
   * @param timeoutMs deadline
   * @returns the value, or undefined when absent (QUERY_NOT_FOUND)
   */
  async getKVConfigValue(
    namespace: string,
    key: string,
    timeoutMs: number,
  ): Promise<string | undefined> {
    const request = this.request(RequestCode.GET_KV_CONFIG, { namespace, key });
    const response = await this.invokeNameServer(request, timeoutMs, [
      ResponseCode.QUERY_NOT_FOUND,
    ]);
    if (response.code === ResponseCode.QUERY_NOT_FOUND) return undefined;
    return decodeHeader(GetKVConfigResponseHeader, response).value;
  }

  /**
   * SEND_MESSAGE_V2 (one-letter header) or, for a packed batch, SEND_BATCH_MESSAGE, as RocketMQ's
   * clients send by default (headers.md §1).
   *
   * @param addr broker `host:port` (the VIP address when the VIP channel is on)
   * @param send broker name, long-form header, body, whether a batch, unique id(s)
   * @param timeoutMs deadline
   * @param oneway send without waiting for an answer; resolves undefined
   * @returns the send result, or undefined for one-way sends
   * @throws {MQBrokerError} for codes other than 0, 10, 11, 12
   */
  async sendMessage(
    addr: string,
    send: {
      brokerName: string;
      header: SendMessageRequestHeader;
      body: Uint8Array;
      batch: boolean;
      uniqMsgId: string;
    },
    timeoutMs: number,
    oneway = false,
  ): Promise<SendResult | undefined> {
    if (oneway) {
      await this.remotingClient.invokeOneway(addr, this.#sendRequest(send), timeoutMs);
      return undefined;
    }
    const response = await this.sendMessageRequest(addr, send, timeoutMs);
    return processSendResponse(response, {
      brokerName: send.brokerName,
      topic: send.header.topic,
      uniqMsgId: send.uniqMsgId,
      brokerAddr: addr,
    });
  }

  /**
   * SEND_MESSAGE_V2 or SEND_BATCH_MESSAGE, answered with the raw response: for a caller that is
   * itself async and reads the result with `processSendResponse` (one async frame less per send).
   *
   * @param addr broker `host:port` (the VIP address when the VIP channel is on)
   * @param send long-form header, body, whether a batch
   * @param timeoutMs deadline
   * @returns the broker's response, whatever its code
   */
  sendMessageRequest(
    addr: string,
    send: { header: SendMessageRequestHeader; body: Uint8Array; batch: boolean },
    timeoutMs: number,
  ): Promise<RemotingCommand> {
    return this.remotingClient.invoke(addr, this.#sendRequest(send), timeoutMs);
  }

  #sendRequest(
    send: { header: SendMessageRequestHeader; body: Uint8Array; batch: boolean },
  ): RemotingCommand {
    const code = send.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
    return createRequest(code, {
      extFields: encodeSendMessageHeaderV2(send.header),
      body: send.body,
      language: this.#config.language,
      serializeType: this.#config.serializeType,
    });
  }

  /**
   * PULL_MESSAGE (always to the main port).
   *
   * @param addr broker `host:port`
   * @param header the pull header
   * @param timeoutMs deadline (longer than `suspendTimeoutMillis` for long polls)
   * @returns the pull result with the raw records
   * @throws {MQBrokerError} for codes other than 0, 19, 20, 21
   */
  async pullMessage(
    addr: string,
    header: PullMessageRequestHeader,
    timeoutMs: number,
  ): Promise<PullResult> {
    const code = (header.sysFlag & 0x10) !== 0
      ? RequestCode.LITE_PULL_MESSAGE
      : RequestCode.PULL_MESSAGE;
    const response = await this.remotingClient.invoke(addr, this.request(code, header), timeoutMs);
    return processPullResponse(response, addr);
  }

  /**
   * HEART_BEAT (to the main port).
   *
   * @param addr broker `host:port`
   * @param heartbeat the heartbeat
   * @param timeoutMs deadline
   * @returns the broker's MQVersion ordinal from the response
   */
  async sendHeartbeat(addr: string, heartbeat: HeartbeatData, timeoutMs: number): Promise<number> {
    const request = this.request(RequestCode.HEART_BEAT, undefined, encodeHeartbeatData(heartbeat));
    const response = await this.invokeBroker(addr, request, timeoutMs);
    return response.version;
  }

  /**
   * UNREGISTER_CLIENT.
   *
   * @param addr broker `host:port`
   * @param groups the client id and the group leaving
   * @param timeoutMs deadline
   */
  async unregisterClient(
    addr: string,
    groups: { clientID: string; producerGroup?: string; consumerGroup?: string },
    timeoutMs: number,
  ): Promise<void> {
    await this.invokeBroker(addr, this.request(RequestCode.UNREGISTER_CLIENT, groups), timeoutMs);
  }
}

/**
 * A minimal RocketMQ client for broker tests: builds the requests a Java 4.x client sends
 * (SEND_MESSAGE_V2 / SEND_MESSAGE, PULL_MESSAGE, HEART_BEAT, offsets) by hand on a
 * `RemotingClient`, in either header serialization. There is no client library yet; this is the
 * least needed to drive the broker over real sockets.
 *
 * @module
 */

import {
  createRequest,
  type RemotingCommand,
  type SerializeType,
} from "../protocol/remoting_command.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RequestCode } from "../protocol/request_code.ts";
import type { Transport } from "../protocol/transport.ts";
import { encodeProperties } from "../store/message_properties.ts";
import { decodeRecord, type MessageRecord } from "../store/message_record.ts";

/** Options of one send. */
export interface TestSendOptions {
  /** queue; default -1 (broker picks) */
  queueId?: number;
  /** TAGS property */
  tags?: string;
  /** KEYS property */
  keys?: string;
  /** more properties */
  properties?: Record<string, string>;
  /** request code: SEND_MESSAGE_V2 (default) or SEND_MESSAGE */
  code?: number;
  /** producer group; default "PG_TEST" */
  producerGroup?: string;
  /** header extFields to replace (bad-input tests) */
  extFields?: Record<string, string>;
}

/** Options of one pull. */
export interface TestPullOptions {
  group: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMsgNums?: number;
  /** PullSysFlag bits; default SUBSCRIPTION | SUSPEND when `subscription` is set, else SUSPEND */
  sysFlag?: number;
  subscription?: string;
  suspendTimeoutMillis?: number;
  commitOffset?: number;
  subVersion?: number;
}

let uniqCounter = 0;

/** @returns a 32-hex-character id shaped like a Java client's UNIQ_KEY */
export function nextUniqKey(): string {
  uniqCounter = (uniqCounter + 1) & 0xffff;
  const random = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");
  return `7F000001${random}${Date.now().toString(16).slice(-12).padStart(12, "0")}${
    uniqCounter.toString(16).padStart(4, "0")
  }`.toUpperCase();
}

/** Hand-built RocketMQ requests against one broker address. */
export class TestBrokerClient {
  /** the remoting client (close with {@linkcode TestBrokerClient.close}) */
  readonly remoting: RemotingClient;
  /** the broker `host:port` */
  readonly address: string;
  /** timeout of each call */
  timeoutMs = 10_000;

  /**
   * @param transport how to connect
   * @param address broker `host:port`
   * @param serializeType request header serialization
   */
  constructor(transport: Transport, address: string, serializeType: SerializeType = "JSON") {
    this.remoting = new RemotingClient({ transport, serializeType, logger: silentRemotingLogger });
    this.address = address;
  }

  /** Closes the connections. */
  close(): Promise<void> {
    return this.remoting.shutdown();
  }

  /**
   * @param request any request
   * @param timeoutMs longest wait; default {@linkcode TestBrokerClient.timeoutMs}
   * @returns the response
   */
  invoke(request: RemotingCommand, timeoutMs = this.timeoutMs): Promise<RemotingCommand> {
    return this.remoting.invoke(this.address, request, timeoutMs);
  }

  /** @returns the SEND request a Java producer would send */
  sendRequest(topic: string, body: Uint8Array, options: TestSendOptions = {}): RemotingCommand {
    const props: Record<string, string> = {
      UNIQ_KEY: nextUniqKey(),
      WAIT: "true",
      ...options.properties,
    };
    if (options.tags !== undefined) props.TAGS = options.tags;
    if (options.keys !== undefined) props.KEYS = options.keys;
    const long = {
      producerGroup: options.producerGroup ?? "PG_TEST",
      topic,
      defaultTopic: "TBW102",
      defaultTopicQueueNums: "4",
      queueId: String(options.queueId ?? -1),
      sysFlag: "0",
      bornTimestamp: String(Date.now()),
      flag: "0",
      properties: encodeProperties(props),
      reconsumeTimes: "0",
      unitMode: "false",
      batch: "false",
    };
    const code = options.code ?? RequestCode.SEND_MESSAGE_V2;
    const extFields = options.extFields ?? (code === RequestCode.SEND_MESSAGE ? long : {
      a: long.producerGroup,
      b: long.topic,
      c: long.defaultTopic,
      d: long.defaultTopicQueueNums,
      e: long.queueId,
      f: long.sysFlag,
      g: long.bornTimestamp,
      h: long.flag,
      i: long.properties,
      j: long.reconsumeTimes,
      k: long.unitMode,
      m: long.batch,
    });
    return createRequest(code, { extFields, body, language: "JAVA", version: 409 });
  }

  /** Sends one message. @returns the response */
  send(
    topic: string,
    body: Uint8Array | string,
    options: TestSendOptions = {},
  ): Promise<RemotingCommand> {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    return this.invoke(this.sendRequest(topic, bytes, options));
  }

  /** @returns the PULL_MESSAGE request a Java consumer would send */
  pullRequest(options: TestPullOptions): RemotingCommand {
    const sysFlag = options.sysFlag ?? (options.subscription !== undefined ? 0x4 | 0x2 : 0x2);
    const extFields: Record<string, string> = {
      consumerGroup: options.group,
      topic: options.topic,
      queueId: String(options.queueId),
      queueOffset: String(options.queueOffset),
      maxMsgNums: String(options.maxMsgNums ?? 32),
      sysFlag: String(sysFlag),
      commitOffset: String(options.commitOffset ?? 0),
      suspendTimeoutMillis: String(options.suspendTimeoutMillis ?? 15_000),
      subVersion: String(options.subVersion ?? 0),
      expressionType: "TAG",
    };
    if (options.subscription !== undefined) extFields.subscription = options.subscription;
    return createRequest(RequestCode.PULL_MESSAGE, { extFields, language: "JAVA", version: 409 });
  }

  /** Pulls once. @returns the response (the client's timeout is hold + 15 s, as Java's) */
  pull(options: TestPullOptions): Promise<RemotingCommand> {
    return this.invoke(
      this.pullRequest(options),
      (options.suspendTimeoutMillis ?? 15_000) + 15_000,
    );
  }

  /**
   * Sends a heartbeat for one consumer group ({@linkcode heartbeatRequest}).
   *
   * @param clientId the client id
   * @param group consumer group
   * @param subscriptions topic → expression
   * @returns the response
   */
  heartbeat(
    clientId: string,
    group: string,
    subscriptions: Record<string, string>,
  ): Promise<RemotingCommand> {
    return this.invoke(heartbeatRequest(clientId, group, subscriptions));
  }

  /**
   * @param code request code
   * @param extFields header
   * @returns the response
   */
  call(code: number, extFields: Record<string, string>): Promise<RemotingCommand> {
    return this.invoke(createRequest(code, { extFields, language: "JAVA", version: 409 }));
  }
}

/**
 * UPDATE_AND_CREATE_TOPIC as mqadmin `updateTopic` sends it: 4 read and 4 write queues, read and
 * write permission, unless `fields` says otherwise.
 *
 * @param topic the topic
 * @param fields header fields over those
 * @returns the request
 */
export function updateTopicRequest(
  topic: string,
  fields: Record<string, string> = {},
): RemotingCommand {
  const extFields = {
    topic,
    defaultTopic: "TBW102",
    readQueueNums: "4",
    writeQueueNums: "4",
    perm: "6",
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: "0",
    order: "false",
    ...fields,
  };
  return createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields });
}

/**
 * A Java client's HEART_BEAT for one clustering push consumer group (and its inner producer).
 *
 * @param clientId the client id
 * @param group consumer group
 * @param subscriptions topic → expression
 * @returns the request
 */
export function heartbeatRequest(
  clientId: string,
  group: string,
  subscriptions: Record<string, string>,
): RemotingCommand {
  const subscriptionDataSet = Object.entries(subscriptions).map(([topic, subString]) => ({
    classFilterMode: false,
    expressionType: "TAG",
    subString,
    subVersion: 1,
    topic,
  }));
  const body = {
    clientID: clientId,
    consumerDataSet: [{
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      consumeType: "CONSUME_PASSIVELY",
      groupName: group,
      messageModel: "CLUSTERING",
      subscriptionDataSet,
      unitMode: false,
    }],
    producerDataSet: [{ groupName: "CLIENT_INNER_PRODUCER" }],
  };
  return createRequest(RequestCode.HEART_BEAT, {
    body: new TextEncoder().encode(JSON.stringify(body)),
    language: "JAVA",
    version: 409,
  });
}

/**
 * Decodes a pull / query / view body: stored records back to back.
 *
 * @param body the response body
 * @returns the records
 */
export function decodeRecords(body: Uint8Array | undefined): MessageRecord[] {
  const records: MessageRecord[] = [];
  let offset = 0;
  while (body !== undefined && offset < body.length) {
    const record = decodeRecord(body, offset);
    records.push(record);
    offset += record.totalSize;
  }
  return records;
}

/**
 * INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223, `mqadmin getConsumerStatus`), as RocketMQ 4.9.8's
 * `Broker2Client.getConsumeStatus` answers it: the broker asks each client of the group (or the
 * one whose client id `clientAddr` names) for its offsets on the topic with
 * GET_CONSUMER_STATUS_FROM_CLIENT (221) and answers a `GetConsumerStatusBody` whose
 * `consumerTable` maps client id → MessageQueue → offset (`shared/spec/bodies.md` §6).
 *
 * @module
 */
import { z } from "zod";
import { readFastjson } from "../../common/fastjson_reader.ts";
import { decodeHeader, encodeHeader } from "../../protocol/headers/header_codec.ts";
import { GetConsumerStatusRequestHeader } from "../../protocol/headers/admin_headers.ts";
import { createRequest, createResponse } from "../../protocol/remoting_command.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import { CONSUMER_STATUS_BODY_BYTES_MAX, CONSUMER_STATUS_TIMEOUT_MS } from "../limits.ts";
import { guardProcessor } from "./_processor_support.ts";
import { compareMessageQueues, type MessageQueue, messageQueueMapJson } from "./admin_bodies.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

const utf8 = new TextEncoder();
const mqSchema = z.object({ topic: z.string(), brokerName: z.string(), queueId: z.number().int() });
const clientStatusSchema = z.object({
  messageQueueTable: z.record(z.string(), z.number().int()).nullish(),
});

/**
 * Reads a client's GetConsumerStatusBody (fastjson writes its MessageQueue keys as bare objects).
 *
 * @param body the client's answer body
 * @returns its offsets, sorted by queue
 * @throws {Error} when the body is not a GetConsumerStatusBody
 */
export function decodeClientConsumerStatus(body: Uint8Array | undefined): [MessageQueue, number][] {
  if (body === undefined || body.length === 0) throw new Error("GetConsumerStatusBody is empty");
  const raw = clientStatusSchema.parse(readFastjson(body));
  const table: [MessageQueue, number][] = [];
  for (const [key, offset] of Object.entries(raw.messageQueueTable ?? {})) {
    table.push([mqSchema.parse(JSON.parse(key)), offset]);
  }
  return table.sort(([a], [b]) => compareMessageQueues(a, b));
}

/**
 * Encodes the broker's GetConsumerStatusBody: `{"consumerTable":{clientId:{mq:offset}},
 * "messageQueueTable":{}}` (fastjson's alphabetical order, clients sorted by id).
 *
 * @param consumerTable each client's offsets
 * @returns the UTF-8 body
 */
export function encodeConsumerStatusBody(
  consumerTable: ReadonlyMap<string, readonly [MessageQueue, number][]>,
): Uint8Array {
  const clients = [...consumerTable.keys()].sort().map((clientId) =>
    `${JSON.stringify(clientId)}:${messageQueueMapJson(consumerTable.get(clientId)!, String)}`
  );
  return utf8.encode(`{"consumerTable":{${clients.join(",")}},"messageQueueTable":{}}`);
}

/**
 * Asks the group's clients for their offsets on a topic, all at once, each for at most
 * `CONSUMER_STATUS_TIMEOUT_MS`. A client that does not answer, fails or answers a bad body is left
 * out (and logged), as RocketMQ does.
 *
 * @param context the broker
 * @param header the request
 * @returns each answering client's offsets by client id
 * @throws {BrokerError} SYSTEM_ERROR when no client of the group is online
 */
export async function consumerStatusOf(
  context: BrokerAdminContext,
  header: GetConsumerStatusRequestHeader,
): Promise<Map<string, [MessageQueue, number][]>> {
  const { topic, group } = header;
  const channels = context.consumerManager.getConsumerGroupInfo(group)?.channelInfos() ?? [];
  if (channels.length === 0) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `No Any Consumer online in the consumer group: [${group}]`,
    );
  }
  const named = header.clientAddr?.trim() ?? "";
  const clientIds = channels.map((c) => c.clientId).filter((id) => named === "" || id === named);
  const table = new Map<string, [MessageQueue, number][]>();
  await Promise.all([...new Set(clientIds)].map(async (clientId) => {
    const request = createRequest(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, {
      extFields: encodeHeader({ topic, group }),
    });
    try {
      const answer = context.callConsumer(group, clientId, request, CONSUMER_STATUS_TIMEOUT_MS);
      const response = await answer;
      if (response?.code !== ResponseCode.SUCCESS || response.body === undefined) return;
      table.set(clientId, decodeClientConsumerStatus(response.body));
    } catch (error) {
      context.logger.warn(
        `broker admin: cannot get the consumer status of ${clientId} in ${group} on ${topic}: ${
          String(error)
        }`,
      );
    }
  }));
  return table;
}

/**
 * Registers INVOKE_BROKER_TO_GET_CONSUMER_STATUS.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerConsumerStatusAdminProcessor(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  registry.registerProcessor(
    RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS,
    guardProcessor(context.logger, async (request) => {
      const header = decodeHeader(GetConsumerStatusRequestHeader, request);
      const body = encodeConsumerStatusBody(await consumerStatusOf(context, header));
      if (body.length > CONSUMER_STATUS_BODY_BYTES_MAX) {
        throw new BrokerError(
          ResponseCode.SYSTEM_ERROR,
          `Cannot answer the consumer status of ${header.group} on ${header.topic}: body of ${body.length} bytes exceeds ${CONSUMER_STATUS_BODY_BYTES_MAX}; name one client with clientAddr`,
        );
      }
      return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
    }),
  );
}

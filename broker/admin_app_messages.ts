/**
 * Message routes of the broker HTTP admin: view one message by its offset message id (as
 * VIEW_MESSAGE_BY_ID), find messages by key (as QUERY_MESSAGE), and produce a message over HTTP
 * for runtimes with `fetch` but no raw TCP (the same path as SEND_MESSAGE, through
 * {@linkcode BrokerAdminContext.sendMessage}).
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { ResponseCode, responseCodeName } from "../protocol/response_code.ts";
import {
  decodeOffsetMessageId,
  type HostAddress,
  type OffsetMessageId,
} from "../store/message_id.ts";
import {
  encodeProperties,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
} from "../store/message_properties.ts";
import { decodeRecord } from "../store/message_record.ts";
import { UniqKeyGenerator } from "../store/uniq_key.ts";
import {
  HTTP_MESSAGE_BODY_BYTES_MAX,
  HTTP_PROPERTIES_MAX,
  HTTP_PROPERTY_CHARS_MAX,
  HTTP_QUERY_INFLATED_BYTES_MAX,
  HTTP_QUERY_MESSAGES_DEFAULT,
  HTTP_QUERY_MESSAGES_MAX,
} from "./admin_app_limits.ts";
import { decodeBase64, messageView, recordHasKey } from "./admin_app_message_view.ts";
import {
  HttpError,
  httpStatusOf,
  intBetween,
  jsonBody,
  queryIntBetween,
  validate,
} from "./admin_app_support.ts";
import { requireTopic } from "./admin_app_topics.ts";
import { QUEUE_NUMS_MAX } from "./limits.ts";
import type { BrokerAdminContext } from "./processors/admin_context.ts";
import { AUTO_CREATE_TOPIC_KEY_TOPIC } from "./topic_validator.ts";

/** Producer group of messages produced over HTTP (transaction check-backs never go to it). */
export const HTTP_PRODUCER_GROUP = "EDGEMQ_HTTP_PRODUCER";

/** Properties the broker sets from the dedicated fields, refused in `properties`. */
const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  MessageConst.PROPERTY_TAGS,
  MessageConst.PROPERTY_KEYS,
  MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
  MessageConst.PROPERTY_WAIT_STORE_MSG_OK,
]);

const textField = (what: string) =>
  z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` })
    .max(HTTP_PROPERTY_CHARS_MAX, {
      error: `expected ${what} of at most ${HTTP_PROPERTY_CHARS_MAX} characters`,
    })
    .refine((text) => !text.includes(NAME_VALUE_SEPARATOR) && !text.includes(PROPERTY_SEPARATOR), {
      error: `expected ${what} without \\u0001 or \\u0002`,
    });

const produceSchema = z.strictObject({
  body: z.string({ error: "expected the message body as a string" }),
  bodyEncoding: z.enum(["utf-8", "base64"], { error: "expected utf-8 or base64" }).default("utf-8"),
  tags: textField("a tag").optional(),
  keys: z.union([textField("a key"), z.array(textField("a key")).max(HTTP_PROPERTIES_MAX)], {
    error: "expected a key or an array of keys",
  }).optional(),
  // As entries: an object rebuilt by assignment would drop a property named __proto__.
  properties: z.preprocess(
    (v) =>
      v === undefined
        ? v
        : v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.entries(v)
        : null, // anything else (an array of pairs too) is refused as not an object
    z.array(z.tuple([textField("a property name"), textField("a property value")]), {
      error: "expected an object of string properties",
    }).max(HTTP_PROPERTIES_MAX, { error: `expected at most ${HTTP_PROPERTIES_MAX} properties` })
      .refine((p) => p.every(([k]) => !RESERVED_PROPERTIES.has(k)), {
        error: "expected no TAGS, KEYS, UNIQ_KEY or WAIT property (use the tags and keys fields)",
      }),
  ).optional(),
  queueId: intBetween(0, QUEUE_NUMS_MAX - 1).optional(),
  producerGroup: textField("a producer group").optional(),
});

const queryMessagesSchema = z.looseObject({
  topic: z.string({ error: "expected a topic" }).min(1, { error: "expected a topic" }),
  key: z.string({ error: "expected a key" }).min(1, { error: "expected a key" }),
  maxNum: queryIntBetween(1, HTTP_QUERY_MESSAGES_MAX).default(HTTP_QUERY_MESSAGES_DEFAULT),
  begin: queryIntBetween(0, Number.MAX_SAFE_INTEGER).default(0),
  end: queryIntBetween(0, Number.MAX_SAFE_INTEGER).default(Number.MAX_SAFE_INTEGER),
});

const viewQuerySchema = z.looseObject({
  bodyEncoding: z.enum(["utf-8", "base64"], { error: "expected utf-8 or base64" }).optional(),
});

/** Generates a UNIQ_KEY for an HTTP message (clients generate theirs; 32 upper-case hex chars). */
/**
 * UNIQ_KEYs of the HTTP producer, made as a RocketMQ client makes them (admin tools read the time
 * back to bound a lookup by unique key): the broker's IP, pid 0 (the core reads no process id;
 * the random per-generator value keeps brokers apart).
 */
function uniqKeyGenerator(context: BrokerAdminContext): UniqKeyGenerator {
  const ip = context.brokerAddr.slice(0, context.brokerAddr.lastIndexOf(":"));
  return new UniqKeyGenerator({ clientIP: ip, pid: 0, clock: context.clock });
}

/** The HTTP client's `ip:port` when the server adapter passed it (`Deno.serve` info), else a placeholder. */
function clientAddress(c: Context): string {
  const info = c.env as { remoteAddr?: { hostname?: unknown; port?: unknown } } | undefined;
  const host = info?.remoteAddr?.hostname;
  const port = info?.remoteAddr?.port;
  if (typeof host === "string" && typeof port === "number") {
    return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  }
  return "127.0.0.1:0";
}

/** The message's properties: user ones, then TAGS, KEYS, UNIQ_KEY and WAIT as a Java producer sets them. */
function buildProperties(
  input: z.output<typeof produceSchema>,
  uniqKey: string,
): Map<string, string> {
  const properties = new Map<string, string>(input.properties ?? []);
  if (input.tags !== undefined) properties.set(MessageConst.PROPERTY_TAGS, input.tags);
  const keys = typeof input.keys === "string" ? [input.keys] : input.keys ?? [];
  if (keys.length > 0) {
    properties.set(MessageConst.PROPERTY_KEYS, keys.join(MessageConst.KEY_SEPARATOR));
  }
  properties.set(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, uniqKey);
  properties.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, "true");
  return properties;
}

/** Codes of a stored message (SendStatus other than SEND_OK included). */
const STORED_STATUS: ReadonlyMap<number, string> = new Map([
  [ResponseCode.SUCCESS, "SEND_OK"],
  [ResponseCode.FLUSH_DISK_TIMEOUT, "FLUSH_DISK_TIMEOUT"],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, "FLUSH_SLAVE_TIMEOUT"],
  [ResponseCode.SLAVE_NOT_AVAILABLE, "SLAVE_NOT_AVAILABLE"],
]);

async function produce(
  context: BrokerAdminContext,
  uniqKeys: UniqKeyGenerator,
  c: Context,
): Promise<Response> {
  const topic = c.req.param("topic") ?? "";
  const input = await jsonBody(c, produceSchema);
  const body = input.bodyEncoding === "base64"
    ? decodeBase64(input.body)
    : new TextEncoder().encode(input.body);
  if (body === null) {
    throw new HttpError(400, "Invalid request body: body: expected base64", {
      field: "body",
      expected: "base64",
    });
  }
  if (body.length > HTTP_MESSAGE_BODY_BYTES_MAX) {
    throw new HttpError(
      413,
      `Message body of ${body.length} bytes exceeds ${HTTP_MESSAGE_BODY_BYTES_MAX} bytes`,
    );
  }
  const bornTimestamp = context.clock.now();
  const uniqKey = uniqKeys.createUniqID(bornTimestamp);
  const header = {
    producerGroup: input.producerGroup ?? HTTP_PRODUCER_GROUP,
    topic,
    defaultTopic: AUTO_CREATE_TOPIC_KEY_TOPIC,
    defaultTopicQueueNums: 4,
    queueId: input.queueId ?? -1,
    sysFlag: 0,
    bornTimestamp,
    flag: 0,
    properties: encodeProperties(buildProperties(input, uniqKey)),
    reconsumeTimes: 0,
    unitMode: false,
    batch: false,
  };
  const result = await context.sendMessage(header, body, clientAddress(c));
  const status = STORED_STATUS.get(result.code);
  if (status === undefined) {
    const remark = result.remark ?? responseCodeName(result.code);
    if (result.serverSide) {
      // RocketMQ clients retry these; a 4xx would tell an HTTP client its request was wrong.
      c.header("Retry-After", "1");
      return c.json({ error: remark, code: result.code }, 503);
    }
    return c.json({ error: remark, code: result.code }, httpStatusOf(result.code));
  }
  return c.json({
    status,
    msgId: result.msgId ?? null,
    uniqKey,
    topic,
    queueId: result.queueId ?? null,
    queueOffset: result.queueOffset ?? null,
  }, 201);
}

function sameHost(a: HostAddress, b: HostAddress): boolean {
  return a.port === b.port && a.address.length === b.address.length &&
    a.address.every((byte, i) => byte === b.address[i]);
}

/**
 * Registers `GET /messages/:msgId`, `GET /messages?topic=&key=` and `POST /topics/:topic/messages`.
 *
 * @param app the admin app
 * @param context the broker
 */
export function registerMessageRoutes(app: Hono, context: BrokerAdminContext): void {
  app.get("/messages/:msgId", async (c) => {
    const msgId = c.req.param("msgId");
    const query = validate(viewQuerySchema, c.req.query(), "query");
    let decoded: OffsetMessageId;
    try {
      decoded = decodeOffsetMessageId(msgId);
    } catch (error) {
      throw new HttpError(400, (error as Error).message, {
        field: "msgId",
        expected: "an offset message id",
      });
    }
    const record = await context.messageStore.lookMessageByOffset(decoded.physicalOffset);
    // An id names its broker too: another broker's id may hit an unrelated record here.
    if (record === null || !sameHost(record.storeHost, decoded.host)) {
      throw new HttpError(404, `No message with id ${msgId}`, { msgId });
    }
    return c.json(messageView(record, query.bodyEncoding));
  });

  app.get("/messages", async (c) => {
    const query = validate(queryMessagesSchema, c.req.query(), "query");
    requireTopic(context, query.topic);
    const found = await context.messageStore.queryMessage(
      query.topic,
      query.key,
      query.maxNum,
      query.begin,
      query.end,
    );
    const budget = {
      remainingBytes: HTTP_QUERY_INFLATED_BYTES_MAX,
      limitName: `HTTP_QUERY_INFLATED_BYTES_MAX (${HTTP_QUERY_INFLATED_BYTES_MAX} bytes)`,
    };
    const messages = found.messages.map((bytes) => decodeRecord(bytes))
      .filter((record) => recordHasKey(record, query.topic, query.key))
      .map((record) => messageView(record, undefined, budget));
    return c.json({ topic: query.topic, key: query.key, messages });
  });

  const uniqKeys = uniqKeyGenerator(context);
  app.post("/topics/:topic/messages", (c) => produce(context, uniqKeys, c));
}

/**
 * Decodes the HEART_BEAT body, RocketMQ `HeartbeatData` (bodies.md §5): the client id, its
 * producer groups and its consumer groups with their subscriptions. fastjson writes enums by name
 * and reads names or ordinals, so both are accepted here. Also decodes the CHECK_CLIENT_CONFIG
 * body (`CheckClientRequestBody`, headers.md §4), whose subscription has the same form.
 *
 * @module
 */

import { z } from "zod";
import { jsonDepthExceeded } from "../../common/json_depth.ts";
import { JSON_BODY_DEPTH_MAX } from "../../common/limits.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { BrokerError } from "../broker_error.ts";
import type { ConsumeFromWhere, ConsumeType, MessageModel } from "../consumer_group_info.ts";
import { buildSubscriptionData, type SubscriptionData } from "../filter/mod.ts";
import {
  CLIENT_ID_LENGTH_MAX,
  HEARTBEAT_GROUPS_MAX,
  SUBSCRIPTION_EXPRESSION_LENGTH_MAX,
} from "../limits.ts";

/** One consumer group of a heartbeat (RocketMQ `ConsumerData`). */
export interface ConsumerData {
  /** the group */
  readonly groupName: string;
  /** pull, push or POP */
  readonly consumeType: ConsumeType;
  /** clustering or broadcasting */
  readonly messageModel: MessageModel;
  /** start position of queues without a committed offset */
  readonly consumeFromWhere: ConsumeFromWhere;
  /** the group's subscriptions on this client */
  readonly subscriptionDataSet: readonly SubscriptionData[];
  /** unit mode (topic sysFlag of the retry topic) */
  readonly unitMode: boolean;
}

/** A decoded heartbeat. */
export interface HeartbeatData {
  /** the client id, e.g. `192.168.1.20@12345#987654321` */
  readonly clientID: string;
  /** producer groups (includes `CLIENT_INNER_PRODUCER`) */
  readonly producerGroups: readonly string[];
  /** consumer groups */
  readonly consumerDataSet: readonly ConsumerData[];
}

/** An enum as fastjson reads it: its name, or its ordinal in declaration order. */
function javaEnum<const T extends readonly [string, ...string[]]>(names: T, fallback: T[number]) {
  return z.union([z.string(), z.number().int()]).optional().transform((value, ctx): T[number] => {
    if (value === undefined) return fallback;
    if (typeof value === "number") {
      if (value >= 0 && value < names.length) return names[value];
    } else if ((names as readonly string[]).includes(value)) {
      return value as T[number];
    }
    ctx.issues.push({
      code: "custom",
      message: `is not one of ${names.join(", ")}: ${value}`,
      input: value,
    });
    return z.NEVER;
  });
}

const CONSUME_TYPES = ["CONSUME_ACTIVELY", "CONSUME_PASSIVELY", "CONSUME_POP"] as const;
const MESSAGE_MODELS = ["BROADCASTING", "CLUSTERING"] as const;
const CONSUME_FROM_WHERE = [
  "CONSUME_FROM_LAST_OFFSET",
  "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
  "CONSUME_FROM_MIN_OFFSET",
  "CONSUME_FROM_MAX_OFFSET",
  "CONSUME_FROM_FIRST_OFFSET",
  "CONSUME_FROM_TIMESTAMP",
] as const;

const name = z.string().max(CLIENT_ID_LENGTH_MAX);

/**
 * A Java `int` of a tag hash: a JSON number, or a decimal string (rocketmq-client-go writes its
 * codeSet as strings; fastjson turns them into Integers).
 */
const tagCode = z.union([z.number(), z.string().regex(/^[+-]?\d{1,10}$/).transform(Number)])
  .refine((n) => Number.isInteger(n) && n >= -0x8000_0000 && n <= 0x7fff_ffff, "is not an int");

const subscriptionSchema = z.object({
  topic: name,
  subString: z.string().max(SUBSCRIPTION_EXPRESSION_LENGTH_MAX).nullish(),
  expressionType: z.string().max(64).nullish(),
  // A Java long: rocketmq-client-go sends time.Now().UnixNano(), past 2^53 (kept as the nearest
  // double, which orders versions the same); rocketmq-client-cpp sends it as a decimal string,
  // which fastjson converts.
  subVersion: z.union([z.number(), z.string().regex(/^[+-]?\d{1,19}$/).transform(Number)])
    .refine(Number.isInteger, "is not an integer").optional(),
  classFilterMode: z.boolean().optional(),
  tagsSet: z.array(z.string()).max(SUBSCRIPTION_EXPRESSION_LENGTH_MAX).nullish(),
  codeSet: z.array(tagCode).max(SUBSCRIPTION_EXPRESSION_LENGTH_MAX).nullish(),
});

const consumerSchema = z.object({
  groupName: name,
  consumeType: javaEnum(CONSUME_TYPES, "CONSUME_PASSIVELY"),
  messageModel: javaEnum(MESSAGE_MODELS, "CLUSTERING"),
  consumeFromWhere: javaEnum(CONSUME_FROM_WHERE, "CONSUME_FROM_LAST_OFFSET"),
  // No cap here: the consumer manager refuses an oversized group alone (SUBSCRIPTIONS_PER_GROUP_MAX).
  subscriptionDataSet: z.array(subscriptionSchema).nullish(),
  unitMode: z.boolean().optional(),
});

const heartbeatSchema = z.object({
  clientID: name,
  producerDataSet: z.array(z.object({ groupName: name })).max(HEARTBEAT_GROUPS_MAX).nullish(),
  consumerDataSet: z.array(consumerSchema).max(HEARTBEAT_GROUPS_MAX).nullish(),
});

const checkClientSchema = z.object({
  clientId: name.nullish(),
  group: name.nullish(),
  // Java reads the subscription without needing its topic; the remark names it when present.
  subscriptionData: subscriptionSchema.extend({ topic: name.nullish() }).nullish(),
});

/** A decoded CHECK_CLIENT_CONFIG body (RocketMQ `CheckClientRequestBody`). */
export interface CheckClientRequestBody {
  /** the asking client, if named */
  readonly clientId: string | undefined;
  /** its consumer group, if named */
  readonly group: string | undefined;
  /** the subscription to check; undefined when the client sent none */
  readonly subscriptionData: SubscriptionData | undefined;
}

const utf8 = new TextDecoder();

/** Parses a JSON body, or throws SYSTEM_ERROR naming `what` and the first bad field. */
function parseBody<T extends z.ZodType>(what: string, schema: T, body: Uint8Array): z.output<T> {
  const text = utf8.decode(body);
  const deep = jsonDepthExceeded(text, JSON_BODY_DEPTH_MAX);
  if (deep >= 0) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot decode ${what}: nests deeper than JSON_BODY_DEPTH_MAX ${JSON_BODY_DEPTH_MAX} at character ${deep}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, `Cannot decode ${what}: ${String(error)}`, {
      cause: error,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot decode ${what}: ${issue.path.join(".")} ${issue.message}`,
    );
  }
  return parsed.data;
}

/**
 * Decodes a CHECK_CLIENT_CONFIG body. An absent or empty body, or JSON `null`, is no body, as
 * RocketMQ 5.x reads it (4.9.8 fails on an absent body instead).
 *
 * @param body the request body
 * @returns the body, or undefined when there is none
 * @throws {BrokerError} SYSTEM_ERROR naming the first bad field when the body is not JSON or not a
 *   CheckClientRequestBody
 */
export function decodeCheckClientRequestBody(
  body: Uint8Array | undefined,
): CheckClientRequestBody | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const data = parseBody(
    "CheckClientRequestBody",
    checkClientSchema.nullable(),
    body,
  );
  if (data === null) return undefined;
  const raw = data.subscriptionData;
  return {
    clientId: data.clientId ?? undefined,
    group: data.group ?? undefined,
    subscriptionData: raw == null
      ? undefined
      : toSubscriptionData({ ...raw, topic: raw.topic ?? "" }),
  };
}

/**
 * Decodes a HEART_BEAT body.
 *
 * @param body the request body
 * @returns the heartbeat
 * @throws {BrokerError} SYSTEM_ERROR naming the first bad field when the body is absent, not JSON
 *   or not a HeartbeatData
 */
export function decodeHeartbeatData(body: Uint8Array | undefined): HeartbeatData {
  if (body === undefined || body.length === 0) {
    throw new BrokerError(ResponseCode.SYSTEM_ERROR, "Cannot decode HeartbeatData: body is empty");
  }
  const data = parseBody("HeartbeatData", heartbeatSchema, body);
  return {
    clientID: data.clientID,
    producerGroups: (data.producerDataSet ?? []).map((p) => p.groupName),
    consumerDataSet: (data.consumerDataSet ?? []).map((c) => ({
      groupName: c.groupName,
      consumeType: c.consumeType,
      messageModel: c.messageModel,
      consumeFromWhere: c.consumeFromWhere,
      unitMode: c.unitMode ?? false,
      subscriptionDataSet: (c.subscriptionDataSet ?? []).map(toSubscriptionData),
    })),
  };
}

/**
 * The subscription as the client announced it. Like RocketMQ, the client's tag set and hash codes
 * are used as sent; when the client sent none for a tag expression they are computed here.
 */
function toSubscriptionData(raw: z.output<typeof subscriptionSchema>): SubscriptionData {
  const subString = raw.subString ?? "*";
  const expressionType = raw.expressionType ?? "TAG";
  const subVersion = raw.subVersion ?? 0;
  if (raw.codeSet == null && raw.tagsSet == null) {
    try {
      return buildSubscriptionData({ topic: raw.topic, subString, expressionType, subVersion });
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      // Kept as announced with empty sets, as RocketMQ keeps it: it then matches untagged messages only.
    }
  }
  return {
    topic: raw.topic,
    subString,
    expressionType,
    subVersion,
    classFilterMode: raw.classFilterMode ?? false,
    tagsSet: raw.tagsSet ?? [],
    codeSet: raw.codeSet ?? [],
  };
}

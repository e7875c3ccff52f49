/**
 * Decodes the body of REGISTER_BROKER (`shared/spec/bodies.md` §2): RegisterBrokerBody JSON
 * (`filterServerList` + `topicConfigSerializeWrapper` {`topicConfigTable`, `dataVersion`}), its
 * zlib-compressed binary form (broker `compressedRegister`), and the bare TopicConfigSerializeWrapper
 * of brokers older than V3_0_11. Also the masked CRC-32 that `bodyCrc32` carries.
 *
 * @module
 */
import zlib from "node:zlib";
import { z } from "zod";
import { jsonDepthExceeded } from "../common/json_depth.ts";
import { JSON_BODY_DEPTH_MAX } from "../common/limits.ts";
import { parseFastjson } from "../store/fastjson.ts";
import {
  FILTER_SERVERS_PER_BROKER_MAX,
  REGISTER_BODY_INFLATED_BYTES_MAX,
  REGISTERED_TOPIC_NAME_CHARS_MAX,
  TOPICS_PER_REGISTRATION_MAX,
} from "./limits.ts";
import type { DataVersion, TopicConfig, TopicConfigWrapper } from "./route_types.ts";

/** MQVersion ordinal V3_0_11: from here on brokers send a full RegisterBrokerBody. */
export const VERSION_V3_0_11 = 37;

/** Thrown when a REGISTER_BROKER body cannot be decoded; the request gets SYSTEM_ERROR. */
export class RegisterBrokerBodyError extends Error {
  /**
   * @param detail what is wrong
   * @param options underlying error
   */
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`Cannot decode RegisterBrokerBody: ${detail}`, options);
    this.name = "RegisterBrokerBodyError";
  }
}

/** The decoded body. */
export interface RegisterBrokerBody {
  /** the broker's topics and their version */
  topicConfigWrapper: TopicConfigWrapper;
  /** filter servers (usually empty) */
  filterServerList: string[];
}

const javaInt = z.int().min(-2147483648).max(2147483647);
const javaLong = z.int();

const dataVersionSchema = z.object({
  counter: javaLong.default(0),
  timestamp: javaLong.default(0),
  stateVersion: javaLong.optional(),
}).loose();

const topicConfigSchema = z.object({
  topicName: z.string().optional(),
  readQueueNums: javaInt.default(16),
  writeQueueNums: javaInt.default(16),
  perm: javaInt.default(6),
  topicFilterType: z.string().default("SINGLE_TAG"),
  topicSysFlag: javaInt.default(0),
  order: z.boolean().default(false),
}).loose();

/**
 * A JSON object exactly as JSON.parse built it: own keys only, `__proto__` included (a valid
 * topic name; zod's record would drop it). Its values are checked one by one in `toWrapper`.
 */
const jsonObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  { message: "Invalid input: expected object" },
);

const wrapperSchema = z.object({
  topicConfigTable: jsonObject.default({}),
  dataVersion: dataVersionSchema.default({ counter: 0, timestamp: 0 }),
}).loose();

const bodySchema = z.object({
  topicConfigSerializeWrapper: wrapperSchema.default({
    topicConfigTable: {},
    dataVersion: { counter: 0, timestamp: 0 },
  }),
  filterServerList: z.array(z.string()).default([]),
}).loose();

/** An empty registration: no topics, data version {0, 0} (RocketMQ's answer to a missing body). */
function emptyBody(): RegisterBrokerBody {
  return {
    topicConfigWrapper: { topicConfigTable: new Map(), dataVersion: { counter: 0, timestamp: 0 } },
    filterServerList: [],
  };
}

function toDataVersion(v: z.output<typeof dataVersionSchema>): DataVersion {
  const out: DataVersion = { counter: v.counter, timestamp: v.timestamp };
  if (v.stateVersion !== undefined) out.stateVersion = v.stateVersion;
  return out;
}

/** @param what body name and `at` the wrapper's path in it, for error messages */
function toWrapper(
  w: z.output<typeof wrapperSchema>,
  what: string,
  at: readonly string[],
): TopicConfigWrapper {
  const entries = Object.entries(w.topicConfigTable);
  checkTopicCount(entries.length);
  const table = new Map<string, TopicConfig>();
  for (const [key, value] of entries) {
    const t = check(topicConfigSchema, value, what, [...at, "topicConfigTable", key]);
    const topicName = checkTopicName(t.topicName ?? key);
    table.set(topicName, {
      topicName,
      readQueueNums: t.readQueueNums,
      writeQueueNums: t.writeQueueNums,
      perm: t.perm,
      topicFilterType: t.topicFilterType,
      topicSysFlag: t.topicSysFlag,
      order: t.order,
    });
  }
  return { topicConfigTable: table, dataVersion: toDataVersion(w.dataVersion) };
}

function checkTopicCount(count: number): void {
  if (count < 0 || count > TOPICS_PER_REGISTRATION_MAX) {
    throw new RegisterBrokerBodyError(
      `body has ${count} topics, expected 0..${TOPICS_PER_REGISTRATION_MAX} (TOPICS_PER_REGISTRATION_MAX)`,
    );
  }
}

function checkTopicName(name: string): string {
  if (name.length === 0 || name.length > REGISTERED_TOPIC_NAME_CHARS_MAX) {
    throw new RegisterBrokerBodyError(
      `body has a topic name of ${name.length} characters (${
        JSON.stringify(name.slice(0, 40))
      }…), expected 1..${REGISTERED_TOPIC_NAME_CHARS_MAX}`,
    );
  }
  return name;
}

function checkFilterServers(list: string[]): string[] {
  if (list.length > FILTER_SERVERS_PER_BROKER_MAX) {
    throw new RegisterBrokerBodyError(
      `body lists ${list.length} filter servers, expected at most ${FILTER_SERVERS_PER_BROKER_MAX}`,
    );
  }
  return list;
}

/**
 * Parses fastjson output: standard JSON first (fast), then fastjson's unquoted integer keys (5.x
 * static-topic maps such as `hostedQueues` are written that way).
 */
function parseJson(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw new RegisterBrokerBodyError(`${what} is not valid UTF-8`, { cause: e });
  }
  const deep = jsonDepthExceeded(text, JSON_BODY_DEPTH_MAX);
  if (deep >= 0) {
    throw new RegisterBrokerBodyError(
      `${what} nests deeper than JSON_BODY_DEPTH_MAX ${JSON_BODY_DEPTH_MAX} at character ${deep}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (standardError) {
    try {
      return parseFastjson(text);
    } catch (e) {
      throw new RegisterBrokerBodyError(`${what} is not valid JSON`, { cause: [standardError, e] });
    }
  }
}

/** Validates a value; errors name the body (`what`) and the path, after `at` when nested. */
function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  at: readonly PropertyKey[] = [],
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [...at, ...issue.path].map(String).join(".") || "(root)";
    throw new RegisterBrokerBodyError(`${what} field ${path}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Decodes a REGISTER_BROKER body.
 *
 * @param body the request body (may be absent)
 * @param options `compressed` header flag and the request's `version`
 * @returns topics, data version and filter servers
 * @throws {RegisterBrokerBodyError} when the body is malformed
 */
export function decodeRegisterBrokerBody(
  body: Uint8Array | undefined,
  options: { compressed: boolean; version: number },
): RegisterBrokerBody {
  if (body === undefined || body.length === 0) return emptyBody();
  if (options.version < VERSION_V3_0_11) {
    const wrapper = check(
      wrapperSchema,
      parseJson(body, "TopicConfigSerializeWrapper"),
      "TopicConfigSerializeWrapper",
    );
    return {
      topicConfigWrapper: toWrapper(wrapper, "TopicConfigSerializeWrapper", []),
      filterServerList: [],
    };
  }
  if (options.compressed) return decodeCompressed(body);
  const parsed = check(bodySchema, parseJson(body, "RegisterBrokerBody"), "RegisterBrokerBody");
  return {
    topicConfigWrapper: toWrapper(parsed.topicConfigSerializeWrapper, "RegisterBrokerBody", [
      "topicConfigSerializeWrapper",
    ]),
    filterServerList: checkFilterServers(parsed.filterServerList),
  };
}

/**
 * Decodes a DataVersion body (QUERY_DATA_VERSION).
 *
 * @param body the request body; absent means {0, 0}
 * @returns the data version
 * @throws {RegisterBrokerBodyError} when the body is malformed
 */
export function decodeDataVersion(body: Uint8Array | undefined): DataVersion {
  if (body === undefined || body.length === 0) return { counter: 0, timestamp: 0 };
  return toDataVersion(check(dataVersionSchema, parseJson(body, "DataVersion"), "DataVersion"));
}

/** Reader over the inflated compressed form. */
class BinaryReader {
  #offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  int32(): number {
    if (this.#offset + 4 > this.bytes.length) {
      throw new RegisterBrokerBodyError(
        `compressed body ends at ${this.bytes.length} while reading an int at ${this.#offset}`,
      );
    }
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.#offset, 4);
    this.#offset += 4;
    return view.getInt32(0);
  }

  block(): Uint8Array {
    const length = this.int32();
    if (length < 0 || this.#offset + length > this.bytes.length) {
      throw new RegisterBrokerBodyError(
        `compressed body has a block of ${length} bytes at ${this.#offset - 4} past its end`,
      );
    }
    const out = this.bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }
}

/**
 * One topic line of the compressed form: `name read write perm filterType [attributes JSON]`;
 * sys flag and order are not carried (defaults 0 / false, as in RocketMQ).
 */
function decodeTopicLine(line: string): TopicConfig {
  const parts = line.split(" ");
  const nums = parts.slice(1, 4).map(Number);
  if (parts.length < 5 || nums.some((n) => !Number.isInteger(n))) {
    throw new RegisterBrokerBodyError(
      `compressed topic line ${JSON.stringify(line.slice(0, 200))} is malformed`,
    );
  }
  return {
    topicName: checkTopicName(parts[0]),
    readQueueNums: nums[0],
    writeQueueNums: nums[1],
    perm: nums[2],
    topicFilterType: parts[4],
    topicSysFlag: 0,
    order: false,
  };
}

function decodeCompressed(body: Uint8Array): RegisterBrokerBody {
  let inflated: Uint8Array;
  try {
    inflated = zlib.inflateSync(body, { maxOutputLength: REGISTER_BODY_INFLATED_BYTES_MAX });
  } catch (e) {
    throw new RegisterBrokerBodyError(
      `compressed body does not inflate within ${REGISTER_BODY_INFLATED_BYTES_MAX} bytes`,
      { cause: e },
    );
  }
  const reader = new BinaryReader(inflated);
  const dataVersion = check(
    dataVersionSchema,
    parseJson(reader.block(), "DataVersion"),
    "DataVersion",
  );
  const count = reader.int32();
  checkTopicCount(count);
  const table = new Map<string, TopicConfig>();
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    const topic = decodeTopicLine(decoder.decode(reader.block()));
    table.set(topic.topicName, topic);
  }
  const filters = check(
    z.array(z.string()),
    parseJson(reader.block(), "filterServerList"),
    "filterServerList",
  );
  return {
    topicConfigWrapper: { topicConfigTable: table, dataVersion: toDataVersion(dataVersion) },
    filterServerList: checkFilterServers(filters),
  };
}

/**
 * Masked CRC-32 of a body, as RocketMQ's `UtilAll.crc32` (`crc & 0x7FFFFFFF`).
 *
 * @param body the bytes as sent
 * @returns the value to compare with the `bodyCrc32` header
 */
export function bodyCrc32(body: Uint8Array | undefined): number {
  if (body === undefined) return 0;
  return zlib.crc32(body) & 0x7fffffff;
}

/**
 * Encodes a registration in the compressed binary form (for tests and the benchmark, as a broker
 * with `compressedRegister=true` does).
 *
 * @param body what to encode
 * @returns deflated bytes
 */
export function encodeCompressedRegisterBrokerBody(body: RegisterBrokerBody): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const int = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n);
    chunks.push(b);
  };
  const block = (text: string) => {
    const bytes = encoder.encode(text);
    int(bytes.length);
    chunks.push(bytes);
  };
  const { dataVersion, topicConfigTable } = body.topicConfigWrapper;
  block(JSON.stringify(dataVersion));
  int(topicConfigTable.size);
  for (const t of topicConfigTable.values()) {
    block(`${t.topicName} ${t.readQueueNums} ${t.writeQueueNums} ${t.perm} ${t.topicFilterType} `);
  }
  block(JSON.stringify(body.filterServerList));
  int(0);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const raw = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    raw.set(c, offset);
    offset += c.length;
  }
  return new Uint8Array(zlib.deflateSync(raw));
}
